/*
 * Connections: accepted or opened, non-blocking, with or without TLS.
 *
 * Every frame read is checked in full (frame.c) before it goes to
 * routed; a bad one closes its connection alone, with a log line.
 * Frames to write wait in a per-connection queue: past TCPD_WQ_HIGH
 * routed is told XOFF, back under TCPD_WQ_LOW XON, and a connection
 * whose queue reaches TCPD_WQ_MAX is closed.  While tcpd's own queue
 * to routed is long no socket is read (tcpd.c sets reading_paused).
 *
 * Connections are found by peer name (and TLS or not) for SEND, one
 * per name: the name routed asked for, or the remote address of an
 * accepted one.  A closed connection leaves the poll set at once and
 * is freed at the end of the round, so that nothing the round still
 * holds points to freed memory.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/tree.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "tcpd.h"
#include "util.h"

#define WRITE_IOV	64

struct connlist		 conns = TAILQ_HEAD_INITIALIZER(conns);
int			 nconns;
int			 reading_paused;

static struct connlist	 graveyard = TAILQ_HEAD_INITIALIZER(graveyard);
static uint32_t		 conn_lastid;
static unsigned char	 rbuf[65536];

RB_HEAD(conntree, conn);
static struct conntree	 byname = RB_INITIALIZER(&byname);
static int		 conn_cmp(struct conn *, struct conn *);
RB_PROTOTYPE(conntree, conn, byname, conn_cmp);
RB_GENERATE(conntree, conn, byname, conn_cmp);

static struct conn	*conn_new(uint32_t, int, const char *);
static struct conn	*conn_find(const char *, int);
static void		 conn_info(const struct conn *, struct tcp_conn *,
			    const char *);
static void		 conn_up(struct conn *);
static void		 conn_close(struct conn *, const char *);
static void		 conn_fail(const struct tcp_msg *, const char *);
static void		 conn_try(struct conn *);
static void		 conn_connect_done(struct conn *);
static void		 conn_connected(struct conn *);
static void		 conn_handshake(struct conn *);
static void		 conn_read(struct conn *);
static int		 conn_input(struct conn *, size_t);
static void		 conn_write(struct conn *);
static void		 conn_wrote(struct conn *, size_t);
static void		 conn_eof(struct conn *, const char *);
static void		 conn_deadline(struct conn *, int);

static int
conn_cmp(struct conn *a, struct conn *b)
{
	if (a->use_tls != b->use_tls)
		return (a->use_tls < b->use_tls ? -1 : 1);
	return (strcmp(a->peer, b->peer));
}

/* TCP keepalive (idle 300 s, 75 s apart, 2 probes) and no Nagle. */
void
conn_sockopts(int fd, const char *peer)
{
	int	 on = 1, idle = TCPD_KEEPIDLE, intvl = TCPD_KEEPINTVL;
	int	 cnt = TCPD_KEEPCNT;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == -1)
		log_warn("%s: keepalive", peer);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("%s: TCP_NODELAY", peer);
}

static struct conn *
conn_new(uint32_t listener, int use_tls, const char *peer)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("connection");
	TAILQ_INIT(&c->wq);
	frame_init(&c->fr);
	do {
		c->id = ++conn_lastid;
	} while (c->id == 0);
	c->listener = listener;
	c->use_tls = use_tls;
	c->fd = -1;
	c->pfd = -1;
	c->rd_want = POLLIN;
	c->wr_want = POLLOUT;
	strlcpy(c->peer, peer, sizeof(c->peer));
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	if (RB_INSERT(conntree, &byname, c) == NULL)
		c->named = 1;
	else
		log_debug("connection %u: %s is connected already: SEND "
		    "goes to the older connection", c->id, c->peer);
	return (c);
}

static struct conn *
conn_find(const char *peer, int use_tls)
{
	struct conn	 key;

	key.use_tls = use_tls;
	strlcpy(key.peer, peer, sizeof(key.peer));
	return (RB_FIND(conntree, &byname, &key));
}

static void
conn_info(const struct conn *c, struct tcp_conn *tc, const char *why)
{
	memset(tc, 0, sizeof(*tc));
	tc->conn = c->id;
	tc->listener = c->listener;
	tc->tls = c->use_tls;
	strlcpy(tc->peer, c->peer, sizeof(tc->peer));
	if (why != NULL)
		strlcpy(tc->why, why, sizeof(tc->why));
	tc->rx_bytes = c->rx;
	tc->tx_bytes = c->tx;
}

static void
conn_deadline(struct conn *c, int seconds)
{
	tcpd_now(&c->deadline);
	c->deadline.tv_sec += seconds;
}

static void
conn_up(struct conn *c)
{
	struct tcp_conn	 tc;

	c->state = CONN_UP;
	timespecclear(&c->deadline);
	conn_info(c, &tc, NULL);
	tcpd_send(IMSG_TCP_UP, &tc, sizeof(tc));
	log_info("connection %u %s %s%s", c->id, c->listener ? "from" : "to",
	    safe_str(c->peer, strlen(c->peer)), c->use_tls ? " (TLS)" : "");
	if (c->wqlen >= TCPD_WQ_HIGH) {
		c->xoff = 1;
		tcpd_send(IMSG_TCP_XOFF, &tc, sizeof(tc));
	}
}

/*
 * A message routed sent cannot go out: FAIL with its token.  conn is
 * 0 in a FAIL (no connection carried it).
 */
static void
conn_fail(const struct tcp_msg *tm, const char *why)
{
	struct tcp_conn	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.token = tm->token;
	tc.tls = tm->tls;
	strlcpy(tc.peer, tm->peer, sizeof(tc.peer));
	strlcpy(tc.why, why, sizeof(tc.why));
	tcpd_send(IMSG_TCP_FAIL, &tc, sizeof(tc));
}

/*
 * Close c: DOWN when routed knew it, FAIL for each message still
 * queued when it never came up.  Freed at the end of the round.
 */
static void
conn_close(struct conn *c, const char *why)
{
	struct tcp_conn	 tc;
	struct tcp_msg	 tm;
	struct wbuf	*w;
	const char	*peer = safe_str(c->peer, strlen(c->peer));

	if (c->dead)
		return;
	if (c->state == CONN_UP || c->state == CONN_CLOSING) {
		conn_info(c, &tc, why);
		tcpd_send(IMSG_TCP_DOWN, &tc, sizeof(tc));
		log_info("connection %u %s %s closed: %s (%llu bytes in, "
		    "%llu out)", c->id, c->listener ? "from" : "to", peer,
		    why, (unsigned long long)c->rx,
		    (unsigned long long)c->tx);
	} else if (c->listener != 0) {
		log_warnx("connection from %s closed before it was up: %s",
		    peer, why);
	} else {
		log_warnx("cannot connect to %s: %s", peer, why);
		memset(&tm, 0, sizeof(tm));
		tm.tls = c->use_tls;
		strlcpy(tm.peer, c->peer, sizeof(tm.peer));
		TAILQ_FOREACH(w, &c->wq, entry) {
			tm.token = w->token;
			conn_fail(&tm, why);
		}
	}
	if (c->tls != NULL) {
		if (c->state == CONN_UP || c->state == CONN_CLOSING)
			tls_close(c->tls);	/* best effort */
		tls_free(c->tls);
		c->tls = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	while ((w = TAILQ_FIRST(&c->wq)) != NULL) {
		TAILQ_REMOVE(&c->wq, w, entry);
		free(w);
	}
	c->wqlen = 0;
	frame_clear(&c->fr);
	if (c->named)
		RB_REMOVE(conntree, &byname, c);
	c->named = 0;
	c->dead = 1;
	TAILQ_REMOVE(&conns, c, entry);
	TAILQ_INSERT_TAIL(&graveyard, c, entry);
	nconns--;
}

/* Free what was closed this round. */
void
conn_reap(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&graveyard)) != NULL) {
		TAILQ_REMOVE(&graveyard, c, entry);
		free(c);
	}
}

void
conn_closeall(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_close(c, "tcpd exits");
	conn_reap();
}

/* A connection from a listener; fd is non-blocking already. */
struct conn *
conn_accepted(int fd, const struct sockaddr *sa, uint32_t listener,
    struct tls *tlsctx)
{
	struct conn	*c;
	char		 peer[TCP_PEER_MAX], why[TCP_WHY_MAX];

	peer_format(sa, peer, sizeof(peer));
	conn_sockopts(fd, peer);
	c = conn_new(listener, tlsctx != NULL, peer);
	c->fd = fd;
	if (tlsctx == NULL) {
		conn_up(c);
		return (c);
	}
	c->state = CONN_HANDSHAKE;
	conn_deadline(c, TCPD_TLS_TIMEOUT);
	if (tls_accept_socket(tlsctx, &c->tls, fd) == -1) {
		snprintf(why, sizeof(why), "TLS: %s", tlsd_error(tlsctx));
		conn_close(c, why);
		return (NULL);
	}
	conn_handshake(c);
	return (c);
}

/*
 * A message from routed (checked by tcpd.c) to tm->peer: queued on the
 * connection with that name, one being opened when there is none.
 */
void
conn_send(const struct tcp_msg *tm, const void *msg, size_t len)
{
	struct sockaddr_storage	 addrs[TCPD_ADDRS_MAX];
	struct conn	*c;
	struct wbuf	*w;
	char		 host[TCPD_HOST_MAX], why[TCP_WHY_MAX];
	uint16_t	 port;
	int		 n;

	if (len > TCP_FRAME_MAX) {
		snprintf(why, sizeof(why), "a message of %zu bytes does not "
		    "fit in a frame (at most %d)", len, TCP_FRAME_MAX);
		conn_fail(tm, why);
		return;
	}
	if ((c = conn_find(tm->peer, tm->tls)) == NULL) {
		if (nconns >= TCPD_CONN_MAX) {
			snprintf(why, sizeof(why), "connection limit (%d) "
			    "reached", TCPD_CONN_MAX);
			conn_fail(tm, why);
			return;
		}
		if (peer_split(tm->peer, host, sizeof(host), &port) == -1) {
			snprintf(why, sizeof(why), "not a peer name "
			    "(HOST:PORT, [IPv6]:PORT)");
			conn_fail(tm, why);
			return;
		}
		if (tm->tls && !tlsd_have_ca()) {
			conn_fail(tm, "no CA for outgoing TLS configured");
			return;
		}
		if ((n = peer_resolve(host, port, addrs, TCPD_ADDRS_MAX, why,
		    sizeof(why))) == -1) {
			conn_fail(tm, why);
			return;
		}
		c = conn_new(0, tm->tls, tm->peer);
		memcpy(c->addrs, addrs, n * sizeof(addrs[0]));
		c->naddrs = n;
		strlcpy(c->host, host, sizeof(c->host));
		c->state = CONN_CONNECTING;
		conn_deadline(c, TCPD_CONNECT_TIMEOUT);
	}

	if ((w = malloc(sizeof(*w) + FRAME_HDR + len)) == NULL)
		fatal("frame");
	w->len = FRAME_HDR + len;
	w->off = 0;
	w->token = tm->token;
	w->data[0] = len >> 8;
	w->data[1] = len & 0xff;
	memcpy(w->data + FRAME_HDR, msg, len);
	TAILQ_INSERT_TAIL(&c->wq, w, entry);
	c->wqlen += w->len;

	if (c->wqlen >= TCPD_WQ_MAX) {
		snprintf(why, sizeof(why), "write queue reached %u MiB: the "
		    "peer does not read", TCPD_WQ_MAX >> 20);
		conn_close(c, why);
		return;
	}
	switch (c->state) {
	case CONN_CONNECTING:
		if (c->fd == -1)
			conn_try(c);	/* just made */
		break;
	case CONN_UP:
		if (!c->xoff && c->wqlen >= TCPD_WQ_HIGH) {
			struct tcp_conn	 tc;

			c->xoff = 1;
			conn_info(c, &tc, NULL);
			tcpd_send(IMSG_TCP_XOFF, &tc, sizeof(tc));
			log_debug("connection %u: XOFF at %zu bytes queued",
			    c->id, c->wqlen);
		}
		conn_write(c);
		break;
	default:
		break;
	}
}

/* Routed's CLOSE: what is queued is written first (a few seconds). */
void
conn_close_req(uint32_t id)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id)
			break;
	if (c == NULL || c->state != CONN_UP) {
		log_debug("CLOSE of connection %u: not up, ignored", id);
		return;
	}
	if (TAILQ_EMPTY(&c->wq)) {
		conn_close(c, "closed by routed");
		return;
	}
	/* New messages to this peer open a new connection. */
	if (c->named)
		RB_REMOVE(conntree, &byname, c);
	c->named = 0;
	c->state = CONN_CLOSING;
	conn_deadline(c, TCPD_CLOSE_TIMEOUT);
}

/* Connect to the next address of c; close it when none is left. */
static void
conn_try(struct conn *c)
{
	struct sockaddr	*sa;
	char		 a[64];
	int		 fd;

	while (c->nexta < c->naddrs) {
		sa = (struct sockaddr *)&c->addrs[c->nexta++];
		peer_format(sa, a, sizeof(a));
		if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			snprintf(c->errbuf, sizeof(c->errbuf), "socket: %s",
			    strerror(errno));
			continue;
		}
		conn_sockopts(fd, c->peer);
		if (connect(fd, sa, sa_len(sa)) == 0) {
			c->fd = fd;
			conn_connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->fd = fd;
			return;
		}
		snprintf(c->errbuf, sizeof(c->errbuf), "connect to %s: %s",
		    a, strerror(errno));
		close(fd);
	}
	conn_close(c, c->errbuf[0] != '\0' ? c->errbuf : "no address");
}

/* POLLOUT on a connecting socket: did it work? */
static void
conn_connect_done(struct conn *c)
{
	char		 a[64];
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		conn_connected(c);
		return;
	}
	peer_format((struct sockaddr *)&c->addrs[c->nexta - 1], a, sizeof(a));
	snprintf(c->errbuf, sizeof(c->errbuf), "connect to %s: %s", a,
	    strerror(err));
	close(c->fd);
	c->fd = -1;
	conn_try(c);
}

static void
conn_connected(struct conn *c)
{
	char	 why[TCP_WHY_MAX];

	if (!c->use_tls) {
		conn_up(c);
		conn_write(c);
		return;
	}
	if ((c->tls = tlsd_client(c->fd, c->host, why, sizeof(why))) ==
	    NULL) {
		conn_close(c, why);
		return;
	}
	c->state = CONN_HANDSHAKE;
	conn_deadline(c, TCPD_TLS_TIMEOUT);
	conn_handshake(c);
}

static void
conn_handshake(struct conn *c)
{
	char	 why[TCP_WHY_MAX];
	int	 r;

	switch ((r = tls_handshake(c->tls))) {
	case TLS_WANT_POLLIN:
		c->rd_want = POLLIN;
		return;
	case TLS_WANT_POLLOUT:
		c->rd_want = POLLOUT;
		return;
	case 0:
		c->rd_want = POLLIN;
		conn_up(c);
		conn_write(c);
		return;
	default:
		snprintf(why, sizeof(why), "TLS handshake: %s",
		    tlsd_error(c->tls));
		conn_close(c, why);
		return;
	}
}

/* The peer closed or reset: say so, and what was cut short. */
static void
conn_eof(struct conn *c, const char *how)
{
	char	 why[TCP_WHY_MAX];
	size_t	 held, total;

	if ((held = frame_partial(&c->fr, &total)) == 0) {
		conn_close(c, how);
		return;
	}
	if (total != 0)
		snprintf(why, sizeof(why), "%s in the middle of a frame "
		    "(%zu of %zu bytes)", how, held, total);
	else
		snprintf(why, sizeof(why), "%s in the middle of a frame's "
		    "length (%zu byte)", how, held);
	log_warnx("connection %u %s %s: %s, dropped", c->id,
	    c->listener ? "from" : "to", safe_str(c->peer, strlen(c->peer)),
	    why);
	conn_close(c, why);
}

/*
 * Frames out of the n bytes just read, each to routed.  -1 when a bad
 * one closed the connection.
 */
static int
conn_input(struct conn *c, size_t n)
{
	struct tcp_msg		 tm;
	struct iovec		 iov[2];
	const unsigned char	*body;
	const char		*why = "bad frame";
	char			 buf[TCP_WHY_MAX];
	size_t			 off = 0, used, blen;

	while (off < n) {
		switch (frame_feed(&c->fr, rbuf + off, n - off, &used, &why)) {
		case FRAME_MORE:
			return (0);
		case FRAME_HEARTBEAT:
			log_debug("connection %u: heartbeat", c->id);
			break;
		case FRAME_OK:
			body = frame_body(&c->fr, &blen);
			memset(&tm, 0, sizeof(tm));
			tm.conn = c->id;
			tm.listener = c->listener;
			tm.tls = c->use_tls;
			strlcpy(tm.peer, c->peer, sizeof(tm.peer));
			iov[0].iov_base = &tm;
			iov[0].iov_len = sizeof(tm);
			iov[1].iov_base = (void *)body;
			iov[1].iov_len = blen;
			tcpd_sendv(IMSG_TCP_RECV, iov, 2);
			break;
		case FRAME_BAD:
			log_warnx("connection %u %s %s: bad frame (%s), "
			    "closing", c->id, c->listener ? "from" : "to",
			    safe_str(c->peer, strlen(c->peer)), why);
			snprintf(buf, sizeof(buf), "bad frame: %s", why);
			conn_close(c, buf);
			return (-1);
		}
		off += used;
		frame_next(&c->fr);
	}
	return (0);
}

/* Read what there is, up to TCPD_READ_ROUND, unless routed lags. */
static void
conn_read(struct conn *c)
{
	char		 why[TCP_WHY_MAX];
	size_t		 total = 0;
	ssize_t		 n;

	c->more = 0;
	while (!c->dead) {
		if (reading_paused || total >= TCPD_READ_ROUND) {
			c->more = 1;
			return;
		}
		if (c->tls != NULL) {
			n = tls_read(c->tls, rbuf, sizeof(rbuf));
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				c->rd_want = n == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT;
				return;
			}
			if (n == -1) {
				snprintf(why, sizeof(why), "TLS: %s",
				    tlsd_error(c->tls));
				conn_eof(c, why);
				return;
			}
			c->rd_want = POLLIN;
		} else if ((n = read(c->fd, rbuf, sizeof(rbuf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			conn_eof(c, strerror(errno));
			return;
		}
		if (n == 0) {
			conn_eof(c, "closed by the peer");
			return;
		}
		c->rx += n;
		total += n;
		if (conn_input(c, n) == -1)
			return;
	}
}

/* n bytes of the queue went out. */
static void
conn_wrote(struct conn *c, size_t n)
{
	struct tcp_conn	 tc;
	struct wbuf	*w;
	size_t		 left;

	c->tx += n;
	c->wqlen -= n;
	while (n > 0 && (w = TAILQ_FIRST(&c->wq)) != NULL) {
		left = w->len - w->off;
		if (n < left) {
			w->off += n;
			break;
		}
		n -= left;
		TAILQ_REMOVE(&c->wq, w, entry);
		free(w);
	}
	if (c->xoff && c->wqlen <= TCPD_WQ_LOW && c->state == CONN_UP) {
		c->xoff = 0;
		conn_info(c, &tc, NULL);
		tcpd_send(IMSG_TCP_XON, &tc, sizeof(tc));
		log_debug("connection %u: XON at %zu bytes queued", c->id,
		    c->wqlen);
	}
}

static void
conn_write(struct conn *c)
{
	struct iovec	 iov[WRITE_IOV];
	struct wbuf	*w;
	char		 why[TCP_WHY_MAX];
	ssize_t		 n;
	int		 i;

	while (!c->dead && !TAILQ_EMPTY(&c->wq)) {
		if (c->tls != NULL) {
			w = TAILQ_FIRST(&c->wq);
			n = tls_write(c->tls, w->data + w->off,
			    w->len - w->off);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				c->wr_want = n == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT;
				return;
			}
			if (n == -1) {
				snprintf(why, sizeof(why), "TLS: %s",
				    tlsd_error(c->tls));
				conn_close(c, why);
				return;
			}
		} else {
			i = 0;
			TAILQ_FOREACH(w, &c->wq, entry) {
				if (i == WRITE_IOV)
					break;
				iov[i].iov_base = w->data + w->off;
				iov[i].iov_len = w->len - w->off;
				i++;
			}
			if ((n = writev(c->fd, iov, i)) == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					return;
				conn_close(c, strerror(errno));
				return;
			}
		}
		c->wr_want = POLLOUT;
		conn_wrote(c, n);
	}
	if (!c->dead && c->state == CONN_CLOSING && TAILQ_EMPTY(&c->wq))
		conn_close(c, "closed by routed");
}

/* What to poll for; 0 leaves the socket out of the poll set. */
int
conn_pollevents(struct conn *c)
{
	int	 ev = 0;

	switch (c->state) {
	case CONN_CONNECTING:
		return (c->fd != -1 ? POLLOUT : 0);
	case CONN_HANDSHAKE:
		return (c->rd_want);
	case CONN_UP:
		if (!reading_paused)
			ev |= c->rd_want;
		/* FALLTHROUGH */
	case CONN_CLOSING:
		if (!TAILQ_EMPTY(&c->wq))
			ev |= c->wr_want;
		break;
	}
	return (ev);
}

void
conn_events(struct conn *c, int revents)
{
	if (c->dead)
		return;
	switch (c->state) {
	case CONN_CONNECTING:
		if (revents != 0)
			conn_connect_done(c);
		break;
	case CONN_HANDSHAKE:
		if (revents != 0)
			conn_handshake(c);
		break;
	case CONN_UP:
		/* Read first: what arrived before a close goes to routed. */
		if (!reading_paused && (c->more ||
		    (revents & (c->rd_want | POLLHUP | POLLERR))))
			conn_read(c);
		if (!c->dead && !TAILQ_EMPTY(&c->wq) &&
		    (revents & (c->wr_want | POLLHUP | POLLERR)))
			conn_write(c);
		break;
	case CONN_CLOSING:
		if (revents != 0)
			conn_write(c);
		break;
	}
}

/* Connecting, handshakes and CLOSE drains that took too long. */
void
conn_timeouts(const struct timespec *now)
{
	struct conn	*c, *next;
	char		 why[TCP_WHY_MAX];

	TAILQ_FOREACH_SAFE(c, &conns, entry, next) {
		if (!timespecisset(&c->deadline) ||
		    timespeccmp(now, &c->deadline, <))
			continue;
		switch (c->state) {
		case CONN_CONNECTING:
			snprintf(why, sizeof(why), "connect: timed out after "
			    "%d seconds", TCPD_CONNECT_TIMEOUT);
			conn_close(c, why);
			break;
		case CONN_HANDSHAKE:
			snprintf(why, sizeof(why), "TLS handshake: timed out "
			    "after %d seconds", TCPD_TLS_TIMEOUT);
			conn_close(c, why);
			break;
		case CONN_CLOSING:
			conn_close(c, "closed by routed (the peer did not "
			    "take what was queued)");
			break;
		default:
			timespecclear(&c->deadline);
			break;
		}
	}
}

/* Milliseconds to the next deadline (0: a connection has more). */
int
conn_next_timeout(const struct timespec *now)
{
	struct timespec	 d;
	struct conn	*c;
	long long	 ms, best = -1;

	TAILQ_FOREACH(c, &conns, entry) {
		if (c->more && !reading_paused)
			return (0);
		if (!timespecisset(&c->deadline))
			continue;
		if (timespeccmp(now, &c->deadline, >=))
			return (0);
		timespecsub(&c->deadline, now, &d);
		ms = (long long)d.tv_sec * 1000 + d.tv_nsec / 1000000 + 1;
		if (best == -1 || ms < best)
			best = ms;
	}
	return (best > INT_MAX ? INT_MAX : (int)best);
}
