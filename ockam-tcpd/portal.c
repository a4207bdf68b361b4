/* SPDX-License-Identifier: ISC */
/*
 * TCP portal sockets (doc/design.md 6, lib/tcp.h): raw bytes, no
 * framing.  Inlets are listeners bound at start-up like the others;
 * their connections, and the connections routed has tcpd open to an
 * outlet's target, are portal sockets.  tcpd reads one only within
 * the credit routed gives it (so a far side that does not read stops
 * the near client), at most TCP_PORTAL_DATA_MAX bytes a DATA, and says
 * how much of what routed sent went out (WROTE): routed's Credit to the
 * far side.  EOF is SHUT, both ways (shutdown(2) of the write side once
 * the queue is written); a socket read and written to its end, or
 * closed, reset or failed, is DOWN.
 *
 * Bounds: the limit portals (at most TCPD_PORTALS_MAX) sockets (an
 * inlet's connection past it is accepted and closed at once, never left
 * waiting), and a queue of TCPD_PORTAL_QUEUE_MAX bytes a socket (a far
 * side that sends past its window, which only a peer without Credit
 * does, closes it; tcpd.h).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "tcpd.h"
#include "util.h"

#define PORTAL_READ_ROUND	(256U << 10)	/* per socket, per poll */
#define PORTAL_IOV		64

enum psock_state {
	PS_CONNECTING,
	PS_UP,
};

/* A DATA to write: the imsg's buffer, taken. */
struct pbuf {
	TAILQ_ENTRY(pbuf)	 entry;
	unsigned char		*buf;
	size_t			 len;		/* from buf + off */
	size_t			 off;
};

struct psock {
	TAILQ_ENTRY(psock)	 entry;
	TAILQ_HEAD(, pbuf)	 wq;
	struct sockaddr_storage	 addrs[TCPD_ADDRS_MAX];
	struct timespec		 deadline;	/* connect, close drain */
	size_t			 wqlen;
	uint64_t		 credit;	/* bytes routed lets us read */
	uint32_t		 id;
	uint32_t		 inlet;		/* 0: opened for routed */
	int			 fd;
	int			 naddrs;
	int			 nexta;
	int			 rd_eof;	/* read EOF (SHUT sent) */
	int			 shut_req;	/* routed: SHUT once written */
	int			 wr_shut;	/* shutdown(SHUT_WR) done */
	int			 closing;	/* routed: CLOSE once written */
	int			 hup;		/* POLLHUP: polled for data */
	int			 dead;
	enum psock_state	 state;
	char			 peer[TCP_PEER_MAX];
	char			 errbuf[TCP_WHY_MAX];
};
TAILQ_HEAD(psocklist, psock);

static struct listener	 inlets[TCPD_INLET_MAX];
static int		 ninlets;
const struct listen_set	 inlet_set = {
	inlets, &ninlets, TCPD_INLET_MAX, "portal inlet", "too many inlets",
	"inlet id used twice"
};
static int		 ninlets_polled;	/* in this round's poll */
static struct psocklist	 psocks = TAILQ_HEAD_INITIALIZER(psocks);
static struct psocklist	 pgrave = TAILQ_HEAD_INITIALIZER(pgrave);
static int		 npsocks;
static uint32_t		 lastid;
static struct psock	*polled[TCPD_PORTALS_MAX];
static int		 npolled;
static struct timespec	 accept_resume;
static unsigned char	 prbuf[TCP_PORTAL_DATA_MAX];

static struct log_count	 lc_full = LOG_COUNT_INIT(LOG_WARNING,
    "portal connections full: closed new inlet connections");
static struct log_count	 lc_nofd = LOG_COUNT_INIT(LOG_WARNING,
    "cannot accept on an inlet, pausing for a second");

static void	 psock_close(struct psock *, int, const char *);
static void	 psock_try(struct psock *);

static struct psock *
psock_find(uint32_t id)
{
	struct psock	*p;

	TAILQ_FOREACH(p, &psocks, entry)
		if (p->id == id)
			return (p);
	return (NULL);
}

static struct psock *
psock_new(uint32_t id, uint32_t inlet, const char *peer)
{
	struct psock	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("portal socket");
	TAILQ_INIT(&p->wq);
	p->id = id;
	p->inlet = inlet;
	p->fd = -1;
	strlcpy(p->peer, peer, sizeof(p->peer));
	TAILQ_INSERT_TAIL(&psocks, p, entry);
	npsocks++;
	return (p);
}

static void
psock_tell(uint32_t type, struct psock *p, uint32_t n, const char *why)
{
	struct tcp_portal	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.id = p->id;
	tp.inlet = p->inlet;
	tp.n = n;
	strlcpy(tp.peer, p->peer, sizeof(tp.peer));
	if (why != NULL)
		strlcpy(tp.why, why, sizeof(tp.why));
	tcpd_send(type, &tp, sizeof(tp));
}

/* Close p now: DOWN (abort 1 for an error or a reset).  Freed later. */
static void
psock_close(struct psock *p, int abort, const char *why)
{
	struct pbuf	*b;

	if (p->dead)
		return;
	psock_tell(IMSG_TCP_PORTAL_DOWN, p, abort, why);
	log_debug("portal socket %u %s %s closed: %s", p->id,
	    p->inlet ? "from" : "to", safe_str(p->peer, strlen(p->peer)),
	    why);
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	while ((b = TAILQ_FIRST(&p->wq)) != NULL) {
		TAILQ_REMOVE(&p->wq, b, entry);
		freezero(b->buf, b->off + b->len);
		free(b);
	}
	p->wqlen = 0;
	p->dead = 1;
	TAILQ_REMOVE(&psocks, p, entry);
	TAILQ_INSERT_TAIL(&pgrave, p, entry);
	npsocks--;
}

void
portal_inlet(struct imsg *imsg)
{
	struct tcp_listen	 tl;
	struct listener		 l;
	const char		*step = NULL;

	tcpd_bind_req(imsg, &tl);
	if (tl.tls != 0 || tl.cert[0] != '\0' || tl.key[0] != '\0')
		imsg_bad("routed", imsg, "not a plain TCP inlet");
	if (lset_add(&inlet_set, imsg, &tl, &l, &step) == 0)
		step = NULL;
	tcpd_bound(&tl, 1, l.name[0] != '\0' ? l.name : tl.addr, step);
}

static struct psock *
psock_req(struct imsg *imsg, struct tcp_portal *tp)
{
	memcpy(tp, imsg->data, sizeof(*tp));
	if (tp->id == 0)
		imsg_bad("routed", imsg, "portal socket id 0");
	return (psock_find(tp->id));
}

/* OPEN: connect to an outlet's target, named by routed's config. */
void
portal_open_req(struct imsg *imsg)
{
	struct tcp_portal	 tp;
	struct psock		*p;
	char			 host[TCPD_HOST_MAX];
	uint16_t		 port;
	int			 n;

	if (psock_req(imsg, &tp) != NULL || !(tp.id & TCP_PORTAL_OURS))
		imsg_bad("routed", imsg, "portal id in use or not routed's");
	if (memchr(tp.peer, '\0', sizeof(tp.peer)) == NULL ||
	    tp.peer[0] == '\0')
		imsg_bad("routed", imsg, "bad target");
	p = psock_new(tp.id, 0, tp.peer);
	if (npsocks > (int)limit(LIMIT_PORTALS)) {
		psock_close(p, 1, "portal connections full");
		return;
	}
	if (peer_split(tp.peer, host, sizeof(host), &port) == -1) {
		psock_close(p, 1, "not a target (HOST:PORT, [IPv6]:PORT)");
		return;
	}
	if ((n = peer_resolve(host, port, p->addrs, TCPD_ADDRS_MAX,
	    p->errbuf, sizeof(p->errbuf))) == -1) {
		psock_close(p, 1, p->errbuf);
		return;
	}
	p->naddrs = n;
	p->state = PS_CONNECTING;
	tcpd_now(&p->deadline);
	p->deadline.tv_sec += TCPD_CONNECT_TIMEOUT;
	psock_try(p);
}

static void
psock_up(struct psock *p)
{
	p->state = PS_UP;
	timespecclear(&p->deadline);
	psock_tell(IMSG_TCP_PORTAL_UP, p, 0, NULL);
}

/* Connect to the next address of p; closed when none is left. */
static void
psock_try(struct psock *p)
{
	struct sockaddr	*sa;
	int		 fd;

	while (p->nexta < p->naddrs) {
		sa = (struct sockaddr *)&p->addrs[p->nexta++];
		if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			snprintf(p->errbuf, sizeof(p->errbuf), "socket: %s",
			    strerror(errno));
			continue;
		}
		conn_sockopts(fd, p->peer);
		p->fd = fd;
		if (connect(fd, sa, sa_len(sa)) == 0) {
			psock_up(p);
			return;
		}
		if (errno == EINPROGRESS)
			return;
		snprintf(p->errbuf, sizeof(p->errbuf), "connect: %s",
		    strerror(errno));
		close(fd);
		p->fd = -1;
	}
	psock_close(p, 1, p->errbuf[0] != '\0' ? p->errbuf : "no address");
}

static void
psock_connect_done(struct psock *p)
{
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		psock_up(p);
		return;
	}
	snprintf(p->errbuf, sizeof(p->errbuf), "connect: %s", strerror(err));
	close(p->fd);
	p->fd = -1;
	psock_try(p);
}

/* DATA from routed: queued, written at once when it can be. */
void
portal_data_req(struct imsg *imsg)
{
	struct psock	*p;
	struct pbuf	*b;
	uint32_t	 id;
	size_t		 len = imsg->len - sizeof(id);

	memcpy(&id, imsg->data, sizeof(id));
	if (len == 0 || len > TCP_PORTAL_DATA_MAX)
		imsg_bad("routed", imsg, "portal data of 0 or over 48 KiB");
	if ((p = psock_find(id)) == NULL || p->closing || p->shut_req)
		return;
	if (p->wqlen + len > TCPD_PORTAL_QUEUE_MAX) {
		psock_close(p, 1, "the far side sent past its window");
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("portal data");
	b->buf = imsg->data;
	b->off = sizeof(id);
	b->len = len;
	imsg->data = NULL;
	TAILQ_INSERT_TAIL(&p->wq, b, entry);
	p->wqlen += len;
}

void
portal_credit_req(struct imsg *imsg)
{
	struct tcp_portal	 tp;
	struct psock		*p;

	p = psock_req(imsg, &tp);
	if (tp.n == 0 || tp.n > TCP_PORTAL_CREDIT_MAX || (p != NULL &&
	    p->credit + tp.n > TCP_PORTAL_CREDIT_MAX))
		imsg_bad("routed", imsg, "portal credit 0 or too large");
	if (p != NULL)
		p->credit += tp.n;
}

/* SHUT or CLOSE, each once the queue is written. */
void
portal_end_req(struct imsg *imsg)
{
	struct tcp_portal	 tp;
	struct psock		*p;

	p = psock_req(imsg, &tp);
	if (tp.n > 1)
		imsg_bad("routed", imsg, "abort is neither 0 nor 1");
	if (p == NULL)
		return;
	if (imsg->hdr.type == IMSG_TCP_PORTAL_SHUT) {
		p->shut_req = 1;
		return;
	}
	if (tp.n || p->state != PS_UP) {
		psock_close(p, 1, "closed by routed");
		return;
	}
	p->closing = 1;
	tcpd_now(&p->deadline);
	p->deadline.tv_sec += TCPD_CLOSE_TIMEOUT;
}

/* Both directions done: the socket is closed, its end told. */
static void
psock_done(struct psock *p)
{
	if (p->closing && TAILQ_EMPTY(&p->wq))
		psock_close(p, 0, "closed by the far side");
	else if (p->rd_eof && p->wr_shut)
		psock_close(p, 0, "closed both ways");
}

static void
psock_write(struct psock *p)
{
	struct iovec	 iov[PORTAL_IOV];
	struct pbuf	*b;
	ssize_t		 n;
	size_t		 left, total = 0;
	int		 i;

	while (!TAILQ_EMPTY(&p->wq)) {
		i = 0;
		TAILQ_FOREACH(b, &p->wq, entry) {
			if (i == PORTAL_IOV)
				break;
			iov[i].iov_base = b->buf + b->off;
			iov[i++].iov_len = b->len;
		}
		if ((n = writev(p->fd, iov, i)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			psock_close(p, 1, strerror(errno));
			return;
		}
		total += n;
		p->wqlen -= n;
		while (n > 0 && (b = TAILQ_FIRST(&p->wq)) != NULL) {
			left = b->len;
			if ((size_t)n < left) {
				b->off += n;
				b->len -= n;
				break;
			}
			n -= left;
			TAILQ_REMOVE(&p->wq, b, entry);
			freezero(b->buf, b->off + b->len);
			free(b);
		}
	}
	if (total > 0)
		psock_tell(IMSG_TCP_PORTAL_WROTE, p, total, NULL);
	if (TAILQ_EMPTY(&p->wq) && p->shut_req && !p->wr_shut) {
		if (shutdown(p->fd, SHUT_WR) == -1 && errno != ENOTCONN) {
			psock_close(p, 1, strerror(errno));
			return;
		}
		p->wr_shut = 1;
	}
	psock_done(p);
}

/* Read within the credit, a round's worth at most. */
static void
psock_read(struct psock *p)
{
	struct iovec	 iov[2];
	size_t		 want, total = 0;
	ssize_t		 n;

	while (!p->dead && p->credit > 0 && !reading_paused &&
	    total < PORTAL_READ_ROUND) {
		want = p->credit < sizeof(prbuf) ? p->credit : sizeof(prbuf);
		if ((n = read(p->fd, prbuf, want)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			psock_close(p, 1, strerror(errno));
			return;
		}
		if (n == 0) {
			p->rd_eof = 1;
			psock_tell(IMSG_TCP_PORTAL_SHUT, p, 0, NULL);
			psock_done(p);
			return;
		}
		p->credit -= n;
		total += n;
		iov[0].iov_base = &p->id;
		iov[0].iov_len = sizeof(p->id);
		iov[1].iov_base = prbuf;
		iov[1].iov_len = n;
		tcpd_sendv(IMSG_TCP_PORTAL_DATA, iov, 2);
		if ((size_t)n < want)
			return;
	}
}

static void
inlet_accept(struct listener *in)
{
	struct sockaddr_storage	 ss;
	struct timespec		 now;
	struct psock		*p;
	char			 peer[TCP_PEER_MAX];
	socklen_t		 len;
	int			 fd, i;

	for (i = 0; i < 16; i++) {
		len = sizeof(ss);
		if ((fd = accept4(in->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN) {
				log_count(&lc_nofd, "inlet %s: %s", in->name,
				    strerror(errno));
				tcpd_now(&now);
				accept_resume = now;
				accept_resume.tv_sec++;
			}
			return;
		}
		peer_format((struct sockaddr *)&ss, peer, sizeof(peer));
		if (npsocks >= (int)limit(LIMIT_PORTALS)) {
			log_count(&lc_full, "inlet %s: from %s", in->name,
			    safe_str(peer, strlen(peer)));
			close(fd);
			continue;
		}
		conn_sockopts(fd, peer);
		do {
			lastid = (lastid + 1) & ~TCP_PORTAL_OURS;
		} while (lastid == 0 || psock_find(lastid) != NULL);
		p = psock_new(lastid, in->id, peer);
		p->fd = fd;
		psock_up(p);
	}
}

/* POLLERR: closed with the socket's error (a reset), if it has one. */
static int
psock_error(struct psock *p)
{
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0)
		return (0);
	psock_close(p, 1, strerror(err));
	return (1);
}

/* Fill pfds (room for n) with inlets and portal sockets: how many. */
int
portal_pollfds(struct pollfd *pfds, int room)
{
	struct timespec	 now;
	struct psock	*p;
	int		 i, n = 0, ev;

	if (accept_resume.tv_sec != 0) {
		tcpd_now(&now);
		if (timespeccmp(&now, &accept_resume, >=))
			timespecclear(&accept_resume);
	}
	lset_reap(&inlet_set);		/* closed since last round */
	ninlets_polled = ninlets;
	for (i = 0; i < ninlets; i++, n++) {
		pfds[n].fd = accept_resume.tv_sec == 0 ? inlets[i].fd : -1;
		pfds[n].events = POLLIN;
	}
	npolled = 0;
	TAILQ_FOREACH(p, &psocks, entry) {
		if (n == room || npolled == TCPD_PORTALS_MAX)
			fatalx("portal poll set full");
		ev = 0;
		if (p->state == PS_CONNECTING)
			ev = p->fd != -1 ? POLLOUT : 0;
		else {
			if (p->credit > 0 && !p->rd_eof && !reading_paused)
				ev |= POLLIN;
			if (!TAILQ_EMPTY(&p->wq))
				ev |= POLLOUT;
		}
		/* Without credit too, to hear of a reset at once. */
		pfds[n].fd = ev != 0 || (p->state == PS_UP && !p->rd_eof &&
		    !p->hup) ? p->fd : -1;
		pfds[n++].events = ev;
		polled[npolled++] = p;
	}
	return (n);
}

void
portal_events(struct pollfd *pfds, int n)
{
	struct psock	*p;
	int		 i, j, rev;

	for (i = 0; i < ninlets_polled && i < n; i++)
		if ((pfds[i].revents & POLLIN) && inlets[i].fd != -1)
			inlet_accept(&inlets[i]);
	for (j = 0; j < npolled && i < n; i++, j++) {
		p = polled[j];
		if (p->dead || (rev = pfds[i].revents) == 0)
			continue;
		if (p->state == PS_CONNECTING) {
			psock_connect_done(p);
			continue;
		}
		if ((rev & POLLERR) && psock_error(p))
			continue;
		if ((rev & POLLHUP) && (p->credit == 0 || reading_paused))
			p->hup = 1;	/* read what is left when it may */
		if (rev & (POLLIN | POLLHUP | POLLERR))
			psock_read(p);
		if (!p->dead && !TAILQ_EMPTY(&p->wq) &&
		    (rev & (POLLOUT | POLLHUP | POLLERR)))
			psock_write(p);
	}
}

/*
 * After routed's requests of this round: write what came, and shut or
 * close what has nothing left to write.
 */
void
portal_flush(void)
{
	struct psock	*p, *next;

	TAILQ_FOREACH_SAFE(p, &psocks, entry, next)
		if (p->state == PS_UP)
			psock_write(p);
}

void
portal_timeouts(const struct timespec *now)
{
	struct psock	*p, *next;
	char		 why[TCP_WHY_MAX];

	TAILQ_FOREACH_SAFE(p, &psocks, entry, next) {
		if (!timespecisset(&p->deadline) ||
		    timespeccmp(now, &p->deadline, <))
			continue;
		if (p->state == PS_CONNECTING) {
			snprintf(why, sizeof(why), "connect: timed out after "
			    "%d seconds", TCPD_CONNECT_TIMEOUT);
			psock_close(p, 1, why);
		} else
			psock_close(p, 1, "closed (the client did not take "
			    "what was queued)");
	}
}

/* Milliseconds to the next deadline, or -1. */
int
portal_next_timeout(const struct timespec *now)
{
	struct timespec	 d;
	struct psock	*p;
	long long	 ms, best = -1;

	if (accept_resume.tv_sec != 0) {
		timespecsub(&accept_resume, now, &d);
		best = d.tv_sec < 0 ? 0 : d.tv_sec * 1000 +
		    d.tv_nsec / 1000000 + 1;
	}
	TAILQ_FOREACH(p, &psocks, entry) {
		if (!timespecisset(&p->deadline))
			continue;
		if (timespeccmp(now, &p->deadline, >=))
			return (0);
		timespecsub(&p->deadline, now, &d);
		ms = (long long)d.tv_sec * 1000 + d.tv_nsec / 1000000 + 1;
		if (best == -1 || ms < best)
			best = ms;
	}
	return (best > INT_MAX ? INT_MAX : (int)best);
}

void
portal_reap(void)
{
	struct psock	*p;

	while ((p = TAILQ_FIRST(&pgrave)) != NULL) {
		TAILQ_REMOVE(&pgrave, p, entry);
		free(p);
	}
}

/* How many poll slots portals may take. */
int
portal_pollmax(void)
{
	return (TCPD_INLET_MAX + TCPD_PORTALS_MAX);
}
