/* SPDX-License-Identifier: ISC */
/*
 * The TCP portal statements of ockam.conf(5), for parse.y:
 *
 *	outlet NAME to HOST:PORT [consumers { LISTENER ... }]
 *	inlet on ADDRESS port PORT [via ROUTE] to ROUTE
 *
 * An outlet's target is named here and nowhere else: the network never
 * chooses where a node connects.  Its consumers are the secure channel
 * listeners whose channels may open it (default deny); a TCP listener
 * whose consumers name the outlet lets plain TCP in too.  An inlet's
 * via is a route to a secure channel listener, which the node opens a
 * channel to itself; to is the outlet's route after it (a single name
 * or multiaddr text).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "multiaddr.h"
#include "route.h"

static struct outlet_conf	*curoc;

/* Does an outlet name listener name as a consumer? */
int
outlet_consumer_of(struct ockam_conf *conf, const char *name)
{
	struct outlet_conf	*oc;

	TAILQ_FOREACH(oc, &conf->outlets, entry)
		if (names_find(&oc->consumers, name))
			return (1);
	return (0);
}

/* HOST:PORT or [IPv6]:PORT, as tcpd takes it (lib/tcp.h). */
static int
target_valid(const char *t)
{
	const char	*colon, *errstr;

	if ((colon = strrchr(t, ':')) == NULL || colon == t ||
	    strlen(t) > OCKAM_ADDR_MAX || strchr(t, '@') != NULL)
		return (0);
	strtonum(colon + 1, 1, 65535, &errstr);
	return (errstr == NULL);
}

void
add_outlet(const char *name, const char *target)
{
	struct ockam_conf	*conf;
	struct outlet_conf	*oc;
	const char		*file;

	conf = stmt_conf(&file);
	curoc = NULL;
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid outlet address \"%s\"", name);
		return;
	}
	if (config_name_taken(conf, name)) {
		yyerror("worker \"%s\" defined twice", name);
		return;
	}
	if (!target_valid(target)) {
		yyerror("outlet %s: target \"%s\" is not HOST:PORT", name,
		    target);
		return;
	}
	if ((oc = calloc(1, sizeof(*oc))) == NULL)
		fatal("%s", __func__);
	strlcpy(oc->name, name, sizeof(oc->name));
	strlcpy(oc->target, target, sizeof(oc->target));
	TAILQ_INIT(&oc->consumers);
	TAILQ_INSERT_TAIL(&conf->outlets, oc, entry);
	curoc = oc;
}

void
outlet_consumer(const char *name)
{
	if (curoc != NULL)
		add_name(&curoc->consumers, "outlet consumer", name);
}

/*
 * An inlet's route as text: multiaddr, or a single local name (also
 * for ockamctl tcp-inlet create); -1 with why in err.
 */
int
inlet_route(const char *text, struct route *r, char *err, size_t len)
{
	char	 why[256];

	route_init(r);
	if (text[0] != '/') {
		if (route_push_back(r, OCKAM_ADDR_LOCAL, text,
		    strlen(text)) == -1 || addr_valid(OCKAM_ADDR_LOCAL, text,
		    strlen(text)) == -1) {
			snprintf(err, len, "bad route \"%s\"", text);
			route_clear(r);
			return (-1);
		}
		return (0);
	}
	if (multiaddr_parse(text, r, why, sizeof(why)) == -1) {
		snprintf(err, len, "bad route \"%s\": %s", text, why);
		return (-1);
	}
	return (0);
}

static int
portal_route(const char *text, struct route *r)
{
	char	 err[512];

	if (inlet_route(text, r, err, sizeof(err)) == -1) {
		yyerror("inlet: %s", err);
		return (-1);
	}
	return (0);
}

void
add_inlet(const char *addr, const char *portstr, const char *via,
    const char *to)
{
	struct ockam_conf	*conf;
	struct inlet_conf	*ic, *o;
	const char		*file;
	char			 canon[INET6_ADDRSTRLEN];
	uint16_t		 port;
	int			 family;

	conf = stmt_conf(&file);
	if ((family = listen_addr("inlet", addr, portstr, canon, &port)) == -1)
		return;
	TAILQ_FOREACH(o, &conf->inlets, entry)
		if (o->port == port && strcmp(o->addr, canon) == 0) {
			yyerror("inlet on %s port %u given twice", canon,
			    port);
			return;
		}
	if ((ic = calloc(1, sizeof(*ic))) == NULL)
		fatal("%s", __func__);
	ic->family = family;
	ic->port = port;
	strlcpy(ic->addr, canon, sizeof(ic->addr));
	route_init(&ic->via_route);
	if ((via != NULL && portal_route(via, &ic->via_route) == -1) ||
	    portal_route(to, &ic->to_route) == -1) {
		route_clear(&ic->via_route);
		free(ic);
		return;
	}
	if ((via != NULL && (ic->via = strdup(via)) == NULL) ||
	    (ic->to = strdup(to)) == NULL)
		fatal("%s", __func__);
	ic->id = TAILQ_EMPTY(&conf->inlets) ? 1 :
	    TAILQ_LAST(&conf->inlets, inlet_confs)->id + 1;
	TAILQ_INSERT_TAIL(&conf->inlets, ic, entry);
}

/* The whole file read: what needs more than one statement. */
int
check_portals(void)
{
	struct ockam_conf	*conf;
	struct outlet_conf	*oc;
	struct inlet_conf	*ic;
	const char		*file;
	int			 nerr = 0;
	uint32_t		 n = 0;

	conf = stmt_conf(&file);
	TAILQ_FOREACH(ic, &conf->inlets, entry)
		n++;
	if (n > conf->limits[LIMIT_INLETS]) {
		log_warnx("%s: %u inlets, more than limit inlets (%u)", file,
		    n, conf->limits[LIMIT_INLETS]);
		nerr++;
	}
	TAILQ_FOREACH(oc, &conf->outlets, entry)
		if (TAILQ_EMPTY(&oc->consumers))
			log_warnx("%s: warning: outlet \"%s\" has no "
			    "consumers: no secure channel can open it",
			    file, oc->name);
	TAILQ_FOREACH(ic, &conf->inlets, entry)
		if (ic->via != NULL && TAILQ_EMPTY(&conf->identities)) {
			log_warnx("%s: inlet on %s port %u: a channel (via) "
			    "needs an identity", file, ic->addr, ic->port);
			nerr++;
		}
	return (nerr);
}

