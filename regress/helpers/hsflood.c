/* SPDX-License-Identifier: ISC */
/*
 * hsflood: flood a secure channel listener with first handshake
 * messages (Noise XX message 1: 32 random bytes) over TCP, as a peer
 * with no credentials can, and read and discard what comes back.
 *
 *	hsflood port listener nconn naddr rate seconds
 *		nconn connections to 127.0.0.1:port, the i-th from
 *		127.0.0.(1 + i % naddr) (naddr 1: all from 127.0.0.1);
 *		rate message 1s a second in all, round robin, for
 *		seconds.  Prints "sent N on M connections".
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "common/poke.h"
#include "route.h"

#define MAXCONN		256

static int
dial(int port, int i, int naddr)
{
	struct sockaddr_in	 sin;
	int			 s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (i % naddr));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "bind %s", inet_ntoa(sin.sin_addr));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect");
	if (fcntl(s, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return (s);
}

/* One frame: u16 length, then a TransportMessage to the listener. */
static size_t
frame(const char *listener, unsigned char *out, size_t max)
{
	struct tmsg	 m;
	uint8_t		 e[32];
	size_t		 len;

	tmsg_init(&m);
	randombytes_buf(e, sizeof(e));
	if (route_push_back(&m.onward, OCKAM_ADDR_LOCAL, listener,
	    strlen(listener)) == -1 ||
	    route_push_back(&m.ret, OCKAM_ADDR_LOCAL, "flood", 5) == -1 ||
	    tmsg_set_payload(&m, e, sizeof(e)) == -1)
		errx(1, "cannot encode");
	len = frame_tmsg(&m, out, max);
	tmsg_clear(&m);
	return (len);
}

int
main(int argc, char *argv[])
{
	static unsigned char	 junk[65536];
	unsigned char		 f[512];
	int			 fds[MAXCONN];
	long long		 start, end, due;
	long			 sent = 0;
	size_t			 len;
	ssize_t			 n;
	int			 port, nconn, naddr, rate, secs, i;

	if (argc != 7)
		errx(1, "usage: hsflood port listener nconn naddr rate "
		    "seconds");
	port = atoi(argv[1]);
	nconn = atoi(argv[3]);
	naddr = atoi(argv[4]);
	rate = atoi(argv[5]);
	secs = atoi(argv[6]);
	if (nconn < 1 || nconn > MAXCONN || naddr < 1 || naddr > 250 ||
	    rate < 1 || secs < 1 || sodium_init() == -1)
		errx(1, "bad arguments");
	for (i = 0; i < nconn; i++)
		fds[i] = dial(port, i, naddr);
	start = now_ms();
	end = start + secs * 1000LL;
	for (i = 0; now_ms() < end; i = (i + 1) % nconn) {
		/* Whatever comes back (message 2s) is read and dropped. */
		while ((n = read(fds[i], junk, sizeof(junk))) > 0)
			;
		if (n == 0)
			errx(1, "connection %d closed by the node", i);
		due = start + sent * 1000 / rate;
		if (now_ms() < due)
			poll(NULL, 0, (int)(due - now_ms()));
		len = frame(argv[2], f, sizeof(f));
		if ((n = write(fds[i], f, len)) == (ssize_t)len)
			sent++;
		else if (n != -1 || errno != EAGAIN)
			errx(1, "a short write: the frame is broken");
	}
	printf("sent %ld on %d connections\n", sent, nconn);
	fflush(stdout);
	for (i = 0; i < nconn; i++)
		close(fds[i]);
	return (0);
}
