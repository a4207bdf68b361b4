/* SPDX-License-Identifier: ISC */
/*
 * Whom a secure channel initiator trusts, and how the two ends tell
 * each other the outcome (trust.c, doc/secure-channel.md).
 */
#ifndef OCKAM_TRUST_H
#define OCKAM_TRUST_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ctl.h"
#include "vault.h"

/* The body of a Close: empty, or one of these reason codes. */
#define SC_CLOSE_NONE		0	/* a plain close */
#define SC_CLOSE_NOT_TRUSTED	1	/* the identifier is not trusted */
#define SC_CLOSE_BAD_IDENTITY	2	/* the identity payload is invalid */
#define SC_CLOSE_LIMIT		3	/* a bound on channels (chanlife.c) */

/* Room for why a peer is refused: two identifiers and a route. */
#define SC_WHY_MAX		(VAULT_PIN_KEY_MAX + 512)
_Static_assert(SC_WHY_MAX <= CTL_MSG_MAX, "a reason fits a result");

/*
 * An initiator that trusts the configuration, its own identities and
 * the pin, not -T identifiers nor anyone: the route text the pin is
 * kept under in the vault ("": a route that cannot be pinned).
 */
struct sc_pin {
	char		 key[VAULT_PIN_KEY_MAX];
	char		 pinned[VAULT_PIN_ID_MAX];	/* "": none yet */
	int		 pin_new;	/* record the first one (--pin) */
	int		 recording;	/* the vault writes it */
	int		 confirmed;	/* meanwhile the responder confirmed */
};

struct channel;
struct identity;
struct route;

void	 sctrust_configure(struct ockam_conf *);
const char *sctrust_refused(const struct channel *, const struct trust_conf *);
int	 sctrust_create(const struct route *, struct identity *,
	    struct trust_conf *, uint32_t, int, uint32_t, uint32_t, char *,
	    size_t);
int	 sctrust_unpin(const struct route *, uint32_t, uint32_t, char *,
	    size_t);
int	 sctrust_check(struct channel *, const struct trust_conf *,
	    const char *, char *, size_t);
void	 sctrust_refuse(struct channel *, int, int, const char *);
void	 sctrust_opened(struct channel *);
void	 sctrust_confirmed(struct channel *);
void	 sctrust_peer_close(struct channel *, const uint8_t *, size_t);
void	 sctrust_tick(void);
void	 sctrust_free(struct channel *);

#endif /* OCKAM_TRUST_H */
