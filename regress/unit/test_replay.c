/* SPDX-License-Identifier: ISC */
/*
 * The replay window of secure channels (lib/replay.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"

static int
take(struct replay *r, uint64_t n)
{
	if (replay_check(r, n) == -1)
		return (-1);
	replay_commit(r, n);
	return (0);
}

static void
test_in_order(void **state)
{
	struct replay	 r;
	uint64_t	 n;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (n = 0; n < 1000; n++)
		assert_int_equal(take(&r, n), 0);
	for (n = 0; n < 1000; n++)
		assert_int_equal(replay_check(&r, n), -1);
	assert_int_equal(replay_check(&r, 1000), 0);
}

static void
test_duplicates(void **state)
{
	struct replay	 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(take(&r, 0), 0);
	assert_int_equal(take(&r, 0), -1);
	assert_int_equal(take(&r, 5), 0);
	assert_int_equal(take(&r, 5), -1);
	assert_int_equal(take(&r, 3), 0);
	assert_int_equal(take(&r, 3), -1);
	assert_int_equal(take(&r, 4), 0);
	assert_int_equal(take(&r, 1), 0);
	assert_int_equal(take(&r, 2), 0);
	assert_int_equal(take(&r, 1), -1);
}

/* Every order of a block of 64 inside the window is accepted once. */
static void
test_reorder_inside_window(void **state)
{
	struct replay	 r;
	uint64_t	 order[REPLAY_WINDOW];
	unsigned int	 i, j, seed = 7;
	uint64_t	 t;

	(void)state;
	for (i = 0; i < REPLAY_WINDOW; i++)
		order[i] = 100 + i;
	for (i = REPLAY_WINDOW - 1; i > 0; i--) {
		seed = seed * 1103515245 + 12345;
		j = (seed >> 16) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	memset(&r, 0, sizeof(r));
	assert_int_equal(take(&r, 99), 0);
	for (i = 0; i < REPLAY_WINDOW; i++)
		assert_int_equal(take(&r, order[i]), 0);
	for (i = 0; i < REPLAY_WINDOW; i++)
		assert_int_equal(take(&r, order[i]), -1);
}

static void
test_too_old(void **state)
{
	struct replay	 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(take(&r, 1000), 0);
	/* 63 behind: inside; 64 behind: outside. */
	assert_int_equal(take(&r, 1000 - (REPLAY_WINDOW - 1)), 0);
	assert_int_equal(take(&r, 1000 - REPLAY_WINDOW), -1);
	assert_int_equal(take(&r, 0), -1);
	/* A jump forward pushes old nonces out. */
	assert_int_equal(take(&r, 2000), 0);
	assert_int_equal(take(&r, 1999), 0);
	assert_int_equal(take(&r, 1000), -1);
}

static void
test_far_ahead(void **state)
{
	struct replay	 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(replay_check(&r, REPLAY_MAX_AHEAD), -1);
	assert_int_equal(take(&r, 10), 0);
	assert_int_equal(replay_check(&r, 10 + REPLAY_MAX_AHEAD), 0);
	assert_int_equal(replay_check(&r, 11 + REPLAY_MAX_AHEAD), -1);
	assert_int_equal(replay_check(&r, UINT64_MAX), -1);
}

/* Checking alone changes nothing: the state is committed separately. */
static void
test_check_is_pure(void **state)
{
	struct replay	 r, copy;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(take(&r, 50), 0);
	copy = r;
	assert_int_equal(replay_check(&r, 51), 0);
	assert_int_equal(replay_check(&r, 49), 0);
	assert_memory_equal(&r, &copy, sizeof(r));
	assert_int_equal(take(&r, 51), 0);
	assert_int_equal(take(&r, 49), 0);
}

static void
test_epochs(void **state)
{
	(void)state;
	assert_int_equal(rekey_epoch(0), 0);
	assert_int_equal(rekey_epoch(REKEY_INTERVAL - 1), 0);
	assert_int_equal(rekey_epoch(REKEY_INTERVAL), 1);
	assert_int_equal(rekey_epoch(3 * REKEY_INTERVAL + 5), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_reorder_inside_window),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_far_ahead),
		cmocka_unit_test(test_check_is_pure),
		cmocka_unit_test(test_epochs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
