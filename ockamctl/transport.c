/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: TCP connections and the listeners' grants.
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

static int
connection_decode(struct cursor *cur, char f[][FIELD_MAX])
{
	snprintf(f[0], FIELD_MAX, "%u", cur_h32(cur));
	return (cur_fields(cur, f + 1, 3));
}

static const struct column connection_cols[] = {
	{ "id",		"ID",		0, 6, COL_NUM },
	{ "peer",	"PEER",		1, 28, 0 },
	{ "direction",	"DIRECTION",	2, 32, 0 },
	{ "state",	"STATE",	3, 0, 0 },
};
static const struct listing connection_list = {
	"connections", CTL_SHOW_CONNECTIONS, CTL_CONNECTION_INFO,
	connection_cols, 4, 4, connection_decode, NULL
};

static const struct column listener_cols[] = {
	{ "kind",	"KIND",		0, 16, 0 },
	{ "listener",	"LISTENER",	1, 32, 0 },
	{ "consumers",	"CONSUMERS (who may receive what comes in)", 2, 0,
	    0 },
};
static const struct listing listener_list = {
	"listeners", CTL_SHOW_LISTENERS, CTL_LISTENER_INFO, listener_cols,
	3, 3, NULL, NULL
};

int
cmd_show_connections(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&connection_list, NULL, 0, 0));
}

int
cmd_show_listeners(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&listener_list, NULL, 0, 0));
}

/* tcp-connection delete PEER|ID */
int
cmd_tcp_connection_delete(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	char			 out[300];

	verb_operands(&argc, &argv);
	if ((b = ibuf_open(64, 512)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argv[0]) == -1)
		usage_error("peer name too long");
	c = connect_node();
	if (ockam_request(c, CTL_TCP_DELETE, ibuf_data(b), ibuf_size(b), out,
	    sizeof(out)) == -1)
		node_fail(c, NULL);
	if (jflag)
		print_result("deleted", argv[0]);
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}
