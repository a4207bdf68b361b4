/* SPDX-License-Identifier: ISC */
/*
 * Opening connections: non-blocking connect() to each address of the
 * peer in turn, within TCPD_CONNECT_TIMEOUT (conn.c watches the
 * deadline), then the TLS handshake when asked for, verified against
 * the CA and the host of the peer name (tls.c).  The socket options
 * every connection gets are here too.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "log.h"
#include "tcpd.h"
#include "util.h"

static void	 conn_connected(struct conn *);

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
		log_warn("%s: keepalive", safe_str(peer, strlen(peer)));
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("%s: TCP_NODELAY", safe_str(peer, strlen(peer)));
}

/* Connect to the next address of c; close it when none is left. */
void
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
void
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
	watch_forget(c);
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

void
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
