/* SPDX-License-Identifier: ISC */
/*
 * Stream clients (doc/design.md 6): two nodes that never connect to
 * each other talk through a pair of streams at a hub, as Ockam's Rust
 * Stream client does (stream_create, stream_push, stream_pull and
 * stream_index of doc/design.md 4.5).
 *
 * The producer is a worker at the sender address of the configuration.
 * What reaches it, its own address popped, is pushed whole (a
 * TransportMessage: the rest of the onward route, the return route and
 * the payload) to the stream it sends on, once the stream's worker has
 * answered its create with Init; until then up to stream-client-queue
 * messages wait.  PushConfirm errors are logged.
 *
 * The consumer (stc_ and 16 hex digits) creates the stream it
 * receives on, asks the index service for the index saved for its
 * client id, and pulls from there: a reply with messages is followed
 * by the next pull at once, and so is an empty one that took the
 * interval or longer (a hub that holds a pull until the next push);
 * another empty one, after the interval.  Each message
 * pulled is forwarded with the producer's address in front of its
 * return route, so that replies go back through the other stream; the
 * index after the last one is saved once they are forwarded, so that a
 * restart resumes there (at least once: a crash between the two
 * forwards again what was forwarded).  What comes out of a stream
 * client reaches only its consumers, the channels their listeners
 * accepted, and the channels this node opened through its producer
 * (sclient_flow_allows), and only on the first hop, as for a relay.
 *
 * A request unanswered in time, an error reply, or the hub's connection
 * closing starts the side over after a back-off: 1 s doubled with every
 * failure in a row, up to 30 s.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "buf.h"
#include "channel.h"
#include "limit.h"
#include "log.h"
#include "multiaddr.h"
#include "routed.h"
#include "stream.h"
#include "streamclient.h"
#include "util.h"

#define SC_ANSWER_WAIT		10000	/* ms for Init or Index */
#define SC_PULL_WAIT		70000	/* ms for a pull's reply */
#define SC_BACKOFF_MIN		1000	/* ms */
#define SC_BACKOFF_MAX		30000
#define SC_PULL_LIMIT		8	/* messages a pull asks for */
#define SC_CONSUMER_PREFIX	"stc_"

struct sclients		 sclients = TAILQ_HEAD_INITIALIZER(sclients);
static int		 nsclients;
static uint32_t		 next_id = 1;

static struct log_count	 lc_drop = LOG_COUNT_INIT(LOG_INFO,
    "stream client messages dropped");
static struct log_count	 lc_hub = LOG_COUNT_INIT(LOG_NOTICE,
    "stream client: hub replies refused");

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int64_t
backoff(unsigned int *failures)
{
	int64_t		 d;
	unsigned int	 n;

	n = ++*failures > 6 ? 6 : *failures;
	d = (int64_t)SC_BACKOFF_MIN << (n - 1);
	if (d > SC_BACKOFF_MAX)
		d = SC_BACKOFF_MAX;
	return (now_ms() + d / 2 + arc4random_uniform(d / 2 + 1));
}

/* A request from the worker from to the hub's service svc, or to to. */
static void
sc_send(struct sclient *s, const char *from, const char *svc,
    const struct route *to, struct ibuf *b)
{
	struct route	 r;

	route_init(&r);
	if (to == NULL && (route_copy(&r, &s->hub) == -1 ||
	    route_push_back(&r, OCKAM_ADDR_LOCAL, svc, strlen(svc)) == -1)) {
		log_warnx("stream client %s: out of memory", s->sc->name);
		ibuf_free(b);
	} else
		stream_send(from, to != NULL ? to : &r, b);
	route_clear(&r);
}

static struct ibuf *
sc_buf(void)
{
	return (ibuf_open(64, OCKAM_MSG_MAX));
}

static void
producer_create(struct sclient *s)
{
	struct ibuf	*b;

	s->p_up = 0;
	s->p_retry = 0;
	s->p_next = now_ms() + SC_ANSWER_WAIT;
	if ((b = sc_buf()) != NULL)
		stream_enc_create(b, s->sc->send);
	sc_send(s, s->pw->name, s->sc->service, NULL, b);
}

static void
consumer_create(struct sclient *s)
{
	struct ibuf	*b;

	s->c_state = SCC_CREATE;
	s->c_next = now_ms() + SC_ANSWER_WAIT;
	if ((b = sc_buf()) != NULL)
		stream_enc_create(b, s->sc->receive);
	sc_send(s, s->cw->name, s->sc->service, NULL, b);
}

static void
producer_fail(struct sclient *s, const char *why)
{
	log_warnx("stream client %s: stream %s: %s; trying again",
	    s->sc->name, s->sc->send, why);
	s->p_up = 0;
	s->p_next = backoff(&s->p_failures);
	s->p_retry = 1;
}

static void
consumer_fail(struct sclient *s, const char *why)
{
	log_warnx("stream client %s: stream %s: %s; trying again",
	    s->sc->name, s->sc->receive, why);
	s->c_state = SCC_WAIT;
	s->c_next = backoff(&s->c_failures);
}

static void
consumer_pull(struct sclient *s)
{
	struct stream_pull	 p;
	struct ibuf		*b;

	p.request_id = ++s->c_reqid;
	p.index = s->c_idx;
	p.limit = SC_PULL_LIMIT;
	s->c_state = SCC_PULL;
	s->c_sent = now_ms();
	s->c_next = s->c_sent + SC_PULL_WAIT;
	if ((b = sc_buf()) != NULL)
		stream_enc_pull(b, &p);
	sc_send(s, s->cw->name, NULL, &s->c_to, b);
}

static void
consumer_index(struct sclient *s, int save)
{
	struct stream_index	 x;
	struct ibuf		*b;

	memset(&x, 0, sizeof(x));
	x.op = save ? STREAM_INDEX_SAVE : STREAM_INDEX_GET;
	strlcpy(x.client_id, s->client_id, sizeof(x.client_id));
	strlcpy(x.name, s->sc->receive, sizeof(x.name));
	x.has_index = save;
	x.index = s->c_idx;
	if (!save) {
		s->c_state = SCC_INDEX;
		s->c_next = now_ms() + SC_ANSWER_WAIT;
	}
	if ((b = sc_buf()) != NULL)
		stream_enc_index(b, &x);
	sc_send(s, s->cw->name, s->sc->index, NULL, b);
}

/* Push what reached the producer: its whole TransportMessage. */
static void
producer_push(struct sclient *s, struct message *m)
{
	struct stream_push	 p;
	struct ibuf		*data, *b;

	if ((data = ibuf_open(64, OCKAM_MSG_MAX)) == NULL ||
	    tmsg_encode(data, &m->tm) == -1 || (b = sc_buf()) == NULL) {
		ibuf_free(data);
		router_drop(m, "stream client %s: cannot push it (too big)",
		    s->sc->name);
		return;
	}
	p.request_id = s->p_reqid++;
	p.data = ibuf_data(data);
	p.len = ibuf_size(data);
	if (stream_enc_push(b, &p) == -1) {
		ibuf_free(data);
		ibuf_free(b);
		router_drop(m, "stream client %s: cannot push it (too big)",
		    s->sc->name);
		return;
	}
	ibuf_free(data);
	s->npushed++;
	sc_send(s, s->pw->name, NULL, &s->p_to, b);
	message_free(m);
}

/* The stream's worker answered: what waited is pushed. */
static void
producer_up(struct sclient *s, const struct route *ret)
{
	struct message	*m;
	char		 route[256];

	if (route_copy(&s->p_to, ret) == -1) {
		producer_fail(s, "out of memory");
		return;
	}
	if (!s->p_up) {
		multiaddr_print(ret, route, sizeof(route));
		log_info("stream client %s: pushes to %s at %s", s->sc->name,
		    s->sc->send, route);
	}
	s->p_up = 1;
	s->p_retry = 0;
	s->p_failures = 0;
	while ((m = TAILQ_FIRST(&s->p_queue)) != NULL) {
		TAILQ_REMOVE(&s->p_queue, m, entry);
		s->p_nqueued--;
		producer_push(s, m);
	}
}

/*
 * Did m come straight from the hub?  Its return route starts with the
 * hub's first hop, and over TCP it came over a connection.
 */
static int
from_hub(struct sclient *s, const struct message *m)
{
	struct addr	*h = route_head(&s->hub), *a = route_head(&m->tm.ret);

	if (a == NULL || h == NULL || a->type != h->type ||
	    strcmp(a->val, h->val) != 0)
		return (0);
	if (h->type == OCKAM_ADDR_TCP || h->type == OCKAM_ADDR_TLS)
		return (m->src_kind == FLOW_TCP);
	return (1);
}

/* A reply the producer got from the hub. */
static void
producer_reply(struct sclient *s, struct message *m, int proto,
    struct cursor *cur)
{
	struct stream_create	 init;
	struct stream_confirm	 c;
	const char		*why;
	char			 reason[STREAM_REASON_MAX + 1];

	switch (proto) {
	case STREAM_P_CREATE:
		if (stream_dec_init(cur, &init, &why) == -1)
			break;
		if (strcmp(init.name, s->sc->send) != 0) {
			why = "Init for another stream";
			break;
		}
		producer_up(s, &m->tm.ret);
		return;
	case STREAM_P_PUSH:
		if (stream_dec_confirm(cur, &c, &why) == -1)
			break;
		if (c.status == STREAM_OK)
			s->nconfirmed++;
		else {
			s->nrefused++;
			log_count(&lc_hub, "stream client %s: push %llu to %s "
			    "refused", s->sc->name,
			    (unsigned long long)c.request_id, s->sc->send);
		}
		return;
	case STREAM_P_ERROR:
		if (stream_dec_error(cur, reason, sizeof(reason), &why) == -1)
			break;
		if (!s->p_up)
			producer_fail(s, reason);
		else
			log_count(&lc_hub, "stream client %s: the hub says: "
			    "%s", s->sc->name, reason);
		return;
	default:
		why = "unexpected protocol";
		break;
	}
	log_count(&lc_hub, "stream client %s: %s", s->sc->name, why);
}

/*
 * One message pulled: its TransportMessage goes on with the producer
 * in front of its return route.  0, or -1: not a message.
 */
static int
consumer_forward(struct sclient *s, const struct stream_msg *sm)
{
	struct message	*m;
	const char	*why;

	if ((m = message_new()) == NULL)
		return (-1);
	if (tmsg_decode(&m->tm, sm->data, sm->len, &why) == -1) {
		log_count(&lc_drop, "stream client %s: message %llu of %s: "
		    "%s", s->sc->name, (unsigned long long)sm->index,
		    s->sc->receive, why);
		message_free(m);
		return (-1);
	}
	if (m->tm.onward.n == 0) {
		router_drop(m, "stream client %s: message %llu of %s goes "
		    "nowhere", s->sc->name, (unsigned long long)sm->index,
		    s->sc->receive);
		return (0);
	}
	if (route_push_front(&m->tm.ret, OCKAM_ADDR_LOCAL, s->pw->name,
	    strlen(s->pw->name)) == -1) {
		router_drop(m, "stream client %s: return route too long",
		    s->sc->name);
		return (0);
	}
	/*
	 * Its source is the stream client, not the hub's connection: a
	 * channel over the streams outlives the connection.
	 */
	m->flow_kind = FLOW_STREAM;
	m->flow = s->id;
	s->nforwarded++;
	router_enqueue(m);
	return (0);
}

static void
consumer_pulled(struct sclient *s, struct cursor *cur)
{
	struct stream_pulled	 p;
	struct stream_msg	 sm;
	const char		*why;
	int64_t			 now;
	int			 n = 0, r;

	if (stream_dec_pulled(cur, &p, &why) == -1) {
		consumer_fail(s, why);
		return;
	}
	if (s->c_state != SCC_PULL || p.request_id != s->c_reqid)
		return;		/* late: a pull we gave up on */
	while ((r = stream_pulled_next(&p, &sm, &why)) == 1) {
		n++;
		if (sm.index < s->c_idx)
			continue;	/* seen */
		consumer_forward(s, &sm);
		if (sm.index == UINT64_MAX)
			break;
		s->c_idx = sm.index + 1;
	}
	if (r == -1)
		log_count(&lc_hub, "stream client %s: pull reply: %s",
		    s->sc->name, why);
	s->c_failures = 0;
	if (s->c_idx != s->c_saved) {
		consumer_index(s, 1);
		s->c_saved = s->c_idx;
	}
	/*
	 * Again at once after messages, or after an empty reply that took
	 * the interval or longer (a hub that waits for the next push):
	 * never more than one empty pull an interval.  Not while delivery
	 * lags: the hub keeps what waits.
	 */
	now = now_ms();
	s->c_state = SCC_IDLE;
	s->c_next = now + ((n > 0 || now - s->c_sent >= s->sc->interval) &&
	    router_pending() < ROUTED_QUEUE_MAX / 2 ? 0 : s->sc->interval);
}

/* A reply the consumer got from the hub. */
static void
consumer_reply(struct sclient *s, struct message *m, int proto,
    struct cursor *cur)
{
	struct stream_create	 init;
	struct stream_index	 x;
	const char		*why;
	char			 reason[STREAM_REASON_MAX + 1];

	switch (proto) {
	case STREAM_P_CREATE:
		if (stream_dec_init(cur, &init, &why) == -1)
			break;
		if (s->c_state != SCC_CREATE ||
		    strcmp(init.name, s->sc->receive) != 0)
			return;
		if (route_copy(&s->c_to, &m->tm.ret) == -1) {
			consumer_fail(s, "out of memory");
			return;
		}
		consumer_index(s, 0);
		return;
	case STREAM_P_INDEX:
		if (stream_dec_index_reply(cur, &x, &why) == -1)
			break;
		if (s->c_state != SCC_INDEX ||
		    strcmp(x.client_id, s->client_id) != 0 ||
		    strcmp(x.name, s->sc->receive) != 0)
			return;
		s->c_idx = s->c_saved = x.has_index ? x.index : 0;
		log_info("stream client %s: pulls %s from index %llu%s",
		    s->sc->name, s->sc->receive, (unsigned long long)s->c_idx,
		    x.has_index ? " (saved)" : "");
		consumer_pull(s);
		return;
	case STREAM_P_PULL:
		consumer_pulled(s, cur);
		return;
	case STREAM_P_ERROR:
		if (stream_dec_error(cur, reason, sizeof(reason), &why) == -1)
			break;
		consumer_fail(s, reason);
		return;
	default:
		why = "unexpected protocol";
		break;
	}
	log_count(&lc_hub, "stream client %s: %s", s->sc->name, why);
}

/* What reaches the producer or the consumer. */
void
sclient_handle(struct worker *w, struct message *m)
{
	struct sclient	*s = w->sclient;
	struct cursor	 cur;
	const char	*why;
	int		 proto;

	route_pop_front(&m->tm.onward);
	/* The hub answers from a worker there, to us alone. */
	if (from_hub(s, m)) {
		if (m->tm.onward.n != 0 || m->tm.ret.n != s->hub.n + 1)
			log_count(&lc_hub, "stream client %s: not a reply: "
			    "dropped", s->sc->name);
		else if (stream_decode(m->tm.payload, m->tm.plen, &proto,
		    &cur, &why) == -1)
			log_count(&lc_hub, "stream client %s: %s", s->sc->name,
			    why);
		else if (w == s->pw)
			producer_reply(s, m, proto, &cur);
		else
			consumer_reply(s, m, proto, &cur);
		message_free(m);
		return;
	}
	if (w != s->pw) {
		router_drop(m, "stream client %s: not from the hub",
		    s->sc->name);
		return;
	}
	if (m->tm.onward.n == 0) {
		router_drop(m, "stream client %s: nothing after it",
		    s->sc->name);
		return;
	}
	if (s->p_up) {
		producer_push(s, m);
		return;
	}
	if (s->p_nqueued >= limit(LIMIT_STREAM_CLIENT_QUEUE)) {
		router_drop(m, "stream client %s: %u messages wait for the "
		    "stream %s already (limit stream-client-queue)",
		    s->sc->name, s->p_nqueued, s->sc->send);
		return;
	}
	TAILQ_INSERT_TAIL(&s->p_queue, m, entry);
	s->p_nqueued++;
}

static struct sclient *
sclient_by_id(uint32_t id)
{
	struct sclient	*s;

	TAILQ_FOREACH(s, &sclients, entry)
		if (s->id == id)
			return (s);
	return (NULL);
}

/*
 * What a stream client forwards goes first to its consumers, to the
 * channels their listeners accepted, and to the decryptors of the
 * channels this node opened through its producer.
 */
int
sclient_flow_allows(struct message *m, const struct addr *a)
{
	struct sclient	*s;
	struct worker	*w;
	struct addr	*h;

	if ((s = sclient_by_id(m->flow)) == NULL || a->type != OCKAM_ADDR_LOCAL)
		return (0);
	if (names_find(&s->sc->consumers, a->val) ||
	    channel_listener_of(a->val, &s->sc->consumers))
		return (1);
	return ((w = worker_find(a->val)) != NULL &&
	    w->kind == WORKER_SC_DECRYPTOR &&
	    w->chan->role == NOISE_INITIATOR &&
	    (h = route_head(&w->chan->remote)) != NULL &&
	    addr_is(h, OCKAM_ADDR_LOCAL, s->pw->name));
}

/* May what arrives over the connection to peer reach worker name? */
int
sclient_via(const char *name, int tls, const char *peer)
{
	struct sclient	*s;
	struct addr	*h;

	TAILQ_FOREACH(s, &sclients, entry) {
		h = route_head(&s->hub);
		if (h->type == (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) &&
		    strcmp(h->val, peer) == 0 &&
		    (strcmp(s->pw->name, name) == 0 ||
		    strcmp(s->cw->name, name) == 0))
			return (1);
	}
	return (0);
}

/* The connection to peer closed: the clients over it start over. */
void
sclient_conn_down(int tls, const char *peer)
{
	struct sclient	*s;
	struct addr	*h;

	TAILQ_FOREACH(s, &sclients, entry) {
		h = route_head(&s->hub);
		if (h->type != (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) ||
		    strcmp(h->val, peer) != 0)
			continue;
		if (s->p_up || !s->p_retry)
			producer_fail(s, "the connection to the hub closed");
		if (s->c_state != SCC_WAIT)
			consumer_fail(s, "the connection to the hub closed");
	}
}

/* For show workers: a side's stream, state and counters. */
void
sclient_detail(const struct worker *w, char *buf, size_t len)
{
	static const char *const cstates[] = { "retrying", "creating",
	    "getting its index", "pulling", "idle" };
	const struct sclient	*s = w->sclient;

	if (w == s->pw)
		snprintf(buf, len, "to %s, %s, %llu pushed, %llu confirmed, "
		    "%llu refused, %u waiting", s->sc->send, s->p_up ? "up" :
		    s->p_retry ? "retrying" : "creating",
		    (unsigned long long)s->npushed,
		    (unsigned long long)s->nconfirmed,
		    (unsigned long long)s->nrefused, s->p_nqueued);
	else
		snprintf(buf, len, "from %s, %s, index %llu, %llu forwarded",
		    s->sc->receive, cstates[s->c_state],
		    (unsigned long long)s->c_idx,
		    (unsigned long long)s->nforwarded);
}

/* Timers: answers overdue, retries, the next pull. */
void
sclient_run(void)
{
	struct sclient	*s;
	int64_t		 now;

	if (TAILQ_EMPTY(&sclients))
		return;
	now = now_ms();
	TAILQ_FOREACH(s, &sclients, entry) {
		if (!s->p_up && now >= s->p_next) {
			if (!s->p_retry)
				producer_fail(s, "no Init from the hub");
			else
				producer_create(s);
		}
		if (now < s->c_next)
			continue;
		switch (s->c_state) {
		case SCC_WAIT:
			consumer_create(s);
			break;
		case SCC_IDLE:
			consumer_pull(s);
			break;
		default:
			consumer_fail(s, "no answer from the hub");
			break;
		}
	}
}

/* How long the main loop may sleep: until the next timer. */
void
sclient_timeout(struct timespec *ts)
{
	struct sclient	*s;
	int64_t		 now, next = -1;

	if (TAILQ_EMPTY(&sclients))
		return;
	now = now_ms();
	TAILQ_FOREACH(s, &sclients, entry) {
		if (!s->p_up && (next == -1 || s->p_next < next))
			next = s->p_next;
		if (next == -1 || s->c_next < next)
			next = s->c_next;
	}
	next = next <= now ? 0 : next - now;
	if (next < (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000) {
		ts->tv_sec = next / 1000;
		ts->tv_nsec = (next % 1000) * 1000000;
	}
}

/*
 * A new stream client: sc is the configuration's, or (own) ours to
 * free, also when this fails.
 */
int
sclient_new(struct sclient_conf *sc, int own, char *err, size_t errlen)
{
	struct sclient	*s;
	char		 name[OCKAM_ADDR_MAX + 1], hex[17];

	if (nsclients >= (int)limit(LIMIT_STREAM_CLIENTS)) {
		snprintf(err, errlen, "%d stream clients already (limit "
		    "stream-clients)", nsclients);
		goto fail_sc;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_sc;
	}
	route_init(&s->hub);
	route_init(&s->p_to);
	route_init(&s->c_to);
	TAILQ_INIT(&s->p_queue);
	if (multiaddr_parse(sc->hub, &s->hub, err, errlen) == -1)
		goto fail;
	if (s->hub.n == 0) {
		snprintf(err, errlen, "an empty hub route");
		goto fail;
	}
	if ((s->pw = worker_add(sc->name, WORKER_STREAM_PRODUCER, 0, err,
	    errlen)) == NULL)
		goto fail;
	random_name(hex, sizeof(hex));
	snprintf(name, sizeof(name), "%s%s", SC_CONSUMER_PREFIX, hex);
	if ((s->cw = worker_add(name, WORKER_STREAM_CONSUMER, 0, err,
	    errlen)) == NULL) {
		worker_del(s->pw);
		goto fail;
	}
	s->pw->sclient = s->cw->sclient = s;
	s->sc = sc;
	s->own = own;
	strlcpy(s->client_id, sc->client_id[0] != '\0' ? sc->client_id :
	    sc->name, sizeof(s->client_id));
	s->id = next_id++;
	if (next_id == 0)
		next_id = 1;
	TAILQ_INSERT_TAIL(&sclients, s, entry);
	nsclients++;
	producer_create(s);
	consumer_create(s);
	return (0);
 fail:
	route_clear(&s->hub);
	free(s);
 fail_sc:
	if (own)
		sclient_conf_free(sc);
	return (-1);
}

void
sclient_delete(struct sclient *s)
{
	struct message	*m;

	TAILQ_REMOVE(&sclients, s, entry);
	nsclients--;
	while ((m = TAILQ_FIRST(&s->p_queue)) != NULL) {
		TAILQ_REMOVE(&s->p_queue, m, entry);
		message_free(m);
	}
	worker_del(s->pw);
	worker_del(s->cw);
	route_clear(&s->hub);
	route_clear(&s->p_to);
	route_clear(&s->c_to);
	if (s->own)
		sclient_conf_free(s->sc);
	free(s);
}

/* Node ready: the stream clients of the configuration start. */
void
sclient_configure(struct ockam_conf *conf)
{
	struct sclient_conf	*sc;
	char			 err[256];

	TAILQ_FOREACH(sc, &conf->sclients, entry)
		if (sclient_new(sc, 0, err, sizeof(err)) == -1)
			fatalx("stream client at %s: %s", sc->hub, err);
}

void
sclient_shutdown(void)
{
	struct sclient	*s;

	while ((s = TAILQ_FIRST(&sclients)) != NULL)
		sclient_delete(s);
}
