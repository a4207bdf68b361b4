/* SPDX-License-Identifier: ISC */
/*
 * The bounds a node enforces against its peers (doc/design.md, bounds),
 * each one a row of one table: its name in ockam.conf(5) (`limit NAME
 * VALUE'), its default and the range an operator may set.  routed reads
 * them from the configuration and hands them to ockam-tcpd
 * (IMSG_TCP_LIMITS) and ockam-vaultd (IMSG_VAULT_CONF) at start-up;
 * every process reads them through limit().
 */
#ifndef OCKAM_LIMIT_H
#define OCKAM_LIMIT_H

#include <stdint.h>

enum limit_id {
	/* ockam-tcpd: connections and queued bytes */
	LIMIT_CONNECTIONS,		/* connections at once */
	LIMIT_CONNECTIONS_OUTGOING,	/* of them kept for opening */
	LIMIT_CONNECTIONS_PER_IP,	/* accepted from one address */
	LIMIT_FRAME_TIMEOUT,		/* seconds to finish a frame */
	LIMIT_PAUSED_TIMEOUT,		/* seconds a peer may not read */
	LIMIT_QUEUE_BYTES,		/* queued to peers, node-wide */
	LIMIT_QUEUE_HIGH,		/* XOFF mark of one connection */
	/* routed: secure channels */
	LIMIT_CHANNEL_IDLE,		/* seconds an idle channel lives */
	LIMIT_CHANNELS_ADDRESS,		/* open channels per remote address */
	LIMIT_CHANNELS_LISTENER,	/* open channels per listener */
	LIMIT_CHANNELS_PEER,		/* open channels per peer identity */
	LIMIT_HANDSHAKE_TIMEOUT,	/* seconds a handshake may take */
	LIMIT_HANDSHAKES,		/* pending responder handshakes */
	LIMIT_HANDSHAKES_ADDRESS,	/* pending, per remote address */
	LIMIT_HANDSHAKES_CONNECTION,	/* pending, per connection */
	LIMIT_CONFIRM_TIMEOUT,		/* seconds an initiator waits for
					   the responder's word */
	/* routed: control clients */
	LIMIT_CONTROL_CLIENTS,		/* clients at once */
	LIMIT_CONTROL_IDLE,		/* seconds a client may be idle */
	LIMIT_CONTROL_QUEUE,		/* bytes queued for a client */
	LIMIT_CONTROL_QUEUE_TOTAL,	/* for all of them */
	/* routed: relays */
	LIMIT_REPLY_GRANTS,		/* reply routes per connection */
	/* routed: hub forwarders */
	LIMIT_FORWARDERS,		/* forwarders node-wide */
	LIMIT_FORWARDERS_CONNECTION,	/* per connection or channel */
	LIMIT_RELAYS,			/* relays this node keeps at hubs */
	/* routed: TCP portals (and tcpd's portal sockets) */
	LIMIT_INLETS,			/* portal inlets node-wide */
	LIMIT_PORTALS,			/* portal connections node-wide */
	LIMIT_PORTALS_INLET,		/* of one inlet */
	LIMIT_PORTALS_SOURCE,		/* to outlets, out of one channel */
	LIMIT_PORTAL_IDLE,		/* seconds without a byte */
	LIMIT_PORTAL_OPEN,		/* seconds to be up */
	LIMIT_STREAM_CLIENTS,		/* stream clients this node keeps */
	LIMIT_STREAM_CLIENT_QUEUE,	/* messages waiting for a stream */
	/* routed: stream services */
	LIMIT_STREAM_MESSAGE,		/* bytes of one pushed message */
	LIMIT_STREAM_PENDING,		/* requests waiting for streamd */
	LIMIT_STREAM_PENDING_SOURCE,	/* of them, per connection or
					   channel */
	LIMIT_STREAM_PULL,		/* messages one pull may ask for */
	LIMIT_STREAM_PULL_WAIT,		/* seconds a pull at the end waits */
	LIMIT_STREAM_PULL_WAITERS,	/* pulls waiting, node-wide */
	/* vault */
	LIMIT_PINS,			/* responder pins kept */
	/* streamd: embedded stream storage */
	LIMIT_STREAM_BYTES,		/* bytes one stream holds */
	LIMIT_STREAM_OFFSETS,		/* saved offsets kept */
	LIMIT_STREAMS,			/* streams node-wide */
	LIMIT_MAX
};

enum limit_unit {
	LIMIT_COUNT,
	LIMIT_SECONDS,
	LIMIT_BYTES,			/* K, M and G suffixes allowed */
};

struct limit_def {
	const char		*name;
	enum limit_unit		 unit;
	uint32_t		 def;
	uint32_t		 min;
	uint32_t		 max;
};

extern const struct limit_def	 limit_defs[LIMIT_MAX];
extern uint32_t			 limit_val[LIMIT_MAX];

#define limit(id)	(limit_val[(id)])

void		 limits_default(uint32_t *);
void		 limits_set(const uint32_t *);
int		 limits_check(const uint32_t *);
int		 limit_lookup(const char *);
int		 limit_parse(int, const char *, uint32_t *, const char **);
void		 limit_format(int, uint32_t, char *, size_t);

#endif /* OCKAM_LIMIT_H */
