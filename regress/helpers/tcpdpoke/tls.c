/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: TLS listeners and outgoing TLS through tcpd, verified
 * against the CA in dir.
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

/* TLS both ways through tcpd itself, verified against the CA. */
void
scenario_tls(uint16_t p2, uint16_t p3, uint16_t p4)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX], back[TCP_PEER_MAX];
	uint32_t	 out = 0, in = 0, two = 2;
	int		 fc, ups, downs;

	snprintf(peer, sizeof(peer), "localhost:%u", p2);
	send_msg(peer, 1, 21, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->listener == 0 && tc->tls == 1)
		out = tc->conn;
	ev_free(e);
	e = take(IMSG_TCP_UP, m_listener, &two, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->tls == 1) {
		in = tc->conn;
		strlcpy(back, tc->peer, sizeof(back));
	}
	ev_free(e);
	check(out != 0 && in != 0, "tls: UP on both sides, TLS");
	e = take(IMSG_TCP_RECV, m_id, &in, TIMEOUT);
	check(ev_msg(e) != NULL && ev_msg(e)->tls == 1 &&
	    ev_msg(e)->listener == 2 &&
	    e->len == sizeof(struct tcp_msg) + ECHOER_LEN - 2 &&
	    memcmp(e->data + sizeof(struct tcp_msg), ka_echoer + 2,
	    ECHOER_LEN - 2) == 0,
	    "tls: a message through tcpd's own TLS client and listener");
	ev_free(e);
	if (in != 0) {
		send_to(in, back, 1, 22, ka_echoer + 2, ECHOER_LEN - 2);
		check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
		    "tls: the reply comes back on the opened connection");
	}

	snprintf(peer, sizeof(peer), "localhost:%u", p3);
	expect_fail(peer, 1, 23, "TLS handshake",
	    "tls: a certificate for another name is refused (FAIL)");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", p2);
	expect_fail(peer, 1, 24, "TLS handshake",
	    "tls: an address the certificate does not name is refused");
	snprintf(peer, sizeof(peer), "localhost:%u", p4);
	expect_fail(peer, 1, 26, "TLS handshake",
	    "tls: a certificate from another CA is refused");
	/*
	 * The listening side may finish its handshake before the client
	 * checks the name (libtls does that last): it comes UP, then goes
	 * DOWN when the client gives up, and nothing gets through.
	 */
	ups = count(IMSG_TCP_UP, 500);
	downs = count(IMSG_TCP_DOWN, 0);
	check(ups == downs && count(IMSG_TCP_RECV, 0) == 0 &&
	    count(IMSG_TCP_FAIL, 0) == 0, "tls: the listening side of a "
	    "refused handshake is closed, nothing gets through");
	printf("refused handshakes: %d UP, %d DOWN on the listening side\n",
	    ups, downs);
	flush_events();

	/* A plain client on a TLS listener: closed, nothing else. */
	if ((fc = tcp_client(AF_INET, p2)) == -1)
		err(1, "connect to tcpd");
	writeall(fc, ka_echoer, ECHOER_LEN);
	check(sees_eof(fc, TIMEOUT) && count(IMSG_TCP_UP, 300) == 0 &&
	    count(IMSG_TCP_RECV, 0) == 0,
	    "tls: a plain client on a TLS listener is closed, no UP");
	close(fc);
	send_to(in, back, 1, 25, ka_echoer + 2, ECHOER_LEN - 2);
	check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "tls: the TLS connection still works");
	send_close(out);
	e = take(IMSG_TCP_DOWN, m_id, &out, TIMEOUT);
	check(e != NULL, "tls: CLOSE");
	ev_free(e);
	e = take(IMSG_TCP_DOWN, m_id, &in, TIMEOUT);
	check(e != NULL, "tls: the other side sees it closed (DOWN)");
	ev_free(e);
}
