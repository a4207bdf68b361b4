/* SPDX-License-Identifier: ISC */
/*
 * The vault's keys: identity key files in the key directory and every
 * private key in sodium_malloc() memory.  Nothing here ever returns a
 * private key; functions answer with a VAULT_* status (vault.h).
 *
 * An identity NAME is two files in the key directory, NAME.ed25519
 * (the 32-byte Ed25519 seed) and NAME.x25519 (the 32-byte X25519
 * private key), raw bytes, mode 0600, owned by the vault's user.
 * Files are written to ".tmp.NAME.KIND" and renamed into place.
 */
#ifndef OCKAM_KEYSTORE_H
#define OCKAM_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "vault.h"

#define KEYSTORE_IDENTITY_MAX	256	/* identities loaded at once */
#define KEYSTORE_KEYLEN		32
#define KEYSTORE_TMP_PREFIX	".tmp."

struct keystore;

struct keystore	*keystore_open(int, const char *);
void		 keystore_close(struct keystore *);
int		 keystore_name_ok(const char *);
uint32_t	 keystore_identity(struct keystore *, const char *, int,
		    uint32_t *, uint8_t *, uint8_t *);
uint32_t	 keystore_ephemeral(struct keystore *, uint32_t *, uint8_t *);
uint32_t	 keystore_dh(struct keystore *, uint32_t, const uint8_t *,
		    uint8_t *);
uint32_t	 keystore_sign_static(struct keystore *, uint32_t, uint8_t *);
uint32_t	 keystore_free(struct keystore *, uint32_t);
size_t		 keystore_ephemerals(const struct keystore *);

#endif /* OCKAM_KEYSTORE_H */
