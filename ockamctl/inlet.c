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

/* Request type with b's body; the answer in out, or exit saying why. */
static void
inlet_request(uint32_t type, struct ibuf *b, char *out, size_t len)
{
	struct ockam_client	*c;

	c = connect_node();
	if (ockam_request(c, type, ibuf_data(b), ibuf_size(b), out,
	    len) == -1)
		node_fail(c, NULL);
	ibuf_free(b);
	ockam_disconnect(c);
}

/* tcp-inlet create --from ADDR:PORT --to ROUTE [--via ROUTE] */
int
cmd_tcp_inlet_create(int argc, char *argv[])
{
	struct ibuf		*b;
	const char		*from = NULL, *to = NULL, *via = "";
	char			 out[CTL_MSG_MAX], *name;
	int			 ch;

	while ((ch = verb_getopt(argc, argv)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 'o':
			to = optarg;
			break;
		case 'v':
			via = optarg;
			break;
		}
	}
	verb_operands(&argc, &argv);
	if (from == NULL)
		usage_error("missing --from address:port");
	if (to == NULL)
		usage_error("missing --to route");
	if ((b = ibuf_open(64, CTL_IMSG_MAX)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, from) == -1 || ibuf_add_string(b, via) == -1 ||
	    ibuf_add_string(b, to) == -1)
		usage_error("an argument is too long");
	inlet_request(CTL_TCP_INLET_CREATE, b, out, sizeof(out));
	if ((name = strchr(out, ' ')) != NULL)
		*name++ = '\0';
	if (jflag) {
		json_object(NULL);
		json_number("id", out);
		json_string("address", name != NULL ? name : "");
		json_string("to", to);
		if (via[0] != '\0')
			json_string("via", via);
		json_end();
	} else
		printf("Inlet %s listening on %s\n", out,
		    name != NULL ? name : "?");
	return (0);
}

/* tcp-inlet delete ID|ADDR:PORT */
int
cmd_tcp_inlet_delete(int argc, char *argv[])
{
	struct ibuf		*b;
	char			 out[CTL_MSG_MAX];

	verb_operands(&argc, &argv);
	if ((b = ibuf_open(64, 512)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argv[0]) == -1)
		usage_error("\"%.64s\" is too long", argv[0]);
	inlet_request(CTL_TCP_INLET_DELETE, b, out, sizeof(out));
	if (jflag)
		print_result("deleted", argv[0]);
	return (0);
}
