/* SPDX-License-Identifier: ISC */
/*
 * Pulls that wait (doc/design.md 6): a pull that finds nothing from
 * its index, the end of its stream, is not answered at once but when
 * the next push to that stream is on disk (it reads again) or, at the
 * latest, after limit stream-pull-wait seconds (an empty reply).  An
 * Ockam 2021 consumer sees only a later reply; its latency no longer
 * depends on its poll interval.  Waiting pulls are bounded node-wide
 * (stream-pull-waiters) and per source (stream-pending-per-source);
 * past a bound, or with a wait of 0, a pull is answered at once.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "limit.h"
#include "log.h"
#include "routed.h"
#include "util.h"

static TAILQ_HEAD(, st_req)	 waiting = TAILQ_HEAD_INITIALIZER(waiting);
static uint32_t			 nwaiting;
static struct log_count		 lc_wait = LOG_COUNT_INIT(LOG_INFO,
    "pulls answered at once: bounds");

static uint32_t
waiting_from(uint8_t kind, uint32_t src)
{
	struct st_req	*q;
	uint32_t	 n = 0;

	TAILQ_FOREACH(q, &waiting, all)
		if (q->src_kind == kind && q->src == src)
			n++;
	return (n);
}

/* Park pull q at the end of its stream: 0, or -1 to answer it now. */
int
stream_wait(struct st_req *q)
{
	if (limit(LIMIT_STREAM_PULL_WAIT) == 0)
		return (-1);
	if (nwaiting >= limit(LIMIT_STREAM_PULL_WAITERS)) {
		log_count(&lc_wait, "%u pulls waiting (limit "
		    "stream-pull-waiters)", nwaiting);
		return (-1);
	}
	if (waiting_from(q->src_kind, q->src) >=
	    limit(LIMIT_STREAM_PENDING_SOURCE)) {
		log_count(&lc_wait, "%u pulls waiting from one source (limit "
		    "stream-pending-per-source)",
		    limit(LIMIT_STREAM_PENDING_SOURCE));
		return (-1);
	}
	q->deadline = monotime() + limit(LIMIT_STREAM_PULL_WAIT);
	TAILQ_INSERT_TAIL(&q->st->waiting, q, entry);
	TAILQ_INSERT_TAIL(&waiting, q, all);
	nwaiting++;
	return (0);
}

static void
unpark(struct st_req *q)
{
	TAILQ_REMOVE(&q->st->waiting, q, entry);
	TAILQ_REMOVE(&waiting, q, all);
	nwaiting--;
}

/* A push to st is on disk: its waiting pulls read again. */
void
stream_wake(struct stream *st)
{
	struct st_req	*q;

	while ((q = TAILQ_FIRST(&st->waiting)) != NULL) {
		unpark(q);
		stream_read(q);
	}
}

/* Once a second: pulls that waited long enough get an empty reply. */
void
stream_wait_tick(void)
{
	struct st_req	*q;
	time_t		 now = monotime();

	/* Oldest first: every pull waits as long. */
	while ((q = TAILQ_FIRST(&waiting)) != NULL && q->deadline <= now) {
		unpark(q);
		stream_pulled(q, NULL, 0);
	}
}

/* st goes: its waiting pulls are dropped unanswered (shutdown). */
void
stream_wait_gone(struct stream *st)
{
	struct st_req	*q;

	while ((q = TAILQ_FIRST(&st->waiting)) != NULL) {
		unpark(q);
		stream_req_free(q);
	}
}
