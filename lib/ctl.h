/* SPDX-License-Identifier: ISC */
/*
 * The control protocol between ockamctl (or any lib client) and
 * ockam-routed: imsg framing over the control socket.  The imsg peerid
 * carries the client's request id, echoed in the reply.
 *
 * Payloads (BARE where variable):
 *	CTL_RESULT	u32 status (0 ok), string message
 *	CTL_END		empty: a listing is complete
 *	CTL_SEND	u32 flags, then an encoded TransportMessage
 *	CTL_DELIVER	string peer identifier (empty unless it came out
 *			of a secure channel), then an encoded
 *			TransportMessage for a worker the client registered
 *	CTL_WORKER_ADD	string address (empty: routed picks a random one);
 *			answered by CTL_RESULT with the address
 *	CTL_WORKER_DEL	string address
 *	CTL_SHOW_WORKERS empty; answered by CTL_WORKER_INFO..., CTL_END
 *	CTL_WORKER_INFO	string kind, string address, string detail
 *	CTL_VERBOSE	u32 level
 *	CTL_IDENTITY_CREATE string name; answered by CTL_RESULT with the
 *			identifier
 *	CTL_IDENTITY_SHOW string name (empty: all); answered by
 *			CTL_IDENTITY_INFO (string name, string identifier)...,
 *			CTL_END
 *	CTL_SC_CREATE	string identity (empty: the first one), u32 timeout
 *			seconds (0: default), u32 flags (CTL_SC_TRUST_ANY,
 *			CTL_SC_PIN), u32 count, count strings (the trusted
 *			identifiers; none: the configuration's, or the pin),
 *			then an encoded route to the listener; answered, once
 *			the responder confirmed, by CTL_RESULT with the
 *			channel's route (/service/ENCRYPTOR) or why it failed
 *	CTL_SC_DELETE	string encryptor address
 *	CTL_SC_UNPIN	an encoded route; answered by CTL_RESULT with the
 *			identifier that was pinned for it, or why not
 *	CTL_SHOW_CHANNELS empty; answered by CTL_CHANNEL_INFO (strings:
 *			encryptor, decryptor, role, state, peer identifier,
 *			identity, remote route, counters)..., CTL_END
 *	CTL_SHOW_CONNECTIONS empty; answered by CTL_CONNECTION_INFO (u32 id,
 *			strings: peer, direction, state)..., CTL_END
 *	CTL_TCP_DELETE	string peer name or connection id
 *	CTL_SHOW_LISTENERS empty; answered by CTL_LISTENER_INFO (strings:
 *			kind, address, consumers)..., CTL_END
 *	CTL_RELAY_CREATE string hub (multiaddr text: one TCP or TLS hop),
 *			string alias (empty: forwarding_service), string to
 *			(empty: none), string identity (empty: the first),
 *			u32 heartbeat seconds (0: default), u32 flags
 *			(CTL_SC_*), u32 count, count strings (identifiers
 *			trusted for the hub); answered, once the hub has
 *			registered it, by CTL_RESULT with the forwarding route
 *			(multiaddr text) or why it failed
 *	CTL_RELAY_DELETE string: its address on this node or its alias
 *	CTL_SHOW_RELAYS	empty; answered by CTL_RELAY_INFO (strings: side
 *			"hub" or "client", address, state, remote address,
 *			route, since, detail)..., CTL_END
 *	CTL_SHOW_STREAMS empty; answered by CTL_STREAM_INFO (strings: name,
 *			worker, backend; u64 host order: messages, first
 *			index, next index, bytes)..., CTL_END
 *	CTL_SHOW_PORTALS empty; answered by CTL_PORTAL_INFO (strings:
 *			side "inlet" or "outlet", worker, state, where
 *			(inlet ADDR:PORT, or outlet NAME to TARGET), the far
 *			worker's route, age, detail)..., CTL_END
 *	CTL_STREAM_CLIENT_CREATE string hub route (multiaddr text),
 *			strings send stream, receive stream, sender address,
 *			client id (empty: the sender address), u32 poll
 *			interval ms (0: default), u32 count, count strings
 *			(consumers); answered by CTL_RESULT with the sender's
 *			route once it runs (it reaches the hub on its own)
 *	CTL_TCP_INLET_CREATE strings from (ADDR:PORT, [IPv6]:PORT; port 0:
 *			the kernel's pick), via (empty: none), to (routes as
 *			in ockam.conf); answered, once tcpd bound it, by
 *			CTL_RESULT with "ID NAME" (NAME the address bound)
 *			or why not
 *	CTL_TCP_INLET_DELETE string: an inlet's id or the address it
 *			is bound to; answered by CTL_RESULT
 *	CTL_SHOW_SUMMARY empty; answered by CTL_SUMMARY_INFO (string key,
 *			string value, u8 kind: CTL_SUM_*)..., CTL_END; a
 *			key of kind CTL_SUM_ITEM comes first with an empty
 *			value (the list's start), then once per item
 *	CTL_RELOAD	empty: read the configuration again and apply it;
 *			answered once done by CTL_RESULT: "reloaded: ..."
 *			or CTL_ERR_CONFIG with the errors (file:line)
 *	CTL_REGRESS_*	test-only, refused unless built with OCKAM_REGRESS
 */
#ifndef OCKAM_CTL_H
#define OCKAM_CTL_H

#include "route.h"

#define CTL_IMSG_MAX		(OCKAM_MSG_MAX + 256)
#define CTL_MSG_MAX		2048	/* a CTL_RESULT's text, NUL included */
#define CTL_SOCKET		"/run/ockam/ockam.sock"

enum ctl_type {
	CTL_NONE,
	CTL_RESULT,
	CTL_END,
	CTL_SEND,
	CTL_DELIVER,
	CTL_WORKER_ADD,
	CTL_WORKER_DEL,
	CTL_SHOW_WORKERS,
	CTL_WORKER_INFO,
	CTL_VERBOSE,
	CTL_REGRESS_SANDBOX,	/* u8 target, u32 variant (REGRESS_SB_*) */
	CTL_REGRESS_BADIMSG,	/* u8 target, u32 variant */
	CTL_IDENTITY_CREATE,
	CTL_IDENTITY_SHOW,
	CTL_IDENTITY_INFO,
	CTL_SC_CREATE,
	CTL_SC_DELETE,
	CTL_SHOW_CHANNELS,
	CTL_CHANNEL_INFO,
	CTL_SHOW_CONNECTIONS,
	CTL_CONNECTION_INFO,
	CTL_TCP_DELETE,
	CTL_SHOW_LISTENERS,
	CTL_LISTENER_INFO,
	CTL_SC_UNPIN,
	CTL_RELAY_CREATE,
	CTL_RELAY_DELETE,
	CTL_SHOW_RELAYS,
	CTL_RELAY_INFO,
	CTL_SHOW_STREAMS,
	CTL_STREAM_INFO,
	CTL_STREAM_CLIENT_CREATE,
	CTL_SHOW_PORTALS,
	CTL_PORTAL_INFO,
	CTL_TCP_INLET_CREATE,
	CTL_TCP_INLET_DELETE,
	CTL_SHOW_SUMMARY,
	CTL_SUMMARY_INFO,
	CTL_RELOAD,
	CTL_TYPE_MAX
};

/* CTL_SEND flags */
#define CTL_SEND_REPORT		0x01	/* tell me if it cannot be delivered */

/* CTL_RESULT status */
#define CTL_SC_TRUST_ANY	0x01	/* SC_CREATE: any responder */
#define CTL_SC_PIN		0x02	/* SC_CREATE: pin on first use */

#define CTL_OK			0
#define CTL_ERR			1	/* the request failed; see message */
#define CTL_ERR_UNDELIVERED	2	/* a message of ours was dropped */
#define CTL_ERR_PROTO		3	/* malformed request */
#define CTL_ERR_REFUSED		4	/* not allowed: permission, a limit */

/* CTL_SUMMARY_INFO kinds */
#define CTL_SUM_TEXT		0
#define CTL_SUM_NUMBER		1	/* decimal digits */
#define CTL_SUM_ITEM		2	/* one of a list */
#define CTL_ERR_CONFIG		5	/* RELOAD: the configuration refused */

/* CTL_REGRESS_* targets */
#define CTL_TARGET_ROUTED	0
#define CTL_TARGET_VAULT	1
#define CTL_TARGET_TCPD		2
#define CTL_TARGET_STREAMD	3

#endif /* OCKAM_CTL_H */
