/* SPDX-License-Identifier: ISC */
/*
 * Reload: the new configuration applied (reload.c has checked that it
 * can be: its names are free, its listeners bound).  Workers and
 * relays first, removed before added, so that a name may pass from an
 * echoer to a hop; then each module, while the old configuration is
 * still there to close what it no longer allows.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "log.h"
#include "reload.h"
#include "routed.h"
#include "trust.h"

static int
plain(enum worker_kind kind)
{
	return (kind == WORKER_ECHOER || kind == WORKER_HOP ||
	    kind == WORKER_RELAY);
}

/* n's kind of worker at name among echoers, hops, relays, or -1. */
static int
plain_kind(struct ockam_conf *n, const char *name)
{
	struct worker_conf	*wc;

	if ((wc = config_find_worker(n, name)) != NULL)
		return (wc->kind);
	if (config_find_relay(n, name) != NULL)
		return (WORKER_RELAY);
	return (-1);
}

static void
workers_remove(struct ockam_conf *n, struct reload_sum *sum)
{
	struct worker	*w, *next;

	for (w = worker_next(NULL); w != NULL; w = next) {
		next = worker_next(w);
		if (!plain(w->kind) || plain_kind(n, w->name) == (int)w->kind)
			continue;
		log_info("reload: %s %s removed", worker_kind_name(w->kind),
		    w->name);
		sum->removed[w->kind == WORKER_RELAY ? RL_RELAYS :
		    RL_WORKERS]++;
		worker_del(w);
	}
}

static void
workers_add(struct ockam_conf *n, struct reload_sum *sum)
{
	struct worker_conf	*wc;
	struct relay_conf	*rc;
	struct worker		*w;
	char			 err[256];

	TAILQ_FOREACH(wc, &n->workers, entry) {
		if (worker_find(wc->name) != NULL)
			continue;
		if (worker_add(wc->name, wc->kind, 0, err, sizeof(err)) ==
		    NULL) {
			log_warnx("reload: worker %s: %s", wc->name, err);
			continue;
		}
		sum->added[RL_WORKERS]++;
	}
	TAILQ_FOREACH(rc, &n->relays, entry) {
		if ((w = worker_find(rc->name)) != NULL) {
			w->relay = rc;		/* its route may be new */
			continue;
		}
		if ((w = worker_add(rc->name, WORKER_RELAY, 0, err,
		    sizeof(err))) == NULL) {
			log_warnx("reload: relay %s: %s", rc->name, err);
			continue;
		}
		w->relay = rc;
		sum->added[RL_RELAYS]++;
	}
}

static int
aliases_equal(struct ockam_conf *o, struct ockam_conf *n)
{
	struct alias_conf	*a, *b;

	for (a = TAILQ_FIRST(&o->aliases), b = TAILQ_FIRST(&n->aliases);
	    a != NULL && b != NULL;
	    a = TAILQ_NEXT(a, entry), b = TAILQ_NEXT(b, entry))
		if (strcmp(a->alias, b->alias) != 0 ||
		    strcmp(a->id, b->id) != 0)
			return (0);
	return (a == NULL && b == NULL);
}

/* o is in force, n replaces it once this returns. */
void
reload_apply(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	workers_remove(n, sum);
	workers_add(n, sum);
	tcp_reconf(n, sum);
	channel_reconf(n, sum);
	if (!trust_equal(&o->sctrust, &n->sctrust) || o->scpin != n->scpin)
		sum->changed++;
	sctrust_configure(n);
	if (!aliases_equal(o, n))
		sum->changed++;
	hub_configure(n);
	sum->removed[RL_FORWARDERS] += hub_reconf();
	relayc_reconf(o, n, sum);
	sclient_reconf(o, n, sum);
	portal_reconf(o, n, sum);
	if (memcmp(o->limits, n->limits, sizeof(o->limits)) != 0)
		sum->changed++;
	limits_set(n->limits);
}
