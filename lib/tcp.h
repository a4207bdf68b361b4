/* SPDX-License-Identifier: ISC */
/*
 * What ockam-routed and ockam-tcpd say to each other (doc/design.md 3.3, 4).
 * routed never touches the network; tcpd never sees a private key and
 * reaches no file after start-up.  Every message below has an exact
 * size or a fixed part followed by an encoded TransportMessage, which
 * the receiver checks in full.
 *
 * Start-up (between CONF_PRIV and CONF_DONE, before tcpd's sandbox):
 *	IMSG_TCP_LISTEN		routed -> tcpd: struct tcp_listen
 *				(tcpd binds it as root; failing is fatal)
 *	IMSG_TCP_RUNBIND	routed -> tcpd, once, empty: tcpd may bind
 *				listeners and inlets at run time (its
 *				sandbox lets bind() through); without it,
 *				("listen static") a LISTEN or INLET at run
 *				time is fatal
 *	IMSG_TCP_TLSCONF	routed -> tcpd: struct tcp_tlsconf
 *	IMSG_TCP_LIMITS		routed -> tcpd: uint32_t[LIMIT_MAX], the
 *				bounds of limit.h, each in its range (once;
 *				without it tcpd keeps the defaults)
 *
 * Running:
 *	IMSG_TCP_SEND		routed -> tcpd: struct tcp_msg, then the
 *				message as it goes on the wire (the TCP hop
 *				already removed from its onward route).  With
 *				conn 0: to the connection tcpd opened with
 *				that peer name, opening one when there is
 *				none.  With conn set: to that connection,
 *				which a listener accepted, or FAIL if it is
 *				gone; peer is then for FAIL only.
 *	IMSG_TCP_RECV		tcpd -> routed: struct tcp_msg, then a frame
 *				tcpd has decoded and checked; routed
 *				prepends the peer's address to its return
 *				route.  Heartbeats (empty onward routes) are
 *				dropped by tcpd.
 *	IMSG_TCP_UP		tcpd -> routed: struct tcp_conn, a new
 *				connection (accepted or opened)
 *	IMSG_TCP_DOWN		tcpd -> routed: struct tcp_conn, gone; why
 *				says why
 *	IMSG_TCP_FAIL		tcpd -> routed: struct tcp_msg with token: a
 *				message routed sent could not go out (no
 *				connection could be made); why in tcp_conn
 *				form: struct tcp_conn
 *	IMSG_TCP_XOFF, XON	tcpd -> routed: struct tcp_conn: the peer
 *				stopped reading / reads again; routed holds
 *				(a bounded number of) messages for it
 *	IMSG_TCP_CLOSE		routed -> tcpd: struct tcp_conn (by id)
 *	IMSG_TCP_STOPREAD, READ	routed -> tcpd: struct tcp_conn (by id):
 *				stop reading that connection / read it
 *				again (a secure channel holds what came on
 *				it while its vault works); an unknown id is
 *				ignored (the connection may be gone)
 *	IMSG_TCP_CUT		routed -> tcpd: struct tcp_cut: a frame on
 *				accepted connection src whose first onward
 *				address is head (dst's name in routes) may go
 *				to dst at once, as routed would send it: head
 *				off, src's name first in the return route
 *				(a hub's straight path to a forwarder's
 *				client, and its replies: cut.c); tcpd keeps
 *				it while both are up, unless dst does not
 *				read; an unknown id is ignored
 *	IMSG_TCP_UNCUT		routed -> tcpd: struct tcp_conn (by id): no
 *				more cut-through from or to it
 *
 *	IMSG_TCP_LISTEN, INLET	routed -> tcpd, at run time with RUNBIND:
 *				struct tcp_listen, plain TCP only (the TLS
 *				files are read at start-up alone), an id
 *				not in use; tcpd binds it unprivileged and
 *				answers BOUND
 *	IMSG_TCP_BOUND		tcpd -> routed: struct tcp_bound: error 0
 *				and the name bound (its port, if 0 was
 *				asked), or the errno of the step that failed
 *	IMSG_TCP_UNLISTEN	routed -> tcpd: struct tcp_bound (id,
 *				inlet): close that listener or inlet; what
 *				it accepted stays up.  An unknown id is fatal
 *
 * Peer names are the text of a TCP address: "A.B.C.D:PORT",
 * "[IPv6]:PORT" or "HOST:PORT".  For a connection tcpd opened it is the
 * name routed asked for; for an accepted one, the remote address, which
 * is shown and never used to send: accepted connections are addressed
 * by id alone.  Routes name an accepted connection "@ID.TAG" (TAG: 16
 * random hex digits of routed's), which is not HOST:PORT; tcpd never
 * dials a name that starts with TCP_ACCEPTED_MARK.
 *
 * TCP portals (doc/design.md 6): raw sockets, no framing, each a
 * portal connection of routed's; ids are tcpd's for accepted ones and
 * routed's (TCP_PORTAL_OURS set) for those it asks tcpd to open.
 *	IMSG_TCP_INLET		routed -> tcpd, start-up: struct tcp_listen
 *				(tls 0, no certificate): a portal inlet,
 *				bound before the sandbox like a listener
 *	IMSG_TCP_PORTAL_OPEN	routed -> tcpd: struct tcp_portal (id,
 *				peer): connect to an outlet's target
 *	IMSG_TCP_PORTAL_UP	tcpd -> routed: struct tcp_portal: accepted
 *				on inlet, or OPEN's connection is up (inlet
 *				0).  Not read before routed gives it credit
 *	IMSG_TCP_PORTAL_DATA	both ways: uint32_t id, then 1 to
 *				TCP_PORTAL_DATA_MAX bytes: read from, or to
 *				write to, that socket
 *	IMSG_TCP_PORTAL_CREDIT	routed -> tcpd: struct tcp_portal (n): tcpd
 *				may read n more bytes of it
 *	IMSG_TCP_PORTAL_WROTE	tcpd -> routed: struct tcp_portal (n): n
 *				bytes of DATA went out on the socket
 *	IMSG_TCP_PORTAL_SHUT	tcpd -> routed: struct tcp_portal: the peer
 *				shut its write side (EOF); routed -> tcpd:
 *				shut ours once the queue is written
 *	IMSG_TCP_PORTAL_CLOSE	routed -> tcpd: struct tcp_portal: close,
 *				after writing what is queued (n 0, a few
 *				seconds at most) or at once (n 1)
 *	IMSG_TCP_PORTAL_DOWN	tcpd -> routed: struct tcp_portal: closed
 *				(why; n 1 for an error or a reset); its id
 *				may be used again after this
 * An unknown id in DATA, CREDIT, SHUT or CLOSE is ignored (the socket
 * may have gone meanwhile); an OPEN id in use is fatal.
 */
#ifndef OCKAM_TCP_H
#define OCKAM_TCP_H

#include <limits.h>
#include <stdint.h>

#include "route.h"

#define TCP_PEER_MAX		(OCKAM_ADDR_MAX + 1)
#define TCP_WHY_MAX		128
#define TCP_FRAME_MAX		65535	/* u16 big-endian length prefix */
#define TCP_ACCEPTED_MARK	'@'	/* "@ID.TAG": an accepted connection */

/* OCKAM_ADDR_TLS (route.h) names a TLS connection: ockam-c's own. */

struct tcp_listen {
	uint32_t	 id;		/* 1..: names the listener in RECV */
	uint8_t		 tls;
	uint8_t		 family;	/* 4 or 6 */
	uint16_t	 port;
	char		 addr[64];	/* numeric */
	char		 cert[PATH_MAX];	/* tls: PEM files */
	char		 key[PATH_MAX];
};

struct tcp_bound {
	uint32_t	 id;
	uint8_t		 inlet;		/* 1: a portal inlet's id */
	uint8_t		 pad[3];
	int32_t		 error;		/* 0, or an errno */
	char		 name[TCP_PEER_MAX];	/* BOUND: bound to */
};

struct tcp_tlsconf {
	char		 ca[PATH_MAX];	/* CA file for outgoing TLS */
};

struct tcp_msg {
	uint32_t	 conn;		/* RECV; SEND: 0 or an accepted one */
	uint32_t	 listener;	/* RECV: 0 for one tcpd opened */
	uint32_t	 token;		/* SEND: echoed in FAIL */
	uint8_t		 tls;		/* SEND: open it with TLS */
	char		 peer[TCP_PEER_MAX];
};

struct tcp_cut {
	uint32_t	 src;		/* accepted connections */
	uint32_t	 dst;
	uint8_t		 type;		/* OCKAM_ADDR_TCP or _TLS: src's */
	uint8_t		 htype;		/* and dst's, in head */
	char		 head[TCP_PEER_MAX];	/* dst's name, "@ID.TAG" */
	char		 name[TCP_PEER_MAX];	/* src's */
};

struct tcp_conn {
	uint32_t	 conn;
	uint32_t	 listener;	/* 0: tcpd opened it */
	uint32_t	 token;		/* FAIL: the message's token */
	uint8_t		 tls;
	char		 peer[TCP_PEER_MAX];
	char		 why[TCP_WHY_MAX];
	uint64_t	 rx_bytes;	/* DOWN: totals */
	uint64_t	 tx_bytes;
};

#define TCP_PORTAL_DATA_MAX	(48 * 1024)	/* portal.h's PORTAL_DATA_MAX */
#define TCP_PORTAL_OURS		0x80000000U	/* ids routed gives OPEN */
#define TCP_PORTAL_CREDIT_MAX	(1U << 30)	/* unread credit, at most */

struct tcp_portal {
	uint32_t	 id;
	uint32_t	 inlet;		/* UP: the inlet's id, 0: OPEN's */
	uint32_t	 n;		/* CREDIT, WROTE; CLOSE, DOWN: 1 abort */
	char		 peer[TCP_PEER_MAX];	/* OPEN: the target; UP */
	char		 why[TCP_WHY_MAX];	/* DOWN */
};

#endif /* OCKAM_TCP_H */
