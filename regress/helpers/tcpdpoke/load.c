/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: tcpd under load: many connections and the limit, a peer
 * that does not read (noread, drain), a routed that does not read
 * (slowrouted).
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"
#include "util.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

#define NMANY		1000
#define CONN_LIMIT	1024	/* ockam-tcpd.8 */

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit");
	if (rl.rlim_cur < 2 * CONN_LIMIT + 64)
		errx(1, "only %llu descriptors",
		    (unsigned long long)rl.rlim_cur);
}

/*
 * Open n clients to listener 1 and wait for their UPs, a batch at a
 * time (fewer than the listen backlog: a full accept queue drops
 * SYNs, and the retries would take seconds), then send a heartbeat on
 * each.  How many came up.
 */
static int
open_many(int *fds, int n)
{
	struct ev	*e;
	long long	 end;
	uint32_t	 one = 1;
	int		 i, batch, ups = 0, want;

	for (i = 0; i < n; i += batch) {
		batch = n - i < 64 ? n - i : 64;
		for (want = 0; want < batch; want++)
			if ((fds[i + want] = nb_client(AF_INET, port1)) == -1)
				err(1, "client %d", i + want);
		end = now_ms() + 10000;
		while (want > 0 && now_ms() < end) {
			if ((e = take(IMSG_TCP_UP, m_listener, &one,
			    1000)) == NULL)
				continue;
			ups++;
			want--;
			ev_free(e);
		}
		/* A whole frame: not "silent", so never evicted. */
		for (want = 0; want < batch; want++)
			writeall(fds[i + want], heartbeat, 6);
	}
	pump(300);
	return (ups);
}

static int
close_many(int *fds, int n)
{
	long long	 end;
	int		 i, downs = 0;
	struct ev	*e;

	for (i = 0; i < n; i++)
		close(fds[i]);
	end = now_ms() + 30000;
	while (downs < n && now_ms() < end) {
		if ((e = take(IMSG_TCP_DOWN, NULL, NULL, 1000)) == NULL)
			continue;
		downs++;
		ev_free(e);
	}
	return (downs);
}

void
scenario_many(void)
{
	static int	 fds[CONN_LIMIT + 16];
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint32_t	 g, token = 5;
	int		 fg, i, base, n, eofs;

	raise_nofile();
	if ((fg = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	g = up_of(fg, 1);
	base = proc_fds();
	n = open_many(fds, NMANY);
	printf("many: %d of %d up, tcpd has %d descriptors (%d before)\n",
	    n, NMANY, proc_fds(), base);
	check(n == NMANY, "many: 1000 connections up");
	n = close_many(fds, NMANY);
	check(n == NMANY, "many: 1000 abandoned connections down");
	n = proc_fds();
	printf("many: tcpd has %d descriptors after\n", n);
	check(base == -1 || n == base, "many: every descriptor freed");
	writeall(fg, ka_echoer, ECHOER_LEN);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "many: tcpd still serves");

	/* Up to the limit (fg is one), then a few more. */
	n = open_many(fds, CONN_LIMIT - 1);
	check(n == CONN_LIMIT - 1, "limit: 1024 connections up");
	for (i = 0; i < 8; i++)
		fds[CONN_LIMIT - 1 + i] = tcp_client(AF_INET, port1);
	for (i = 0, eofs = 0; i < 8; i++)
		if (fds[CONN_LIMIT - 1 + i] != -1 &&
		    sees_eof(fds[CONN_LIMIT - 1 + i], TIMEOUT))
			eofs++;
	check(eofs == 8 && count(IMSG_TCP_UP, 300) == 0,
	    "limit: more are accepted and closed at once");
	for (i = 0; i < 8; i++)
		if (fds[CONN_LIMIT - 1 + i] != -1)
			close(fds[CONN_LIMIT - 1 + i]);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", free_port(AF_INET));
	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &token, TIMEOUT);
	check((tc = ev_conn(e)) != NULL &&
	    strstr(tc->why, "connection limit") != NULL,
	    "limit: no connection can be opened either (FAIL)");
	ev_free(e);
	writeall(fg, ka_echoer, ECHOER_LEN);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "limit: tcpd still serves the connections it has");
	n = close_many(fds, CONN_LIMIT - 1);
	check(n == CONN_LIMIT - 1, "limit: all down again");
	n = proc_fds();
	check(base == -1 || n == base, "limit: every descriptor freed");
	if ((fds[0] = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	check(up_of(fds[0], 1) != 0, "limit: new connections are taken "
	    "again");
	close(fds[0]);
	close(fg);
}

#define RSS_SLACK	(24 * 1024)	/* kB above the queue */
#define QUEUE_MAX	((1U << 20) + (16U << 20))	/* ockam-tcpd.8 */

/*
 * A peer that accepts and reads nothing (until drain says so).  SEND
 * 60000-byte messages until XOFF; noread goes on until tcpd closes the
 * connection at QUEUE_MAX (queue-high and 16 MiB), twice, and watches
 * tcpd's VmRSS; drain stops at XOFF, as routed does, and reads it all.
 */
void
scenario_noread(int drain)
{
	static unsigned char	 msg[TCP_FRAME_MAX], rb[65536];
	struct tcp_conn		*tc;
	struct ev		*e;
	char			 peer[TCP_PEER_MAX], what[128];
	uint64_t		 sent, got = 0;
	uint32_t		 id, token = 0;
	uint16_t		 sport = 0;
	long			 rss0, rss, rssmax;
	long long		 end;
	size_t			 len;
	ssize_t			 n;
	int			 ls, fs, round, xoff, xon, down;

	len = mkmsg(msg, 60000, 'q');
	if ((ls = tcp_server(AF_INET, &sport, 8, 4096)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	rss0 = proc_field("VmRSS");
	for (round = 1; round <= (drain ? 1 : 2); round++) {
		sent = 0;
		id = 0;
		xoff = down = 0;
		rssmax = 0;
		send_msg(peer, 0, ++token, msg, len);
		sent += len + 2;
		if ((fs = accept_within(ls, TIMEOUT)) == -1)
			err(1, "accept");
		if ((e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT)) != NULL)
			id = ev_conn(e)->conn;
		ev_free(e);

		while (sent < (64U << 20)) {
			send_msg(peer, 0, ++token, msg, len);
			sent += len + 2;
			pump(0);
			if ((e = take(IMSG_TCP_XOFF, m_id, &id, 0)) != NULL) {
				xoff = 1;
				ev_free(e);
				if (drain)
					break;
			}
			if ((rss = proc_field("VmRSS")) > rssmax)
				rssmax = rss;
			if ((e = take(IMSG_TCP_DOWN, m_id, &id, 0)) != NULL) {
				down = 1;
				tc = ev_conn(e);
				printf("down after %llu bytes sent: %s\n",
				    (unsigned long long)sent, tc->why);
				down = strstr(tc->why, "write queue reached") !=
				    NULL && sent >= QUEUE_MAX;
				ev_free(e);
				break;
			}
		}
		printf("round %d: sent %llu bytes; VmRSS %ld kB before, at "
		    "most %ld kB\n", round, (unsigned long long)sent, rss0,
		    rssmax);
		snprintf(what, sizeof(what), "noread %d: XOFF when the peer "
		    "does not read", round);
		check(xoff, what);
		if (drain)
			break;
		snprintf(what, sizeof(what), "noread %d: closed when its "
		    "queue reached 17 MiB", round);
		check(down, what);
		snprintf(what, sizeof(what), "noread %d: tcpd's memory stays "
		    "bounded (VmRSS + %ld kB)", round, rssmax - rss0);
		check(rssmax - rss0 < QUEUE_MAX / 1024 + RSS_SLACK, what);
		close(fs);
	}
	if (!drain) {
		check(count(IMSG_TCP_FAIL, 200) == 0,
		    "noread: no FAIL for a connection that was up");
		close(ls);
		return;
	}

	end = now_ms() + 30000;
	while (got < sent && now_ms() < end) {
		struct pollfd pfd = { fs, POLLIN, 0 };

		pump(0);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(fs, rb, sizeof(rb))) <= 0)
			break;
		got += n;
	}
	printf("drain: %llu of %llu bytes read\n", (unsigned long long)got,
	    (unsigned long long)sent);
	e = take(IMSG_TCP_XON, m_id, &id, TIMEOUT);
	xon = e != NULL;
	ev_free(e);
	check(got == sent, "drain: every byte arrives");
	check(xon, "drain: XON once the queue drained");
	close(fs);
	close(ls);
}

/*
 * Routed does not read: tcpd must stop reading sockets once 8 MiB wait
 * for routed, so a client's writes stall, and go on when routed reads.
 */
void
scenario_slowrouted(void)
{
	static unsigned char	 frame[2 + TCP_FRAME_MAX];
	struct pollfd		 pfd;
	uint64_t		 sent = 0;
	uint32_t		 a;
	long			 rss0, rss;
	size_t			 len, off = 0;
	ssize_t			 n;
	int			 fa, frames = 0, got = 0, stalled = 0;
	long long		 end;
	struct ev		*e;

	if ((fa = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	a = up_of(fa, 1);
	fd_nonblock(fa);
	len = mkmsg(frame + 2, plen_for(TCP_FRAME_MAX), 's');
	frame[0] = len >> 8;
	frame[1] = len & 0xff;
	len += 2;
	rss0 = proc_field("VmRSS");

	/* Write whole frames, without reading fd 3, until tcpd stops. */
	while (sent < (64U << 20)) {
		if ((n = write(fa, frame + off, len - off)) == -1) {
			if (errno != EAGAIN)
				err(1, "write");
			pfd.fd = fa;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 2000) == 0) {
				stalled = 1;
				break;
			}
			continue;
		}
		sent += n;
		if ((off += n) == len) {
			off = 0;
			frames++;
		}
	}
	rss = proc_field("VmRSS");
	printf("slowrouted: %llu bytes taken before the stall, VmRSS %ld kB "
	    "before, %ld kB after\n", (unsigned long long)sent, rss0, rss);
	check(stalled, "slowrouted: tcpd stops reading while routed lags");
	check(rss - rss0 < 8 * 1024 + RSS_SLACK,
	    "slowrouted: tcpd's memory stays bounded");

	/* Routed reads: every whole frame arrives, then the cut one. */
	end = now_ms() + 30000;
	while (now_ms() < end) {
		if (got == frames && off != 0) {
			if ((n = write(fa, frame + off, len - off)) > 0 &&
			    (off += n) == len) {
				off = 0;
				frames++;
			}
			pump(10);
		}
		if (got == frames && off == 0)
			break;
		if ((e = take(IMSG_TCP_RECV, m_id, &a, 100)) == NULL)
			continue;
		if (e->len == sizeof(struct tcp_msg) + len - 2)
			got++;
		ev_free(e);
	}
	printf("slowrouted: %d of %d frames arrived\n", got, frames);
	check(got == frames, "slowrouted: every frame arrives once routed "
	    "reads again");
	close(fa);
}
