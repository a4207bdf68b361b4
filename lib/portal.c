/* SPDX-License-Identifier: ISC */
/*
 * Portal messages (lib/portal.h): decoding what a peer sent, checked
 * to the last byte, and encoding ours.
 */
#include <sys/types.h>

#include <string.h>

#include "buf.h"
#include "portal.h"

/* After a Ping or a Pong: nothing, or our offers. */
static int
portal_ext(struct cursor *cur, struct portal_msg *pm, const char **why)
{
	uint64_t	 w;
	uint8_t		 offer;

	while (cur_end(cur) == -1) {
		offer = cur_u8(cur);
		if (offer == PORTAL_SHUTDOWN && !pm->shutdown_ok) {
			pm->shutdown_ok = 1;
			continue;
		}
		if (offer != PORTAL_CREDIT || pm->credit_ok) {
			/* Another peer's: Ockam reads the first byte only. */
			return (0);
		}
		w = cur_uvarint(cur);
		if (cur_ok(cur) == -1 || w == 0 || w > PORTAL_WINDOW_MAX) {
			*why = "bad credit window";
			return (-1);
		}
		pm->credit_ok = 1;
		pm->window = (uint32_t)w;
	}
	return (0);
}

/* The Payload variant after its first byte. */
static int
portal_payload(struct cursor *cur, struct portal_msg *pm, const char **why)
{
	const uint8_t	*p;
	size_t		 len;
	uint8_t		 more;

	if ((p = cur_bare(cur, &len, PORTAL_DATA_MAX)) == NULL) {
		*why = "payload truncated or over 48 KiB";
		return (-1);
	}
	pm->data = p;
	pm->len = len;
	if (cur_end(cur) == 0)
		return (0);		/* the old form, no counter */
	more = cur_u8(cur);
	if (more == 1) {
		pm->counter = cur_u8(cur);
		pm->counter |= (uint16_t)cur_u8(cur) << 8;
		pm->has_counter = 1;
	} else if (more != 0) {
		*why = "bad packet counter tag";
		return (-1);
	}
	if (cur_ok(cur) == -1 || cur_end(cur) == -1) {
		*why = "bytes after the payload";
		return (-1);
	}
	return (0);
}

/*
 * Decode a portal message; data points into buf.  -1: malformed, why
 * says how.
 */
int
portal_decode(const void *buf, size_t len, struct portal_msg *pm,
    const char **why)
{
	struct cursor	 cur;
	uint64_t	 c;

	memset(pm, 0, sizeof(*pm));
	cur_init(&cur, buf, len);
	pm->kind = cur_u8(&cur);
	if (cur_ok(&cur) == -1) {
		*why = "empty portal message";
		return (-1);
	}
	switch (pm->kind) {
	case PORTAL_PING:
	case PORTAL_PONG:
		return (portal_ext(&cur, pm, why));
	case PORTAL_DISCONNECT:
	case PORTAL_SHUTDOWN:
		if (cur_end(&cur) == -1) {
			*why = "bytes after a disconnect or a shutdown";
			return (-1);
		}
		return (0);
	case PORTAL_PAYLOAD:
		return (portal_payload(&cur, pm, why));
	case PORTAL_CREDIT:
		c = cur_uvarint(&cur);
		if (cur_ok(&cur) == -1 || cur_end(&cur) == -1 || c == 0 ||
		    c > PORTAL_WINDOW_MAX) {
			*why = "bad credit";
			return (-1);
		}
		pm->window = (uint32_t)c;
		return (0);
	}
	*why = "unknown portal message";
	return (-1);
}

/* Write a uvarint at p (room: 10 bytes); its length. */
static size_t
put_uvarint(uint8_t *p, uint64_t v)
{
	size_t	 n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return (n);
}

/*
 * A Ping (pong 0) or a Pong, offering window bytes of credit when it
 * is not 0, and Shutdown when shut.  The length written, 0 when it
 * does not fit.
 */
size_t
portal_encode_ping(uint8_t *out, size_t room, int pong, uint32_t window,
    int shut)
{
	size_t	 n = 1;

	if (room < PORTAL_HEAD_MAX || window > PORTAL_WINDOW_MAX)
		return (0);
	out[0] = pong ? PORTAL_PONG : PORTAL_PING;
	if (shut)
		out[n++] = PORTAL_SHUTDOWN;
	if (window != 0) {
		out[n++] = PORTAL_CREDIT;
		n += put_uvarint(out + n, window);
	}
	return (n);
}

size_t
portal_encode_credit(uint8_t *out, size_t room, uint32_t bytes)
{
	if (room < PORTAL_HEAD_MAX || bytes == 0)
		return (0);
	out[0] = PORTAL_CREDIT;
	return (1 + put_uvarint(out + 1, bytes));
}

/*
 * What goes before len bytes of data in a Payload, without a counter
 * (as Ockam's Rust encoder writes it): the length written.
 */
size_t
portal_payload_head(uint8_t *out, size_t room, size_t len)
{
	if (room < PORTAL_HEAD_MAX || len > PORTAL_DATA_MAX)
		return (0);
	out[0] = PORTAL_PAYLOAD;
	return (1 + put_uvarint(out + 1, len));
}
