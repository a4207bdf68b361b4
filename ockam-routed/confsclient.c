/* SPDX-License-Identifier: ISC */
/*
 * The statement "stream client at HUB send STREAM receive STREAM sender
 * ADDRESS ..." of ockam.conf(5), and the checks of a stream client's
 * settings that ockamctl stream client create shares (streamclient.c).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "multiaddr.h"
#include "route.h"
#include "streamd.h"

static struct ockam_conf	*sconf;
static struct sclient_conf	*cursc;	/* the stream client being read */

/* A new stream client's settings with their defaults, at route hub. */
struct sclient_conf *
sclient_conf_new(const char *hub, char *err, size_t errlen)
{
	struct sclient_conf	*sc;
	struct route		 r;

	route_init(&r);
	if (multiaddr_parse(hub, &r, err, errlen) == -1)
		return (NULL);
	route_clear(&r);
	if ((sc = calloc(1, sizeof(*sc))) == NULL ||
	    (sc->hub = strdup(hub)) == NULL) {
		free(sc);
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	TAILQ_INIT(&sc->consumers);
	sc->interval = SCLIENT_INTERVAL;
	strlcpy(sc->service, SCLIENT_SERVICE, sizeof(sc->service));
	strlcpy(sc->index, SCLIENT_INDEX, sizeof(sc->index));
	return (sc);
}

/*
 * One setting of sc: opt (SCOPT_*) is val.  -1 with err saying why.
 * Stream names and client ids follow the rule of this project's hubs
 * (streamd_name_valid), which Ockam's hubs accept too.
 */
static int
sclient_set(struct sclient_conf *sc, int opt, const char *val, char *err,
    size_t errlen)
{
	const char	*errstr;
	char		*dst = NULL;
	size_t		 len = 0;

	switch (opt) {
	case SCOPT_SEND:
	case SCOPT_RECEIVE:
	case SCOPT_CLIENT_ID:
		if (!streamd_name_valid(val, strlen(val))) {
			snprintf(err, errlen, "invalid %s \"%s\" (1 to %d "
			    "letters, digits, '_', '-' or '.', not first)",
			    opt == SCOPT_CLIENT_ID ? "client id" :
			    "stream name", val, STREAMD_NAME_MAX - 1);
			return (-1);
		}
		dst = opt == SCOPT_SEND ? sc->send : opt == SCOPT_RECEIVE ?
		    sc->receive : sc->client_id;
		len = opt == SCOPT_SEND ? sizeof(sc->send) :
		    opt == SCOPT_RECEIVE ? sizeof(sc->receive) :
		    sizeof(sc->client_id);
		break;
	case SCOPT_NAME:
	case SCOPT_SERVICE:
	case SCOPT_INDEX:
		if (addr_valid(OCKAM_ADDR_LOCAL, val, strlen(val)) == -1) {
			snprintf(err, errlen, "invalid address \"%s\"", val);
			return (-1);
		}
		dst = opt == SCOPT_NAME ? sc->name : opt == SCOPT_SERVICE ?
		    sc->service : sc->index;
		len = sizeof(sc->name);
		break;
	case SCOPT_INTERVAL:
		sc->interval = strtonum(val, 1, SCLIENT_INTERVAL_MAX, &errstr);
		if (errstr != NULL) {
			snprintf(err, errlen, "interval %s is %s (1 to %d ms)",
			    val, errstr, SCLIENT_INTERVAL_MAX);
			return (-1);
		}
		return (0);
	default:
		snprintf(err, errlen, "unknown setting");
		return (-1);
	}
	strlcpy(dst, val, len);
	return (0);
}

/* A whole stream client: what it must have. */
static int
sclient_complete(const struct sclient_conf *sc, char *err, size_t errlen)
{
	if (sc->send[0] == '\0' || sc->receive[0] == '\0' ||
	    sc->name[0] == '\0') {
		snprintf(err, errlen, "stream client at %s: send, receive "
		    "and sender are needed", sc->hub);
		return (-1);
	}
	if (strcmp(sc->send, sc->receive) == 0) {
		snprintf(err, errlen, "stream client at %s: it sends and "
		    "receives on %s: replies would come back to it", sc->hub,
		    sc->send);
		return (-1);
	}
	return (0);
}

/* For ockamctl: opts[SCOPT_*] (NULL: the default) on a new client. */
struct sclient_conf *
sclient_conf_make(const char *hub, const char *opts[], char *err,
    size_t errlen)
{
	struct sclient_conf	*sc;
	int			 i;

	if ((sc = sclient_conf_new(hub, err, errlen)) == NULL)
		return (NULL);
	for (i = 0; i < SCOPT_MAX; i++)
		if (opts[i] != NULL && sclient_set(sc, i, opts[i], err,
		    errlen) == -1) {
			sclient_conf_free(sc);
			return (NULL);
		}
	if (sclient_complete(sc, err, errlen) == -1) {
		sclient_conf_free(sc);
		return (NULL);
	}
	return (sc);
}

/* stream client at HUB */
void
new_sclient(struct ockam_conf *conf, const char *hub)
{
	char	 err[256];

	sconf = conf;
	if ((cursc = sclient_conf_new(hub, err, sizeof(err))) == NULL) {
		yyerror("stream client at \"%s\": %s", hub, err);
		return;
	}
	conf_where(cursc->where, sizeof(cursc->where));
	TAILQ_INSERT_TAIL(&conf->sclients, cursc, entry);
}

void
sclient_opt(int opt, const char *val)
{
	char	 err[256];

	if (cursc != NULL && sclient_set(cursc, opt, val, err,
	    sizeof(err)) == -1)
		yyerror("stream client at %s: %s", cursc->hub, err);
}

void
sclient_consumer(const char *name)
{
	if (cursc != NULL)
		add_name(&cursc->consumers, "stream client consumer", name);
}

/* The whole file read: each is complete, its name a worker's alone. */
int
check_sclients(struct ockam_conf *conf)
{
	struct sclient_conf	*sc, *o;
	char			 err[256];
	int			 nerr = 0;

	cursc = NULL;
	TAILQ_FOREACH(sc, &conf->sclients, entry) {
		if (sclient_complete(sc, err, sizeof(err)) == -1) {
			log_warnx("%s: %s", sc->where, err);
			nerr++;
			continue;
		}
		if (config_name_taken(conf, sc->name))
			goto taken;
		for (o = TAILQ_FIRST(&conf->sclients); o != sc;
		    o = TAILQ_NEXT(o, entry))
			if (strcmp(o->name, sc->name) == 0)
				goto taken;
		continue;
 taken:
		log_warnx("%s: worker \"%s\" defined twice", sc->where,
		    sc->name);
		nerr++;
	}
	return (nerr);
}
