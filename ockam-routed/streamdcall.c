/* SPDX-License-Identifier: ISC */
/*
 * routed's side of the stream storage protocol (lib/streamd.h), for
 * the stream services.  As with the vault (vaultcall.c), requests are
 * calls answered in the order they were sent: an answer that is not
 * for the oldest call, not of its type, or malformed means streamd is
 * broken: fatal.  An answer is kept until streamd_run() hands it to
 * its caller from the main loop.  SAVE has no answer and is no call.
 *
 * A streamd that goes away stops the node; one that does not answer
 * within STREAMD_TIMEOUT seconds (an fsync that hangs) is fatal.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "streamd.h"
#include "util.h"

#define STREAMD_TIMEOUT	30	/* seconds for one answer */

struct streamd_call {
	TAILQ_ENTRY(streamd_call) entry;
	uint32_t		 reqid;
	uint32_t		 type;
	uint32_t		 stream;	/* APPEND, READ, STAT */
	void			(*done)(void *, const void *, size_t);
						/* NULL: cancelled */
	void			*arg;
	int			 answered;
	time_t			 sent;
	void			*ans;
	size_t			 anslen;
};

static TAILQ_HEAD(, streamd_call) calls = TAILQ_HEAD_INITIALIZER(calls);
static uint32_t			 streamd_reqid;

void
streamd_configure(struct ockam_conf *conf)
{
	struct streamd_conf	 sc;

	memset(&sc, 0, sizeof(sc));
	if (strlcpy(sc.dir, conf->stream->dir, sizeof(sc.dir)) >=
	    sizeof(sc.dir))
		fatalx("stream directory path too long: %s",
		    conf->stream->dir);
	sc.backend = STREAMD_BACKEND_EMBEDDED;
	sc.retain_bytes = conf->stream->retain_bytes;
	sc.retain_age = conf->stream->retain_age;
	memcpy(sc.limits, conf->limits, sizeof(sc.limits));
	if (imsg_compose(&children[CHILD_STREAMD].ibuf, IMSG_STREAMD_CONF, 0,
	    0, -1, &sc, sizeof(sc)) == -1)
		fatal("imsg_compose");
}

/* Whether the node has stream storage at all (a stream service). */
int
streamd_enabled(void)
{
	return (children[CHILD_STREAMD].enabled);
}

static void
call_free(struct streamd_call *sc)
{
	TAILQ_REMOVE(&calls, sc, entry);
	free(sc->ans);
	free(sc);
}

/*
 * Send a request: req (its struct), then data (the record of an
 * APPEND, else NULL).  Its answer goes to done(arg, answer, length);
 * for READ the answer is struct streamd_read and its records, checked
 * (streamd_record() walks them).  SAVE has no answer: done is NULL.
 * Returns NULL when streamd is not there or memory is short.
 */
struct streamd_call *
streamd_call(uint32_t type, const void *req, size_t reqlen,
    const void *data, size_t datalen,
    void (*done)(void *, const void *, size_t), void *arg)
{
	struct child		*ch = &children[CHILD_STREAMD];
	struct streamd_call	*sc = NULL;
	struct iovec		 iov[2];
	uint32_t		 reqid = 0;

	if (!ch->connected)
		return (NULL);
	if (type != IMSG_STREAMD_SAVE) {
		if ((sc = calloc(1, sizeof(*sc))) == NULL)
			return (NULL);
		if (++streamd_reqid == 0)
			streamd_reqid = 1;
		reqid = sc->reqid = streamd_reqid;
		sc->type = type;
		sc->done = done;
		sc->arg = arg;
		sc->sent = monotime();
		/* Every request that names a stream starts with its id. */
		if (type != IMSG_STREAMD_OPEN && type != IMSG_STREAMD_GET)
			memcpy(&sc->stream, req, sizeof(sc->stream));
	}
	iov[0].iov_base = (void *)req;
	iov[0].iov_len = reqlen;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = datalen;
	if (imsg_composev(&ch->ibuf, type, reqid, 0, -1, iov,
	    datalen > 0 ? 2 : 1) == -1)
		fatal("streamd request");
	if (sc != NULL)
		TAILQ_INSERT_TAIL(&calls, sc, entry);
	return (sc);
}

/* The caller is gone: its answer will be dropped. */
void
streamd_cancel(struct streamd_call *sc)
{
	sc->done = NULL;
	sc->arg = NULL;
}

/*
 * The records of a READ answer, one at a time from *off (0 first):
 * returns the next one and its length, or NULL after the last.  The
 * answer was checked when it came.
 */
const uint8_t *
streamd_record(const void *ans, size_t len, size_t *off, uint32_t *rlen)
{
	const uint8_t	*p = ans;

	if (*off == 0)
		*off = sizeof(struct streamd_read);
	if (*off + sizeof(*rlen) > len)
		return (NULL);
	memcpy(rlen, p + *off, sizeof(*rlen));
	p += *off + sizeof(*rlen);
	*off += sizeof(*rlen) + *rlen;
	return (p);
}

/* A READ answer: count records, each whole, within the bounds. */
static void
check_read(struct imsg *imsg, struct streamd_call *sc)
{
	struct streamd_read	 r;
	size_t			 off = sizeof(r);
	uint32_t		 i, len;

	memcpy(&r, imsg->data, sizeof(r));
	if (r.stream != sc->stream)
		imsg_bad("streamd", imsg, "not the stream asked for");
	if (r.count > STREAMD_READ_COUNT ||
	    imsg->len - sizeof(r) > STREAMD_READ_MAX)
		imsg_bad("streamd", imsg, "too much");
	if (r.status != STREAMD_OK && r.count != 0)
		imsg_bad("streamd", imsg, "records with an error");
	if (r.count > 0 && (r.first > UINT64_MAX - r.count ||
	    r.first + r.count > r.next))
		imsg_bad("streamd", imsg, "records past the end");
	for (i = 0; i < r.count; i++) {
		if (imsg->len - off < sizeof(len))
			imsg_bad("streamd", imsg, "cut record");
		memcpy(&len, imsg->data + off, sizeof(len));
		off += sizeof(len);
		if (len == 0 || len > STREAMD_DATA_MAX ||
		    imsg->len - off < len)
			imsg_bad("streamd", imsg, "bad record length");
		off += len;
	}
	if (off != imsg->len)
		imsg_bad("streamd", imsg, "trailing bytes");
}

/*
 * An answer from streamd (children.c's table checked its type and the
 * size of its fixed part): for the oldest call waiting.
 */
void
streamd_imsg(struct imsg *imsg)
{
	struct streamd_call	*sc;
	uint32_t		 status, stream;

	TAILQ_FOREACH(sc, &calls, entry)
		if (!sc->answered)
			break;
	if (sc == NULL)
		imsg_bad("streamd", imsg, "an answer nobody asked for");
	if (imsg->hdr.type != sc->type || imsg->hdr.peerid != sc->reqid)
		imsg_bad("streamd", imsg, "not the answer asked for");
	memcpy(&status, imsg->data, sizeof(status));
	if (status > STREAMD_ERR_BIG)
		imsg_bad("streamd", imsg, "unknown status");
	if (sc->type == IMSG_STREAMD_READ)
		check_read(imsg, sc);
	else if (sc->type != IMSG_STREAMD_OPEN &&
	    sc->type != IMSG_STREAMD_GET) {
		memcpy(&stream, imsg->data + sizeof(status), sizeof(stream));
		if (stream != sc->stream)
			imsg_bad("streamd", imsg, "not the stream asked for");
	}
	if ((sc->ans = malloc(imsg->len)) == NULL)
		fatal("streamd answer");
	memcpy(sc->ans, imsg->data, imsg->len);
	sc->anslen = imsg->len;
	sc->answered = 1;
}

/* Hand the answers that came to their callers, in order. */
void
streamd_run(void)
{
	struct streamd_call	*sc;

	while ((sc = TAILQ_FIRST(&calls)) != NULL && sc->answered) {
		TAILQ_REMOVE(&calls, sc, entry);
		if (sc->done != NULL)
			sc->done(sc->arg, sc->ans, sc->anslen);
		free(sc->ans);
		free(sc);
	}
}

/* Once a second: a streamd that stopped answering cannot be used. */
void
streamd_tick(void)
{
	struct streamd_call	*sc;

	TAILQ_FOREACH(sc, &calls, entry)
		if (!sc->answered)
			break;
	if (sc != NULL && monotime() - sc->sent > STREAMD_TIMEOUT)
		fatalx("streamd did not answer %s within %d s",
		    imsg_type_name(sc->type), STREAMD_TIMEOUT);
}

void
streamd_shutdown(void)
{
	struct streamd_call	*sc;

	while ((sc = TAILQ_FIRST(&calls)) != NULL)
		call_free(sc);
}
