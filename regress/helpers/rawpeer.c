/* SPDX-License-Identifier: ISC */
/*
 * rawpeer: a peer on loopback that speaks TCP frames by hand, for the
 * attacks of conn_names.sh and logflood.sh.
 *
 *	rawpeer from SRCPORT PORT MS [WORKER [VIA]]
 *		connect to PORT from 127.0.0.1:SRCPORT (0: any), send a
 *		message to WORKER (then, if given, on to TCP address VIA
 *		and its "app"; return route "app"), then print "received
 *		N bytes" of what arrives within MS milliseconds
 *	rawpeer listen PORT MS	print "accepted N": the connections
 *				made to PORT within MS milliseconds
 *	rawpeer churn PORT N	open and close N connections to PORT
 *	rawpeer junk PORT MS	for MS milliseconds, send 9-byte frames
 *				to "x" (a worker no node has); print
 *				"sent N frames"
 *	rawpeer dials PORT N WORKER
 *		send N messages to WORKER, a hop, on to 127.0.0.1:1 to
 *		127.0.0.1:N, where nothing listens; close a second later
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "common/poke.h"
#include "route.h"

static void
sa_of(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int
peer(int sport, int port)
{
	struct sockaddr_in	 sin;
	int			 fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sport != 0) {
		sa_of(&sin, sport);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(1, "bind port %d", sport);
	}
	sa_of(&sin, port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect to port %d", port);
	return (fd);
}

/* A frame: the u16 length, then the message (see the comment inside). */
static size_t
frame(unsigned char *out, size_t len, const char *worker, const char *via)
{
	struct tmsg	 m;
	size_t		 n;

	tmsg_init(&m);
	if (route_push_back(&m.onward, OCKAM_ADDR_LOCAL, worker,
	    strlen(worker)) == -1)
		errx(1, "cannot make the message");
	/* via NULL: nothing else (junk); else [TCP via, "app"], "app", x */
	if (via != NULL && ((via[0] != '\0' && (route_push_back(&m.onward,
	    OCKAM_ADDR_TCP, via, strlen(via)) == -1 ||
	    route_push_back(&m.onward, OCKAM_ADDR_LOCAL, "app", 3) == -1)) ||
	    route_push_back(&m.ret, OCKAM_ADDR_LOCAL, "app", 3) == -1 ||
	    tmsg_set_payload(&m, "x", 1) == -1))
		errx(1, "cannot make the message");
	n = frame_tmsg(&m, out, len);
	tmsg_clear(&m);
	return (n);
}

static void
from(int sport, int port, int ms, const char *worker, const char *via)
{
	unsigned char	 buf[4096];
	struct pollfd	 pfd;
	long long	 end = now_ms() + ms;
	size_t		 got = 0, n;
	ssize_t		 r;

	pfd.fd = peer(sport, port);
	pfd.events = POLLIN;
	printf("connected\n");
	fflush(stdout);
	if (worker != NULL) {
		n = frame(buf, sizeof(buf), worker, via);
		if (write(pfd.fd, buf, n) != (ssize_t)n)
			err(1, "write");
	}
	while (now_ms() < end && poll(&pfd, 1, end - now_ms()) > 0) {
		if ((r = read(pfd.fd, buf, sizeof(buf))) <= 0)
			break;
		got += r;
	}
	printf("received %zu bytes\n", got);
	close(pfd.fd);
}

static void
listen_for(int port, int ms)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	long long		 end = now_ms() + ms;
	int			 on = 1, n = 0, fd;

	if ((pfd.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(pfd.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sa_of(&sin, port);
	if (bind(pfd.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(pfd.fd, 16) == -1)
		err(1, "listen on port %d", port);
	printf("listening\n");
	fflush(stdout);
	pfd.events = POLLIN;
	while (now_ms() < end && poll(&pfd, 1, end - now_ms()) > 0)
		if ((fd = accept(pfd.fd, NULL, NULL)) != -1) {
			n++;
			close(fd);
		}
	printf("accepted %d\n", n);
}

static void
junk(int port, int ms)
{
	unsigned char	 buf[9 * 1024];
	long long	 end = now_ms() + ms, frames = 0;
	size_t		 i, n;
	int		 fd = -1;

	n = frame(buf, sizeof(buf), "x", NULL);
	if (n != 9)
		errx(1, "a junk frame of %zu bytes", n);
	for (i = 1; i < sizeof(buf) / 9; i++)
		memcpy(buf + 9 * i, buf, 9);
	while (now_ms() < end) {
		if (fd == -1)
			fd = peer(0, port);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			close(fd);
			fd = -1;
			continue;
		}
		frames += sizeof(buf) / 9;
	}
	printf("sent %lld frames\n", frames);
}

static void
dials(int port, int n, const char *worker)
{
	unsigned char	 buf[512];
	char		 via[32];
	size_t		 len;
	int		 fd, i;

	fd = peer(0, port);
	for (i = 1; i <= n; i++) {
		snprintf(via, sizeof(via), "127.0.0.1:%d", i);
		len = frame(buf, sizeof(buf), worker, via);
		if (write(fd, buf, len) != (ssize_t)len)
			err(1, "write");
	}
	sleep(1);
	close(fd);
}

int
main(int argc, char *argv[])
{
	int	 i;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "from") == 0)
		from(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
		    argc > 5 ? argv[5] : NULL, argc > 6 ? argv[6] : "");
	else if (argc == 4 && strcmp(argv[1], "listen") == 0)
		listen_for(atoi(argv[2]), atoi(argv[3]));
	else if (argc == 4 && strcmp(argv[1], "churn") == 0) {
		for (i = 0; i < atoi(argv[3]); i++)
			close(peer(0, atoi(argv[2])));
	} else if (argc == 4 && strcmp(argv[1], "junk") == 0)
		junk(atoi(argv[2]), atoi(argv[3]));
	else if (argc == 5 && strcmp(argv[1], "dials") == 0)
		dials(atoi(argv[2]), atoi(argv[3]), argv[4]);
	else
		errx(1, "usage: rawpeer from|listen|churn|junk|dials ...");
	return (0);
}
