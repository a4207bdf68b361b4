/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: the peers of tcpd, sockets on loopback.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/poke.h"
#include "tcpdpoke.h"

void
sa_loop(struct sockaddr_storage *ss, int family, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
	}
}

socklen_t
sslen(int family)
{
	return (family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in));
}

uint16_t
port_of(int fd, int peer)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len)) == -1)
		err(1, "getsockname");
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

/* A listening socket on loopback; *port 0 picks one. */
int
tcp_server(int family, uint16_t *port, int backlog, int rcvbuf)
{
	struct sockaddr_storage	 ss;
	int			 fd, on = 1;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sa_loop(&ss, family, *port);
	if (bind(fd, (struct sockaddr *)&ss, sslen(family)) == -1 ||
	    listen(fd, backlog) == -1) {
		close(fd);
		return (-1);
	}
	*port = port_of(fd, 0);
	return (fd);
}

/*
 * A port nobody listens on (bound, then closed).  Not one the kernel
 * picks (0): those are the ephemeral ports that any connection of the
 * same moment (tcpd.sh runs its connect scenario beside the others)
 * may take as its own before tcpd binds it.  From FREE_PORT_COUNT ports
 * FREE_PORT_OFF above OCKAM_PORT_BASE (20000: below the kernel's range,
 * and above what the e2e scripts name), starting anywhere among them.
 */
#define FREE_PORT_OFF	10400
#define FREE_PORT_COUNT	1600
uint16_t
free_port(int family)
{
	const char	*e, *errstr;
	uint16_t	 port;
	int		 base = 20000, fd, i, start;

	if ((e = getenv("OCKAM_PORT_BASE")) != NULL) {
		base = strtonum(e, 20000, 49000, &errstr);
		if (errstr != NULL)
			errx(1, "OCKAM_PORT_BASE %s: %s", e, errstr);
	}
	start = arc4random_uniform(FREE_PORT_COUNT);
	for (i = 0; i < FREE_PORT_COUNT; i++) {
		port = base + FREE_PORT_OFF + (start + i) % FREE_PORT_COUNT;
		if ((fd = tcp_server(family, &port, 1, 0)) != -1) {
			close(fd);
			return (port);
		}
	}
	errx(1, "no free port in %d to %d", base + FREE_PORT_OFF,
	    base + FREE_PORT_OFF + FREE_PORT_COUNT - 1);
}

/* A blocking client with 5-second timeouts. */
int
tcp_client(int family, uint16_t port)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 5, 0 };
	int			 fd;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sa_loop(&ss, family, port);
	if (connect(fd, (struct sockaddr *)&ss, sslen(family)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

int
nb_client(int family, uint16_t port)
{
	struct sockaddr_storage	 ss;
	int			 fd;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (-1);
	sa_loop(&ss, family, port);
	if (connect(fd, (struct sockaddr *)&ss, sslen(family)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (-1);
	}
	return (fd);
}

int
accept_within(int lfd, int ms)
{
	struct pollfd	 pfd = { lfd, POLLIN, 0 };
	struct timeval	 tv = { 5, 0 };
	int		 fd;

	if (poll(&pfd, 1, ms) <= 0)
		return (-1);
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (fd);
}

/* Exactly len bytes within the socket's timeout.  0 or -1. */
int
readn(int fd, void *p, size_t len)
{
	unsigned char	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = read(fd, b, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		b += n;
		len -= n;
	}
	return (0);
}

/* Does fd see EOF or a reset within ms (data is discarded)? */
int
sees_eof(int fd, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	unsigned char	 buf[4096];
	long long	 end = now_ms() + ms;
	ssize_t		 n;
	int		 left;

	for (;;) {
		if ((left = end - now_ms()) <= 0)
			return (0);
		if (poll(&pfd, 1, left) <= 0)
			return (0);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			return (1);
	}
}
