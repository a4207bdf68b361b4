/* SPDX-License-Identifier: ISC */
/*
 * The Wycheproof vectors (regress/vectors/wycheproof, see vectors.c)
 * against the libsodium 1.0.18 primitives the channels use: X25519,
 * AES-256-GCM, ChaCha20-Poly1305 (IETF) and Ed25519 verification.
 * Every case of a file is run; a failing case prints its tcId and the
 * test fails after the whole file.  A missing file is a failure.
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

#include "noise.h"
#include "vectors.h"

/* X25519 cases refused for their all-zero result (low-order keys). */
static size_t	 x25519_refused;

enum wp_result {
	WP_VALID,
	WP_ACCEPTABLE,
	WP_INVALID,
};

struct wp_count {
	const char	*file;
	size_t		 run;
	size_t		 passed;
	size_t		 skipped;	/* other parameters */
};

static uint8_t *
hexm(const struct json *t, const char *key, size_t *len)
{
	uint8_t		*buf;
	const char	*hex;

	if ((hex = json_get_str(t, key)) == NULL)
		fail_msg("case lacks \"%s\"", key);
	if (hex_decode(hex, &buf, len) == -1)
		fail_msg("bad hex in \"%s\"", key);
	return (buf);
}

static int
has_flag(const struct json *t, const char *flag)
{
	const struct json	*f, *a;

	if ((a = json_get(t, "flags")) == NULL || a->type != JSON_ARRAY)
		return (0);
	for (f = a->child; f != NULL; f = f->next)
		if (f->type == JSON_STRING && strcmp(f->str, flag) == 0)
			return (1);
	return (0);
}

static int
group_int(const struct json *g, const char *key, long long want)
{
	long long	 v;

	return (json_get_int(g, key, &v) == 0 && v == want);
}

/*
 * X25519.  Our rule (doc/design.md 5, an all-zero DH result is refused):
 * libsodium's crypto_scalarmult() returns -1 when the result is all
 * zeros, i.e. for a low-order public key (and it also refuses the
 * listed low-order encodings outright).  So:
 *  - "valid": must succeed with the listed shared secret;
 *  - "acceptable" with an all-zero shared secret (flags LowOrderPublic,
 *    ZeroSharedSecret): must be refused - we never accept them;
 *  - any other "acceptable" (Twist, NonCanonicalPublic,
 *    SmallPublicKey): must succeed with the listed shared secret;
 *  - "invalid": must not produce the listed shared secret.
 */
static int
x25519_case(const struct json *g, const struct json *t, enum wp_result r)
{
	uint8_t	*pub, *priv, *shared, out[32];
	size_t	 publen, privlen, sharedlen;
	int	 rv, ok;

	(void)g;
	pub = hexm(t, "public", &publen);
	priv = hexm(t, "private", &privlen);
	shared = hexm(t, "shared", &sharedlen);
	ok = 0;
	if (publen == 32 && privlen == 32 && sharedlen == 32) {
		rv = crypto_scalarmult(out, priv, pub);
		if (r == WP_INVALID)
			ok = rv != 0 || sodium_memcmp(out, shared, 32) != 0;
		else if (sodium_is_zero(shared, 32)) {
			ok = rv == -1 && has_flag(t, "ZeroSharedSecret");
			if (ok)
				x25519_refused++;
		} else
			ok = rv == 0 && sodium_memcmp(out, shared, 32) == 0;
	} else
		ok = r == WP_INVALID;
	free(pub);
	free(priv);
	free(shared);
	return (ok ? 0 : -1);
}

/*
 * An AEAD case, either cipher: a valid (or acceptable) case must
 * encrypt to ct || tag and decrypt to msg; an invalid one must not
 * decrypt.
 */
static int
aead_case(const struct json *t, enum wp_result r, int aes)
{
	uint8_t			*key, *iv, *aad, *msg, *ct, *tag;
	uint8_t			*out, *mac;
	size_t			 keylen, ivlen, aadlen, msglen, ctlen;
	size_t			 taglen;
	unsigned long long	 maclen;
	int			 ok = 0, enc, dec;

	key = hexm(t, "key", &keylen);
	iv = hexm(t, "iv", &ivlen);
	aad = hexm(t, "aad", &aadlen);
	msg = hexm(t, "msg", &msglen);
	ct = hexm(t, "ct", &ctlen);
	tag = hexm(t, "tag", &taglen);
	assert_non_null(out = malloc(ctlen + msglen + 1));
	assert_non_null(mac = malloc(16));
	if (keylen != 32 || ivlen != 12 || taglen != 16 || ctlen != msglen) {
		ok = r == WP_INVALID;
		goto done;
	}
	if (aes) {
		enc = crypto_aead_aes256gcm_encrypt_detached(out, mac, &maclen,
		    msg, msglen, aad, aadlen, NULL, iv, key);
		ok = enc == 0 && memcmp(out, ct, ctlen) == 0 &&
		    memcmp(mac, tag, 16) == 0;
		dec = crypto_aead_aes256gcm_decrypt_detached(out, NULL, ct,
		    ctlen, tag, aad, aadlen, iv, key);
	} else {
		enc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(out,
		    mac, &maclen, msg, msglen, aad, aadlen, NULL, iv, key);
		ok = enc == 0 && memcmp(out, ct, ctlen) == 0 &&
		    memcmp(mac, tag, 16) == 0;
		dec = crypto_aead_chacha20poly1305_ietf_decrypt_detached(out,
		    NULL, ct, ctlen, tag, aad, aadlen, iv, key);
	}
	if (r == WP_INVALID)
		ok = dec != 0;
	else
		ok = ok && dec == 0 && memcmp(out, msg, msglen) == 0;
 done:
	free(key);
	free(iv);
	free(aad);
	free(msg);
	free(ct);
	free(tag);
	free(out);
	free(mac);
	return (ok ? 0 : -1);
}

static int
aes_gcm_case(const struct json *g, const struct json *t, enum wp_result r)
{
	(void)g;
	return (aead_case(t, r, 1));
}

static int
chacha_case(const struct json *g, const struct json *t, enum wp_result r)
{
	(void)g;
	return (aead_case(t, r, 0));
}

/*
 * Ed25519: a valid signature must verify, an invalid one must not.
 * libsodium 1.0.18 refuses non-canonical S, small-order R and keys,
 * which Wycheproof marks invalid too.
 */
static int
eddsa_case(const struct json *g, const struct json *t, enum wp_result r)
{
	const struct json	*key;
	uint8_t			 pk[32], *msg, *sig;
	size_t			 msglen, siglen;
	int			 ok, rv = -1;

	key = json_get(g, "key");
	if (hex_decode_fixed(json_get_str(key, "pk"), pk, sizeof(pk)) == -1)
		fail_msg("bad key in a group");
	msg = hexm(t, "msg", &msglen);
	sig = hexm(t, "sig", &siglen);
	if (siglen == crypto_sign_BYTES)
		rv = crypto_sign_verify_detached(sig, msg, msglen, pk);
	ok = r == WP_INVALID ? rv != 0 : rv == 0;
	free(msg);
	free(sig);
	return (ok ? 0 : -1);
}

/*
 * Run every case of the groups that want() accepts (NULL: all) through
 * fn, which returns 0 if libsodium behaved as required; count the
 * cases of the other groups as skipped.
 */
static void
run_wycheproof(const char *file, int (*want)(const struct json *),
    int (*fn)(const struct json *, const struct json *, enum wp_result),
    struct wp_count *c)
{
	struct json		*doc;
	const struct json	*groups, *g, *tests, *t;
	const char		*res;
	long long		 tcid, total;
	size_t			 seen = 0;
	enum wp_result		 r;

	memset(c, 0, sizeof(*c));
	c->file = file;
	if ((doc = vectors_load(file)) == NULL)
		fail_msg("wycheproof/%s: missing or unreadable", file);
	groups = json_get(doc, "testGroups");
	assert_non_null(groups);
	assert_int_equal(json_get_int(doc, "numberOfTests", &total), 0);
	for (g = groups->child; g != NULL; g = g->next) {
		assert_non_null(tests = json_get(g, "tests"));
		for (t = tests->child; t != NULL; t = t->next) {
			seen++;
			if (want != NULL && !want(g)) {
				c->skipped++;
				continue;
			}
			assert_int_equal(json_get_int(t, "tcId", &tcid), 0);
			assert_non_null(res = json_get_str(t, "result"));
			if (strcmp(res, "valid") == 0)
				r = WP_VALID;
			else if (strcmp(res, "acceptable") == 0)
				r = WP_ACCEPTABLE;
			else if (strcmp(res, "invalid") == 0)
				r = WP_INVALID;
			else {
				fail_msg("%s: tcId %lld: result %s", file,
				    tcid, res);
				continue;
			}
			c->run++;
			if (fn(g, t, r) == 0)
				c->passed++;
			else
				printf("%s: tcId %lld (%s, \"%s\") FAILED\n",
				    file, tcid, res, json_get_str(t,
				    "comment") != NULL ? json_get_str(t,
				    "comment") : "");
		}
	}
	json_free(doc);
	printf("%s: %zu cases run, %zu passed, %zu outside our parameters "
	    "(of %lld)\n", file, c->run, c->passed, c->skipped, total);
	assert_int_equal(seen, (size_t)total);
	assert_true(c->run > 0);
	assert_int_equal(c->passed, c->run);
}

static int
want_aes_gcm(const struct json *g)
{
	return (group_int(g, "keySize", 256) && group_int(g, "ivSize", 96) &&
	    group_int(g, "tagSize", 128));
}

static int
want_chacha(const struct json *g)
{
	return (group_int(g, "keySize", 256) && group_int(g, "ivSize", 96) &&
	    group_int(g, "tagSize", 128));
}

static void
test_x25519(void **state)
{
	struct wp_count	 c;

	(void)state;
	run_wycheproof("wycheproof/x25519_test.json", NULL, x25519_case, &c);
	printf("x25519: %zu low-order (all-zero result) cases refused as "
	    "required\n", x25519_refused);
	assert_int_equal(c.skipped, 0);
	assert_true(x25519_refused > 0);
}

static void
test_aes_gcm(void **state)
{
	struct wp_count	 c;

	(void)state;
	if (!noise_available())
		fail_msg("AES-256-GCM (AES-NI) not available");
	run_wycheproof("wycheproof/aes_gcm_test.json", want_aes_gcm,
	    aes_gcm_case, &c);
}

static void
test_chacha20_poly1305(void **state)
{
	struct wp_count	 c;

	(void)state;
	run_wycheproof("wycheproof/chacha20_poly1305_test.json", want_chacha,
	    chacha_case, &c);
}

static void
test_eddsa(void **state)
{
	struct wp_count	 c;

	(void)state;
	run_wycheproof("wycheproof/eddsa_test.json", NULL, eddsa_case, &c);
	assert_int_equal(c.skipped, 0);
}

/* The JSON reader itself: what it takes and what it refuses. */
static void
test_json_reader(void **state)
{
	static const char good[] = "{\"a\": [1, -0.5e+3, "
	    "\"x\\u00e9\\ud83d\\ude00\\n\\/\\u0000\", true, false, null], "
	    "\"b\": {}, \"n\": 12}";
	static const char *bad[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.",
		".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"\\x\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"\"\\u12\"", "\"a\tb\"", "\"\xff\"", "\"\xc0\x80\"",
		"\"\xed\xa0\x80\"", "{\"a\":1,\"a\":2}", "[1] x", "[1]]",
		"{1:2}", "'a'", "NaN",
	};
	const struct json	*v, *a;
	struct json		*j;
	char			 deep[2 * JSON_MAX_DEPTH + 8], err[160];
	long long		 n;
	size_t			 i;

	(void)state;
	j = json_parse(good, sizeof(good) - 1, err, sizeof(err));
	if (j == NULL)
		fail_msg("%s", err);
	assert_int_equal(j->count, 3);
	assert_non_null(a = json_get(j, "a"));
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->count, 6);
	v = a->child;
	assert_true(v->type == JSON_NUMBER && v->num == 1);
	v = v->next;
	assert_true(v->type == JSON_NUMBER && v->num == -500);
	v = v->next;
	assert_int_equal(v->type, JSON_STRING);
	assert_int_equal(v->len, 10);
	assert_memory_equal(v->str, "x\xc3\xa9\xf0\x9f\x98\x80\n/\0", 11);
	assert_int_equal(v->next->type, JSON_TRUE);
	assert_int_equal(v->next->next->type, JSON_FALSE);
	assert_int_equal(v->next->next->next->type, JSON_NULL);
	assert_int_equal(json_get(j, "b")->type, JSON_OBJECT);
	assert_int_equal(json_get_int(j, "n", &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(json_get_int(j, "a", &n), -1);
	assert_null(json_get(j, "c"));
	json_free(j);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		if (j != NULL)
			fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
	}
	memset(deep, '[', JSON_MAX_DEPTH + 1);
	memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	assert_non_null(j = json_parse(deep, 2 * JSON_MAX_DEPTH + 2, err,
	    sizeof(err)));
	json_free(j);
	memset(deep, '[', JSON_MAX_DEPTH + 2);
	memset(deep + JSON_MAX_DEPTH + 2, ']', JSON_MAX_DEPTH + 2);
	assert_null(json_parse(deep, 2 * JSON_MAX_DEPTH + 4, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "nested"));

	assert_int_equal(hex_decode_fixed("00fFa0", (uint8_t *)deep, 3), 0);
	assert_memory_equal(deep, "\x00\xff\xa0", 3);
	assert_int_equal(hex_decode_fixed("0g", (uint8_t *)deep, 1), -1);
	assert_int_equal(hex_decode_fixed("000", (uint8_t *)deep, 1), -1);
}

static int
setup(void **state)
{
	(void)state;
	return (sodium_init() < 0 ? -1 : 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519),
		cmocka_unit_test(test_aes_gcm),
		cmocka_unit_test(test_chacha20_poly1305),
		cmocka_unit_test(test_eddsa),
		cmocka_unit_test(test_json_reader),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
