/* SPDX-License-Identifier: ISC */
/*
 * Reload: the relays this node keeps at hubs ("relay at") and its
 * stream clients.  One whose statement is the same in the new
 * configuration goes on as it is (registered, its channel open); one
 * changed or removed stops, and a changed or new one starts.  Those
 * made by ockamctl are not the configuration's and stay.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "log.h"
#include "relayc.h"
#include "reload.h"
#include "routed.h"
#include "streamclient.h"

static int
remote_equal(const struct remote_conf *a, const struct remote_conf *b)
{
	return (strcmp(a->hub, b->hub) == 0 &&
	    strcmp(a->alias, b->alias) == 0 && strcmp(a->to, b->to) == 0 &&
	    strcmp(a->identity, b->identity) == 0 &&
	    strcmp(a->listener, b->listener) == 0 &&
	    a->heartbeat == b->heartbeat &&
	    names_equal(&a->consumers, &b->consumers));
}

static int
remote_claimed(const struct remote_conf *rc)
{
	struct remote	*r;

	TAILQ_FOREACH(r, &remotes, entry)
		if (r->rc == rc)
			return (1);
	return (0);
}

void
relayc_reconf(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	struct remote		*r;
	struct remote_conf	*rc;
	char			 err[256];

	(void)o;
 again:
	TAILQ_FOREACH(r, &remotes, entry) {
		if (r->own)
			continue;
		TAILQ_FOREACH(rc, &n->remotes, entry)
			if (r->rc == rc)
				break;
		if (rc != NULL)
			continue;	/* already moved to n */
		TAILQ_FOREACH(rc, &n->remotes, entry)
			if (remote_equal(r->rc, rc) && !remote_claimed(rc))
				break;
		if (rc != NULL) {
			r->rc = rc;
			goto again;
		}
		log_info("reload: relay at %s (%s) removed", r->rc->hub,
		    r->rc->alias[0] ? r->rc->alias : r->w->name);
		sum->removed[RL_REMOTES]++;
		remote_delete(r, NULL);
		goto again;
	}
	TAILQ_FOREACH(rc, &n->remotes, entry) {
		if (remote_claimed(rc))
			continue;
		if (remote_new(rc, 0, NULL, 0, 0, 0, err, sizeof(err)) == -1)
			log_warnx("reload: relay at %s: %s", rc->hub, err);
		else
			sum->added[RL_REMOTES]++;
	}
}

static int
sclient_equal(const struct sclient_conf *a, const struct sclient_conf *b)
{
	return (strcmp(a->hub, b->hub) == 0 &&
	    strcmp(a->send, b->send) == 0 &&
	    strcmp(a->receive, b->receive) == 0 &&
	    strcmp(a->name, b->name) == 0 &&
	    strcmp(a->client_id, b->client_id) == 0 &&
	    strcmp(a->service, b->service) == 0 &&
	    strcmp(a->index, b->index) == 0 && a->interval == b->interval &&
	    names_equal(&a->consumers, &b->consumers));
}

static int
sclient_claimed(const struct sclient_conf *sc)
{
	struct sclient	*s;

	TAILQ_FOREACH(s, &sclients, entry)
		if (s->sc == sc)
			return (1);
	return (0);
}

void
sclient_reconf(struct ockam_conf *o, struct ockam_conf *n,
    struct reload_sum *sum)
{
	struct sclient		*s;
	struct sclient_conf	*sc;
	char			 err[256];

	(void)o;
 again:
	TAILQ_FOREACH(s, &sclients, entry) {
		if (s->own)
			continue;
		TAILQ_FOREACH(sc, &n->sclients, entry)
			if (s->sc == sc)
				break;
		if (sc != NULL)
			continue;
		TAILQ_FOREACH(sc, &n->sclients, entry)
			if (sclient_equal(s->sc, sc) && !sclient_claimed(sc))
				break;
		if (sc != NULL) {
			s->sc = sc;
			goto again;
		}
		log_info("reload: stream client %s at %s removed",
		    s->sc->name, s->sc->hub);
		sum->removed[RL_SCLIENTS]++;
		sclient_delete(s);
		goto again;
	}
	TAILQ_FOREACH(sc, &n->sclients, entry) {
		if (sclient_claimed(sc))
			continue;
		if (sclient_new(sc, 0, err, sizeof(err)) == -1)
			log_warnx("reload: stream client at %s: %s", sc->hub,
			    err);
		else
			sum->added[RL_SCLIENTS]++;
	}
}
