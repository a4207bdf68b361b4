/* SPDX-License-Identifier: ISC */
/*
 * hostile: TCP peers that hold what a node gives them (regress/e2e
 * hostile_tcp.sh, hostile_queue.sh).  Every peer connects to
 * 127.0.0.1:port.
 *
 *	hostile hold port n what src...
 *		n connections, bound in turn to the addresses src, each
 *		sending what: "none", "half" (one byte of a length),
 *		"frame" (a heartbeat, then nothing) or "slow" (a
 *		heartbeat, then 7 bytes of a 30-byte frame); then hold
 *		them, reading nothing.
 *	hostile noread port n kib
 *		n connections with a small receive buffer, each sending
 *		kib KiB of 60000-byte requests to the echoer, then hold
 *		them without reading a byte.
 *
 * Both print "open K of N at S.S s" once all are made and again each
 * time some are seen closed by the node, until all are closed, stdin
 * reaches its end, or 120 seconds have passed.
 *
 *	hostile echo port count
 *		one peer that reads: count round trips of a small
 *		request to the echoer, one at a time; prints "echoed K
 *		of N, max M ms, total T ms".  Exit 0 when all came back.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/poke.h"

#define BATCH		32	/* connects before the node accepts them */
#define REQ_PAYLOAD	59960	/* a request of about 60000 bytes */

static const unsigned char heartbeat[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
static const unsigned char slow[] = { 0x00, 0x1e, 0x01, 0x01, 0x00, 0x06,
    'e', 'c', 'h' };

static double	 start;

static void
usage(void)
{
	fprintf(stderr, "usage: hostile hold port n none|half|frame|slow "
	    "src ...\n       hostile noread port n kib\n"
	    "       hostile echo port count\n");
	exit(2);
}

/* A frame to the echoer, return route "app", of plen payload bytes. */
static size_t
request(unsigned char *buf, size_t plen, unsigned char fill)
{
	size_t	 n = 2, v = plen;

	buf[n++] = 0x01;
	buf[n++] = 0x01;
	buf[n++] = 0x00;
	buf[n++] = 0x06;
	memcpy(buf + n, "echoer", 6);
	n += 6;
	buf[n++] = 0x01;
	buf[n++] = 0x00;
	buf[n++] = 0x03;
	memcpy(buf + n, "app", 3);
	n += 3;
	do {
		buf[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v != 0);
	memset(buf + n, fill, plen);
	n += plen;
	buf[0] = (n - 2) >> 8;
	buf[1] = (n - 2) & 0xff;
	return (n);
}

/* A connection to 127.0.0.1:port from src (NULL: any), -1 if none. */
static int
dial(int port, const char *src, int rcvbuf)
{
	struct sockaddr_in	 sin;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		err(1, "SO_RCVBUF");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (src != NULL) {
		if (inet_pton(AF_INET, src, &sin.sin_addr) != 1)
			errx(1, "%s: not an IPv4 address", src);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(1, "bind %s", src);
	}
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Hold the n connections, reading nothing, and say when the node
 * closes some: POLLRDHUP, or POLLIN with nothing left to read.
 */
static void
hold(int *fds, int n)
{
	struct pollfd	*pfd;
	double		 end = now() + 120;
	int		 i, open = 0, was;
	char		 c;

	if ((pfd = calloc(n + 1, sizeof(*pfd))) == NULL)
		err(1, NULL);
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			open++;
	/* Give the node a moment to close what it refuses. */
	usleep(500000);
	was = -1;
	while (now() < end) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = fds[i];
			pfd[i + 1].events = POLLRDHUP;
		}
		if (open != was) {
			printf("open %d of %d at %.1f s\n", open, n,
			    now() - start);
			fflush(stdout);
			was = open;
		}
		if (open == 0)
			break;
		if (poll(pfd, n + 1, 1000) == -1)
			err(1, "poll");
		if (pfd[0].revents != 0 &&
		    (read(STDIN_FILENO, &c, 1) <= 0))
			break;
		for (i = 0; i < n; i++) {
			if (fds[i] == -1 || pfd[i + 1].revents == 0)
				continue;
			if (pfd[i + 1].revents & (POLLRDHUP | POLLHUP |
			    POLLERR)) {
				close(fds[i]);
				fds[i] = -1;
				open--;
			}
		}
	}
	free(pfd);
}

static void
cmd_hold(int port, int n, const char *what, char **src, int nsrc)
{
	int	*fds;
	int	 i;

	if ((fds = calloc(n, sizeof(*fds))) == NULL)
		err(1, NULL);
	for (i = 0; i < n; i++) {
		if (i % BATCH == 0 && i > 0)
			usleep(20000);
		if ((fds[i] = dial(port, src[i % nsrc], 0)) == -1)
			continue;
		if (strcmp(what, "half") == 0)
			writeall(fds[i], heartbeat, 1);
		else if (strcmp(what, "frame") == 0)
			writeall(fds[i], heartbeat, sizeof(heartbeat));
		else if (strcmp(what, "slow") == 0) {
			writeall(fds[i], heartbeat, sizeof(heartbeat));
			writeall(fds[i], slow, sizeof(slow));
		} else if (strcmp(what, "none") != 0)
			usage();
	}
	hold(fds, n);
}

static void
cmd_noread(int port, int n, int kib)
{
	static unsigned char	 req[65538];
	size_t			 len, want = (size_t)kib << 10, sent;
	int			*fds, i, flags;

	if ((fds = calloc(n, sizeof(*fds))) == NULL)
		err(1, NULL);
	len = request(req, REQ_PAYLOAD, 'n');
	for (i = 0; i < n; i++)
		if ((fds[i] = dial(port, NULL, 2048)) == -1)
			err(1, "connect");
	/* All of them at once, a request each in turn. */
	for (sent = 0; sent < want; sent += len)
		for (i = 0; i < n; i++)
			writeall(fds[i], req, len);
	for (i = 0; i < n; i++)
		if ((flags = fcntl(fds[i], F_GETFL)) != -1)
			fcntl(fds[i], F_SETFL, flags | O_NONBLOCK);
	printf("sent %zu KiB on each of %d at %.1f s\n", sent >> 10, n,
	    now() - start);
	fflush(stdout);
	hold(fds, n);
}

/* Read one frame (at most len bytes of it) within ms; -1 if none. */
static int
read_frame(int fd, unsigned char *buf, size_t len, int ms)
{
	struct pollfd	 pfd;
	size_t		 have = 0, need = 2;
	ssize_t		 n;
	double		 end = now() + ms / 1000.0;

	while (have < need) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)((end - now()) * 1000) + 1) <= 0 ||
		    now() > end)
			return (-1);
		if ((n = read(fd, buf + have, need - have)) <= 0)
			return (-1);
		have += n;
		if (have == 2 && need == 2) {
			need += (size_t)buf[0] << 8 | buf[1];
			if (need > len)
				return (-1);
		}
	}
	return ((int)have);
}

static int
cmd_echo(int port, int count)
{
	unsigned char	 req[256], rep[65538];
	double		 t0, t, max = 0, total;
	size_t		 len;
	int		 fd, i, n, got = 0;

	if ((fd = dial(port, NULL, 0)) == -1)
		err(1, "connect");
	t0 = now();
	for (i = 0; i < count; i++) {
		len = request(req, 64, 'a' + i % 26);
		t = now();
		writeall(fd, req, len);
		/* The reply ends with the payload: 64 times the fill. */
		if ((n = read_frame(fd, rep, sizeof(rep), 5000)) < 64 + 2 ||
		    memcmp(rep + n - 64, req + len - 64, 64) != 0)
			break;
		got++;
		if (now() - t > max)
			max = now() - t;
	}
	total = now() - t0;
	printf("echoed %d of %d, max %.0f ms, total %.0f ms\n", got, count,
	    max * 1000, total * 1000);
	close(fd);
	return (got == count ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	const char	*errstr;
	int		 port, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	start = now();
	if (argc < 4)
		usage();
	port = strtonum(argv[2], 1, 65535, &errstr);
	if (errstr != NULL)
		errx(1, "port %s: %s", argv[2], errstr);
	n = strtonum(argv[3], 1, 100000, &errstr);
	if (errstr != NULL)
		errx(1, "%s: %s", argv[3], errstr);
	if (strcmp(argv[1], "hold") == 0 && argc >= 6)
		cmd_hold(port, n, argv[4], argv + 5, argc - 5);
	else if (strcmp(argv[1], "noread") == 0 && argc == 5)
		cmd_noread(port, n, strtonum(argv[4], 1, 1 << 20, &errstr));
	else if (strcmp(argv[1], "echo") == 0 && argc == 4)
		return (cmd_echo(port, n));
	else
		usage();
	return (0);
}
