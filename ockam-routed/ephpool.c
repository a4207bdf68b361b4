/* SPDX-License-Identifier: ISC */
/*
 * Ephemeral keys made ahead for initiators: message 1 goes out at once
 * and a handshake costs the initiator one round trip to the vault less.
 * The pool is filled in one batch when it runs below half, from the
 * first channel this node creates on; its keys are wiped in the vault
 * when the node stops, like every other.
 */
#include <sys/types.h>

#include <string.h>

#include "channel.h"
#include "log.h"
#include "privsep.h"
#include "vault.h"

static struct {
	uint32_t	 id;
	uint8_t		 pub[NOISE_DHLEN];
}			 ephpool[SC_EPH_POOL];
static int		 nephpool, ephpool_asked;

static void
ephpool_answer(void *arg, const void *data)
{
	const struct vault_hs	*ans = data;

	(void)arg;
	ephpool_asked--;
	if (ans->status != VAULT_OK) {
		log_warnx("vault: no ephemeral key made ahead: %s",
		    vault_strerror(ans->status));
		return;
	}
	if (nephpool == SC_EPH_POOL) {
		vault_free(ans->eph);
		return;
	}
	ephpool[nephpool].id = ans->eph;
	memcpy(ephpool[nephpool].pub, ans->eph_pub, NOISE_DHLEN);
	nephpool++;
}

static void
ephpool_fill(void)
{
	struct vault_hs_req	 req;

	if (nephpool + ephpool_asked >= SC_EPH_POOL / 2)
		return;
	memset(&req, 0, sizeof(req));
	req.flags = VAULT_HS_NEW;
	while (nephpool + ephpool_asked < SC_EPH_POOL) {
		if (vault_call(IMSG_VAULT_HANDSHAKE, &req, sizeof(req),
		    sizeof(struct vault_hs), ephpool_answer, NULL) == NULL)
			return;
		ephpool_asked++;
	}
}

/* A key from the pool, into *id and pub: 1, or 0 when it is empty. */
int
ephpool_take(uint32_t *id, uint8_t pub[NOISE_DHLEN])
{
	int	 r = 0;

	if (nephpool > 0) {
		nephpool--;
		*id = ephpool[nephpool].id;
		memcpy(pub, ephpool[nephpool].pub, NOISE_DHLEN);
		r = 1;
	}
	ephpool_fill();
	return (r);
}

/* The node stops: the vault forgets the keys made ahead. */
void
ephpool_clear(void)
{
	while (nephpool > 0)
		vault_free(ephpool[--nephpool].id);
}
