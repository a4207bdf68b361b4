/* SPDX-License-Identifier: ISC */
/*
 * Replay window: the highest nonce accepted and a bitmap of the 64
 * below it.  A nonce is acceptable when it is new and not more than
 * REPLAY_WINDOW - 1 behind the highest, nor more than REPLAY_MAX_AHEAD
 * ahead of it (a bound on the rekeys one forged message can cost).
 */
#include <stdint.h>

#include "replay.h"

/* 0: acceptable; -1: a duplicate, too old or too far ahead. */
int
replay_check(const struct replay *r, uint64_t n)
{
	uint64_t	 behind;

	if (!r->any)
		return (n < REPLAY_MAX_AHEAD ? 0 : -1);
	if (n > r->top)
		return (n - r->top <= REPLAY_MAX_AHEAD ? 0 : -1);
	behind = r->top - n;
	if (behind >= REPLAY_WINDOW)
		return (-1);
	return ((r->bitmap & (1ULL << behind)) ? -1 : 0);
}

/* Record n; call only after replay_check() said yes and the tag verified. */
void
replay_commit(struct replay *r, uint64_t n)
{
	uint64_t	 shift;

	if (!r->any) {
		r->any = 1;
		r->top = n;
		r->bitmap = 1;
		return;
	}
	if (n > r->top) {
		shift = n - r->top;
		r->bitmap = shift >= REPLAY_WINDOW ? 0 : r->bitmap << shift;
		r->bitmap |= 1;
		r->top = n;
	} else
		r->bitmap |= 1ULL << (r->top - n);
}
