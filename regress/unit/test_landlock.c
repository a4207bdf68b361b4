/*
 * lib/landlock.c: once confined, a process reaches files beneath its
 * directory and nothing else, ".." and absolute paths included.  Each
 * case runs in a child: Landlock cannot be undone.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
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

#include "landlock.h"
#include "log.h"

static char	 dir[] = "/tmp/ockam-landlock.XXXXXX";

/* In a child: confine to dir, then run the checks; exit code = result. */
static int
confined(int (*check)(int))
{
	pid_t	 pid;
	int	 status, fd, r;

	if ((pid = fork()) == 0) {
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
			_exit(90);
		r = landlock_confine_dir(fd);
		if (r == 1)
			_exit(77);	/* no Landlock here */
		if (r == -1)
			_exit(91);
		_exit(check(fd));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return (WEXITSTATUS(status));
}

static int
inside_ok(int fd)
{
	int	 f;

	if ((f = openat(fd, "key", O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return (1);
	if (write(f, "k", 1) != 1)
		return (2);
	close(f);
	if (renameat(fd, "key", fd, "key2") == -1)
		return (3);
	if ((f = openat(fd, "key2", O_RDONLY)) == -1)
		return (4);
	close(f);
	if (unlinkat(fd, "key2", 0) == -1)
		return (5);
	return (0);
}

static int
outside_refused(int fd)
{
	if (open("/etc/hostname", O_RDONLY) != -1 || errno != EACCES)
		return (1);
	if (openat(fd, "../", O_RDONLY | O_DIRECTORY) != -1 &&
	    errno != EACCES)
		return (2);
	if (openat(fd, "/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return (3);
	if (open("/tmp/ockam-landlock-escape", O_WRONLY | O_CREAT, 0600) !=
	    -1 || errno != EACCES)
		return (4);
	if (mkdirat(fd, "sub", 0700) != -1 || errno != EACCES)
		return (5);
	if (symlinkat("/etc/passwd", fd, "link") != -1 || errno != EACCES)
		return (6);
	return (0);
}

static void
test_inside(void **state)
{
	int	 r;

	(void)state;
	r = confined(inside_ok);
	if (r == 77)
		skip();
	assert_int_equal(r, 0);
}

static void
test_outside(void **state)
{
	int	 r;

	(void)state;
	r = confined(outside_refused);
	if (r == 77)
		skip();
	assert_int_equal(r, 0);
	/* Nothing was made outside. */
	assert_int_equal(access("/tmp/ockam-landlock-escape", F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_outside),
	};
	int	 r;

	log_init(1, LOG_DAEMON);
	if (mkdtemp(dir) == NULL)
		return (1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return (r);
}
