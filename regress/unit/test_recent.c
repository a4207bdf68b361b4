/* SPDX-License-Identifier: ISC */
/*
 * lib/recent.c: a bounded set of names, least recently used out first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "recent.h"

static void
test_bound_and_lru(void **state)
{
	struct recent	 r;
	char		 name[16];
	int		 i;

	(void)state;
	recent_init(&r, 3);
	assert_false(recent_has(&r, "a"));
	recent_note(&r, "a");
	recent_note(&r, "b");
	recent_note(&r, "c");
	assert_true(recent_has(&r, "a") && recent_has(&r, "c"));
	/* "a" is used again: "b" is now the least recent and goes. */
	recent_note(&r, "a");
	recent_note(&r, "d");
	assert_false(recent_has(&r, "b"));
	assert_true(recent_has(&r, "a"));
	assert_true(recent_has(&r, "c"));
	assert_true(recent_has(&r, "d"));
	assert_int_equal(r.n, 3);
	/* Noting what is there does not grow it. */
	recent_note(&r, "d");
	assert_int_equal(r.n, 3);

	/* Capacity is bounded by RECENT_MAX whatever is asked. */
	recent_clear(&r);
	recent_init(&r, 1000);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		recent_note(&r, name);
	}
	assert_int_equal(r.n, RECENT_MAX);
	assert_true(recent_has(&r, "w99"));
	assert_false(recent_has(&r, "w0"));
	recent_clear(&r);
	assert_int_equal(r.n, 0);
	assert_false(recent_has(&r, "w99"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_and_lru),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
