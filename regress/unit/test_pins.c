/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-vaultd/pins.c in a temporary directory: lookup,
 * first pin, a changed identifier, removal, the bound, malformed and cut
 * lines, and files that must be refused.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ockam-vaultd/pins.h"
#include "limit.h"
#include "log.h"

#define ROUTE_A	"/ip4/127.0.0.1/tcp/4000/service/bob_listener"
#define ROUTE_B	"/service/h1/service/listener"
#define ID_1	"I11111111111111111111111111111111" \
	    "11111111111111111111111111111111"
#define ID_2	"I22222222222222222222222222222222" \
	    "22222222222222222222222222222222"

static char	 dir[64];
static int	 dirfd = -1;

static int
setup(void **state)
{
	(void)state;
	strlcpy(dir, "/tmp/test_pins.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL ||
	    (dirfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	pins_init(dirfd, dir);
	limits_default(limit_val);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlinkat(dirfd, "pins", 0);
	close(dirfd);
	rmdir(dir);
	return (0);
}

static void
write_file(const char *text, mode_t mode)
{
	int	 fd;

	fd = openat(dirfd, "pins", O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_first_use(void **state)
{
	char	 id[VAULT_PIN_ID_MAX];

	(void)state;
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_ERR_NOTFOUND);
	assert_int_equal(pins_record(ROUTE_A, ID_1, id), VAULT_OK);
	assert_string_equal(id, ID_1);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_OK);
	assert_string_equal(id, ID_1);
	/* Again: nothing changes; another: refused, the pin answered. */
	assert_int_equal(pins_record(ROUTE_A, ID_1, id), VAULT_OK);
	assert_int_equal(pins_record(ROUTE_A, ID_2, id), VAULT_ERR_CHANGED);
	assert_string_equal(id, ID_1);
	/* Another route is another pin. */
	assert_int_equal(pins_lookup(ROUTE_B, id), VAULT_ERR_NOTFOUND);
	assert_int_equal(pins_record(ROUTE_B, ID_2, id), VAULT_OK);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_OK);
	assert_string_equal(id, ID_1);
}

static void
test_file_format(void **state)
{
	struct stat	 sb;
	char		 id[VAULT_PIN_ID_MAX], buf[512];
	ssize_t		 n;
	int		 fd;

	(void)state;
	/* Comments, blank and malformed lines, a last line cut short. */
	write_file("# pins\n\nnot a pin\n" ROUTE_B " Ibad\n" ROUTE_A " " ID_2
	    "\n/cut", 0600);
	assert_int_equal(pins_lookup(ROUTE_B, id), VAULT_ERR_NOTFOUND);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_OK);
	assert_string_equal(id, ID_2);
	assert_int_equal(pins_record(ROUTE_B, ID_1, id), VAULT_OK);
	fd = openat(dirfd, "pins", O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	/* The cut line was ended before the new pin. */
	assert_non_null(strstr(buf, "\n/cut\n" ROUTE_B " " ID_1 "\n"));
	assert_int_equal(pins_lookup(ROUTE_B, id), VAULT_OK);
	assert_string_equal(id, ID_1);
}

static void
test_remove(void **state)
{
	char	 id[VAULT_PIN_ID_MAX];

	(void)state;
	assert_int_equal(pins_remove(ROUTE_A, id), VAULT_ERR_NOTFOUND);
	write_file("# kept\n" ROUTE_A " " ID_1 "\n" ROUTE_B " " ID_2 "\n",
	    0600);
	assert_int_equal(pins_remove(ROUTE_A, id), VAULT_OK);
	assert_string_equal(id, ID_1);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_ERR_NOTFOUND);
	assert_int_equal(pins_lookup(ROUTE_B, id), VAULT_OK);
	assert_string_equal(id, ID_2);
	assert_int_equal(pins_remove(ROUTE_A, id), VAULT_ERR_NOTFOUND);
	/* No temporary file is left; the comment stays. */
	assert_int_equal(faccessat(dirfd, ".tmp.pins", F_OK, 0), -1);
	assert_int_equal(pins_record(ROUTE_A, ID_2, id), VAULT_OK);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_OK);
	assert_string_equal(id, ID_2);
}

static void
test_limit(void **state)
{
	char	 id[VAULT_PIN_ID_MAX];

	(void)state;
	limit_val[LIMIT_PINS] = 1;
	assert_int_equal(pins_record(ROUTE_A, ID_1, id), VAULT_OK);
	assert_int_equal(pins_record(ROUTE_B, ID_1, id), VAULT_ERR_LIMIT);
	assert_int_equal(pins_lookup(ROUTE_B, id), VAULT_ERR_NOTFOUND);
	limits_default(limit_val);
}

static void
test_refused(void **state)
{
	char	 id[VAULT_PIN_ID_MAX];

	(void)state;
	write_file(ROUTE_A " " ID_1 "\n", 0644);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_ERR_IO);
	assert_int_equal(pins_record(ROUTE_B, ID_1, id), VAULT_ERR_IO);
	unlinkat(dirfd, "pins", 0);
	assert_int_equal(symlinkat("/etc/passwd", dirfd, "pins"), 0);
	assert_int_equal(pins_lookup(ROUTE_A, id), VAULT_ERR_IO);
	assert_int_equal(pins_record(ROUTE_A, ID_1, id), VAULT_ERR_IO);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(pins_key_ok(ROUTE_A));
	assert_false(pins_key_ok(""));
	assert_false(pins_key_ok("/service/a b"));
	assert_false(pins_key_ok("/service/a\n"));
	assert_true(pins_id_ok(ID_1));
	assert_false(pins_id_ok("I11"));
	assert_false(pins_id_ok("J11111111111111111111111111111111"
	    "11111111111111111111111111111111"));
	assert_false(pins_id_ok("I11111111111111111111111111111111"
	    "1111111111111111111111111111111A"));
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test_setup_teardown(test_first_use, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test(test_names),
	};

	log_init(1, LOG_DAEMON);
	log_procinit("test_pins");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
