/* SPDX-License-Identifier: ISC */
/*
 * routed's side of ockam-streamd (lib/streamd.h).  A request that has
 * an answer is a call, queued in the order it was sent, which is the
 * order streamd answers: an answer that is not for the oldest call, or
 * not of its type, means streamd is broken (fatal).  The answer goes
 * to the call's callback at once; a callback only queues messages.
 *
 * Calls are bounded node-wide (limit stream-pending) and per source,
 * the connection or channel the request came over (limit
 * stream-pending-per-source), and so are the bytes of requests not yet
 * written to streamd, saves included: past any the caller answers its peer
 * with an error (a save is dropped), and routed never holds more than
 * that for a slow disk.  streamd not answering within STREAMD_TIMEOUT is fatal.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "streamd.h"
#include "util.h"

#define STREAMD_TIMEOUT	30	/* seconds for one answer */
#define STREAMD_UNSENT	(16U << 20) /* bytes of requests not yet written */

struct sd_call {
	TAILQ_ENTRY(sd_call)	 entry;
	uint32_t		 reqid;
	uint32_t		 type;
	uint8_t			 src_kind;
	uint32_t		 src;
	time_t			 sent;
	streamd_done		 done;
	struct st_req		*arg;
};

static TAILQ_HEAD(, sd_call)	 calls = TAILQ_HEAD_INITIALIZER(calls);
static uint32_t			 ncalls;
static uint32_t			 sd_reqid;
static struct log_count		 lc_busy = LOG_COUNT_INIT(LOG_INFO,
    "stream requests refused: bounds");

static uint32_t
calls_from(uint8_t kind, uint32_t src)
{
	struct sd_call	*c;
	uint32_t	 n = 0;

	TAILQ_FOREACH(c, &calls, entry)
		if (c->src_kind == kind && c->src == src)
			n++;
	return (n);
}

/*
 * Send a request (req, then data); its answer goes to done(q), counted
 * for q's source.  With done NULL it has no answer (SAVE) and is not
 * counted.  Returns -1 when streamd is not there or a bound is
 * reached: the caller answers.
 */
int
streamd_call(uint32_t type, const void *req, size_t reqlen,
    const void *data, size_t dlen, streamd_done done, struct st_req *q)
{
	struct child	*ch = &children[CHILD_STREAMD];
	struct sd_call	*c = NULL;
	struct iovec	 iov[2];

	if (!ch->connected)
		return (-1);
	/* Saves have no answer: what waits unsent bounds them. */
	if (imsgbuf_queuelen(&ch->ibuf) >= STREAMD_UNSENT) {
		log_count(&lc_busy, "%zu bytes of requests not yet written to "
		    "streamd", imsgbuf_queuelen(&ch->ibuf));
		return (-1);
	}
	if (done != NULL) {
		if (ncalls >= limit(LIMIT_STREAM_PENDING)) {
			log_count(&lc_busy, "%u requests waiting (limit "
			    "stream-pending)", ncalls);
			return (-1);
		}
		if (calls_from(q->src_kind, q->src) >=
		    limit(LIMIT_STREAM_PENDING_SOURCE)) {
			log_count(&lc_busy, "%u requests waiting from one %s "
			    "(limit stream-pending-per-source)",
			    limit(LIMIT_STREAM_PENDING_SOURCE),
			    q->src_kind == FLOW_CHANNEL ? "channel" :
			    q->src_kind == FLOW_TCP ? "connection" : "node");
			return (-1);
		}
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return (-1);
	}
	if (++sd_reqid == 0)
		sd_reqid = 1;
	iov[0].iov_base = (void *)req;
	iov[0].iov_len = reqlen;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = dlen;
	if (imsg_composev(&ch->ibuf, type, sd_reqid, 0, -1, iov,
	    dlen > 0 ? 2 : 1) == -1)
		fatal("streamd request");
	if (c == NULL)
		return (0);
	c->reqid = sd_reqid;
	c->type = type;
	c->src_kind = q->src_kind;
	c->src = q->src;
	c->sent = monotime();
	c->done = done;
	c->arg = q;
	TAILQ_INSERT_TAIL(&calls, c, entry);
	ncalls++;
	return (0);
}

static void
call_free(struct sd_call *c)
{
	TAILQ_REMOVE(&calls, c, entry);
	ncalls--;
	free(c);
}

/* Start-up: the storage and the bounds. */
void
streamd_configure(struct ockam_conf *conf)
{
	struct streamd_conf	 sc;

	memset(&sc, 0, sizeof(sc));
	if (strlcpy(sc.dir, conf->stream->dir, sizeof(sc.dir)) >=
	    sizeof(sc.dir))
		fatalx("stream storage directory too long");
	sc.backend = STREAMD_BACKEND_EMBEDDED;
	if (conf->stream->storage == STREAM_STORAGE_REDIS) {
		sc.backend = STREAMD_BACKEND_REDIS;
		stream_show_backend("redis");
		if (strlcpy(sc.redis_host, conf->stream->redis_host,
		    sizeof(sc.redis_host)) >= sizeof(sc.redis_host))
			fatalx("Redis address too long");
		sc.redis_port = conf->stream->redis_port;
		if (conf->stream->redis_auth != NULL &&
		    stream_redis_creds(conf->stream->redis_auth, conf->user,
		    sc.redis_user, sc.redis_pass, sizeof(sc.redis_pass)) == -1)
			fatalx("cannot read the Redis password");
	}
	sc.retain_age = conf->stream->retain_age;
	sc.retain_bytes = conf->stream->retain_bytes;
	memcpy(sc.limits, conf->limits, sizeof(sc.limits));
	if (children_send(CHILD_STREAMD, IMSG_STREAMD_CONF, &sc,
	    sizeof(sc)) == -1)
		fatalx("streamd: cannot send its configuration");
	explicit_bzero(&sc, sizeof(sc));
}

/*
 * An answer from streamd (children.c's table checked its type and the
 * size of its fixed part): for the oldest call.  Its callback checks
 * the rest and calls streamd_bad() when it is wrong.
 */
void
streamd_imsg(struct imsg *imsg)
{
	struct sd_call	*c;

	if ((c = TAILQ_FIRST(&calls)) == NULL)
		imsg_bad("streamd", imsg, "an answer nobody asked for");
	if (imsg->hdr.type != c->type || imsg->hdr.peerid != c->reqid)
		imsg_bad("streamd", imsg, "not the answer asked for");
	c->done(c->arg, imsg->data, imsg->len);
	call_free(c);
}

void
streamd_bad(const char *why)
{
	fatalx("streamd: malformed answer: %s", why);
}

/* Once a second: a streamd that stopped answering cannot be used. */
void
streamd_tick(void)
{
	struct sd_call	*c = TAILQ_FIRST(&calls);

	if (c != NULL && monotime() - c->sent > STREAMD_TIMEOUT)
		fatalx("streamd did not answer %s within %d s",
		    imsg_type_name(c->type), STREAMD_TIMEOUT);
}

/* Every call's caller hears it is gone (no answer) so it frees. */
void
streamd_shutdown(void)
{
	struct sd_call	*c;

	while ((c = TAILQ_FIRST(&calls)) != NULL) {
		c->done(c->arg, NULL, 0);
		call_free(c);
	}
}
