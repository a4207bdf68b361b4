/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/aead.c: OpenSSL's and libsodium's AES-256-GCM give
 * the same ciphertext and tag (the GCM specification's test cases 13
 * to 15, then random keys, nonces and lengths), each opens the other's
 * output, a context given a new key uses it, and a flipped bit of the
 * tag, the ciphertext or the nonce fails to open and leaves zeros.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "aead.h"

static void
unhex(const char *s, uint8_t *out, size_t *len)
{
	size_t	 n = 0;

	while (s[0] != '\0' && s[1] != '\0') {
		assert_true(sscanf(s, "%2hhx", &out[n]) == 1);
		n++;
		s += 2;
	}
	*len = n;
}

/* Seal p with impl; the output in ct and tag. */
static void
seal(enum aead_impl impl, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *p, size_t len, uint8_t *ct, uint8_t *tag)
{
	struct aead	 a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(aead_key(&a, impl, 1, key), 0);
	memcpy(ct, p, len);
	assert_int_equal(aead_seal(&a, nonce, ct, len, tag), 0);
	aead_clear(&a);
}

/* Open ct with impl: 0, and the plaintext in out, or -1. */
static int
open_as(enum aead_impl impl, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *out)
{
	struct aead	 a;
	int		 r;

	memset(&a, 0, sizeof(a));
	assert_int_equal(aead_key(&a, impl, 0, key), 0);
	memcpy(out, ct, len);
	r = aead_open(&a, nonce, out, len, tag);
	aead_clear(&a);
	return (r);
}

static const struct {
	const char	*key, *nonce, *pt, *ct, *tag;
} spec[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
};

static void
test_spec(void **state)
{
	uint8_t		 key[32], nonce[12], pt[64], want[64], wtag[16];
	uint8_t		 ct[64], tag[16], out[64];
	size_t		 n, len, i;
	int		 impl;

	(void)state;
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		unhex(spec[i].key, key, &n);
		unhex(spec[i].nonce, nonce, &n);
		unhex(spec[i].pt, pt, &len);
		unhex(spec[i].ct, want, &n);
		assert_int_equal(n, len);
		unhex(spec[i].tag, wtag, &n);
		for (impl = AEAD_OPENSSL; impl <= AEAD_SODIUM; impl++) {
			seal(impl, key, nonce, pt, len, ct, tag);
			assert_memory_equal(ct, want, len);
			assert_memory_equal(tag, wtag, 16);
			assert_int_equal(open_as(impl, key, nonce, ct, len,
			    tag, out), 0);
			assert_memory_equal(out, pt, len);
		}
	}
}

/* Random keys, nonces and lengths: both the same, each opens both. */
static void
test_cross(void **state)
{
	static uint8_t	 pt[20000], c1[20000], c2[20000], out[20000];
	static const size_t lens[] = { 0, 1, 15, 16, 17, 64, 255, 1024, 4096,
			    16384, 16385, 20000 };
	uint8_t		 key[32], nonce[12], t1[16], t2[16];
	size_t		 i, len;
	int		 round;

	(void)state;
	for (round = 0; round < 4; round++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			len = lens[i];
			randombytes_buf(key, sizeof(key));
			randombytes_buf(nonce, sizeof(nonce));
			randombytes_buf(pt, len);
			seal(AEAD_OPENSSL, key, nonce, pt, len, c1, t1);
			seal(AEAD_SODIUM, key, nonce, pt, len, c2, t2);
			assert_memory_equal(c1, c2, len);
			assert_memory_equal(t1, t2, 16);
			assert_int_equal(open_as(AEAD_SODIUM, key, nonce, c1,
			    len, t1, out), 0);
			assert_memory_equal(out, pt, len);
			assert_int_equal(open_as(AEAD_OPENSSL, key, nonce, c2,
			    len, t2, out), 0);
			assert_memory_equal(out, pt, len);
		}
}

/* A flipped bit anywhere fails to open, by either, and leaves zeros. */
static void
test_flip(void **state)
{
	uint8_t		 key[32], nonce[12], pt[100], ct[100], tag[16];
	uint8_t		 bad[16], out[100], zero[100];
	int		 impl, bit;

	(void)state;
	memset(zero, 0, sizeof(zero));
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(pt, sizeof(pt));
	seal(AEAD_OPENSSL, key, nonce, pt, sizeof(pt), ct, tag);
	for (impl = AEAD_OPENSSL; impl <= AEAD_SODIUM; impl++) {
		for (bit = 0; bit < 128; bit++) {
			memcpy(bad, tag, sizeof(bad));
			bad[bit / 8] ^= 1 << (bit % 8);
			assert_int_equal(open_as(impl, key, nonce, ct,
			    sizeof(ct), bad, out), -1);
			assert_memory_equal(out, zero, sizeof(out));
		}
		ct[37] ^= 0x10;
		assert_int_equal(open_as(impl, key, nonce, ct, sizeof(ct),
		    tag, out), -1);
		ct[37] ^= 0x10;
		nonce[11] ^= 1;
		assert_int_equal(open_as(impl, key, nonce, ct, sizeof(ct),
		    tag, out), -1);
		nonce[11] ^= 1;
		key[0] ^= 0x80;
		assert_int_equal(open_as(impl, key, nonce, ct, sizeof(ct),
		    tag, out), -1);
		key[0] ^= 0x80;
		assert_int_equal(open_as(impl, key, nonce, ct, sizeof(ct),
		    tag, out), 0);
		assert_memory_equal(out, pt, sizeof(pt));
	}
}

/*
 * One context kept across messages and keys (a channel's direction and
 * its rekeys): each message as by a fresh one; the wrong way refused.
 */
static void
test_reuse(void **state)
{
	struct aead	 a;
	uint8_t		 key[32], nonce[12], pt[300], ct[300], want[300];
	uint8_t		 tag[16], wtag[16];
	int		 impl, k, m;

	(void)state;
	for (impl = AEAD_OPENSSL; impl <= AEAD_SODIUM; impl++) {
		memset(&a, 0, sizeof(a));
		for (k = 0; k < 3; k++) {
			randombytes_buf(key, sizeof(key));
			assert_int_equal(aead_key(&a, impl, 1, key), 0);
			for (m = 0; m < 5; m++) {
				memset(nonce, 0, sizeof(nonce));
				nonce[11] = m;
				randombytes_buf(pt, sizeof(pt));
				memcpy(ct, pt, sizeof(ct));
				assert_int_equal(aead_seal(&a, nonce, ct,
				    sizeof(ct) - m, tag), 0);
				seal(!impl, key, nonce, pt, sizeof(pt) - m,
				    want, wtag);
				assert_memory_equal(ct, want, sizeof(ct) - m);
				assert_memory_equal(tag, wtag, 16);
			}
			assert_int_equal(aead_open(&a, nonce, ct, 10, tag),
			    -1);
		}
		aead_clear(&a);
		assert_null(a.ctx);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(aead_init("libsodium"), 0);
	assert_int_equal(aead_default(), AEAD_SODIUM);
	assert_string_equal(aead_name(aead_default()), "libsodium");
	assert_int_equal(aead_init("rot13"), -1);
	assert_int_equal(aead_init(NULL), 0);
	assert_int_equal(aead_default(), AEAD_OPENSSL);
	assert_string_equal(aead_name(aead_default()), "openssl");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_cross),
		cmocka_unit_test(test_flip),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_names),
	};
	int	 r;

	if (sodium_init() == -1 || aead_init(NULL) == -1)
		return (1);
	if (!crypto_aead_aes256gcm_is_available()) {
		printf("1..0 # SKIP libsodium has no AES-256-GCM here\n");
		return (0);
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	aead_done();
	return (r);
}
