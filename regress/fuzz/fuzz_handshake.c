/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the secure channel handshake (lib/noise.c) and the
 * identity payload check of ockam-routed/handshake.c.
 *
 * Two parties with fixed keys (local keys behind the noise ops, as in
 * regress/unit/test_noise.c) run a real handshake once at start; its
 * states and messages are kept, so every input starts from the same
 * place.  The first input byte picks what to do with the rest (the
 * body), and which trust policy to check identities against:
 *
 *	0  a responder reads the body as message 1, then answers it
 *	1  an initiator reads the body as message 2
 *	2  a responder reads the body as message 3
 *	3  the genuine message 2, edited by the body, is read
 *	4  the genuine message 3, edited by the body, is read
 *	5  the responder sends the body as its message 2 payload; the
 *	   initiator reads it, checks it as an identity payload, and the
 *	   handshake runs to the end
 *	6  the same for the initiator's message 3 payload
 *	7  a genuine identity payload, edited by the body, is checked
 *
 * An edit is three bytes: a big-endian offset (past the end: append)
 * and a byte to XOR there.  Invariants: a read that fails leaves the
 * handshake exactly as it was and no plaintext behind; a read succeeds
 * exactly when the message is the genuine one; a payload arrives as it
 * was sent; both ends of a completed handshake derive the same keys;
 * an identity payload passes exactly when it is genuine and trusted.
 *
 * idpayload_check() is static in ockam-routed/handshake.c, so the same
 * steps are done here from the public pieces it is made of: the length
 * and version, the Ed25519 signature over VAULT_SIG_CONTEXT and the
 * peer's static key, identifier_of() and trust_allows().
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "noise.h"
#include "routed.h"
#include "vault.h"

#define IDP_LEN		97	/* channel.h SC_IDPAYLOAD_LEN */
#define IDP_VERSION	1	/* channel.h SC_IDPAYLOAD_VERSION */
#define M2_OVERHEAD	(NOISE_DHLEN + NOISE_DHLEN + 2 * NOISE_TAGLEN)
#define M3_OVERHEAD	(NOISE_DHLEN + 2 * NOISE_TAGLEN)
#define MSG_MAX		(M2_OVERHEAD + IDP_LEN + 256)	/* genuine + edits */

enum trust_choice {
	TRUST_EVERYONE,
	TRUST_LISTED,		/* the genuine peer is listed */
	TRUST_OTHERS,		/* only someone else is */
	TRUST_CHOICES
};

struct party {
	uint8_t		 s_priv[NOISE_DHLEN];
	uint8_t		 s_pub[NOISE_DHLEN];
	uint8_t		 e_priv[NOISE_DHLEN];
	uint8_t		 e_pub[NOISE_DHLEN];
	uint8_t		 sign_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t		 sign_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t		 idp[IDP_LEN];	/* its identity payload */
	char		 id[OCKAM_IDENTIFIER_LEN + 1];
};

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 party_ephemeral(void *, uint8_t [NOISE_DHLEN]);
static int	 party_dh(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);
static void	 check(int, const char *);
static void	 party_init(struct party *, uint8_t);
static void	 party_idp(struct party *);
static int	 idp_check(const struct noise_hs *, const uint8_t *, size_t,
		    const struct trust_conf *);
static int	 read_msg(struct noise_hs *, const uint8_t *, size_t,
		    uint8_t **, size_t *);
static size_t	 edit(uint8_t *, size_t, size_t, const uint8_t *, size_t);
static void	 finish(struct noise_hs *, struct noise_hs *);
static void	 do_m1(const uint8_t *, size_t);
static void	 do_raw(const struct noise_hs *, const uint8_t *, size_t,
		    const uint8_t *, size_t);
static void	 do_edit(const struct noise_hs *, const uint8_t *, size_t,
		    const uint8_t *, size_t);
static void	 do_payload2(const uint8_t *, size_t,
		    const struct trust_conf *, int);
static void	 do_payload3(const uint8_t *, size_t,
		    const struct trust_conf *, int);
static void	 do_idp(const uint8_t *, size_t, const struct trust_conf *,
		    int);

static const struct noise_ops party_ops = {
	party_ephemeral,
	party_dh,
};

static struct party	 ini, resp;
/* The handshake after each step, and the genuine messages. */
static struct noise_hs	 hs_r0, hs_i1, hs_r1, hs_r2, hs_i2;
static uint8_t		 m1[NOISE_DHLEN], m2[MSG_MAX], m3[MSG_MAX];
static size_t		 m2len, m3len;
static struct trust_conf trust[TRUST_CHOICES][2];	/* [][0]: of ini */
static uint8_t		 msgbuf[NOISE_MAX_MSG];

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_handshake: invariant failed: %s\n",
		    what);
		abort();
	}
}

/* The ephemeral key is fixed too: every run is the same handshake. */
static int
party_ephemeral(void *arg, uint8_t pub[NOISE_DHLEN])
{
	struct party	*p = arg;

	memcpy(pub, p->e_pub, NOISE_DHLEN);
	return (0);
}

/* libsodium refuses a low-order point, as the vault does. */
static int
party_dh(void *arg, enum noise_key which, const uint8_t pub[NOISE_DHLEN],
    uint8_t out[NOISE_DHLEN])
{
	struct party	*p = arg;

	if (crypto_scalarmult(out, which == NOISE_KEY_STATIC ? p->s_priv :
	    p->e_priv, pub) != 0)
		return (-1);
	return (0);
}

static void
party_init(struct party *p, uint8_t first)
{
	uint8_t	 seed[crypto_sign_SEEDBYTES];
	size_t	 i;

	for (i = 0; i < NOISE_DHLEN; i++) {
		p->s_priv[i] = first + i;
		p->e_priv[i] = first + 0x40 + i;
	}
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = first + 0x80 + i;
	if (crypto_scalarmult_base(p->s_pub, p->s_priv) != 0 ||
	    crypto_scalarmult_base(p->e_pub, p->e_priv) != 0 ||
	    crypto_sign_seed_keypair(p->sign_pk, p->sign_sk, seed) != 0)
		abort();
	identifier_of(p->sign_pk, p->id);
}

/*
 * What idpayload_make() sends: the version, the Ed25519 key and its
 * signature over the context and the party's own static key.
 */
static void
party_idp(struct party *p)
{
	uint8_t	 msg[sizeof(VAULT_SIG_CONTEXT) - 1 + NOISE_DHLEN];

	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, p->s_pub, NOISE_DHLEN);
	p->idp[0] = IDP_VERSION;
	memcpy(p->idp + 1, p->sign_pk, crypto_sign_PUBLICKEYBYTES);
	if (crypto_sign_detached(p->idp + 33, NULL, msg, sizeof(msg),
	    p->sign_sk) != 0)
		abort();
}

/* idpayload_check() of ockam-routed/handshake.c, step by step. */
static int
idp_check(const struct noise_hs *hs, const uint8_t *p, size_t len,
    const struct trust_conf *t)
{
	uint8_t	 msg[sizeof(VAULT_SIG_CONTEXT) - 1 + NOISE_DHLEN];
	char	 id[OCKAM_IDENTIFIER_LEN + 1];

	if (len != IDP_LEN || p[0] != IDP_VERSION)
		return (-1);
	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, hs->rs, NOISE_DHLEN);
	if (crypto_sign_verify_detached(p + 33, msg, sizeof(msg),
	    p + 1) != 0)
		return (-1);
	identifier_of(p + 1, id);
	check(identifier_valid(id), "identifier_of makes valid identifiers");
	if (!trust_allows(t, id))
		return (-1);
	return (0);
}

/*
 * noise_read on a copy of the message of its own size, into an output
 * of exactly the payload size.  A failure must leave the handshake as
 * it was and no plaintext in the output.  On success *out is the
 * payload (the caller frees it).
 */
static int
read_msg(struct noise_hs *hs, const uint8_t *msg, size_t len, uint8_t **out,
    size_t *outlen)
{
	struct noise_hs	 before;
	uint8_t		*copy, *pl;
	size_t		 over, plen, i;
	int		 rv;

	memcpy(&before, hs, sizeof(before));
	over = noise_overhead(hs);
	plen = len > over ? len - over : 0;
	if ((copy = malloc(len > 0 ? len : 1)) == NULL ||
	    (pl = malloc(plen > 0 ? plen : 1)) == NULL)
		abort();
	memcpy(copy, msg, len);

	/* One byte short of the payload: refused, nothing changes. */
	if (plen > 0) {
		check(noise_read(hs, copy, len, pl, plen - 1, outlen) == -1 &&
		    errno == ENOSPC, "a short output is ENOSPC");
		check(memcmp(hs, &before, sizeof(before)) == 0,
		    "ENOSPC leaves the handshake");
	}

	memset(pl, 0xa5, plen);
	*outlen = SIZE_MAX;
	rv = noise_read(hs, copy, len, pl, plen, outlen);
	free(copy);
	if (rv == -1) {
		check(errno == EBADMSG || errno == EMSGSIZE,
		    "a bad message is EBADMSG or EMSGSIZE");
		check(memcmp(hs, &before, sizeof(before)) == 0,
		    "a failed read leaves the handshake");
		for (i = 0; i < plen; i++)
			check(pl[i] == 0 || pl[i] == 0xa5,
			    "a failed read leaves no plaintext");
		free(pl);
		*out = NULL;
		return (-1);
	}
	check(rv == 0 && len >= over && *outlen == plen,
	    "a read returns the payload length");
	*out = pl;
	return (0);
}

/* Apply the edits in e to msg (len bytes of size); the new length. */
static size_t
edit(uint8_t *msg, size_t len, size_t size, const uint8_t *e, size_t elen)
{
	size_t	 off;

	for (; elen >= 3; e += 3, elen -= 3) {
		off = (size_t)e[0] << 8 | e[1];
		if (off < len)
			msg[off] ^= e[2];
		else if (len < size)
			msg[len++] = e[2];
	}
	return (len);
}

/* Message 3 from a good initiator; both ends split to the same keys. */
static void
finish(struct noise_hs *i, struct noise_hs *r)
{
	struct noise_cipher	 ic1, ic2, rc1, rc2;
	uint8_t			*pl;
	size_t			 len, plen;

	check(noise_write(i, ini.idp, IDP_LEN, msgbuf, sizeof(msgbuf),
	    &len) == 0, "the initiator writes message 3");
	check(read_msg(r, msgbuf, len, &pl, &plen) == 0 && plen == IDP_LEN &&
	    memcmp(pl, ini.idp, IDP_LEN) == 0,
	    "the responder reads message 3");
	free(pl);
	check(i->state == NOISE_DONE && r->state == NOISE_DONE,
	    "both ends are done");
	check(noise_split(i, &ic1, &ic2) == 0 &&
	    noise_split(r, &rc1, &rc2) == 0, "both ends split");
	check(memcmp(ic1.k, rc1.k, NOISE_KEYLEN) == 0 &&
	    memcmp(ic2.k, rc2.k, NOISE_KEYLEN) == 0 &&
	    memcmp(ic1.k, ic2.k, NOISE_KEYLEN) != 0,
	    "both ends derive the same two keys");
	check(i->state == NOISE_ZEROED && r->state == NOISE_ZEROED,
	    "split wipes the handshake");
}

/* Any 32 bytes or more are a message 1; the answer may still fail. */
static void
do_m1(const uint8_t *body, size_t len)
{
	struct noise_hs	 hs, before;
	uint8_t		*pl;
	size_t		 plen, olen;

	memcpy(&hs, &hs_r0, sizeof(hs));
	if (read_msg(&hs, body, len, &pl, &plen) == -1) {
		check(len < NOISE_DHLEN || len > NOISE_MAX_MSG,
		    "message 1 fails only on its length");
		return;
	}
	check(hs.state == NOISE_R_READ1 &&
	    memcmp(hs.re, body, NOISE_DHLEN) == 0 &&
	    (plen == 0 || memcmp(pl, body + NOISE_DHLEN, plen) == 0),
	    "message 1 is read as it is");
	free(pl);

	memcpy(&before, &hs, sizeof(before));
	if (noise_write(&hs, resp.idp, IDP_LEN, msgbuf, sizeof(msgbuf),
	    &olen) == -1) {
		check(memcmp(&hs, &before, sizeof(before)) == 0,
		    "a failed write leaves the handshake");
		return;
	}
	check(hs.state == NOISE_R_SENT2 && olen == M2_OVERHEAD + IDP_LEN,
	    "message 2 is written");
	noise_hs_wipe(&hs);
}

/* Raw bytes: read only if they are exactly the genuine message. */
static void
do_raw(const struct noise_hs *start, const uint8_t *genuine, size_t glen,
    const uint8_t *body, size_t len)
{
	struct noise_hs	 hs;
	uint8_t		*pl;
	size_t		 plen;
	int		 rv, same;

	memcpy(&hs, start, sizeof(hs));
	rv = read_msg(&hs, body, len, &pl, &plen);
	same = len == glen && memcmp(body, genuine, len) == 0;
	check((rv == 0) == same, "only the genuine message is read");
	if (rv == 0)
		free(pl);
	noise_hs_wipe(&hs);
}

static void
do_edit(const struct noise_hs *start, const uint8_t *genuine, size_t glen,
    const uint8_t *body, size_t len)
{
	uint8_t	 msg[MSG_MAX];
	size_t	 mlen;

	memcpy(msg, genuine, glen);
	mlen = edit(msg, glen, sizeof(msg), body, len);
	do_raw(start, genuine, glen, msg, mlen);
}

/* The responder's payload is the body; then the rest of the handshake. */
static void
do_payload2(const uint8_t *body, size_t len, const struct trust_conf *t,
    int trusted)
{
	struct noise_hs	 r, i;
	uint8_t		*pl;
	size_t		 olen, plen;
	int		 genuine;

	memcpy(&r, &hs_r1, sizeof(r));
	memcpy(&i, &hs_i1, sizeof(i));
	if (noise_write(&r, body, len, msgbuf, sizeof(msgbuf), &olen) == -1) {
		check(len > NOISE_MAX_MSG - M2_OVERHEAD && errno == EMSGSIZE &&
		    memcmp(&r, &hs_r1, sizeof(r)) == 0,
		    "message 2 fails only when too long");
		return;
	}
	check(read_msg(&i, msgbuf, olen, &pl, &plen) == 0 && plen == len &&
	    (len == 0 || memcmp(pl, body, len) == 0),
	    "the message 2 payload arrives as sent");
	check(memcmp(i.rs, resp.s_pub, NOISE_DHLEN) == 0,
	    "the initiator learns the responder's static key");
	genuine = len == IDP_LEN && memcmp(body, resp.idp, IDP_LEN) == 0;
	check((idp_check(&i, pl, plen, t) == 0) == (genuine && trusted),
	    "only a genuine, trusted identity payload passes");
	free(pl);
	finish(&i, &r);
}

/* The initiator's payload is the body. */
static void
do_payload3(const uint8_t *body, size_t len, const struct trust_conf *t,
    int trusted)
{
	struct noise_cipher	 ic1, ic2, rc1, rc2;
	struct noise_hs		 r, i;
	uint8_t			*pl;
	size_t			 olen, plen;
	int			 genuine;

	memcpy(&r, &hs_r2, sizeof(r));
	memcpy(&i, &hs_i2, sizeof(i));
	if (noise_write(&i, body, len, msgbuf, sizeof(msgbuf), &olen) == -1) {
		check(len > NOISE_MAX_MSG - M3_OVERHEAD && errno == EMSGSIZE &&
		    memcmp(&i, &hs_i2, sizeof(i)) == 0,
		    "message 3 fails only when too long");
		return;
	}
	check(read_msg(&r, msgbuf, olen, &pl, &plen) == 0 && plen == len &&
	    (len == 0 || memcmp(pl, body, len) == 0),
	    "the message 3 payload arrives as sent");
	check(memcmp(r.rs, ini.s_pub, NOISE_DHLEN) == 0,
	    "the responder learns the initiator's static key");
	genuine = len == IDP_LEN && memcmp(body, ini.idp, IDP_LEN) == 0;
	check((idp_check(&r, pl, plen, t) == 0) == (genuine && trusted),
	    "only a genuine, trusted identity payload passes");
	free(pl);
	check(noise_split(&i, &ic1, &ic2) == 0 &&
	    noise_split(&r, &rc1, &rc2) == 0 &&
	    memcmp(ic1.k, rc1.k, NOISE_KEYLEN) == 0 &&
	    memcmp(ic2.k, rc2.k, NOISE_KEYLEN) == 0,
	    "both ends derive the same keys");
}

/* A genuine identity payload, edited: it passes only if unchanged. */
static void
do_idp(const uint8_t *body, size_t len, const struct trust_conf *t,
    int trusted)
{
	uint8_t	 idp[IDP_LEN + 64];
	size_t	 ilen;
	int	 genuine;

	memcpy(idp, resp.idp, IDP_LEN);
	ilen = edit(idp, IDP_LEN, sizeof(idp), body, len);
	genuine = ilen == IDP_LEN && memcmp(idp, resp.idp, IDP_LEN) == 0;
	check((idp_check(&hs_i2, idp, ilen, t) == 0) == (genuine && trusted),
	    "only a genuine, trusted identity payload passes");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct noise_hs	 r, i;
	uint8_t		*pl;
	size_t		 len, plen;
	int		 c, who;

	(void)argc;
	(void)argv;
	if (!noise_available()) {
		fprintf(stderr, "fuzz_handshake: AES-256-GCM (AES-NI) is "
		    "not available\n");
		exit(77);
	}
	party_init(&ini, 0x00);
	party_init(&resp, 0x20);
	party_idp(&ini);
	party_idp(&resp);

	/* [c][0] is what the initiator trusts, [c][1] the responder. */
	for (c = 0; c < TRUST_CHOICES; c++) {
		for (who = 0; who < 2; who++) {
			trust_init(&trust[c][who]);
			if (c == TRUST_EVERYONE)
				continue;
			trust[c][who].everyone = 0;
			if (names_add(&trust[c][who].ids, c == TRUST_LISTED ?
			    (who == 0 ? resp.id : ini.id) :
			    (who == 0 ? ini.id : resp.id)) == -1)
				abort();
		}
	}

	check(noise_hs_init(&r, NOISE_RESPONDER, NULL, 0, resp.s_pub,
	    &party_ops, &resp) == 0 && noise_hs_init(&i, NOISE_INITIATOR,
	    NULL, 0, ini.s_pub, &party_ops, &ini) == 0, "handshakes start");
	memcpy(&hs_r0, &r, sizeof(r));
	check(noise_write(&i, NULL, 0, m1, sizeof(m1), &len) == 0 &&
	    len == sizeof(m1), "message 1 is written");
	memcpy(&hs_i1, &i, sizeof(i));
	check(noise_read(&r, m1, sizeof(m1), NULL, 0, &plen) == 0 &&
	    plen == 0, "message 1 is read");
	memcpy(&hs_r1, &r, sizeof(r));
	check(noise_write(&r, resp.idp, IDP_LEN, m2, sizeof(m2), &m2len) == 0,
	    "message 2 is written");
	memcpy(&hs_r2, &r, sizeof(r));
	check(read_msg(&i, m2, m2len, &pl, &plen) == 0 && plen == IDP_LEN &&
	    idp_check(&i, pl, plen, &trust[TRUST_LISTED][0]) == 0,
	    "message 2 is read and its identity passes");
	free(pl);
	memcpy(&hs_i2, &i, sizeof(i));
	check(noise_write(&i, ini.idp, IDP_LEN, m3, sizeof(m3), &m3len) == 0,
	    "message 3 is written");
	memcpy(&i, &hs_i2, sizeof(i));
	memcpy(&r, &hs_r2, sizeof(r));
	finish(&i, &r);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct trust_conf	*t2, *t3;
	const uint8_t		*body;
	size_t			 len;
	int			 trusted;
	enum trust_choice	 c;

	if (size == 0)
		return (0);
	body = data + 1;
	len = size - 1;
	c = (data[0] >> 3) % TRUST_CHOICES;
	trusted = c != TRUST_OTHERS;
	t2 = &trust[c][0];	/* the initiator checks message 2 */
	t3 = &trust[c][1];	/* the responder checks message 3 */

	switch (data[0] & 0x07) {
	case 0:
		do_m1(body, len);
		break;
	case 1:
		do_raw(&hs_i1, m2, m2len, body, len);
		break;
	case 2:
		do_raw(&hs_r2, m3, m3len, body, len);
		break;
	case 3:
		do_edit(&hs_i1, m2, m2len, body, len);
		break;
	case 4:
		do_edit(&hs_r2, m3, m3len, body, len);
		break;
	case 5:
		do_payload2(body, len, t2, trusted);
		break;
	case 6:
		do_payload3(body, len, t3, trusted);
		break;
	default:
		do_idp(body, len, t2, trusted);
		break;
	}
	return (0);
}
