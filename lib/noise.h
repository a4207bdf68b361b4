/* SPDX-License-Identifier: ISC */
/*
 * Noise_XX_25519_AESGCM_SHA256 (doc/design.md 5), as an explicit state
 * machine.  Private keys are not here: every DH goes through the ops a
 * caller supplies (ockam-routed asks ockam-vaultd; the tests use local
 * keys).  The chaining key, h and the handshake cipher key live here
 * and are wiped when the handshake ends, fails or is abandoned.
 *
 * Pattern XX:	-> e
 *		<- e, ee, s, es
 *		-> s, se
 *
 * Each read validates into a copy of the state and commits only on
 * success: a bad message leaves the handshake where it was (the caller
 * decides whether to give up).  Split follows the Noise specification:
 * the initiator sends with the first key.
 */
#ifndef OCKAM_NOISE_H
#define OCKAM_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_KEYLEN		32
#define NOISE_HASHLEN		32
#define NOISE_DHLEN		32
#define NOISE_TAGLEN		16
#define NOISE_MAX_MSG		65535
#define NOISE_PROTOCOL_NAME	"Noise_XX_25519_AESGCM_SHA256"
#define NOISE_NONCE_MAX		UINT64_MAX	/* reserved by REKEY */

enum noise_role {
	NOISE_INITIATOR,
	NOISE_RESPONDER,
};

/* Which local key a DH uses. */
enum noise_key {
	NOISE_KEY_STATIC,
	NOISE_KEY_EPHEMERAL,
};

enum noise_state {
	NOISE_ZEROED,		/* wiped; nothing may be done */
	NOISE_I_START,		/* initiator: write message 1 next */
	NOISE_I_SENT1,		/* initiator: read message 2 next */
	NOISE_I_READ2,		/* initiator: write message 3 next */
	NOISE_R_START,		/* responder: read message 1 next */
	NOISE_R_READ1,		/* responder: write message 2 next */
	NOISE_R_SENT2,		/* responder: read message 3 next */
	NOISE_DONE,		/* split may be called */
};

struct noise_ops {
	/* Make a new ephemeral key pair; write its public key. */
	int	(*ephemeral)(void *, uint8_t [NOISE_DHLEN]);
	/*
	 * DH of the chosen local private key with a peer public key.
	 * Must fail (-1) on an all-zero result (low-order point).
	 */
	int	(*dh)(void *, enum noise_key, const uint8_t [NOISE_DHLEN],
		    uint8_t [NOISE_DHLEN]);
};

struct noise_hs {
	enum noise_state	 state;
	enum noise_role		 role;
	uint8_t			 ck[NOISE_HASHLEN];
	uint8_t			 h[NOISE_HASHLEN];
	uint8_t			 k[NOISE_KEYLEN];
	int			 has_k;
	uint64_t		 n;
	uint8_t			 s[NOISE_DHLEN];	/* our static public */
	uint8_t			 e[NOISE_DHLEN];	/* ours, ephemeral */
	uint8_t			 rs[NOISE_DHLEN];	/* peer static, m2/m3 */
	uint8_t			 re[NOISE_DHLEN];	/* peer ephemeral */
	const struct noise_ops	*ops;
	void			*arg;
};

/* One direction of a channel after Split. */
struct noise_cipher {
	uint8_t			 k[NOISE_KEYLEN];
	uint64_t		 epoch;		/* rekeys applied to k */
};

int	noise_hs_init(struct noise_hs *, enum noise_role, const void *, size_t,
	    const uint8_t [NOISE_DHLEN], const struct noise_ops *, void *);
int	noise_write(struct noise_hs *, const void *, size_t, uint8_t *, size_t,
	    size_t *);
int	noise_read(struct noise_hs *, const uint8_t *, size_t, uint8_t *,
	    size_t, size_t *);
int	noise_split(struct noise_hs *, struct noise_cipher *,
	    struct noise_cipher *);
void	noise_hs_wipe(struct noise_hs *);
size_t	noise_overhead(const struct noise_hs *);

/* AES-256-GCM with the 12-byte nonce 0x00000000 || u64 big-endian. */
int	noise_encrypt(const uint8_t [NOISE_KEYLEN], uint64_t, const void *,
	    size_t, const void *, size_t, uint8_t *);
int	noise_decrypt(const uint8_t [NOISE_KEYLEN], uint64_t, const void *,
	    size_t, const uint8_t *, size_t, uint8_t *);
void	noise_rekey(uint8_t [NOISE_KEYLEN]);
int	noise_hkdf2(const uint8_t [NOISE_HASHLEN], const void *, size_t,
	    uint8_t [NOISE_HASHLEN], uint8_t [NOISE_HASHLEN]);
int	noise_available(void);

#endif /* OCKAM_NOISE_H */
