/* SPDX-License-Identifier: ISC */
/*
 * The identities of this node: their private keys stay in the vault;
 * routed keeps the public keys, the identifier (config.c:
 * identifier_of) and the signature over the static key.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "routed.h"
#include "vault.h"

static TAILQ_HEAD(, identity)	 identities =
    TAILQ_HEAD_INITIALIZER(identities);

struct identity *
identity_find(const char *name)
{
	struct identity	*id;

	TAILQ_FOREACH(id, &identities, entry)
		if (strcmp(id->name, name) == 0)
			return (id);
	return (NULL);
}

struct identity *
identity_first(void)
{
	return (TAILQ_FIRST(&identities));
}

struct identity *
identity_next(struct identity *id)
{
	return (TAILQ_NEXT(id, entry));
}

/*
 * Load an identity from the vault, creating it there when create is
 * set and it does not exist yet.
 */
int
identity_load(const char *name, int create, struct identity **out,
    char *err, size_t errlen)
{
	struct vault_identity	 vi;
	struct identity		*id;

	if ((id = identity_find(name)) != NULL) {
		*out = id;
		return (0);
	}
	memset(&vi, 0, sizeof(vi));
	if (vault_identity(name, create, &vi) == -1) {
		snprintf(err, errlen, "identity \"%s\": %s", name,
		    vi.status == VAULT_OK ? "the vault is not available" :
		    vault_strerror(vi.status));
		return (-1);
	}
	if ((id = calloc(1, sizeof(*id))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	/*
	 * The signature over the static key is the same in every
	 * handshake (Ed25519 is deterministic): asked for once.
	 */
	if (vault_sign_static(vi.id, id->sig) == -1) {
		snprintf(err, errlen, "identity \"%s\": the vault did not "
		    "sign its static key", name);
		free(id);
		return (-1);
	}
	id->id = vi.id;
	memcpy(id->sign_pub, vi.sign_pub, sizeof(id->sign_pub));
	memcpy(id->static_pub, vi.static_pub, sizeof(id->static_pub));
	strlcpy(id->name, name, sizeof(id->name));
	identifier_of(id->sign_pub, id->identifier);
	TAILQ_INSERT_TAIL(&identities, id, entry);
	log_info("identity %s is %s", id->name, id->identifier);
	*out = id;
	return (0);
}

void
identity_shutdown(void)
{
	struct identity	*id;

	while ((id = TAILQ_FIRST(&identities)) != NULL) {
		TAILQ_REMOVE(&identities, id, entry);
		free(id);
	}
}
