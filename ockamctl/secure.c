/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: identities and secure channels.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "ockamctl.h"

#define TRUST_MAX	64

static int
identity_item(void *arg, struct cursor *cur)
{
	char	 name[128], id[128];

	(void)arg;
	cur_string(cur, name, sizeof(name));
	cur_string(cur, id, sizeof(id));
	if (cur_end(cur) == -1)
		return (-1);
	printf("%-24s %s\n", name, id);
	return (0);
}

/* identity create NAME | identity show [NAME] */
int
cmd_identity(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	char			 out[256];
	int			 r;

	if (argc < 2 || argc > 3)
		usage();
	if ((b = ibuf_open(64, 256)) == NULL)
		err(1, NULL);
	if (strcmp(argv[1], "create") == 0 && argc == 3) {
		ibuf_add_string(b, argv[2]);
		c = connect_node();
		r = ockam_request(c, CTL_IDENTITY_CREATE, ibuf_data(b),
		    ibuf_size(b), out, sizeof(out));
		if (r == 0)
			printf("%s\n", out);
	} else if (strcmp(argv[1], "show") == 0) {
		ibuf_add_string(b, argc == 3 ? argv[2] : "");
		c = connect_node();
		r = ockam_list(c, CTL_IDENTITY_SHOW, ibuf_data(b),
		    ibuf_size(b), CTL_IDENTITY_INFO, identity_item, NULL);
	} else
		usage();
	if (r == -1)
		errx(1, "identity %s: %s", argv[1], ockam_error(c));
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}

static int
sc_create(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "identity", required_argument, NULL, 'i' },
		{ "pin", no_argument, NULL, 'P' },
		{ "trust", required_argument, NULL, 'T' },
		{ "trust-any", no_argument, NULL, 'A' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct ockam_client	*c;
	struct ockam_sc_opts	 o;
	struct route		 to;
	const char		*trust[TRUST_MAX];
	char			 out[256];
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.trust = trust;
	verb_options(argv);
	while ((ch = getopt_long(argc, argv, "Ai:PT:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			o.flags |= OCKAM_TRUST_ANY;
			break;
		case 'P':
			o.flags |= OCKAM_TRUST_PIN;
			break;
		case 'i':
			o.identity = optarg;
			break;
		case 'T':
			if (o.ntrust >= TRUST_MAX)
				errx(1, "at most %d --trust", TRUST_MAX);
			trust[o.ntrust++] = optarg;
			break;
		case 't':
			o.seconds = parse_timeout(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if ((o.flags & OCKAM_TRUST_ANY) && (o.ntrust > 0 ||
	    (o.flags & OCKAM_TRUST_PIN)))
		errx(1, "--trust-any goes with neither --trust nor --pin");
	route_init(&to);
	parse_route(argv[0], &to);
	c = connect_node();
	if (ockam_secure_channel_create(c, &to, &o, out, sizeof(out)) == -1)
		errx(1, "secure-channel create: %s", ockam_error(c));
	printf("%s\n", out);
	route_clear(&to);
	ockam_disconnect(c);
	return (0);
}

/* secure-channel delete ADDRESS: /service/NAME or NAME */
static int
sc_delete(int argc, char *argv[])
{
	struct ockam_client	*c;

	if (argc != 2)
		usage();
	c = connect_node();
	if (ockam_secure_channel_delete(c, argv[1]) == -1)
		errx(1, "secure-channel delete: %s", ockam_error(c));
	ockam_disconnect(c);
	return (0);
}

/* secure-channel unpin ROUTE: prints the identifier that was pinned */
static int
sc_unpin(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct route		 to;
	struct ibuf		*b;
	char			 out[256];

	if (argc != 2)
		usage();
	route_init(&to);
	parse_route(argv[1], &to);
	if ((b = ibuf_open(256, CTL_IMSG_MAX)) == NULL)
		err(1, NULL);
	if (route_encode(b, &to) == -1)
		errx(1, "route too long");
	c = connect_node();
	if (ockam_request(c, CTL_SC_UNPIN, ibuf_data(b), ibuf_size(b), out,
	    sizeof(out)) == -1)
		errx(1, "secure-channel unpin: %s", ockam_error(c));
	printf("%s\n", out);
	ibuf_free(b);
	route_clear(&to);
	ockam_disconnect(c);
	return (0);
}

int
cmd_secure_channel(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "create") == 0)
		return (sc_create(argc - 1, argv + 1));
	if (strcmp(argv[1], "delete") == 0)
		return (sc_delete(argc - 1, argv + 1));
	if (strcmp(argv[1], "unpin") == 0)
		return (sc_unpin(argc - 1, argv + 1));
	usage();
}

static int
channel_item(void *arg, struct cursor *cur)
{
	char	 f[8][FIELD_MAX];
	int	*header = arg;

	if (cur_fields(cur, f, 8) == -1)
		return (-1);
	if (!*header) {
		printf("%-42s %-9s %-9s %s\n", "CHANNEL", "ROLE", "STATE",
		    "PEER");
		*header = 1;
	}
	printf("/service/%-33s %-9s %-9s %s\n", f[0], f[2], f[3],
	    f[4][0] ? f[4] : "-");
	printf("    identity %s, decryptor %s, remote %s\n    %s\n", f[5],
	    f[1], f[6], f[7]);
	return (0);
}

int
cmd_show_channels(void)
{
	show_list(CTL_SHOW_CHANNELS, CTL_CHANNEL_INFO, channel_item,
	    "show channels");
	return (0);
}
