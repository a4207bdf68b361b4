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
connection_item(void *arg, struct cursor *cur)
{
	char		 peer[300], dir[160], state[96];
	uint32_t	 id;
	int		*header = arg;

	id = cur_h32(cur);
	cur_string(cur, peer, sizeof(peer));
	cur_string(cur, dir, sizeof(dir));
	cur_string(cur, state, sizeof(state));
	if (cur_end(cur) == -1)
		return (-1);
	if (!*header) {
		printf("%-6s %-28s %-32s %s\n", "ID", "PEER", "DIRECTION",
		    "STATE");
		*header = 1;
	}
	printf("%-6u %-28s %-32s %s\n", id, peer, dir, state);
	return (0);
}

static int
listener_item(void *arg, struct cursor *cur)
{
	char	 kind[32], addr[300], consumers[1024];
	int	*header = arg;

	cur_string(cur, kind, sizeof(kind));
	cur_string(cur, addr, sizeof(addr));
	cur_string(cur, consumers, sizeof(consumers));
	if (cur_end(cur) == -1)
		return (-1);
	if (!*header) {
		printf("%-16s %-32s %s\n", "KIND", "LISTENER",
		    "CONSUMERS (who may receive what comes in)");
		*header = 1;
	}
	printf("%-16s %-32s %s\n", kind, addr, consumers);
	return (0);
}

/* show connections | show listeners */
int
cmd_show_transport(const char *what)
{
	struct ockam_client	*c;
	int			 header = 0, r;

	c = connect_node();
	if (strcmp(what, "connections") == 0)
		r = ockam_list(c, CTL_SHOW_CONNECTIONS, NULL, 0,
		    CTL_CONNECTION_INFO, connection_item, &header);
	else
		r = ockam_list(c, CTL_SHOW_LISTENERS, NULL, 0,
		    CTL_LISTENER_INFO, listener_item, &header);
	if (r == -1)
		errx(1, "show %s: %s", what, ockam_error(c));
	ockam_disconnect(c);
	return (0);
}

/* tcp-connection delete PEER|ID */
int
cmd_tcp_connection(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	char			 out[300];

	if (argc != 3 || strcmp(argv[1], "delete") != 0)
		usage();
	if ((b = ibuf_open(64, 512)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argv[2]) == -1)
		errx(1, "peer name too long");
	c = connect_node();
	if (ockam_request(c, CTL_TCP_DELETE, ibuf_data(b), ibuf_size(b), out,
	    sizeof(out)) == -1)
		errx(1, "tcp-connection delete: %s", ockam_error(c));
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}
