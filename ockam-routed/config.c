/* SPDX-License-Identifier: ISC */
/*
 * The node configuration: allocation, lookup, and printing it back in
 * the grammar of ockam.conf(5) (ockam-routed -nv).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void	print_names(const char *, const struct names *);
static void	print_secure(struct ockam_conf *);
static void	print_limits(struct ockam_conf *);
static void	print_stream(const struct stream_conf *);

struct ockam_conf *
config_new(void)
{
	struct ockam_conf	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return (NULL);
	conf->csock_mode = OCKAM_SOCKET_MODE;
	TAILQ_INIT(&conf->workers);
	TAILQ_INIT(&conf->identities);
	TAILQ_INIT(&conf->sclisteners);
	trust_init(&conf->sctrust);
	conf->sctrust.everyone = 0;
	TAILQ_INIT(&conf->listeners);
	TAILQ_INIT(&conf->relays);
	TAILQ_INIT(&conf->remotes);
	TAILQ_INIT(&conf->aliases);
	TAILQ_INIT(&conf->outlets);
	TAILQ_INIT(&conf->inlets);
	TAILQ_INIT(&conf->sclients);
	limits_default(conf->limits);
	return (conf);
}

void
remote_conf_free(struct remote_conf *rc)
{
	names_free(&rc->consumers);
	free(rc->hub);
	free(rc);
}

void
sclient_conf_free(struct sclient_conf *sc)
{
	if (sc == NULL)
		return;
	names_free(&sc->consumers);
	free(sc->hub);
	free(sc);
}

void
config_free(struct ockam_conf *conf)
{
	struct worker_conf	*w;
	struct identity_conf	*ic;
	struct sclistener_conf	*sl;
	struct listen_conf	*lc;
	struct relay_conf	*rc;
	struct remote_conf	*rm;
	struct alias_conf	*ac;
	struct sclient_conf	*sc;

	if (conf == NULL)
		return;
	portals_free(conf);
	while ((rm = TAILQ_FIRST(&conf->remotes)) != NULL) {
		TAILQ_REMOVE(&conf->remotes, rm, entry);
		remote_conf_free(rm);
	}
	while ((sc = TAILQ_FIRST(&conf->sclients)) != NULL) {
		TAILQ_REMOVE(&conf->sclients, sc, entry);
		sclient_conf_free(sc);
	}
	while ((ac = TAILQ_FIRST(&conf->aliases)) != NULL) {
		TAILQ_REMOVE(&conf->aliases, ac, entry);
		free(ac);
	}
	while ((lc = TAILQ_FIRST(&conf->listeners)) != NULL) {
		TAILQ_REMOVE(&conf->listeners, lc, entry);
		names_free(&lc->consumers);
		free(lc->cert);
		free(lc->key);
		free(lc);
	}
	while ((rc = TAILQ_FIRST(&conf->relays)) != NULL) {
		TAILQ_REMOVE(&conf->relays, rc, entry);
		route_clear(&rc->route);
		free(rc->to);
		free(rc);
	}
	free(conf->tls_ca);
	if (conf->stream != NULL) {
		free(conf->stream->dir);
		free(conf->stream->redis_host);
		free(conf->stream->redis_auth);
	}
	free(conf->stream);
	while ((w = TAILQ_FIRST(&conf->workers)) != NULL) {
		TAILQ_REMOVE(&conf->workers, w, entry);
		free(w);
	}
	while ((ic = TAILQ_FIRST(&conf->identities)) != NULL) {
		TAILQ_REMOVE(&conf->identities, ic, entry);
		free(ic);
	}
	while ((sl = TAILQ_FIRST(&conf->sclisteners)) != NULL) {
		TAILQ_REMOVE(&conf->sclisteners, sl, entry);
		trust_free(&sl->trust);
		names_free(&sl->consumers);
		free(sl);
	}
	trust_free(&conf->sctrust);
	free(conf->vault_dir);
	free(conf->user);
	free(conf->vault_user);
	free(conf->chroot);
	free(conf->csock);
	free(conf->csock_group);
	free(conf);
}

struct worker_conf *
config_find_worker(struct ockam_conf *conf, const char *name)
{
	struct worker_conf	*w;

	TAILQ_FOREACH(w, &conf->workers, entry)
		if (strcmp(w->name, name) == 0)
			return (w);
	return (NULL);
}

struct identity_conf *
config_find_identity(struct ockam_conf *conf, const char *name)
{
	struct identity_conf	*ic;

	TAILQ_FOREACH(ic, &conf->identities, entry)
		if (strcmp(ic->name, name) == 0)
			return (ic);
	return (NULL);
}

struct sclistener_conf *
config_find_sclistener(struct ockam_conf *conf, const char *name)
{
	struct sclistener_conf	*sl;

	TAILQ_FOREACH(sl, &conf->sclisteners, entry)
		if (strcmp(sl->name, name) == 0)
			return (sl);
	return (NULL);
}

struct relay_conf *
config_find_relay(struct ockam_conf *conf, const char *name)
{
	struct relay_conf	*rc;

	TAILQ_FOREACH(rc, &conf->relays, entry)
		if (strcmp(rc->name, name) == 0)
			return (rc);
	return (NULL);
}

/* Workers, listeners and relays share one address space. */
int
config_name_taken(struct ockam_conf *conf, const char *name)
{
	return (portal_name_taken(conf, name) ||
	    config_find_worker(conf, name) != NULL ||
	    config_find_sclistener(conf, name) != NULL ||
	    config_find_relay(conf, name) != NULL);
}

/* Add a name once; -1 when it is too long or memory runs out. */
int
names_add(struct names *l, const char *name)
{
	struct name_entry	*n;

	if (names_find(l, name))
		return (0);
	if (strlen(name) >= sizeof(n->name) ||
	    (n = calloc(1, sizeof(*n))) == NULL)
		return (-1);
	strlcpy(n->name, name, sizeof(n->name));
	TAILQ_INSERT_TAIL(l, n, entry);
	return (0);
}

int
names_find(const struct names *l, const char *name)
{
	struct name_entry	*n;

	TAILQ_FOREACH(n, l, entry)
		if (strcmp(n->name, name) == 0)
			return (1);
	return (0);
}

void
names_free(struct names *l)
{
	struct name_entry	*n;

	while ((n = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, n, entry);
		free(n);
	}
}

void
trust_init(struct trust_conf *t)
{
	t->everyone = 1;
	TAILQ_INIT(&t->ids);
}

void
trust_free(struct trust_conf *t)
{
	names_free(&t->ids);
}

/* May a peer with this identifier have a channel? */
int
trust_allows(const struct trust_conf *t, const char *identifier)
{
	return (t->everyone || names_find(&t->ids, identifier));
}

/*
 * The identifier of an Ed25519 public key: "I" followed by the
 * lower-case hex SHA-256 of the key (doc/design.md 5).
 */
void
identifier_of(const uint8_t *sign_pub, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 h[crypto_hash_sha256_BYTES];
	size_t			 i;

	crypto_hash_sha256(h, sign_pub, 32);
	out[0] = 'I';
	for (i = 0; i < sizeof(h); i++) {
		out[1 + 2 * i] = hex[h[i] >> 4];
		out[2 + 2 * i] = hex[h[i] & 0xf];
	}
	out[OCKAM_IDENTIFIER_LEN] = '\0';
}

/* "I" and 64 lower-case hex digits. */
int
identifier_valid(const char *s)
{
	size_t	 i;

	if (strlen(s) != OCKAM_IDENTIFIER_LEN ||
	    s[0] != 'I')
		return (0);
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	return (1);
}

/*
 * A static alias: 1 to FWD_ALIAS_MAX printable characters, no '/', no
 * "..": it becomes part of a worker address and of routes as text.
 */
int
alias_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > FWD_ALIAS_MAX || strlen(s) != len ||
	    strstr(s, "..") != NULL)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/')
			return (0);
	return (1);
}

const char *
worker_kind_name(enum worker_kind kind)
{
	switch (kind) {
	case WORKER_ECHOER:
		return ("echoer");
	case WORKER_HOP:
		return ("hop");
	case WORKER_APP:
		return ("app");
	case WORKER_SC_LISTENER:
		return ("secure-channel-listener");
	case WORKER_SC_ENCRYPTOR:
		return ("encryptor");
	case WORKER_SC_DECRYPTOR:
		return ("decryptor");
	case WORKER_RELAY:
		return ("relay");
	case WORKER_FWD_SERVICE:
		return ("forwarding service");
	case WORKER_FWD_STATIC:
		return ("static forwarding service");
	case WORKER_FORWARDER:
		return ("forwarder");
	case WORKER_REMOTE:
		return ("relay client");
	case WORKER_STREAM_SERVICE:
		return ("stream service");
	case WORKER_STREAM_INDEX:
		return ("stream index service");
	case WORKER_STREAM:
		return ("stream");
	case WORKER_OUTLET:
		return ("outlet");
	case WORKER_PORTAL:
		return ("portal");
	case WORKER_STREAM_PRODUCER:
		return ("stream producer");
	case WORKER_STREAM_CONSUMER:
		return ("stream consumer");
	}
	return ("unknown");
}

/* A quoted string that the lexer reads back as it was. */
void
print_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void
print_config(struct ockam_conf *conf)
{
	struct worker_conf	*w;
	int			 first = 1;

	printf("user ");
	print_string(conf->user);
	printf("\n");
	if (conf->chroot != NULL) {
		printf("chroot ");
		print_string(conf->chroot);
		printf("\n");
	}
	printf("control socket ");
	print_string(conf->csock);
	printf(" mode %04o", (unsigned int)conf->csock_mode);
	if (conf->csock_group != NULL) {
		printf(" group ");
		print_string(conf->csock_group);
	}
	printf("\n");

	TAILQ_FOREACH(w, &conf->workers, entry) {
		/*
		 * App workers come from control clients, not the file; the
		 * stream services from one statement, where the first was.
		 */
		if (w->kind == WORKER_APP || w->kind == WORKER_STREAM_INDEX)
			continue;
		if (first) {
			printf("\n");
			first = 0;
		}
		if (w->kind == WORKER_STREAM_SERVICE) {
			print_stream(conf->stream);
			continue;
		}
		printf("%s ", worker_kind_name(w->kind));
		print_string(w->name);
		printf("\n");
	}
	print_secure(conf);
	print_limits(conf);
}

static void
print_stream(const struct stream_conf *sc)
{
	printf("stream service ");
	print_string(sc->service);
	printf(" index ");
	print_string(sc->index);
	if (sc->storage == STREAM_STORAGE_REDIS) {
		printf(strchr(sc->redis_host, ':') != NULL ?
		    " storage redis [%s]:%u directory " :
		    " storage redis %s:%u directory ", sc->redis_host,
		    sc->redis_port);
		print_string(sc->dir);
		if (sc->redis_auth != NULL) {
			printf(" password-file ");
			print_string(sc->redis_auth);
		}
	} else if (sc->dir != NULL) {
		printf(" storage embedded directory ");
		print_string(sc->dir);
	}
	if (sc->retain_bytes != 0)
		printf(" retain size %llu",
		    (unsigned long long)sc->retain_bytes);
	if (sc->retain_age != 0)
		printf(" retain age %us", sc->retain_age);
	printf("\n");
}

/*
 * The limits the file set; with -v every limit, the defaults as
 * comments, so that an operator sees every bound in force.
 */
static void
print_limits(struct ockam_conf *conf)
{
	char	 v[32];
	int	 i, first = 1;

	for (i = 0; i < LIMIT_MAX; i++) {
		if (!conf->limit_set[i] && !(conf->opts & OCKAM_OPT_VERBOSE))
			continue;
		if (first) {
			printf("\n");
			first = 0;
		}
		limit_format(i, conf->limits[i], v, sizeof(v));
		/* A default as a comment: what is printed parses the same. */
		printf("%slimit %s %s\n", conf->limit_set[i] ? "" : "# ",
		    limit_defs[i].name, v);
	}
}

static void
print_names(const char *keyword, const struct names *l)
{
	struct name_entry	*n;

	printf(" %s {", keyword);
	TAILQ_FOREACH(n, l, entry) {
		printf(" ");
		print_string(n->name);
	}
	printf(" }");
}

/* relay at HUB ... and forwarding alias ... identity ... */
static void
print_remotes(struct ockam_conf *conf)
{
	struct remote_conf	*rm;
	struct alias_conf	*ac;
	struct sclient_conf	*sc;
	struct name_entry	*n;
	int			 first;

	TAILQ_FOREACH(rm, &conf->remotes, entry) {
		printf("relay at ");
		print_string(rm->hub);
		if (rm->alias[0] != '\0') {
			printf(" alias ");
			print_string(rm->alias);
			if (rm->identity[0] != '\0') {
				printf(" identity ");
				print_string(rm->identity);
			}
			printf(" listener ");
			print_string(rm->listener);
		}
		if (rm->to[0] != '\0') {
			printf(" to ");
			print_string(rm->to);
		}
		printf(" heartbeat %d", rm->heartbeat);
		first = 1;
		TAILQ_FOREACH(n, &rm->consumers, entry) {
			if (strcmp(n->name, rm->to) == 0)
				continue;
			printf("%s", first ? " consumers { " : " ");
			print_string(n->name);
			first = 0;
		}
		printf("%s\n", first ? "" : " }");
	}
	TAILQ_FOREACH(sc, &conf->sclients, entry) {
		printf("stream client at ");
		print_string(sc->hub);
		printf(" send ");
		print_string(sc->send);
		printf(" receive ");
		print_string(sc->receive);
		printf(" sender ");
		print_string(sc->name);
		if (sc->client_id[0] != '\0') {
			printf(" client-id ");
			print_string(sc->client_id);
		}
		printf(" interval %u service ", sc->interval);
		print_string(sc->service);
		printf(" index ");
		print_string(sc->index);
		first = 1;
		TAILQ_FOREACH(n, &sc->consumers, entry) {
			printf("%s", first ? " consumers { " : " ");
			print_string(n->name);
			first = 0;
		}
		printf("%s\n", first ? "" : " }");
	}
	TAILQ_FOREACH(ac, &conf->aliases, entry) {
		printf("forwarding alias ");
		print_string(ac->alias);
		printf(" identity ");
		print_string(ac->id);
		printf("\n");
	}
}

/* Vault, identities, secure channel listeners, TCP, relays. */
static void
print_secure(struct ockam_conf *conf)
{
	struct identity_conf	*ic;
	struct sclistener_conf	*sl;
	struct listen_conf	*lc;
	struct relay_conf	*rc;

	/* Each part after a blank line, as the examples in etc/ are. */
	if (conf->tls_ca != NULL || conf->listen_static ||
	    !TAILQ_EMPTY(&conf->listeners) ||
	    !TAILQ_EMPTY(&conf->relays) || !TAILQ_EMPTY(&conf->remotes) ||
	    !TAILQ_EMPTY(&conf->aliases) || !TAILQ_EMPTY(&conf->sclients))
		printf("\n");
	if (conf->tls_ca != NULL) {
		printf("tls ca ");
		print_string(conf->tls_ca);
		printf("\n");
	}
	if (conf->listen_static)
		printf("listen static\n");
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		printf("listen on ");
		print_string(lc->addr);
		printf(" port %u", lc->port);
		if (lc->tls) {
			printf(" tls certificate ");
			print_string(lc->cert);
			printf(" key ");
			print_string(lc->key);
		}
		if (!TAILQ_EMPTY(&lc->consumers))
			print_names("consumers", &lc->consumers);
		printf("\n");
	}
	TAILQ_FOREACH(rc, &conf->relays, entry) {
		printf("relay ");
		print_string(rc->name);
		printf(" to ");
		print_string(rc->to);
		printf("\n");
	}
	print_remotes(conf);
	print_portals(conf);

	printf("\nvault user ");
	print_string(conf->vault_user);
	printf("\n");
	if (conf->vault_dir != NULL) {
		printf("vault directory ");
		print_string(conf->vault_dir);
		printf("\n");
	}
	TAILQ_FOREACH(ic, &conf->identities, entry) {
		printf("identity ");
		print_string(ic->name);
		printf("\n");
	}
	if (conf->sctrust.everyone)
		printf("secure-channel trust everyone\n");
	else if (!TAILQ_EMPTY(&conf->sctrust.ids)) {
		printf("secure-channel");
		print_names("trust", &conf->sctrust.ids);
		printf("\n");
	}
	if (conf->scpin)
		printf("secure-channel pin\n");
	TAILQ_FOREACH(sl, &conf->sclisteners, entry) {
		printf("secure-channel listener ");
		print_string(sl->name);
		printf(" identity ");
		print_string(sl->identity);
		if (sl->trust.everyone)
			printf(" trust everyone");
		else
			print_names("trust", &sl->trust.ids);
		if (!TAILQ_EMPTY(&sl->consumers))
			print_names("consumers", &sl->consumers);
		printf("\n");
	}
}

/* TCP portals (portalconf.c reads them). */
struct outlet_conf *
config_find_outlet(struct ockam_conf *conf, const char *name)
{
	struct outlet_conf	*oc;

	TAILQ_FOREACH(oc, &conf->outlets, entry)
		if (strcmp(oc->name, name) == 0)
			return (oc);
	return (NULL);
}

int
portal_name_taken(struct ockam_conf *conf, const char *name)
{
	return (config_find_outlet(conf, name) != NULL);
}

void
portals_free(struct ockam_conf *conf)
{
	struct outlet_conf	*oc;
	struct inlet_conf	*ic;

	while ((oc = TAILQ_FIRST(&conf->outlets)) != NULL) {
		TAILQ_REMOVE(&conf->outlets, oc, entry);
		names_free(&oc->consumers);
		free(oc);
	}
	while ((ic = TAILQ_FIRST(&conf->inlets)) != NULL) {
		TAILQ_REMOVE(&conf->inlets, ic, entry);
		route_clear(&ic->via_route);
		route_clear(&ic->to_route);
		free(ic->via);
		free(ic->to);
		free(ic);
	}
}

void
print_portals(struct ockam_conf *conf)
{
	struct outlet_conf	*oc;
	struct inlet_conf	*ic;
	struct name_entry	*n;
	int			 first;

	TAILQ_FOREACH(oc, &conf->outlets, entry) {
		printf("outlet ");
		print_string(oc->name);
		printf(" to ");
		print_string(oc->target);
		first = 1;
		TAILQ_FOREACH(n, &oc->consumers, entry) {
			printf("%s", first ? " consumers { " : " ");
			print_string(n->name);
			first = 0;
		}
		printf("%s\n", first ? "" : " }");
	}
	TAILQ_FOREACH(ic, &conf->inlets, entry) {
		printf("inlet on %s port %u", ic->addr, ic->port);
		if (ic->via != NULL) {
			printf(" via ");
			print_string(ic->via);
		}
		printf(" to ");
		print_string(ic->to);
		printf("\n");
	}
}
