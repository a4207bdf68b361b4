/* SPDX-License-Identifier: ISC */
/*
 * The table of a node's bounds (limit.h).  Names are what ockam.conf(5)
 * calls them; every row is documented there and in the man page of the
 * process that enforces it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"
#include "recent.h"

#define KIB	1024U
#define MIB	(1024U * KIB)
#define GIB	(1024U * MIB)

/* Sorted by name within each process's part; the order is the enum's. */
const struct limit_def limit_defs[LIMIT_MAX] = {
	[LIMIT_CONNECTIONS] = { "connections", LIMIT_COUNT, 1024, 16, 65536 },
	[LIMIT_CONNECTIONS_OUTGOING] = { "connections-outgoing", LIMIT_COUNT,
	    64, 0, 4096 },
	[LIMIT_CONNECTIONS_PER_IP] = { "connections-per-ip", LIMIT_COUNT,
	    64, 1, 65536 },
	[LIMIT_FRAME_TIMEOUT] = { "frame-timeout", LIMIT_SECONDS, 10, 1, 600 },
	[LIMIT_PAUSED_TIMEOUT] = { "paused-timeout", LIMIT_SECONDS,
	    30, 1, 3600 },
	[LIMIT_QUEUE_BYTES] = { "queue-bytes", LIMIT_BYTES, 64 * MIB, MIB,
	    GIB },
	[LIMIT_QUEUE_HIGH] = { "queue-high", LIMIT_BYTES, MIB, 64 * KIB,
	    64 * MIB },
	[LIMIT_CONTROL_CLIENTS] = { "control-clients", LIMIT_COUNT,
	    64, 2, 1024 },
	[LIMIT_CONTROL_IDLE] = { "control-idle-timeout", LIMIT_SECONDS,
	    120, 1, 86400 },
	[LIMIT_CONTROL_QUEUE] = { "control-queue", LIMIT_BYTES,
	    4 * MIB, 64 * KIB, 256 * MIB },
	[LIMIT_CONTROL_QUEUE_TOTAL] = { "control-queue-total", LIMIT_BYTES,
	    32 * MIB, 64 * KIB, 1024 * MIB },
	[LIMIT_REPLY_GRANTS] = { "reply-grants", LIMIT_COUNT, 32, 1,
	    RECENT_MAX },
	[LIMIT_FORWARDERS] = { "forwarders", LIMIT_COUNT, 4096, 1, 65536 },
	[LIMIT_FORWARDERS_CONNECTION] = { "forwarders-per-connection",
	    LIMIT_COUNT, 16, 1, 65536 },
	[LIMIT_RELAYS] = { "relays", LIMIT_COUNT, 64, 1, 4096 },
	/* tcpd keeps 64 inlets (TCPD_INLET_MAX), 1024 portal sockets. */
	[LIMIT_INLETS] = { "inlets", LIMIT_COUNT, 64, 1, 64 },
	[LIMIT_PORTALS] = { "portals", LIMIT_COUNT, 1024, 1, 1024 },
	[LIMIT_PORTALS_INLET] = { "portals-per-inlet", LIMIT_COUNT, 256, 1,
	    1024 },
	[LIMIT_PORTALS_SOURCE] = { "portals-per-channel", LIMIT_COUNT, 256,
	    1, 1024 },
	[LIMIT_PORTAL_IDLE] = { "portal-idle-timeout", LIMIT_SECONDS, 3600,
	    1, 604800 },
	[LIMIT_PORTAL_OPEN] = { "portal-open-timeout", LIMIT_SECONDS, 10,
	    1, 600 },
	[LIMIT_STREAM_CLIENTS] = { "stream-clients", LIMIT_COUNT, 64, 1,
	    4096 },
	[LIMIT_STREAM_CLIENT_QUEUE] = { "stream-client-queue", LIMIT_COUNT,
	    64, 1, 4096 },
	[LIMIT_STREAM_MESSAGE] = { "stream-message-size", LIMIT_BYTES,
	    55 * KIB, 1 * KIB, 55 * KIB },
	[LIMIT_STREAM_PENDING] = { "stream-pending", LIMIT_COUNT, 1024, 16,
	    65536 },
	[LIMIT_STREAM_PENDING_SOURCE] = { "stream-pending-per-source",
	    LIMIT_COUNT, 256, 1, 65536 },
	[LIMIT_STREAM_PULL] = { "stream-pull-limit", LIMIT_COUNT, 1024, 1,
	    4096 },
	[LIMIT_STREAM_PULL_WAIT] = { "stream-pull-wait", LIMIT_SECONDS, 2, 0,
	    60 },
	[LIMIT_STREAM_PULL_WAITERS] = { "stream-pull-waiters", LIMIT_COUNT,
	    1024, 1, 65536 },
	[LIMIT_CONFIRM_TIMEOUT] = { "confirm-timeout", LIMIT_SECONDS,
	    5, 1, 600 },
	[LIMIT_PINS] = { "pins", LIMIT_COUNT, 1024, 1, 65536 },
	[LIMIT_STREAM_BYTES] = { "stream-bytes", LIMIT_BYTES, GIB, 64 * KIB,
	    4095 * MIB },
	[LIMIT_STREAM_OFFSETS] = { "stream-offsets", LIMIT_COUNT, 65536, 1,
	    1048576 },
	[LIMIT_STREAMS] = { "streams", LIMIT_COUNT, 1024, 1, 65536 },
	[LIMIT_CHANNEL_IDLE] = { "channel-idle-timeout", LIMIT_SECONDS,
	    600, 1, 604800 },
	[LIMIT_CHANNELS_ADDRESS] = { "channels-per-address", LIMIT_COUNT,
	    1024, 1, 1048576 },
	[LIMIT_CHANNELS_LISTENER] = { "channels-per-listener", LIMIT_COUNT,
	    4096, 1, 1048576 },
	[LIMIT_CHANNELS_PEER] = { "channels-per-peer", LIMIT_COUNT,
	    256, 1, 1048576 },
	[LIMIT_HANDSHAKE_TIMEOUT] = { "handshake-timeout", LIMIT_SECONDS,
	    10, 1, 600 },
	[LIMIT_HANDSHAKES] = { "handshakes", LIMIT_COUNT, 1024, 1, 4096 },
	[LIMIT_HANDSHAKES_ADDRESS] = { "handshakes-per-address", LIMIT_COUNT,
	    64, 1, 65536 },
	[LIMIT_HANDSHAKES_CONNECTION] = { "handshakes-per-connection",
	    LIMIT_COUNT, 64, 1, 65536 },
};

uint32_t	 limit_val[LIMIT_MAX];

/* Every row has a name: a row added to the enum alone fails here. */
static void limits_init(void) __attribute__((__constructor__));

static void
limits_init(void)
{
	limits_default(limit_val);
}

void
limits_default(uint32_t *v)
{
	int	 i;

	for (i = 0; i < LIMIT_MAX; i++)
		v[i] = limit_defs[i].def;
}

/* Take a set of limits checked by limits_check(). */
void
limits_set(const uint32_t *v)
{
	memcpy(limit_val, v, sizeof(limit_val));
}

/* Is every value in its range?  What a sibling sends is checked so. */
int
limits_check(const uint32_t *v)
{
	int	 i;

	for (i = 0; i < LIMIT_MAX; i++)
		if (v[i] < limit_defs[i].min || v[i] > limit_defs[i].max)
			return (-1);
	return (0);
}

int
limit_lookup(const char *name)
{
	int	 i;

	for (i = 0; i < LIMIT_MAX; i++)
		if (limit_defs[i].name != NULL &&
		    strcmp(limit_defs[i].name, name) == 0)
			return (i);
	return (-1);
}

/*
 * The value of limit id in text s: digits, and for bytes an optional
 * K, M or G.  On error *why says what is wrong.
 */
int
limit_parse(int id, const char *s, uint32_t *v, const char **why)
{
	const struct limit_def	*d = &limit_defs[id];
	unsigned long long	 n, mul = 1;
	char			*end;

	if (*s < '0' || *s > '9') {
		*why = "not a number";
		return (-1);
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0) {
		*why = "out of range";
		return (-1);
	}
	if (d->unit == LIMIT_BYTES && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'K':
			mul = KIB;
			end++;
			break;
		case 'M':
			mul = MIB;
			end++;
			break;
		case 'G':
			mul = GIB;
			end++;
			break;
		}
	}
	if (*end != '\0') {
		*why = d->unit == LIMIT_BYTES ?
		    "not a number (K, M or G may follow)" : "not a number";
		return (-1);
	}
	if (n > UINT32_MAX / mul || n * mul < d->min || n * mul > d->max) {
		*why = "out of range";
		return (-1);
	}
	*v = (uint32_t)(n * mul);
	return (0);
}

/* The value as ockam.conf(5) writes it. */
void
limit_format(int id, uint32_t v, char *buf, size_t len)
{
	if (limit_defs[id].unit == LIMIT_BYTES && v != 0 && v % MIB == 0)
		snprintf(buf, len, "%uM", v / MIB);
	else if (limit_defs[id].unit == LIMIT_BYTES && v != 0 && v % KIB == 0)
		snprintf(buf, len, "%uK", v / KIB);
	else
		snprintf(buf, len, "%u", v);
}
