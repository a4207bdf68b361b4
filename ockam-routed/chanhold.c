/* SPDX-License-Identifier: ISC */
/*
 * What reaches a secure channel while its vault works (handshake.c:
 * hs_wait) waits with the handshake, in order: a peer that sends right
 * after message 3 sends into a channel the responder has not opened
 * yet.  A legitimate peer's messages are not dropped for that: up to
 * SC_HELD_MAX wait (a handshake message and a replay window of data,
 * which is all the channel could accept in any order), and from
 * SC_HELD_XOFF on, the TCP connection they come on is not read
 * (IMSG_TCP_STOPREAD) until the vault has answered and what waited has
 * been handled; tcpd then reads it again.  Only what a peer sends
 * beyond a replay window while its connection is already stopped (what
 * was in flight) is dropped.
 */
#include <sys/types.h>

#include "channel.h"
#include "log.h"

/* May m wait with c?  0: yes; -1: no, m was dropped. */
int
chanhold_put(struct channel *c, struct message *m)
{
	if (c->hs->nheld >= SC_HELD_MAX) {
		router_drop(m, "secure channel %s: %d messages wait for the "
		    "handshake already", c->enc, c->hs->nheld);
		return (-1);
	}
	if (c->hs->nheld + 1 >= SC_HELD_XOFF && c->hs->xoff_conn == 0 &&
	    m->src_kind == FLOW_TCP) {
		log_debug("secure channel %s: %d messages wait for the vault: "
		    "connection %u is not read meanwhile", c->enc,
		    c->hs->nheld + 1, m->src);
		c->hs->xoff_conn = m->src;
		tcp_read_stop(c->hs->xoff_conn, 1);
	}
	return (0);
}

/* Nothing waits with c any more (or c goes): read its connection. */
void
chanhold_drained(struct channel *c)
{
	if (c->hs == NULL || c->hs->xoff_conn == 0)
		return;
	tcp_read_stop(c->hs->xoff_conn, 0);
	c->hs->xoff_conn = 0;
}
