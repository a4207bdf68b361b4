/* SPDX-License-Identifier: ISC */
/*
 * Reload: TCP portals.  An outlet kept (same name) follows its new
 * target and consumers from its next Ping; one removed stops, and so do
 * its portals.  An inlet kept (same address and port) sends its next
 * clients along its new route, through a new channel if its "via"
 * changed; one removed is closed at tcpd, with its portals.  New
 * inlets are bound at tcpd by reload.c before this applies.
 *
 * inlet_start(), inlet_stop(), outlet_add() and outlet_remove() are the
 * run-time portal calls, minimal here.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "portals.h"
#include "reload.h"
#include "routed.h"
#include "tcp.h"

/* What the portals of a removed outlet or inlet point to meanwhile. */
static struct outlet_conf	 outlet_gone = {
	.name = "(removed)",
	.consumers = TAILQ_HEAD_INITIALIZER(outlet_gone.consumers),
};
static struct inlet_conf	 inlet_gone;

struct inlet_starting {
	struct inlet_conf	*ic;
	void			(*done)(void *, int, const char *);
	void			*arg;
};

static void
inlet_bound(void *arg, const struct tcp_bound *tb)
{
	struct inlet_starting	*st = arg;
	struct inlet		*in;

	if (tb->error != 0) {
		st->done(st->arg, tb->error, strerror(tb->error));
		free(st);
		return;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL)
		fatal("inlet");
	in->ic = st->ic;
	in->origin = ORIGIN_PORTAL | st->ic->id;
	TAILQ_INSERT_TAIL(&inlets, in, entry);
	log_info("inlet %u: bound to %s", st->ic->id, tb->name);
	st->done(st->arg, 0, NULL);
	free(st);
}

/* Bind ic at tcpd; done(arg, errno or 0, why) once it answers. */
int
inlet_start(struct inlet_conf *ic, void (*done)(void *, int, const char *),
    void *arg)
{
	struct inlet_starting	*st;
	struct tcp_listen	 tl;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal(NULL);
	st->ic = ic;
	st->done = done;
	st->arg = arg;
	memset(&tl, 0, sizeof(tl));
	tl.id = ic->id;
	tl.family = ic->family;
	tl.port = ic->port;
	strlcpy(tl.addr, ic->addr, sizeof(tl.addr));
	if (tcp_bind(1, &tl, inlet_bound, st) == -1) {
		free(st);
		return (-1);
	}
	return (0);
}

/*
 * Close inlet id, its portals and its channel.  Its state stays,
 * pointing nowhere, until the node stops: the portals closing still
 * name it.
 */
void
inlet_stop(uint32_t id)
{
	struct inlet	*in;
	struct portal	*p, *next;
	struct channel	*c;

	TAILQ_FOREACH(in, &inlets, entry)
		if (in->ic->id == id)
			break;
	if (in == NULL)
		return;
	tcp_unbind(1, id);
	in->ic = &inlet_gone;
	if (in->chan != 0 && (c = channel_by_id(in->chan)) != NULL) {
		if (c->open)
			chan_send_close(c);
		channel_free(c, "its inlet was removed");
	}
	in->chan = 0;
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->in == in && p->state != PS_CLOSING)
			portal_close(p, 1);
}

void
outlet_add(struct outlet_conf *oc)
{
	char	 err[128];

	if (worker_add(oc->name, WORKER_OUTLET, 0, err, sizeof(err)) == NULL)
		log_warnx("outlet %s: %s", oc->name, err);
}

void
outlet_remove(const char *name)
{
	struct worker	*w;
	struct portal	*p, *next;

	TAILQ_FOREACH_SAFE(p, &portals, entry, next) {
		if (p->oc == NULL || strcmp(p->oc->name, name) != 0)
			continue;
		p->oc = &outlet_gone;
		if (p->state != PS_CLOSING)
			portal_close(p, 1);
	}
	if ((w = worker_find(name)) != NULL && w->kind == WORKER_OUTLET)
		worker_del(w);
}

static void
outlets_reconf(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	struct outlet_conf	*oc, *noc;
	struct portal		*p;

	TAILQ_FOREACH(oc, &o->outlets, entry) {
		if ((noc = config_find_outlet(n, oc->name)) != NULL) {
			if (strcmp(oc->target, noc->target) != 0 ||
			    !names_equal(&oc->consumers, &noc->consumers))
				sum->changed++;
			continue;
		}
		log_info("reload: outlet %s removed", oc->name);
		outlet_remove(oc->name);
		sum->removed[RL_OUTLETS]++;
	}
	TAILQ_FOREACH(p, &portals, entry)
		if (p->oc != NULL && p->oc != &outlet_gone)
			p->oc = config_find_outlet(n, p->oc->name);
	portal_conf_set(n);
	TAILQ_FOREACH(noc, &n->outlets, entry)
		if (config_find_outlet(o, noc->name) == NULL) {
			outlet_add(noc);
			sum->added[RL_OUTLETS]++;
		}
}

void
portal_reconf(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	struct inlet		*in;
	struct inlet_conf	*ic, *oic;

	outlets_reconf(o, n, sum);
	TAILQ_FOREACH(in, &inlets, entry) {
		if (in->ic == &inlet_gone)
			continue;
		oic = in->ic;
		TAILQ_FOREACH(ic, &n->inlets, entry)
			if (ic->id == oic->id)
				break;
		if (ic == NULL) {
			log_info("reload: inlet on %s port %u removed",
			    oic->addr, oic->port);
			inlet_stop(oic->id);
			sum->removed[RL_INLETS]++;
			continue;
		}
		TAILQ_FOREACH(oic, &o->inlets, entry)
			if (oic->id == ic->id)
				break;
		if (oic == NULL) {
			/* Bound by this reload. */
			in->ic = ic;
			sum->added[RL_INLETS]++;
			continue;
		}
		if (!str_equal(oic->via, ic->via)) {
			/* The next client makes a channel. */
			in->chan = 0;
			in->enc[0] = '\0';
			in->failures = 0;
			in->retry = 0;
		}
		if (!str_equal(oic->via, ic->via) ||
		    strcmp(oic->to, ic->to) != 0)
			sum->changed++;
		in->ic = ic;
	}
}
