/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: portal sockets (lib/tcp.h), byte for byte: nothing is read
 * without credit and no more than it, what routed sends is written and
 * reported, half-close both ways, a target that refuses or closes, a
 * client that resets.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

#define OURS	(TCP_PORTAL_OURS | 1)

uint16_t	 inlet1;

static void
preq(uint32_t type, uint32_t id, uint32_t n, const char *peer)
{
	struct tcp_portal	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.id = id;
	tp.n = n;
	if (peer != NULL)
		strlcpy(tp.peer, peer, sizeof(tp.peer));
	child_send(type, 0, &tp, sizeof(tp));
}

static void
pdata(uint32_t id, const void *data, size_t len)
{
	struct iovec	 iov[2];

	iov[0].iov_base = &id;
	iov[0].iov_len = sizeof(id);
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	child_sendv(IMSG_TCP_PORTAL_DATA, 0, iov, 2);
}

/* The next portal message of type: its struct (copied), or -1. */
static int
ptake(uint32_t type, struct tcp_portal *tp, int ms)
{
	struct ev	*e;
	int		 ok;

	if ((e = take(type, NULL, NULL, ms)) == NULL)
		return (-1);
	ok = e->len == sizeof(*tp);
	if (ok)
		memcpy(tp, e->data, sizeof(*tp));
	ev_free(e);
	return (ok ? 0 : -1);
}

/* The next DATA: its length (data after the id), or -1. */
static int
dtake(uint32_t id, unsigned char *buf, int ms)
{
	struct ev	*e;
	uint32_t	 got;
	int		 n;

	if ((e = take(IMSG_TCP_PORTAL_DATA, NULL, NULL, ms)) == NULL)
		return (-1);
	memcpy(&got, e->data, sizeof(got));
	n = got == id ? (int)(e->len - sizeof(got)) : -1;
	if (n > 0)
		memcpy(buf, e->data + sizeof(got), n);
	ev_free(e);
	return (n);
}

static int
readable_eof(int fd)
{
	char	 c;

	return (read(fd, &c, 1) == 0);
}

static void
portal_inlet_side(void)
{
	struct tcp_portal	 tp;
	unsigned char		 buf[200];
	uint32_t		 id;
	int			 c;

	c = tcp_client(AF_INET, inlet1);
	check(c != -1 && ptake(IMSG_TCP_PORTAL_UP, &tp, TIMEOUT) == 0 &&
	    tp.inlet == 1 && tp.id != 0 && !(tp.id & TCP_PORTAL_OURS),
	    "portal: a client of the inlet is UP, with tcpd's id");
	id = tp.id;
	memset(buf, 'a', 100);
	check(writeall(c, buf, 100) == 0 &&
	    take(IMSG_TCP_PORTAL_DATA, NULL, NULL, 500) == NULL,
	    "portal: nothing is read without credit");
	preq(IMSG_TCP_PORTAL_CREDIT, id, 10, NULL);
	check(dtake(id, buf, TIMEOUT) == 10,
	    "portal: credit 10, 10 bytes read");
	check(take(IMSG_TCP_PORTAL_DATA, NULL, NULL, 300) == NULL,
	    "portal: and no more");
	preq(IMSG_TCP_PORTAL_CREDIT, id, 1000, NULL);
	check(dtake(id, buf, TIMEOUT) == 90,
	    "portal: credit 1000, the other 90 bytes");
	pdata(id, "hello", 5);
	check(readn(c, buf, 5) == 0 && memcmp(buf, "hello", 5) == 0 &&
	    ptake(IMSG_TCP_PORTAL_WROTE, &tp, TIMEOUT) == 0 && tp.n == 5,
	    "portal: DATA is written to the client, WROTE 5");
	preq(IMSG_TCP_PORTAL_SHUT, id, 0, NULL);
	check(readable_eof(c), "portal: SHUT: the client reads EOF");
	shutdown(c, SHUT_WR);
	check(ptake(IMSG_TCP_PORTAL_SHUT, &tp, TIMEOUT) == 0 && tp.id == id,
	    "portal: the client shuts its write side: SHUT");
	check(ptake(IMSG_TCP_PORTAL_DOWN, &tp, TIMEOUT) == 0 && tp.id == id &&
	    tp.n == 0 && strcmp(tp.why, "closed both ways") == 0,
	    "portal: read and written to the end: DOWN, closed both ways");
	close(c);

	/* A reset (SO_LINGER 0) is DOWN with abort. */
	c = tcp_client(AF_INET, inlet1);
	check(ptake(IMSG_TCP_PORTAL_UP, &tp, TIMEOUT) == 0, "portal: UP again");
	id = tp.id;
	preq(IMSG_TCP_PORTAL_CREDIT, id, 1000, NULL);
	{
		struct linger	 l = { 1, 0 };

		setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(c);
	check(ptake(IMSG_TCP_PORTAL_DOWN, &tp, TIMEOUT) == 0 && tp.id == id &&
	    tp.n == 1, "portal: a client that resets: DOWN, abort");
}

static void
portal_outlet_side(void)
{
	struct tcp_portal	 tp;
	unsigned char		 buf[200];
	char			 peer[TCP_PEER_MAX];
	uint16_t		 tport = 0;
	int			 ls, t;

	ls = tcp_server(AF_INET, &tport, 1, 0);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", tport);
	preq(IMSG_TCP_PORTAL_OPEN, OURS, 0, peer);
	t = accept_within(ls, TIMEOUT);
	check(t != -1 && ptake(IMSG_TCP_PORTAL_UP, &tp, TIMEOUT) == 0 &&
	    tp.id == OURS && tp.inlet == 0,
	    "portal: OPEN connects to the target, UP with routed's id");
	preq(IMSG_TCP_PORTAL_CREDIT, OURS, 100, NULL);
	check(writeall(t, "xyz", 3) == 0 && dtake(OURS, buf, TIMEOUT) == 3 &&
	    memcmp(buf, "xyz", 3) == 0, "portal: the target's bytes come");
	pdata(OURS, "abc", 3);
	preq(IMSG_TCP_PORTAL_CLOSE, OURS, 0, NULL);
	check(readn(t, buf, 3) == 0 && memcmp(buf, "abc", 3) == 0 &&
	    readable_eof(t), "portal: CLOSE writes what is queued first");
	check(ptake(IMSG_TCP_PORTAL_DOWN, &tp, TIMEOUT) == 0 &&
	    tp.id == OURS && tp.n == 0, "portal: then DOWN");
	close(t);
	close(ls);

	preq(IMSG_TCP_PORTAL_OPEN, OURS + 1, 0, peer);
	check(ptake(IMSG_TCP_PORTAL_DOWN, &tp, TIMEOUT) == 0 &&
	    tp.id == OURS + 1 && tp.n == 1 && strstr(tp.why, "refused") !=
	    NULL, "portal: a target that refuses: DOWN, abort");
	preq(IMSG_TCP_PORTAL_CREDIT, 12345, 10, NULL);
	pdata(12345, "x", 1);
	check(take(IMSG_TCP_PORTAL_DOWN, NULL, NULL, 300) == NULL,
	    "portal: requests for an unknown socket are ignored");
}

void
scenario_portal(void)
{
	portal_inlet_side();
	portal_outlet_side();
}
