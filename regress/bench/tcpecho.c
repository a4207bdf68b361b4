/* SPDX-License-Identifier: ISC */
/*
 * tcpecho: the plain TCP reference for make bench.
 *
 *	tcpecho server PORT	echo every byte back, on 127.0.0.1: one
 *				child a connection, gone when it closes
 *	tcpecho client PORT	print "RTT_US MB_S": 64-byte round
 *				trips, then 16 KiB blocks echoed back
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pctl.h"

#define BLOCK		16384
#define WINDOW		32

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
full(int fd, void *buf, size_t len, int rd)
{
	ssize_t	 n;
	size_t	 done = 0;

	while (done < len) {
		n = rd ? read(fd, (char *)buf + done, len - done) :
		    write(fd, (char *)buf + done, len - done);
		if (n <= 0)
			err(1, rd ? "read" : "write");
		done += n;
	}
}

/* A server child: echo one connection until its client closes, then exit. */
static void
serve(int fd)
{
	char	 buf[65536];
	ssize_t	 n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		full(fd, buf, n, 0);
	close(fd);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	static char		 buf[BLOCK];
	static double		 rtt[20000];
	double			 t0, mbs, p50, p99;
	int			 fd, c, one = 1, i, n;

	if (argc != 3)
		errx(1, "usage: tcpecho server|client port");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[2]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (strcmp(argv[1], "server") == 0) {
		signal(SIGCHLD, SIG_IGN);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, 8) == -1)
			err(1, "bind");
		for (;;) {
			if ((c = accept(fd, NULL, NULL)) == -1)
				continue;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			switch (fork()) {
			case -1:
				warn("fork");
				break;
			case 0:
				close(fd);
				serve(c);
				/* NOTREACHED */
			}
			close(c);
		}
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect");
	n = 20000;
	for (i = 0; i < n; i++) {
		t0 = now();
		full(fd, buf, 64, 0);
		full(fd, buf, 64, 1);
		rtt[i] = (now() - t0) * 1e6;
	}
	pctl_sort(rtt, n);
	p50 = pctl_at(rtt, n, 0.5);
	p99 = pctl_at(rtt, n, 0.99);
	n = 20000;
	t0 = now();
	for (i = 0; i < WINDOW; i++)
		full(fd, buf, BLOCK, 0);
	for (i = WINDOW; i < n; i++) {
		full(fd, buf, BLOCK, 1);
		full(fd, buf, BLOCK, 0);
	}
	for (i = 0; i < WINDOW; i++)
		full(fd, buf, BLOCK, 1);
	mbs = (double)n * BLOCK / (now() - t0) / 1e6;
	printf("%.1f %.1f %.1f\n", p50, p99, mbs);
	return (0);
}
