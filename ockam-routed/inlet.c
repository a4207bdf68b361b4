/* SPDX-License-Identifier: ISC */
/*
 * Portal inlets (doc/design.md 6): the listeners tcpd binds for them,
 * those of the configuration at start-up, and those started while the
 * node runs (ockamctl tcp-inlet create, a reload) through tcp_bind(),
 * which tcpd binds unprivileged.  Each inlet keeps its own copy of its
 * inlet_conf and an id never used again in the node's life, so that a
 * connection tcpd accepted on an inlet just before it was stopped is
 * known for what it is and closed.  An inlet with via shares the
 * channel of every inlet via the same route (inletchan.c).  At most
 * limit inlets (a node's, ockam.conf(5)) run or wait for their bind.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "portals.h"
#include "privsep.h"
#include "tcp.h"
#include "util.h"

static struct inlet_list	 inlets = TAILQ_HEAD_INITIALIZER(inlets);
static int			 ninlets;
static uint32_t			 next_id = 1;	/* not used again */
static struct log_count		 lc_bind = LOG_COUNT_INIT(LOG_WARNING,
    "inlets not started");

struct inlet *
inlet_next(struct inlet *in)
{
	return (in == NULL ? TAILQ_FIRST(&inlets) : TAILQ_NEXT(in, entry));
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT", as tcpd names what it bound. */
void
inlet_name(int family, const char *addr, unsigned int port, char *buf,
    size_t len)
{
	snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", addr, port);
}

/* A running inlet by its id, or its bound name. */
struct inlet *
inlet_find(uint32_t id, const char *name)
{
	struct inlet	*in;

	TAILQ_FOREACH(in, &inlets, entry)
		if (in->state == INLET_UP && (id != 0 ? in->ic->id == id :
		    strcmp(in->name, name) == 0))
			return (in);
	return (NULL);
}

static struct inlet_conf *
inlet_conf_dup(const struct inlet_conf *ic)
{
	struct inlet_conf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("inlet");
	c->family = ic->family;
	c->port = ic->port;
	strlcpy(c->addr, ic->addr, sizeof(c->addr));
	route_init(&c->via_route);
	route_init(&c->to_route);
	if ((ic->via != NULL && (c->via = strdup(ic->via)) == NULL) ||
	    (c->to = strdup(ic->to)) == NULL ||
	    route_copy(&c->via_route, &ic->via_route) == -1 ||
	    route_copy(&c->to_route, &ic->to_route) == -1)
		fatal("inlet");
	return (c);
}

/* Free what inlet_conf_dup() made. */
static void
inlet_conf_free(struct inlet_conf *ic)
{
	route_clear(&ic->via_route);
	route_clear(&ic->to_route);
	free(ic->via);
	free(ic->to);
	free(ic);
}

static struct inlet *
inlet_new(struct inlet_conf *ic)
{
	struct inlet	*in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		fatal("inlet");
	in->ic = inlet_conf_dup(ic);
	in->ic->id = ic->id;
	if (ic->via != NULL)
		in->ch = inlet_chan_get(ic);
	inlet_name(ic->family, ic->addr, ic->port, in->name,
	    sizeof(in->name));
	TAILQ_INSERT_TAIL(&inlets, in, entry);
	ninlets++;
	return (in);
}

static void
inlet_free(struct inlet *in)
{
	TAILQ_REMOVE(&inlets, in, entry);
	ninlets--;
	inlet_chan_put(in->ch);
	inlet_conf_free(in->ic);
	free(in);
}

/*
 * Reload: running inlet id takes ic's route and via (its address stays).
 * Its open portals go on as they are; the next client goes the new way,
 * through the channel of the new via.
 */
void
inlet_update(uint32_t id, const struct inlet_conf *ic)
{
	struct inlet		*in;
	struct inlet_chan	*ch;

	if ((in = inlet_find(id, NULL)) == NULL)
		return;
	ch = ic->via != NULL ? inlet_chan_get(ic) : NULL;
	inlet_chan_put(in->ch);
	in->ch = ch;
	inlet_conf_free(in->ic);
	in->ic = inlet_conf_dup(ic);
	in->ic->id = id;
}

static void
inlet_done(struct inlet *in, int error, const char *msg)
{
	void	(*done)(void *, int, const char *) = in->done;

	in->done = NULL;
	if (done != NULL)
		done(in->arg, error, msg);
}

/* tcpd's answer to an inlet's bind. */
static void
inlet_bound(void *arg, const struct tcp_bound *tb)
{
	struct inlet	*in = arg;
	char		 msg[TCP_PEER_MAX + 160];

	if (in->state == INLET_STOPPED) {
		if (tb->error == 0)
			tcp_unbind(1, tb->id);
		inlet_free(in);
		return;
	}
	if (tb->error != 0) {
		snprintf(msg, sizeof(msg), "inlet on %s: %s", in->name,
		    strerror(tb->error));
		log_count(&lc_bind, "%s", msg);
		inlet_done(in, tb->error, msg);
		inlet_free(in);
		return;
	}
	in->state = INLET_UP;
	strlcpy(in->name, tb->name, sizeof(in->name));
	log_info("inlet %u on %s%s%s to %s", in->ic->id, in->name,
	    in->ch != NULL ? " via " : "", in->ch != NULL ? in->ic->via : "",
	    in->ic->to);
	snprintf(msg, sizeof(msg), "%u %s", in->ic->id, in->name);
	inlet_done(in, 0, msg);
}

/*
 * Start an inlet while the node runs (portals.h).  done is called once,
 * with 0 and "ID NAME", or an errno and why; -1 when that was at once.
 */
int
inlet_start(struct inlet_conf *ic, int leaving,
    void (*done)(void *, int, const char *), void *arg)
{
	struct tcp_listen	 tl;
	struct inlet		*in;
	char			 msg[160];
	int			 error;

	if (ninlets - leaving >= (int)limit(LIMIT_INLETS)) {
		snprintf(msg, sizeof(msg), "%d inlets run already (limit "
		    "inlets)", ninlets - leaving);
		error = ENOSPC;
		goto fail;
	}
	if (next_id >= ORIGIN_PORTAL) {
		strlcpy(msg, "no inlet ids left", sizeof(msg));
		error = ENOSPC;
		goto fail;
	}
	ic->id = next_id++;
	memset(&tl, 0, sizeof(tl));
	tl.id = ic->id;
	tl.family = ic->family;
	tl.port = ic->port;
	strlcpy(tl.addr, ic->addr, sizeof(tl.addr));
	in = inlet_new(ic);
	in->state = INLET_BINDING;
	in->done = done;
	in->arg = arg;
	if (tcp_bind(1, &tl, inlet_bound, in) == 0)
		return (0);
	error = errno;
	inlet_free(in);
	if (error == EPERM)
		strlcpy(msg, "this node binds at start-up alone: listen static",
		    sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "cannot bind now: %s",
		    strerror(error));
 fail:
	log_count(&lc_bind, "%s", msg);
	if (done != NULL)
		done(arg, error, msg);
	return (-1);
}

/* Stop inlet id: its listener closes, and so do its portals. */
void
inlet_stop(uint32_t id)
{
	struct inlet	*in;

	TAILQ_FOREACH(in, &inlets, entry)
		if (in->ic->id == id && in->state != INLET_STOPPED)
			break;
	if (in == NULL)
		return;
	portal_close_all(in, NULL);
	if (in->state == INLET_BINDING) {
		/* Freed when tcpd answers; whoever asked hears now. */
		in->state = INLET_STOPPED;
		inlet_done(in, ECANCELED, "inlet stopped before it was bound");
		return;
	}
	log_info("inlet %u on %s stopped", in->ic->id, in->name);
	tcp_unbind(1, id);
	inlet_free(in);
}

/*
 * tcpd accepted a connection on an inlet.  On one stopped since (tcpd
 * had not yet read our word), it is closed at once.
 */
void
inlet_accepted(struct imsg *imsg, const struct tcp_portal *tp)
{
	struct inlet	*in;
	struct portal	*p;

	if (tp->id & TCP_PORTAL_OURS)
		imsg_bad("tcpd", imsg, "not tcpd's portal id");
	TAILQ_FOREACH(in, &inlets, entry)
		if (in->ic->id == tp->inlet)
			break;
	if (in == NULL && (tp->inlet == 0 || tp->inlet >= next_id))
		imsg_bad("tcpd", imsg, "no such inlet");
	if (in == NULL || in->state != INLET_UP) {
		log_debug("portal socket %u: its inlet %u is stopped", tp->id,
		    tp->inlet);
		in = NULL;
	}
	if ((p = portal_new(tp->id, in, NULL))->w == NULL || in == NULL) {
		p->disc_in = 1;
		portal_close(p, 1);
		return;
	}
	log_debug("portal %s: inlet %u from %s", p->w->name, in->ic->id,
	    safe_str(tp->peer, strnlen(tp->peer, sizeof(tp->peer))));
	inlet_chan_client(p);
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

/* The node is ready: the configuration's inlets, bound at start-up. */
void
inlet_configure(struct ockam_conf *conf)
{
	struct inlet_conf	*ic;
	struct inlet		*in;

	TAILQ_FOREACH(ic, &conf->inlets, entry) {
		in = inlet_new(ic);
		in->state = INLET_UP;
		if (ic->id >= next_id)
			next_id = ic->id + 1;
	}
}

void
inlet_shutdown(void)
{
	struct inlet	*in;

	while ((in = TAILQ_FIRST(&inlets)) != NULL) {
		inlet_done(in, ECANCELED, "the node stops");
		inlet_free(in);
	}
}
