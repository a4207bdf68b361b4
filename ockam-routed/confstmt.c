/* SPDX-License-Identifier: ISC */
/*
 * The statements of ockam.conf(5) that build more than a string: what
 * each one makes and checks, and the checks that need the whole file.
 * Called by the grammar in parse.y, which reports errors by yyerror().
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "multiaddr.h"
#include "route.h"

static struct ockam_conf	*conf;
static struct sclistener_conf	*cursl;	/* the listener being read */
static struct trust_conf	*curtrust;	/* its trust, or initiators' */
static struct listen_conf	*curlc;
static struct remote_conf	*currc;	/* the relay at a hub being read */
static const char		*file_name;	/* the top file */

/* Start on a new configuration read from file. */
void
stmt_begin(struct ockam_conf *c, const char *file)
{
	conf = c;
	cursl = NULL;
	curtrust = NULL;
	curlc = NULL;
	currc = NULL;
	file_name = file;
}

void
sc_identity(const char *name)
{
	if (cursl == NULL)
		return;
	if (cursl->identity[0] != '\0')
		yyerror("secure-channel listener \"%s\": identity given twice",
		    cursl->name);
	else if (strlcpy(cursl->identity, name, sizeof(cursl->identity)) >=
	    sizeof(cursl->identity))
		yyerror("identity name too long: %s", name);
}

void
sc_trust_everyone(void)
{
	if (curtrust != NULL)
		curtrust->everyone = 1;
}

/* secure-channel trust ...: the responders every initiator trusts. */
void
sc_initiator_trust(void)
{
	cursl = NULL;
	curtrust = &conf->sctrust;
}

/* secure-channel pin: initiators pin a responder seen first. */
void
sc_initiator_pin(void)
{
	cursl = NULL;
	curtrust = NULL;
	conf->scpin = 1;
}

void
listen_tls(const char *cert, const char *key)
{
	if (curlc == NULL)
		return;
	if (curlc->tls) {
		yyerror("listen on %s port %u: tls given twice", curlc->addr,
		    curlc->port);
		return;
	}
	curlc->tls = 1;
	if ((curlc->cert = strdup(cert)) == NULL ||
	    (curlc->key = strdup(key)) == NULL)
		fatal("%s", __func__);
}

void
listen_consumer(const char *name)
{
	if (curlc != NULL)
		add_name(&curlc->consumers, "consumer", name);
}

/* Identity names are file names in the vault directory. */
static int
identity_name_valid(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len >= OCKAM_NAME_MAX || s[0] == '.')
		return (0);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-", s[i]) == NULL)
			return (0);
	return (1);
}

void
add_identity(const char *name)
{
	struct identity_conf	*ic;

	if (!identity_name_valid(name)) {
		yyerror("invalid identity name \"%s\" (1 to %d letters, "
		    "digits, '_', '.' or '-', not starting with '.')", name,
		    OCKAM_NAME_MAX - 1);
		return;
	}
	if (config_find_identity(conf, name) != NULL) {
		yyerror("identity \"%s\" defined twice", name);
		return;
	}
	if ((ic = calloc(1, sizeof(*ic))) == NULL)
		fatal("%s", __func__);
	strlcpy(ic->name, name, sizeof(ic->name));
	TAILQ_INSERT_TAIL(&conf->identities, ic, entry);
}

/*
 * A secure channel listener is a worker too: its address shares the
 * namespace of the workers.  Its options follow on the same line.
 */
void
new_sclistener(const char *name)
{
	struct sclistener_conf	*sl;

	cursl = NULL;
	curtrust = NULL;
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid listener address \"%s\"", name);
		return;
	}
	if (config_name_taken(conf, name)) {
		yyerror("worker \"%s\" defined twice", name);
		return;
	}
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		fatal("%s", __func__);
	strlcpy(sl->name, name, sizeof(sl->name));
	trust_init(&sl->trust);
	TAILQ_INIT(&sl->consumers);
	conf_where(sl->where, sizeof(sl->where));
	TAILQ_INSERT_TAIL(&conf->sclisteners, sl, entry);
	cursl = sl;
	curtrust = &sl->trust;
}

void
add_trust(const char *id)
{
	if (curtrust == NULL)
		return;
	if (!identifier_valid(id)) {
		yyerror("invalid identifier \"%s\" (I and 64 lower-case hex "
		    "digits)", id);
		return;
	}
	curtrust->everyone = 0;
	if (names_add(&curtrust->ids, id) == -1)
		fatal("%s", __func__);
}

void
add_consumer(const char *name)
{
	if (cursl != NULL)
		add_name(&cursl->consumers, "consumer", name);
}

/* A worker address into a list of names. */
void
add_name(struct names *l, const char *what, const char *name)
{
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid %s address \"%s\"", what, name);
		return;
	}
	if (names_add(l, name) == -1)
		fatal("%s", __func__);
}

/* The configuration being read, and its file (portalconf.c). */
struct ockam_conf *
stmt_conf(const char **file)
{
	*file = file_name;
	return (conf);
}

/*
 * A numeric IPv4 or IPv6 address and a port, the address in canonical
 * text (so that ::1 and 0::1 are one address); the family, or -1.
 */
int
listen_addr(const char *what, const char *addr, const char *portstr,
    char *canon, uint16_t *port)
{
	struct in6_addr		 in6;
	struct in_addr		 in4;
	const char		*errstr;

	*port = strtonum(portstr, 1, 65535, &errstr);
	if (errstr != NULL) {
		yyerror("port %s is %s (1 to 65535)", portstr, errstr);
		return (-1);
	}
	if (inet_pton(AF_INET, addr, &in4) == 1 &&
	    inet_ntop(AF_INET, &in4, canon, INET6_ADDRSTRLEN) != NULL)
		return (4);
	if (inet_pton(AF_INET6, addr, &in6) == 1 &&
	    inet_ntop(AF_INET6, &in6, canon, INET6_ADDRSTRLEN) != NULL)
		return (6);
	yyerror("%s on \"%s\": not a numeric IPv4 or IPv6 address", what,
	    addr);
	return (-1);
}

/* listen on ADDRESS port PORT: a numeric IPv4 or IPv6 address. */
void
new_listen(const char *addr, const char *portstr)
{
	struct listen_conf	*lc, *o;
	char			 canon[INET6_ADDRSTRLEN];
	uint16_t		 port;
	int			 family;

	curlc = NULL;
	if ((family = listen_addr("listen", addr, portstr, canon, &port)) ==
	    -1)
		return;
	addr = canon;
	TAILQ_FOREACH(o, &conf->listeners, entry)
		if (o->port == port && strcmp(o->addr, addr) == 0) {
			yyerror("listen on %s port %u given twice", addr,
			    port);
			return;
		}
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		fatal("%s", __func__);
	lc->family = family;
	lc->port = port;
	strlcpy(lc->addr, addr, sizeof(lc->addr));
	TAILQ_INIT(&lc->consumers);
	lc->id = TAILQ_EMPTY(&conf->listeners) ? 1 :
	    TAILQ_LAST(&conf->listeners, listen_confs)->id + 1;
	conf_where(lc->where, sizeof(lc->where));
	TAILQ_INSERT_TAIL(&conf->listeners, lc, entry);
	curlc = lc;
}

/* relay NAME to ROUTE: forward everything along a fixed route. */
void
add_relay(const char *name, const char *to)
{
	struct relay_conf	*rc;
	char			 err[256];

	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid relay address \"%s\"", name);
		return;
	}
	if (config_name_taken(conf, name)) {
		yyerror("worker \"%s\" defined twice", name);
		return;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		fatal("%s", __func__);
	route_init(&rc->route);
	if (multiaddr_parse(to, &rc->route, err, sizeof(err)) == -1) {
		yyerror("relay %s: bad route \"%s\": %s", name, to, err);
		free(rc);
		return;
	}
	strlcpy(rc->name, name, sizeof(rc->name));
	if ((rc->to = strdup(to)) == NULL)
		fatal("%s", __func__);
	TAILQ_INSERT_TAIL(&conf->relays, rc, entry);
}

/* relay at HUB ...: a forwarder this node keeps at a hub (relayc.c). */
void
new_remote(const char *hub)
{
	struct route	 r;
	struct addr	*a;
	char		 err[256];

	currc = NULL;
	route_init(&r);
	if (multiaddr_parse(hub, &r, err, sizeof(err)) == -1) {
		yyerror("relay at \"%s\": bad route: %s", hub, err);
		return;
	}
	a = route_head(&r);
	if (r.n != 1 || (a->type != OCKAM_ADDR_TCP &&
	    a->type != OCKAM_ADDR_TLS)) {
		yyerror("relay at \"%s\": the hub's TCP or TLS address, "
		    "one hop", hub);
		route_clear(&r);
		return;
	}
	route_clear(&r);
	if ((currc = calloc(1, sizeof(*currc))) == NULL ||
	    (currc->hub = strdup(hub)) == NULL)
		fatal("%s", __func__);
	TAILQ_INIT(&currc->consumers);
	conf_where(currc->where, sizeof(currc->where));
	TAILQ_INSERT_TAIL(&conf->remotes, currc, entry);
}

void
remote_alias(const char *alias)
{
	if (currc == NULL)
		return;
	if (!alias_valid(alias, strlen(alias)))
		yyerror("relay at %s: invalid alias \"%s\" (1 to %d "
		    "characters, no '/', space or \"..\")", currc->hub,
		    alias, FWD_ALIAS_MAX);
	else
		strlcpy(currc->alias, alias, sizeof(currc->alias));
}

void
remote_to(const char *to)
{
	if (currc == NULL)
		return;
	if (addr_valid(OCKAM_ADDR_LOCAL, to, strlen(to)) == -1)
		yyerror("relay at %s: invalid address \"%s\"", currc->hub, to);
	else {
		strlcpy(currc->to, to, sizeof(currc->to));
		remote_consumer(to);
	}
}

void
remote_identity(const char *name)
{
	if (currc != NULL && strlcpy(currc->identity, name,
	    sizeof(currc->identity)) >= sizeof(currc->identity))
		yyerror("identity name too long: %s", name);
}

void
remote_listener(const char *name)
{
	if (currc == NULL)
		return;
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1)
		yyerror("relay at %s: invalid listener \"%s\"", currc->hub,
		    name);
	else
		strlcpy(currc->listener, name, sizeof(currc->listener));
}

void
remote_heartbeat(const char *secs)
{
	const char	*errstr;

	if (currc == NULL)
		return;
	currc->heartbeat = strtonum(secs, 1, RELAY_HEARTBEAT_MAX, &errstr);
	if (errstr != NULL)
		yyerror("relay at %s: heartbeat %s is %s (1 to %d seconds)",
		    currc->hub, secs, errstr, RELAY_HEARTBEAT_MAX);
}

void
remote_consumer(const char *name)
{
	if (currc != NULL)
		add_name(&currc->consumers, "relay consumer", name);
}

/* forwarding alias ALIAS identity ID */
void
add_alias(const char *alias, const char *id)
{
	struct alias_conf	*ac;

	if (!alias_valid(alias, strlen(alias))) {
		yyerror("forwarding alias \"%s\": invalid (1 to %d "
		    "characters, no '/', space or \"..\")", alias,
		    FWD_ALIAS_MAX);
		return;
	}
	if (!identifier_valid(id)) {
		yyerror("forwarding alias %s: invalid identifier \"%s\"",
		    alias, id);
		return;
	}
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		fatal("%s", __func__);
	strlcpy(ac->alias, alias, sizeof(ac->alias));
	strlcpy(ac->id, id, sizeof(ac->id));
	TAILQ_INSERT_TAIL(&conf->aliases, ac, entry);
}

/*
 * A consumer of a listener that passes on what it receives, to where
 * the sender says, makes the node an open gateway: only the first hop
 * of what arrives is checked.  A hop does; so does a relay whose route
 * stays on this node (what follows it is routed here).  A relay whose
 * route goes to another node hands it over to that node's checks.
 */
static void
check_gateway(struct listen_conf *lc, const char *name)
{
	struct worker_conf	*w;
	struct relay_conf	*rc;
	struct addr		*a;

	if ((w = config_find_worker(conf, name)) != NULL &&
	    w->kind == WORKER_HOP) {
		log_warnx("%s: warning: hop \"%s\" is a consumer of listen "
		    "on %s port %u: whoever reaches the listener can send "
		    "through this node to any address", lc->where, name,
		    lc->addr, lc->port);
		return;
	}
	if ((rc = config_find_relay(conf, name)) == NULL)
		return;
	TAILQ_FOREACH(a, &rc->route.q, entry)
		if (a->type == OCKAM_ADDR_TCP || a->type == OCKAM_ADDR_TLS)
			return;
	log_warnx("%s: warning: relay \"%s\" is a consumer of listen on %s "
	    "port %u and its route stays on this node: whoever reaches the "
	    "listener can send through it to any address after that route",
	    lc->where, name, lc->addr, lc->port);
}

/* Each relay at a hub: something to reach, an identity for an alias. */
static int
check_remotes(void)
{
	struct remote_conf	*rc;
	int			 nerr = 0;

	TAILQ_FOREACH(rc, &conf->remotes, entry) {
		if (rc->heartbeat == 0)
			rc->heartbeat = RELAY_HEARTBEAT;
		if (rc->listener[0] == '\0')
			strlcpy(rc->listener, RELAY_LISTENER,
			    sizeof(rc->listener));
		if (TAILQ_EMPTY(&rc->consumers)) {
			log_warnx("%s: relay at %s: no \"to\" and no "
			    "consumers: nothing that comes through it can be "
			    "delivered", rc->where, rc->hub);
			nerr++;
		}
		if (rc->identity[0] != '\0' &&
		    config_find_identity(conf, rc->identity) == NULL) {
			log_warnx("%s: relay at %s: identity \"%s\" is not "
			    "declared", rc->where, rc->hub, rc->identity);
			nerr++;
		} else if (rc->alias[0] != '\0' &&
		    TAILQ_EMPTY(&conf->identities)) {
			log_warnx("%s: relay at %s alias %s: an alias is "
			    "claimed through a secure channel, and this node "
			    "has no identity", rc->where, rc->hub, rc->alias);
			nerr++;
		}
	}
	return (nerr);
}

/* What can only be checked once the whole file is read. */
int
check_config(void)
{
	struct sclistener_conf	*sl;
	struct listen_conf	*lc;
	struct name_entry	*n;
	int			 nerr = 0;

	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		if (TAILQ_EMPTY(&lc->consumers))
			log_warnx("%s: warning: listen on %s port %u has no "
			    "consumers: nothing that arrives there can be "
			    "delivered", lc->where, lc->addr, lc->port);
		TAILQ_FOREACH(n, &lc->consumers, entry)
			check_gateway(lc, n->name);
	}

	if (!TAILQ_EMPTY(&conf->identities) && conf->vault_dir == NULL) {
		log_warnx("%s: identities need a vault directory", file_name);
		nerr++;
	}
	TAILQ_FOREACH(sl, &conf->sclisteners, entry) {
		if (sl->identity[0] == '\0') {
			log_warnx("%s: secure-channel listener \"%s\": no "
			    "identity", sl->where, sl->name);
			nerr++;
		} else if (config_find_identity(conf, sl->identity) == NULL) {
			log_warnx("%s: secure-channel listener \"%s\": "
			    "identity \"%s\" is not declared", sl->where,
			    sl->name, sl->identity);
			nerr++;
		}
		if (config_find_worker(conf, sl->name) != NULL ||
		    config_find_relay(conf, sl->name) != NULL) {
			log_warnx("%s: worker \"%s\" defined twice",
			    sl->where, sl->name);
			nerr++;
		}
		if (TAILQ_EMPTY(&sl->consumers) &&
		    !outlet_consumer_of(conf, sl->name))
			log_warnx("%s: warning: secure-channel listener "
			    "\"%s\" has no consumers: nothing that comes out "
			    "of its channels can be delivered", sl->where,
			    sl->name);
	}
	if (conf->limits[LIMIT_CONNECTIONS_OUTGOING] >=
	    conf->limits[LIMIT_CONNECTIONS]) {
		log_warnx("%s: limit connections-outgoing (%u) leaves no "
		    "connection to accept: it must be less than connections "
		    "(%u)", file_name, conf->limits[LIMIT_CONNECTIONS_OUTGOING],
		    conf->limits[LIMIT_CONNECTIONS]);
		nerr++;
	}
	nerr += check_remotes();
	nerr += check_sclients(conf);
	if (conf->stream != NULL && conf->stream->dir == NULL) {
		log_warnx("%s: stream service \"%s\": no storage directory",
		    file_name, conf->stream->service);
		nerr++;
	}
	if (conf->stream != NULL && conf->stream->storage ==
	    STREAM_STORAGE_REDIS && (conf->stream->retain_age != 0 ||
	    conf->stream->retain_bytes != 0)) {
		log_warnx("%s: stream service \"%s\": no retention with "
		    "Redis storage (Redis keeps what it is given)", file_name,
		    conf->stream->service);
		nerr++;
	}
	if (conf->stream != NULL && conf->stream->redis_auth != NULL &&
	    conf->stream->storage != STREAM_STORAGE_REDIS) {
		log_warnx("%s: stream service \"%s\": password-file without "
		    "Redis storage", file_name, conf->stream->service);
		nerr++;
	}
	nerr += check_portals();
	if (conf->sctrust.everyone)
		log_warnx("%s: warning: secure-channel trust everyone: the "
		    "channels this node creates take any responder", file_name);
	return (nerr);
}

/*
 * stream service NAME index NAME: once; the caller adds the two
 * workers when this returns 0.
 */
int
new_stream(const char *service, const char *index)
{
	if (conf->stream != NULL) {
		yyerror("stream service given twice");
		return (-1);
	}
	if ((conf->stream = calloc(1, sizeof(*conf->stream))) == NULL)
		fatal("%s", __func__);
	strlcpy(conf->stream->service, service,
	    sizeof(conf->stream->service));
	strlcpy(conf->stream->index, index, sizeof(conf->stream->index));
	conf->stream->storage = STREAM_STORAGE_EMBEDDED;
	return (0);
}

/* storage embedded directory DIR (checked absolute by the grammar). */
void
stream_dir(const char *dir)
{
	if (strlen(dir) >= PATH_MAX) {
		yyerror("stream storage directory path too long");
		return;
	}
	if (conf->stream->dir != NULL) {
		yyerror("stream storage given twice");
		return;
	}
	if ((conf->stream->dir = strdup(dir)) == NULL)
		fatal("%s", __func__);
}

/*
 * storage redis HOST:PORT directory DIR: a numeric IPv4 address, or an
 * IPv6 one in brackets, and a port; DIR (checked absolute by the
 * grammar) is streamd's chroot.
 */
void
stream_redis(const char *addr, const char *dir)
{
	struct in6_addr	 a6;
	const char	*colon, *errstr;
	char		 host[INET6_ADDRSTRLEN + 2];
	size_t		 hlen;
	long long	 port;

	if (conf->stream == NULL)
		return;
	stream_dir(dir);
	if ((colon = strrchr(addr, ':')) == NULL ||
	    (hlen = colon - addr) >= sizeof(host))
		goto bad;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto bad;
	} else if (inet_pton(AF_INET, host, &a6) != 1)
		goto bad;
	port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL)
		goto bad;
	if ((conf->stream->redis_host = strdup(host)) == NULL)
		fatal("%s", __func__);
	conf->stream->redis_port = (uint16_t)port;
	conf->stream->storage = STREAM_STORAGE_REDIS;
	return;
bad:
	yyerror("storage redis %s: not a numeric address and a port, "
	    "ADDRESS:PORT or [ADDRESS]:PORT", addr);
}

/* password-file PATH (checked absolute by the grammar), once. */
void
stream_redis_auth(const char *path)
{
	if (conf->stream == NULL)
		return;
	if (conf->stream->redis_auth != NULL) {
		yyerror("password-file given twice");
		return;
	}
	if ((conf->stream->redis_auth = strdup(path)) == NULL)
		fatal("%s", __func__);
}

/*
 * retain size SIZE (0) or retain age TIME (1): a number and a unit
 * (K, M, G, T; s, m, h, d), at least 64K or 60 seconds, once each.
 */
void
stream_retain(int age, const char *s)
{
	static const char *const	 units[2][6] = {
		{ "", "K", "M", "G", "T", NULL },
		{ "", "s", "m", "h", "d", NULL }
	};
	static const unsigned long long	 mul[2][5] = {
		{ 1, 1ULL << 10, 1ULL << 20, 1ULL << 30, 1ULL << 40 },
		{ 1, 1, 60, 3600, 86400 }
	};
	static const unsigned long long	 lim[2][2] = {
		{ 65536, 1ULL << 50 }, { 60, 10ULL * 365 * 86400 }
	};
	unsigned long long		 n;
	char				*end;
	int				 i;

	if (conf->stream == NULL)
		return;
	if (age ? conf->stream->retain_age != 0 :
	    conf->stream->retain_bytes != 0) {
		yyerror("retain %s given twice", age ? "age" : "size");
		return;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	for (i = 0; units[age][i] != NULL; i++)
		if (strcmp(end, units[age][i]) == 0)
			break;
	if (s[0] < '0' || s[0] > '9' || errno != 0 ||
	    units[age][i] == NULL || n > lim[age][1] / mul[age][i] ||
	    n * mul[age][i] < lim[age][0] || n * mul[age][i] > lim[age][1]) {
		yyerror("retain %s %s: %s", age ? "age" : "size", s, age ?
		    "60s to 3650d, in s, m, h or d" :
		    "64K to 1024T, in K, M, G or T");
		return;
	}
	if (age)
		conf->stream->retain_age = n * mul[age][i];
	else
		conf->stream->retain_bytes = n * mul[age][i];
}

/* limit NAME VALUE: one of the bounds of limit.h, once. */
void
set_limit(const char *name, const char *value)
{
	const char	*why;
	int		 id;

	if ((id = limit_lookup(name)) == -1) {
		yyerror("limit %s: no such limit", name);
		return;
	}
	if (conf->limit_set[id]) {
		yyerror("limit %s: given twice", name);
		return;
	}
	if (limit_parse(id, value, &conf->limits[id], &why) == -1) {
		yyerror("limit %s %s: %s (%u to %u)", name, value, why,
		    limit_defs[id].min, limit_defs[id].max);
		return;
	}
	conf->limit_set[id] = 1;
}
