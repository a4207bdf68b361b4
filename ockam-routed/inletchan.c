/* SPDX-License-Identifier: ISC */
/*
 * The secure channels of portal inlets (doc/design.md 6): inlets that
 * name one channel listener route (via) share one channel, which the
 * node opens itself when a client comes, with its first identity and
 * its initiator trust rules (sctrust_create, its outcome reported here
 * by an origin with ORIGIN_PORTAL).  A channel that closes is opened
 * again for the next client; after a failure clients are closed at
 * once for 1 s, doubled with each failure in a row up to
 * INLET_BACKOFF_MAX.  An outlet bounds the portals of one channel
 * (portals-per-channel): those of all the inlets that share it.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "portals.h"
#include "util.h"

static TAILQ_HEAD(, inlet_chan)	 ichans = TAILQ_HEAD_INITIALIZER(ichans);
static uint32_t			 next_origin;
static struct log_count	 lc_chan = LOG_COUNT_INIT(LOG_WARNING,
    "inlet channel failed: new connections closed until it is re-made");

/* The channel of inlets via this route: shared, or a new one. */
struct inlet_chan *
inlet_chan_get(const struct inlet_conf *ic)
{
	struct inlet_chan	*ch;

	TAILQ_FOREACH(ch, &ichans, entry)
		if (route_equal(&ch->via, &ic->via_route)) {
			ch->refs++;
			return (ch);
		}
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (ch->via_text = strdup(ic->via)) == NULL)
		fatal("inlet channel");
	route_init(&ch->via);
	if (route_copy(&ch->via, &ic->via_route) == -1)
		fatal("inlet channel");
	/* Origins are not used again while a report may be on its way. */
	if (++next_origin >= ORIGIN_PORTAL)
		next_origin = 1;
	ch->origin = ORIGIN_PORTAL | next_origin;
	ch->refs = 1;
	TAILQ_INSERT_TAIL(&ichans, ch, entry);
	return (ch);
}

/*
 * An inlet leaves it; the last one frees it and closes its channel,
 * which nothing would use again.
 */
void
inlet_chan_put(struct inlet_chan *ch)
{
	struct channel	*c;

	if (ch == NULL || --ch->refs > 0)
		return;
	if (ch->chan != 0 && (c = channel_by_id(ch->chan)) != NULL) {
		if (c->open)
			chan_send_close(c);
		channel_free(c, "its last inlet stopped");
	}
	TAILQ_REMOVE(&ichans, ch, entry);
	route_clear(&ch->via);
	free(ch->via_text);
	free(ch);
}

/* p's Ping to the outlet: through its inlet's channel, or plain. */
static void
inlet_ping(struct portal *p)
{
	struct inlet	*in = p->in;

	route_clear(&p->peer);
	if ((in->ch != NULL && route_push_back(&p->peer, OCKAM_ADDR_LOCAL,
	    in->ch->enc, strlen(in->ch->enc)) == -1) ||
	    route_append(&p->peer, &in->ic->to_route) == -1) {
		portal_close(p, 1);
		return;
	}
	p->state = PS_PING;
	p->since = monotime();
	portal_hello(p, 0, ORIGIN_PORTAL);
}

/* Make the channel, with the node's initiator trust rules. */
static void
inlet_channel(struct inlet_chan *ch)
{
	struct trust_conf	 trust;
	struct identity		*id;
	char			 err[SC_WHY_MAX];

	if ((id = identity_first()) == NULL) {
		log_count(&lc_chan, "inlets via %s: no identity",
		    ch->via_text);
		return;
	}
	trust_init(&trust);
	ch->opening = 1;
	ch->reqid = (ch->reqid + 1) | INLET_REQ_CHANNEL;
	if (sctrust_create(&ch->via, id, &trust, 0, 0, ch->origin,
	    ch->reqid, err, sizeof(err)) == -1)
		portal_report(ch->origin, ch->reqid, CTL_ERR, err);
	trust_free(&trust);
}

static void
inlet_failed(struct inlet_chan *ch, const char *why)
{
	struct portal	*p, *next;
	unsigned int	 n;

	ch->opening = 0;
	ch->chan = 0;
	ch->failures++;
	n = ch->failures > 5 ? INLET_BACKOFF_MAX : 1U << (ch->failures - 1);
	ch->retry = monotime() + n;
	log_count(&lc_chan, "inlets via %s: %s; again in %u s", ch->via_text,
	    why, n);
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->in != NULL && p->in->ch == ch &&
		    p->state == PS_CHANNEL)
			portal_close(p, 1);
}

/*
 * The outcome of a channel (sctrust_create for origin), or a Ping
 * dropped on this node (reqid: its portal's socket).
 */
void
portal_report(uint32_t origin, uint32_t reqid, uint32_t status,
    const char *msg)
{
	struct inlet_chan	*ch;
	struct portal		*p, *next;
	struct channel		*c = NULL;

	/* A Ping dropped on this node: its client need not wait. */
	if (!(reqid & INLET_REQ_CHANNEL)) {
		if ((p = portal_by_sock(reqid)) != NULL && p->in != NULL &&
		    p->state == PS_PING && status != CTL_OK) {
			log_debug("portal %s: %s", p->w->name, msg);
			p->disc_in = 1;		/* nobody to tell */
			portal_close(p, 1);
		}
		return;
	}
	TAILQ_FOREACH(ch, &ichans, entry)
		if (ch->origin == origin)
			break;
	if (ch == NULL || reqid != ch->reqid || !ch->opening)
		return;
	if (status == CTL_OK && strncmp(msg, "/service/", 9) == 0)
		c = channel_by_enc(msg + 9);
	if (c == NULL) {
		inlet_failed(ch, status == CTL_OK ? "the channel is gone" :
		    msg);
		return;
	}
	ch->opening = 0;
	ch->failures = 0;
	ch->chan = c->id;
	strlcpy(ch->enc, c->enc, sizeof(ch->enc));
	log_info("inlets via %s: channel %s open", ch->via_text, c->enc);
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->in != NULL && p->in->ch == ch &&
		    p->state == PS_CHANNEL)
			inlet_ping(p);
}

/* A new client's portal p: its Ping now, or once the channel is up. */
void
inlet_chan_client(struct portal *p)
{
	struct inlet_chan	*ch = p->in->ch;

	p->state = PS_CHANNEL;
	if (ch == NULL || ch->chan != 0) {
		inlet_ping(p);
		return;
	}
	if (ch->opening)
		return;
	if (monotime() < ch->retry) {
		portal_close(p, 1);
		return;
	}
	inlet_channel(ch);
}

/* A channel closed: if an inlet's, so do its portals that wait a Pong. */
void
inlet_channel_gone(uint32_t id)
{
	struct inlet_chan	*ch;
	struct portal		*p, *next;

	TAILQ_FOREACH(ch, &ichans, entry) {
		if (ch->chan != id)
			continue;
		log_info("inlets via %s: channel %s closed", ch->via_text,
		    ch->enc);
		ch->chan = 0;
		ch->enc[0] = '\0';
		TAILQ_FOREACH_SAFE(p, &portals, entry, next)
			if (p->in != NULL && p->in->ch == ch &&
			    p->state == PS_PING)
				portal_close(p, 1);
	}
}
