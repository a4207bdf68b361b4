/* SPDX-License-Identifier: ISC */
/*
 * Reading and writing connections.  Every frame read is checked in
 * full (frame.c) before it goes to routed; a bad one closes its
 * connection alone, logged with the peer and the reason (log_count(): a
 * line a second at most), and so does a frame cut short by the end of
 * the stream.  Frames are written from the connection's queue,
 * gathered with writev(2) or one at a time through TLS.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <tls.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "tcpd.h"
#include "util.h"

#define WRITE_IOV	64

/* One read takes up to a round's worth (TCPD_READ_ROUND). */
static unsigned char	 rbuf[TCPD_READ_ROUND];

/* A peer may send these at will: counted, a line a second at most. */
static struct log_count	 lc_bad = LOG_COUNT_INIT(LOG_INFO,
    "bad frame, connection closed");
static struct log_count	 lc_cut = LOG_COUNT_INIT(LOG_INFO,
    "frame cut short, connection closed");

static void	 conn_eof(struct conn *, const char *);
static int	 conn_input(struct conn *, size_t);
static void	 conn_wrote(struct conn *, size_t);

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
	log_count(&lc_cut, "connection %u %s %s: %s", c->id,
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
			bounds_partial(c);
			return (0);
		case FRAME_HEARTBEAT:
			log_debug("connection %u: heartbeat", c->id);
			bounds_framed(c);
			break;
		case FRAME_OK:
			bounds_framed(c);
			body = frame_body(&c->fr, &blen);
			if (cut_frame(c, body, blen))
				break;
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
			log_count(&lc_bad, "connection %u %s %s: %s",
			    c->id, c->listener ? "from" : "to",
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
void
conn_read(struct conn *c)
{
	char		 why[TCP_WHY_MAX];
	size_t		 total = 0;
	ssize_t		 n;

	c->more = 0;
	while (!c->dead) {
		if (!CONN_READS(c) || total >= TCPD_READ_ROUND) {
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
		/*
		 * A short read emptied the socket: poll says when there
		 * is more, without a read that fails with EAGAIN.  Not
		 * so with TLS, which may hold decrypted bytes poll
		 * cannot see.
		 */
		if (c->tls == NULL && (size_t)n < sizeof(rbuf))
			return;
	}
}

/* n bytes of the queue went out. */
static void
conn_wrote(struct conn *c, size_t n)
{
	struct wbuf	*w;
	size_t		 left, n0 = n;

	c->tx += n;
	while (n > 0 && (w = TAILQ_FIRST(&c->wq)) != NULL) {
		left = w->len - w->off;
		if (n < left) {
			w->off += n;
			break;
		}
		n -= left;
		TAILQ_REMOVE(&c->wq, w, entry);
		wbuf_free(w);
	}
	queue_sub(c, n0);
}

void
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
