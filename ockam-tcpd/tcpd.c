/* SPDX-License-Identifier: ISC */
/*
 * ockam-tcpd: the only process that holds network sockets.  Started
 * by ockam-routed with its channel on fd 3.  It listens, accepts and
 * connects, frames and de-frames messages and checks each frame before
 * routed sees it; routed never touches the network.  It reads its
 * certificates, keys, CA and /etc/hosts at start-up and no file after.
 * The protocol with routed is lib/tcp.h.
 *
 * Every request type is authorized by the table below (and the one
 * every child has, lib/child.c), per phase, as in the vault: a request
 * that is unknown, not allowed in the current phase, repeated when it
 * may come only once, or not of its size, is fatal, and so is a SEND
 * whose message does not decode.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "landlock.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "route.h"
#include "sandbox.h"
#include "tcpd.h"
#include "util.h"

#define P(phase)	PRIVSEP_PHASE(phase)
#define REQ_ONCE	PRIVSEP_REQ_ONCE
#define REQ_MSG		PRIVSEP_REQ_MSG

static void	tcpd_listen(struct imsg *);
static void	tcpd_runbind(struct imsg *);
static void	tcpd_unlisten(struct imsg *);
static void	tcpd_tlsconf(struct imsg *);
static void	tcpd_limits(struct imsg *);
static void	tcpd_sendreq(struct imsg *);
static void	tcpd_closereq(struct imsg *);
static void	tcpd_readreq(struct imsg *);
static void	tcpd_regress_connid(struct imsg *);
static void	tcpd_cutreq(struct imsg *);
static void	tcpd_rlimit(void);
static void	tcpd_fair(struct conn *);
static void	tcpd_start(struct priv_conf *);
static void	tcpd_loop(void);

struct imsgbuf		 tcpd_ibuf;
static int		 runbind;	/* may bind at run time */
static int		 running;	/* sandboxed */

/* What routed may ask tcpd, besides what every child takes. */
static const struct privsep_req tcpd_reqs[] = {
	{ IMSG_TCP_LISTEN, P(PRIVSEP_START) | P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_listen), tcpd_listen },
	{ IMSG_TCP_RUNBIND, P(PRIVSEP_START), REQ_ONCE, 0, tcpd_runbind },
	{ IMSG_TCP_UNLISTEN, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_bound), tcpd_unlisten },
	{ IMSG_TCP_TLSCONF, P(PRIVSEP_START), REQ_ONCE,
	    sizeof(struct tcp_tlsconf), tcpd_tlsconf },
	{ IMSG_TCP_LIMITS, P(PRIVSEP_START), REQ_ONCE,
	    sizeof(uint32_t) * LIMIT_MAX, tcpd_limits },
	{ IMSG_TCP_SEND, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(struct tcp_msg), tcpd_sendreq },
	{ IMSG_TCP_CLOSE, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcpd_closereq },
	{ IMSG_TCP_STOPREAD, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcpd_readreq },
	{ IMSG_TCP_READ, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcpd_readreq },
	{ IMSG_TCP_CUT, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_cut), tcpd_cutreq },
	{ IMSG_TCP_UNCUT, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcpd_cutreq },
	{ IMSG_REGRESS_CONNID, P(PRIVSEP_RUN), 0, sizeof(uint32_t),
	    tcpd_regress_connid },
	{ IMSG_TCP_INLET, P(PRIVSEP_START) | P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_listen), portal_inlet },
	{ IMSG_TCP_PORTAL_OPEN, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_open_req },
	{ IMSG_TCP_PORTAL_DATA, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(uint32_t), portal_data_req },
	{ IMSG_TCP_PORTAL_CREDIT, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_credit_req },
	{ IMSG_TCP_PORTAL_SHUT, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_end_req },
	{ IMSG_TCP_PORTAL_CLOSE, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_end_req },
};
#define NREQS	(sizeof(tcpd_reqs) / sizeof(tcpd_reqs[0]))

static int	 tcpd_used[NREQS];

static struct privsep_child tcpd_child = {
	.role = "tcpd",
	.prog = "ockam-tcpd",
	.title = "transport",
	.ibuf = &tcpd_ibuf,
	.reqs = tcpd_reqs,
	.nreqs = NREQS,
	.used = tcpd_used,
	.dirfd = -1,
	.init = tlsd_init,
	.start = tcpd_start,
	.loop = tcpd_loop,
	.stop = log_count_final,
};

void
tcpd_now(struct timespec *ts)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) == -1)
		fatal("clock_gettime");
}

/*
 * Queue a message to routed.  Past TCPD_IMSG_HIGH queued, sockets are
 * not read until routed has taken it down to TCPD_IMSG_LOW.
 */
void
tcpd_sendv(uint32_t type, const struct iovec *iov, int iovcnt)
{
	if (imsg_composev(&tcpd_ibuf, type, 0, 0, -1, iov, iovcnt) == -1)
		fatal("imsg_composev");
	if (!reading_paused && imsgbuf_queuelen(&tcpd_ibuf) > TCPD_IMSG_HIGH) {
		reading_paused = 1;
		log_debug("%zu bytes queued to routed: sockets are not read "
		    "until it catches up", imsgbuf_queuelen(&tcpd_ibuf));
	}
}

void
tcpd_send(uint32_t type, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	tcpd_sendv(type, &iov, 1);
}

/*
 * A LISTEN or INLET: its strings terminated, its id not 0.  At run time
 * (returns 1) only where routed said RUNBIND, and plain TCP alone.
 */
int
tcpd_bind_req(struct imsg *imsg, struct tcp_listen *tl)
{
	memcpy(tl, imsg->data, sizeof(*tl));
	if (memchr(tl->addr, '\0', sizeof(tl->addr)) == NULL ||
	    memchr(tl->cert, '\0', sizeof(tl->cert)) == NULL ||
	    memchr(tl->key, '\0', sizeof(tl->key)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (tl->id == 0)
		imsg_bad("routed", imsg, "id 0");
	if (tl->family != 4 && tl->family != 6)
		imsg_bad("routed", imsg, "family is neither 4 nor 6");
	if (tl->tls > 1)
		imsg_bad("routed", imsg, "tls is neither 0 nor 1");
	if (tl->tls && (tl->cert[0] == '\0' || tl->key[0] == '\0'))
		imsg_bad("routed", imsg, "TLS listener without a certificate "
		    "or key");
	if (!running)
		return (0);
	if (!runbind)
		imsg_bad("routed", imsg, "a listener at run time, but the "
		    "node is \"listen static\"");
	if (tl->tls)
		imsg_bad("routed", imsg, "a TLS listener at run time");
	return (1);
}

/*
 * The outcome of a bind: fatal at start-up, else said to routed (and
 * logged when it failed, as the reload or ockamctl that asked will say
 * too).
 */
void
tcpd_bound(const struct tcp_listen *tl, int inlet, const char *name,
    const char *step)
{
	struct tcp_bound	 tb;
	int			 saved = errno;

	if (step != NULL && !running)
		fatal("cannot listen on %s: %s", name, step);
	memset(&tb, 0, sizeof(tb));
	tb.id = tl->id;
	tb.inlet = inlet;
	tb.error = step != NULL ? saved : 0;
	strlcpy(tb.name, name, sizeof(tb.name));
	if (step != NULL)
		log_warnx("cannot listen on %s: %s: %s", name, step,
		    strerror(saved));
	if (running)
		tcpd_send(IMSG_TCP_BOUND, &tb, sizeof(tb));
}

static void
tcpd_listen(struct imsg *imsg)
{
	struct tcp_listen	 tl;
	struct listener		 l;
	const char		*step = NULL;

	tcpd_bind_req(imsg, &tl);
	if (lset_add(&listen_set, imsg, &tl, &l, &step) == 0)
		step = NULL;
	tcpd_bound(&tl, 0, l.name[0] != '\0' ? l.name : tl.addr, step);
}

static void
tcpd_runbind(struct imsg *imsg)
{
	(void)imsg;
	runbind = 1;
}

static void
tcpd_unlisten(struct imsg *imsg)
{
	struct tcp_bound	 tb;

	memcpy(&tb, imsg->data, sizeof(tb));
	if (tb.inlet > 1)
		imsg_bad("routed", imsg, "inlet is neither 0 nor 1");
	if (lset_close(tb.inlet ? &inlet_set : &listen_set, tb.id) == -1)
		imsg_bad("routed", imsg, "no such listener or inlet");
}

static void
tcpd_tlsconf(struct imsg *imsg)
{
	struct tcp_tlsconf	 tc;

	memcpy(&tc, imsg->data, sizeof(tc));
	if (memchr(tc.ca, '\0', sizeof(tc.ca)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (tc.ca[0] == '\0')
		imsg_bad("routed", imsg, "no CA file");
	tlsd_ca(tc.ca);
}

static void
tcpd_limits(struct imsg *imsg)
{
	uint32_t	 v[LIMIT_MAX];

	memcpy(v, imsg->data, sizeof(v));
	if (limits_check(v) == -1)
		imsg_bad("routed", imsg, "a limit out of its range");
	limits_set(v);
}

/*
 * The message is checked as routed's own decoder would check it, then
 * goes with the imsg's buffer, which conn_send() takes.
 */
static void
tcpd_sendreq(struct imsg *imsg)
{
	struct tcp_msg	 tm;
	const char	*why;
	unsigned char	*msg;
	size_t		 len, nonward;

	memcpy(&tm, imsg->data, sizeof(tm));
	if (memchr(tm.peer, '\0', sizeof(tm.peer)) == NULL)
		imsg_bad("routed", imsg, "unterminated peer name");
	if (tm.peer[0] == '\0')
		imsg_bad("routed", imsg, "empty peer name");
	if (tm.tls > 1)
		imsg_bad("routed", imsg, "tls is neither 0 nor 1");
	msg = imsg->data + sizeof(tm);
	len = imsg->len - sizeof(tm);
	if (len == 0)
		imsg_bad("routed", imsg, "no message");
	if (len <= TCP_FRAME_MAX &&
	    tmsg_check(msg, len, &nonward, &why) == -1)
		imsg_bad("routed", imsg, why);
	msg = imsg->data;
	imsg->data = NULL;
	conn_send(&tm, msg, imsg->len, sizeof(tm));
}

static void
tcpd_closereq(struct imsg *imsg)
{
	struct tcp_conn	 tc;

	memcpy(&tc, imsg->data, sizeof(tc));
	conn_close_req(tc.conn);
}

/* routed holds what came on a connection: stop reading it, or read. */
static void
tcpd_readreq(struct imsg *imsg)
{
	struct tcp_conn	 tc;

	memcpy(&tc, imsg->data, sizeof(tc));
	conn_read_req(tc.conn, imsg->hdr.type == IMSG_TCP_STOPREAD);
}

/* Cut-through: a pair routed allows (cut.c), or none for a connection. */
static void
tcpd_cutreq(struct imsg *imsg)
{
	struct tcp_cut	 tc;
	struct tcp_conn	 c;

	if (imsg->hdr.type == IMSG_TCP_UNCUT) {
		memcpy(&c, imsg->data, sizeof(c));
		cut_del(c.conn);
		return;
	}
	memcpy(&tc, imsg->data, sizeof(tc));
	if (memchr(tc.head, '\0', sizeof(tc.head)) == NULL ||
	    memchr(tc.name, '\0', sizeof(tc.name)) == NULL ||
	    tc.head[0] != TCP_ACCEPTED_MARK ||
	    tc.name[0] != TCP_ACCEPTED_MARK)
		imsg_bad("routed", imsg, "cut-through: bad names");
	if ((tc.type != OCKAM_ADDR_TCP && tc.type != OCKAM_ADDR_TLS) ||
	    (tc.htype != OCKAM_ADDR_TCP && tc.htype != OCKAM_ADDR_TLS) ||
	    tc.src == tc.dst)
		imsg_bad("routed", imsg, "cut-through: bad address types");
	cut_add(&tc);
}

/* Test-only: make connection ids wrap soon (fatal without the hooks). */
static void
tcpd_regress_connid(struct imsg *imsg)
{
#ifdef OCKAM_REGRESS
	uint32_t	 id;

	memcpy(&id, imsg->data, sizeof(id));
	conn_regress_lastid(id);
#else
	imsg_bad("routed", imsg, "regress hooks not compiled in");
#endif
}

/*
 * Enough descriptors for every connection, portal socket, listener and
 * inlet and a few more; raised while still root when the hard limit is
 * lower.
 */
static void
tcpd_rlimit(void)
{
	struct rlimit	 rl;
	rlim_t		 want;

	/* Listeners and inlets may come at run time: room for them all. */
	want = limit(LIMIT_CONNECTIONS) + limit(LIMIT_PORTALS) +
	    TCPD_LISTEN_MAX + TCPD_INLET_MAX + 32;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want && geteuid() == 0)
		rl.rlim_max = want;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit RLIMIT_NOFILE %llu",
		    (unsigned long long)want);
	if (rl.rlim_cur < want)
		log_warnx("only %llu descriptors: fewer than %u connections "
		    "may be possible", (unsigned long long)rl.rlim_cur,
		    limit(LIMIT_CONNECTIONS));
}

/*
 * Fairness while routed lags: the connection whose frames filled the
 * queue to routed (hog) reads last in the next rounds, and reading
 * resumes only at the end of a round, so that the next poll asks every
 * socket (resumed earlier, a connection with more to read would go at
 * once and fill the queue again before the others were ever polled: a
 * flood of small frames on one connection starved all the others).
 */
static void
tcpd_fair(struct conn *hog)
{
	if (hog != NULL) {
		TAILQ_REMOVE(&conns, hog, entry);
		TAILQ_INSERT_TAIL(&conns, hog, entry);
	}
	if (reading_paused && imsgbuf_queuelen(&tcpd_ibuf) < TCPD_IMSG_LOW) {
		reading_paused = 0;
		log_debug("routed caught up: reading sockets again");
	}
}

static void
tcpd_loop(void)
{
	struct pollfd		*pfds;
	struct conn		**pconn;
	struct timespec		 now;
	struct conn		*c, *hog;
	size_t			 max;
	int			 i, n, npfd, nl, np, nc, timeout, t, paused;

	max = 1 + TCPD_LISTEN_MAX + limit(LIMIT_CONNECTIONS) +
	    portal_pollmax();
	if ((pfds = calloc(max, sizeof(*pfds))) == NULL ||
	    (pconn = calloc(max, sizeof(*pconn))) == NULL)
		fatal(NULL);
	for (;;) {
		tcpd_now(&now);
		lset_reap(&listen_set);
		pfds[0].fd = tcpd_ibuf.fd;
		pfds[0].events = POLLIN;
		if (imsgbuf_queuelen(&tcpd_ibuf) > 0)
			pfds[0].events |= POLLOUT;
		npfd = 1;
		n = listener_pollevents();
		for (i = 0; i < nlisteners; i++, npfd++) {
			pfds[npfd].fd = n != 0 ? listeners[i].fd : -1;
			pfds[npfd].events = n;
			pconn[npfd] = NULL;
		}
		nl = npfd;
		/* The connections: their epoll set's descriptor (watch.c). */
		pfds[npfd].fd = watch_fd();
		pfds[npfd++].events = POLLIN;
		nc = 0;
		TAILQ_FOREACH(c, &conns, entry) {
			if (nc == (int)max)
				fatalx("poll set full");
			watch_update(c);
			c->revents = 0;
			pconn[nc++] = c;
		}
		np = npfd;
		npfd += portal_pollfds(pfds + np, max - np);
		timeout = conn_next_timeout(&now);
		t = listener_next_timeout(&now);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		t = bounds_next_timeout(&now);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		t = portal_next_timeout(&now);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		t = log_count_flush();
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;

		if ((n = poll(pfds, npfd, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfds[0].revents & POLLOUT) &&
		    imsgbuf_write(&tcpd_ibuf) == -1)
			fatal("write to routed");
		if ((pfds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    privsep_child_input() == 0)
			break;
		conn_flush();
		portal_flush();
		for (i = 1; i < nl; i++)
			if (pfds[i].revents & POLLIN)
				listener_accept(&listeners[i - 1]);
		if (pfds[nl].revents & POLLIN)
			watch_events();
		hog = NULL;
		for (i = 0; i < nc; i++) {
			paused = reading_paused;
			conn_events(pconn[i], pconn[i]->revents);
			if (!paused && reading_paused && !pconn[i]->dead)
				hog = pconn[i];
		}
		tcpd_fair(hog);
		portal_events(pfds + np, npfd - np);
		tcpd_now(&now);
		conn_timeouts(&now);
		bounds_timeouts(&now);
		portal_timeouts(&now);
		conn_reap();
		portal_reap();
		/* Write-through: what came in goes to routed now. */
		if (imsgbuf_queuelen(&tcpd_ibuf) > 0 &&
		    imsgbuf_write(&tcpd_ibuf) == -1)
			fatal("write to routed");
	}
	free(pconn);
	free(pfds);
}

/*
 * Configured (listeners bound and TLS files read in, as root): the
 * rest of what is read once, the privilege drop, the sandbox.
 */
static void
tcpd_start(struct priv_conf *pc)
{
	hosts_load("/etc/hosts");
	tlsd_prime();
	tcpd_rlimit();
	watch_init(limit(LIMIT_CONNECTIONS) + 1);
	heap_keep();

	privsep_drop(pc->user, pc->chroot);
	/* No file, and no new listener if "listen static". */
	if (landlock_confine_tcpd(runbind) == -1)
		fatalx("cannot confine tcpd with Landlock");
	sandbox_enter(runbind ? SANDBOX_TCPD : SANDBOX_TCPD_STATIC, NULL, 0);
	running = 1;
}

int
main(int argc, char *argv[])
{
	return (privsep_child_main(&tcpd_child, argc, argv));
}
