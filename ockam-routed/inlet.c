/* SPDX-License-Identifier: ISC */
/*
 * Portal inlets (doc/design.md 6): the listeners tcpd binds for them
 * at start-up, and for an inlet with via, the secure channel the node
 * opens itself when a client comes, with its first identity and its
 * initiator trust rules (sctrust_create, its outcome reported here by
 * an origin with ORIGIN_PORTAL).  A channel that closes is opened
 * again for the next client; after a failure clients are closed at
 * once for 1 s, doubled with each failure in a row up to
 * INLET_BACKOFF_MAX.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ctl.h"
#include "log.h"
#include "portals.h"
#include "privsep.h"
#include "tcp.h"
#include "util.h"

struct inlets		 inlets = TAILQ_HEAD_INITIALIZER(inlets);
static struct log_count	 lc_chan = LOG_COUNT_INIT(LOG_WARNING,
    "inlet channel failed: new connections closed until it is re-made");

static void
inlet_ping(struct portal *p)
{
	struct inlet	*in = p->in;

	route_clear(&p->peer);
	if ((in->ic->via != NULL && route_push_back(&p->peer,
	    OCKAM_ADDR_LOCAL, in->enc, strlen(in->enc)) == -1) ||
	    route_append(&p->peer, &in->ic->to_route) == -1) {
		portal_close(p, 1);
		return;
	}
	p->state = PS_PING;
	p->since = monotime();
	portal_hello(p, 0, in->origin);
}

/* Make the inlet's channel, with the node's initiator trust rules. */
static void
inlet_channel(struct inlet *in)
{
	struct trust_conf	 trust;
	struct identity		*id;
	char			 err[SC_WHY_MAX];

	if ((id = identity_first()) == NULL) {
		log_count(&lc_chan, "inlet %u: no identity", in->ic->id);
		return;
	}
	trust_init(&trust);
	in->opening = 1;
	in->reqid = (in->reqid + 1) | INLET_REQ_CHANNEL;
	if (sctrust_create(&in->ic->via_route, id, &trust, 0, 0, in->origin,
	    in->reqid, err, sizeof(err)) == -1)
		portal_report(in->origin, in->reqid, CTL_ERR, err);
	trust_free(&trust);
}

static void
inlet_failed(struct inlet *in, const char *why)
{
	struct portal	*p, *next;
	unsigned int	 n;

	in->opening = 0;
	in->chan = 0;
	in->failures++;
	n = in->failures > 5 ? INLET_BACKOFF_MAX : 1U << (in->failures - 1);
	in->retry = monotime() + n;
	log_count(&lc_chan, "inlet %u via %s: %s; again in %u s", in->ic->id,
	    in->ic->via, why, n);
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->in == in && p->state == PS_CHANNEL)
			portal_close(p, 1);
}

/* The outcome of an inlet's channel (sctrust_create for origin). */
void
portal_report(uint32_t origin, uint32_t reqid, uint32_t status,
    const char *msg)
{
	struct inlet	*in;
	struct portal	*p, *next;
	struct channel	*c = NULL;

	TAILQ_FOREACH(in, &inlets, entry)
		if (in->origin == origin)
			break;
	if (in == NULL)
		return;
	/* A Ping dropped on this node: its client need not wait. */
	if (!(reqid & INLET_REQ_CHANNEL)) {
		if ((p = portal_by_sock(reqid)) != NULL && p->in == in &&
		    p->state == PS_PING && status != CTL_OK) {
			log_debug("portal %s: %s", p->w->name, msg);
			p->disc_in = 1;		/* nobody to tell */
			portal_close(p, 1);
		}
		return;
	}
	if (reqid != in->reqid || !in->opening)
		return;
	if (status == CTL_OK && strncmp(msg, "/service/", 9) == 0)
		c = channel_by_enc(msg + 9);
	if (c == NULL) {
		inlet_failed(in, status == CTL_OK ? "the channel is gone" :
		    msg);
		return;
	}
	in->opening = 0;
	in->failures = 0;
	in->chan = c->id;
	strlcpy(in->enc, c->enc, sizeof(in->enc));
	log_info("inlet %u: channel %s to %s open", in->ic->id, c->enc,
	    in->ic->via);
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->in == in && p->state == PS_CHANNEL)
			inlet_ping(p);
}

/* tcpd accepted a connection on an inlet. */
void
inlet_accepted(struct imsg *imsg, const struct tcp_portal *tp)
{
	struct inlet	*in;
	struct portal	*p;

	TAILQ_FOREACH(in, &inlets, entry)
		if (in->ic->id == tp->inlet)
			break;
	if (in == NULL || (tp->id & TCP_PORTAL_OURS))
		imsg_bad("tcpd", imsg, "no such inlet, or not tcpd's id");
	if ((p = portal_new(tp->id, in, NULL))->w == NULL) {
		p->disc_in = 1;
		portal_close(p, 1);
		return;
	}
	log_debug("portal %s: inlet %u from %s", p->w->name, in->ic->id,
	    safe_str(tp->peer, strnlen(tp->peer, sizeof(tp->peer))));
	p->state = PS_CHANNEL;
	if (in->ic->via == NULL || in->chan != 0) {
		inlet_ping(p);
		return;
	}
	if (in->opening)
		return;
	if (monotime() < in->retry) {
		portal_close(p, 1);
		return;
	}
	inlet_channel(in);
}

/* The inlet's channel closed: so do the portals that wait for a Pong. */
void
inlet_channel_gone(uint32_t id)
{
	struct inlet	*in;
	struct portal	*p, *next;

	TAILQ_FOREACH(in, &inlets, entry) {
		if (in->chan != id)
			continue;
		log_info("inlet %u: channel %s closed", in->ic->id, in->enc);
		in->chan = 0;
		in->enc[0] = '\0';
		TAILQ_FOREACH_SAFE(p, &portals, entry, next)
			if (p->in == in && p->state == PS_PING)
				portal_close(p, 1);
	}
}

/* Start-up: inlets to tcpd (before CONF_DONE). */
void
portal_configure_tcpd(struct ockam_conf *conf)
{
	struct inlet_conf	*ic;
	struct tcp_listen	 tl;

	TAILQ_FOREACH(ic, &conf->inlets, entry) {
		memset(&tl, 0, sizeof(tl));
		tl.id = ic->id;
		tl.family = ic->family;
		tl.port = ic->port;
		strlcpy(tl.addr, ic->addr, sizeof(tl.addr));
		children_send(CHILD_TCPD, IMSG_TCP_INLET, &tl, sizeof(tl));
	}
}

/* The node is ready: the inlets' state. */
void
inlet_configure(struct ockam_conf *conf)
{
	struct inlet_conf	*ic;
	struct inlet		*in;

	TAILQ_FOREACH(ic, &conf->inlets, entry) {
		if ((in = calloc(1, sizeof(*in))) == NULL)
			fatal("inlet");
		in->ic = ic;
		in->origin = ORIGIN_PORTAL | ic->id;
		TAILQ_INSERT_TAIL(&inlets, in, entry);
	}
}

void
inlet_shutdown(void)
{
	struct inlet	*in;

	while ((in = TAILQ_FIRST(&inlets)) != NULL) {
		TAILQ_REMOVE(&inlets, in, entry);
		free(in);
	}
}
