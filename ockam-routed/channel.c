/*
 * Secure channel handshakes (DESIGN.md 3): Noise XX with the identity
 * payload in messages 2 and 3.  Every DH and the signature happen in
 * the vault; a handshake that fails, or is abandoned, is freed and its
 * ephemeral key released, and both ends log why.
 *
 * Transport of the handshake: message 1 goes to a listener, which
 * starts a responder and replaces its own address at the head of the
 * onward route with the responder's decryptor.  Every later message
 * goes to the return route of the message it answers.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "multiaddr.h"
#include "util.h"
#include "vault.h"

struct channels		 channels = TAILQ_HEAD_INITIALIZER(channels);
static uint32_t		 next_chan_id = 1;
static int		 pending;	/* responders mid-handshake */
static time_t		 cap_logged;
static unsigned int	 cap_dropped;

static int	hs_ephemeral(void *, uint8_t [NOISE_DHLEN]);
static int	hs_dh(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);

static const struct noise_ops	 hs_ops = { hs_ephemeral, hs_dh };

time_t
channel_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

struct channel *
channel_by_id(uint32_t id)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

struct channel *
channel_by_enc(const char *name)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (strcmp(c->enc, name) == 0)
			return (c);
	return (NULL);
}

/* Noise asks for a new ephemeral key: the vault makes it. */
static int
hs_ephemeral(void *arg, uint8_t pub[NOISE_DHLEN])
{
	struct channel	*c = arg;

	if (c->eph != 0) {
		vault_free(c->eph);
		c->eph = 0;
	}
	return (vault_ephemeral(&c->eph, pub));
}

static int
hs_dh(void *arg, enum noise_key which, const uint8_t peer[NOISE_DHLEN],
    uint8_t out[NOISE_DHLEN])
{
	struct channel	*c = arg;

	return (vault_dh(which == NOISE_KEY_STATIC ? c->ident->id : c->eph,
	    peer, out));
}

static struct channel *
channel_alloc(enum noise_role role, struct identity *ident, char *err,
    size_t errlen)
{
	struct channel	*c;
	struct worker	*we, *wd;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	c->id = next_chan_id++;
	if (next_chan_id == 0)
		next_chan_id = 1;
	c->role = role;
	c->ident = ident;
	c->started = channel_now();
	c->timeout = SC_HS_TIMEOUT;
	route_init(&c->remote);
	trust_init(&c->trust);
	recent_init(&c->senders, SC_SENDERS);
	if (noise_hs_init(&c->hs, role, NULL, 0, ident->static_pub, &hs_ops,
	    c) == -1) {
		snprintf(err, errlen, "noise: cannot start a handshake");
		free(c);
		return (NULL);
	}
	if ((we = worker_add(NULL, WORKER_SC_ENCRYPTOR, 0, err,
	    errlen)) == NULL) {
		noise_hs_wipe(&c->hs);
		free(c);
		return (NULL);
	}
	if ((wd = worker_add(NULL, WORKER_SC_DECRYPTOR, 0, err,
	    errlen)) == NULL) {
		worker_del(we);
		noise_hs_wipe(&c->hs);
		free(c);
		return (NULL);
	}
	we->chan = wd->chan = c;
	strlcpy(c->enc, we->name, sizeof(c->enc));
	strlcpy(c->dec, wd->name, sizeof(c->dec));
	TAILQ_INSERT_TAIL(&channels, c, entry);
	if (role == NOISE_RESPONDER)
		pending++;
	return (c);
}

/*
 * Tear a channel end down: its workers, its keys, its ephemeral key in
 * the vault.  why, when set, is logged and told to a waiting client.
 */
void
channel_free(struct channel *c, const char *why)
{
	struct worker	*w;

	if (why != NULL) {
		log_info("secure channel %s (%s%s%s): %s", c->enc,
		    c->role == NOISE_INITIATOR ? "initiator" : "responder",
		    c->peer[0] ? ", peer " : "", c->peer, why);
		if (c->client != 0)
			control_report(c->client, c->reqid, CTL_ERR, why);
	}
	if (c->role == NOISE_RESPONDER && !c->open)
		pending--;
	if (c->eph != 0)
		vault_free(c->eph);
	if ((w = worker_find(c->enc)) != NULL && w->chan == c)
		worker_del(w);
	if ((w = worker_find(c->dec)) != NULL && w->chan == c)
		worker_del(w);
	TAILQ_REMOVE(&channels, c, entry);
	route_clear(&c->remote);
	trust_free(&c->trust);
	noise_hs_wipe(&c->hs);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* Our identity payload: version, Ed25519 key, signature over rs. */
static int
idpayload_make(struct channel *c, uint8_t out[SC_IDPAYLOAD_LEN])
{
	out[0] = SC_IDPAYLOAD_VERSION;
	memcpy(out + 1, c->ident->sign_pub, 32);
	return (vault_sign_static(c->ident->id, out + 33));
}

/*
 * The peer's identity payload: its signature must cover the Noise
 * static key the handshake just authenticated, and the trust policy
 * must admit its identifier.
 */
static int
idpayload_check(struct channel *c, const uint8_t *p, size_t len,
    const struct trust_conf *trust, char *why, size_t whylen)
{
	uint8_t		 msg[sizeof(VAULT_SIG_CONTEXT) - 1 + 32];
	char		 id[OCKAM_IDENTIFIER_LEN + 1];

	if (len != SC_IDPAYLOAD_LEN) {
		snprintf(why, whylen, "identity payload of %zu bytes, not %d",
		    len, SC_IDPAYLOAD_LEN);
		return (-1);
	}
	if (p[0] != SC_IDPAYLOAD_VERSION) {
		snprintf(why, whylen, "identity payload version %u", p[0]);
		return (-1);
	}
	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, c->hs.rs, 32);
	if (crypto_sign_verify_detached(p + 33, msg, sizeof(msg), p + 1) != 0) {
		snprintf(why, whylen, "the peer's signature over its static "
		    "key does not verify");
		return (-1);
	}
	identifier_of(p + 1, id);
	if (!trust_allows(trust, id)) {
		snprintf(why, whylen, "peer %s is not trusted", id);
		return (-1);
	}
	strlcpy(c->peer, id, sizeof(c->peer));
	return (0);
}

/* Send a handshake message to route from our decryptor. */
static int
hs_send(struct channel *c, const struct route *to, const uint8_t *p,
    size_t len)
{
	struct message	*m;

	if ((m = message_new()) == NULL)
		return (-1);
	if (route_copy(&m->tm.onward, to) == -1 ||
	    route_push_back(&m->tm.ret, OCKAM_ADDR_LOCAL, c->dec,
	    strlen(c->dec)) == -1 || tmsg_set_payload(&m->tm, p, len) == -1) {
		message_free(m);
		return (-1);
	}
	m->origin = c->client;
	m->reqid = c->reqid;
	router_enqueue(m);
	return (0);
}

/* Write the next handshake message with our identity payload. */
static int
hs_write_identity(struct channel *c)
{
	uint8_t		 idp[SC_IDPAYLOAD_LEN], out[256];
	size_t		 outlen;
	int		 r = -1;

	if (idpayload_make(c, idp) == -1)
		goto out;
	if (noise_write(&c->hs, idp, sizeof(idp), out, sizeof(out),
	    &outlen) == -1)
		goto out;
	r = hs_send(c, &c->remote, out, outlen);
out:
	sodium_memzero(idp, sizeof(idp));
	return (r);
}

/* The handshake is over: keys, and the initiator's waiting client. */
static void
hs_done(struct channel *c)
{
	struct noise_cipher	 k1, k2;
	char			 route[64];

	if (noise_split(&c->hs, &k1, &k2) == -1) {
		channel_free(c, "noise: split failed");
		return;
	}
	if (c->eph != 0) {
		vault_free(c->eph);
		c->eph = 0;
	}
	/* The Noise specification's roles: the initiator sends with k1. */
	if (c->role == NOISE_INITIATOR)
		chan_open(c, &k1, &k2);
	else {
		pending--;
		chan_open(c, &k2, &k1);
	}
	sodium_memzero(&k1, sizeof(k1));
	sodium_memzero(&k2, sizeof(k2));
	log_info("secure channel %s open (%s, peer %s, identity %s)", c->enc,
	    c->role == NOISE_INITIATOR ? "initiator" : "responder", c->peer,
	    c->ident->name);
	if (c->client != 0) {
		snprintf(route, sizeof(route), "/service/%s", c->enc);
		control_report(c->client, c->reqid, CTL_OK, route);
		c->client = 0;
	}
}

static void
hs_responder_m1(struct channel *c, struct message *m)
{
	uint8_t	 payload[64];
	size_t	 plen;

	if (noise_read(&c->hs, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1 || plen != 0) {
		router_drop(m, "secure channel: bad first handshake message");
		channel_free(c, "bad first handshake message");
		return;
	}
	if (route_copy(&c->remote, &m->tm.ret) == -1 ||
	    hs_write_identity(c) == -1) {
		message_free(m);
		channel_free(c, "cannot answer the handshake");
		return;
	}
	message_free(m);
}

/*
 * Read handshake message 2 or 3: the peer's identity payload must
 * verify and its identifier be trusted.  0: go on (m is still the
 * caller's).  -1: m is gone; a message that does not verify leaves the
 * handshake as it was (a genuine one may still come), an identity that
 * fails ends the channel.
 */
static int
hs_read_peer(struct channel *c, struct message *m, int msgno,
    const struct trust_conf *trust)
{
	uint8_t	 payload[128];
	char	 why[160];
	size_t	 plen;

	if (noise_read(&c->hs, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1) {
		router_drop(m, "secure channel %s: handshake message %d does "
		    "not verify", c->enc, msgno);
		return (-1);
	}
	if (idpayload_check(c, payload, plen, trust, why, sizeof(why)) == -1) {
		message_free(m);
		channel_free(c, why);
		return (-1);
	}
	return (0);
}

static void
hs_initiator_m2(struct channel *c, struct message *m)
{
	if (hs_read_peer(c, m, 2, &c->trust) == -1)
		return;
	if (route_copy(&c->remote, &m->tm.ret) == -1 ||
	    hs_write_identity(c) == -1) {
		message_free(m);
		channel_free(c, "cannot answer the handshake");
		return;
	}
	message_free(m);
	hs_done(c);
}

static void
hs_responder_m3(struct channel *c, struct message *m)
{
	if (hs_read_peer(c, m, 3, &c->listener->trust) == -1)
		return;
	message_free(m);
	hs_done(c);
}

/*
 * Message 1 at a listener: a new responder, unless too many handshakes
 * are pending already (the cap is what keeps a flood of first messages
 * from costing memory; it is logged at most once a second).
 */
static void
listener_handle(struct worker *w, struct message *m)
{
	struct identity	*ident;
	struct channel	*c;
	char		 err[256];
	time_t		 now;

	if (pending >= SC_PENDING_MAX) {
		cap_dropped++;
		now = channel_now();
		if (now != cap_logged) {
			log_warnx("secure channel listener %s: %d handshakes "
			    "pending, the cap: dropped %u first messages",
			    w->name, pending, cap_dropped);
			cap_logged = now;
			cap_dropped = 0;
		}
		message_free(m);
		return;
	}
	if ((ident = identity_find(w->scl->identity)) == NULL) {
		router_drop(m, "listener %s: identity %s not loaded", w->name,
		    w->scl->identity);
		return;
	}
	if ((c = channel_alloc(NOISE_RESPONDER, ident, err,
	    sizeof(err))) == NULL) {
		router_drop(m, "listener %s: %s", w->name, err);
		return;
	}
	c->listener = w->scl;
	route_pop_front(&m->tm.onward);
	if (route_push_front(&m->tm.onward, OCKAM_ADDR_LOCAL, c->dec,
	    strlen(c->dec)) == -1) {
		router_drop(m, "listener %s: route too long", w->name);
		channel_free(c, NULL);
		return;
	}
	router_enqueue(m);
}

static void
decryptor_handle(struct channel *c, struct message *m)
{
	if (c->open) {
		chan_decrypt(c, m);
		return;
	}
	switch (c->hs.state) {
	case NOISE_R_START:
		hs_responder_m1(c, m);
		break;
	case NOISE_I_SENT1:
		hs_initiator_m2(c, m);
		break;
	case NOISE_R_SENT2:
		hs_responder_m3(c, m);
		break;
	default:
		router_drop(m, "secure channel %s: not expecting a handshake "
		    "message", c->enc);
		break;
	}
}

void
channel_handle(struct worker *w, struct message *m)
{
	switch (w->kind) {
	case WORKER_SC_LISTENER:
		listener_handle(w, m);
		break;
	case WORKER_SC_DECRYPTOR:
		decryptor_handle(w->chan, m);
		break;
	case WORKER_SC_ENCRYPTOR:
		if (!w->chan->open)
			router_drop(m, "secure channel %s is not open yet",
			    w->name);
		else
			chan_encrypt(w->chan, m);
		break;
	default:
		router_drop(m, "not a secure channel worker");
		break;
	}
}

/*
 * Start a handshake to a listener at the end of route.  The result
 * reaches the client later (hs_done, or channel_free with why).
 */
int
channel_new_initiator(const struct route *to, struct identity *ident,
    struct trust_conf *trust, int timeout, uint32_t client, uint32_t reqid,
    char *err, size_t errlen)
{
	struct channel		*c;
	struct name_entry	*n;
	uint8_t			 out[128];
	size_t			 outlen;

	if (!noise_available()) {
		snprintf(err, errlen, "secure channels need AES-256-GCM, "
		    "which libsodium offers only on CPUs with AES-NI");
		return (-1);
	}
	if ((c = channel_alloc(NOISE_INITIATOR, ident, err, errlen)) == NULL)
		return (-1);
	c->trust.everyone = trust->everyone;
	TAILQ_FOREACH(n, &trust->ids, entry)
		if (names_add(&c->trust.ids, n->name) == -1) {
			channel_free(c, NULL);
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
	if (timeout > 0)
		c->timeout = timeout;
	c->client = client;
	c->reqid = reqid;
	if (noise_write(&c->hs, NULL, 0, out, sizeof(out), &outlen) == -1 ||
	    route_copy(&c->remote, to) == -1 ||
	    hs_send(c, to, out, outlen) == -1) {
		c->client = 0;
		channel_free(c, NULL);
		snprintf(err, errlen, "cannot start the handshake");
		return (-1);
	}
	return (0);
}

/* Once a second: handshakes that took too long are given up. */
void
channel_tick(void)
{
	struct channel	*c, *next;
	char		 why[64];
	time_t		 now = channel_now();

	for (c = TAILQ_FIRST(&channels); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->open || now - c->started < c->timeout)
			continue;
		snprintf(why, sizeof(why), "handshake abandoned after %lld s",
		    (long long)(now - c->started));
		channel_free(c, why);
	}
}

/* A control client left: nobody waits for its handshakes any more. */
void
channel_client_gone(uint32_t client)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (c->client == client)
			c->client = 0;
}

/*
 * Flow control: what came out of a channel may first go only to a
 * consumer of the listener that accepted it, or, for a channel this
 * node created, back to a local worker that sent through it.
 */
int
channel_flow_allows(struct message *m, const char *worker)
{
	struct channel	*c;

	if ((c = channel_by_id(m->flow)) == NULL)
		return (0);
	if (c->role == NOISE_RESPONDER)
		return (names_find(&c->listener->consumers, worker));
	return (recent_has(&c->senders, worker));
}

/* Identities from the configuration, and the listeners. */
void
channel_configure(struct ockam_conf *conf)
{
	struct identity_conf	*ic;
	struct sclistener_conf	*sl;
	struct identity		*id;
	struct worker		*w;
	char			 err[256];

	if (!noise_available() && !TAILQ_EMPTY(&conf->sclisteners))
		fatalx("secure channels need AES-256-GCM, which libsodium "
		    "offers only on CPUs with AES-NI; this one has none");
	TAILQ_FOREACH(ic, &conf->identities, entry)
		if (identity_load(ic->name, 1, &id, err, sizeof(err)) == -1)
			fatalx("%s", err);
	TAILQ_FOREACH(sl, &conf->sclisteners, entry) {
		if ((w = worker_add(sl->name, WORKER_SC_LISTENER, 0, err,
		    sizeof(err))) == NULL)
			fatalx("secure-channel listener %s: %s", sl->name, err);
		w->scl = sl;
	}
}

/*
 * The node stops: tell every peer (and deliver what goes to ends on
 * this node, which close in turn), then forget the keys.
 */
void
channel_shutdown(void)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (c->open)
			chan_send_close(c);
	router_flush();
	while ((c = TAILQ_FIRST(&channels)) != NULL)
		channel_free(c, NULL);
}

/*
 * Is worker name the decryptor of a channel accepted by a secure
 * channel listener named in consumers?  What a TCP listener lets reach
 * the listener, it lets reach the channels the listener makes.
 */
int
channel_listener_of(const char *name, const struct names *consumers)
{
	struct worker	*w;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_DECRYPTOR ||
	    w->chan->listener == NULL)
		return (0);
	return (names_find(consumers, w->chan->listener->name));
}
