/* SPDX-License-Identifier: ISC */
/*
 * Reload: TCP listeners (reload.c).  A listener kept (same address and
 * port: same id, reloaddiff.c) keeps its connections, which follow its
 * new consumers from the next message on.  A listener removed is
 * closed at tcpd, and so is every connection it accepted: until tcpd
 * says they are down they belong to a listener with no consumer, so
 * nothing they bring gets in.  A connection tcpd accepted on a
 * listener just bound, before the reload applies, belongs to the
 * pending configuration's listener.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "rconn.h"
#include "reload.h"
#include "routed.h"
#include "tcp.h"

/* Where the connections of a listener that went belong: nowhere. */
static struct listen_conf	 gone = {
	.consumers = TAILQ_HEAD_INITIALIZER(gone.consumers),
	.where = "(removed by a reload)",
};
static uint32_t			 retired_max;	/* ids that went */

static void
conn_close(struct rconn *c)
{
	struct tcp_conn	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.conn = c->id;
	children_send(CHILD_TCPD, IMSG_TCP_CLOSE, &tc, sizeof(tc));
}

/* The connections accepted on listener id close (it went). */
void
tcp_listener_gone(uint32_t id)
{
	struct rconn	*c;

	if (id > retired_max)
		retired_max = id;
	for (c = conn_next(NULL); c != NULL; c = conn_next(c)) {
		if (c->lc == NULL || c->lc == &gone || c->lc->id != id)
			continue;
		log_debug("connection %u from %s: its listener was removed",
		    c->id, c->peer);
		c->lc = &gone;
		conn_close(c);
	}
}

/*
 * tcp_up() for a listener not in force: one a reload bound and has not
 * yet applied, or one removed whose connection crossed the UNLISTEN
 * (closed at once).  NULL: tcpd never had it.
 */
struct listen_conf *
tcp_listener_late(uint32_t id, uint32_t conn)
{
	struct listen_conf	*lc;
	struct tcp_conn		 tc;

	if ((lc = reload_listener(id)) != NULL)
		return (lc);
	if (id == 0 || id > retired_max)
		return (NULL);
	memset(&tc, 0, sizeof(tc));
	tc.conn = conn;
	children_send(CHILD_TCPD, IMSG_TCP_CLOSE, &tc, sizeof(tc));
	return (&gone);
}

/* n replaces the listeners in force. */
void
tcp_reconf(struct ockam_conf *n, struct reload_sum *sum)
{
	struct ockam_conf	*o = tcp_conf();
	struct listen_conf	*lc, *nlc;
	struct rconn		*c;
	int			 closed;

	TAILQ_FOREACH(lc, &o->listeners, entry) {
		TAILQ_FOREACH(nlc, &n->listeners, entry)
			if (nlc->id == lc->id)
				break;
		if (nlc != NULL) {
			if (!names_equal(&lc->consumers, &nlc->consumers))
				sum->changed++;
			continue;
		}
		log_info("reload: listener on %s port %u removed", lc->addr,
		    lc->port);
		sum->removed[RL_LISTENERS]++;
		tcp_unbind(0, lc->id);
		closed = 0;
		for (c = conn_next(NULL); c != NULL; c = conn_next(c))
			if (c->lc == lc)
				closed++;
		sum->removed[RL_CONNECTIONS] += closed;
		tcp_listener_gone(lc->id);
	}
	TAILQ_FOREACH(nlc, &n->listeners, entry) {
		TAILQ_FOREACH(lc, &o->listeners, entry)
			if (nlc->id == lc->id)
				break;
		if (lc == NULL)
			sum->added[RL_LISTENERS]++;
	}
	/* The connections of the listeners kept follow their new rules. */
	for (c = conn_next(NULL); c != NULL; c = conn_next(c)) {
		if (c->lc == NULL || c->lc == &gone)
			continue;
		TAILQ_FOREACH(nlc, &n->listeners, entry)
			if (nlc->id == c->lc->id)
				break;
		if (nlc != NULL)
			c->lc = nlc;
	}
	tcp_conf_set(n);
}
