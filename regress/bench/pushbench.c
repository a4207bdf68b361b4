/* SPDX-License-Identifier: ISC */
/*
 * pushbench: confirmed pushes per second to a hub's stream service
 * (doc/design.md 4.5), straight over TCP frames.
 *
 *	pushbench PORT SIZE PRODUCERS COUNT
 *
 * PRODUCERS connections to 127.0.0.1:PORT each create the stream
 * "bench-SIZE-PRODUCERS", then keep one push of SIZE bytes in flight
 * until COUNT pushes in all are confirmed (each confirmed only once
 * the hub has it on disk).  Prints the confirmed pushes per second;
 * exits 1 on a refused push or a malformed answer.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "route.h"
#include "stream.h"

#define PRODUCERS_MAX	256

struct producer {
	int		 fd;
	struct route	 worker;		/* the stream's, from Init */
	unsigned char	 in[2 + OCKAM_MSG_MAX];
	size_t		 inlen;
	uint64_t	 sent;
};

static unsigned char	*data;
static size_t		 datalen;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Send one frame: onward to, return [app], this payload. */
static void
send_frame(struct producer *p, const struct route *to, struct ibuf *pl)
{
	struct tmsg	 m;
	struct ibuf	*b;
	unsigned char	*q;
	size_t		 len, off;
	ssize_t		 n;

	tmsg_init(&m);
	if (route_copy(&m.onward, to) == -1 ||
	    route_push_back(&m.ret, OCKAM_ADDR_LOCAL, "app", 3) == -1 ||
	    tmsg_set_payload(&m, ibuf_data(pl), ibuf_size(pl)) == -1 ||
	    (b = ibuf_open(256, 2 + OCKAM_MSG_MAX)) == NULL)
		err(1, "frame");
	ibuf_add_n16(b, 0);
	if (tmsg_encode(b, &m) == -1)
		errx(1, "frame too long");
	q = ibuf_data(b);
	len = ibuf_size(b);
	q[0] = (len - 2) >> 8;
	q[1] = (len - 2) & 0xff;
	for (off = 0; off < len; off += n)
		if ((n = write(p->fd, q + off, len - off)) == -1)
			err(1, "write");
	ibuf_free(b);
	ibuf_free(pl);
	tmsg_clear(&m);
}

/* The next whole frame's message into *m: 1, or 0 for more bytes. */
static int
next_frame(struct producer *p, struct tmsg *m)
{
	const char	*errstr;
	size_t		 len;

	if (p->inlen < 2)
		return (0);
	len = (size_t)p->in[0] << 8 | p->in[1];
	if (p->inlen < 2 + len)
		return (0);
	tmsg_init(m);
	if (tmsg_decode(m, p->in + 2, len, &errstr) == -1)
		errx(1, "a frame from the hub: %s", errstr);
	memmove(p->in, p->in + 2 + len, p->inlen - 2 - len);
	p->inlen -= 2 + len;
	return (1);
}

static void
fill(struct producer *p)
{
	ssize_t	 n;

	if ((n = read(p->fd, p->in + p->inlen, sizeof(p->in) -
	    p->inlen)) <= 0)
		errx(1, "the hub closed the connection");
	p->inlen += n;
}

static void
push(struct producer *p)
{
	struct stream_push	 sp;
	struct ibuf		*b;

	if ((b = ibuf_open(64 + datalen, OCKAM_MSG_MAX)) == NULL)
		err(1, NULL);
	sp.request_id = p->sent++;
	sp.data = data;
	sp.len = datalen;
	stream_enc_push(b, &sp);
	send_frame(p, &p->worker, b);
}

static void
start(struct producer *p, int port, const char *name)
{
	struct sockaddr_in	 sin;
	struct stream_create	 init;
	struct route		 svc;
	struct ibuf		*b;
	struct cursor		 c;
	struct tmsg		 m;
	const char		*errstr;
	int			 proto, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((p->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect to port %d", port);
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	route_init(&svc);
	route_init(&p->worker);
	if (route_push_back(&svc, OCKAM_ADDR_LOCAL, "stream", 6) == -1 ||
	    (b = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
		err(1, NULL);
	stream_enc_create(b, name);
	send_frame(p, &svc, b);
	while (!next_frame(p, &m))
		fill(p);
	if (stream_decode(m.payload, m.plen, &proto, &c, &errstr) == -1 ||
	    proto != STREAM_P_CREATE ||
	    stream_dec_init(&c, &init, &errstr) == -1)
		errx(1, "no Init from the hub");
	if (route_copy(&p->worker, &m.ret) == -1)
		err(1, NULL);
	tmsg_clear(&m);
	route_clear(&svc);
}

int
main(int argc, char *argv[])
{
	struct producer		*ps;
	struct pollfd		*pfd;
	struct stream_confirm	 pc;
	struct cursor		 c;
	struct tmsg		 m;
	const char		*errstr;
	char			 name[64];
	uint64_t		 count, done = 0, sent = 0;
	double			 t0, t1;
	int			 port, np, i, proto;

	if (argc != 5)
		errx(2, "usage: pushbench port size producers count");
	port = strtonum(argv[1], 1, 65535, &errstr);
	if (errstr == NULL)
		datalen = strtonum(argv[2], 1, 65535, &errstr);
	if (errstr == NULL)
		np = strtonum(argv[3], 1, PRODUCERS_MAX, &errstr);
	if (errstr == NULL)
		count = strtonum(argv[4], 1, 100000000, &errstr);
	if (errstr != NULL)
		errx(2, "bad argument: %s", errstr);
	if ((data = malloc(datalen)) == NULL ||
	    (ps = calloc(np, sizeof(*ps))) == NULL ||
	    (pfd = calloc(np, sizeof(*pfd))) == NULL)
		err(1, NULL);
	memset(data, 'x', datalen);
	snprintf(name, sizeof(name), "bench-%zu-%d", datalen, np);
	for (i = 0; i < np; i++) {
		start(&ps[i], port, name);
		pfd[i].fd = ps[i].fd;
		pfd[i].events = POLLIN;
	}
	t0 = now();
	for (i = 0; i < np && sent < count; i++, sent++)
		push(&ps[i]);
	while (done < count) {
		if (poll(pfd, np, 10000) <= 0)
			errx(1, "no confirmation within 10 s");
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			fill(&ps[i]);
			while (next_frame(&ps[i], &m)) {
				if (stream_decode(m.payload, m.plen, &proto,
				    &c, &errstr) == -1 ||
				    proto != STREAM_P_PUSH ||
				    stream_dec_confirm(&c, &pc,
				    &errstr) == -1)
					errx(1, "not a PushConfirm");
				if (pc.status != STREAM_OK)
					errx(1, "push refused by the hub");
				tmsg_clear(&m);
				done++;
				if (sent < count) {
					push(&ps[i]);
					sent++;
				}
			}
		}
	}
	t1 = now();
	printf("%.0f\n", done / (t1 - t0));
	return (0);
}
