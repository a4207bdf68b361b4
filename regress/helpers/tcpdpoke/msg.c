/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: messages to and from tcpd as routed makes and reads them.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "privsep.h"
#include "route.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

/*
 * A TransportMessage to echoer from app with plen payload bytes, into
 * buf (room for 16 + 10 + plen).  Returns its length.
 */
size_t
mkmsg(unsigned char *buf, size_t plen, unsigned char fill)
{
	struct ibuf	*b;
	size_t		 len;

	if ((b = ibuf_open(64 + plen, 64 + plen)) == NULL)
		err(1, NULL);
	ibuf_add_u8(b, 1);
	ibuf_add_uvarint(b, 1);
	ibuf_add_u8(b, OCKAM_ADDR_LOCAL);
	ibuf_add_bare(b, "echoer", 6);
	ibuf_add_uvarint(b, 1);
	ibuf_add_u8(b, OCKAM_ADDR_LOCAL);
	ibuf_add_bare(b, "app", 3);
	ibuf_add_uvarint(b, plen);
	memset(ibuf_reserve(b, plen), fill, plen);
	if (ibuf_error(b))
		errx(1, "mkmsg");
	len = ibuf_size(b);
	memcpy(buf, ibuf_data(b), len);
	ibuf_free(b);
	return (len);
}

/* The payload length that makes a message of exactly len bytes. */
size_t
plen_for(size_t len)
{
	size_t	 p = len - 16;

	while (16 + uvarint_len(p) + p > len)
		p--;
	return (p);
}

void
send_msg(const char *peer, int tls, uint32_t token, const void *msg,
    size_t len)
{
	send_to(0, peer, tls, token, msg, len);
}

/* SEND to the accepted connection conn (0: to peer, by name). */
void
send_to(uint32_t conn, const char *peer, int tls, uint32_t token,
    const void *msg, size_t len)
{
	struct tcp_msg	 tm;
	struct iovec	 iov[2];

	memset(&tm, 0, sizeof(tm));
	tm.conn = conn;
	tm.token = token;
	tm.tls = tls;
	strlcpy(tm.peer, peer, sizeof(tm.peer));
	iov[0].iov_base = &tm;
	iov[0].iov_len = sizeof(tm);
	iov[1].iov_base = (void *)msg;
	iov[1].iov_len = len;
	child_sendv(IMSG_TCP_SEND, 0, iov, 2);
}

void
send_close(uint32_t id)
{
	struct tcp_conn	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.conn = id;
	child_send(IMSG_TCP_CLOSE, 0, &tc, sizeof(tc));
}

/* Is the next RECV for conn exactly body? */
int
recv_is(uint32_t conn, const void *body, size_t len, int ms)
{
	struct ev	*e;
	int		 ok;

	e = take(IMSG_TCP_RECV, m_id, &conn, ms);
	ok = e != NULL && e->len == sizeof(struct tcp_msg) + len &&
	    memcmp(e->data + sizeof(struct tcp_msg), body, len) == 0;
	if (e != NULL && !ok)
		printf("RECV for %u: %zu bytes, expected %zu\n", conn,
		    e->len - sizeof(struct tcp_msg), len);
	ev_free(e);
	return (ok);
}

/* The UP of the connection whose peer is 127.0.0.1:(local port of fd). */
uint32_t
up_of(int fd, uint32_t listener)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint32_t	 id = 0;

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port_of(fd, 0));
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->listener == listener &&
	    tc->tls == 0)
		id = tc->conn;
	ev_free(e);
	return (id);
}

void
expect_fail(const char *peer, int tls, uint32_t token, const char *want,
    const char *what)
{
	struct tcp_conn	*tc;
	struct ev	*e;

	send_msg(peer, tls, token, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &token, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strstr(tc->why, want) != NULL &&
	    strcmp(tc->peer, peer) == 0, what);
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);
}
