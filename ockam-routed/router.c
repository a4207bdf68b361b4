/* SPDX-License-Identifier: ISC */
/*
 * The routing core: a table of workers addressed by name and a queue
 * of messages waiting for delivery.  Delivery is iterative (a worker
 * that forwards puts the message back on the queue), so no route,
 * however long or looping, can grow the stack; a hop count bounds the
 * work one message may cause.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ctl.h"
#include "log.h"
#include "multiaddr.h"
#include "routed.h"
#include "util.h"

int	worker_cmp(struct worker *, struct worker *);

RB_HEAD(worker_tree, worker);
RB_PROTOTYPE(worker_tree, worker, entry, worker_cmp);
RB_GENERATE(worker_tree, worker, entry, worker_cmp);

static struct worker_tree	 workers = RB_INITIALIZER(&workers);
static TAILQ_HEAD(, message)	 queue = TAILQ_HEAD_INITIALIZER(queue);
static int			 queued;
static size_t			 queued_bytes;
static int			 backlogged;

int
worker_cmp(struct worker *a, struct worker *b)
{
	return (strcmp(a->name, b->name));
}

void
router_init(void)
{
	heap_keep();
	RB_INIT(&workers);
	TAILQ_INIT(&queue);
	queued = 0;
	queued_bytes = 0;
}

void
router_shutdown(void)
{
	struct worker	*w;
	struct message	*m;

	while ((m = TAILQ_FIRST(&queue)) != NULL) {
		TAILQ_REMOVE(&queue, m, entry);
		message_free(m);
	}
	queued = 0;
	queued_bytes = 0;
	while ((w = RB_MIN(worker_tree, &workers)) != NULL)
		worker_del(w);
}

/*
 * Add a worker.  An empty name asks for a random address; the name
 * actually used is in the returned worker.
 */
struct worker *
worker_add(const char *name, enum worker_kind kind, uint32_t owner,
    char *err, size_t errlen)
{
	struct worker	*w;
	size_t		 len;

	/* A worker costs its name, not the longest one (a channel has two). */
	if (name == NULL || name[0] == '\0')
		len = 2 * RANDOM_NAME_BYTES;
	else {
		len = strlen(name);
		if (addr_valid(OCKAM_ADDR_LOCAL, name, len) == -1) {
			snprintf(err, errlen, "invalid worker address \"%s\"",
			    safe_str(name, len));
			return (NULL);
		}
	}
	if ((w = calloc(1, sizeof(*w) + len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	w->name = (char *)(w + 1);
	if (name == NULL || name[0] == '\0')
		random_name(w->name, len + 1);
	else
		memcpy(w->name, name, len + 1);
	w->kind = kind;
	w->owner = owner;
	if (RB_INSERT(worker_tree, &workers, w) != NULL) {
		snprintf(err, errlen, "address \"%s\" is already in use",
		    w->name);
		free(w);
		return (NULL);
	}
	log_debug("worker %s started at %s", worker_kind_name(kind), w->name);
	return (w);
}

void
worker_del(struct worker *w)
{
	log_debug("worker %s at %s stopped", worker_kind_name(w->kind),
	    w->name);
	RB_REMOVE(worker_tree, &workers, w);
	free(w);
}

/* A control client went away: so do the workers it registered. */
void
worker_del_owner(uint32_t owner)
{
	struct worker	*w, *next;

	for (w = RB_MIN(worker_tree, &workers); w != NULL; w = next) {
		next = RB_NEXT(worker_tree, &workers, w);
		if (w->kind == WORKER_APP && w->owner == owner)
			worker_del(w);
	}
}

struct worker *
worker_find(const char *name)
{
	struct worker	 key;
	char		 buf[OCKAM_ADDR_MAX + 1];

	if (strlcpy(buf, name, sizeof(buf)) >= sizeof(buf))
		return (NULL);
	key.name = buf;
	return (RB_FIND(worker_tree, &workers, &key));
}

/* Walk the table in address order: worker_next(NULL) is the first. */
struct worker *
worker_next(struct worker *w)
{
	if (w == NULL)
		return (RB_MIN(worker_tree, &workers));
	return (RB_NEXT(worker_tree, &workers, w));
}

struct message *
message_new(void)
{
	struct message	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	tmsg_init(&m->tm);
	return (m);
}

void
message_free(struct message *m)
{
	if (m == NULL)
		return;
	tmsg_clear(&m->tm);
	free(m);
}

/*
 * Queue a message for delivery.  The queue is bounded: when it is full
 * the message is dropped (and its sender told, if it asked).
 */
int
router_enqueue(struct message *m)
{
	if (queued >= ROUTED_QUEUE_MAX) {
		router_drop(m, "delivery queue full (%d messages)", queued);
		return (-1);
	}
	TAILQ_INSERT_TAIL(&queue, m, entry);
	queued++;
	queued_bytes += tmsg_encoded_len(&m->tm);
	return (0);
}

/* Bytes of the messages waiting for delivery (show summary). */
size_t
router_queued_bytes(void)
{
	return (queued_bytes);
}

int
router_pending(void)
{
	return (queued);
}

/*
 * Back-pressure on the network: while more than ROUTED_QUEUE_HIGH bytes
 * wait for delivery, routed does not read from tcpd (which then stops
 * reading sockets), until they are under ROUTED_QUEUE_LOW.
 */
int
router_backlogged(void)
{
	if (!backlogged && queued_bytes > ROUTED_QUEUE_HIGH) {
		log_debug("%zu bytes wait for delivery: not reading from "
		    "tcpd", queued_bytes);
		backlogged = 1;
	} else if (backlogged && queued_bytes < ROUTED_QUEUE_LOW) {
		log_debug("delivery caught up: reading from tcpd again");
		backlogged = 0;
	}
	return (backlogged);
}

/*
 * The log_count of a cause of drops, which is the format of its reason
 * (one per call site, or per site with the same text): at info, a peer
 * that makes a node drop messages at will gets a line a second per
 * cause, not one per message.
 */
static struct log_count *
router_drop_cause(const char *fmt)
{
	static struct {
		const char		*fmt;
		struct log_count	 lc;
	}			 causes[ROUTED_DROP_CAUSES];
	static const struct log_count init = LOG_COUNT_INIT(LOG_INFO,
				    "dropped messages");
	int			 i;

	for (i = 0; i < ROUTED_DROP_CAUSES - 1; i++) {
		if (causes[i].fmt == fmt)
			break;
		if (causes[i].fmt == NULL) {
			causes[i].fmt = fmt;
			causes[i].lc = init;
			break;
		}
	}
	if (causes[i].fmt == NULL) {		/* the last, for the rest */
		causes[i].fmt = fmt;
		causes[i].lc = init;
	}
	return (&causes[i].lc);
}

/*
 * Drop a message: log why (each at debug, aggregated per cause at
 * info) and, when a local sender asked to hear about it, tell it.
 * Frees the message.
 */
void
router_drop(struct message *m, const char *fmt, ...)
{
	char		 why[256], route[1024];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (multiaddr_print(&m->tm.onward, route, sizeof(route)) == -1 &&
	    route[0] == '\0')
		strlcpy(route, "(unprintable)", sizeof(route));
	log_debug("dropped message to %s: %s", route[0] ? route : "(empty)",
	    why);
	log_count(router_drop_cause(fmt), "to %s: %s",
	    route[0] ? route : "(empty)", why);
	if (m->origin != 0 && (m->flags & MSG_REPORT))
		control_report(m->origin, m->reqid, CTL_ERR_UNDELIVERED, why);
	message_free(m);
}

/*
 * Flow control (default deny): a message that came out of a secure
 * channel or in from a TCP connection may make its first hop only to
 * where that channel or connection lets it; after that it goes on
 * unchecked.  Returns 1 to go on; 0 when it was dropped.
 */
static int
router_flow_check(struct message *m, const struct addr *a)
{
	char	 buf[OCKAM_ADDR_MAX + 8];
	int	 ok;

	if (m->flow_kind == FLOW_NONE)
		return (1);
	if (a->type == OCKAM_ADDR_LOCAL &&
	    (ok = portal_flow_allows(m, a->val)) != -1)
		goto checked;
	switch (m->flow_kind) {
	case FLOW_CHANNEL:
		ok = a->type == OCKAM_ADDR_LOCAL ?
		    channel_flow_allows(m, a->val) : hub_channel_reply(m, a);
		break;
	case FLOW_TCP:
		ok = tcp_flow_allows(m, a);
		break;
	case FLOW_REMOTE:
		ok = relayc_flow_allows(m, a);
		break;
	case FLOW_STREAM:
		ok = sclient_flow_allows(m, a);
		break;
	default:
		ok = 0;
		break;
	}
 checked:
	if (!ok) {
		if (a->type == OCKAM_ADDR_LOCAL)
			snprintf(buf, sizeof(buf), "%s", a->val);
		else
			snprintf(buf, sizeof(buf), "%u#%s", a->type,
			    safe_str(a->val, a->len));
		router_drop(m, "denied: %s may not receive from that %s",
		    buf, m->flow_kind == FLOW_CHANNEL ? "secure channel" :
		    m->flow_kind == FLOW_REMOTE ? "relay" :
		    m->flow_kind == FLOW_STREAM ? "stream client" :
		    "TCP connection");
		return (0);
	}
	/* Through a relay: its source stays the hub's connection. */
	if (m->flow_kind != FLOW_REMOTE) {
		m->src_kind = m->flow_kind;
		m->src = m->flow;
	}
	m->flow_kind = FLOW_NONE;
	m->flow = 0;
	return (1);
}

static void
router_deliver(struct message *m)
{
	struct addr	*a;
	struct worker	*w;

	if (++m->hops > ROUTED_MAX_HOPS) {
		router_drop(m, "routing loop: more than %d local hops",
		    ROUTED_MAX_HOPS);
		return;
	}
	if ((a = route_head(&m->tm.onward)) == NULL) {
		router_drop(m, "empty onward route");
		return;
	}
	switch (a->type) {
	case OCKAM_ADDR_LOCAL:
		if ((w = worker_find(a->val)) == NULL) {
			router_drop(m, "no worker at address \"%s\"", a->val);
			return;
		}
		if (!router_flow_check(m, a))
			return;
		w->received++;
		worker_handle(w, m);
		break;
	case OCKAM_ADDR_TCP:
	case OCKAM_ADDR_TLS:
		if (!router_flow_check(m, a))
			return;
		tcp_send(m, a);
		break;
	default:
		router_drop(m, "no transport for address type %u", a->type);
		break;
	}
}

/* Deliver a batch; the main loop calls again while some are left. */
void
router_run(void)
{
	struct message	*m;
	int		 n;

	for (n = 0; n < ROUTED_RUN_BATCH; n++) {
		if ((m = TAILQ_FIRST(&queue)) == NULL)
			break;
		TAILQ_REMOVE(&queue, m, entry);
		queued--;
		queued_bytes -= tmsg_encoded_len(&m->tm);
		router_deliver(m);
	}
}

/*
 * At shutdown: deliver what is queued (Close messages among them), a
 * bounded number of rounds, so that nothing loops for ever.
 */
void
router_flush(void)
{
	int	 i;

	for (i = 0; i < 16 && queued > 0; i++)
		router_run();
}
