/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/noise.c: the Noise_XX_25519_AESGCM_SHA256
 * handshake against the cacophony, snow and noise-c vectors (read from
 * $OCKAM_VECTORS, see vectors.c), the Ockam known answers of the
 * protocol reference (section 9 rows 1-3, the derived k1/k2/h of 3.1,
 * REKEY of 3.6.5), and the failure paths: tampering, truncation, wrong
 * states, low-order points, small buffers.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "noise.h"
#include "vectors.h"

#define ID_PAYLOAD	97	/* doc/design.md 5: identity payload */

/* A local party: its keys are here instead of in a vault. */
struct party {
	uint8_t		 s_priv[NOISE_DHLEN];
	uint8_t		 s_pub[NOISE_DHLEN];
	uint8_t		 e_priv[NOISE_DHLEN];
	uint8_t		 e_pub[NOISE_DHLEN];
	int		 fixed_e;	/* use e_priv, no new key */
	int		 zero_dh;	/* a broken op: all-zero results */
	int		 fail_eph;
};

/* A pair of parties and their handshakes, with fixed keys. */
struct pair {
	struct party	 ip;
	struct party	 rp;
	struct noise_hs	 ini;
	struct noise_hs	 resp;
	uint8_t		 m1[NOISE_MAX_MSG];
	uint8_t		 m2[NOISE_MAX_MSG];
	uint8_t		 m3[NOISE_MAX_MSG];
	size_t		 m1len, m2len, m3len;
	uint8_t		 pl[NOISE_MAX_MSG];
	size_t		 pllen;
};

static int	 party_ephemeral(void *, uint8_t [NOISE_DHLEN]);
static int	 party_dh(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);

static const struct noise_ops party_ops = {
	party_ephemeral,
	party_dh,
};

static int
party_ephemeral(void *arg, uint8_t pub[NOISE_DHLEN])
{
	struct party	*p = arg;

	if (p->fail_eph) {
		errno = EIO;
		return (-1);
	}
	if (!p->fixed_e) {
		randombytes_buf(p->e_priv, sizeof(p->e_priv));
		crypto_scalarmult_base(p->e_pub, p->e_priv);
	}
	memcpy(pub, p->e_pub, NOISE_DHLEN);
	return (0);
}

static int
party_dh(void *arg, enum noise_key which, const uint8_t pub[NOISE_DHLEN],
    uint8_t out[NOISE_DHLEN])
{
	struct party	*p = arg;

	if (p->zero_dh) {
		memset(out, 0, NOISE_DHLEN);
		return (0);
	}
	/* libsodium refuses low-order points (all-zero results). */
	if (crypto_scalarmult(out, which == NOISE_KEY_STATIC ? p->s_priv :
	    p->e_priv, pub) != 0)
		return (-1);
	return (0);
}

static void
party_keys(struct party *p, const uint8_t *s, const uint8_t *e)
{
	memset(p, 0, sizeof(*p));
	if (s != NULL)
		memcpy(p->s_priv, s, NOISE_DHLEN);
	else
		randombytes_buf(p->s_priv, NOISE_DHLEN);
	assert_int_equal(crypto_scalarmult_base(p->s_pub, p->s_priv), 0);
	if (e != NULL) {
		memcpy(p->e_priv, e, NOISE_DHLEN);
		assert_int_equal(crypto_scalarmult_base(p->e_pub, p->e_priv),
		    0);
		p->fixed_e = 1;
	}
}

static void
hex32(const char *hex, uint8_t out[32])
{
	assert_int_equal(hex_decode_fixed(hex, out, 32), 0);
}

static void
seq_key(uint8_t k[32], uint8_t first)
{
	int	 i;

	for (i = 0; i < 32; i++)
		k[i] = first + i;
}

static int
setup_noise(void **state)
{
	(void)state;
	if (!noise_available()) {
		fprintf(stderr, "noise: AES-256-GCM (AES-NI) not available\n");
		return (-1);
	}
	return (0);
}

/*
 * A pair with fixed keys (the Ockam test keys) and the empty prologue,
 * ready for m1.
 */
static struct pair *
pair_new(void)
{
	struct pair	*pr;
	uint8_t		 k[4][32];

	assert_non_null(pr = calloc(1, sizeof(*pr)));
	seq_key(k[0], 0x00);
	seq_key(k[1], 0x20);
	seq_key(k[2], 0x01);
	seq_key(k[3], 0x41);
	party_keys(&pr->ip, k[0], k[1]);
	party_keys(&pr->rp, k[2], k[3]);
	assert_int_equal(noise_hs_init(&pr->ini, NOISE_INITIATOR, NULL, 0,
	    pr->ip.s_pub, &party_ops, &pr->ip), 0);
	assert_int_equal(noise_hs_init(&pr->resp, NOISE_RESPONDER, "", 0,
	    pr->rp.s_pub, &party_ops, &pr->rp), 0);
	return (pr);
}

static void
pair_m1(struct pair *pr)
{
	assert_int_equal(noise_write(&pr->ini, NULL, 0, pr->m1,
	    sizeof(pr->m1), &pr->m1len), 0);
	assert_int_equal(pr->m1len, 32);
}

static void
pair_m2(struct pair *pr)
{
	uint8_t	 id[ID_PAYLOAD];

	memset(id, 'r', sizeof(id));
	assert_int_equal(noise_read(&pr->resp, pr->m1, pr->m1len, pr->pl,
	    sizeof(pr->pl), &pr->pllen), 0);
	assert_int_equal(pr->pllen, pr->m1len - 32);
	assert_int_equal(noise_write(&pr->resp, id, sizeof(id), pr->m2,
	    sizeof(pr->m2), &pr->m2len), 0);
	assert_int_equal(pr->m2len, 32 + 48 + ID_PAYLOAD + 16);
}

static void
pair_m3(struct pair *pr)
{
	uint8_t	 id[ID_PAYLOAD];

	memset(id, 'i', sizeof(id));
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, pr->pl,
	    sizeof(pr->pl), &pr->pllen), 0);
	assert_int_equal(pr->pllen, ID_PAYLOAD);
	assert_int_equal(noise_write(&pr->ini, id, sizeof(id), pr->m3,
	    sizeof(pr->m3), &pr->m3len), 0);
	assert_int_equal(pr->m3len, 48 + ID_PAYLOAD + 16);
}

static void
pair_free(struct pair *pr)
{
	sodium_memzero(pr, sizeof(*pr));
	free(pr);
}

/* Decode a hex member; a missing one is empty. */
static uint8_t *
member_hex(const struct json *v, const char *key, size_t *len)
{
	uint8_t		*buf;
	const char	*hex;

	hex = json_get_str(v, key);
	if (hex == NULL)
		hex = "";
	assert_int_equal(hex_decode(hex, &buf, len), 0);
	return (buf);
}

static void
member_key(const struct json *v, const char *key, uint8_t out[32])
{
	const char	*hex;

	if ((hex = json_get_str(v, key)) == NULL)
		fail_msg("vector lacks %s", key);
	hex32(hex, out);
}

/* Whether a vector uses pre-shared keys (never with our name). */
static int
vector_has_psk(const struct json *v)
{
	const struct json	*a;

	if (json_get(v, "init_psk") != NULL || json_get(v, "resp_psk") != NULL)
		return (1);
	if ((a = json_get(v, "init_psks")) != NULL &&
	    (a->type != JSON_ARRAY || a->count > 0))
		return (1);
	if ((a = json_get(v, "resp_psks")) != NULL &&
	    (a->type != JSON_ARRAY || a->count > 0))
		return (1);
	return (0);
}

/*
 * Run one vector: the three handshake messages through noise_write and
 * noise_read, then the transport messages with the split keys.
 * Returns the number of messages checked.
 */
static size_t
run_vector(const struct json *v)
{
	struct party		 ip, rp;
	struct noise_hs		 ini, resp, *wr, *rd;
	struct noise_cipher	 ic1, ic2, rc1, rc2;
	const struct json	*msgs, *m;
	uint8_t			 is[32], ie[32], rs[32], re[32], hh[32];
	uint8_t			*ipro, *rpro, *pt, *ct, *out;
	size_t			 iprolen, rprolen, ptlen, ctlen, len, i;
	uint64_t		 ni = 0, nr = 0;
	const char		*hex;

	memset(&ic1, 0, sizeof(ic1));
	memset(&ic2, 0, sizeof(ic2));
	memset(&rc1, 0, sizeof(rc1));
	memset(&rc2, 0, sizeof(rc2));
	member_key(v, "init_static", is);
	member_key(v, "init_ephemeral", ie);
	member_key(v, "resp_static", rs);
	member_key(v, "resp_ephemeral", re);
	party_keys(&ip, is, ie);
	party_keys(&rp, rs, re);
	ipro = member_hex(v, "init_prologue", &iprolen);
	rpro = member_hex(v, "resp_prologue", &rprolen);
	assert_int_equal(noise_hs_init(&ini, NOISE_INITIATOR, ipro, iprolen,
	    ip.s_pub, &party_ops, &ip), 0);
	assert_int_equal(noise_hs_init(&resp, NOISE_RESPONDER, rpro, rprolen,
	    rp.s_pub, &party_ops, &rp), 0);
	free(ipro);
	free(rpro);

	msgs = json_get(v, "messages");
	assert_non_null(msgs);
	assert_int_equal(msgs->type, JSON_ARRAY);
	assert_true(msgs->count >= 3);
	assert_non_null(out = malloc(NOISE_MAX_MSG));
	for (i = 0, m = msgs->child; m != NULL; i++, m = m->next) {
		pt = member_hex(m, "payload", &ptlen);
		ct = member_hex(m, "ciphertext", &ctlen);
		if (i < 3) {
			wr = i % 2 == 0 ? &ini : &resp;
			rd = i % 2 == 0 ? &resp : &ini;
			assert_int_equal(noise_overhead(wr) + ptlen, ctlen);
			assert_int_equal(noise_write(wr, pt, ptlen, out,
			    NOISE_MAX_MSG, &len), 0);
			assert_int_equal(len, ctlen);
			assert_memory_equal(out, ct, ctlen);
			assert_int_equal(noise_read(rd, ct, ctlen, out,
			    NOISE_MAX_MSG, &len), 0);
			assert_int_equal(len, ptlen);
			if (ptlen > 0)
				assert_memory_equal(out, pt, ptlen);
		} else if (i % 2 == 0) {
			/* Initiator to responder: the first key. */
			assert_int_equal(noise_encrypt(ic1.k, ni, NULL, 0, pt,
			    ptlen, out), 0);
			assert_int_equal(ptlen + NOISE_TAGLEN, ctlen);
			assert_memory_equal(out, ct, ctlen);
			assert_int_equal(noise_decrypt(rc1.k, ni, NULL, 0, ct,
			    ctlen, out), 0);
			if (ptlen > 0)
				assert_memory_equal(out, pt, ptlen);
			ni++;
		} else {
			assert_int_equal(noise_encrypt(rc2.k, nr, NULL, 0, pt,
			    ptlen, out), 0);
			assert_int_equal(ptlen + NOISE_TAGLEN, ctlen);
			assert_memory_equal(out, ct, ctlen);
			assert_int_equal(noise_decrypt(ic2.k, nr, NULL, 0, ct,
			    ctlen, out), 0);
			if (ptlen > 0)
				assert_memory_equal(out, pt, ptlen);
			nr++;
		}
		free(pt);
		free(ct);
		if (i != 2)
			continue;
		assert_int_equal(ini.state, NOISE_DONE);
		assert_int_equal(resp.state, NOISE_DONE);
		assert_memory_equal(ini.h, resp.h, 32);
		assert_memory_equal(ini.rs, rp.s_pub, 32);
		assert_memory_equal(resp.rs, ip.s_pub, 32);
		if ((hex = json_get_str(v, "handshake_hash")) != NULL) {
			hex32(hex, hh);
			assert_memory_equal(ini.h, hh, 32);
		}
		assert_int_equal(noise_split(&ini, &ic1, &ic2), 0);
		assert_int_equal(noise_split(&resp, &rc1, &rc2), 0);
		assert_memory_equal(ic1.k, rc1.k, 32);
		assert_memory_equal(ic2.k, rc2.k, 32);
	}
	free(out);
	return (i);
}

static void
run_file(const char *file)
{
	struct json		*doc;
	const struct json	*vecs, *v;
	const char		*name;
	size_t			 total = 0, ran = 0, psk = 0, nmsg = 0;

	if ((doc = vectors_load(file)) == NULL)
		fail_msg("%s: vector file missing or unreadable", file);
	vecs = json_get(doc, "vectors");
	assert_non_null(vecs);
	assert_int_equal(vecs->type, JSON_ARRAY);
	for (v = vecs->child; v != NULL; v = v->next) {
		total++;
		if ((name = json_get_str(v, "protocol_name")) == NULL &&
		    (name = json_get_str(v, "name")) == NULL)
			fail_msg("%s: vector %zu has no name", file, total);
		if (strcmp(name, NOISE_PROTOCOL_NAME) != 0)
			continue;
		if (vector_has_psk(v)) {
			psk++;
			continue;
		}
		print_message("%s: vector %zu\n", file, total);
		nmsg += run_vector(v);
		ran++;
	}
	printf("%s: %zu vectors, %zu %s run and passed (%zu messages), "
	    "%zu skipped for PSK\n", file, total, ran, NOISE_PROTOCOL_NAME,
	    nmsg, psk);
	json_free(doc);
	if (ran == 0)
		fail_msg("%s: no %s vector", file, NOISE_PROTOCOL_NAME);
}

static void
test_vectors_cacophony(void **state)
{
	(void)state;
	run_file("cacophony.txt");
}

static void
test_vectors_snow(void **state)
{
	(void)state;
	run_file("snow__snow.txt");
}

static void
test_vectors_noise_c(void **state)
{
	(void)state;
	run_file("noise-c__noise-c-basic.txt");
}

/*
 * The Ockam known answers (protocol reference section 9 rows 1-3):
 * empty prologue, the fixed keys of pair_new(), empty payloads, then
 * the payloads test_msg_0/1/2.  k1, k2 and the final h are the derived
 * values of section 3.1.
 */
static void
test_ockam_known_answers(void **state)
{
	static const char *m2hex = "64b101b1d0be5a8704bd078f9895001fc03e8e9f"
	    "9522f188dd128d9846d484665393019dbd6f438795da206db0886610b26108e4"
	    "24142c2e9b5fd1f7ea70cde8767ce62d7e3c0e9bcefe4ab872c0505b9e824df0"
	    "91b74ffe10a2b32809cab21f";
	static const char *m1hex = "358072d6365880d1aeea329adf9121383851ed21"
	    "a28e3b75e965d0d2cd166254";
	static const char *m3hex = "e610eadc4b00c17708bf223f29a66f02342fbedf"
	    "6c0044736544b9271821ae40e70144cecd9d265dffdc5bb8e051c3f83db32a42"
	    "5e04d8f510c58a43325fbc56";
	struct pair		*pr;
	struct noise_cipher	 c1, c2;
	uint8_t			 want[96], h[32], buf[256];
	size_t			 len;
	char			 msg[16];
	int			 i;

	(void)state;
	pr = pair_new();
	hex32("5df72b67b965add1168f0a6c756df21c"
	    "204f7e64fc682be6a3ab4b682c8db64b", h);
	assert_memory_equal(pr->ini.h, h, 32);
	assert_memory_equal(pr->ini.ck, NOISE_PROTOCOL_NAME "\0\0\0", 32);
	assert_int_equal(pr->ini.n, 0);
	assert_int_equal(pr->ini.has_k, 0);

	pair_m1(pr);
	hex32(m1hex, want);
	assert_memory_equal(pr->m1, want, 32);
	assert_int_equal(noise_read(&pr->resp, pr->m1, 32, buf, sizeof(buf),
	    &len), 0);
	assert_int_equal(noise_write(&pr->resp, NULL, 0, pr->m2,
	    sizeof(pr->m2), &pr->m2len), 0);
	assert_int_equal(pr->m2len, 96);
	assert_int_equal(hex_decode_fixed(m2hex, want, 96), 0);
	assert_memory_equal(pr->m2, want, 96);
	assert_int_equal(noise_read(&pr->ini, pr->m2, 96, buf, sizeof(buf),
	    &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(noise_write(&pr->ini, NULL, 0, pr->m3,
	    sizeof(pr->m3), &pr->m3len), 0);
	assert_int_equal(pr->m3len, 64);
	assert_int_equal(hex_decode_fixed(m3hex, want, 64), 0);
	assert_memory_equal(pr->m3, want, 64);
	assert_int_equal(noise_read(&pr->resp, pr->m3, 64, buf, sizeof(buf),
	    &len), 0);
	hex32("4b71f7deb470328565d99b15162eb0c4"
	    "c14d6b1c85aad6fab54354d5afc72469", h);
	assert_memory_equal(pr->ini.h, h, 32);
	assert_memory_equal(pr->resp.h, h, 32);
	assert_int_equal(noise_split(&pr->ini, &c1, &c2), 0);
	hex32("b1c674b6535fb1d208772a972cac2cbf"
	    "04d6aa087cbbd3eb8558a1a3abcaa7fb", h);
	assert_memory_equal(c1.k, h, 32);
	hex32("109c4b99ea3a4784ff55af5eed86c99e"
	    "853f5a76d83ce437a9e3e27ede242a6a", h);
	assert_memory_equal(c2.k, h, 32);
	pair_free(pr);

	/* Row 2: payloads "test_msg_0", "test_msg_1", "test_msg_2". */
	pr = pair_new();
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "test_msg_%d", i);
		assert_int_equal(noise_write(i == 1 ? &pr->resp : &pr->ini,
		    msg, 10, buf, sizeof(buf), &len), 0);
		switch (i) {
		case 0:
			assert_int_equal(len, 42);
			hex32(m1hex, want);
			assert_memory_equal(buf, want, 32);
			assert_memory_equal(buf + 32, "test_msg_0", 10);
			break;
		case 1:
			assert_int_equal(len, 96 + 10);
			assert_int_equal(hex_decode_fixed(m2hex, want, 96), 0);
			assert_memory_equal(buf, want, 64);
			assert_int_equal(hex_decode_fixed("c9f29dcec8d3ab554f"
			    "4a5330657867fe4917917195c8cf360e08d6dc5f71baf875"
			    "ec6e3bfc7afda4c9c2", want, 42), 0);
			assert_memory_equal(buf + 64, want, 42);
			break;
		case 2:
			assert_int_equal(len, 64 + 10);
			assert_int_equal(hex_decode_fixed(m3hex, want, 64), 0);
			assert_memory_equal(buf, want, 32);
			assert_int_equal(hex_decode_fixed("232c55cd96d1350af8"
			    "61f6a04978f7d5e070c07602c6b84d25a331242a71c50ae3"
			    "1dd4c164267fd48bd2", want, 42), 0);
			assert_memory_equal(buf + 32, want, 42);
			break;
		}
		memcpy(pr->m1, buf, len);
		assert_int_equal(noise_read(i == 1 ? &pr->ini : &pr->resp,
		    pr->m1, len, buf, sizeof(buf), &len), 0);
		assert_int_equal(len, 10);
		assert_memory_equal(buf, msg, 10);
	}
	pair_free(pr);
}

/* RFC 5869 test case 3: salt empty (= 32 zero bytes), info empty. */
static void
test_hkdf(void **state)
{
	uint8_t	 ck[32], ikm[22], o1[32], o2[32], want[42];

	(void)state;
	memset(ck, 0, sizeof(ck));
	memset(ikm, 0x0b, sizeof(ikm));
	assert_int_equal(hex_decode_fixed("8da4e775a563c18f715f802a063c5a31"
	    "b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8", want, 42),
	    0);
	assert_int_equal(noise_hkdf2(ck, ikm, sizeof(ikm), o1, o2), 0);
	assert_memory_equal(o1, want, 32);
	assert_memory_equal(o2, want + 32, 10);
	/* The outputs may alias the chaining key. */
	assert_int_equal(noise_hkdf2(ck, ikm, sizeof(ikm), ck, o2), 0);
	assert_memory_equal(ck, want, 32);
	assert_int_equal(noise_hkdf2(ck, NULL, 1, o1, o2), -1);
}

/* Protocol reference 3.6.5: REKEY of the OCKAM k2, once and twice. */
static void
test_rekey(void **state)
{
	uint8_t	 k[32], want[32];

	(void)state;
	hex32("831124fa3e1606b97f5cda4d81c3aa04"
	    "c7c0151666f05f49a09cd0faf63a05d8", k);
	noise_rekey(k);
	hex32("4699ba00b29842a236c781ce67c044de"
	    "2bc43eaaaf35f6bfa4353581ada3d044", want);
	assert_memory_equal(k, want, 32);
	noise_rekey(k);
	hex32("b9aa3e02c32dce978ce7ab97d51f360f"
	    "7902cdaaedd6c0ae237219616d45e77c", want);
	assert_memory_equal(k, want, 32);
}

static void
test_cipher(void **state)
{
	uint8_t			 k[32], ct[64 + NOISE_TAGLEN];
	uint8_t			 pt[64], out[64], nonce[12];
	unsigned long long	 clen;
	size_t			 i;

	(void)state;
	seq_key(k, 7);
	memset(pt, 'p', sizeof(pt));

	/* The last nonce is REKEY's; the one before is the last usable. */
	memset(ct, 0, sizeof(ct));
	errno = 0;
	assert_int_equal(noise_encrypt(k, UINT64_MAX, NULL, 0, pt, 64, ct), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(noise_decrypt(k, UINT64_MAX, NULL, 0, ct, 80, out),
	    -1);
	assert_int_equal(noise_encrypt(k, UINT64_MAX - 1, "ad", 2, pt, 64, ct),
	    0);
	assert_int_equal(noise_decrypt(k, UINT64_MAX - 1, "ad", 2, ct, 80,
	    out), 0);
	assert_memory_equal(out, pt, 64);

	/* A real ciphertext under the reserved nonce is refused too. */
	memset(nonce, 0, 4);
	memset(nonce + 4, 0xff, 8);
	assert_int_equal(crypto_aead_aes256gcm_encrypt(ct, &clen, pt, 64,
	    NULL, 0, NULL, nonce, k), 0);
	assert_int_equal(noise_decrypt(k, UINT64_MAX, NULL, 0, ct, 80, out),
	    -1);
	assert_int_equal(errno, EBADMSG);

	/* REKEY is the encryption of 32 zero bytes under that nonce. */
	memset(pt, 0, 32);
	assert_int_equal(crypto_aead_aes256gcm_encrypt(ct, &clen, pt, 32,
	    NULL, 0, NULL, nonce, k), 0);
	noise_rekey(k);
	assert_memory_equal(k, ct, 32);
	memset(pt, 'p', sizeof(pt));
	assert_int_equal(noise_encrypt(k, UINT64_MAX - 1, "ad", 2, pt, 64, ct),
	    0);

	/* Wrong nonce, wrong AD, any flipped bit: refused, out wiped. */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(noise_decrypt(k, UINT64_MAX - 2, "ad", 2, ct, 80,
	    out), -1);
	assert_int_equal(errno, EBADMSG);
	assert_true(sodium_is_zero(out, sizeof(out)));
	assert_int_equal(noise_decrypt(k, UINT64_MAX - 1, "ae", 2, ct, 80,
	    out), -1);
	assert_int_equal(noise_decrypt(k, UINT64_MAX - 1, NULL, 0, ct, 80,
	    out), -1);
	for (i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 0x04;
		assert_int_equal(noise_decrypt(k, UINT64_MAX - 1, "ad", 2, ct,
		    80, out), -1);
		ct[i] ^= 0x04;
	}

	/* Empty plaintexts: just a tag; shorter than a tag is refused. */
	assert_int_equal(noise_encrypt(k, 0, NULL, 0, NULL, 0, ct), 0);
	assert_int_equal(noise_decrypt(k, 0, NULL, 0, ct, NOISE_TAGLEN, NULL),
	    0);
	for (i = 0; i < NOISE_TAGLEN; i++) {
		errno = 0;
		assert_int_equal(noise_decrypt(k, 0, NULL, 0, ct, i, out), -1);
		assert_int_equal(errno, EBADMSG);
	}

	/* The nonce is 4 zero bytes and n big-endian: n = 1 differs. */
	assert_int_equal(noise_encrypt(k, 1, NULL, 0, NULL, 0, out), 0);
	assert_memory_not_equal(out, ct, NOISE_TAGLEN);
}

/* Wrong-state calls fail with EINVAL and change nothing. */
static void
test_states(void **state)
{
	struct pair		*pr;
	struct noise_hs		 copy;
	struct noise_cipher	 c1, c2;
	uint8_t			 buf[256];
	size_t			 len;

	(void)state;
	pr = pair_new();
	assert_int_equal(pr->ini.state, NOISE_I_START);
	assert_int_equal(pr->resp.state, NOISE_R_START);
	assert_int_equal(noise_overhead(&pr->ini), 32);
	assert_int_equal(noise_overhead(&pr->resp), 32);

	memcpy(&copy, &pr->ini, sizeof(copy));
	errno = 0;
	assert_int_equal(noise_read(&pr->ini, buf, 32, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(noise_split(&pr->ini, &c1, &c2), -1);
	assert_int_equal(errno, EINVAL);
	assert_memory_equal(&copy, &pr->ini, sizeof(copy));
	errno = 0;
	assert_int_equal(noise_write(&pr->resp, NULL, 0, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(errno, EINVAL);

	pair_m1(pr);
	assert_int_equal(pr->ini.state, NOISE_I_SENT1);
	assert_int_equal(noise_overhead(&pr->ini), 96);
	assert_int_equal(noise_write(&pr->ini, NULL, 0, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(noise_read(&pr->resp, pr->m1, 32, buf, sizeof(buf),
	    &len), 0);
	assert_int_equal(pr->resp.state, NOISE_R_READ1);
	assert_int_equal(noise_overhead(&pr->resp), 96);
	assert_int_equal(noise_read(&pr->resp, pr->m1, 32, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(noise_write(&pr->resp, NULL, 0, pr->m2,
	    sizeof(pr->m2), &pr->m2len), 0);
	assert_int_equal(pr->resp.state, NOISE_R_SENT2);
	assert_int_equal(noise_overhead(&pr->resp), 64);
	assert_int_equal(noise_write(&pr->resp, NULL, 0, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, buf,
	    sizeof(buf), &len), 0);
	assert_int_equal(pr->ini.state, NOISE_I_READ2);
	assert_int_equal(noise_overhead(&pr->ini), 64);
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, buf,
	    sizeof(buf), &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(noise_split(&pr->ini, &c1, &c2), -1);
	assert_int_equal(noise_write(&pr->ini, NULL, 0, pr->m3,
	    sizeof(pr->m3), &pr->m3len), 0);
	assert_int_equal(pr->ini.state, NOISE_DONE);
	assert_int_equal(noise_overhead(&pr->ini), 0);
	assert_int_equal(noise_write(&pr->ini, NULL, 0, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(noise_read(&pr->ini, pr->m3, pr->m3len, buf,
	    sizeof(buf), &len), -1);
	assert_int_equal(errno, EINVAL);

	/* Split only in DONE, once; it wipes the handshake. */
	assert_int_equal(noise_split(&pr->resp, &c1, &c2), -1);
	assert_int_equal(noise_read(&pr->resp, pr->m3, pr->m3len, buf,
	    sizeof(buf), &len), 0);
	assert_int_equal(noise_split(&pr->resp, &c1, &c2), 0);
	assert_int_equal(pr->resp.state, NOISE_ZEROED);
	assert_true(sodium_is_zero((uint8_t *)&pr->resp, sizeof(pr->resp)));
	assert_int_equal(c1.epoch, 0);
	assert_int_equal(c2.epoch, 0);
	assert_memory_not_equal(c1.k, c2.k, 32);
	assert_int_equal(noise_split(&pr->resp, &c1, &c2), -1);
	assert_int_equal(noise_write(&pr->resp, NULL, 0, buf, sizeof(buf),
	    &len), -1);
	assert_int_equal(noise_read(&pr->resp, pr->m3, pr->m3len, buf,
	    sizeof(buf), &len), -1);

	/* An abandoned handshake is wiped likewise. */
	noise_hs_wipe(&pr->ini);
	assert_int_equal(pr->ini.state, NOISE_ZEROED);
	assert_true(sodium_is_zero((uint8_t *)&pr->ini, sizeof(pr->ini)));
	assert_int_equal(noise_split(&pr->ini, &c1, &c2), -1);
	noise_hs_wipe(NULL);

	/* Bad arguments to init. */
	assert_int_equal(noise_hs_init(&pr->ini, 7, NULL, 0, pr->ip.s_pub,
	    &party_ops, NULL), -1);
	assert_int_equal(noise_hs_init(&pr->ini, NOISE_INITIATOR, NULL, 1,
	    pr->ip.s_pub, &party_ops, NULL), -1);
	assert_int_equal(noise_hs_init(&pr->ini, NOISE_INITIATOR, NULL, 0,
	    pr->ip.s_pub, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pr->ini.state, NOISE_ZEROED);
	pair_free(pr);
}

/* Flip each bit given in each byte of msg; every read must fail. */
static void
tamper_all(struct noise_hs *hs, uint8_t *msg, size_t len)
{
	struct noise_hs	 copy;
	uint8_t		 out[NOISE_MAX_MSG];
	size_t		 i, olen, plen;
	int		 b;

	plen = len - noise_overhead(hs);
	memcpy(&copy, hs, sizeof(copy));
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b += 7) {
			msg[i] ^= 1 << b;
			memset(out, 0xaa, sizeof(out));
			errno = 0;
			assert_int_equal(noise_read(hs, msg, len, out,
			    sizeof(out), &olen), -1);
			assert_int_equal(errno, EBADMSG);
			assert_memory_equal(&copy, hs, sizeof(copy));
			assert_true(sodium_is_zero(out, plen));
			msg[i] ^= 1 << b;
		}
	}
	/* Truncated or extended by a byte: refused as well. */
	for (i = 0; i < len; i++) {
		assert_int_equal(noise_read(hs, msg, i, out, sizeof(out),
		    &olen), -1);
		assert_int_equal(errno, EBADMSG);
		assert_memory_equal(&copy, hs, sizeof(copy));
	}
	msg[len] = 0;
	assert_int_equal(noise_read(hs, msg, len + 1, out, sizeof(out), &olen),
	    -1);
	assert_memory_equal(&copy, hs, sizeof(copy));
}

static void
test_tamper(void **state)
{
	struct pair	*pr;
	uint8_t		 out[64];
	size_t		 len, i;

	(void)state;
	pr = pair_new();
	pair_m1(pr);
	pair_m2(pr);
	tamper_all(&pr->ini, pr->m2, pr->m2len);
	pair_m3(pr);
	tamper_all(&pr->resp, pr->m3, pr->m3len);
	assert_int_equal(noise_read(&pr->resp, pr->m3, pr->m3len, pr->pl,
	    sizeof(pr->pl), &pr->pllen), 0);
	assert_int_equal(pr->pllen, ID_PAYLOAD);
	assert_int_equal(pr->resp.state, NOISE_DONE);
	assert_memory_equal(pr->ini.h, pr->resp.h, 32);
	pair_free(pr);

	/*
	 * Message 1 carries no tag: a short one is refused, but a changed
	 * byte is only found by the initiator when message 2 fails (the
	 * two sides' h differ).
	 */
	for (i = 0; i < 33; i++) {
		pr = pair_new();
		pair_m1(pr);
		for (len = 0; len < 32 && i == 0; len++) {
			assert_int_equal(noise_read(&pr->resp, pr->m1, len, out,
			    sizeof(out), &pr->pllen), -1);
			assert_int_equal(errno, EBADMSG);
			assert_int_equal(pr->resp.state, NOISE_R_START);
		}
		if (i < 32)
			pr->m1[i] ^= 0x01;
		else
			pr->m1[pr->m1len++] = 'x';	/* added payload */
		pair_m2(pr);
		assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, pr->pl,
		    sizeof(pr->pl), &len), -1);
		assert_int_equal(errno, EBADMSG);
		assert_int_equal(pr->ini.state, NOISE_I_SENT1);
		pair_free(pr);
	}
}

/* Low-order and all-zero keys end in a DH failure; nothing changes. */
static void
test_low_order(void **state)
{
	static const uint8_t zero[32];
	static const uint8_t order8[32] = {
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae,
		0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd,
		0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
	};
	struct pair	*pr;
	struct noise_hs	 copy;
	uint8_t		 good[32], out[128];
	size_t		 len;
	int		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* The initiator gets a zero or order-8 ephemeral in m2. */
		pr = pair_new();
		pair_m1(pr);
		pair_m2(pr);
		memcpy(good, pr->m2, 32);
		memcpy(pr->m2, i == 0 ? zero : order8, 32);
		memcpy(&copy, &pr->ini, sizeof(copy));
		errno = 0;
		assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, out,
		    sizeof(out), &len), -1);
		assert_int_equal(errno, EBADMSG);
		assert_memory_equal(&copy, &pr->ini, sizeof(copy));
		memcpy(pr->m2, good, 32);
		pair_m3(pr);
		pair_free(pr);

		/* The responder gets one in m1: its m2 cannot be made. */
		pr = pair_new();
		pair_m1(pr);
		memcpy(pr->m1, i == 0 ? zero : order8, 32);
		assert_int_equal(noise_read(&pr->resp, pr->m1, 32, out,
		    sizeof(out), &len), 0);
		memcpy(&copy, &pr->resp, sizeof(copy));
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(noise_write(&pr->resp, NULL, 0, out,
		    sizeof(out), &len), -1);
		assert_int_equal(errno, EBADMSG);
		assert_memory_equal(&copy, &pr->resp, sizeof(copy));
		assert_true(sodium_is_zero(out, 96));
		pair_free(pr);
	}

	/* An initiator that claims a zero static key: m3 is refused. */
	pr = pair_new();
	pair_m1(pr);
	pair_m2(pr);
	memset(pr->ini.s, 0, 32);
	pair_m3(pr);
	memcpy(&copy, &pr->resp, sizeof(copy));
	assert_int_equal(noise_read(&pr->resp, pr->m3, pr->m3len, out,
	    sizeof(out), &len), -1);
	assert_memory_equal(&copy, &pr->resp, sizeof(copy));
	pair_free(pr);

	/*
	 * An op that returns an all-zero DH is not trusted, even when both
	 * sides agree on it.
	 */
	pr = pair_new();
	pair_m1(pr);
	pr->ip.zero_dh = 1;
	pr->rp.zero_dh = 1;
	assert_int_equal(noise_read(&pr->resp, pr->m1, 32, out, sizeof(out),
	    &len), 0);
	memcpy(&copy, &pr->resp, sizeof(copy));
	assert_int_equal(noise_write(&pr->resp, NULL, 0, pr->m2,
	    sizeof(pr->m2), &pr->m2len), -1);
	assert_int_equal(errno, EBADMSG);
	assert_memory_equal(&copy, &pr->resp, sizeof(copy));
	pr->rp.zero_dh = 0;
	assert_int_equal(noise_write(&pr->resp, NULL, 0, pr->m2,
	    sizeof(pr->m2), &pr->m2len), 0);
	memcpy(&copy, &pr->ini, sizeof(copy));
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, out,
	    sizeof(out), &len), -1);
	assert_int_equal(errno, EBADMSG);
	assert_memory_equal(&copy, &pr->ini, sizeof(copy));
	pr->ip.zero_dh = 0;
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, out,
	    sizeof(out), &len), 0);

	/* A failing ephemeral op keeps its errno; nothing changes. */
	pr->rp.fail_eph = 1;
	noise_hs_wipe(&pr->resp);
	assert_int_equal(noise_hs_init(&pr->resp, NOISE_RESPONDER, NULL, 0,
	    pr->rp.s_pub, &party_ops, &pr->rp), 0);
	assert_int_equal(noise_read(&pr->resp, pr->m1, 32, out, sizeof(out),
	    &len), 0);
	memcpy(&copy, &pr->resp, sizeof(copy));
	assert_int_equal(noise_write(&pr->resp, NULL, 0, out, sizeof(out),
	    &len), -1);
	assert_int_equal(errno, EIO);
	assert_memory_equal(&copy, &pr->resp, sizeof(copy));
	pair_free(pr);
}

/* Buffers too small or messages too large change nothing. */
static void
test_sizes(void **state)
{
	struct pair	*pr;
	struct noise_hs	 copy;
	uint8_t		*big, out[8];
	size_t		 len;

	(void)state;
	assert_non_null(big = calloc(1, NOISE_MAX_MSG + 1));
	pr = pair_new();
	memcpy(&copy, &pr->ini, sizeof(copy));
	errno = 0;
	assert_int_equal(noise_write(&pr->ini, NULL, 0, out, sizeof(out),
	    &len), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(noise_write(&pr->ini, big, NOISE_MAX_MSG - 31,
	    pr->m1, sizeof(pr->m1), &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(noise_write(&pr->ini, big, SIZE_MAX, pr->m1,
	    sizeof(pr->m1), &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_memory_equal(&copy, &pr->ini, sizeof(copy));

	/* The largest message 1 goes through. */
	memset(big, 'b', NOISE_MAX_MSG - 32);
	assert_int_equal(noise_write(&pr->ini, big, NOISE_MAX_MSG - 32,
	    pr->m1, sizeof(pr->m1), &pr->m1len), 0);
	assert_int_equal(pr->m1len, NOISE_MAX_MSG);
	memcpy(&copy, &pr->resp, sizeof(copy));
	assert_int_equal(noise_read(&pr->resp, pr->m1, pr->m1len, out,
	    sizeof(out), &len), -1);
	assert_int_equal(errno, ENOSPC);
	memcpy(big, pr->m1, pr->m1len);
	assert_int_equal(noise_read(&pr->resp, big, NOISE_MAX_MSG + 1,
	    pr->pl, sizeof(pr->pl), &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_memory_equal(&copy, &pr->resp, sizeof(copy));
	assert_int_equal(noise_read(&pr->resp, pr->m1, pr->m1len, pr->pl,
	    sizeof(pr->pl), &len), 0);
	assert_int_equal(len, NOISE_MAX_MSG - 32);
	assert_memory_equal(pr->pl, pr->m1 + 32, len);

	/* The largest message 2 too; one byte more is refused. */
	memset(big, 'B', NOISE_MAX_MSG);
	assert_int_equal(noise_write(&pr->resp, big, NOISE_MAX_MSG - 95,
	    pr->m2, sizeof(pr->m2), &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(noise_write(&pr->resp, big, NOISE_MAX_MSG - 96,
	    pr->m2, NOISE_MAX_MSG - 1, &len), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(noise_write(&pr->resp, big, NOISE_MAX_MSG - 96,
	    pr->m2, sizeof(pr->m2), &pr->m2len), 0);
	assert_int_equal(pr->m2len, NOISE_MAX_MSG);
	memcpy(&copy, &pr->ini, sizeof(copy));
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, pr->pl,
	    NOISE_MAX_MSG - 97, &len), -1);
	assert_int_equal(errno, ENOSPC);
	assert_memory_equal(&copy, &pr->ini, sizeof(copy));
	assert_int_equal(noise_read(&pr->ini, pr->m2, pr->m2len, pr->pl,
	    sizeof(pr->pl), &len), 0);
	assert_int_equal(len, NOISE_MAX_MSG - 96);
	assert_memory_equal(pr->pl, big, len);
	pair_free(pr);
	free(big);
}

/*
 * Two local parties with fresh keys, identity-sized payloads in m2 and
 * m3, then a channel both ways with a rekey on each side.
 */
static void
test_full_handshake(void **state)
{
	struct party		 ip, rp;
	struct noise_hs		 ini, resp;
	struct noise_cipher	 ic1, ic2, rc1, rc2;
	uint8_t			 id_i[ID_PAYLOAD], id_r[ID_PAYLOAD];
	uint8_t			 msg[512], pl[512], ct[64], pt[64];
	size_t			 len, plen;
	uint64_t		 n;

	(void)state;
	party_keys(&ip, NULL, NULL);
	party_keys(&rp, NULL, NULL);
	randombytes_buf(id_i, sizeof(id_i));
	randombytes_buf(id_r, sizeof(id_r));
	assert_int_equal(noise_hs_init(&ini, NOISE_INITIATOR, NULL, 0,
	    ip.s_pub, &party_ops, &ip), 0);
	assert_int_equal(noise_hs_init(&resp, NOISE_RESPONDER, NULL, 0,
	    rp.s_pub, &party_ops, &rp), 0);

	assert_int_equal(noise_write(&ini, NULL, 0, msg, sizeof(msg), &len),
	    0);
	assert_int_equal(len, 32);
	assert_memory_equal(msg, ip.e_pub, 32);
	assert_int_equal(noise_read(&resp, msg, len, pl, sizeof(pl), &plen),
	    0);
	assert_int_equal(plen, 0);
	assert_memory_equal(resp.re, ip.e_pub, 32);

	assert_int_equal(noise_write(&resp, id_r, sizeof(id_r), msg,
	    sizeof(msg), &len), 0);
	assert_int_equal(len, 193);
	assert_int_equal(noise_read(&ini, msg, len, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, ID_PAYLOAD);
	assert_memory_equal(pl, id_r, ID_PAYLOAD);
	assert_memory_equal(ini.rs, rp.s_pub, 32);

	assert_int_equal(noise_write(&ini, id_i, sizeof(id_i), msg,
	    sizeof(msg), &len), 0);
	assert_int_equal(len, 161);
	assert_int_equal(noise_read(&resp, msg, len, pl, sizeof(pl), &plen),
	    0);
	assert_int_equal(plen, ID_PAYLOAD);
	assert_memory_equal(pl, id_i, ID_PAYLOAD);
	assert_memory_equal(resp.rs, ip.s_pub, 32);
	assert_memory_equal(ini.h, resp.h, 32);

	assert_int_equal(noise_split(&ini, &ic1, &ic2), 0);
	assert_int_equal(noise_split(&resp, &rc1, &rc2), 0);
	assert_memory_equal(ic1.k, rc1.k, 32);
	assert_memory_equal(ic2.k, rc2.k, 32);

	for (n = 0; n < 100; n++) {
		if (n == 50) {
			noise_rekey(ic1.k);
			noise_rekey(rc1.k);
			noise_rekey(ic2.k);
			noise_rekey(rc2.k);
		}
		/* Initiator to responder with k1. */
		memset(pt, (int)n, sizeof(pt));
		assert_int_equal(noise_encrypt(ic1.k, n, NULL, 0, pt, 48, ct),
		    0);
		assert_int_equal(noise_decrypt(rc1.k, n, NULL, 0, ct, 64, pl),
		    0);
		assert_memory_equal(pl, pt, 48);
		assert_int_equal(noise_decrypt(ic2.k, n, NULL, 0, ct, 64, pl),
		    -1);
		/* Responder to initiator with k2. */
		assert_int_equal(noise_encrypt(rc2.k, n, NULL, 0, pt, 48, ct),
		    0);
		assert_int_equal(noise_decrypt(ic2.k, n, NULL, 0, ct, 64, pl),
		    0);
		assert_memory_equal(pl, pt, 48);
	}
	sodium_memzero(&ic1, sizeof(ic1));
	sodium_memzero(&ic2, sizeof(ic2));
	sodium_memzero(&rc1, sizeof(rc1));
	sodium_memzero(&rc2, sizeof(rc2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_cacophony),
		cmocka_unit_test(test_vectors_snow),
		cmocka_unit_test(test_vectors_noise_c),
		cmocka_unit_test(test_ockam_known_answers),
		cmocka_unit_test(test_hkdf),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_cipher),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_low_order),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_full_handshake),
	};

	return (cmocka_run_group_tests(tests, setup_noise, NULL));
}
