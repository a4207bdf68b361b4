/* SPDX-License-Identifier: ISC */
/*
 * What ockam-routed may ask of ockam-vaultd, and what it answers.  An
 * answer has the type of its request and echoes its imsg peerid (the
 * request id).  Private keys never leave the vault: routed names keys
 * by id and gets public keys, DH results and signatures back.
 *
 *	IMSG_VAULT_CONF		routed -> vault, start-up only:
 *				struct vault_conf
 *	IMSG_VAULT_IDENTITY	struct vault_identity_req ->
 *				struct vault_identity
 *	IMSG_VAULT_HANDSHAKE	struct vault_hs_req -> struct vault_hs
 *	IMSG_VAULT_SIGN_STATIC	struct vault_sign_req -> struct vault_sign
 *	IMSG_VAULT_FREE		struct vault_free_req, no answer
 *	IMSG_VAULT_PIN		struct vault_pin_req -> struct vault_pin
 *
 * Besides keys the vault keeps the pins of secure channel initiators
 * (ockam-routed's trust.c): which responder identifier answered on a
 * route, in the file "pins" of its key directory, as ssh keeps
 * known_hosts.  routed has no files; the vault has that directory.
 *
 * The vault signs one thing only: VAULT_SIG_CONTEXT followed by the
 * identity's own X25519 static public key (the identity payload of a
 * secure channel handshake, doc/design.md 5).  It cannot be made to sign
 * anything else.
 */
#ifndef OCKAM_VAULT_H
#define OCKAM_VAULT_H

#include <limits.h>
#include <stdint.h>

#include "limit.h"

#define VAULT_NAME_MAX		64	/* identity names, NUL included */
#define VAULT_EPHEMERAL_MAX	4096	/* ephemeral keys alive at once */
#define VAULT_KEY_EPHEMERAL	0x80000000U	/* id bit: ephemeral key */
#define VAULT_SIG_CONTEXT	"ockam-c channel static key v1"
#define VAULT_PUBLEN		32
#define VAULT_SIGLEN		64
#define VAULT_HS_DH_MAX		2	/* DH in one HANDSHAKE request */
#define VAULT_HS_NEW		0x01	/* HANDSHAKE: a new ephemeral first */
#define VAULT_PIN_KEY_MAX	1024	/* a pin's route text, NUL included */
#define VAULT_PIN_ID_MAX	66	/* an identifier, NUL included */
#define VAULT_PIN_LOOKUP	1	/* PIN: what is pinned for key */
#define VAULT_PIN_RECORD	2	/* PIN: pin id for key unless pinned */
#define VAULT_PIN_REMOVE	3	/* PIN: forget what is pinned for key */

/* status */
#define VAULT_OK		0
#define VAULT_ERR_NOTFOUND	1	/* no such identity or key */
#define VAULT_ERR_IO		2	/* the key file could not be used */
#define VAULT_ERR_LIMIT		3	/* too many keys */
#define VAULT_ERR_DH		4	/* low-order point: all-zero result */
#define VAULT_ERR_NAME		5	/* not a valid identity name */
#define VAULT_ERR_CHANGED	6	/* PIN: another identifier is pinned */

struct vault_conf {
	char		dir[PATH_MAX];
	uint32_t	limits[LIMIT_MAX];	/* limit.h, checked */
};

struct vault_identity_req {
	char		name[VAULT_NAME_MAX];
	uint8_t		create;		/* create it when missing */
};

struct vault_identity {
	uint32_t	status;
	uint32_t	id;
	uint8_t		sign_pub[VAULT_PUBLEN];		/* Ed25519 */
	uint8_t		static_pub[VAULT_PUBLEN];	/* X25519 */
};

/*
 * What one step of a secure channel handshake needs, in one round
 * trip: with VAULT_HS_NEW a new ephemeral key (eph must be 0), then
 * ndh X25519 of a key with a peer's public key.  A key id of 0 in
 * dh[] names the request's ephemeral key (the new one, or eph); any
 * other id must be an identity.  The answer's eph is the key this
 * request made (0 when it made none, or when a DH failed: the new key
 * is then freed); secret[i] answers dh[i].  status is the first
 * failure: one DH of a low-order peer key fails the whole request.
 */
struct vault_hs_req {
	uint32_t	flags;		/* VAULT_HS_NEW */
	uint32_t	eph;		/* an ephemeral key, or 0 */
	uint32_t	ndh;		/* at most VAULT_HS_DH_MAX */
	struct {
		uint32_t	id;	/* 0: the ephemeral key */
		uint8_t		peer[VAULT_PUBLEN];
	}		dh[VAULT_HS_DH_MAX];
};

struct vault_hs {
	uint32_t	status;
	uint32_t	eph;
	uint8_t		eph_pub[VAULT_PUBLEN];
	uint8_t		secret[VAULT_HS_DH_MAX][VAULT_PUBLEN];
};

struct vault_sign_req {
	uint32_t	id;		/* an identity */
};

struct vault_sign {
	uint32_t	status;
	uint8_t		sig[VAULT_SIGLEN];
};

struct vault_free_req {
	uint32_t	id;		/* an ephemeral key */
};

/*
 * A pin: key is the route text an initiator was given (printable
 * ASCII, no space), id an identifier ("I" and 64 hex digits).  LOOKUP
 * answers VAULT_OK with the pinned id, or VAULT_ERR_NOTFOUND.  RECORD
 * (id set) answers VAULT_OK when id is pinned now or was already,
 * VAULT_ERR_CHANGED with the other id pinned for key, VAULT_ERR_LIMIT
 * when LIMIT_PINS pins exist, VAULT_ERR_IO when the file cannot be
 * used or there is no key directory.  REMOVE answers VAULT_OK with the
 * id that was pinned, or VAULT_ERR_NOTFOUND.
 */
struct vault_pin_req {
	uint32_t	op;		/* VAULT_PIN_LOOKUP or _RECORD */
	char		key[VAULT_PIN_KEY_MAX];
	char		id[VAULT_PIN_ID_MAX];	/* RECORD: the responder */
};

struct vault_pin {
	uint32_t	status;
	char		id[VAULT_PIN_ID_MAX];	/* what is pinned, or "" */
};

#endif /* OCKAM_VAULT_H */
