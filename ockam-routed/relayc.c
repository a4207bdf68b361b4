/* SPDX-License-Identifier: ISC */
/*
 * Relays at a hub (doc/design.md 6): a node behind NAT keeps a
 * forwarder at a hub, over a connection it opens itself, and is
 * reached through it.  Its worker here (kind "relay client") registers
 * at the hub's forwarding_service, or claims an alias at
 * static_forwarding_service through a secure channel to the hub's
 * channel listener, and takes what the hub's forwarder sends it: with
 * nothing after it in the onward route, to its "to" address (the 2021
 * guides); otherwise on by the rest of the route (2022 and later).
 * Either way only to its consumers: the first hop after it is checked
 * as for a listener (relayc_flow_allows).
 *
 * An answer to a registration is told from forwarded data by its
 * return route: exactly [the hub, the forwarder] (anybody can send to
 * the forwarder alone, but its return route then has the sender's
 * hop at the hub too), and once registered, that very forwarder.
 *
 * Liveness: the registration is sent again every heartbeat (the hub
 * renews the same forwarder) and after every failure: connection
 * refused or closed, channel closed, no answer.  After a failure the
 * next try waits, 1 s doubled with every failure in a row up to 60 s,
 * a random half of it off (jitter); a registration that held for 30 s
 * starts the count over.  So a hub that cuts its connections at once
 * sees at most one attempt a second from a relay, fewer and fewer.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "multiaddr.h"
#include "relayc.h"
#include "routed.h"
#include "trust.h"
#include "util.h"

#define RELAY_BACKOFF_MIN	1000	/* ms, after the first failure */
#define RELAY_BACKOFF_MAX	60000	/* ms */
#define RELAY_ANSWER_WAIT	10000	/* ms for the hub's answer */
#define RELAY_STABLE		30	/* s registered: failures forgotten */
#define RELAY_LATE		8	/* late channels freed per second */
#define RELAY_NAME_PREFIX	"relay_"
#define FWD_SERVICE		"forwarding_service"
#define FWD_STATIC_SERVICE	"static_forwarding_service"
#define FWD_STATIC_PREFIX	"forward_to_"

struct remotes	 remotes = TAILQ_HEAD_INITIALIZER(remotes);
static int	 nremotes;
static uint32_t	 next_id = 1;
static uint32_t	 late[RELAY_LATE];	/* channels to free: ids */
static unsigned int nlate;

static void	remote_step(struct remote *);

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

const char *
remote_state(const struct remote *r)
{
	switch (r->state) {
	case RS_WAIT:
		return (r->failures > 0 ? "retrying" : "starting");
	case RS_CHANNEL:
		return ("channel");
	case RS_REGISTER:
		return ("registering");
	case RS_UP:
		return ("up");
	}
	return ("unknown");
}

struct remote *
remote_find(const char *what)
{
	struct remote	*r;

	TAILQ_FOREACH(r, &remotes, entry)
		if (strcmp(r->w->name, what) == 0 ||
		    (r->rc->alias[0] != '\0' && strcmp(r->rc->alias,
		    what) == 0) || (r->remote[0] != '\0' &&
		    strcmp(r->remote, what) == 0))
			return (r);
	return (NULL);
}

static struct remote *
remote_by_id(uint32_t id)
{
	struct remote	*r;

	TAILQ_FOREACH(r, &remotes, entry)
		if (r->id == id)
			return (r);
	return (NULL);
}

/* The route a sender uses: the hub, then the forwarder. */
void
remote_route(const struct remote *r, char *buf, size_t len)
{
	if (r->remote[0] == '\0')
		strlcpy(buf, "-", len);
	else
		snprintf(buf, len, "%s/service/%s", r->rc->hub, r->remote);
}

/* A client that waits for the outcome of relay create hears of it. */
static void
remote_tell(struct remote *r, uint32_t status, const char *msg)
{
	if (r->client == 0)
		return;
	control_report(r->client, r->creqid, status, msg);
	r->client = 0;
}

static void
remote_fail(struct remote *r, const char *why)
{
	int64_t		 d;
	unsigned int	 n;
	char		 msg[CTL_MSG_MAX];

	strlcpy(r->why, why, sizeof(r->why));
	r->awaiting = 0;
	r->failures++;
	n = r->failures > 7 ? 7 : r->failures;
	d = (int64_t)RELAY_BACKOFF_MIN << (n - 1);
	if (d > RELAY_BACKOFF_MAX)
		d = RELAY_BACKOFF_MAX;
	d = d / 2 + arc4random_uniform(d / 2 + 1);
	r->next = now_ms() + d;
	if (r->state != RS_WAIT)
		r->changed = time(NULL);
	r->state = RS_WAIT;
	log_warnx("relay %s at %s: %s; trying again in %lld.%03lld s",
	    r->w->name, r->rc->hub, why, (long long)(d / 1000),
	    (long long)(d % 1000));
	if (r->client != 0) {
		snprintf(msg, sizeof(msg), "relay at %s: %s", r->rc->hub, why);
		remote_tell(r, CTL_ERR, msg);
		/* Made by a command and never registered: nothing stays. */
		if (r->own && r->nregs == 0)
			remote_delete(r, NULL);
	}
}

/* The hub took it: answered from name, its forwarder. */
static void
remote_up(struct remote *r, const char *name)
{
	char	 route[OCKAM_ADDR_MAX * 2 + 64];

	r->awaiting = 0;
	r->nregs++;
	r->next = now_ms() + (int64_t)r->rc->heartbeat * 1000;
	if (r->state == RS_UP && strcmp(r->remote, name) == 0)
		return;
	if (r->remote[0] != '\0' && strcmp(r->remote, name) != 0)
		log_warnx("relay %s at %s: the hub gave a new address, %s "
		    "(was %s)", r->w->name, r->rc->hub, name, r->remote);
	strlcpy(r->remote, name, sizeof(r->remote));
	r->state = RS_UP;
	r->up_since = monotime();
	r->changed = time(NULL);
	r->why[0] = '\0';
	remote_route(r, route, sizeof(route));
	log_info("relay %s: registered, reached at %s", r->w->name, route);
	remote_tell(r, CTL_OK, route);
}

/* Through the hub's channel for an alias, else to forwarding_service. */
static void
remote_register(struct remote *r)
{
	struct message	*m;
	struct ibuf	*b;
	const char	*body = r->rc->alias[0] != '\0' ? r->rc->alias :
			    "register";
	const char	*svc = r->rc->alias[0] != '\0' ? FWD_STATIC_SERVICE :
			    FWD_SERVICE;
	int		 ok;

	if ((m = message_new()) == NULL ||
	    (b = ibuf_open(16, OCKAM_ADDR_MAX + 16)) == NULL) {
		message_free(m);
		remote_fail(r, "out of memory");
		return;
	}
	ibuf_add_bare(b, body, strlen(body));
	ok = (r->rc->alias[0] != '\0' ? route_push_back(&m->tm.onward,
	    OCKAM_ADDR_LOCAL, r->enc, strlen(r->enc)) :
	    route_copy(&m->tm.onward, &r->hub)) == 0 &&
	    route_push_back(&m->tm.onward, OCKAM_ADDR_LOCAL, svc,
	    strlen(svc)) == 0 &&
	    route_push_back(&m->tm.ret, OCKAM_ADDR_LOCAL, r->w->name,
	    strlen(r->w->name)) == 0 && ibuf_error(b) == 0 &&
	    tmsg_set_payload(&m->tm, ibuf_data(b), ibuf_size(b)) == 0;
	ibuf_free(b);
	if (!ok) {
		message_free(m);
		remote_fail(r, "out of memory");
		return;
	}
	/* A drop on the way (connection refused) is told to us. */
	m->origin = r->id;
	m->reqid = ++r->reqid;
	m->flags = MSG_REPORT;
	r->awaiting = 1;
	r->sent = now_ms();
	if (r->state != RS_UP) {
		r->state = RS_REGISTER;
		r->changed = time(NULL);
	}
	router_enqueue(m);
}

/* An alias is claimed out of a secure channel to the hub: open one. */
static void
remote_channel(struct remote *r)
{
	struct identity		*id;
	struct trust_conf	 trust;
	struct name_entry	*n;
	struct route		 to;
	char			 err[SC_WHY_MAX];

	id = r->rc->identity[0] != '\0' ? identity_find(r->rc->identity) :
	    identity_first();
	if (id == NULL) {
		remote_fail(r, "no identity for the channel to the hub");
		return;
	}
	route_init(&to);
	trust_init(&trust);
	trust.everyone = 0;
	TAILQ_FOREACH(n, &r->trust.ids, entry)
		if (names_add(&trust.ids, n->name) == -1)
			goto oom;
	if (route_copy(&to, &r->hub) == -1 || route_push_back(&to,
	    OCKAM_ADDR_LOCAL, r->rc->listener, strlen(r->rc->listener)) == -1)
		goto oom;
	r->state = RS_CHANNEL;
	r->changed = time(NULL);
	if (sctrust_create(&to, id, &trust, r->scflags, 0, r->id, ++r->reqid,
	    err, sizeof(err)) == -1)
		remote_fail(r, err);
	route_clear(&to);
	trust_free(&trust);
	return;
 oom:
	route_clear(&to);
	trust_free(&trust);
	remote_fail(r, "out of memory");
}

static void
remote_step(struct remote *r)
{
	if (r->rc->alias[0] != '\0' && r->enc[0] == '\0')
		remote_channel(r);
	else
		remote_register(r);
}

/*
 * An answer to what we asked (origin r->id): the channel to the hub is
 * open (its encryptor's route) or failed, or a registration was
 * dropped on its way.
 */
void
relayc_report(uint32_t id, uint32_t reqid, uint32_t status, const char *msg)
{
	struct remote	*r;
	struct channel	*c = NULL;

	if (status == CTL_OK && strncmp(msg, "/service/", 9) == 0)
		c = channel_by_enc(msg + 9);
	r = remote_by_id(id);
	if (r == NULL || reqid != r->reqid || r->state != RS_CHANNEL) {
		/* A channel opened late, for a relay that gave up on it. */
		if (c != NULL && c->client == id) {
			c->client = 0;
			chan_send_close(c);
			late[nlate++ % RELAY_LATE] = c->id;	/* tick frees */
		}
		if (r == NULL || reqid != r->reqid)
			return;
	}
	if (r->state == RS_CHANNEL && status == CTL_OK) {
		if (c == NULL) {
			remote_fail(r, "the channel to the hub is gone");
			return;
		}
		strlcpy(r->enc, c->enc, sizeof(r->enc));
		r->chan = c->id;
		remote_register(r);
		return;
	}
	if (status != CTL_OK && r->state != RS_WAIT)
		remote_fail(r, msg);
}

/* Is ret exactly [the hub, a forwarder] for r? */
static int
remote_answer(struct remote *r, struct message *m, char *name, size_t len)
{
	struct addr	*first, *last, *h;
	struct cursor	 cur;
	const char	*p;
	size_t		 plen;
	char		 want[OCKAM_ADDR_MAX + 1];

	if (m->tm.ret.n != 2 || m->tm.onward.n != 0)
		return (0);
	first = TAILQ_FIRST(&m->tm.ret.q);
	last = TAILQ_NEXT(first, entry);
	if (last->type != OCKAM_ADDR_LOCAL || last->len >= len)
		return (0);
	if (r->rc->alias[0] != '\0') {
		if (m->src_kind != FLOW_CHANNEL || m->src != r->chan ||
		    first->type != OCKAM_ADDR_LOCAL ||
		    strcmp(first->val, r->enc) != 0)
			return (0);
		snprintf(want, sizeof(want), "%s%s", FWD_STATIC_PREFIX,
		    r->rc->alias);
		if (strcmp(last->val, want) != 0)
			return (0);
	} else {
		h = route_head(&r->hub);
		if (m->src_kind != FLOW_TCP || first->type != h->type ||
		    strcmp(first->val, h->val) != 0)
			return (0);
	}
	/* Registered: that forwarder and no other. */
	if (r->state == RS_UP && strcmp(last->val, r->remote) != 0)
		return (0);
	cur_init(&cur, m->tm.payload, m->tm.plen);
	if ((p = cur_bare(&cur, &plen, OCKAM_ADDR_MAX)) == NULL ||
	    cur_end(&cur) == -1)
		return (0);
	if (r->rc->alias[0] != '\0' && (plen < strlen(r->rc->alias) ||
	    memcmp(p + plen - strlen(r->rc->alias), r->rc->alias,
	    strlen(r->rc->alias)) != 0))
		return (0);
	strlcpy(name, last->val, len);
	return (1);
}

/* What reaches the relay client: an answer of the hub, or for us. */
void
relayc_handle(struct worker *w, struct message *m)
{
	struct remote	*r = w->remote;
	char		 name[OCKAM_ADDR_MAX + 1];

	/* Not ours to report: a local peer's reply copies our origin. */
	m->origin = 0;
	m->flags &= ~MSG_REPORT;
	route_pop_front(&m->tm.onward);
	if (remote_answer(r, m, name, sizeof(name))) {
		if (r->awaiting || r->state != RS_UP)
			remote_up(r, name);
		message_free(m);
		return;
	}
	if (m->tm.onward.n == 0) {
		if (r->rc->to[0] == '\0') {
			router_drop(m, "relay %s: nothing after it, and it has "
			    "no \"to\"", w->name);
			return;
		}
		if (route_push_back(&m->tm.onward, OCKAM_ADDR_LOCAL,
		    r->rc->to, strlen(r->rc->to)) == -1) {
			router_drop(m, "relay %s: out of memory", w->name);
			return;
		}
	}
	r->nfwd++;
	m->flow_kind = FLOW_REMOTE;
	m->flow = r->id;
	router_enqueue(m);
}

/* What came through a relay goes first to its consumers only. */
int
relayc_flow_allows(struct message *m, const struct addr *a)
{
	struct remote	*r;

	if ((r = remote_by_id(m->flow)) == NULL || a->type != OCKAM_ADDR_LOCAL)
		return (0);
	return (names_find(&r->rc->consumers, a->val) ||
	    channel_listener_of(a->val, &r->rc->consumers));
}

/*
 * May what arrives over the connection to peer (or, chan not 0, out of
 * that channel) reach worker name?  Yes for a relay registered over it,
 * and for the channels its consumers accepted: a sender learns the way
 * to those from their replies, which go out over the same connection,
 * and sends there straight, not through the relay any more (as Ockam
 * peers do).
 */
int
relayc_via(const char *name, int tls, const char *peer, uint32_t chan)
{
	struct remote	*r;
	struct addr	*h;

	TAILQ_FOREACH(r, &remotes, entry) {
		if (chan != 0) {
			if (r->chan != chan)
				continue;
		} else {
			h = route_head(&r->hub);
			if (r->rc->alias[0] != '\0' ||
			    h->type != (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) ||
			    strcmp(h->val, peer) != 0)
				continue;
		}
		if (strcmp(r->w->name, name) == 0 ||
		    channel_listener_of(name, &r->rc->consumers))
			return (1);
	}
	return (0);
}

/* The connection to peer closed: the relays registered over it fail. */
void
relayc_conn_down(int tls, const char *peer)
{
	struct remote	*r, *next;
	struct addr	*h;

	for (r = TAILQ_FIRST(&remotes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		h = route_head(&r->hub);
		if (r->rc->alias[0] == '\0' && r->state != RS_WAIT &&
		    h->type == (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) &&
		    strcmp(h->val, peer) == 0)
			remote_fail(r, "the connection to the hub closed");
	}
}

/* A channel closed: a relay that claimed its alias through it fails. */
void
relayc_channel_gone(uint32_t id)
{
	struct remote	*r, *next;

	for (r = TAILQ_FIRST(&remotes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->chan != id || r->enc[0] == '\0')
			continue;
		r->enc[0] = '\0';
		r->chan = 0;
		if (r->state != RS_WAIT)
			remote_fail(r, "the secure channel to the hub closed");
	}
}

/* Once a second: answers overdue, heartbeats, retries. */
void
relayc_tick(void)
{
	struct remote	*r, *next;
	struct channel	*c;
	int64_t		 now = now_ms();
	unsigned int	 i;

	for (i = 0; i < RELAY_LATE; i++)
		if (late[i] != 0 && (c = channel_by_id(late[i])) != NULL)
			channel_free(c, "opened after its relay gave up on it");
	memset(late, 0, sizeof(late));
	for (r = TAILQ_FIRST(&remotes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->awaiting && now - r->sent >= RELAY_ANSWER_WAIT) {
			remote_fail(r, "no answer from the hub in 10 s");
			continue;
		}
		if (r->state == RS_UP && r->failures > 0 &&
		    monotime() - r->up_since >= RELAY_STABLE)
			r->failures = 0;
		if ((r->state == RS_WAIT || (r->state == RS_UP &&
		    !r->awaiting)) && now >= r->next)
			remote_step(r);
	}
}

/*
 * A new relay: rc is the configuration's, or (own) ours to free, also
 * when this fails.  It starts at once; client, when not 0, hears how
 * it went.
 */
int
remote_new(struct remote_conf *rc, int own, const struct trust_conf *trust,
    uint32_t scflags, uint32_t client, uint32_t creqid, char *err,
    size_t errlen)
{
	struct remote		*r;
	struct name_entry	*n;
	char			 name[OCKAM_ADDR_MAX + 1], hex[17];

	if (nremotes >= (int)limit(LIMIT_RELAYS)) {
		snprintf(err, errlen, "%d relays at hubs already (limit "
		    "relays)", nremotes);
		goto fail_rc;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_rc;
	}
	route_init(&r->hub);
	trust_init(&r->trust);
	r->trust.everyone = 0;
	if (multiaddr_parse(rc->hub, &r->hub, err, errlen) == -1)
		goto fail;
	if (trust != NULL)
		TAILQ_FOREACH(n, &trust->ids, entry)
			if (names_add(&r->trust.ids, n->name) == -1) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
	random_name(hex, sizeof(hex));
	snprintf(name, sizeof(name), "%s%s", RELAY_NAME_PREFIX, hex);
	if ((r->w = worker_add(name, WORKER_REMOTE, 0, err, errlen)) == NULL)
		goto fail;
	r->w->remote = r;
	r->rc = rc;
	r->own = own;
	r->scflags = scflags;
	r->client = client;
	r->creqid = creqid;
	/* Below ORIGIN_CHANNEL: ORIGIN_PORTAL has both bits. */
	r->id = ORIGIN_RELAYC | next_id++;
	if (next_id >= ORIGIN_CHANNEL)
		next_id = 1;
	r->changed = time(NULL);
	TAILQ_INSERT_TAIL(&remotes, r, entry);
	nremotes++;
	remote_step(r);		/* may fail, and delete r */
	return (0);
 fail:
	route_clear(&r->hub);
	trust_free(&r->trust);
	free(r);
 fail_rc:
	if (own)
		remote_conf_free(rc);
	return (-1);
}

/*
 * Gone, and its channel to the hub with it, or the handshake of one
 * under way (else it would open for nobody); why goes to its client.
 */
void
remote_delete(struct remote *r, const char *why)
{
	struct channel	*c;

	if (why != NULL)
		remote_tell(r, CTL_ERR, why);
	TAILQ_REMOVE(&remotes, r, entry);
	nremotes--;
	if (r->chan != 0 && (c = channel_by_id(r->chan)) != NULL) {
		r->chan = 0;
		if (c->open)
			chan_send_close(c);
		channel_free(c, NULL);
	} else if (r->state == RS_CHANNEL) {
		TAILQ_FOREACH(c, &channels, entry)
			if (c->client == r->id && c->reqid == r->reqid &&
			    !c->open)
				break;
		if (c != NULL)
			channel_free(c, NULL);
	}
	worker_del(r->w);
	route_clear(&r->hub);
	trust_free(&r->trust);
	if (r->own)
		remote_conf_free(r->rc);
	free(r);
}

/* Node ready: the relays of the configuration start. */
void
relayc_configure(struct ockam_conf *conf)
{
	struct remote_conf	*rc;
	char			 err[256];

	TAILQ_FOREACH(rc, &conf->remotes, entry)
		if (remote_new(rc, 0, NULL, 0, 0, 0, err, sizeof(err)) == -1)
			fatalx("relay at %s: %s", rc->hub, err);
}

void
relayc_shutdown(void)
{
	struct remote	*r;

	while ((r = TAILQ_FIRST(&remotes)) != NULL)
		remote_delete(r, "the node stops");
}
