/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: connections tcpd opens (refused, unknown names, localhost,
 * IPv6, the connect timeout) and its listener on ::1.
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

/* Send to peer; the server on ls gets the exact frame? */
static int
send_arrives(int ls, const char *peer, uint32_t token)
{
	unsigned char	 got[ECHOER_LEN];
	struct ev	*e;
	int		 fs, ok;

	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	fs = accept_within(ls, TIMEOUT);
	ok = fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0;
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	ok = ok && e != NULL;
	ev_free(e);
	if (fs != -1)
		close(fs);
	return (ok);
}

void
scenario_connect(void)
{
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint16_t	 sport = 0;
	long long	 t0;
	int		 ls, fds[4], i;

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", free_port(AF_INET));
	expect_fail(peer, 0, 1, "Connection refused",
	    "connect: a closed port fails (FAIL, refused)");
	expect_fail("nosuchhost.invalid:4000", 0, 2, "no address for "
	    "nosuchhost.invalid (tcpd resolves from /etc/hosts only)",
	    "connect: a name not in /etc/hosts fails (FAIL)");
	expect_fail("noport", 0, 3, "not a peer name",
	    "connect: a peer name without a port fails (FAIL)");
	expect_fail("127.0.0.1:99999", 0, 4, "not a peer name",
	    "connect: a port out of range fails (FAIL)");
	expect_fail("localhost:4000", 1, 5, "no CA for outgoing TLS",
	    "connect: TLS without a CA fails (FAIL)");

	if ((ls = tcp_server(AF_INET, &sport, 8, 0)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "localhost:%u", sport);
	check(send_arrives(ls, peer, 6), "connect: localhost works");
	close(ls);

	if (have_ipv6) {
		sport = 0;
		if ((ls = tcp_server(AF_INET6, &sport, 8, 0)) == -1)
			err(1, "server");
		snprintf(peer, sizeof(peer), "[::1]:%u", sport);
		check(send_arrives(ls, peer, 7), "connect: [::1] works");
		close(ls);
	} else
		printf("no IPv6 on loopback: IPv6 skipped\n");

	/* A full accept queue: the connection never completes. */
	sport = 0;
	if ((ls = tcp_server(AF_INET, &sport, 0, 0)) == -1)
		err(1, "server");
	for (i = 0; i < 4; i++)
		fds[i] = nb_client(AF_INET, sport);
	usleep(200 * 1000);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	t0 = now_ms();
	send_msg(peer, 0, 8, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &(uint32_t){ 8 }, 15000);
	t0 = now_ms() - t0;
	printf("connect timeout after %lld ms: %s\n", t0,
	    ev_conn(e) != NULL ? ev_conn(e)->why : "no FAIL");
	check(ev_conn(e) != NULL && strstr(ev_conn(e)->why, "timed out") !=
	    NULL && t0 >= 4500 && t0 < 8000,
	    "connect: a connection not made in 5 seconds fails (FAIL)");
	ev_free(e);
	for (i = 0; i < 4; i++)
		if (fds[i] != -1)
			close(fds[i]);
	close(ls);
}

void
scenario_ipv6_listener(uint16_t port6)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	int		 fc;

	if ((fc = tcp_client(AF_INET6, port6)) == -1) {
		check(0, "ipv6: a client reaches the listener on ::1");
		return;
	}
	snprintf(peer, sizeof(peer), "[::1]:%u", port_of(fc, 0));
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	check((tc = ev_conn(e)) != NULL && tc->listener == 2,
	    "ipv6: an accepted connection is named [::1]:PORT");
	if (tc != NULL) {
		writeall(fc, ka_echoer, ECHOER_LEN);
		check(recv_is(tc->conn, ka_echoer + 2, ECHOER_LEN - 2,
		    TIMEOUT), "ipv6: a frame arrives");
	}
	ev_free(e);
	close(fc);
}
