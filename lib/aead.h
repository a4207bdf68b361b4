/* SPDX-License-Identifier: ISC */
/*
 * The secure channel's bulk AEAD, AES-256-GCM with a 12-byte nonce, a
 * 16-byte tag and no associated data, by one of two implementations
 * that give the same bytes: OpenSSL's libcrypto (the default: about
 * twice libsodium 1.0.18's speed where the CPU has VAES) or libsodium.
 * A key is set up once (expanded, or an EVP context made) and used for
 * one direction; each message only sets its nonce.  aead_clear()
 * wipes the key and frees the context.
 */
#ifndef OCKAM_AEAD_H
#define OCKAM_AEAD_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define AEAD_KEYLEN	32
#define AEAD_NONCELEN	12
#define AEAD_TAGLEN	16

enum aead_impl {
	AEAD_OPENSSL,
	AEAD_SODIUM,
};

struct evp_cipher_ctx_st;

struct aead {
	enum aead_impl			 impl;
	int				 enc;	/* 1 seals, 0 opens */
	struct evp_cipher_ctx_st	*ctx;	/* AEAD_OPENSSL */
	crypto_aead_aes256gcm_state	 st;	/* AEAD_SODIUM */
};

int		 aead_init(const char *);
enum aead_impl	 aead_default(void);
const char	*aead_name(enum aead_impl);
void		 aead_done(void);
int		 aead_key(struct aead *, enum aead_impl, int,
		    const uint8_t [AEAD_KEYLEN]);
int		 aead_seal(struct aead *, const uint8_t [AEAD_NONCELEN],
		    uint8_t *, size_t, uint8_t [AEAD_TAGLEN]);
int		 aead_open(struct aead *, const uint8_t [AEAD_NONCELEN],
		    uint8_t *, size_t, const uint8_t [AEAD_TAGLEN]);
void		 aead_clear(struct aead *);

#endif
