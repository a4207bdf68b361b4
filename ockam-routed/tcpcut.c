/* SPDX-License-Identifier: ISC */
/*
 * Cut-through (lib/tcp.h IMSG_TCP_CUT, ockam-tcpd/cut.c): when what
 * arrives on an accepted connection may go straight to the connection
 * of a hub forwarder's client (hub_flow_allows(): the head of a
 * forwarder's route), routed lets ockam-tcpd send such frames on
 * itself, both ways, as routed would: the sender's frames to the
 * client, and the client's replies to the sender, which its reply
 * grants let through anyway.  routed takes it back (IMSG_TCP_UNCUT)
 * when the client has no forwarder any more; tcpd drops it when
 * either connection closes, and hands routed whatever it cannot send
 * at once.  Both ends keep at most TCP_CUTS.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "rconn.h"
#include "routed.h"
#include "tcp.h"

static int
cut_has(const struct rconn *c, uint32_t id)
{
	int	 i;

	for (i = 0; i < c->ncuts; i++)
		if (c->cuts[i] == id)
			return (1);
	return (0);
}

static void
cut_drop(struct rconn *c, uint32_t id)
{
	int	 i;

	for (i = 0; i < c->ncuts; i++)
		if (c->cuts[i] == id) {
			c->cuts[i] = c->cuts[--c->ncuts];
			return;
		}
}

static void
cut_send(const struct rconn *src, const struct rconn *dst)
{
	struct tcp_cut	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.src = src->id;
	tc.dst = dst->id;
	tc.type = src->tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP;
	tc.htype = dst->tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP;
	strlcpy(tc.head, conn_name(dst), sizeof(tc.head));
	strlcpy(tc.name, conn_name(src), sizeof(tc.name));
	children_send(CHILD_TCPD, IMSG_TCP_CUT, &tc, sizeof(tc));
}

/* What arrived on src may go to a, a hub forwarder's head: cut. */
void
tcp_cut(struct rconn *src, const struct addr *a)
{
	struct rconn	*dst;

	if (src->lc == NULL || (a->type != OCKAM_ADDR_TCP &&
	    a->type != OCKAM_ADDR_TLS) || (dst = conn_by_name(a->type ==
	    OCKAM_ADDR_TLS, a->val, 0)) == NULL || dst->lc == NULL ||
	    dst == src || cut_has(src, dst->id) || src->ncuts >= TCP_CUTS ||
	    dst->ncuts >= TCP_CUTS)
		return;
	cut_send(src, dst);
	cut_send(dst, src);
	src->cuts[src->ncuts++] = dst->id;
	dst->cuts[dst->ncuts++] = src->id;
}

/* c's cut-throughs are gone: from the other ends' lists too. */
void
tcp_cut_forget(struct rconn *c)
{
	struct rconn	*o;
	int		 i;

	for (i = 0; i < c->ncuts; i++)
		if ((o = conn_by_id(c->cuts[i])) != NULL)
			cut_drop(o, c->id);
	c->ncuts = 0;
}

/* The connection type#name is no forwarder's head any more. */
void
tcp_uncut(uint8_t type, const char *name)
{
	struct rconn	*c;
	struct tcp_conn	 tc;

	if ((type != OCKAM_ADDR_TCP && type != OCKAM_ADDR_TLS) ||
	    (c = conn_by_name(type == OCKAM_ADDR_TLS, name, 0)) == NULL ||
	    c->ncuts == 0)
		return;
	memset(&tc, 0, sizeof(tc));
	tc.conn = c->id;
	children_send(CHILD_TCPD, IMSG_TCP_UNCUT, &tc, sizeof(tc));
	tcp_cut_forget(c);
}
