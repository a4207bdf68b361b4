/* SPDX-License-Identifier: ISC */
/*
 * Reload: TCP portals, as the old and the new configuration differ.
 * An outlet kept (same name) follows its new target and consumers from
 * its next Ping; one removed stops, and so do its portals.  An inlet
 * kept (same address and port: reloaddiff.c gave it its id) sends its
 * next clients along its new route, through the channel of its new
 * via; one removed stops, with its portals.  New inlets were started
 * by reload.c (inlet_start()) before this applies.  Inlets made with
 * ockamctl tcp-inlet create are in no file: a reload leaves them.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "log.h"
#include "portals.h"
#include "reload.h"
#include "routed.h"

static struct inlet_conf *
inlet_by_id(struct ockam_conf *conf, uint32_t id)
{
	struct inlet_conf	*ic;

	TAILQ_FOREACH(ic, &conf->inlets, entry)
		if (ic->id == id)
			return (ic);
	return (NULL);
}

static void
outlets_reconf(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	struct outlet_conf	*oc, *noc;

	TAILQ_FOREACH(oc, &o->outlets, entry) {
		if ((noc = config_find_outlet(n, oc->name)) == NULL) {
			outlet_remove(oc->name);
			sum->removed[RL_OUTLETS]++;
		} else if (strcmp(oc->target, noc->target) != 0 ||
		    !names_equal(&oc->consumers, &noc->consumers)) {
			outlet_update(noc);
			sum->changed++;
		}
	}
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
	struct inlet_conf	*oic, *ic;

	outlets_reconf(o, n, sum);
	TAILQ_FOREACH(oic, &o->inlets, entry) {
		if ((ic = inlet_by_id(n, oic->id)) == NULL) {
			log_info("reload: inlet on %s port %u removed",
			    oic->addr, oic->port);
			inlet_stop(oic->id);
			sum->removed[RL_INLETS]++;
		} else if (!str_equal(oic->via, ic->via) ||
		    strcmp(oic->to, ic->to) != 0) {
			inlet_update(ic->id, ic);
			sum->changed++;
		}
	}
	TAILQ_FOREACH(ic, &n->inlets, entry)
		if (inlet_by_id(o, ic->id) == NULL)
			sum->added[RL_INLETS]++;
}
