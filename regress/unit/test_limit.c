/* SPDX-License-Identifier: ISC */
/*
 * The table of bounds (lib/limit.c) and the aggregated log lines of
 * log_count() (lib/log.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "limit.h"
#include "log.h"

static void
test_table(void **state)
{
	int	 i, j;

	(void)state;
	for (i = 0; i < LIMIT_MAX; i++) {
		assert_non_null(limit_defs[i].name);
		assert_true(limit_defs[i].min <= limit_defs[i].def);
		assert_true(limit_defs[i].def <= limit_defs[i].max);
		assert_int_equal(limit_lookup(limit_defs[i].name), i);
		assert_int_equal(limit(i), limit_defs[i].def);
		for (j = i + 1; j < LIMIT_MAX; j++)
			assert_string_not_equal(limit_defs[i].name,
			    limit_defs[j].name);
	}
	assert_int_equal(limit_lookup("no-such-limit"), -1);
	assert_int_equal(limit_lookup(""), -1);
}

static void
test_parse(void **state)
{
	const char	*why;
	uint32_t	 v = 7;
	int		 id = LIMIT_HANDSHAKES;

	(void)state;
	assert_int_equal(limit_parse(id, "64", &v, &why), 0);
	assert_int_equal(v, 64);
	assert_int_equal(limit_parse(id, "0", &v, &why), -1);
	assert_string_equal(why, "out of range");
	assert_int_equal(limit_parse(id, "65537", &v, &why), -1);
	assert_int_equal(limit_parse(id, "99999999999999999999", &v, &why),
	    -1);
	assert_int_equal(limit_parse(id, "-1", &v, &why), -1);
	assert_int_equal(limit_parse(id, " 5", &v, &why), -1);
	assert_int_equal(limit_parse(id, "5 ", &v, &why), -1);
	assert_int_equal(limit_parse(id, "", &v, &why), -1);
	/* Suffixes are for sizes only. */
	assert_int_equal(limit_parse(id, "1K", &v, &why), -1);
	assert_string_equal(why, "not a number");
	assert_int_equal(v, 64);
}

/* Sizes, when the table has one: K, M, G, and what overflows. */
static void
test_bytes(void **state)
{
	const char	*why;
	char		 buf[32];
	uint32_t	 v;
	int		 i, id = -1;

	(void)state;
	for (i = 0; i < LIMIT_MAX; i++)
		if (limit_defs[i].unit == LIMIT_BYTES &&
		    limit_defs[i].max >= (2U << 20) &&
		    limit_defs[i].min <= (1U << 20))
			id = i;
	if (id == -1)
		skip();
	assert_int_equal(limit_parse(id, "1M", &v, &why), 0);
	assert_int_equal(v, 1U << 20);
	limit_format(id, v, buf, sizeof(buf));
	assert_string_equal(buf, "1M");
	assert_int_equal(limit_parse(id, "1024K", &v, &why), 0);
	assert_int_equal(v, 1U << 20);
	assert_int_equal(limit_parse(id, "5G", &v, &why), -1);
	assert_int_equal(limit_parse(id, "1MB", &v, &why), -1);
	assert_int_equal(limit_parse(id, "M", &v, &why), -1);
}

static void
test_check(void **state)
{
	uint32_t	 v[LIMIT_MAX];

	(void)state;
	limits_default(v);
	assert_int_equal(limits_check(v), 0);
	v[LIMIT_CONNECTIONS] = limit_defs[LIMIT_CONNECTIONS].max + 1;
	assert_int_equal(limits_check(v), -1);
	v[LIMIT_CONNECTIONS] = limit_defs[LIMIT_CONNECTIONS].min - 1;
	assert_int_equal(limits_check(v), -1);
	limits_default(v);
	v[LIMIT_HANDSHAKES] = 5;
	limits_set(v);
	assert_int_equal(limit(LIMIT_HANDSHAKES), 5);
	limits_default(v);
	limits_set(v);
}

/* The lines written to stderr since offset *off of file f. */
static int
lines_since(FILE *f, long *off)
{
	char	 line[512];
	int	 n = 0;

	fflush(stderr);
	if (fseek(f, *off, SEEK_SET) == -1)
		fail();
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	*off = ftell(f);
	return (n);
}

static void
test_log_count(void **state)
{
	static struct log_count	 c = LOG_COUNT_INIT(LOG_INFO, "junk");
	static struct log_count	 d = LOG_COUNT_INIT(LOG_DEBUG, "quiet");
	char			 path[] = "/tmp/test_limit.XXXXXX";
	char			 line[512];
	FILE			*f;
	long			 off = 0;
	int			 fd, i, saved;

	(void)state;
	if ((fd = mkstemp(path)) == -1)
		fail();
	unlink(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	f = fdopen(fd, "r");
	log_init(1, LOG_DAEMON);
	log_setverbose(1);

	/* The first event at once, then nothing within the interval. */
	for (i = 0; i < 1000; i++)
		log_count(&c, "frame %d", i);
	for (i = 0; i < 1000; i++)
		log_count(&d, "debug %d", i);
	assert_int_equal(lines_since(f, &off), 1);
	assert_int_equal(log_count_flush(), 1000);
	assert_int_equal(lines_since(f, &off), 0);

	/* One line for the 999 others once the interval has passed. */
	sleep(LOG_COUNT_INTERVAL + 1);
	assert_int_equal(log_count_flush(), -1);
	fflush(stderr);
	fseek(f, off, SEEK_SET);
	assert_non_null(fgets(line, sizeof(line), f));
	off = ftell(f);
	assert_non_null(strstr(line, "junk: 999 times"));
	assert_non_null(strstr(line, "1000 in all"));
	assert_non_null(strstr(line, "frame 999"));
	assert_int_equal(lines_since(f, &off), 0);
	assert_int_equal(log_count_flush(), -1);

	/* At exit what was counted is said at once, interval or not. */
	log_count(&c, "frame %d", 1000);
	log_count(&c, "frame %d", 1001);
	assert_int_equal(lines_since(f, &off), 0);
	log_count_final();
	assert_int_equal(lines_since(f, &off), 1);
	log_count_final();
	assert_int_equal(lines_since(f, &off), 0);

	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_log_count),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
