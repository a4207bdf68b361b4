/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: tcp-inlet create and delete, portal inlets started and
 * stopped while the node runs.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

/* Request type with b's body, or exit saying why verb failed. */
static void
inlet_request(uint32_t type, struct ibuf *b, char *out, size_t len,
    const char *verb)
{
	struct ockam_client	*c;

	c = connect_node();
	if (ockam_request(c, type, ibuf_data(b), ibuf_size(b), out,
	    len) == -1)
		errx(1, "%s: %s", verb, ockam_error(c));
	ibuf_free(b);
	ockam_disconnect(c);
}

/* tcp-inlet create --from ADDR:PORT --to ROUTE [--via ROUTE] */
static int
inlet_create(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "via", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct ibuf		*b;
	const char		*from = NULL, *to = NULL, *via = "";
	char			 out[CTL_MSG_MAX], *name;
	int			 ch;

	verb_options(argv);
	while ((ch = getopt_long(argc, argv, "f:t:v:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'v':
			via = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || from == NULL || to == NULL)
		usage();
	if ((b = ibuf_open(64, CTL_IMSG_MAX)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, from) == -1 || ibuf_add_string(b, via) == -1 ||
	    ibuf_add_string(b, to) == -1)
		errx(1, "tcp-inlet create: an argument is too long");
	inlet_request(CTL_TCP_INLET_CREATE, b, out, sizeof(out),
	    "tcp-inlet create");
	if ((name = strchr(out, ' ')) != NULL)
		*name++ = '\0';
	printf("Inlet %s listening on %s\n", out, name != NULL ? name : "?");
	return (0);
}

/* tcp-inlet delete ID|ADDR:PORT */
static int
inlet_delete(int argc, char *argv[])
{
	struct ibuf		*b;
	char			 out[CTL_MSG_MAX];

	if (argc != 2)
		usage();
	if ((b = ibuf_open(64, 512)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argv[1]) == -1)
		errx(1, "tcp-inlet delete: \"%.64s\" is too long", argv[1]);
	inlet_request(CTL_TCP_INLET_DELETE, b, out, sizeof(out),
	    "tcp-inlet delete");
	return (0);
}

int
cmd_tcp_inlet(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return (inlet_create(argc - 1, argv + 1));
	if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		return (inlet_delete(argc - 1, argv + 1));
	usage();
}
