/* SPDX-License-Identifier: ISC */
/*
 * Reload: what may change while the node runs, and what needs a
 * restart (reload.c).  The user, the chroot, the control socket, the
 * vault, the identities, the TLS CA, "listen static", the stream
 * services and their storage, a TLS listener added, and the limits
 * that tcpd, the vault or streamd received at start-up are read once:
 * a reload that changes one is refused, naming the statement.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>

#include "limit.h"
#include "log.h"
#include "reload.h"
#include "routed.h"

/*
 * The limits the children, or routed's poll array, took at start-up
 * (ockam-tcpd, ockam-vaultd, ockam-streamd read them from there).
 */
static const int restart_limits[] = {
	LIMIT_CONNECTIONS, LIMIT_CONNECTIONS_OUTGOING,
	LIMIT_CONNECTIONS_PER_IP, LIMIT_FRAME_TIMEOUT, LIMIT_PAUSED_TIMEOUT,
	LIMIT_PINS, LIMIT_PORTALS, LIMIT_QUEUE_BYTES, LIMIT_QUEUE_HIGH,
	LIMIT_STREAMS, LIMIT_STREAM_BYTES, LIMIT_STREAM_OFFSETS,
	LIMIT_CONTROL_CLIENTS,
};

static uint32_t	 next_listen = 1, next_inlet = 1;	/* ids never used */

/* Strings, or both NULL. */
int
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

int
names_equal(const struct names *a, const struct names *b)
{
	struct name_entry	*n;
	int			 na = 0, nb = 0;

	TAILQ_FOREACH(n, a, entry) {
		if (!names_find(b, n->name))
			return (0);
		na++;
	}
	TAILQ_FOREACH(n, b, entry)
		nb++;
	return (na == nb);
}

int
trust_equal(const struct trust_conf *a, const struct trust_conf *b)
{
	return (a->everyone == b->everyone && names_equal(&a->ids, &b->ids));
}

static int
identities_equal(struct ockam_conf *a, struct ockam_conf *b)
{
	struct identity_conf	*ic;
	int			 na = 0, nb = 0;

	TAILQ_FOREACH(ic, &a->identities, entry) {
		if (config_find_identity(b, ic->name) == NULL)
			return (0);
		na++;
	}
	TAILQ_FOREACH(ic, &b->identities, entry)
		nb++;
	return (na == nb);
}

static int
stream_equal(const struct stream_conf *a, const struct stream_conf *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a->service, b->service) == 0 &&
	    strcmp(a->index, b->index) == 0 && a->storage == b->storage &&
	    str_equal(a->dir, b->dir) && a->retain_age == b->retain_age &&
	    a->retain_bytes == b->retain_bytes &&
	    str_equal(a->redis_host, b->redis_host) &&
	    a->redis_port == b->redis_port &&
	    str_equal(a->redis_auth, b->redis_auth));
}

/*
 * A forwarding service stays: the forwarders it made name it.  (The
 * stream services are compared with their storage.)
 */
static int
services_kept(struct ockam_conf *o, struct ockam_conf *n, char *why,
    size_t len)
{
	struct worker_conf	*wc, *nwc;

	TAILQ_FOREACH(wc, &o->workers, entry) {
		if (wc->kind != WORKER_FWD_SERVICE &&
		    wc->kind != WORKER_FWD_STATIC)
			continue;
		if ((nwc = config_find_worker(n, wc->name)) != NULL &&
		    nwc->kind == wc->kind)
			continue;
		snprintf(why, len, "%s %s: removed, and it needs a restart "
		    "(its forwarders name it)", worker_kind_name(wc->kind),
		    wc->name);
		return (-1);
	}
	return (0);
}

/* Nothing that is read once changed?  -1 and why if something did. */
int
reload_diff(struct ockam_conf *o, struct ockam_conf *n, char *why,
    size_t len)
{
	const char	*what = NULL;
	size_t		 i;
	int		 id;

	if (!str_equal(o->user, n->user))
		what = "user";
	else if (!str_equal(o->chroot, n->chroot))
		what = "chroot";
	else if (!str_equal(o->csock, n->csock) ||
	    !str_equal(o->csock_group, n->csock_group) ||
	    o->csock_mode != n->csock_mode)
		what = "control socket";
	else if (!str_equal(o->vault_user, n->vault_user) ||
	    !str_equal(o->vault_dir, n->vault_dir))
		what = "vault";
	else if (!identities_equal(o, n))
		what = "identity";
	else if (!str_equal(o->tls_ca, n->tls_ca))
		what = "tls ca";
	else if (o->listen_static != n->listen_static)
		what = "listen static";
	else if (!stream_equal(o->stream, n->stream))
		what = "stream service";
	if (what != NULL) {
		snprintf(why, len, "%s: changed, and it needs a restart",
		    what);
		return (-1);
	}
	for (i = 0; i < sizeof(restart_limits) / sizeof(restart_limits[0]);
	    i++) {
		id = restart_limits[i];
		if (o->limits[id] != n->limits[id]) {
			snprintf(why, len, "limit %s: changed, and it needs a "
			    "restart (read at start-up)", limit_defs[id].name);
			return (-1);
		}
	}
	return (services_kept(o, n, why, len));
}

static void
ids_start(struct ockam_conf *o)
{
	struct listen_conf	*lc;
	struct inlet_conf	*ic;

	TAILQ_FOREACH(lc, &o->listeners, entry)
		if (lc->id >= next_listen)
			next_listen = lc->id + 1;
	TAILQ_FOREACH(ic, &o->inlets, entry)
		if (ic->id >= next_inlet)
			next_inlet = ic->id + 1;
}

/*
 * The listeners and inlets of n that o has (same address and port)
 * take their ids, so that tcpd's sockets stay; the others get ids
 * never used, which tcpd binds.  A TLS listener cannot be added.
 */
int
reload_ids(struct ockam_conf *o, struct ockam_conf *n, char *why,
    size_t len)
{
	struct listen_conf	*lc, *olc;
	struct inlet_conf	*ic, *oic;

	ids_start(o);
	TAILQ_FOREACH(lc, &n->listeners, entry) {
		TAILQ_FOREACH(olc, &o->listeners, entry)
			if (olc->family == lc->family &&
			    olc->port == lc->port &&
			    strcmp(olc->addr, lc->addr) == 0)
				break;
		if (olc != NULL && (olc->tls != lc->tls ||
		    !str_equal(olc->cert, lc->cert) ||
		    !str_equal(olc->key, lc->key))) {
			snprintf(why, len, "%s: listen on %s port %u: its TLS "
			    "changed, and it needs a restart", lc->where,
			    lc->addr, lc->port);
			return (-1);
		}
		if (olc == NULL && lc->tls) {
			snprintf(why, len, "%s: listen on %s port %u tls: a "
			    "new TLS listener needs a restart", lc->where,
			    lc->addr, lc->port);
			return (-1);
		}
		lc->id = olc != NULL ? olc->id : next_listen++;
	}
	TAILQ_FOREACH(ic, &n->inlets, entry) {
		TAILQ_FOREACH(oic, &o->inlets, entry)
			if (oic->family == ic->family &&
			    oic->port == ic->port &&
			    strcmp(oic->addr, ic->addr) == 0)
				break;
		ic->id = oic != NULL ? oic->id : next_inlet++;
	}
	return (0);
}

/* The kind of worker n's configuration makes at name, or -1. */
static int
conf_kind(struct ockam_conf *conf, const char *name)
{
	struct worker_conf	*wc;
	struct sclient_conf	*sc;

	if ((wc = config_find_worker(conf, name)) != NULL)
		return (wc->kind);
	if (config_find_relay(conf, name) != NULL)
		return (WORKER_RELAY);
	if (config_find_sclistener(conf, name) != NULL)
		return (WORKER_SC_LISTENER);
	if (config_find_outlet(conf, name) != NULL)
		return (WORKER_OUTLET);
	TAILQ_FOREACH(sc, &conf->sclients, entry)
		if (strcmp(sc->name, name) == 0)
			return (WORKER_STREAM_PRODUCER);
	return (-1);
}

static int
plain_kind(int kind)
{
	return (kind == WORKER_ECHOER || kind == WORKER_HOP ||
	    kind == WORKER_RELAY);
}

static int
name_free(struct ockam_conf *o, const char *name, int kind, char *why,
    size_t len)
{
	struct worker	*w;
	int		 okind;

	if ((okind = conf_kind(o, name)) == kind)
		return (0);
	if (okind == -1 && (w = worker_find(name)) != NULL) {
		snprintf(why, len, "%s: the address is in use (%s)", name,
		    worker_kind_name(w->kind));
		return (-1);
	}
	if (okind != -1 && (!plain_kind(okind) || !plain_kind(kind))) {
		snprintf(why, len, "%s: was %s, would be %s: remove it in one "
		    "reload and add it in the next, or restart", name,
		    worker_kind_name(okind), worker_kind_name(kind));
		return (-1);
	}
	return (0);
}

/*
 * The addresses n adds are free on this node: not taken by a worker
 * made at run time (a control client's, a channel's, a forwarder).
 */
int
reload_names(struct ockam_conf *o, struct ockam_conf *n, char *why,
    size_t len)
{
	struct worker_conf	*wc;
	struct relay_conf	*rc;
	struct sclistener_conf	*sl;
	struct outlet_conf	*oc;
	struct sclient_conf	*sc;

	TAILQ_FOREACH(wc, &n->workers, entry)
		if (name_free(o, wc->name, wc->kind, why, len) == -1)
			return (-1);
	TAILQ_FOREACH(rc, &n->relays, entry)
		if (name_free(o, rc->name, WORKER_RELAY, why, len) == -1)
			return (-1);
	TAILQ_FOREACH(sl, &n->sclisteners, entry)
		if (name_free(o, sl->name, WORKER_SC_LISTENER, why, len) == -1)
			return (-1);
	TAILQ_FOREACH(oc, &n->outlets, entry)
		if (name_free(o, oc->name, WORKER_OUTLET, why, len) == -1)
			return (-1);
	TAILQ_FOREACH(sc, &n->sclients, entry)
		if (name_free(o, sc->name, WORKER_STREAM_PRODUCER, why,
		    len) == -1)
			return (-1);
	return (0);
}

/* "workers +1 -0, listeners +1, ...", or "no change". */
void
reload_summary(const struct reload_sum *s, char *buf, size_t len)
{
	static const char *names[RL_MAX] = {
		"workers", "relays", "listeners", "secure channel listeners",
		"connections closed", "channels closed", "relays at hubs",
		"stream clients", "outlets", "inlets", "forwarders closed",
	};
	size_t	 off = 0;
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < RL_MAX && off < len; i++) {
		if (s->added[i] == 0 && s->removed[i] == 0)
			continue;
		if (i == RL_CONNECTIONS || i == RL_CHANNELS ||
		    i == RL_FORWARDERS)
			off += snprintf(buf + off, len - off, "%s%s %d",
			    off ? ", " : "", names[i], s->removed[i]);
		else
			off += snprintf(buf + off, len - off, "%s%s +%d -%d",
			    off ? ", " : "", names[i], s->added[i],
			    s->removed[i]);
	}
	if (s->changed && off < len)
		off += snprintf(buf + off, len - off, "%srules changed %d",
		    off ? ", " : "", s->changed);
	if (off == 0)
		strlcpy(buf, "no change", len);
}
