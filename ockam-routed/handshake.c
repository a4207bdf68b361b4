/* SPDX-License-Identifier: ISC */
/*
 * Secure channel handshakes (doc/design.md 5): Noise XX with the identity
 * payload in messages 2 and 3.  Every DH and the signature happen in
 * the vault; a handshake that fails, or is abandoned, is freed and its
 * ephemeral key released, and both ends log why.  The handshake part
 * of a channel end (struct handshake) lives as long as its handshake.
 *
 * The vault works while routed goes on: a step that needs a key the
 * vault has not made yet asks for it (with whatever the next step will
 * need, in the same request) and waits; what reaches the channel
 * meanwhile waits with it.  The step then runs again from its start:
 * Noise commits nothing until a step succeeds, and now finds every DH
 * result in the handshake's memo (hs_dh).  One handshake costs either
 * side two round trips to its vault (the initiator's ephemeral key is
 * made ahead, ephpool.c), or three without one ahead; the signature
 * over an identity's static key is the same every time and asked for
 * once, when the identity is loaded.
 *
 *	a message, or the vault's answer
 *	   |
 *	   v
 *	 step: Noise reads or writes ------ memo has it all ------> HS_ON
 *	   |  ^                 (sent)   or HS_READ (read, the caller's)
 *	   |  |
 *	 miss: EAGAIN   hs_answer: into the memo, the step again,
 *	   |  |          then what was held, in order
 *	   v  |
 *	 hs_wait: hs_ask the vault, hold the message --------> HS_ON
 *	   |
 *	   +-- the vault cannot be asked, or says no ---> HS_GONE
 *	       (channel_free; a message that does not verify is dropped
 *	       and the handshake goes on)
 *
 * Noise's states and what moves them:
 *	initiator  I_START -m1-> I_SENT1 -m2-> I_READ2 -m3-> DONE
 *	responder  R_START -m1-> R_READ1 -m2-> R_SENT2 -m3-> DONE
 * At DONE, with nothing asked of the vault, the channel opens
 * (hs_done); the handshake part goes once nothing waits in it.
 *
 * Transport of the handshake: message 1 goes to a listener, which
 * starts a responder and replaces its own address at the head of the
 * onward route with the responder's decryptor.  Every later message
 * goes to the return route of the message it answers.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "privsep.h"
#include "util.h"
#include "vault.h"

/* What a step did, and whether the channel is still there. */
enum hs_step {
	HS_GONE,	/* the channel is gone */
	HS_ON,		/* the handshake goes on, or waits; m is gone */
	HS_READ		/* the message was read: m is still the caller's */
};

static int	hs_ephemeral(void *, uint8_t [NOISE_DHLEN]);
static int	hs_dh(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);

static const struct noise_ops	 hs_ops = { hs_ephemeral, hs_dh };

/* Noise asks for our ephemeral key: the vault made it (hs_ask). */
static int
hs_ephemeral(void *arg, uint8_t pub[NOISE_DHLEN])
{
	struct channel	*c = arg;

	if (!c->hs->memo.has_eph) {
		c->hs->miss.eph = 1;
		errno = EAGAIN;
		return (-1);
	}
	memcpy(pub, c->hs->memo.eph_pub, NOISE_DHLEN);
	return (0);
}

static struct sc_dh *
memo_find(struct channel *c, enum noise_key which, const uint8_t *peer)
{
	struct sc_dh	*d;
	size_t		 i;

	for (i = 0; i < SC_MEMO; i++) {
		d = &c->hs->memo.dh[i];
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
	c->hs->miss.eph = 0;
	c->hs->miss.key = which;
	memcpy(c->hs->miss.peer, peer, NOISE_DHLEN);
	errno = EAGAIN;
	return (-1);
}

static void
memo_add(struct channel *c, enum noise_key which, const uint8_t *peer,
    const uint8_t *secret)
{
	struct sc_dh	*d;

	d = &c->hs->memo.dh[c->hs->memo.next++ % SC_MEMO];
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
		TAILQ_INSERT_HEAD(&c->hs->held, m, entry);
	else
		TAILQ_INSERT_TAIL(&c->hs->held, m, entry);
	c->hs->nheld++;
}

static struct message *
held_take(struct channel *c)
{
	struct message	*m;

	if ((m = TAILQ_FIRST(&c->hs->held)) != NULL) {
		TAILQ_REMOVE(&c->hs->held, m, entry);
		c->hs->nheld--;
	}
	return (m);
}

static void	hs_answer(void *, const void *);
static enum hs_step hs_finish(struct channel *);
static enum hs_step hs_done(struct channel *);

/*
 * Ask the vault: a new ephemeral key when neweph is set, then the DH
 * of both our keys with re when re is set, or of the key Noise missed.
 */
static int
hs_ask(struct channel *c, int neweph, const uint8_t *re)
{
	struct vault_hs_req	*req = &c->hs->asked;

	memset(req, 0, sizeof(*req));
	if (neweph)
		req->flags = VAULT_HS_NEW;
	else
		req->eph = c->hs->eph;
	if (re != NULL) {
		ask_dh(req, c, NOISE_KEY_EPHEMERAL, re);
		ask_dh(req, c, NOISE_KEY_STATIC, re);
	} else if (!neweph)
		ask_dh(req, c, c->hs->miss.key, c->hs->miss.peer);
	if ((c->hs->call = vault_call(IMSG_VAULT_HANDSHAKE, req, sizeof(*req),
	    sizeof(struct vault_hs), hs_answer, c)) == NULL)
		return (-1);
	return (0);
}

/*
 * Ask the vault for what the step on m (NULL: a message to write)
 * needs: the DH of both our keys with re when re is set, else what
 * Noise missed (errno EAGAIN).  m waits, first, for the answer.
 * HS_GONE: the vault cannot be asked, m and the channel are gone.
 */
static enum hs_step
hs_wait(struct channel *c, struct message *m, const uint8_t *re)
{
	if (hs_ask(c, re == NULL && c->hs->miss.eph, re) == -1) {
		if (m != NULL)
			message_free(m);
		channel_free(c, "the vault is not available");
		return (HS_GONE);
	}
	if (m != NULL)
		held_put(c, m, 1);
	return (HS_ON);
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
	if (!verified_has(c->hs->noise.rs, p)) {
		memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
		memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, c->hs->noise.rs,
		    32);
		if (crypto_sign_verify_detached(p + 33, msg, sizeof(msg),
		    p + 1) != 0) {
			snprintf(why, whylen, "the peer's signature over its "
			    "static key does not verify");
			return (-1);
		}
		verified_add(c->hs->noise.rs, p);
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
	/* A relay's channel to its hub fails at once if it cannot go. */
	if (c->client & ORIGIN_RELAYC)
		m->flags |= MSG_REPORT;
	router_enqueue(m);
	return (0);
}

/*
 * Write the next handshake message (1: no payload, 2 and 3: our
 * identity payload) and send it to the peer.  HS_ON: sent, or waiting
 * for the vault.
 */
static enum hs_step
hs_write(struct channel *c)
{
	uint8_t		 idp[SC_IDPAYLOAD_LEN], out[256];
	size_t		 outlen;
	int		 r;

	if (c->hs->noise.state == NOISE_I_START)
		r = noise_write(&c->hs->noise, NULL, 0, out, sizeof(out),
		    &outlen);
	else {
		idpayload_make(c, idp);
		r = noise_write(&c->hs->noise, idp, sizeof(idp), out,
		    sizeof(out), &outlen);
		sodium_memzero(idp, sizeof(idp));
	}
	if (r == -1 && errno == EAGAIN)
		return (hs_wait(c, NULL, NULL));
	if (r == -1 || hs_send(c, &c->remote, out, outlen) == -1) {
		channel_free(c, "cannot write the handshake");
		return (HS_GONE);
	}
	return (HS_ON);
}

/*
 * Nothing waits in c's handshake part any more: its connection is read
 * again, and once c is open the part goes.
 */
static void
hs_end(struct channel *c)
{
	if (c->hs == NULL || c->hs->nheld > 0)
		return;
	chanhold_drained(c);
	if (c->open && c->hs->call == NULL)
		handshake_free(c);
}

/*
 * The handshake is over: keys, and the initiator's waiting client.
 * The handshake part goes now, or once what waited in it is handled.
 */
static enum hs_step
hs_done(struct channel *c)
{
	struct noise_cipher	 k1, k2;

	if (noise_split(&c->hs->noise, &k1, &k2) == -1) {
		channel_free(c, "noise: split failed");
		return (HS_GONE);
	}
	if (c->hs->eph != 0) {
		vault_free(c->hs->eph);
		c->hs->eph = 0;
	}
	sodium_memzero(&c->hs->memo, sizeof(c->hs->memo));
	/* The Noise specification's roles: the initiator sends with k1. */
	if (c->role == NOISE_INITIATOR)
		chan_open(c, &k1, &k2);
	else {
		hsrc_del(c);
		chan_open(c, &k2, &k1);
	}
	sodium_memzero(&k1, sizeof(k1));
	sodium_memzero(&k2, sizeof(k2));
	hs_end(c);
	if (chanlife_open(c) == -1)
		return (HS_GONE);
	log_info("secure channel %s open (%s, peer %s, identity %s)", c->enc,
	    c->role == NOISE_INITIATOR ? "initiator" : "responder", c->peer,
	    c->ident->name);
	sctrust_opened(c);
	return (HS_ON);
}

/* Message 1 at the responder; then message 2, once the vault made e. */
static enum hs_step
hs_responder_m1(struct channel *c, struct message *m)
{
	uint8_t	 payload[64];
	size_t	 plen;

	if (noise_read(&c->hs->noise, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1 || plen != 0) {
		router_drop(m, "secure channel: bad first handshake message");
		channel_free(c, "bad first handshake message");
		return (HS_GONE);
	}
	if (route_copy(&c->remote, &m->tm.ret) == -1) {
		message_free(m);
		channel_free(c, "cannot answer the handshake");
		return (HS_GONE);
	}
	message_free(m);
	/* A new e and both DH with re, for message 2: one request. */
	if (hs_ask(c, 1, c->hs->noise.re) == -1) {
		channel_free(c, "the vault is not available");
		return (HS_GONE);
	}
	return (HS_ON);
}

/*
 * Read handshake message 2 or 3: the peer's identity payload must
 * verify and its identifier be trusted.  HS_ON: m is gone, the
 * handshake goes on (a message that does not verify leaves it as it
 * was: a genuine one may still come) or waits for the vault; HS_GONE:
 * an identity that fails ends the channel.
 */
static enum hs_step
hs_read_peer(struct channel *c, struct message *m, int msgno,
    const struct trust_conf *trust)
{
	uint8_t	 payload[128];
	char	 why[SC_WHY_MAX];
	size_t	 plen;
	int	 r;

	if (noise_read(&c->hs->noise, m->tm.payload, m->tm.plen, payload,
	    sizeof(payload), &plen) == -1) {
		if (errno == EAGAIN)
			return (hs_wait(c, m, NULL));
		router_drop(m, "secure channel %s: handshake message %d does "
		    "not verify", c->enc, msgno);
		return (HS_ON);
	}
	if ((r = idpayload_check(c, payload, plen, trust, why,
	    sizeof(why))) < 0) {
		message_free(m);
		sctrust_refuse(c, msgno, r, why);
		return (HS_GONE);
	}
	return (HS_READ);
}

static enum hs_step
hs_initiator_m2(struct channel *c, struct message *m)
{
	enum hs_step	 step;
	int		 r;

	/* The DH of both our keys with re, asked for at once. */
	if (m->tm.plen >= NOISE_DHLEN &&
	    memo_find(c, NOISE_KEY_EPHEMERAL, m->tm.payload) == NULL)
		return (hs_wait(c, m, m->tm.payload));
	if ((step = hs_read_peer(c, m, 2, &c->hs->trust)) != HS_READ)
		return (step);
	r = route_copy(&c->remote, &m->tm.ret);
	message_free(m);
	if (r == -1) {
		channel_free(c, "cannot answer the handshake");
		return (HS_GONE);
	}
	return (hs_write(c));
}

static enum hs_step
hs_responder_m3(struct channel *c, struct message *m)
{
	enum hs_step	 step;

	if ((step = hs_read_peer(c, m, 3, &c->listener->trust)) != HS_READ)
		return (step);
	message_free(m);
	return (HS_ON);
}

/*
 * A handshake message, or, once open, channel data.  While the vault
 * works for the handshake, what comes waits (SC_HELD_MAX at most).
 */
void
handshake_input(struct channel *c, struct message *m)
{
	if (c->hs != NULL && c->hs->call != NULL) {
		if (chanhold_put(c, m) == 0)
			held_put(c, m, 0);
		return;
	}
	if (c->open) {
		chan_decrypt(c, m);
		return;
	}
	switch (c->hs->noise.state) {
	case NOISE_R_START:
		hs_responder_m1(c, m);
		break;
	case NOISE_I_SENT1:
		if (hs_initiator_m2(c, m) == HS_ON)
			hs_finish(c);
		break;
	case NOISE_R_SENT2:
		if (hs_responder_m3(c, m) == HS_ON)
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
 */
static enum hs_step
hs_finish(struct channel *c)
{
	if (c->hs->call == NULL && c->hs->noise.state == NOISE_DONE)
		return (hs_done(c));
	return (HS_ON);
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
	enum noise_state	 state;
	char			 why[128];
	uint32_t		 id = c->id;
	size_t			 i;

	c->hs->call = NULL;
	hsrc_touch(c);
	if (ans->status != VAULT_OK) {
		/* A message read: as if it did not verify. */
		if ((c->hs->noise.state == NOISE_I_SENT1 ||
		    c->hs->noise.state == NOISE_R_SENT2) &&
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
		if (c->hs->asked.flags & VAULT_HS_NEW) {
			if (c->hs->eph != 0)
				vault_free(c->hs->eph);
			c->hs->eph = ans->eph;
			memcpy(c->hs->memo.eph_pub, ans->eph_pub, NOISE_DHLEN);
			c->hs->memo.has_eph = 1;
		}
		for (i = 0; i < c->hs->asked.ndh; i++)
			memo_add(c, c->hs->asked.dh[i].id != 0 ?
			    NOISE_KEY_STATIC : NOISE_KEY_EPHEMERAL,
			    c->hs->asked.dh[i].peer, ans->secret[i]);
	}
	state = c->hs->noise.state;
	if ((state == NOISE_I_START || state == NOISE_R_READ1 ||
	    state == NOISE_I_READ2) && hs_write(c) == HS_GONE)
		return;
	if (hs_finish(c) == HS_GONE)
		return;
	while (c->hs != NULL && c->hs->call == NULL &&
	    (m = held_take(c)) != NULL) {
		handshake_input(c, m);
		if (channel_by_id(id) != c)
			return;
	}
	hs_end(c);
}


/*
 * c's handshake part: allocated with the channel (channel.c).  -1: err
 * says why not.
 */
int
handshake_new(struct channel *c, char *err, size_t errlen)
{
	struct handshake	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	h->chan = c;
	h->started = monotime();
	h->timeout = limit(LIMIT_HANDSHAKE_TIMEOUT);
	trust_init(&h->trust);
	TAILQ_INIT(&h->held);
	if (noise_hs_init(&h->noise, c->role, NULL, 0, c->ident->static_pub,
	    &hs_ops, c) == -1) {
		snprintf(err, errlen, "noise: cannot start a handshake");
		free(h);
		return (-1);
	}
	c->hs = h;
	return (0);
}

/*
 * The handshake part goes: its place among the pending, what was held,
 * its ephemeral key in the vault, the memo.
 */
void
handshake_free(struct channel *c)
{
	struct handshake	*h = c->hs;
	struct message		*m;

	if (h == NULL)
		return;
	hsrc_del(c);
	chanhold_drained(c);
	if (h->call != NULL)
		vault_cancel(h->call);
	if (h->eph != 0)
		vault_free(h->eph);
	while ((m = held_take(c)) != NULL)
		message_free(m);
	trust_free(&h->trust);
	noise_hs_wipe(&h->noise);
	sodium_memzero(h, sizeof(*h));
	free(h);
	c->hs = NULL;
}

/*
 * An initiator's first step: message 1 now, with a key made ahead, or
 * once the vault made e.  -1: the vault cannot be asked; c is still
 * there.
 */
int
handshake_initiate(struct channel *c)
{
	struct handshake	*h = c->hs;

	if (ephpool_take(&h->eph, h->memo.eph_pub)) {
		h->memo.has_eph = 1;
		hs_write(c);	/* a failure is told to the client */
		return (0);
	}
	return (hs_ask(c, 1, NULL));
}
