/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: the names scenario.  An accepted connection is reached by
 * its id alone: a SEND by the name of its remote address dials that
 * address (it never reaches the accepted connection), a name of the
 * accepted form is never dialled, a SEND by id to one that closed
 * fails without a dial; and ids that wrap skip one still in use.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

/* Nothing arrives on fd within ms? */
static int
quiet(int fd, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, ms) == 0);
}

/* A FAIL for token whose reason has want in it. */
static int
fails(uint32_t token, const char *want)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	int		 ok;

	e = take(IMSG_TCP_FAIL, m_token, &token, TIMEOUT);
	ok = (tc = ev_conn(e)) != NULL && strstr(tc->why, want) != NULL;
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);
	return (ok);
}

static void
names_attack(int fa, uint32_t a)
{
	char		 peer[TCP_PEER_MAX];
	uint16_t	 port = port_of(fa, 0);
	int		 ls;

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port);
	send_msg(peer, 0, 101, ka_echoer + 2, ECHOER_LEN - 2);
	check(fails(101, "refused") && quiet(fa, 300),
	    "names: a SEND to an accepted peer's address dials it, the "
	    "accepted connection gets nothing");
	send_msg("@1.0123456789abcdef", 0, 102, ka_echoer + 2,
	    ECHOER_LEN - 2);
	check(fails(102, "never dialled"),
	    "names: a name of the accepted form is never dialled");
	snprintf(peer, sizeof(peer), "@%u.0", a);
	send_to(a, peer, 1, 103, ka_echoer + 2, ECHOER_LEN - 2);
	check(fails(103, "is closed") && quiet(fa, 100),
	    "names: a SEND by id with the wrong TLS flag fails");

	/* Closed: by id it fails, and its old port is not dialled. */
	close(fa);
	ev_free(take(IMSG_TCP_DOWN, m_id, &a, TIMEOUT));
	ls = tcp_server(AF_INET, &port, 8, 0);
	send_to(a, peer, 0, 104, ka_echoer + 2, ECHOER_LEN - 2);
	check(fails(104, "is closed") && (ls == -1 ||
	    accept_within(ls, 300) == -1),
	    "names: a SEND by id to a closed connection fails, no dial "
	    "to its old address");
	if (ls != -1)
		close(ls);
}

/* Ids wrap past UINT32_MAX and skip the one a live connection has. */
static void
names_wrap(int fa, uint32_t a)
{
	unsigned char	 got[ECHOER_LEN];
	char		 peer[TCP_PEER_MAX];
	uint32_t	 last = UINT32_MAX - 1, b, c;
	int		 fb, fc;

	child_send(IMSG_REGRESS_CONNID, 0, &last, sizeof(last));
	if ((fb = tcp_client(AF_INET, port1)) == -1 ||
	    (fc = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	b = up_of(fb, 1);
	c = up_of(fc, 1);
	printf("ids: %u, then %u and %u\n", a, b, c);
	check(b == UINT32_MAX && c != 0 && c != a && c != b,
	    "wrap: ids go on past UINT32_MAX, skipping 0 and live ones");
	snprintf(peer, sizeof(peer), "@%u.0", c);
	send_to(c, peer, 0, 201, ka_echoer + 2, ECHOER_LEN - 2);
	writeall(fa, ka_echoer, ECHOER_LEN);
	check(readn(fc, got, ECHOER_LEN) == 0 && quiet(fa, 100) &&
	    recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "wrap: each connection keeps its own id");
	close(fb);
	close(fc);
}

void
scenario_names(void)
{
	uint32_t	 a;
	int		 fa;

	if ((fa = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	a = up_of(fa, 1);
	names_wrap(fa, a);
	names_attack(fa, a);
}
