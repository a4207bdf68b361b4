/* SPDX-License-Identifier: ISC */
/*
 * Noise_XX_25519_AESGCM_SHA256 handshake and the channel cipher
 * (doc/design.md 5), on libsodium 1.0.18.
 *
 * The handshake is an explicit state machine (see noise.h).  Every
 * write and every read works on a copy of the state and copies it back
 * only when the whole message has been produced or verified, so a
 * failure at any step leaves the caller's handshake exactly as it was.
 * Every function wipes its temporaries, the copy included, at its one
 * exit label.
 *
 * Errors (errno): EINVAL for a bad argument or a call in the wrong
 * state, ENOSPC when the output buffer is too small, EMSGSIZE for a
 * message longer than NOISE_MAX_MSG, EBADMSG for a message that is too
 * short or whose tag does not verify and for a DH that fails without
 * saying why, EIO for an ephemeral op that fails without saying why (an
 * op that sets errno keeps its errno).
 *
 * Buffers: the payload and the message of a write or read must not
 * overlap.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"

#define NOISE_NONCELEN	12

/* The Diffie-Hellman tokens of pattern XX. */
enum noise_token {
	TOKEN_EE,
	TOKEN_ES,
	TOKEN_SE,
};

static void	 noise_nonce(uint8_t [NOISE_NONCELEN], uint64_t);
static void	 mix_hash(uint8_t [NOISE_HASHLEN], const void *, size_t);
static int	 mix_dh(struct noise_hs *, enum noise_token);
static int	 encrypt_and_hash(struct noise_hs *, const void *, size_t,
		    uint8_t *);
static int	 decrypt_and_hash(struct noise_hs *, const uint8_t *, size_t,
		    uint8_t *);
static int	 noise_hmac(const uint8_t [NOISE_HASHLEN], const void *,
		    size_t, const void *, size_t, uint8_t [NOISE_HASHLEN]);

/* Given to libsodium instead of a NULL pointer for an empty input. */
static const uint8_t noise_empty[1];

int
noise_available(void)
{
	if (sodium_init() < 0)
		return (0);
	return (crypto_aead_aes256gcm_is_available());
}

/* The AEAD nonce: 4 zero bytes and n as a big-endian u64. */
static void
noise_nonce(uint8_t nonce[NOISE_NONCELEN], uint64_t n)
{
	int	 i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

/* HMAC-SHA256(key, a || b); the output may alias the key. */
static int
noise_hmac(const uint8_t key[NOISE_HASHLEN], const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[NOISE_HASHLEN])
{
	crypto_auth_hmacsha256_state	 st;
	uint8_t				 mac[NOISE_HASHLEN];
	int				 ret = -1;

	if (crypto_auth_hmacsha256_init(&st, key, NOISE_HASHLEN) != 0)
		goto out;
	if (alen > 0 && crypto_auth_hmacsha256_update(&st, a, alen) != 0)
		goto out;
	if (blen > 0 && crypto_auth_hmacsha256_update(&st, b, blen) != 0)
		goto out;
	if (crypto_auth_hmacsha256_final(&st, mac) != 0)
		goto out;
	memcpy(out, mac, NOISE_HASHLEN);
	ret = 0;
 out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(mac, sizeof(mac));
	return (ret);
}

/*
 * The Noise HKDF with two outputs: RFC 5869 with salt ck, empty info.
 * The outputs may alias ck (MixKey writes the new ck over the old).
 */
int
noise_hkdf2(const uint8_t ck[NOISE_HASHLEN], const void *ikm, size_t ikmlen,
    uint8_t out1[NOISE_HASHLEN], uint8_t out2[NOISE_HASHLEN])
{
	uint8_t	 prk[NOISE_HASHLEN], o1[NOISE_HASHLEN];
	uint8_t	 o2[NOISE_HASHLEN];
	uint8_t	 one = 0x01, two = 0x02;
	int	 ret = -1;

	if (ck == NULL || out1 == NULL || out2 == NULL ||
	    (ikm == NULL && ikmlen > 0)) {
		errno = EINVAL;
		goto out;
	}
	if (noise_hmac(ck, ikm, ikmlen, NULL, 0, prk) == -1 ||
	    noise_hmac(prk, &one, 1, NULL, 0, o1) == -1 ||
	    noise_hmac(prk, o1, sizeof(o1), &two, 1, o2) == -1)
		goto out;
	memcpy(out1, o1, NOISE_HASHLEN);
	memcpy(out2, o2, NOISE_HASHLEN);
	ret = 0;
 out:
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(o1, sizeof(o1));
	sodium_memzero(o2, sizeof(o2));
	return (ret);
}

/* h = SHA-256(h || data) */
static void
mix_hash(uint8_t h[NOISE_HASHLEN], const void *data, size_t len)
{
	crypto_hash_sha256_state	 st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, h, NOISE_HASHLEN);
	if (len > 0)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, h);
	sodium_memzero(&st, sizeof(st));
}

/*
 * MixKey(DH(...)) for one token.  Which local key meets which remote
 * key depends on the role: "es" is the initiator's ephemeral with the
 * responder's static, "se" the initiator's static with the responder's
 * ephemeral.
 */
static int
mix_dh(struct noise_hs *hs, enum noise_token token)
{
	uint8_t		 dh[NOISE_DHLEN];
	const uint8_t	*remote;
	enum noise_key	 local;
	int		 initiator, ret = -1;

	initiator = hs->role == NOISE_INITIATOR;
	switch (token) {
	case TOKEN_EE:
		local = NOISE_KEY_EPHEMERAL;
		remote = hs->re;
		break;
	case TOKEN_ES:
		local = initiator ? NOISE_KEY_EPHEMERAL : NOISE_KEY_STATIC;
		remote = initiator ? hs->rs : hs->re;
		break;
	case TOKEN_SE:
		local = initiator ? NOISE_KEY_STATIC : NOISE_KEY_EPHEMERAL;
		remote = initiator ? hs->re : hs->rs;
		break;
	default:
		errno = EINVAL;
		goto out;
	}
	errno = 0;
	if (hs->ops->dh(hs->arg, local, remote, dh) == -1) {
		if (errno == 0)
			errno = EBADMSG;
		goto out;
	}
	/* The ops must refuse a low-order point; do not rely on it. */
	if (sodium_is_zero(dh, sizeof(dh))) {
		errno = EBADMSG;
		goto out;
	}
	if (noise_hkdf2(hs->ck, dh, sizeof(dh), hs->ck, hs->k) == -1)
		goto out;
	hs->has_k = 1;
	hs->n = 0;
	ret = 0;
 out:
	sodium_memzero(dh, sizeof(dh));
	return (ret);
}

/*
 * EncryptAndHash: out gets len bytes, or len + NOISE_TAGLEN once there
 * is a key.
 */
static int
encrypt_and_hash(struct noise_hs *hs, const void *pt, size_t len,
    uint8_t *out)
{
	size_t	 clen;

	if (!hs->has_k) {
		if (len > 0)
			memcpy(out, pt, len);
		mix_hash(hs->h, out, len);
		return (0);
	}
	if (noise_encrypt(hs->k, hs->n, hs->h, sizeof(hs->h), pt, len,
	    out) == -1)
		return (-1);
	hs->n++;
	clen = len + NOISE_TAGLEN;
	mix_hash(hs->h, out, clen);
	return (0);
}

/*
 * DecryptAndHash: out gets len bytes, or len - NOISE_TAGLEN once there
 * is a key.  On failure out holds nothing readable.
 */
static int
decrypt_and_hash(struct noise_hs *hs, const uint8_t *ct, size_t len,
    uint8_t *out)
{
	if (!hs->has_k) {
		if (len > 0)
			memcpy(out, ct, len);
		mix_hash(hs->h, ct, len);
		return (0);
	}
	if (noise_decrypt(hs->k, hs->n, hs->h, sizeof(hs->h), ct, len,
	    out) == -1)
		return (-1);
	hs->n++;
	mix_hash(hs->h, ct, len);
	return (0);
}

int
noise_hs_init(struct noise_hs *hs, enum noise_role role, const void *prologue,
    size_t prologue_len, const uint8_t s_pub[NOISE_DHLEN],
    const struct noise_ops *ops, void *arg)
{
	if (hs == NULL)
		goto fail;
	noise_hs_wipe(hs);
	if ((role != NOISE_INITIATOR && role != NOISE_RESPONDER) ||
	    (prologue == NULL && prologue_len > 0) || s_pub == NULL ||
	    ops == NULL || ops->ephemeral == NULL || ops->dh == NULL)
		goto fail;
	if (sodium_init() < 0)
		goto fail;

	/* The name fits in HASHLEN bytes: h is the name padded with NULs. */
	memcpy(hs->h, NOISE_PROTOCOL_NAME, sizeof(NOISE_PROTOCOL_NAME) - 1);
	memcpy(hs->ck, hs->h, sizeof(hs->ck));
	mix_hash(hs->h, prologue, prologue_len);
	memcpy(hs->s, s_pub, sizeof(hs->s));
	hs->role = role;
	hs->ops = ops;
	hs->arg = arg;
	hs->state = role == NOISE_INITIATOR ? NOISE_I_START : NOISE_R_START;
	return (0);
 fail:
	errno = EINVAL;
	return (-1);
}

void
noise_hs_wipe(struct noise_hs *hs)
{
	if (hs == NULL)
		return;
	sodium_memzero(hs, sizeof(*hs));
	hs->state = NOISE_ZEROED;
}

/*
 * The bytes the next handshake message adds to its payload, whichever
 * side writes it: the ephemeral key, the encrypted static key and the
 * tags.  0 when no message is due.
 */
size_t
noise_overhead(const struct noise_hs *hs)
{
	if (hs == NULL)
		return (0);
	switch (hs->state) {
	case NOISE_I_START:
	case NOISE_R_START:
		return (NOISE_DHLEN);
	case NOISE_I_SENT1:
	case NOISE_R_READ1:
		return (NOISE_DHLEN + NOISE_DHLEN + 2 * NOISE_TAGLEN);
	case NOISE_I_READ2:
	case NOISE_R_SENT2:
		return (NOISE_DHLEN + 2 * NOISE_TAGLEN);
	default:
		return (0);
	}
}

/*
 * Write the next handshake message with the given payload into out.
 *	m1	-> e
 *	m2	<- e, ee, s, es
 *	m3	-> s, se
 */
int
noise_write(struct noise_hs *hs, const void *payload, size_t plen,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	struct noise_hs	 t;
	size_t		 need = 0, off = 0;
	int		 ret = -1, wrote = 0;

	sodium_memzero(&t, sizeof(t));
	if (hs == NULL || out == NULL || outlen == NULL ||
	    (payload == NULL && plen > 0)) {
		errno = EINVAL;
		goto out;
	}
	if (hs->state != NOISE_I_START && hs->state != NOISE_R_READ1 &&
	    hs->state != NOISE_I_READ2) {
		errno = EINVAL;
		goto out;
	}
	need = noise_overhead(hs);
	if (plen > NOISE_MAX_MSG - need) {
		errno = EMSGSIZE;
		goto out;
	}
	need += plen;
	if (outsz < need) {
		errno = ENOSPC;
		goto out;
	}
	if (payload == NULL)
		payload = noise_empty;

	memcpy(&t, hs, sizeof(t));
	wrote = 1;
	switch (t.state) {
	case NOISE_I_START:
	case NOISE_R_READ1:
		errno = 0;
		if (t.ops->ephemeral(t.arg, t.e) == -1) {
			if (errno == 0)
				errno = EIO;
			goto out;
		}
		memcpy(out, t.e, sizeof(t.e));
		mix_hash(t.h, t.e, sizeof(t.e));
		off = sizeof(t.e);
		if (t.state == NOISE_I_START) {
			t.state = NOISE_I_SENT1;
			break;
		}
		if (mix_dh(&t, TOKEN_EE) == -1 ||
		    encrypt_and_hash(&t, t.s, sizeof(t.s), out + off) == -1)
			goto out;
		off += sizeof(t.s) + NOISE_TAGLEN;
		if (mix_dh(&t, TOKEN_ES) == -1)
			goto out;
		t.state = NOISE_R_SENT2;
		break;
	case NOISE_I_READ2:
		if (encrypt_and_hash(&t, t.s, sizeof(t.s), out) == -1)
			goto out;
		off = sizeof(t.s) + NOISE_TAGLEN;
		if (mix_dh(&t, TOKEN_SE) == -1)
			goto out;
		t.state = NOISE_DONE;
		break;
	default:
		errno = EINVAL;
		goto out;
	}
	if (encrypt_and_hash(&t, payload, plen, out + off) == -1)
		goto out;
	*outlen = need;
	memcpy(hs, &t, sizeof(*hs));
	ret = 0;
 out:
	sodium_memzero(&t, sizeof(t));
	if (ret == -1 && wrote)
		sodium_memzero(out, need);
	return (ret);
}

/*
 * Read the next handshake message; the payload goes to out.  Nothing
 * changes in hs unless the whole message verifies.
 */
int
noise_read(struct noise_hs *hs, const uint8_t *msg, size_t msglen,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	struct noise_hs	 t;
	uint8_t		 rs[NOISE_DHLEN];
	size_t		 min, plen = 0, off = 0;
	int		 ret = -1, started = 0;

	sodium_memzero(&t, sizeof(t));
	sodium_memzero(rs, sizeof(rs));
	if (hs == NULL || msg == NULL || outlen == NULL) {
		errno = EINVAL;
		goto out;
	}
	if (hs->state != NOISE_R_START && hs->state != NOISE_I_SENT1 &&
	    hs->state != NOISE_R_SENT2) {
		errno = EINVAL;
		goto out;
	}
	if (msglen > NOISE_MAX_MSG) {
		errno = EMSGSIZE;
		goto out;
	}
	min = noise_overhead(hs);
	if (msglen < min) {
		errno = EBADMSG;
		goto out;
	}
	plen = msglen - min;
	if (plen > 0 && (out == NULL || outsz < plen)) {
		errno = ENOSPC;
		goto out;
	}

	memcpy(&t, hs, sizeof(t));
	started = 1;
	switch (t.state) {
	case NOISE_R_START:
	case NOISE_I_SENT1:
		memcpy(t.re, msg, sizeof(t.re));
		mix_hash(t.h, t.re, sizeof(t.re));
		off = sizeof(t.re);
		if (t.state == NOISE_R_START) {
			t.state = NOISE_R_READ1;
			break;
		}
		if (mix_dh(&t, TOKEN_EE) == -1)
			goto out;
		if (decrypt_and_hash(&t, msg + off, sizeof(rs) + NOISE_TAGLEN,
		    rs) == -1) {
			errno = EBADMSG;
			goto out;
		}
		memcpy(t.rs, rs, sizeof(t.rs));
		off += sizeof(rs) + NOISE_TAGLEN;
		if (mix_dh(&t, TOKEN_ES) == -1)
			goto out;
		t.state = NOISE_I_READ2;
		break;
	case NOISE_R_SENT2:
		if (decrypt_and_hash(&t, msg, sizeof(rs) + NOISE_TAGLEN,
		    rs) == -1) {
			errno = EBADMSG;
			goto out;
		}
		memcpy(t.rs, rs, sizeof(t.rs));
		off = sizeof(rs) + NOISE_TAGLEN;
		if (mix_dh(&t, TOKEN_SE) == -1)
			goto out;
		t.state = NOISE_DONE;
		break;
	default:
		errno = EINVAL;
		goto out;
	}
	if (decrypt_and_hash(&t, msg + off, msglen - off, out) == -1) {
		errno = EBADMSG;
		goto out;
	}
	*outlen = plen;
	memcpy(hs, &t, sizeof(*hs));
	ret = 0;
 out:
	sodium_memzero(&t, sizeof(t));
	sodium_memzero(rs, sizeof(rs));
	if (ret == -1 && started && plen > 0)
		sodium_memzero(out, plen);
	return (ret);
}

/*
 * Split: (k1, k2) = HKDF(ck, empty), then the handshake is wiped.  As
 * in the Noise specification the initiator sends with k1 and the
 * responder with k2; the caller assigns them (Ockam swaps them).
 */
int
noise_split(struct noise_hs *hs, struct noise_cipher *c1,
    struct noise_cipher *c2)
{
	uint8_t	 k1[NOISE_KEYLEN], k2[NOISE_KEYLEN];
	int	 ret = -1;

	if (hs == NULL || c1 == NULL || c2 == NULL || c1 == c2 ||
	    hs->state != NOISE_DONE) {
		errno = EINVAL;
		goto out;
	}
	if (noise_hkdf2(hs->ck, NULL, 0, k1, k2) == -1)
		goto out;
	memcpy(c1->k, k1, sizeof(c1->k));
	c1->epoch = 0;
	memcpy(c2->k, k2, sizeof(c2->k));
	c2->epoch = 0;
	noise_hs_wipe(hs);
	ret = 0;
 out:
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	return (ret);
}

/*
 * AES-256-GCM: out gets ptlen bytes of ciphertext and the 16-byte tag.
 * The nonce NOISE_NONCE_MAX is reserved for REKEY.
 */
int
noise_encrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const void *ad,
    size_t adlen, const void *pt, size_t ptlen, uint8_t *out)
{
	uint8_t			 nonce[NOISE_NONCELEN];
	unsigned long long	 clen;
	int			 ret = -1;

	if (k == NULL || out == NULL || n == NOISE_NONCE_MAX ||
	    (ad == NULL && adlen > 0) || (pt == NULL && ptlen > 0) ||
	    ptlen > crypto_aead_aes256gcm_MESSAGEBYTES_MAX) {
		errno = EINVAL;
		goto out;
	}
	noise_nonce(nonce, n);
	if (crypto_aead_aes256gcm_encrypt(out, &clen,
	    ptlen > 0 ? pt : noise_empty, ptlen,
	    adlen > 0 ? ad : noise_empty, adlen, NULL, nonce, k) != 0) {
		errno = ENOTSUP;
		goto out;
	}
	ret = 0;
 out:
	sodium_memzero(nonce, sizeof(nonce));
	return (ret);
}

/*
 * AES-256-GCM: ct is the ciphertext and its tag; out gets ctlen - 16
 * bytes, or nothing readable if the tag does not verify.
 */
int
noise_decrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const void *ad,
    size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t	 nonce[NOISE_NONCELEN];
	size_t	 mlen = 0;
	int	 ret = -1;

	if (k == NULL || ct == NULL || (ad == NULL && adlen > 0)) {
		errno = EINVAL;
		goto out;
	}
	if (ctlen < NOISE_TAGLEN || n == NOISE_NONCE_MAX) {
		errno = EBADMSG;
		goto out;
	}
	mlen = ctlen - NOISE_TAGLEN;
	if (mlen > 0 && out == NULL) {
		errno = EINVAL;
		mlen = 0;
		goto out;
	}
	noise_nonce(nonce, n);
	if (crypto_aead_aes256gcm_decrypt_detached(mlen > 0 ? out : NULL,
	    NULL, ct, mlen, ct + mlen, adlen > 0 ? ad : noise_empty, adlen,
	    nonce, k) != 0) {
		errno = EBADMSG;
		goto out;
	}
	ret = 0;
 out:
	sodium_memzero(nonce, sizeof(nonce));
	if (ret == -1 && mlen > 0)
		sodium_memzero(out, mlen);
	return (ret);
}

/*
 * REKEY(k): the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros).
 * The encryption fails only without AES-NI (see noise_available()):
 * then k becomes a random key, so the channel breaks instead of going
 * on with the old key.
 */
void
noise_rekey(uint8_t k[NOISE_KEYLEN])
{
	uint8_t			 nonce[NOISE_NONCELEN];
	uint8_t			 zeros[NOISE_KEYLEN];
	uint8_t			 ct[NOISE_KEYLEN + NOISE_TAGLEN];
	unsigned long long	 clen;

	memset(zeros, 0, sizeof(zeros));
	noise_nonce(nonce, NOISE_NONCE_MAX);
	if (crypto_aead_aes256gcm_encrypt(ct, &clen, zeros, sizeof(zeros),
	    noise_empty, 0, NULL, nonce, k) == 0)
		memcpy(k, ct, NOISE_KEYLEN);
	else
		randombytes_buf(k, NOISE_KEYLEN);
	sodium_memzero(nonce, sizeof(nonce));
	sodium_memzero(ct, sizeof(ct));
}
