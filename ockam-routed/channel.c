/*
 * Secure channel handshakes (DESIGN.md 3): Noise XX with the identity
 * payload in messages 2 and 3.  Every DH and the signature happen in
 * the vault; a handshake that fails, or is abandoned, is freed and its
 * ephemeral key released, and both ends log why.
 *
 * The vault works while routed goes on: a step that needs a key the
 * vault has not made yet asks for it (with whatever the next step will
 * need, in the same request) and waits; what reaches the channel
 * meanwhile waits with it.  The step then runs again from its start:
 * Noise commits nothing until a step succeeds, and now finds every DH
 * result in the handshake's memo (hs_dh).  One handshake costs either
 * side two round trips to its vault (the initiator's ephemeral key is
 * made ahead, ephpool_take), or three without one ahead; the
 * signature over an identity's static key is the same every time and
 * asked for once, when the identity is loaded.
 *
 * Transport of the handshake: message 1 goes to a listener, which
 * starts a responder and replaces its own address at the head of the
 * onward route with the responder's decryptor.  Every later message
 * goes to the return route of the message it answers.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "multiaddr.h"
#include "privsep.h"
#include "util.h"
#include "vault.h"

struct channels		 channels = TAILQ_HEAD_INITIALIZER(channels);
static uint32_t		 next_chan_id = 1;

static int	hs_ephemeral(void *, uint8_t [NOISE_DHLEN]);
static int	hs_dh(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);

static const struct noise_ops	 hs_ops = { hs_ephemeral, hs_dh };

static int
channel_cmp(struct channel *a, struct channel *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_HEAD(channel_ids, channel);
RB_PROTOTYPE(channel_ids, channel, byid, channel_cmp);
RB_GENERATE(channel_ids, channel, byid, channel_cmp);
static struct channel_ids	 channel_ids = RB_INITIALIZER(&channel_ids);

struct channel *
channel_by_id(uint32_t id)
{
	struct channel	 key;

	key.id = id;
	return (RB_FIND(channel_ids, &channel_ids, &key));
}

struct channel *
channel_by_enc(const char *name)
{
	struct worker	*w;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_ENCRYPTOR)
		return (NULL);
	return (w->chan);
}

/* Noise asks for our ephemeral key: the vault made it (hs_ask). */
static int
hs_ephemeral(void *arg, uint8_t pub[NOISE_DHLEN])
{
	struct channel	*c = arg;

	if (!c->memo.has_eph) {
		c->miss.eph = 1;
		errno = EAGAIN;
		return (-1);
	}
	memcpy(pub, c->memo.eph_pub, NOISE_DHLEN);
	return (0);
}

static struct sc_dh *
memo_find(struct channel *c, enum noise_key which, const uint8_t *peer)
{
	struct sc_dh	*d;
	size_t		 i;

	for (i = 0; i < SC_MEMO; i++) {
		d = &c->memo.dh[i];
		if (d->used && d->key == which &&
		    memcmp(d->peer, peer, NOISE_DHLEN) == 0)
			return (d);
	}
	return (NULL);
}

/* A DH result from the memo; a miss is noted for hs_wait(). */
static int
hs_dh(void *arg, enum noise_key which, const uint8_t peer[NOISE_DHLEN],
    uint8_t out[NOISE_DHLEN])
{
	struct channel	*c = arg;
	struct sc_dh	*d;

	if ((d = memo_find(c, which, peer)) != NULL) {
		memcpy(out, d->secret, NOISE_DHLEN);
		return (0);
	}
	c->miss.eph = 0;
	c->miss.key = which;
	memcpy(c->miss.peer, peer, NOISE_DHLEN);
	errno = EAGAIN;
	return (-1);
}

static void
memo_add(struct channel *c, enum noise_key which, const uint8_t *peer,
    const uint8_t *secret)
{
	struct sc_dh	*d;

	d = &c->memo.dh[c->memo.next++ % SC_MEMO];
	d->used = 1;
	d->key = which;
	memcpy(d->peer, peer, NOISE_DHLEN);
	memcpy(d->secret, secret, NOISE_DHLEN);
}

static void
ask_dh(struct vault_hs_req *req, struct channel *c, enum noise_key which,
    const uint8_t *peer)
{
	req->dh[req->ndh].id = which == NOISE_KEY_STATIC ? c->ident->id : 0;
	memcpy(req->dh[req->ndh].peer, peer, NOISE_DHLEN);
	req->ndh++;
}

/* Messages that wait for the vault with the handshake, in order. */
static void
held_put(struct channel *c, struct message *m, int first)
{
	if (first)
		TAILQ_INSERT_HEAD(&c->held, m, entry);
	else
		TAILQ_INSERT_TAIL(&c->held, m, entry);
	c->nheld++;
}

static struct message *
held_take(struct channel *c)
{
	struct message	*m;

	if ((m = TAILQ_FIRST(&c->held)) != NULL) {
		TAILQ_REMOVE(&c->held, m, entry);
		c->nheld--;
	}
	return (m);
}

static void	hs_answer(void *, const void *);
static int	hs_finish(struct channel *);
static int	hs_done(struct channel *);

/*
 * Ask the vault: a new ephemeral key when neweph is set, then the DH
 * of both our keys with re when re is set, or of the key Noise missed.
 */
static int
hs_ask(struct channel *c, int neweph, const uint8_t *re)
{
	struct vault_hs_req	*req = &c->asked;

	memset(req, 0, sizeof(*req));
	if (neweph)
		req->flags = VAULT_HS_NEW;
	else
		req->eph = c->eph;
	if (re != NULL) {
		ask_dh(req, c, NOISE_KEY_EPHEMERAL, re);
		ask_dh(req, c, NOISE_KEY_STATIC, re);
	} else if (!neweph)
		ask_dh(req, c, c->miss.key, c->miss.peer);
	if ((c->call = vault_call(IMSG_VAULT_HANDSHAKE, req, sizeof(*req),
	    sizeof(struct vault_hs), hs_answer, c)) == NULL)
		return (-1);
	return (0);
}

/*
 * Ask the vault for what the step on m (NULL: a message to write)
 * needs: the DH of both our keys with re when re is set, else what
 * Noise missed (errno EAGAIN).  m waits, first, for the answer.  -1:
 * the vault cannot be asked, m and the channel are gone.
 */
static int
hs_wait(struct channel *c, struct message *m, const uint8_t *re)
{
	if (hs_ask(c, re == NULL && c->miss.eph, re) == -1) {
		if (m != NULL)
			message_free(m);
		channel_free(c, "the vault is not available");
		return (-1);
	}
	if (m != NULL)
		held_put(c, m, 1);
	return (0);
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
	c->role = role;
	c->ident = ident;
	c->started = monotime();
	c->timeout = limit(LIMIT_HANDSHAKE_TIMEOUT);
	route_init(&c->remote);
	trust_init(&c->trust);
	recent_init(&c->senders, SC_SENDERS);
	TAILQ_INIT(&c->held);
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
	/* Ids are unique among the channels that exist, after a wrap too. */
	do {
		c->id = next_chan_id++;
		if (next_chan_id == 0)
			next_chan_id = 1;
	} while (RB_INSERT(channel_ids, &channel_ids, c) != NULL);
	TAILQ_INSERT_TAIL(&channels, c, entry);
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
	struct message	*m;

	if (why != NULL) {
		log_info("secure channel %s (%s%s%s): %s", c->enc,
		    c->role == NOISE_INITIATOR ? "initiator" : "responder",
		    c->peer[0] ? ", peer " : "", c->peer, why);
		if (c->client != 0)
			control_report(c->client, c->reqid, CTL_ERR, why);
	}
	chanlife_gone(c, why);
	if (c->call != NULL)
		vault_cancel(c->call);
	if (c->eph != 0)
		vault_free(c->eph);
	while ((m = held_take(c)) != NULL)
		message_free(m);
	if ((w = worker_find(c->enc)) != NULL && w->chan == c)
		worker_del(w);
	if ((w = worker_find(c->dec)) != NULL && w->chan == c)
		worker_del(w);
	TAILQ_REMOVE(&channels, c, entry);
	RB_REMOVE(channel_ids, &channel_ids, c);
	route_clear(&c->remote);
	recent_clear(&c->senders);
	trust_free(&c->trust);
	sctrust_free(c);
	noise_hs_wipe(&c->hs);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* Our identity payload: version, Ed25519 key, signature over s. */
static void
idpayload_make(struct channel *c, uint8_t out[SC_IDPAYLOAD_LEN])
{
	out[0] = SC_IDPAYLOAD_VERSION;
	memcpy(out + 1, c->ident->sign_pub, 32);
	memcpy(out + 33, c->ident->sig, 64);
}

/*
 * Identity payloads that verified, with the static key they cover.  A
 * peer that comes back with the same static key and payload needs no
 * second Ed25519 check: the result is a function of those bytes alone.
 * Only what verified is kept; all of it is public.
 */
static uint8_t		 verified[SC_VERIFIED][NOISE_DHLEN + SC_IDPAYLOAD_LEN];
static unsigned int	 nverified, verified_next;

static int
verified_has(const uint8_t *rs, const uint8_t *idp)
{
	unsigned int	 i;

	for (i = 0; i < nverified; i++)
		if (memcmp(verified[i], rs, NOISE_DHLEN) == 0 &&
		    memcmp(verified[i] + NOISE_DHLEN, idp,
		    SC_IDPAYLOAD_LEN) == 0)
			return (1);
	return (0);
}

static void
verified_add(const uint8_t *rs, const uint8_t *idp)
{
	uint8_t	*v = verified[verified_next];

	memcpy(v, rs, NOISE_DHLEN);
	memcpy(v + NOISE_DHLEN, idp, SC_IDPAYLOAD_LEN);
	verified_next = (verified_next + 1) % SC_VERIFIED;
	if (nverified < SC_VERIFIED)
		nverified++;
}

/*
 * The peer's identity payload: its signature must cover the Noise
 * static key the handshake just authenticated, and the trust policy
 * must admit its identifier (-2 when it does not).
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
	if (!verified_has(c->hs.rs, p)) {
		memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
		memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, c->hs.rs, 32);
		if (crypto_sign_verify_detached(p + 33, msg, sizeof(msg),
		    p + 1) != 0) {
			snprintf(why, whylen, "the peer's signature over its "
			    "static key does not verify");
			return (-1);
		}
		verified_add(c->hs.rs, p);
	}
	identifier_of(p + 1, id);
	if (sctrust_check(c, trust, id, why, whylen) == -1)
		return (-2);
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

/*
 * Write the next handshake message (1: no payload, 2 and 3: our
 * identity payload) and send it to the peer.  0: sent, or waiting for
 * the vault; -1: the channel is gone.
 */
static int
hs_write(struct channel *c)
{
	uint8_t		 idp[SC_IDPAYLOAD_LEN], out[256];
	size_t		 outlen;
	int		 r;

	if (c->hs.state == NOISE_I_START)
		r = noise_write(&c->hs, NULL, 0, out, sizeof(out), &outlen);
	else {
		idpayload_make(c, idp);
		r = noise_write(&c->hs, idp, sizeof(idp), out, sizeof(out),
		    &outlen);
		sodium_memzero(idp, sizeof(idp));
	}
	if (r == -1 && errno == EAGAIN)
		return (hs_wait(c, NULL, NULL));
	if (r == -1 || hs_send(c, &c->remote, out, outlen) == -1) {
		channel_free(c, "cannot write the handshake");
		return (-1);
	}
	return (0);
}

/*
 * The handshake is over: keys, and the initiator's waiting client.
 * -1: it failed, the channel is gone.
 */
static int
hs_done(struct channel *c)
{
	struct noise_cipher	 k1, k2;

	if (noise_split(&c->hs, &k1, &k2) == -1) {
		channel_free(c, "noise: split failed");
		return (-1);
	}
	if (c->eph != 0) {
		vault_free(c->eph);
		c->eph = 0;
	}
	sodium_memzero(&c->memo, sizeof(c->memo));
	/* The Noise specification's roles: the initiator sends with k1. */
	if (c->role == NOISE_INITIATOR)
		chan_open(c, &k1, &k2);
	else {
		hsrc_del(c);
		chan_open(c, &k2, &k1);
	}
	sodium_memzero(&k1, sizeof(k1));
	sodium_memzero(&k2, sizeof(k2));
	if (chanlife_open(c) == -1)
		return (-1);
	log_info("secure channel %s open (%s, peer %s, identity %s)", c->enc,
	    c->role == NOISE_INITIATOR ? "initiator" : "responder", c->peer,
	    c->ident->name);
	sctrust_opened(c);
	return (0);
}

/* Message 1 at the responder; then message 2, once the vault made e. */
static int
hs_responder_m1(struct channel *c, struct message *m)
{
	uint8_t	 payload[64];
	size_t	 plen;

	if (noise_read(&c->hs, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1 || plen != 0) {
		router_drop(m, "secure channel: bad first handshake message");
		channel_free(c, "bad first handshake message");
		return (-1);
	}
	if (route_copy(&c->remote, &m->tm.ret) == -1) {
		message_free(m);
		channel_free(c, "cannot answer the handshake");
		return (-1);
	}
	message_free(m);
	/* A new e and both DH with re, for message 2: one request. */
	if (hs_ask(c, 1, c->hs.re) == -1) {
		channel_free(c, "the vault is not available");
		return (-1);
	}
	return (0);
}

/*
 * Read handshake message 2 or 3: the peer's identity payload must
 * verify and its identifier be trusted.  1: read, m is still the
 * caller's; 0: m is gone, the handshake goes on (a message that does
 * not verify leaves it as it was: a genuine one may still come) or
 * waits for the vault; -1: the channel is gone (an identity that fails
 * ends it).
 */
static int
hs_read_peer(struct channel *c, struct message *m, int msgno,
    const struct trust_conf *trust)
{
	uint8_t	 payload[128];
	char	 why[SC_WHY_MAX];
	size_t	 plen;
	int	 r;

	if (noise_read(&c->hs, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1) {
		if (errno == EAGAIN)
			return (hs_wait(c, m, NULL));
		router_drop(m, "secure channel %s: handshake message %d does "
		    "not verify", c->enc, msgno);
		return (0);
	}
	if ((r = idpayload_check(c, payload, plen, trust, why,
	    sizeof(why))) < 0) {
		message_free(m);
		sctrust_refuse(c, msgno, r, why);
		return (-1);
	}
	return (1);
}

static int
hs_initiator_m2(struct channel *c, struct message *m)
{
	int	 r;

	/* The DH of both our keys with re, asked for at once. */
	if (m->tm.plen >= NOISE_DHLEN &&
	    memo_find(c, NOISE_KEY_EPHEMERAL, m->tm.payload) == NULL)
		return (hs_wait(c, m, m->tm.payload));
	if ((r = hs_read_peer(c, m, 2, &c->trust)) != 1)
		return (r);
	r = route_copy(&c->remote, &m->tm.ret);
	message_free(m);
	if (r == -1) {
		channel_free(c, "cannot answer the handshake");
		return (-1);
	}
	return (hs_write(c));
}

static int
hs_responder_m3(struct channel *c, struct message *m)
{
	int	 r;

	if ((r = hs_read_peer(c, m, 3, &c->listener->trust)) != 1)
		return (r);
	message_free(m);
	return (0);
}

/*
 * A handshake message, or, once open, channel data.  While the vault
 * works for the handshake, what comes waits (SC_HELD_MAX at most).
 */
static void
decryptor_handle(struct channel *c, struct message *m)
{
	if (c->call != NULL) {
		if (chanhold_put(c, m) == 0)
			held_put(c, m, 0);
		return;
	}
	if (c->open) {
		chan_decrypt(c, m);
		return;
	}
	switch (c->hs.state) {
	case NOISE_R_START:
		hs_responder_m1(c, m);
		break;
	case NOISE_I_SENT1:
		if (hs_initiator_m2(c, m) == 0)
			hs_finish(c);
		break;
	case NOISE_R_SENT2:
		if (hs_responder_m3(c, m) == 0)
			hs_finish(c);
		break;
	default:
		router_drop(m, "secure channel %s: not expecting a handshake "
		    "message", c->enc);
		break;
	}
}

/*
 * Open the channel once Noise is done and nothing waits for the vault.
 * -1: the channel is gone.
 */
static int
hs_finish(struct channel *c)
{
	if (c->call == NULL && c->hs.state == NOISE_DONE)
		return (hs_done(c));
	return (0);
}

/*
 * The vault answered: into the memo; then the message that waited
 * is written, or read again from its start, then what came meanwhile.
 */
static void
hs_answer(void *arg, const void *data)
{
	struct channel		*c = arg;
	const struct vault_hs	*ans = data;
	struct message		*m;
	char			 why[128];
	uint32_t		 id = c->id;
	size_t			 i;

	c->call = NULL;
	hsrc_touch(c);
	if (ans->status != VAULT_OK) {
		/* A message read: as if it did not verify. */
		if ((c->hs.state == NOISE_I_SENT1 ||
		    c->hs.state == NOISE_R_SENT2) &&
		    (m = held_take(c)) != NULL) {
			router_drop(m, "secure channel %s: handshake message "
			    "does not verify: %s", c->enc,
			    vault_strerror(ans->status));
		} else {
			snprintf(why, sizeof(why), "vault: %s",
			    vault_strerror(ans->status));
			channel_free(c, why);
			return;
		}
	} else {
		if (c->asked.flags & VAULT_HS_NEW) {
			if (c->eph != 0)
				vault_free(c->eph);
			c->eph = ans->eph;
			memcpy(c->memo.eph_pub, ans->eph_pub, NOISE_DHLEN);
			c->memo.has_eph = 1;
		}
		for (i = 0; i < c->asked.ndh; i++)
			memo_add(c, c->asked.dh[i].id != 0 ?
			    NOISE_KEY_STATIC : NOISE_KEY_EPHEMERAL,
			    c->asked.dh[i].peer, ans->secret[i]);
	}
	if ((c->hs.state == NOISE_I_START || c->hs.state == NOISE_R_READ1 ||
	    c->hs.state == NOISE_I_READ2) && hs_write(c) == -1)
		return;
	if (hs_finish(c) == -1)
		return;
	while (c->call == NULL && (m = held_take(c)) != NULL) {
		decryptor_handle(c, m);
		if (channel_by_id(id) != c)
			return;
	}
	if (c->nheld == 0)
		chanhold_drained(c);
}

/*
 * Message 1 at a listener: a new responder, unless the listener has
 * as many channels as it may (chanlife.c); room for its handshake is
 * made by evicting an older one (chansrc.c).
 */
static void
listener_handle(struct worker *w, struct message *m)
{
	struct identity	*ident;
	struct channel	*c;
	struct hs_from	 from;
	char		 err[256];

	hsrc_from(m, &from);
	if (chanlife_refused(w->scl, from.addr)) {
		message_free(m);
		return;
	}
	hsrc_admit(&from);
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
	hsrc_add(c, &from);
	route_pop_front(&m->tm.onward);
	if (route_push_front(&m->tm.onward, OCKAM_ADDR_LOCAL, c->dec,
	    strlen(c->dec)) == -1) {
		router_drop(m, "listener %s: route too long", w->name);
		channel_free(c, NULL);
		return;
	}
	router_enqueue(m);
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
 * Ephemeral keys made ahead for initiators: message 1 goes out at once
 * and a handshake costs the initiator one round trip to the vault less.
 * The pool is filled in one batch when it runs below half, from the
 * first channel this node creates on; its keys are wiped in the vault
 * when the node stops, like every other.
 */
static struct {
	uint32_t	 id;
	uint8_t		 pub[NOISE_DHLEN];
}			 ephpool[SC_EPH_POOL];
static int		 nephpool, ephpool_asked;

static void
ephpool_answer(void *arg, const void *data)
{
	const struct vault_hs	*ans = data;

	(void)arg;
	ephpool_asked--;
	if (ans->status != VAULT_OK) {
		log_warnx("vault: no ephemeral key made ahead: %s",
		    vault_strerror(ans->status));
		return;
	}
	if (nephpool == SC_EPH_POOL) {
		vault_free(ans->eph);
		return;
	}
	ephpool[nephpool].id = ans->eph;
	memcpy(ephpool[nephpool].pub, ans->eph_pub, NOISE_DHLEN);
	nephpool++;
}

static void
ephpool_fill(void)
{
	struct vault_hs_req	 req;

	if (nephpool + ephpool_asked >= SC_EPH_POOL / 2)
		return;
	memset(&req, 0, sizeof(req));
	req.flags = VAULT_HS_NEW;
	while (nephpool + ephpool_asked < SC_EPH_POOL) {
		if (vault_call(IMSG_VAULT_HANDSHAKE, &req, sizeof(req),
		    sizeof(struct vault_hs), ephpool_answer, NULL) == NULL)
			return;
		ephpool_asked++;
	}
}

/* Give c a key from the pool: 1, or 0 when it is empty. */
static int
ephpool_take(struct channel *c)
{
	int	 r = 0;

	if (nephpool > 0) {
		nephpool--;
		c->eph = ephpool[nephpool].id;
		memcpy(c->memo.eph_pub, ephpool[nephpool].pub, NOISE_DHLEN);
		c->memo.has_eph = 1;
		r = 1;
	}
	ephpool_fill();
	return (r);
}

/*
 * Start a handshake to a listener at the end of route; pin becomes the
 * channel's, or is freed.  The result reaches the client later (trust.c).
 */
int
channel_new_initiator(const struct route *to, struct identity *ident,
    struct trust_conf *trust, struct sc_pin *pin, int timeout,
    uint32_t client, uint32_t reqid, char *err, size_t errlen)
{
	struct channel		*c;
	struct name_entry	*n;

	if (!noise_available()) {
		free(pin);
		snprintf(err, errlen, "secure channels need AES-256-GCM, "
		    "which libsodium offers only on CPUs with AES-NI");
		return (-1);
	}
	if ((c = channel_alloc(NOISE_INITIATOR, ident, err, errlen)) == NULL) {
		free(pin);
		return (-1);
	}
	c->pin = pin;
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
	if (route_copy(&c->remote, to) == -1) {
		c->client = 0;
		channel_free(c, NULL);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	/* Message 1 now, with a key made ahead, or once the vault made e. */
	if (ephpool_take(c)) {
		hs_write(c);	/* a failure is told to the client */
		return (0);
	}
	if (hs_ask(c, 1, NULL) == -1) {
		c->client = 0;
		channel_free(c, NULL);
		snprintf(err, errlen, "the vault is not available");
		return (-1);
	}
	return (0);
}

/*
 * Once a second: handshakes that took too long are given up, idle
 * channels closed.
 */
void
channel_tick(void)
{
	struct channel	*c, *next;
	char		 why[64];
	time_t		 now = monotime();

	for (c = TAILQ_FIRST(&channels); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->open) {
			chanlife_idle(c, now);	/* may free c */
			continue;
		}
		if (now - c->started < c->timeout)
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
	while (nephpool > 0)
		vault_free(ephpool[--nephpool].id);
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

/*
 * Is worker name the decryptor of a channel this node created whose
 * peer is first reached over the TCP (or TLS) connection to peer?
 * What that connection brings may reach it for as long as the channel
 * lives, however many channels share the connection (the reply grants
 * of tcp.c remember only the most recent senders).
 */
int
channel_initiator_via(const char *name, int tls, const char *peer)
{
	struct worker	*w;
	struct addr	*a;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_DECRYPTOR ||
	    w->chan->role != NOISE_INITIATOR ||
	    (a = route_head(&w->chan->remote)) == NULL)
		return (0);
	return (a->type == (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) &&
	    strcmp(a->val, peer) == 0);
}
