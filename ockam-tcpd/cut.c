/* SPDX-License-Identifier: ISC */
/*
 * Cut-through (lib/tcp.h IMSG_TCP_CUT): a frame that arrives on an
 * accepted connection and whose first onward address names another
 * accepted connection routed has let it reach goes there from here, as
 * routed would have sent it (the head off, the source's name first in
 * the return route: tmsg_hop()), without the two trips through routed.
 * It is how a hub forwards a channel's frames between a sender and a
 * forwarder's client once routed has allowed the pair (doc/design.md
 * 3.3).  A destination that does not read (XOFF) takes nothing this
 * way: routed, with its bounds, decides as before.  At most
 * TCPD_CUTS per connection; both go when either connection does.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "log.h"
#include "route.h"
#include "tcp.h"
#include "tcpd.h"

struct cut {
	TAILQ_ENTRY(cut)	 entry;
	uint32_t		 dst;
	uint8_t			 type;
	uint8_t			 htype;
	size_t			 hlen;
	char			 head[TCP_PEER_MAX];
	char			 name[TCP_PEER_MAX];
};

static int	 ncuts;		/* all connections' */

void
cut_add(const struct tcp_cut *tc)
{
	struct conn	*src, *dst;
	struct cut	*k;

	if ((src = conn_by_id(tc->src)) == NULL || src->dead ||
	    (dst = conn_by_id(tc->dst)) == NULL || dst->dead ||
	    src->listener == 0 || dst->listener == 0)
		return;
	TAILQ_FOREACH(k, &src->cuts, entry)
		if (k->dst == tc->dst && strcmp(k->head, tc->head) == 0)
			return;
	if (src->ncuts >= TCPD_CUTS || ncuts >= TCPD_CUTS_ALL)
		return;		/* routed forwards the rest itself */
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return;
	k->dst = tc->dst;
	k->type = tc->type;
	k->htype = tc->htype;
	strlcpy(k->head, tc->head, sizeof(k->head));
	k->hlen = strlen(k->head);
	strlcpy(k->name, tc->name, sizeof(k->name));
	TAILQ_INSERT_TAIL(&src->cuts, k, entry);
	src->ncuts++;
	ncuts++;
	log_debug("connection %u: frames for %s go to connection %u at once",
	    src->id, k->head, k->dst);
}

static void
cut_free(struct conn *c, struct cut *k)
{
	TAILQ_REMOVE(&c->cuts, k, entry);
	c->ncuts--;
	ncuts--;
	free(k);
}

/* Nothing more from or to connection id (closed, or routed says so). */
void
cut_del(uint32_t id)
{
	struct conn	*c;
	struct cut	*k, *next;

	if (ncuts == 0)
		return;
	TAILQ_FOREACH(c, &conns, entry)
		for (k = TAILQ_FIRST(&c->cuts); k != NULL; k = next) {
			next = TAILQ_NEXT(k, entry);
			if (c->id == id || k->dst == id)
				cut_free(c, k);
		}
}

/*
 * A frame of c (body, len: checked): sent on at once?  1: it went to
 * its destination; 0: routed takes it as usual.
 */
int
cut_frame(struct conn *c, const unsigned char *body, size_t len)
{
	struct tcp_msg	 tm;
	struct cut	*k;
	struct conn	*dst;
	const char	*val;
	unsigned char	*buf;
	size_t		 vlen, n, count, size;
	uint8_t		 type;

	if (TAILQ_EMPTY(&c->cuts) || tmsg_head(body, len, &type, &val, &vlen,
	    &count) == -1 || count < 2)
		return (0);
	TAILQ_FOREACH(k, &c->cuts, entry)
		if (k->htype == type && k->hlen == vlen &&
		    memcmp(k->head, val, vlen) == 0)
			break;
	if (k == NULL || (dst = conn_by_id(k->dst)) == NULL || dst->dead ||
	    dst->state != CONN_UP || dst->xoff)
		return (0);
	size = FRAME_HDR + len + TCP_PEER_MAX + 16;
	if ((buf = malloc(size)) == NULL)
		return (0);
	if ((n = tmsg_hop(body, len, k->type, k->name, buf + FRAME_HDR,
	    size - FRAME_HDR)) == 0 || n > TCP_FRAME_MAX) {
		free(buf);
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	tm.conn = dst->id;
	tm.tls = dst->use_tls;
	strlcpy(tm.peer, dst->peer, sizeof(tm.peer));
	conn_send(&tm, buf, FRAME_HDR + n, FRAME_HDR);
	return (1);
}
