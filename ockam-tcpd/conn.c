/* SPDX-License-Identifier: ISC */
/*
 * Connections: accepted or opened (connect.c), non-blocking, with or
 * without TLS; reading and writing them is io.c's.
 *
 * Frames to write wait in a per-connection queue: past its mark
 * routed is told XOFF, XON when it is short again, and a connection
 * whose queue gets too long is closed (bounds.c, which also bounds
 * all the queues together, accepted connections and the time a frame
 * may take).  While tcpd's own queue to routed is long no socket is
 * read (tcpd.c sets reading_paused).
 *
 * A SEND names its connection in one of two ways that never meet: by
 * peer name (and TLS or not) for one that tcpd opens, one per name,
 * opened when there is none; or by id for one that a listener
 * accepted, which goes to that connection or fails, and is never
 * dialled (tcp.h).  A remote address is only ever shown.  Ids skip
 * those in use when they wrap.  A closed connection leaves the poll
 * set at once and is freed at the end of the round, so that nothing
 * the round still holds points to freed memory.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <tls.h>
#include <unistd.h>

#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "tcpd.h"
#include "util.h"

struct connlist		 conns = TAILQ_HEAD_INITIALIZER(conns);
int			 nconns;
int			 reading_paused;

static struct connlist	 graveyard = TAILQ_HEAD_INITIALIZER(graveyard);
static struct log_count	 lc_notup = LOG_COUNT_INIT(LOG_INFO,
    "connection closed before it was up");
static struct log_count	 lc_connect = LOG_COUNT_INIT(LOG_WARNING,
    "cannot connect");
static uint32_t		 conn_lastid;

RB_HEAD(conntree, conn);
static struct conntree	 byname = RB_INITIALIZER(&byname);
static int		 conn_cmp(struct conn *, struct conn *);
RB_PROTOTYPE(conntree, conn, byname, conn_cmp);
RB_GENERATE(conntree, conn, byname, conn_cmp);

RB_HEAD(idtree, conn);
static struct idtree	 byid = RB_INITIALIZER(&byid);
static int		 conn_idcmp(struct conn *, struct conn *);
RB_PROTOTYPE(idtree, conn, byid, conn_idcmp);
RB_GENERATE(idtree, conn, byid, conn_idcmp);

static struct conn	*conn_new(uint32_t, int, const char *);
static struct conn	*conn_find(const char *, int);
static uint32_t		 conn_newid(void);
static const char	*conn_accepted_why(const struct tcp_msg *, char *,
			    size_t);

static int
conn_cmp(struct conn *a, struct conn *b)
{
	if (a->use_tls != b->use_tls)
		return (a->use_tls < b->use_tls ? -1 : 1);
	return (strcmp(a->peer, b->peer));
}

static int
conn_idcmp(struct conn *a, struct conn *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

struct conn *
conn_by_id(uint32_t id)
{
	struct conn	 key;

	key.id = id;
	return (RB_FIND(idtree, &byid, &key));
}

/*
 * The next id: never 0, never one a connection still has (after 2^32
 * connections the counter wraps; routed takes a repeated id for a
 * compromised tcpd).  A closed one is free again: routed was told DOWN
 * before any UP that reuses it.
 */
static uint32_t
conn_newid(void)
{
	uint32_t	 id;

	do {
		id = ++conn_lastid;
	} while (id == 0 || conn_by_id(id) != NULL);
	return (id);
}

#ifdef OCKAM_REGRESS
/* Test-only: the id the next connection follows (to force a wrap). */
void
conn_regress_lastid(uint32_t id)
{
	log_warnx("regress: connection ids go on after %u", id);
	conn_lastid = id;
}
#endif

/* Named (in the tree) only when tcpd opens it: accepted ones have ids. */
static struct conn *
conn_new(uint32_t listener, int use_tls, const char *peer)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("connection");
	TAILQ_INIT(&c->wq);
	TAILQ_INIT(&c->cuts);
	frame_init(&c->fr);
	c->id = conn_newid();
	RB_INSERT(idtree, &byid, c);
	c->listener = listener;
	c->use_tls = use_tls;
	c->fd = -1;
	c->rd_want = POLLIN;
	c->wr_want = POLLOUT;
	strlcpy(c->peer, peer, sizeof(c->peer));
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	if (listener == 0 && RB_INSERT(conntree, &byname, c) == NULL)
		c->named = 1;
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

void
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

void
conn_deadline(struct conn *c, int seconds)
{
	tcpd_now(&c->deadline);
	c->deadline.tv_sec += seconds;
}

void
conn_up(struct conn *c)
{
	struct tcp_conn	 tc;

	c->state = CONN_UP;
	timespecclear(&c->deadline);
	conn_info(c, &tc, NULL);
	tcpd_send(IMSG_TCP_UP, &tc, sizeof(tc));
	log_debug("connection %u %s %s%s", c->id, c->listener ? "from" : "to",
	    safe_str(c->peer, strlen(c->peer)), c->use_tls ? " (TLS)" : "");
	queue_check(c);
}

/*
 * A message routed sent cannot go out: FAIL with its token.  conn is
 * 0 in a FAIL (no connection carried it).
 */
void
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
 * queued when it never came up.  Freed at the end of the round.  One
 * that never came up, which a peer can make happen at will, is logged
 * at debug, and counted once a second.
 */
void
conn_close(struct conn *c, const char *why)
{
	struct tcp_conn		 tc;
	struct tcp_msg		 tm;
	struct wbuf		*w;
	const char		*peer = safe_str(c->peer, strlen(c->peer));

	if (c->dead)
		return;
	if (c->state == CONN_UP || c->state == CONN_CLOSING) {
		conn_info(c, &tc, why);
		tcpd_send(IMSG_TCP_DOWN, &tc, sizeof(tc));
		log_debug("connection %u %s %s closed: %s (%llu bytes in, "
		    "%llu out)", c->id, c->listener ? "from" : "to", peer,
		    why, (unsigned long long)c->rx,
		    (unsigned long long)c->tx);
	} else if (c->listener != 0) {
		log_debug("connection from %s closed before it was up: %s",
		    peer, why);
		log_count(&lc_notup, "from %s: %s", peer, why);
	} else {
		log_debug("cannot connect to %s: %s", peer, why);
		log_count(&lc_connect, "to %s: %s", peer, why);
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
	watch_forget(c);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	bounds_closed(c);
	cut_del(c->id);
	while ((w = TAILQ_FIRST(&c->wq)) != NULL) {
		TAILQ_REMOVE(&c->wq, w, entry);
		wbuf_free(w);
	}
	c->wqlen = 0;
	frame_clear(&c->fr);
	if (c->named)
		RB_REMOVE(conntree, &byname, c);
	c->named = 0;
	RB_REMOVE(idtree, &byid, c);
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
	bounds_accepted(c, sa);
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

/* A frame written, or dropped with its connection. */
void
wbuf_free(struct wbuf *w)
{
	freezero(w->buf, w->size);
	free(w);
}

/*
 * Why a SEND cannot go, as far as accepted connections go: by id, to
 * one that is not (or no longer) an accepted connection that is up; by
 * name, to a name of the form routed gives accepted ones, which is
 * never dialled.  NULL: it may go.
 */
static const char *
conn_accepted_why(const struct tcp_msg *tm, char *why, size_t len)
{
	struct conn	*c;

	if (tm->conn == 0) {
		if (tm->peer[0] != TCP_ACCEPTED_MARK)
			return (NULL);
		snprintf(why, len, "names a connection that a listener "
		    "accepted: never dialled");
		return (why);
	}
	if ((c = conn_by_id(tm->conn)) != NULL && c->listener != 0 &&
	    c->use_tls == tm->tls && c->state == CONN_UP)
		return (NULL);
	snprintf(why, len, "connection %u is closed (an accepted connection "
	    "is never dialled)", tm->conn);
	return (why);
}

/*
 * A connection opened for tm->peer, its addresses resolved, or NULL
 * with why it cannot be.
 */
static struct conn *
conn_dial(const struct tcp_msg *tm, char *why, size_t len)
{
	struct sockaddr_storage	 addrs[TCPD_ADDRS_MAX];
	struct conn		*c;
	char			 host[TCPD_HOST_MAX];
	uint16_t		 port;
	int			 n;

	if (nconns >= (int)limit(LIMIT_CONNECTIONS)) {
		snprintf(why, len, "connection limit (%u) reached",
		    limit(LIMIT_CONNECTIONS));
		return (NULL);
	}
	if (peer_split(tm->peer, host, sizeof(host), &port) == -1) {
		snprintf(why, len, "not a peer name (HOST:PORT, [IPv6]:PORT)");
		return (NULL);
	}
	if (tm->tls && !tlsd_have_ca()) {
		snprintf(why, len, "no CA for outgoing TLS configured");
		return (NULL);
	}
	if ((n = peer_resolve(host, port, addrs, TCPD_ADDRS_MAX, why,
	    len)) == -1)
		return (NULL);
	c = conn_new(0, tm->tls, tm->peer);
	memcpy(c->addrs, addrs, n * sizeof(addrs[0]));
	c->naddrs = n;
	strlcpy(c->host, host, sizeof(c->host));
	c->state = CONN_CONNECTING;
	conn_deadline(c, TCPD_CONNECT_TIMEOUT);
	return (c);
}

/*
 * A message from routed (checked by tcpd.c) to tm->peer: queued on the
 * connection with that name, one being opened when there is none.  The
 * message is at off in buf, the imsg's data (size bytes), which is
 * taken and freed here, whatever happens: the frame is written from it,
 * its prefix in the FRAME_HDR bytes before the message.
 */
void
conn_send(const struct tcp_msg *tm, unsigned char *buf, size_t size,
    size_t off)
{
	struct conn	*c;
	struct wbuf	*w;
	char		 why[TCP_WHY_MAX];
	size_t		 len = size - off;

	if (off < FRAME_HDR || off > size)
		fatalx("%s: no room for the frame's prefix", __func__);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("frame");
	w->buf = buf;
	w->size = size;
	if (len > TCP_FRAME_MAX) {
		snprintf(why, sizeof(why), "a message of %zu bytes does not "
		    "fit in a frame (at most %d)", len, TCP_FRAME_MAX);
		goto fail;
	}
	if (conn_accepted_why(tm, why, sizeof(why)) != NULL)
		goto fail;
	if (tm->conn != 0)
		c = conn_by_id(tm->conn);
	else if ((c = conn_find(tm->peer, tm->tls)) == NULL &&
	    (c = conn_dial(tm, why, sizeof(why))) == NULL)
		goto fail;

	w->data = buf + off - FRAME_HDR;
	w->len = FRAME_HDR + len;
	w->off = 0;
	w->token = tm->token;
	w->data[0] = len >> 8;
	w->data[1] = len & 0xff;
	TAILQ_INSERT_TAIL(&c->wq, w, entry);
	if (queue_add(c, w->len) == -1)
		return;		/* closed: the peer does not read */
	switch (c->state) {
	case CONN_CONNECTING:
		if (c->fd == -1)
			conn_try(c);	/* just made */
		break;
	case CONN_UP:
		/* Written at the end of the round, with what else came. */
		c->wpend = 1;
		break;
	default:
		break;
	}
	return;
fail:
	conn_fail(tm, why);
	wbuf_free(w);
}

/*
 * Write what SEND queued this round: one writev(2) for all the frames
 * a connection got, not one each.
 */
void
conn_flush(void)
{
	struct conn	*c, *next;

	TAILQ_FOREACH_SAFE(c, &conns, entry, next) {
		if (!c->wpend)
			continue;
		c->wpend = 0;
		if (c->state == CONN_UP && !TAILQ_EMPTY(&c->wq))
			conn_write(c);
	}
}

/* Routed's CLOSE: what is queued is written first (a few seconds). */
void
conn_close_req(uint32_t id)
{
	struct conn	*c;

	if ((c = conn_by_id(id)) == NULL || c->state != CONN_UP) {
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
	c->more = 0;
	conn_deadline(c, TCPD_CLOSE_TIMEOUT);
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
		if (CONN_READS(c))
			ev |= c->rd_want;
		/* FALLTHROUGH */
	case CONN_CLOSING:
		if (!TAILQ_EMPTY(&c->wq))
			ev |= c->wr_want;
		break;
	}
	return (ev);
}

/* routed: stop reading connection id, or read it again. */
void
conn_read_req(uint32_t id, int stop)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id && !c->dead) {
			c->rstop = stop;
			return;
		}
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
		if (CONN_READS(c) && (c->more ||
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
		if (c->more && c->state == CONN_UP && CONN_READS(c))
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
