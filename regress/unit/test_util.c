/* SPDX-License-Identifier: ISC */
/*
 * lib/util.c: safe_str() makes bytes from the network fit for a log
 * line; none of them may end the line or start another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void
test_safe_str(void **state)
{
	static const char	 forged[] =
	    "1.2.3.4:5\nrouted: forged\r\t\033[2J";
	char			 big[400];
	const char		*s;

	(void)state;
	assert_string_equal(safe_str("127.0.0.1:4000", 14), "127.0.0.1:4000");
	s = safe_str(forged, sizeof(forged) - 1);
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
	assert_null(strchr(s, '\t'));
	assert_null(strchr(s, '\033'));
	assert_string_equal(s,
	    "1.2.3.4:5\\nrouted: forged\\r\\t\\033[2J");
	/* NUL bytes inside are shown, not taken as the end. */
	assert_string_equal(safe_str("a\0b", 3), "a\\0b");
	/* At most 256 bytes of the input are shown. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(strlen(safe_str(big, sizeof(big))), 256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_str),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
