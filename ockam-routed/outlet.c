/* SPDX-License-Identifier: ISC */
/*
 * The outlets a node runs (doc/design.md 6): each a worker of its name
 * and routed's own copy of its outlet_conf (target and consumers), so
 * that a reload may add and remove them while the configuration they
 * came from goes.  Removing one closes its portal connections.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "portals.h"

static struct outlet_confs	 outlets = TAILQ_HEAD_INITIALIZER(outlets);

struct outlet_conf *
outlet_by_name(const char *name)
{
	struct outlet_conf	*oc;

	TAILQ_FOREACH(oc, &outlets, entry)
		if (strcmp(oc->name, name) == 0)
			return (oc);
	return (NULL);
}

static void
outlet_free(struct outlet_conf *oc)
{
	TAILQ_REMOVE(&outlets, oc, entry);
	names_free(&oc->consumers);
	free(oc);
}

/* c, routed's copy, takes oc's target and consumers. */
static void
outlet_set(struct outlet_conf *c, const struct outlet_conf *oc)
{
	struct name_entry	*n;

	strlcpy(c->target, oc->target, sizeof(c->target));
	names_free(&c->consumers);
	TAILQ_INIT(&c->consumers);
	TAILQ_FOREACH(n, &oc->consumers, entry)
		if (names_add(&c->consumers, n->name) == -1)
			fatal("outlet");
}

/* Run outlet oc (a copy of it): its worker takes Pings from now on. */
void
outlet_add(struct outlet_conf *oc)
{
	struct outlet_conf	*c;
	char			 err[128];

	if (outlet_by_name(oc->name) != NULL) {
		log_warnx("outlet %s: runs already", oc->name);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("outlet");
	strlcpy(c->name, oc->name, sizeof(c->name));
	TAILQ_INIT(&c->consumers);
	TAILQ_INSERT_TAIL(&outlets, c, entry);
	outlet_set(c, oc);
	if (worker_add(c->name, WORKER_OUTLET, 0, err, sizeof(err)) == NULL) {
		log_warnx("outlet %s: %s", c->name, err);
		outlet_free(c);
	}
}

/*
 * Reload: outlet oc->name goes to oc's target, for oc's consumers, from
 * its next Ping on; its open portals go on as they are.
 */
void
outlet_update(const struct outlet_conf *oc)
{
	struct outlet_conf	*c;

	if ((c = outlet_by_name(oc->name)) != NULL)
		outlet_set(c, oc);
}

/* Stop outlet name: its worker goes, and its portals close at once. */
void
outlet_remove(const char *name)
{
	struct outlet_conf	*oc;
	struct worker		*w;

	if ((oc = outlet_by_name(name)) == NULL)
		return;
	portal_close_all(NULL, oc);
	if ((w = worker_find(name)) != NULL && w->kind == WORKER_OUTLET)
		worker_del(w);
	log_info("outlet %s to %s removed", oc->name, oc->target);
	outlet_free(oc);
}

void
outlet_shutdown(void)
{
	struct outlet_conf	*oc;

	while ((oc = TAILQ_FIRST(&outlets)) != NULL)
		outlet_free(oc);
}
