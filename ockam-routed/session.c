/* SPDX-License-Identifier: ISC */
/*
 * The data path of a secure channel (doc/design.md 5).  On the wire a
 * channel message's payload is a u64 big-endian nonce, then AES-256-GCM
 * ciphertext and tag (nonce 0x00000000 || u64, empty AD).  The
 * plaintext is a kind byte and its body: 0, an encoded TransportMessage;
 * 1, Close (empty, or a reason code); 2, Confirm (empty).  The sender
 * rekeys before nonce n when n > 0 and n is a multiple of
 * REKEY_INTERVAL; the receiver derives the key of a nonce's epoch on
 * demand and keeps the previous epoch's key for stragglers.
 * Nothing about the receive state changes until a tag has verified.
 *
 * Each direction keeps its key set up (struct aead: an OpenSSL context
 * or libsodium's expanded key, lib/aead.h), given the new key when it
 * changes; it is wiped with the channel.  A message is built, sealed and
 * opened in one buffer, in place.
 */
#include <sys/types.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "buf.h"
#include "channel.h"
#include "log.h"

#define SC_NONCE_LEN	8
#define SC_MAX_PLAIN	(OCKAM_MSG_MAX - SC_NONCE_LEN - NOISE_TAGLEN - 1)

/* Set key up in st, to seal (enc 1) or to open (enc 0). */
static void
chan_expand(struct aead *st, int enc, const uint8_t *key)
{
	if (aead_key(st, aead_default(), enc, key) == -1)
		fatalx("secure channel: cannot set up an AES-256-GCM key");
}

/* At the channel's end: both directions' keys, and their contexts. */
void
chan_close_keys(struct channel *c)
{
	aead_clear(&c->tx_st);
	aead_clear(&c->rx_st);
}

void
chan_open(struct channel *c, struct noise_cipher *tx, struct noise_cipher *rx)
{
	memcpy(&c->tx, tx, sizeof(c->tx));
	memcpy(c->rx_key, rx->k, sizeof(c->rx_key));
	chan_expand(&c->tx_st, 1, c->tx.k);
	chan_expand(&c->rx_st, 0, c->rx_key);
	c->tx_n = 0;
	c->rx_epoch = 0;
	c->rx_has_prev = 0;
	memset(&c->rx_win, 0, sizeof(c->rx_win));
	c->open = 1;
}

static void
be64_put(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
be64_get(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (v);
}

/* The 12-byte AEAD nonce: 4 zero bytes and the u64 as on the wire. */
static void
chan_nonce(uint8_t nonce[AEAD_NONCELEN], const uint8_t *wire)
{
	memset(nonce, 0, AEAD_NONCELEN - SC_NONCE_LEN);
	memcpy(nonce + AEAD_NONCELEN - SC_NONCE_LEN, wire, SC_NONCE_LEN);
}

/*
 * A buffer for a channel message of ptlen plaintext bytes, with room
 * for the nonce in front (written) and the tag behind: the caller adds
 * the plaintext, chan_seal() the rest.
 */
static struct ibuf *
chan_buf(size_t ptlen)
{
	struct ibuf	*b;
	size_t		 len = SC_NONCE_LEN + ptlen + NOISE_TAGLEN;

	if ((b = ibuf_open(len, len)) == NULL)
		return (NULL);
	if (ibuf_reserve(b, SC_NONCE_LEN) == NULL) {
		ibuf_free(b);
		return (NULL);
	}
	return (b);
}

/*
 * Encrypt the plaintext in b (from chan_buf()) in place and send it to
 * the peer's decryptor, from ours.  Local info (who asked) travels
 * along.  b is freed in every case.
 */
static int
chan_seal(struct channel *c, struct ibuf *b, const struct message *from)
{
	struct message	*m = NULL;
	uint8_t		 nonce[AEAD_NONCELEN];
	uint8_t		*p, *tag;
	size_t		 ptlen;
	uint64_t	 n = c->tx_n;

	if (n >= NOISE_NONCE_MAX - 1) {
		log_warnx("secure channel %s: nonces exhausted", c->enc);
		goto fail;
	}
	if (ibuf_error(b) == -1 || ibuf_size(b) < SC_NONCE_LEN + 1 ||
	    (ptlen = ibuf_size(b) - SC_NONCE_LEN) > SC_MAX_PLAIN ||
	    (tag = ibuf_reserve(b, NOISE_TAGLEN)) == NULL)
		goto fail;
	/* What may fail comes before the key and the nonce move. */
	if ((m = message_new()) == NULL ||
	    route_copy(&m->tm.onward, &c->remote) == -1 ||
	    route_push_back(&m->tm.ret, OCKAM_ADDR_LOCAL, c->dec,
	    strlen(c->dec)) == -1)
		goto fail;
	if (n > 0 && n % REKEY_INTERVAL == 0) {
		noise_rekey(c->tx.k);
		chan_expand(&c->tx_st, 1, c->tx.k);
	}
	p = ibuf_data(b);
	be64_put(p, n);
	chan_nonce(nonce, p);
	c->tx_n++;
	if (aead_seal(&c->tx_st, nonce, p + SC_NONCE_LEN, ptlen, tag) == -1)
		goto fail;
	if ((m->tm.payload = ibuf_take(b, &m->tm.plen)) == NULL) {
		message_free(m);
		return (-1);
	}
	c->nsent++;
	if (from != NULL) {
		m->origin = from->origin;
		m->reqid = from->reqid;
		m->flags = from->flags;
		m->hops = from->hops;
	}
	router_enqueue(m);
	return (0);
 fail:
	ibuf_free(b);
	message_free(m);
	return (-1);
}

/* Remember who sent through an initiator: its replies may come back. */
static void
chan_note_sender(struct channel *c, const struct route *ret)
{
	struct addr	*a;

	if (c->role == NOISE_INITIATOR && (a = route_head(ret)) != NULL &&
	    a->type == OCKAM_ADDR_LOCAL && recent_note(&c->senders,
	    a->val) == -1)
		log_warnx("secure channel %s: out of memory: replies to %s "
		    "will be denied", c->enc, a->val);
}

/* A message for the encryptor: step past it, seal the rest. */
void
chan_encrypt(struct channel *c, struct message *m)
{
	struct ibuf	*b;
	size_t		 ptlen;

	route_pop_front(&m->tm.onward);
	ptlen = 1 + tmsg_encoded_len(&m->tm);
	if (ptlen > SC_MAX_PLAIN) {
		router_drop(m, "secure channel %s: message too large for the "
		    "channel", c->enc);
		return;
	}
	if ((b = chan_buf(ptlen)) == NULL) {
		router_drop(m, "secure channel %s: out of memory", c->enc);
		return;
	}
	ibuf_add_u8(b, SC_KIND_MESSAGE);
	if (tmsg_encode(b, &m->tm) == -1) {
		ibuf_free(b);
		router_drop(m, "secure channel %s: cannot encode the message",
		    c->enc);
		return;
	}
	chan_note_sender(c, &m->tm.ret);
	if (chan_seal(c, b, m) == -1) {
		router_drop(m, "secure channel %s: cannot send", c->enc);
		return;
	}
	message_free(m);
}

/* A message of the channel itself: kind, and a reason when not 0. */
static void
chan_send_kind(struct channel *c, uint8_t kind, uint8_t reason)
{
	struct ibuf	*b;

	if ((b = chan_buf(reason != 0 ? 2 : 1)) != NULL) {
		/* A failure sticks to b: chan_seal() refuses it, frees it. */
		ibuf_add_u8(b, kind);
		if (reason != 0)
			ibuf_add_u8(b, reason);
		if (chan_seal(c, b, NULL) == 0)
			return;
	}
	log_warnx("secure channel %s: cannot send %s", c->enc,
	    kind == SC_KIND_CLOSE ? "Close" : "Confirm");
}

void
chan_send_close(struct channel *c)
{
	chan_send_kind(c, SC_KIND_CLOSE, SC_CLOSE_NONE);
}

/* A Close that says why (trust.h: SC_CLOSE_*). */
void
chan_send_close_why(struct channel *c, uint8_t reason)
{
	chan_send_kind(c, SC_KIND_CLOSE, reason);
}

/* The responder accepted the initiator's identity (trust.c). */
void
chan_send_confirm(struct channel *c)
{
	chan_send_kind(c, SC_KIND_CONFIRM, 0);
}

/*
 * A responder that refuses the initiator at message 3 (trust.c): one
 * Close with the reason, under the sending key of the handshake just
 * done; the channel never opens.
 */
void
chan_send_refusal(struct channel *c, struct noise_cipher *tx, uint8_t why)
{
	memcpy(&c->tx, tx, sizeof(c->tx));
	chan_expand(&c->tx_st, 1, c->tx.k);
	c->tx_n = 0;
	chan_send_kind(c, SC_KIND_CLOSE, why);
}

/*
 * The key for a nonce's epoch, into key; next_prev gets the key of the
 * epoch before it when the epoch is new.  -1: too old.
 */
static int
chan_rx_key(struct channel *c, uint64_t epoch, uint8_t *key,
    uint8_t *next_prev)
{
	uint64_t	 e;

	if (epoch == c->rx_epoch) {
		memcpy(key, c->rx_key, NOISE_KEYLEN);
		return (0);
	}
	if (epoch + 1 == c->rx_epoch && c->rx_has_prev) {
		memcpy(key, c->rx_prev, NOISE_KEYLEN);
		return (0);
	}
	if (epoch < c->rx_epoch)
		return (-1);
	/* Ahead: at most REPLAY_MAX_AHEAD / REKEY_INTERVAL rekeys. */
	memcpy(key, c->rx_key, NOISE_KEYLEN);
	for (e = c->rx_epoch; e < epoch; e++) {
		memcpy(next_prev, key, NOISE_KEYLEN);
		noise_rekey(key);
	}
	return (0);
}

/*
 * Deliver the TransportMessage at body (len bytes, inside from's
 * payload): from's buffer becomes the new message's (tmsg_decode_take).
 */
static void
chan_deliver(struct channel *c, const uint8_t *body, size_t len,
    struct message *from)
{
	static struct log_count	 bad = LOG_COUNT_INIT(LOG_ERR,
				    "secure channels: bad messages inside");
	struct message		*m;
	const char		*errstr;

	if ((m = message_new()) == NULL) {
		log_warnx("secure channel %s: out of memory", c->enc);
		return;
	}
	if (tmsg_decode_take(&m->tm, from->tm.payload, from->tm.plen,
	    body - from->tm.payload, len, &errstr) == -1) {
		log_count(&bad, "%s: %s", c->enc, errstr);
		message_free(m);
		return;
	}
	from->tm.payload = NULL;
	from->tm.plen = 0;
	/* Replies go back through our encryptor. */
	if (route_push_front(&m->tm.ret, OCKAM_ADDR_LOCAL, c->enc,
	    strlen(c->enc)) == -1) {
		router_drop(m, "secure channel %s: return route too long",
		    c->enc);
		return;
	}
	m->origin = from->origin;
	m->reqid = from->reqid;
	m->flags = from->flags;
	m->hops = from->hops;
	m->flow_kind = FLOW_CHANNEL;
	m->flow = c->id;
	strlcpy(m->peer, c->peer, sizeof(m->peer));
	router_enqueue(m);
}

/*
 * Open a channel message in place: its payload becomes the plaintext,
 * wiped when the message is freed.
 */
void
chan_decrypt(struct channel *c, struct message *m)
{
	struct aead	 st, *stp = &c->rx_st;
	uint8_t		 key[NOISE_KEYLEN], prev[NOISE_KEYLEN];
	uint8_t		 nonce[AEAD_NONCELEN];
	uint8_t		*pt;
	uint64_t	 n, epoch;
	size_t		 ptlen;

	if (m->tm.plen < SC_NONCE_LEN + NOISE_TAGLEN + 1) {
		c->nbad++;
		router_drop(m, "secure channel %s: message too short", c->enc);
		return;
	}
	n = be64_get(m->tm.payload);
	if (replay_check(&c->rx_win, n) == -1) {
		c->nbad++;
		router_drop(m, "secure channel %s: nonce %llu replayed or "
		    "outside the window", c->enc, (unsigned long long)n);
		return;
	}
	epoch = rekey_epoch(n);
	if (epoch != c->rx_epoch) {
		if (chan_rx_key(c, epoch, key, prev) == -1) {
			c->nbad++;
			router_drop(m, "secure channel %s: nonce %llu from an "
			    "expired key", c->enc, (unsigned long long)n);
			goto out;
		}
		memset(&st, 0, sizeof(st));
		stp = &st;
		chan_expand(stp, 0, key);
	}
	pt = m->tm.payload + SC_NONCE_LEN;
	ptlen = m->tm.plen - SC_NONCE_LEN - NOISE_TAGLEN;
	chan_nonce(nonce, m->tm.payload);
	if (aead_open(stp, nonce, pt, ptlen, pt + ptlen) == -1) {
		c->nbad++;
		router_drop(m, "secure channel %s: message %llu does not "
		    "verify", c->enc, (unsigned long long)n);
		goto out;
	}

	/* Verified: now the state may move. */
	replay_commit(&c->rx_win, n);
	if (epoch > c->rx_epoch) {
		memcpy(c->rx_prev, prev, sizeof(c->rx_prev));
		memcpy(c->rx_key, key, sizeof(c->rx_key));
		/* The new epoch's context becomes the channel's. */
		aead_clear(&c->rx_st);
		memcpy(&c->rx_st, &st, sizeof(c->rx_st));
		sodium_memzero(&st, sizeof(st));
		c->rx_epoch = epoch;
		c->rx_has_prev = 1;
	}
	c->nrecv++;
	switch (pt[0]) {
	case SC_KIND_MESSAGE:
		chan_deliver(c, pt + 1, ptlen - 1, m);
		message_free(m);
		sctrust_confirmed(c);
		break;
	case SC_KIND_CLOSE:
		/* Its body: empty, or a reason code (trust.c). */
		sctrust_peer_close(c, pt + 1, ptlen - 1);
		message_free(m);
		break;
	case SC_KIND_CONFIRM:
		message_free(m);
		sctrust_confirmed(c);
		break;
	default:
		log_warnx("secure channel %s: unknown message kind %u",
		    c->enc, pt[0]);
		message_free(m);
		break;
	}
 out:
	if (stp == &st)
		aead_clear(&st);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(prev, sizeof(prev));
}
