/* SPDX-License-Identifier: ISC */
/*
 * The control verbs of the transport: show connections, tcp-connection
 * delete, show listeners (ockamctl(8)).  The connections are transport.c's.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "privsep.h"
#include "rconn.h"
#include "routed.h"
#include "tcp.h"

void
ctl_show_connections(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct rconn	*c;
	struct ibuf	*b;
	char		 dir[128], state[64];

	(void)arg;
	for (c = conn_next(NULL); c != NULL; c = conn_next(c)) {
		if (c->lc != NULL)
			snprintf(dir, sizeof(dir), "accepted on %s port %u",
			    c->lc->addr, c->lc->port);
		else
			strlcpy(dir, "opened by this node", sizeof(dir));
		snprintf(state, sizeof(state), "%s%s, up %llds",
		    c->tls ? "TLS" : "TCP", c->paused ? ", peer not reading" :
		    "", (long long)(time(NULL) - c->since));
		if ((b = ibuf_open(256, 1024)) == NULL)
			break;
		ibuf_add_h32(b, c->id);
		ibuf_add_string(b, c->peer);
		ibuf_add_string(b, dir);
		ibuf_add_string(b, state);
		control_reply(conn, CTL_CONNECTION_INFO, imsg->hdr.peerid,
		    ibuf_data(b), ibuf_size(b));
		ibuf_free(b);
	}
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}

void
ctl_tcp_delete(uint32_t conn, struct imsg *imsg, const char *what)
{
	struct tcp_conn	 tc;
	struct rconn	*c;
	const char	*errstr;
	uint32_t	 id;

	id = strtonum(what, 1, UINT32_MAX, &errstr);
	if ((c = errstr == NULL ? conn_by_id(id) : NULL) == NULL &&
	    (c = conn_by_name(0, what, 0)) == NULL &&
	    (c = conn_by_name(1, what, 0)) == NULL &&
	    (c = conn_by_name(0, what, 1)) == NULL &&
	    (c = conn_by_name(1, what, 1)) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "no such connection");
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.conn = c->id;
	children_send(CHILD_TCPD, IMSG_TCP_CLOSE, &tc, sizeof(tc));
	control_report(conn, imsg->hdr.peerid, CTL_OK, c->peer);
}

static void
listener_info(uint32_t conn, uint32_t reqid, const char *kind,
    const char *addr, const struct names *consumers)
{
	struct name_entry	*n;
	struct ibuf		*b;
	char			 list[1024] = "";

	TAILQ_FOREACH(n, consumers, entry) {
		if (list[0] != '\0')
			strlcat(list, " ", sizeof(list));
		strlcat(list, n->name, sizeof(list));
	}
	if ((b = ibuf_open(256, CTL_IMSG_MAX)) == NULL)
		return;
	ibuf_add_string(b, kind);
	ibuf_add_string(b, addr);
	ibuf_add_string(b, list[0] ? list : "(none: nothing gets in)");
	control_reply(conn, CTL_LISTENER_INFO, reqid, ibuf_data(b),
	    ibuf_size(b));
	ibuf_free(b);
}

/* The grants, as configured: who may receive what comes in where. */
void
ctl_show_listeners(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct ockam_conf	*conf = tcp_conf();
	struct listen_conf	*lc;
	struct sclistener_conf	*sl;
	char			 addr[128];

	(void)arg;
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		snprintf(addr, sizeof(addr), lc->family == 6 ? "[%s]:%u" :
		    "%s:%u", lc->addr, lc->port);
		listener_info(conn, imsg->hdr.peerid, lc->tls ? "tls" : "tcp",
		    addr, &lc->consumers);
	}
	TAILQ_FOREACH(sl, &conf->sclisteners, entry)
		listener_info(conn, imsg->hdr.peerid, "secure-channel",
		    sl->name, &sl->consumers);
	ctl_inlet_listeners(conn, imsg->hdr.peerid);
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}
