/* SPDX-License-Identifier: ISC */
/*
 * The life of open secure channels (doc/design.md 8): how many a listener
 * accepts, per listener, per remote address and per peer identity
 * (limit.h: channels-per-listener, channels-per-address,
 * channels-per-peer); the idle timeout (channel-idle-timeout), after
 * which a channel that neither sent nor received is closed; a channel
 * whose first hop, a TCP connection, closed is closed with it; and the
 * channels that closed lately, which `show channels' lists as closed.
 *
 * The counts are of open responder channels: the channels this node
 * creates are its operator's.  A message 1 over the listener's or the
 * address's count is dropped (no handshake is started); a channel
 * whose peer has too many already is refused once its identity is
 * known, with a Close.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "channel.h"
#include "log.h"
#include "multiaddr.h"

#define CHAN_CLOSED_MAX		32	/* closed channels remembered */
#define CHAN_CLOSED_SHOWN	60	/* seconds they are shown */

/* Open responder channels of one listener, address or peer. */
struct chcount {
	RB_ENTRY(chcount)	 entry;
	int			 n;
	char			 key[OCKAM_ADDR_MAX + 3];
};

static int
chcount_cmp(struct chcount *a, struct chcount *b)
{
	return (strcmp(a->key, b->key));
}

RB_HEAD(chcounts, chcount);
RB_PROTOTYPE(chcounts, chcount, entry, chcount_cmp);
RB_GENERATE(chcounts, chcount, entry, chcount_cmp);
static struct chcounts	 counts = RB_INITIALIZER(&counts);

/* A channel that closed, as show channels lists it. */
struct chclosed {
	time_t			 when;
	char			 enc[SC_NAME_LEN + 1];
	char			 dec[SC_NAME_LEN + 1];
	char			 peer[OCKAM_IDENTIFIER_LEN + 1];
	char			 ident[OCKAM_NAME_MAX];
	char			 route[256];
	char			 why[128];
	int			 role;
	uint64_t		 nsent, nrecv, nbad;
};

static struct chclosed	 closed[CHAN_CLOSED_MAX];
static unsigned int	 nclosed;
static const char	*quiet_why;	/* chan_quiet(): what closed it */

static struct log_count	 refused_listener = LOG_COUNT_INIT(LOG_INFO,
    "secure channels refused: channels-per-listener reached");
static struct log_count	 refused_addr = LOG_COUNT_INIT(LOG_INFO,
    "secure channels refused: channels-per-address reached");
static struct log_count	 refused_peer = LOG_COUNT_INIT(LOG_INFO,
    "secure channels refused: channels-per-peer reached");
static struct log_count	 closed_idle = LOG_COUNT_INIT(LOG_INFO,
    "secure channels closed: idle for channel-idle-timeout");
static struct log_count	 closed_down = LOG_COUNT_INIT(LOG_INFO,
    "secure channels closed: their TCP connection closed");

static struct chcount *
chcount_get(char kind, const char *name, int create)
{
	struct chcount	 key, *n;

	snprintf(key.key, sizeof(key.key), "%c %s", kind, name);
	if ((n = RB_FIND(chcounts, &counts, &key)) != NULL || !create)
		return (n);
	if ((n = calloc(1, sizeof(*n))) == NULL)
		fatal("%s", __func__);
	strlcpy(n->key, key.key, sizeof(n->key));
	RB_INSERT(chcounts, &counts, n);
	return (n);
}

static int
chcount_of(char kind, const char *name)
{
	struct chcount	*n;

	return ((n = chcount_get(kind, name, 0)) != NULL ? n->n : 0);
}

static void
chcount_add(char kind, const char *name, int delta)
{
	struct chcount	*n;

	if ((n = chcount_get(kind, name, delta > 0)) == NULL)
		return;
	if ((n->n += delta) <= 0) {
		RB_REMOVE(chcounts, &counts, n);
		free(n);
	}
}

static void
counted(struct channel *c, int delta)
{
	chcount_add('l', c->listener->name, delta);
	chcount_add('a', c->src_addr, delta);
	chcount_add('p', c->peer, delta);
	c->counted = delta > 0;
}

/*
 * Does listener l take no more channels (from addr)?  Logged.  Checked
 * at message 1, and again when a channel opens: handshakes that were
 * pending together may have passed the first check together.
 */
int
chanlife_refused(const struct sclistener_conf *l, const char *addr)
{
	if (chcount_of('l', l->name) >=
	    (int)limit(LIMIT_CHANNELS_LISTENER)) {
		log_count(&refused_listener, "listener %s, from %s", l->name,
		    addr);
		return (1);
	}
	if (chcount_of('a', addr) >= (int)limit(LIMIT_CHANNELS_ADDRESS)) {
		log_count(&refused_addr, "listener %s, from %s", l->name,
		    addr);
		return (1);
	}
	return (0);
}

/* Close c with a line of lc, not one line per channel. */
static void
chan_quiet(struct channel *c, struct log_count *lc, const char *why)
{
	log_count(lc, "%s (%s, peer %s): %s", c->enc, c->role ==
	    NOISE_INITIATOR ? "initiator" : "responder", c->peer, why);
	quiet_why = why;
	channel_free(c, NULL);
	quiet_why = NULL;
}

/*
 * c is open: its idle time starts, and a responder is counted.  -1: its
 * peer has too many channels already: c was refused (a Close) and is
 * gone.
 */
int
chanlife_open(struct channel *c)
{
	c->active = monotime();
	c->seen = 0;
	if (c->role != NOISE_RESPONDER)
		return (0);
	if (chanlife_refused(c->listener, c->src_addr)) {
		chan_send_close_why(c, SC_CLOSE_LIMIT);
		quiet_why = "refused: the listener has as many channels as it "
		    "may";
		channel_free(c, NULL);
		quiet_why = NULL;
		return (-1);
	}
	if (chcount_of('p', c->peer) >= (int)limit(LIMIT_CHANNELS_PEER)) {
		chan_send_close_why(c, SC_CLOSE_LIMIT);
		chan_quiet(c, &refused_peer, "refused: the peer has "
		    "channels-per-peer channels already");
		return (-1);
	}
	counted(c, 1);
	return (0);
}

/* channel_free(): c goes, why when it says. */
void
chanlife_gone(struct channel *c, const char *why)
{
	struct chclosed	*k;

	if (c->counted)
		counted(c, -1);
	if (!c->open)
		return;
	k = &closed[nclosed++ % CHAN_CLOSED_MAX];
	memset(k, 0, sizeof(*k));
	k->when = monotime();
	strlcpy(k->enc, c->enc, sizeof(k->enc));
	strlcpy(k->dec, c->dec, sizeof(k->dec));
	strlcpy(k->peer, c->peer, sizeof(k->peer));
	strlcpy(k->ident, c->ident->name, sizeof(k->ident));
	if (multiaddr_print(&c->remote, k->route, sizeof(k->route)) == -1)
		strlcpy(k->route, "(too long)", sizeof(k->route));
	strlcpy(k->why, why != NULL ? why : quiet_why != NULL ? quiet_why :
	    "closed", sizeof(k->why));
	k->role = c->role;
	k->nsent = c->nsent;
	k->nrecv = c->nrecv;
	k->nbad = c->nbad;
}

/* Once a second, an open channel: closed when idle too long. */
void
chanlife_idle(struct channel *c, time_t now)
{
	char	 why[64];

	if (c->nsent + c->nrecv != c->seen) {
		c->seen = c->nsent + c->nrecv;
		c->active = now;
		return;
	}
	if (now - c->active < (time_t)limit(LIMIT_CHANNEL_IDLE))
		return;
	snprintf(why, sizeof(why), "idle for %lld s",
	    (long long)(now - c->active));
	chan_send_close(c);
	chan_quiet(c, &closed_idle, why);
}

/* Is c's first hop the connection conn (tls, peer)? */
static int
first_hop_is(struct channel *c, uint32_t conn, int tls, const char *peer)
{
	struct addr	*a;

	if (c->role == NOISE_RESPONDER)
		return (c->src_conn == conn);
	return ((a = route_head(&c->remote)) != NULL &&
	    a->type == (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) &&
	    strcmp(a->val, peer) == 0);
}

/*
 * TCP connection conn (tls, peer) closed: so do the channels and the
 * handshakes whose first hop it was.
 */
void
chanlife_conn_down(uint32_t conn, int tls, const char *peer)
{
	struct channel	*c, *next;
	char		 why[64];

	snprintf(why, sizeof(why), "its TCP connection %u closed", conn);
	for (c = TAILQ_FIRST(&channels); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!first_hop_is(c, conn, tls, peer))
			continue;
		if (c->role == NOISE_INITIATOR && !c->open)
			channel_free(c, why);	/* told to its client */
		else
			chan_quiet(c, &closed_down, why);
	}
}

/* show channels: the channels that closed lately, state "closed". */
void
chanlife_closed_show(uint32_t conn, uint32_t reqid)
{
	struct chclosed	*k;
	time_t		 now = monotime();
	char		 counters[256];
	const char	*f[CHAN_INFO_FIELDS];
	unsigned int	 i;

	for (i = 0; i < CHAN_CLOSED_MAX && i < nclosed; i++) {
		k = &closed[(nclosed - 1 - i) % CHAN_CLOSED_MAX];
		if (now - k->when > CHAN_CLOSED_SHOWN)
			break;
		snprintf(counters, sizeof(counters), "closed %llds ago: %s; "
		    "sent %llu, received %llu, rejected %llu",
		    (long long)(now - k->when), k->why,
		    (unsigned long long)k->nsent, (unsigned long long)k->nrecv,
		    (unsigned long long)k->nbad);
		f[0] = k->enc;
		f[1] = k->dec;
		f[2] = k->role == NOISE_INITIATOR ? "initiator" : "responder";
		f[3] = "closed";
		f[4] = k->peer;
		f[5] = k->ident;
		f[6] = k->route;
		f[7] = counters;
		chanctl_info(conn, reqid, f);
	}
}
