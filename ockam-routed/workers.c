/* SPDX-License-Identifier: ISC */
/*
 * The built-in workers (echoer, hop), and app workers whose messages
 * go to the control client that registered them.
 */
#include <sys/types.h>

#include <string.h>

#include "log.h"
#include "routed.h"

/*
 * Echoer: a new message back along the return route we received, from
 * us, with the same payload.  Local info (who asked) carries over, so
 * a sender that asked to hear of drops hears of the reply's too.
 */
static void
echoer_handle(struct worker *w, struct message *m)
{
	struct message	*r;

	if ((r = message_new()) == NULL) {
		router_drop(m, "echoer %s: out of memory", w->name);
		return;
	}
	if (route_copy(&r->tm.onward, &m->tm.ret) == -1 ||
	    route_push_back(&r->tm.ret, OCKAM_ADDR_LOCAL, w->name,
	    strlen(w->name)) == -1) {
		message_free(r);
		router_drop(m, "echoer %s: cannot build the reply", w->name);
		return;
	}
	r->tm.payload = m->tm.payload;
	r->tm.plen = m->tm.plen;
	m->tm.payload = NULL;
	m->tm.plen = 0;
	r->origin = m->origin;
	r->reqid = m->reqid;
	r->flags = m->flags;
	r->hops = m->hops;
	message_free(m);
	router_enqueue(r);
}

/* Hop: step past ourselves and add ourselves to the way back. */
static void
hop_handle(struct worker *w, struct message *m)
{
	route_pop_front(&m->tm.onward);
	if (route_push_front(&m->tm.ret, OCKAM_ADDR_LOCAL, w->name,
	    strlen(w->name)) == -1) {
		router_drop(m, "hop %s: return route too long", w->name);
		return;
	}
	router_enqueue(m);
}

/*
 * Relay: step past ourselves and put the whole fixed route in front;
 * the return route is left alone, so the relay is invisible to
 * replies (the middle node of the guides).
 */
static void
relay_handle(struct worker *w, struct message *m)
{
	if (worker_forward(w, m, &w->relay->route) == 0)
		router_enqueue(m);
}

/*
 * Step past w and put route in front of the rest of m's onward route
 * (relays, hub forwarders).  -1: too long, m dropped.
 */
int
worker_forward(struct worker *w, struct message *m,
    const struct route *route)
{
	route_pop_front(&m->tm.onward);
	if (route_prepend(&m->tm.onward, route) == -1) {
		router_drop(m, "%s %s: route too long",
		    worker_kind_name(w->kind), w->name);
		return (-1);
	}
	return (0);
}

static void
app_handle(struct worker *w, struct message *m)
{
	if (control_deliver(w->owner, m) == -1)
		router_drop(m, "app worker %s: its client cannot take it",
		    w->name);
	else
		message_free(m);
}

void
worker_handle(struct worker *w, struct message *m)
{
	switch (w->kind) {
	case WORKER_ECHOER:
		echoer_handle(w, m);
		break;
	case WORKER_HOP:
		hop_handle(w, m);
		break;
	case WORKER_APP:
		app_handle(w, m);
		break;
	case WORKER_SC_LISTENER:
	case WORKER_SC_ENCRYPTOR:
	case WORKER_SC_DECRYPTOR:
		channel_handle(w, m);
		break;
	case WORKER_RELAY:
		relay_handle(w, m);
		break;
	case WORKER_REMOTE:
		relayc_handle(w, m);
		break;
	case WORKER_OUTLET:
	case WORKER_PORTAL:
		portal_handle(w, m);
		break;
	case WORKER_FWD_SERVICE:
	case WORKER_FWD_STATIC:
	case WORKER_FORWARDER:
		hub_handle(w, m);
		break;
	case WORKER_STREAM_SERVICE:
	case WORKER_STREAM:
		stream_handle(w, m);
		break;
	case WORKER_STREAM_INDEX:
		stream_index_handle(w, m);
		break;
	case WORKER_STREAM_PRODUCER:
	case WORKER_STREAM_CONSUMER:
		sclient_handle(w, m);
		break;
	}
}
