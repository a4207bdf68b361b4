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
 *
 * The vault signs one thing only: VAULT_SIG_CONTEXT followed by the
 * identity's own X25519 static public key (the identity payload of a
 * secure channel handshake, DESIGN.md 3).  It cannot be made to sign
 * anything else.
 */
#ifndef OCKAM_VAULT_H
#define OCKAM_VAULT_H

#include <limits.h>
#include <stdint.h>

#define VAULT_NAME_MAX		64	/* identity names, NUL included */
#define VAULT_EPHEMERAL_MAX	4096	/* ephemeral keys alive at once */
#define VAULT_KEY_EPHEMERAL	0x80000000U	/* id bit: ephemeral key */
#define VAULT_SIG_CONTEXT	"ockam-c channel static key v1"
#define VAULT_PUBLEN		32
#define VAULT_SIGLEN		64
#define VAULT_HS_DH_MAX		2	/* DH in one HANDSHAKE request */
#define VAULT_HS_NEW		0x01	/* HANDSHAKE: a new ephemeral first */

/* status */
#define VAULT_OK		0
#define VAULT_ERR_NOTFOUND	1	/* no such identity or key */
#define VAULT_ERR_IO		2	/* the key file could not be used */
#define VAULT_ERR_LIMIT		3	/* too many keys */
#define VAULT_ERR_DH		4	/* low-order point: all-zero result */
#define VAULT_ERR_NAME		5	/* not a valid identity name */

struct vault_conf {
	char		dir[PATH_MAX];
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

#endif /* OCKAM_VAULT_H */
