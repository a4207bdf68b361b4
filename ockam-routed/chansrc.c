/* SPDX-License-Identifier: ISC */
/*
 * Pending responder handshakes by where their message 1 came from
 * (doc/design.md 8).  A source is a TCP connection (or a channel, or this
 * node's own clients), and a source has an address: the connection's
 * remote address without its port, the identity behind a channel,
 * "local".  Three bounds: per connection, per address and node-wide
 * (limit.h: handshakes-per-connection, handshakes-per-address,
 * handshakes).  A message 1 over a bound does not wait: the oldest
 * pending handshake of the source that holds the most goes instead, one
 * that waits for its peer before one that waits for the vault, "oldest"
 * counted from its last step (the vault's answer).  A flood thus evicts
 * its own handshakes first, and a legitimate one, which completes in a
 * round trip, is the youngest of all.
 *
 * Every source here has a pending handshake: the tables hold no more
 * entries than there are handshakes.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "channel.h"
#include "log.h"

struct hs_addr {
	RB_ENTRY(hs_addr)		 entry;
	TAILQ_HEAD(, hs_source)		 sources;
	int				 n;
	char				 name[SC_ADDR_MAX];
};

struct hs_source {
	RB_ENTRY(hs_source)		 entry;
	TAILQ_ENTRY(hs_source)		 byaddr;
	TAILQ_HEAD(, handshake)		 pending;	/* least recent first */
	struct hs_addr			*addr;
	int				 n;
	uint8_t				 kind;		/* FLOW_* */
	uint32_t			 id;
};

static int
hs_addr_cmp(struct hs_addr *a, struct hs_addr *b)
{
	return (strcmp(a->name, b->name));
}

static int
hs_source_cmp(struct hs_source *a, struct hs_source *b)
{
	if (a->kind != b->kind)
		return (a->kind < b->kind ? -1 : 1);
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_HEAD(hs_addrs, hs_addr);
RB_PROTOTYPE(hs_addrs, hs_addr, entry, hs_addr_cmp);
RB_GENERATE(hs_addrs, hs_addr, entry, hs_addr_cmp);
RB_HEAD(hs_sources, hs_source);
RB_PROTOTYPE(hs_sources, hs_source, entry, hs_source_cmp);
RB_GENERATE(hs_sources, hs_source, entry, hs_source_cmp);

static struct hs_addrs		 addrs = RB_INITIALIZER(&addrs);
static struct hs_sources	 sources = RB_INITIALIZER(&sources);
static TAILQ_HEAD(, handshake)	 pending = TAILQ_HEAD_INITIALIZER(pending);
static int			 npending;

static struct log_count	 evict_conn = LOG_COUNT_INIT(LOG_INFO,
    "pending handshakes evicted: handshakes-per-connection reached");
static struct log_count	 evict_addr = LOG_COUNT_INIT(LOG_INFO,
    "pending handshakes evicted: handshakes-per-address reached");
static struct log_count	 evict_node = LOG_COUNT_INIT(LOG_INFO,
    "pending handshakes evicted: handshakes reached");

/* Where m came from: its source and address. */
void
hsrc_from(const struct message *m, struct hs_from *f)
{
	f->kind = m->src_kind;
	f->id = m->src;
	switch (m->src_kind) {
	case FLOW_TCP:
		if (tcp_conn_addr(m->src, f->addr, sizeof(f->addr)) == 0)
			return;
		break;
	case FLOW_CHANNEL:
		snprintf(f->addr, sizeof(f->addr), "channel %s", m->peer);
		return;
	}
	f->kind = FLOW_NONE;
	f->id = 0;
	strlcpy(f->addr, "local", sizeof(f->addr));
}

static struct hs_source *
source_find(const struct hs_from *f)
{
	struct hs_source	 key;

	key.kind = f->kind;
	key.id = f->id;
	return (RB_FIND(hs_sources, &sources, &key));
}

static struct hs_addr *
addr_find(const char *name)
{
	struct hs_addr	 key;

	strlcpy(key.name, name, sizeof(key.name));
	return (RB_FIND(hs_addrs, &addrs, &key));
}

/*
 * The handshake of list to give up: the oldest that waits for its peer,
 * else the oldest.
 */
static struct channel *
victim(struct handshake *first, int node)
{
	struct handshake	*h;

	for (h = first; h != NULL; h = node ? TAILQ_NEXT(h, pend_entry) :
	    TAILQ_NEXT(h, src_entry))
		if (h->call == NULL)
			return (h->chan);
	return (first != NULL ? first->chan : NULL);
}

static struct hs_source *
biggest_source(struct hs_addr *a)
{
	struct hs_source	*s, *best = NULL;

	TAILQ_FOREACH(s, &a->sources, byaddr)
		if (best == NULL || s->n > best->n)
			best = s;
	return (best);
}

/*
 * The victim when the node is full: from the address that holds the
 * most when it holds more than a quarter of the bound, else the oldest
 * of all (many addresses holding a few each).
 */
static struct channel *
node_victim(void)
{
	struct hs_addr		*a, *best = NULL;
	struct hs_source	*s;

	RB_FOREACH(a, hs_addrs, &addrs)
		if (best == NULL || a->n > best->n)
			best = a;
	if (best != NULL && best->n > (int)limit(LIMIT_HANDSHAKES) / 4 &&
	    (s = biggest_source(best)) != NULL)
		return (victim(TAILQ_FIRST(&s->pending), 0));
	return (victim(TAILQ_FIRST(&pending), 1));
}

static void
evict(struct channel *c, struct log_count *why, const char *from)
{
	log_count(why, "the newest from %s; one from %s went", from,
	    c->src_addr);
	channel_free(c, NULL);
}

/* Make room for a message 1 from f: evict what a bound says must go. */
void
hsrc_admit(const struct hs_from *f)
{
	struct hs_source	*s;
	struct hs_addr		*a;
	struct channel		*c;

	while ((s = source_find(f)) != NULL &&
	    s->n >= (int)limit(LIMIT_HANDSHAKES_CONNECTION))
		evict(victim(TAILQ_FIRST(&s->pending), 0), &evict_conn,
		    f->addr);
	while ((a = addr_find(f->addr)) != NULL &&
	    a->n >= (int)limit(LIMIT_HANDSHAKES_ADDRESS) &&
	    (s = biggest_source(a)) != NULL)
		evict(victim(TAILQ_FIRST(&s->pending), 0), &evict_addr,
		    f->addr);
	while (npending >= (int)limit(LIMIT_HANDSHAKES) &&
	    (c = node_victim()) != NULL)
		evict(c, &evict_node, f->addr);
}

/* c is a new responder: its message 1 came from f. */
void
hsrc_add(struct channel *c, const struct hs_from *f)
{
	struct hs_source	*s;
	struct hs_addr		*a;

	c->src_conn = f->kind == FLOW_TCP ? f->id : 0;
	strlcpy(c->src_addr, f->addr, sizeof(c->src_addr));
	if ((s = source_find(f)) == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal("%s", __func__);
		s->kind = f->kind;
		s->id = f->id;
		TAILQ_INIT(&s->pending);
		if ((a = addr_find(f->addr)) == NULL) {
			if ((a = calloc(1, sizeof(*a))) == NULL)
				fatal("%s", __func__);
			strlcpy(a->name, f->addr, sizeof(a->name));
			TAILQ_INIT(&a->sources);
			RB_INSERT(hs_addrs, &addrs, a);
		}
		s->addr = a;
		TAILQ_INSERT_TAIL(&a->sources, s, byaddr);
		RB_INSERT(hs_sources, &sources, s);
	}
	TAILQ_INSERT_TAIL(&s->pending, c->hs, src_entry);
	TAILQ_INSERT_TAIL(&pending, c->hs, pend_entry);
	s->n++;
	s->addr->n++;
	npending++;
	c->hs->src = s;
}
/*
 * The vault answered c: it goes on (message 2 goes out), and is the
 * youngest again.  The lists are in the order of the last progress, so
 * that what has waited longest for its peer goes first.
 */
void
hsrc_touch(struct channel *c)
{
	struct handshake	*h = c->hs;
	struct hs_source	*s = h->src;

	if (s == NULL)
		return;
	TAILQ_REMOVE(&s->pending, h, src_entry);
	TAILQ_INSERT_TAIL(&s->pending, h, src_entry);
	TAILQ_REMOVE(&pending, h, pend_entry);
	TAILQ_INSERT_TAIL(&pending, h, pend_entry);
}

/* c's handshake is over (open, or gone). */
void
hsrc_del(struct channel *c)
{
	struct handshake	*h = c->hs;
	struct hs_source	*s;
	struct hs_addr		*a;

	if (h == NULL || (s = h->src) == NULL)
		return;
	h->src = NULL;
	a = s->addr;
	TAILQ_REMOVE(&s->pending, h, src_entry);
	TAILQ_REMOVE(&pending, h, pend_entry);
	npending--;
	a->n--;
	if (--s->n == 0) {
		TAILQ_REMOVE(&a->sources, s, byaddr);
		RB_REMOVE(hs_sources, &sources, s);
		free(s);
	}
	if (a->n == 0) {
		RB_REMOVE(hs_addrs, &addrs, a);
		free(a);
	}
}
