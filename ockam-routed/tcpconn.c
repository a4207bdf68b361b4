/* SPDX-License-Identifier: ISC */
/*
 * A connection as the secure channels see it (transport.c keeps them):
 * its remote address, which the bounds per address count, and reading
 * it held while a channel waits for its vault.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <string.h>

#include "imsg.h"
#include "privsep.h"
#include "rconn.h"
#include "routed.h"
#include "tcp.h"

/*
 * The remote address of connection id without its port ("A.B.C.D",
 * "[IPv6]", a host name): what the bounds per address count.
 */
int
tcp_conn_addr(uint32_t id, char *buf, size_t len)
{
	struct rconn	*c;
	char		*p;

	if ((c = conn_by_id(id)) == NULL)
		return (-1);
	strlcpy(buf, c->peer, len);
	if ((p = strrchr(buf, ':')) != NULL &&
	    (buf[0] != '[' || p[-1] == ']'))
		*p = '\0';
	return (0);
}

/*
 * A channel holds what came on connection id (stop) or no longer does:
 * tcpd stops reading it while any channel holds (lib/tcp.h).
 */
void
tcp_read_stop(uint32_t id, int stop)
{
	struct tcp_conn	 tc;
	struct rconn	*c;

	if ((c = conn_by_id(id)) == NULL)
		return;
	if (stop ? c->rstop++ != 0 : (c->rstop == 0 || --c->rstop != 0))
		return;
	memset(&tc, 0, sizeof(tc));
	tc.conn = id;
	children_send(CHILD_TCPD, stop ? IMSG_TCP_STOPREAD : IMSG_TCP_READ,
	    &tc, sizeof(tc));
}
