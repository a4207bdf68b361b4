/* SPDX-License-Identifier: ISC */
/*
 * ockam-streamd: the stream storage of a hub node (doc/design.md 1).
 * Started by ockam-routed, only when its configuration has a stream
 * service, with its channel on fd 3; it answers routed and nothing
 * else, has no network, may not exec and reaches no file outside its
 * data directory.  It never sees the network's bytes: routed decodes
 * and checks every stream request and sends the typed messages of
 * lib/streamd.h.  The log itself is store.c's, the offsets offsets.c's;
 * with Redis storage both are redis.c's (its connection redisconn.c's),
 * behind the same calls (backend.h), and streamd reaches Redis's
 * address and nothing else.
 *
 * Every request type is authorized by the table below (and the one
 * every child has, lib/child.c): a request that is unknown, not
 * allowed in the current phase, not of its size, or whose fields routed
 * would never send (a name that is not one, a stream id never given,
 * a record too large), is fatal.
 *
 * Group commit: APPEND answers wait while the loop reads what routed
 * sent; then one fsync per stream written confirms them all.  With the
 * embedded log those fsyncs run in the background (syncer.c) while the
 * loop reads, writes and commits the next appends, up to SYNCER_COMMITS
 * commits at once, answered in their order: a push waits for its own
 * fsync, not for one under way that started before it was written.
 * Any other request confirms the waiting appends first (waiting for the
 * fsyncs in flight), so that answers keep the order of the requests and
 * a READ sees every confirmed record.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "landlock.h"
#include "limit.h"
#include "log.h"
#include "offsets.h"
#include "privsep.h"
#include "sandbox.h"
#include "store.h"
#include "streamd.h"
#include "syncer.h"
#include "util.h"

#define P(phase)	PRIVSEP_PHASE(phase)
#define REQ_ONCE	PRIVSEP_REQ_ONCE
#define REQ_MSG		PRIVSEP_REQ_MSG

#define PENDING_MAX	1024	/* appends waiting for their fsync */
#define OFFSETS_FLUSH	200	/* ms between writes of the offsets */
static int64_t	 offsets_flush_ms = OFFSETS_FLUSH;
#define OFFSETS_RATE	(4 << 20) /* ... and at most this many bytes/s */
#define RETAIN_EVERY	10	/* seconds between retention runs */

static void	streamd_conf(struct imsg *);
static void	streamd_open(struct imsg *);
static void	streamd_append(struct imsg *);
static void	streamd_read(struct imsg *);
static void	streamd_stat(struct imsg *);
static void	streamd_save(struct imsg *);
static void	streamd_get(struct imsg *);
static void	streamd_list(struct imsg *);
static void	streamd_init(void);
static void	streamd_start(struct priv_conf *);
static void	streamd_start_redis(struct priv_conf *);
static void	streamd_loop(void);
static void	streamd_stop(void);
static void	append_failed(uint32_t, uint64_t, uint64_t);
static void	synced(unsigned int);
static void	answer_synced(void);
static void	commit_start(void);
static void	commit(void);

static struct imsgbuf		 ibuf;
static struct streamd_conf	 sconf;
static int			 gotconf;
static const struct store_backend *be = &store_embedded;

/* An append written, its answer waiting for the commit. */
struct waiting {
	uint32_t		 peerid;
	struct streamd_append	 ans;
};
static struct waiting		 pending[PENDING_MAX];
static size_t			 npending;
/* Commits whose fsyncs run in the background, oldest first (syncer.c). */
static struct inflight {
	struct waiting		 w[PENDING_MAX];	/* their appends */
	size_t			 nw;
	struct store_sync	 taken[SYNCER_MAX];	/* their streams */
	size_t			 ntaken;
	size_t			 left;			/* fsyncs running */
}				 inflight[SYNCER_COMMITS];
static unsigned int		 ifirst, nif;
static uint8_t			 readbuf[STREAMD_READ_MAX];

/* What routed may ask streamd, besides what every child takes. */
static const struct privsep_req streamd_reqs[] = {
	{ IMSG_STREAMD_CONF, P(PRIVSEP_START), REQ_ONCE,
	    sizeof(struct streamd_conf), streamd_conf },
	{ IMSG_STREAMD_OPEN, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_open_req), streamd_open },
	{ IMSG_STREAMD_APPEND, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(struct streamd_append_req), streamd_append },
	{ IMSG_STREAMD_READ, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_read_req), streamd_read },
	{ IMSG_STREAMD_STAT, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_stat_req), streamd_stat },
	{ IMSG_STREAMD_SAVE, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_offset_req), streamd_save },
	{ IMSG_STREAMD_GET, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_offset_req), streamd_get },
	{ IMSG_STREAMD_LIST, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_list_req), streamd_list },
};
#define NREQS	(sizeof(streamd_reqs) / sizeof(streamd_reqs[0]))

static int	 streamd_used[NREQS];

static struct privsep_child streamd_child = {
	.role = "streamd",
	.prog = "ockam-streamd",
	.title = "streams",
	.ibuf = &ibuf,
	.reqs = streamd_reqs,
	.nreqs = NREQS,
	.used = streamd_used,
	.dirfd = -1,
	.init = streamd_init,
	.start = streamd_start,
	.loop = streamd_loop,
	.stop = streamd_stop,
};

/* An answer: the request's type, echoing its peerid. */
static void
answer(uint32_t type, uint32_t peerid, const void *ans, size_t len)
{
	if (imsg_compose(&ibuf, type, peerid, 0, -1, ans, len) == -1)
		fatal("imsg_compose");
}

/*
 * Appends of stream id from..to-1, answered OK when gathered, were not
 * written (store.c): they are answered STREAMD_ERR_IO instead.
 */
static void
append_failed(uint32_t id, uint64_t from, uint64_t to)
{
	struct streamd_append	*a;
	size_t			 i;

	for (i = 0; i < npending; i++) {
		a = &pending[i].ans;
		if (a->stream == id && a->status == STREAMD_OK &&
		    a->index >= from && a->index < to) {
			a->status = STREAMD_ERR_IO;
			a->index = 0;
		}
	}
}

/* An fsync of commit tag is done. */
static void
synced(unsigned int tag)
{
	if (inflight[tag].left == 0)
		fatalx("fsync of commit %u done twice", tag);
	inflight[tag].left--;
}

/* The oldest commits whose fsyncs are all done: their appends answered. */
static void
answer_synced(void)
{
	struct inflight	*f;
	size_t		 i;

	while (nif > 0 && (f = &inflight[ifirst])->left == 0) {
		store_synced(f->taken, f->ntaken);
		for (i = 0; i < f->nw; i++)
			answer(IMSG_STREAMD_APPEND, f->w[i].peerid,
			    &f->w[i].ans, sizeof(f->w[i].ans));
		ifirst = (ifirst + 1) % SYNCER_COMMITS;
		nif--;
	}
}

/*
 * After a read of routed's channel: the appends gathered are written
 * and their fsyncs started in the background, unless SYNCER_COMMITS
 * commits still run (then they wait for the next call), or made in line
 * by commit() when that cannot be.
 */
static void
commit_start(void)
{
	struct inflight	*f;
	unsigned int	 tag;
	int		 fds[SYNCER_MAX];
	size_t		 i, nfd = 0;

	if (npending == 0 || nif == SYNCER_COMMITS)
		return;
	tag = (ifirst + nif) % SYNCER_COMMITS;
	f = &inflight[tag];
	if (be != &store_embedded || syncer_fd() == -1 ||
	    (f->ntaken = store_take(f->taken, SYNCER_MAX)) == 0) {
		commit();
		return;
	}
	memcpy(f->w, pending, npending * sizeof(pending[0]));
	f->nw = npending;
	npending = 0;
	nif++;
	for (i = 0; i < f->ntaken; i++)
		if (f->taken[i].fd != -1)
			fds[nfd++] = f->taken[i].fd;
	f->left = nfd;
	if (nfd > 0 && syncer_start(fds, nfd, tag) == -1) {
		for (i = 0; i < nfd; i++)
			if (fdatasync(fds[i]) == -1)
				fatal("fsync");
		f->left = 0;
	}
	answer_synced();
}

/*
 * Confirm the appends written: those whose fsyncs run first, then one
 * fsync per stream for the rest, then answers.
 */
static void
commit(void)
{
	size_t	 i;

	if (nif != 0) {
		syncer_reap(1, synced);
		answer_synced();
	}
	if (npending == 0)
		return;
	be->commit();
	for (i = 0; i < npending; i++)
		answer(IMSG_STREAMD_APPEND, pending[i].peerid,
		    &pending[i].ans, sizeof(pending[i].ans));
	npending = 0;
}

static void
check_name(struct imsg *imsg, const char *name, size_t size)
{
	const char	*nul;

	if ((nul = memchr(name, '\0', size)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (!streamd_name_valid(name, nul - name))
		imsg_bad("routed", imsg, "not a stream name");
}

static void
check_stream(struct imsg *imsg, uint32_t id)
{
	if (!be->valid_id(id))
		imsg_bad("routed", imsg, "no such stream");
}

static void
streamd_conf(struct imsg *imsg)
{
	memcpy(&sconf, imsg->data, sizeof(sconf));
	if (memchr(sconf.dir, '\0', sizeof(sconf.dir)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (sconf.dir[0] != '/')
		imsg_bad("routed", imsg, "data directory not absolute");
	if (sconf.backend != STREAMD_BACKEND_EMBEDDED &&
	    sconf.backend != STREAMD_BACKEND_REDIS)
		imsg_bad("routed", imsg, "unknown storage backend");
	if (sconf.backend == STREAMD_BACKEND_REDIS && (memchr(sconf.redis_host,
	    '\0', sizeof(sconf.redis_host)) == NULL ||
	    memchr(sconf.redis_user, '\0', sizeof(sconf.redis_user)) == NULL ||
	    memchr(sconf.redis_pass, '\0', sizeof(sconf.redis_pass)) == NULL ||
	    sconf.redis_port == 0 || sconf.retain_age != 0 ||
	    sconf.retain_bytes != 0))
		imsg_bad("routed", imsg, "Redis address or credentials");
	if (limits_check(sconf.limits) == -1)
		imsg_bad("routed", imsg, "a limit out of its range");
	limits_set(sconf.limits);
	gotconf = 1;
}

static void
streamd_open(struct imsg *imsg)
{
	struct streamd_open_req	 req;
	struct streamd_open	 ans;
	int			 existed;

	memcpy(&req, imsg->data, sizeof(req));
	check_name(imsg, req.name, sizeof(req.name));
	if (req.create > 1)
		imsg_bad("routed", imsg, "create is neither 0 nor 1");
	commit();
	memset(&ans, 0, sizeof(ans));
	ans.status = be->open(req.name, req.create, &ans.stream, &existed,
	    &ans.first, &ans.next);
	ans.existed = existed;
	if (ans.status == STREAMD_OK && !existed)
		log_info("stream %s created", req.name);
	answer(imsg->hdr.type, imsg->hdr.peerid, &ans, sizeof(ans));
}

static void
streamd_append(struct imsg *imsg)
{
	struct streamd_append_req	 req;
	struct streamd_append		*ans;
	size_t				 len;

	memcpy(&req, imsg->data, sizeof(req));
	check_stream(imsg, req.stream);
	len = imsg->len - sizeof(req);
	if (len == 0 || len > STREAMD_DATA_MAX)
		imsg_bad("routed", imsg, "record size");
	if (npending == PENDING_MAX)
		commit();
	pending[npending].peerid = imsg->hdr.peerid;
	ans = &pending[npending++].ans;
	memset(ans, 0, sizeof(*ans));
	ans->stream = req.stream;
	be->append(req.stream, imsg->data + sizeof(req), len, ans);
}

static void
streamd_read(struct imsg *imsg)
{
	struct streamd_read_req	 req;
	struct streamd_read	 ans;
	struct iovec		 iov[2];
	size_t			 used;

	memcpy(&req, imsg->data, sizeof(req));
	check_stream(imsg, req.stream);
	if (req.budget > STREAMD_READ_MAX || req.overhead < sizeof(uint32_t))
		imsg_bad("routed", imsg, "budget or overhead out of range");
	commit();
	memset(&ans, 0, sizeof(ans));
	ans.stream = req.stream;
	ans.status = be->read(req.stream, req.index, req.limit, req.budget,
	    req.overhead, readbuf, &used, &ans.count, &ans.first, &ans.next);
	iov[0].iov_base = &ans;
	iov[0].iov_len = sizeof(ans);
	iov[1].iov_base = readbuf;
	iov[1].iov_len = used;
	if (imsg_composev(&ibuf, imsg->hdr.type, imsg->hdr.peerid, 0, -1,
	    iov, used > 0 ? 2 : 1) == -1)
		fatal("imsg_composev");
}

static void
streamd_stat(struct imsg *imsg)
{
	struct streamd_stat_req	 req;
	struct streamd_stat	 ans;

	memcpy(&req, imsg->data, sizeof(req));
	check_stream(imsg, req.stream);
	commit();
	memset(&ans, 0, sizeof(ans));
	ans.stream = req.stream;
	ans.status = be->stat(req.stream, &ans.first, &ans.next,
	    &ans.bytes);
	answer(imsg->hdr.type, imsg->hdr.peerid, &ans, sizeof(ans));
}

/* What the storage holds, STREAMD_LIST_COUNT streams at a time. */
static void
streamd_list(struct imsg *imsg)
{
	struct streamd_list_req	 req;
	struct streamd_list	 ans;
	struct streamd_list_ent	 ents[STREAMD_LIST_COUNT];
	struct iovec		 iov[2];

	memcpy(&req, imsg->data, sizeof(req));
	commit();
	memset(&ans, 0, sizeof(ans));
	ans.cursor = req.cursor;
	ans.status = be->list(&ans.cursor, ents, &ans.count, &ans.cut);
	if (ans.status != STREAMD_OK)
		ans.count = 0;
	iov[0].iov_base = &ans;
	iov[0].iov_len = sizeof(ans);
	iov[1].iov_base = ents;
	iov[1].iov_len = ans.count * sizeof(ents[0]);
	if (imsg_composev(&ibuf, imsg->hdr.type, imsg->hdr.peerid, 0, -1,
	    iov, ans.count > 0 ? 2 : 1) == -1)
		fatal("imsg_composev");
}

static void
check_offset_req(struct imsg *imsg, struct streamd_offset_req *req)
{
	memcpy(req, imsg->data, sizeof(*req));
	if (memchr(req->client, '\0', sizeof(req->client)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (req->client[0] == '\0')
		imsg_bad("routed", imsg, "empty client id");
	check_name(imsg, req->name, sizeof(req->name));
}

/* No answer (Ockam's Save has none). */
static void
streamd_save(struct imsg *imsg)
{
	struct streamd_offset_req	 req;

	check_offset_req(imsg, &req);
	be->save(req.client, req.name, req.index);
}

static void
streamd_get(struct imsg *imsg)
{
	struct streamd_offset_req	 req;
	struct streamd_offset		 ans;

	check_offset_req(imsg, &req);
	if (req.index != 0)
		imsg_bad("routed", imsg, "an index in a GET");
	commit();
	memset(&ans, 0, sizeof(ans));
	ans.found = be->get(req.client, req.name, &ans.index);
	answer(imsg->hdr.type, imsg->hdr.peerid, &ans, sizeof(ans));
}

/*
 * Write what is queued for routed: 1, or 0 when routed is gone (it
 * closed with answers on their way: the records are on disk all the
 * same, and the loop ends as on its EOF).
 */
static int
write_routed(void)
{
	if (imsgbuf_write(&ibuf) == 0)
		return (1);
	if (errno == EPIPE || errno == ECONNRESET)
		return (0);
	fatal("write to routed");
}

static int
min_timeout(int a, int b)
{
	if (a == -1)
		return (b);
	if (b == -1)
		return (a);
	return (a < b ? a : b);
}

/*
 * Read what routed sent and answer it; confirm the appends once the
 * channel has nothing more to read; write the offsets at most every
 * OFFSETS_FLUSH ms, less often for a large file (OFFSETS_RATE: the
 * peers that save cannot make it write without end); retention every
 * RETAIN_EVERY seconds.
 */
static void
streamd_loop(void)
{
	struct pollfd	 pfd[2];
	struct timespec	 ts;
	time_t		 last_retain = monotime();
	int64_t		 now_ms, flushed_ms = 0, wait_ms;
	int		 timeout;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		timeout = RETAIN_EVERY * 1000;
		wait_ms = be->offsets_size() * 1000 / OFFSETS_RATE;
		if (wait_ms < offsets_flush_ms)
			wait_ms = offsets_flush_ms;
		if (be->dirty()) {
			if (now_ms - flushed_ms >= wait_ms) {
				be->flush();
				flushed_ms = now_ms;
			} else
				timeout = (int)(wait_ms -
				    (now_ms - flushed_ms));
		}
		if (monotime() - last_retain >= RETAIN_EVERY) {
			be->retain(time(NULL));
			last_retain = monotime();
		}
		timeout = min_timeout(timeout, log_count_flush());
		pfd[0].fd = ibuf.fd;
		pfd[0].events = POLLIN;
		if (imsgbuf_queuelen(&ibuf) > 0)
			pfd[0].events |= POLLOUT;
		pfd[1].fd = nif != 0 ? syncer_fd() : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLIN) {
			syncer_reap(0, synced);
			answer_synced();
		}
		if ((pfd[0].revents & POLLOUT) && write_routed() == 0)
			break;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    privsep_child_input() == 0)
			break;
		commit_start();
		if (imsgbuf_queuelen(&ibuf) > 0 && write_routed() == 0)
			break;
	}
	commit();
}

static void
streamd_init(void)
{
	umask(077);
}

/*
 * With Redis: the directory is only the chroot; no network namespace
 * of its own (it connects to Redis, now and after Redis restarts), and
 * the connection made before the sandbox, which lets it be made again
 * to Redis's port alone.
 */
static void
streamd_start_redis(struct priv_conf *pc)
{
	int	 dirfd;

	be = &store_redis;
	dirfd = sandbox_keep_dir(privsep_private_dir(pc->user, sconf.dir,
	    "stream directory", "the node user"));
	privsep_drop_private(pc->user, dirfd, sconf.dir);
	if (landlock_confine_streamd_redis(sconf.redis_port) == -1)
		fatalx("cannot confine streamd to Redis's port");
	if (redis_init(&sconf) == -1)
		fatalx("streams in Redis");
	explicit_bzero(sconf.redis_pass, sizeof(sconf.redis_pass));
	streamd_child.dirfd = dirfd;
	sandbox_enter(SANDBOX_STREAMD_REDIS, NULL, 0);
}

/* Configured: the data directory, the privilege drop, the sandbox. */
static void
streamd_start(struct priv_conf *pc)
{
	struct store_conf	 stc;
	int			 dirfd;

	if (!gotconf)
		fatalx("no stream configuration from routed");
#ifdef OCKAM_REGRESS
	/*
	 * The regress build alone: the offsets written this seldom, so that
	 * a crash always finds some saved since (streams_crash_consumer.sh).
	 */
	{
		const char	*e, *errstr;

		if ((e = getenv("OCKAM_REGRESS_OFFSETS_MS")) != NULL) {
			offsets_flush_ms = strtonum(e, 1, 60000, &errstr);
			if (errstr != NULL)
				fatalx("OCKAM_REGRESS_OFFSETS_MS %s", errstr);
			log_warnx("regress: offsets written every %lld ms",
			    (long long)offsets_flush_ms);
		}
	}
#endif
	if (sconf.backend == STREAMD_BACKEND_REDIS) {
		streamd_start_redis(pc);
		return;
	}
	dirfd = sandbox_keep_dir(privsep_private_dir(pc->user, sconf.dir,
	    "stream directory", "the node user"));
	/* An empty network namespace, when root can have one. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == -1)
		log_debug("no network namespace of its own: %s",
		    strerror(errno));
	privsep_drop_private(pc->user, dirfd, sconf.dir);
	/* Files beneath the data directory only, where the kernel can. */
	if (landlock_confine_streamd(dirfd) == -1)
		fatalx("cannot confine streamd to %s", sconf.dir);
	memset(&stc, 0, sizeof(stc));
	stc.dirfd = dirfd;
	stc.segment_max = SEG_MAX_DEFAULT;
	if (sconf.retain_bytes != 0 && sconf.retain_bytes / 8 < stc.segment_max)
		stc.segment_max = sconf.retain_bytes / 8;
	if (limit(LIMIT_STREAM_BYTES) / 8 < stc.segment_max)
		stc.segment_max = limit(LIMIT_STREAM_BYTES) / 8;
	stc.retain_bytes = sconf.retain_bytes;
	stc.retain_age = sconf.retain_age;
	stc.stream_bytes = limit(LIMIT_STREAM_BYTES);
	stc.streams_max = limit(LIMIT_STREAMS);
	stc.failed = append_failed;
	/* Every stream checked, and what a crash tore cut off, said. */
	if (store_init(&stc) == -1)
		fatal("streams in %s", sconf.dir);
	if (offsets_init(dirfd, limit(LIMIT_STREAM_OFFSETS)) == -1)
		fatal("offsets in %s", sconf.dir);
	(void)syncer_init();
	store_retain(time(NULL));
	streamd_child.dirfd = dirfd;
	sandbox_enter(SANDBOX_STREAMD, NULL, 0);
}

static void
streamd_stop(void)
{
	be->offsets_close();
	be->close();
}

int
main(int argc, char *argv[])
{
	return (privsep_child_main(&streamd_child, argc, argv));
}
