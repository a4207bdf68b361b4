/* SPDX-License-Identifier: ISC */
/*
 * AES-256-GCM for the secure channel's messages (aead.h), by OpenSSL's
 * libcrypto or by libsodium.  aead_init() runs before the sandbox:
 * OpenSSL loads its configuration and its provider and fetches the
 * cipher on first use, and all of that happens there, once, with a
 * throwaway key, so that nothing after it needs a file or a syscall
 * the sandbox does not allow.
 */
#include <sys/types.h>

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "aead.h"

static EVP_CIPHER	*aead_gcm;	/* fetched once */
static enum aead_impl	 aead_impl = AEAD_OPENSSL;

enum aead_impl
aead_default(void)
{
	return (aead_impl);
}

const char *
aead_name(enum aead_impl impl)
{
	return (impl == AEAD_SODIUM ? "libsodium" : "openssl");
}

/*
 * Choose the default implementation by name (NULL or "openssl", or
 * "libsodium") and start both.  -1: an unknown name, or one that cannot
 * run here.
 */
int
aead_init(const char *name)
{
	struct aead	 a;
	uint8_t		 key[AEAD_KEYLEN], nonce[AEAD_NONCELEN];
	uint8_t		 buf[64], tag[AEAD_TAGLEN];
	int		 impl, ok = 0;

	if (name == NULL || strcmp(name, "openssl") == 0)
		aead_impl = AEAD_OPENSSL;
	else if (strcmp(name, "libsodium") == 0)
		aead_impl = AEAD_SODIUM;
	else
		return (-1);
	if (aead_gcm == NULL &&
	    (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    (aead_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL))
		return (-1);
	/* Each way, each implementation: what is lazy happens now. */
	memset(key, 0x5a, sizeof(key));
	memset(nonce, 0, sizeof(nonce));
	memset(buf, 0, sizeof(buf));
	memset(&a, 0, sizeof(a));
	for (impl = AEAD_OPENSSL; impl <= AEAD_SODIUM; impl++) {
		if (impl == AEAD_SODIUM &&
		    !crypto_aead_aes256gcm_is_available())
			continue;
		if (aead_key(&a, impl, 1, key) == -1 ||
		    aead_seal(&a, nonce, buf, sizeof(buf), tag) == -1 ||
		    aead_key(&a, impl, 0, key) == -1 ||
		    aead_open(&a, nonce, buf, sizeof(buf), tag) == -1)
			ok = -1;
		aead_clear(&a);
	}
	if (aead_impl == AEAD_SODIUM && !crypto_aead_aes256gcm_is_available())
		ok = -1;
	return (ok);
}

/* At exit: what aead_init() fetched. */
void
aead_done(void)
{
	EVP_CIPHER_free(aead_gcm);
	aead_gcm = NULL;
}

/*
 * Set a's key, for sealing (enc 1) or opening (enc 0), by impl.  An
 * OpenSSL context of the same kind is kept and given the new key.
 */
int
aead_key(struct aead *a, enum aead_impl impl, int enc,
    const uint8_t key[AEAD_KEYLEN])
{
	if (a->ctx != NULL && (impl != AEAD_OPENSSL || a->enc != enc)) {
		EVP_CIPHER_CTX_free(a->ctx);
		a->ctx = NULL;
	}
	sodium_memzero(&a->st, sizeof(a->st));
	a->impl = impl;
	a->enc = enc;
	if (impl == AEAD_SODIUM)
		return (crypto_aead_aes256gcm_beforenm(&a->st, key) == 0 ?
		    0 : -1);
	if (aead_gcm == NULL)
		return (-1);
	if (a->ctx == NULL) {
		if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL)
			return (-1);
		if (EVP_CipherInit_ex(a->ctx, aead_gcm, NULL, NULL, NULL,
		    enc) != 1)
			goto fail;
	}
	if (EVP_CipherInit_ex(a->ctx, NULL, NULL, key, NULL, enc) == 1)
		return (0);
 fail:
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
	return (-1);
}

/* Encrypt len bytes at p in place; the tag into tag. */
int
aead_seal(struct aead *a, const uint8_t nonce[AEAD_NONCELEN], uint8_t *p,
    size_t len, uint8_t tag[AEAD_TAGLEN])
{
	unsigned long long	 tlen;
	int			 outl;

	if (!a->enc)
		return (-1);
	if (a->impl == AEAD_SODIUM)
		return (crypto_aead_aes256gcm_encrypt_detached_afternm(p, tag,
		    &tlen, p, len, NULL, 0, NULL, nonce, &a->st) == 0 ? 0 : -1);
	if (a->ctx == NULL || len > INT_MAX ||
	    EVP_EncryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    (len > 0 && EVP_EncryptUpdate(a->ctx, p, &outl, p, len) != 1) ||
	    EVP_EncryptFinal_ex(a->ctx, p + len, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAGLEN,
	    tag) != 1)
		return (-1);
	return (0);
}

/*
 * Decrypt len bytes at p in place if tag verifies (OpenSSL and
 * libsodium compare it in constant time); else -1, and p is zeroed.
 */
int
aead_open(struct aead *a, const uint8_t nonce[AEAD_NONCELEN], uint8_t *p,
    size_t len, const uint8_t tag[AEAD_TAGLEN])
{
	uint8_t		 t[AEAD_TAGLEN];
	int		 outl;

	if (a->enc)
		return (-1);
	if (a->impl == AEAD_SODIUM)
		return (crypto_aead_aes256gcm_decrypt_detached_afternm(p, NULL,
		    p, len, tag, NULL, 0, nonce, &a->st) == 0 ? 0 : -1);
	memcpy(t, tag, sizeof(t));
	if (a->ctx == NULL || len > INT_MAX ||
	    EVP_DecryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    (len > 0 && EVP_DecryptUpdate(a->ctx, p, &outl, p, len) != 1) ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAGLEN,
	    t) != 1 ||
	    EVP_DecryptFinal_ex(a->ctx, p + len, &outl) != 1) {
		if (len > 0)
			memset(p, 0, len);
		return (-1);
	}
	return (0);
}

/* Wipe a: the context's key schedule is cleansed when it is freed. */
void
aead_clear(struct aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx);
	sodium_memzero(a, sizeof(*a));
}
