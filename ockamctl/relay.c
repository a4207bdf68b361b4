/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: relays at hubs (relay create, relay delete) and show
 * relays, which lists them and, on a hub, its forwarders.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

#define TRUST_MAX	64
#define HEARTBEAT_MAX	3600

static int
relay_create(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "heartbeat", required_argument, NULL, 'h' },
		{ "identity", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "pin", no_argument, NULL, 'P' },
		{ "to", required_argument, NULL, 'o' },
		{ "trust", required_argument, NULL, 'T' },
		{ "trust-any", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct ockam_client	*c;
	struct ockam_sc_opts	 o;
	const char		*alias = NULL, *to = "";
	const char		*trust[TRUST_MAX], *errstr;
	char			 out[CTL_MSG_MAX];
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.trust = trust;
	verb_options(argv);
	while ((ch = getopt_long(argc, argv, "Ah:i:n:o:PT:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			o.flags |= OCKAM_TRUST_ANY;
			break;
		case 'h':
			o.seconds = strtonum(optarg, 1, HEARTBEAT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "heartbeat %s is %s (1 to %d seconds)",
				    optarg, errstr, HEARTBEAT_MAX);
			break;
		case 'i':
			o.identity = optarg;
			break;
		case 'n':
			alias = optarg;
			break;
		case 'o':
			to = optarg;
			break;
		case 'P':
			o.flags |= OCKAM_TRUST_PIN;
			break;
		case 'T':
			if (o.ntrust >= TRUST_MAX)
				errx(1, "at most %d --trust", TRUST_MAX);
			trust[o.ntrust++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (to[0] == '\0')
		errx(1, "relay create: --to ADDRESS is needed: what comes "
		    "through the relay goes there, or by the rest of its "
		    "route, nowhere else");
	if ((o.flags & OCKAM_TRUST_ANY) && (o.ntrust > 0 ||
	    (o.flags & OCKAM_TRUST_PIN)))
		errx(1, "--trust-any goes with neither --trust nor --pin");
	c = connect_node();
	if (ockam_relay_create(c, argv[0], alias, to, &o, out,
	    sizeof(out)) == -1)
		errx(1, "relay create: %s", ockam_error(c));
	printf("Forwarding address: %s\n", out);
	ockam_disconnect(c);
	return (0);
}

static int
relay_delete(int argc, char *argv[])
{
	struct ockam_client	*c;

	if (argc != 2)
		usage();
	c = connect_node();
	if (ockam_relay_delete(c, argv[1]) == -1)
		errx(1, "relay delete: %s", ockam_error(c));
	ockam_disconnect(c);
	return (0);
}

int
cmd_relay(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "create") == 0)
		return (relay_create(argc - 1, argv + 1));
	if (strcmp(argv[1], "delete") == 0)
		return (relay_delete(argc - 1, argv + 1));
	usage();
}

static int
relay_item(void *arg, struct cursor *cur)
{
	char	 f[7][FIELD_MAX];
	int	*header = arg;

	if (cur_fields(cur, f, 7) == -1)
		return (-1);
	if (!*header) {
		printf("%-6s %-32s %-11s %-19s %s\n", "SIDE", "ADDRESS",
		    "STATE", "SINCE", "ALIAS / REMOTE");
		*header = 1;
	}
	printf("%-6s %-32s %-11s %-19s %s\n", f[0], f[1], f[2], f[5], f[3]);
	printf("    route %s\n    %s\n", f[4], f[6]);
	return (0);
}

int
cmd_show_relays(void)
{
	if (show_list(CTL_SHOW_RELAYS, CTL_RELAY_INFO, relay_item,
	    "show relays") == 0)
		printf("none\n");
	return (0);
}
