/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: the frames scenario (frames in and out, heartbeats,
 * connection reuse, CLOSE, DOWN with totals) and the bad one (bad
 * frames, each closing its own connection only).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

/* Frames in and out, reuse, heartbeats, CLOSE, DOWN with totals. */
void
scenario_frames(void)
{
	static unsigned char	 big[TCP_FRAME_MAX + 2], msg[TCP_FRAME_MAX + 2];
	struct tcp_conn		*tc;
	struct ev		*e;
	unsigned char		 buf[3 * ECHOER_LEN], got[ECHOER_LEN];
	char			 peer[TCP_PEER_MAX];
	uint64_t		 sent = 0;
	uint32_t		 a, out, token;
	uint16_t		 sport = 0;
	size_t			 i, len;
	int			 fa, ls, fs;

	if ((fa = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	a = up_of(fa, 1);
	check(a != 0, "up: an accepted connection, with its peer name");

	writeall(fa, ka_echoer, ECHOER_LEN);
	sent += ECHOER_LEN;
	e = take(IMSG_TCP_RECV, m_id, &a, TIMEOUT);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port_of(fa, 0));
	check(ev_msg(e) != NULL && ev_msg(e)->listener == 1 &&
	    strcmp(ev_msg(e)->peer, peer) == 0 && ev_msg(e)->tls == 0 &&
	    e->len == sizeof(struct tcp_msg) + ECHOER_LEN - 2 &&
	    memcmp(e->data + sizeof(struct tcp_msg), ka_echoer + 2,
	    ECHOER_LEN - 2) == 0, "recv: a frame from a client reaches "
	    "routed with its peer");
	ev_free(e);

	memcpy(buf, heartbeat, 6);
	memcpy(buf + 6, ka_echoer, ECHOER_LEN);
	writeall(fa, buf, 6 + ECHOER_LEN);
	sent += 6 + ECHOER_LEN;
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    count(IMSG_TCP_RECV, 200) == 0, "heartbeat: dropped");

	for (i = 0; i < ECHOER_LEN; i++) {
		writeall(fa, ka_echoer + i, 1);
		usleep(2000);
	}
	sent += ECHOER_LEN;
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: a frame sent byte by byte");

	for (i = 0; i < 3; i++)
		memcpy(buf + i * ECHOER_LEN, ka_echoer, ECHOER_LEN);
	writeall(fa, buf, sizeof(buf));
	sent += sizeof(buf);
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: three frames in one write");

	len = mkmsg(big + 2, plen_for(TCP_FRAME_MAX), 'x');
	big[0] = len >> 8;
	big[1] = len & 0xff;
	writeall(fa, big, len + 2);
	sent += len + 2;
	check(len == TCP_FRAME_MAX && recv_is(a, big + 2, len, TIMEOUT),
	    "recv: a frame of exactly 65535 bytes");

	/* Out: to a plain TCP server of ours. */
	if ((ls = tcp_server(AF_INET, &sport, 8, 0)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	token = 1;
	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	fs = accept_within(ls, TIMEOUT);
	check(fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0,
	    "send: the peer gets the exact frame bytes");
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && tc->listener == 0 && tc->tls == 0,
	    "up: an opened connection, named as routed asked");
	out = tc != NULL ? tc->conn : 0;
	ev_free(e);

	send_msg(peer, 0, ++token, ka_echoer + 2, ECHOER_LEN - 2);
	check(fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0 &&
	    accept_within(ls, 300) == -1 && count(IMSG_TCP_UP, 0) == 0,
	    "send: the connection is reused");

	writeall(fs, ka_echoer, ECHOER_LEN);
	check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: a reply on the opened connection");

	snprintf(peer, sizeof(peer), "@%u.0", a);
	send_to(a, peer, 0, ++token, ka_echoer + 2, ECHOER_LEN - 2);
	check(readn(fa, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0,
	    "send: to an accepted connection by its id");

	memset(msg, 0, sizeof(msg));
	send_to(a, peer, 0, 77, msg, TCP_FRAME_MAX + 1);
	e = take(IMSG_TCP_FAIL, m_token, &(uint32_t){ 77 }, TIMEOUT);
	check((tc = ev_conn(e)) != NULL && strstr(tc->why, "does not fit") !=
	    NULL, "send: a message too large for a frame fails (FAIL)");
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);

	send_close(out);
	e = take(IMSG_TCP_DOWN, m_id, &out, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strcmp(tc->why, "closed by routed") == 0 &&
	    tc->tx_bytes == 2 * ECHOER_LEN && tc->rx_bytes == ECHOER_LEN &&
	    sees_eof(fs, TIMEOUT), "close: DOWN with the totals, the peer "
	    "sees EOF");
	ev_free(e);

	close(fa);
	e = take(IMSG_TCP_DOWN, m_id, &a, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strcmp(tc->why, "closed by the peer") == 0 &&
	    tc->rx_bytes == sent && tc->tx_bytes == ECHOER_LEN,
	    "down: the peer closed, with the totals");
	if (tc != NULL)
		printf("down: %s, %llu in, %llu out\n", tc->why,
		    (unsigned long long)tc->rx_bytes,
		    (unsigned long long)tc->tx_bytes);
	ev_free(e);
	close(fs);
	close(ls);
}

struct badframe {
	const char	*name;
	const char	*why;		/* in DOWN */
	size_t		 len;
	int		 how;		/* 0 stay, 1 shutdown, 2 reset */
	unsigned char	 bytes[64];
};

static const struct badframe badframes[] = {
	{ "length 0", "bad frame: frame of length 0", 2, 0, "\x00\x00" },
	{ "truncated message", "bad frame: truncated", 7, 0,
	    "\x00\x05\x01\x01\x00\x06" "e" },
	{ "bad version", "bad frame: unsupported version", 6, 0,
	    "\x00\x04\x02\x00\x00\x00" },
	{ "bad varint", "bad frame: truncated", 15, 0,
	    "\x00\x0d\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02\x00\x00" },
	{ "trailing bytes", "bad frame: trailing bytes", 8, 0,
	    "\x00\x06\x01\x00\x00\x00\x05\x05" },
	{ "address too long for its frame", "bad frame: truncated", 9, 0,
	    "\x00\x07\x01\x01\x00\xff\x01xx" },
	{ "length beyond what arrives, then close", "closed by the peer in "
	    "the middle of a frame (12 of 65537 bytes)", 12, 1,
	    "\xff\xff\x01\x01\x00\x06" "echoer" },
	{ "half a length, then close", "closed by the peer in the middle "
	    "of a frame's length (1 byte)", 1, 1, "\x00" },
	{ "reset mid-frame", "in the middle of a frame (12 of 65537 bytes)",
	    12, 2, "\xff\xff\x01\x01\x00\x06" "echoer" },
};

static void
bad_one(int fg, uint32_t g, const unsigned char *bytes, size_t len,
    int how, const char *name, const char *want)
{
	struct tcp_conn	*tc;
	struct linger	 lg = { 1, 0 };
	struct ev	*e;
	char		 what[256];
	uint32_t	 b;
	int		 fb, eof = 1;

	if ((fb = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	b = up_of(fb, 1);
	writeall(fb, bytes, len);
	if (how == 1)
		shutdown(fb, SHUT_WR);
	else if (how == 2) {
		usleep(100 * 1000);	/* let the bytes arrive first */
		setsockopt(fb, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fb);
		fb = -1;
	}
	e = take(IMSG_TCP_DOWN, m_id, &b, TIMEOUT);
	tc = ev_conn(e);
	if (fb != -1)
		eof = sees_eof(fb, TIMEOUT);
	snprintf(what, sizeof(what), "bad: %s closes that connection",
	    name);
	check(b != 0 && tc != NULL && strstr(tc->why, want) != NULL && eof,
	    what);
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);
	writeall(fg, ka_echoer, ECHOER_LEN);
	snprintf(what, sizeof(what), "bad: %s, another connection works",
	    name);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    count(IMSG_TCP_RECV, 0) == 0, what);
	if (fb != -1)
		close(fb);
}

void
scenario_bad(void)
{
	static unsigned char	 route[2 + 1 + 1 + 33 * 3 + 2];
	size_t			 i, n;
	uint32_t		 g;
	int			 fg;

	if ((fg = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	g = up_of(fg, 1);
	for (i = 0; i < sizeof(badframes) / sizeof(badframes[0]); i++)
		bad_one(fg, g, badframes[i].bytes, badframes[i].len,
		    badframes[i].how, badframes[i].name, badframes[i].why);

	/* 33 addresses: one more than a route may have. */
	n = 2;
	route[n++] = 1;
	route[n++] = 33;
	for (i = 0; i < 33; i++) {
		route[n++] = 0;
		route[n++] = 1;
		route[n++] = 'a' + i % 26;
	}
	route[n++] = 0;
	route[n++] = 0;
	route[0] = (n - 2) >> 8;
	route[1] = (n - 2) & 0xff;
	bad_one(fg, g, route, n, 0, "a route of 33 addresses",
	    "bad frame: route too long");
	close(fg);
}
