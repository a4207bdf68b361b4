/* SPDX-License-Identifier: ISC */
/*
 * The receive side of a secure channel's nonces (doc/design.md 5): a
 * sliding replay window, and which rekey epoch a nonce belongs to.
 * Checking and committing are separate so that state changes only
 * after a message's tag has verified.
 */
#ifndef OCKAM_REPLAY_H
#define OCKAM_REPLAY_H

#include <stdint.h>

#define REPLAY_WINDOW		64	/* nonces behind the highest seen */
#define REPLAY_MAX_AHEAD	(1ULL << 20)	/* nonces ahead of it */
#define REKEY_INTERVAL		65536	/* messages per key */

struct replay {
	uint64_t	 top;		/* highest nonce accepted */
	uint64_t	 bitmap;	/* bit i: top - i was accepted */
	int		 any;		/* a nonce was accepted at all */
};

int		 replay_check(const struct replay *, uint64_t);
void		 replay_commit(struct replay *, uint64_t);

static inline uint64_t
rekey_epoch(uint64_t n)
{
	return (n / REKEY_INTERVAL);
}

#endif /* OCKAM_REPLAY_H */
