/* SPDX-License-Identifier: ISC */
/*
 * The stream service of a hub and its per-stream workers
 * (doc/design.md 6, the protocol in 4.5), as Ockam's 2021 hub serves
 * them; the records are ockam-streamd's (streamcall.c).
 *
 * The service takes stream_create: it opens (or creates) the stream in
 * streamd and answers Init from the stream's worker, ST_S_ and 16 hex
 * digits, so that the client learns that worker's route.  A second
 * create of a name joins the same stream.  The worker takes
 * stream_push (PushConfirm once the record is on disk, indices
 * contiguous from 0) and stream_pull (always answered: the longest run
 * of records from the index that fits one frame, at most the limit).
 * What cannot be decoded, or asks past a bound, gets an `error'; a
 * push refused gets PushConfirm with status error.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "buf.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "stream.h"
#include "streamd.h"
#include "util.h"

#define ST_PREFIX	"ST_S_"
#define ST_HEX		16
#define ST_GEN_PREFIX	"generated_"
#define ST_GEN_HEX	8

/*
 * The largest record any pull can take back: a frame less the reply's
 * worst routes (OCKAM_ROUTE_MAX addresses of OCKAM_ADDR_MAX bytes to
 * the puller, the worker's address back) and its fixed parts.
 */
#define ST_REPLY_HEAD	(1 + 1 + OCKAM_ROUTE_MAX * (3 + OCKAM_ADDR_MAX) + \
			    1 + 3 + sizeof(ST_PREFIX) + ST_HEX + 3)
_Static_assert(55 * 1024 + STREAM_MSG_FIXED + STREAM_PULL_FIXED +
    ST_REPLY_HEAD <= OCKAM_MSG_MAX, "stream-message-size past a frame");

static TAILQ_HEAD(, stream)	 streams = TAILQ_HEAD_INITIALIZER(streams);
static char			 service[OCKAM_ADDR_MAX + 1];
static struct log_count		 lc_bad = LOG_COUNT_INIT(LOG_INFO,
    "stream requests refused: malformed");
static struct log_count		 lc_refused = LOG_COUNT_INIT(LOG_INFO,
    "stream requests refused");

/*
 * A reply: from the worker named from to the route to, the payload
 * what b holds.  b is freed.
 */
void
stream_send(const char *from, const struct route *to, struct ibuf *b)
{
	struct message	*r = NULL;

	if (b == NULL || ibuf_error(b) || (r = message_new()) == NULL ||
	    route_copy(&r->tm.onward, to) == -1 ||
	    route_push_back(&r->tm.ret, OCKAM_ADDR_LOCAL, from,
	    strlen(from)) == -1 ||
	    tmsg_set_payload(&r->tm, ibuf_data(b), ibuf_size(b)) == -1) {
		log_warnx("%s: cannot build a reply", from);
		message_free(r);
	} else
		router_enqueue(r);
	ibuf_free(b);
}

/* An `error' reply, the cause logged (counted) by the caller's lc. */
void
stream_error(struct log_count *lc, const char *from, const struct route *to,
    const char *fmt, ...)
{
	struct ibuf	*b;
	char		 why[STREAM_REASON_MAX + 1];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_count(lc == NULL ? &lc_refused : lc, "%s: %s", from, why);
	if ((b = ibuf_open(64, OCKAM_MSG_MAX)) != NULL)
		stream_enc_error(b, why);
	stream_send(from, to, b);
}

/* The reply's sender and route, kept while streamd works. */
struct st_req *
stream_req(const char *from, const struct message *m)
{
	struct st_req	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return (NULL);
	route_init(&q->ret);
	strlcpy(q->from, from, sizeof(q->from));
	q->src_kind = m->src_kind;
	q->src = m->src;
	if (route_copy(&q->ret, &m->tm.ret) == -1) {
		free(q);
		return (NULL);
	}
	return (q);
}

void
stream_req_free(struct st_req *q)
{
	route_clear(&q->ret);
	free(q);
}

/* The streams in the order they were opened: stream_next(NULL) first. */
struct stream *
stream_next(struct stream *st)
{
	return (st == NULL ? TAILQ_FIRST(&streams) : TAILQ_NEXT(st, entry));
}

static struct stream *
stream_find(const char *name)
{
	struct stream	*st;

	TAILQ_FOREACH(st, &streams, entry)
		if (strcmp(st->name, name) == 0)
			break;
	return (st);
}

static void
stream_init(struct stream *st, const struct route *to)
{
	struct ibuf	*b;

	if ((b = ibuf_open(64, OCKAM_MSG_MAX)) != NULL)
		stream_enc_init(b, st->name);
	stream_send(st->w->name, to, b);
}

/* streamd opened the stream: its worker (new or not) says Init. */
static void
create_done(struct st_req *q, const void *data, size_t len)
{
	struct streamd_open	 ans;
	struct stream		*st;
	char			 addr[OCKAM_ADDR_MAX + 1], hex[ST_HEX + 1];
	char			 err[256] = "out of memory";

	if (data == NULL)
		goto done;
	if (len != sizeof(ans))
		streamd_bad("OPEN size");
	memcpy(&ans, data, sizeof(ans));
	if (ans.status != STREAMD_OK) {
		stream_error(NULL, q->from, &q->ret, "cannot create stream "
		    "%s: %s", q->name, ans.status == STREAMD_ERR_LIMIT ?
		    "too many streams" : "storage failed");
		goto done;
	}
	if ((st = stream_find(q->name)) == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			goto fail;
		random_name(hex, sizeof(hex));
		snprintf(addr, sizeof(addr), "%s%s", ST_PREFIX, hex);
		if ((st->w = worker_add(addr, WORKER_STREAM, 0, err,
		    sizeof(err))) == NULL) {
			free(st);
			goto fail;
		}
		st->w->stream = st;
		TAILQ_INIT(&st->waiting);
		strlcpy(service, q->from, sizeof(service));
		st->id = ans.stream;
		strlcpy(st->name, q->name, sizeof(st->name));
		TAILQ_INSERT_TAIL(&streams, st, entry);
		log_debug("stream %s: worker %s, records %llu..%llu",
		    st->name, addr, (unsigned long long)ans.first,
		    (unsigned long long)ans.next);
	} else if (st->id != ans.stream)
		streamd_bad("OPEN: another id for a stream");
	stream_init(st, &q->ret);
	goto done;
 fail:
	stream_error(NULL, q->from, &q->ret, "cannot create stream %s: %s",
	    q->name, err);
 done:
	stream_req_free(q);
}

/* stream_create: a name (or one made up) to a stream and its worker. */
static void
stream_create(struct worker *w, struct message *m, struct cursor *c)
{
	struct stream_create	 req;
	struct streamd_open_req	 open;
	struct stream		*st;
	struct st_req		*q;
	const char		*errstr;
	char			 hex[ST_GEN_HEX + 1];

	if (stream_dec_create(c, &req, &errstr) == -1) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s", errstr);
		return;
	}
	if (!req.has_name) {
		random_name(hex, sizeof(hex));
		snprintf(req.name, sizeof(req.name), "%s%s", ST_GEN_PREFIX,
		    hex);
	}
	if (!streamd_name_valid(req.name, strlen(req.name))) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "invalid stream "
		    "name \"%s\"", safe_str(req.name, strlen(req.name)));
		return;
	}
	if ((st = stream_find(req.name)) != NULL) {
		stream_init(st, &m->tm.ret);
		return;
	}
	memset(&open, 0, sizeof(open));
	strlcpy(open.name, req.name, sizeof(open.name));
	open.create = 1;
	if ((q = stream_req(w->name, m)) == NULL)
		return;
	strlcpy(q->name, req.name, sizeof(q->name));
	if (streamd_call(IMSG_STREAMD_OPEN, &open, sizeof(open), NULL, 0,
	    create_done, q) == -1) {
		stream_error(NULL, w->name, &m->tm.ret, "stream service busy");
		stream_req_free(q);
	}
}

static void
confirm(struct st_req *q, int status, uint64_t index)
{
	struct stream_confirm	 pc;
	struct ibuf		*b;

	pc.request_id = q->request_id;
	pc.status = status;
	pc.index = status == STREAM_OK ? index : 0;
	if ((b = ibuf_open(32, OCKAM_MSG_MAX)) != NULL)
		stream_enc_confirm(b, &pc);
	stream_send(q->from, &q->ret, b);
}

static void
push_done(struct st_req *q, const void *data, size_t len)
{
	struct streamd_append	 ans;

	if (data != NULL) {
		if (len != sizeof(ans))
			streamd_bad("APPEND size");
		memcpy(&ans, data, sizeof(ans));
		if (ans.stream != q->st->id)
			streamd_bad("APPEND: another stream");
		if (ans.status != STREAMD_OK)
			log_count(&lc_refused, "%s: push not stored: %s",
			    q->from, ans.status == STREAMD_ERR_LIMIT ?
			    "stream full (limit stream-bytes)" :
			    "storage failed");
		confirm(q, ans.status == STREAMD_OK ? STREAM_OK :
		    STREAM_ERROR, ans.index);
		if (ans.status == STREAMD_OK)
			stream_wake(q->st);
	}
	stream_req_free(q);
}

/* stream_push: one record, confirmed once streamd has it on disk. */
static void
stream_push(struct worker *w, struct message *m, struct cursor *c)
{
	struct stream_push		 req;
	struct streamd_append_req	 app;
	struct st_req			*q;
	const char			*errstr;

	if (stream_dec_push(c, &req, &errstr) == -1) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s", errstr);
		return;
	}
	if ((q = stream_req(w->name, m)) == NULL)
		return;
	q->request_id = req.request_id;
	q->st = w->stream;
	/* What could never come back in a pull is refused. */
	if (req.len == 0 || req.len > limit(LIMIT_STREAM_MESSAGE)) {
		log_count(&lc_refused, "%s: push of %zu bytes refused (1 to "
		    "%u, limit stream-message-size)", w->name, req.len,
		    limit(LIMIT_STREAM_MESSAGE));
		confirm(q, STREAM_ERROR, 0);
		stream_req_free(q);
		return;
	}
	app.stream = w->stream->id;
	if (streamd_call(IMSG_STREAMD_APPEND, &app, sizeof(app), req.data,
	    req.len, push_done, q) == -1) {
		confirm(q, STREAM_ERROR, 0);
		stream_req_free(q);
	}
}

/* A PullResponse of these messages to q, which is freed. */
void
stream_pulled(struct st_req *q, const struct stream_msg *msgs, size_t n)
{
	struct ibuf	*b;

	if ((b = ibuf_open(256, OCKAM_MSG_MAX)) != NULL)
		stream_enc_pulled(b, q->request_id, msgs, n);
	stream_send(q->from, &q->ret, b);
	stream_req_free(q);
}

/*
 * The records of a READ answer, checked whole, as a PullResponse; at
 * the end of the stream the pull waits for the next push if it may.
 */
static void
pull_done(struct st_req *q, const void *data, size_t len)
{
	struct streamd_read	 ans;
	struct stream_msg	*msgs = NULL;
	struct cursor		 c;
	uint32_t		 i;

	if (data == NULL)
		goto done;
	if (len < sizeof(ans))
		streamd_bad("READ size");
	memcpy(&ans, data, sizeof(ans));
	if (ans.stream != q->st->id)
		streamd_bad("READ: another stream");
	if (ans.count > STREAMD_READ_COUNT ||
	    (ans.count > 0 && (msgs = calloc(ans.count,
	    sizeof(*msgs))) == NULL)) {
		if (ans.count > STREAMD_READ_COUNT)
			streamd_bad("READ count");
		stream_error(NULL, q->from, &q->ret, "out of memory");
		goto done;
	}
	cur_init(&c, (const uint8_t *)data + sizeof(ans), len - sizeof(ans));
	for (i = 0; i < ans.count; i++) {
		msgs[i].index = ans.first + i;
		msgs[i].len = cur_h32(&c);
		msgs[i].data = cur_bytes(&c, msgs[i].len);
	}
	if (cur_end(&c) == -1 || (ans.count > 0 &&
	    ans.first + ans.count - 1 < ans.first))
		streamd_bad("READ records");
	if (ans.status == STREAMD_ERR_BIG)
		stream_error(NULL, q->from, &q->ret, "message %llu does not "
		    "fit one frame", (unsigned long long)ans.first);
	else if (ans.status != STREAMD_OK)
		stream_error(NULL, q->from, &q->ret, "storage failed");
	else if (ans.count == 0 && q->index > ans.next)
		stream_error(NULL, q->from, &q->ret, "index %llu beyond the "
		    "end (%llu)", (unsigned long long)q->index,
		    (unsigned long long)ans.next);
	else if (ans.count > 0 || stream_wait(q) == -1) {
		stream_pulled(q, msgs, ans.count);
		q = NULL;
	} else
		q = NULL;	/* waits */
 done:
	free(msgs);
	if (q != NULL)
		stream_req_free(q);
}

/* Ask streamd for the records of pull q: -1 when it cannot (q kept). */
static int
pull_read(struct st_req *q)
{
	struct streamd_read_req	 rd;

	memset(&rd, 0, sizeof(rd));
	rd.stream = q->st->id;
	rd.budget = q->budget;
	rd.overhead = STREAM_MSG_FIXED;
	rd.index = q->index;
	rd.limit = q->limit;
	return (streamd_call(IMSG_STREAMD_READ, &rd, sizeof(rd), NULL, 0,
	    pull_done, q));
}

/* A waiting pull woken by a push: read again, or answer it empty. */
void
stream_read(struct st_req *q)
{
	if (pull_read(q) == -1)
		stream_pulled(q, NULL, 0);
}

/*
 * What the records of a pull reply to m may take: a frame less the
 * reply's routes and fixed parts.
 */
static uint32_t
pull_budget(struct worker *w, const struct message *m, uint64_t request_id)
{
	struct tmsg	 t;
	size_t		 head, fixed;

	tmsg_init(&t);
	if (route_copy(&t.onward, &m->tm.ret) == -1 ||
	    route_push_back(&t.ret, OCKAM_ADDR_LOCAL, w->name,
	    strlen(w->name)) == -1) {
		tmsg_clear(&t);
		return (0);
	}
	/* The payload's length takes 3 bytes at most (under 2^21). */
	head = tmsg_encoded_len(&t) - 1 + 3;
	tmsg_clear(&t);
	fixed = 1 + strlen("stream_pull") + 3 + uvarint_len(request_id) +
	    uvarint_len(STREAMD_READ_COUNT);
	if (head + fixed >= OCKAM_MSG_MAX)
		return (0);
	return (OCKAM_MSG_MAX - head - fixed);
}

/* stream_pull: the longest run from index that fits one frame. */
static void
stream_pull(struct worker *w, struct message *m, struct cursor *c)
{
	struct stream_pull		 req;
	struct st_req			*q;
	struct ibuf			*b;
	const char			*errstr;
	uint32_t			 budget;

	if (stream_dec_pull(c, &req, &errstr) == -1) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s", errstr);
		return;
	}
	if (req.limit > limit(LIMIT_STREAM_PULL)) {
		stream_error(NULL, w->name, &m->tm.ret, "pull limit %llu over "
		    "%u (limit stream-pull-limit)",
		    (unsigned long long)req.limit, limit(LIMIT_STREAM_PULL));
		return;
	}
	if (req.limit == 0) {
		if ((b = ibuf_open(32, OCKAM_MSG_MAX)) != NULL)
			stream_enc_pulled(b, req.request_id, NULL, 0);
		stream_send(w->name, &m->tm.ret, b);
		return;
	}
	if ((budget = pull_budget(w, m, req.request_id)) == 0) {
		stream_error(NULL, w->name, &m->tm.ret, "return route too "
		    "long for a reply");
		return;
	}
	if ((q = stream_req(w->name, m)) == NULL)
		return;
	q->request_id = req.request_id;
	q->index = req.index;
	q->limit = req.limit;
	q->budget = budget;
	q->st = w->stream;
	if (pull_read(q) == -1) {
		stream_error(NULL, w->name, &m->tm.ret, "stream busy");
		stream_req_free(q);
	}
}

/*
 * The envelope of a request to w: 0, its protocol and a cursor on its
 * message; or -1 when m had no return route or no envelope (m is then
 * answered and freed).
 */
int
stream_request(struct worker *w, struct message *m, int *proto,
    struct cursor *c)
{
	const char	*errstr;

	if (m->tm.ret.n == 0) {
		router_drop(m, "%s: a request without a return route",
		    w->name);
		return (-1);
	}
	if (stream_decode(m->tm.payload, m->tm.plen, proto, c,
	    &errstr) == -1) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s", errstr);
		message_free(m);
		return (-1);
	}
	return (0);
}

/* A message for the stream service or a stream's worker. */
void
stream_handle(struct worker *w, struct message *m)
{
	struct cursor	 c;
	int		 proto;

	if (stream_request(w, m, &proto, &c) == -1)
		return;
	if (w->kind == WORKER_STREAM_SERVICE && proto == STREAM_P_CREATE)
		stream_create(w, m, &c);
	else if (w->kind == WORKER_STREAM && proto == STREAM_P_PUSH)
		stream_push(w, m, &c);
	else if (w->kind == WORKER_STREAM && proto == STREAM_P_PULL)
		stream_pull(w, m, &c);
	else
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s to %s", stream_proto_name(proto),
		    worker_kind_name(w->kind));
	message_free(m);
}

/*
 * May what arrives where the consumers are these go first to name?  A
 * stream's worker when the stream service is one of them.
 */
int
stream_flow_allows(const char *name, const struct names *consumers)
{
	struct worker	*w;

	return ((w = worker_find(name)) != NULL && w->kind == WORKER_STREAM &&
	    names_find(consumers, service));
}

void
stream_shutdown(void)
{
	struct stream	*st;

	while ((st = TAILQ_FIRST(&streams)) != NULL) {
		stream_wait_gone(st);
		TAILQ_REMOVE(&streams, st, entry);
		worker_del(st->w);
		free(st);
	}
}
