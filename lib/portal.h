/* SPDX-License-Identifier: ISC */
/*
 * Portal messages (doc/design.md 6): the payload of every message
 * between the two workers of a TCP portal, Ockam's PortalMessage.
 *
 *	Ping		00 [ext]
 *	Pong		01 [ext]
 *	Disconnect	02
 *	Payload		03, BARE data (uvarint length, bytes), and
 *			optionally 00, or 01 and a u16 little-endian
 *			packet counter
 *	Credit		c1, uvarint bytes (ours: doc/design.md 6)
 *	Shutdown	c2: the sender's write side is done (ours)
 *
 * ext, after Ping or Pong, is ours too, offers in any order: c1 and a
 * uvarint window, "I take Credit messages, and you may send me window
 * bytes of Payload before the first one"; c2, "I take Shutdown".
 * Ockam's decoders look at the first byte of a Ping or a Pong only, so
 * an Ockam peer ignores them and never sends either: towards such a
 * peer a portal falls back to what TCP gives, and EOF to Disconnect.
 */
#ifndef OCKAM_PORTAL_H
#define OCKAM_PORTAL_H

#include <stddef.h>
#include <stdint.h>

#define PORTAL_PING		0x00
#define PORTAL_PONG		0x01
#define PORTAL_DISCONNECT	0x02
#define PORTAL_PAYLOAD		0x03
#define PORTAL_CREDIT		0xc1
#define PORTAL_SHUTDOWN		0xc2
#define PORTAL_DATA_MAX		(48 * 1024)	/* Ockam's MAX_PAYLOAD_SIZE */
#define PORTAL_WINDOW_MAX	(1U << 30)	/* credit a peer may offer */
/* The longest encoding of anything but a Payload's data. */
#define PORTAL_HEAD_MAX		16

struct portal_msg {
	uint8_t		 kind;		/* PORTAL_* */
	const uint8_t	*data;		/* PAYLOAD: into the input */
	size_t		 len;
	int		 has_counter;	/* PAYLOAD */
	uint16_t	 counter;
	int		 credit_ok;	/* PING, PONG: the peer takes Credit */
	int		 shutdown_ok;	/* PING, PONG: and Shutdown */
	uint32_t	 window;	/* PING, PONG: its window; CREDIT */
};

int	portal_decode(const void *, size_t, struct portal_msg *,
	    const char **);
size_t	portal_encode_ping(uint8_t *, size_t, int, uint32_t, int);
size_t	portal_encode_credit(uint8_t *, size_t, uint32_t);
size_t	portal_payload_head(uint8_t *, size_t, size_t);

#endif /* OCKAM_PORTAL_H */
