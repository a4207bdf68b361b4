/* SPDX-License-Identifier: ISC */
/*
 * lib/landlock.c: once confined, a process reaches files beneath its
 * directory and nothing else, ".." and absolute paths included; routed
 * may only remove files beneath its control socket's directory; tcpd
 * reaches no file; none of them binds a TCP socket (Landlock ABI 4).
 * Landlock alone, without the seccomp filter, which would kill first.
 * Each case runs in a child: Landlock cannot be undone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

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

enum role { VAULT, ROUTED, TCPD };

/*
 * In a child: confine to dir as role, then run the checks; exit code =
 * result (77: no Landlock here, 78: no network rules here).
 */
static int
confined_as(enum role role, const char *path, int (*check)(int))
{
	pid_t	 pid;
	int	 status, fd, r;

	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_RDONLY | O_DIRECTORY)) == -1)
			_exit(90);
		if (role == ROUTED)
			r = landlock_confine_routed(fd, -1);
		else if (role == TCPD)
			r = landlock_confine_tcpd(0);
		else
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
confined(int (*check)(int))
{
	return (confined_as(VAULT, dir, check));
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

/* A TCP socket bound to 127.0.0.1, any port: 0, or errno. */
static int
tcp_bind(void)
{
	struct sockaddr_in	 sin;
	int			 s, r;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (errno);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ? errno : 0;
	close(s);
	return (r);
}

/* Refused with EACCES where the kernel has network rules. */
static int
bind_refused(int fd)
{
	(void)fd;
	if (landlock_abi() < 4)
		return (tcp_bind() == 0 ? 78 : 10);
	return (tcp_bind() == EACCES ? 0 : 11);
}

/* routed: removes a file beneath its directory, nothing else at all. */
static int
routed_rules(int fd)
{
	int	 r;

	if (unlinkat(fd, "sock", 0) == -1)
		return (1);
	if (unlinkat(fd, "../victim", 0) != -1 || errno != EACCES)
		return (2);
	if (openat(fd, "key", O_RDONLY) != -1 || errno != EACCES)
		return (3);
	if (openat(fd, "new", O_WRONLY | O_CREAT, 0600) != -1 ||
	    errno != EACCES)
		return (4);
	if (open("/etc/hostname", O_RDONLY) != -1 || errno != EACCES)
		return (5);
	if ((r = bind_refused(fd)) != 0)
		return (r);
	return (0);
}

/* tcpd: no file at all, no bind; connect() is its job. */
static int
tcpd_rules(int fd)
{
	struct sockaddr_in	 sin;
	int			 s, r;

	if (openat(fd, ".", O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES)
		return (1);
	if (open("/etc/hostname", O_RDONLY) != -1 || errno != EACCES)
		return (2);
	if ((r = bind_refused(fd)) != 0)
		return (r);
	/* Nothing listens on port 1: refused by the peer, not by us. */
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (3);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(1);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) != -1 ||
	    errno != ECONNREFUSED)
		return (4);
	close(s);
	return (0);
}

/* Make dir/name (a directory when isdir), for the case at hand. */
static void
make(char *p, size_t len, const char *name, int isdir)
{
	int	 fd;

	snprintf(p, len, "%s/%s", dir, name);
	if (isdir)
		assert_int_equal(mkdir(p, 0700), 0);
	else {
		assert_true((fd = open(p, O_WRONLY | O_CREAT, 0600)) != -1);
		close(fd);
	}
}

static void
test_routed(void **state)
{
	char	 sub[sizeof(dir) + 32], p[sizeof(dir) + 32];
	int	 r;

	(void)state;
	make(sub, sizeof(sub), "sub", 1);
	make(p, sizeof(p), "sub/sock", 0);
	make(p, sizeof(p), "sub/key", 0);
	make(p, sizeof(p), "victim", 0);
	r = confined_as(ROUTED, sub, routed_rules);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub/key", dir);
	unlink(p);
	rmdir(sub);
	if (r == 77 || r == 78)
		skip();
	assert_int_equal(r, 0);
}

static void
test_tcpd(void **state)
{
	int	 r;

	(void)state;
	r = confined_as(TCPD, dir, tcpd_rules);
	if (r == 77 || r == 78)
		skip();
	assert_int_equal(r, 0);
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
		cmocka_unit_test(test_routed),
		cmocka_unit_test(test_tcpd),
	};
	int	 r;

	log_init(1, LOG_DAEMON);
	if (mkdtemp(dir) == NULL)
		return (1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return (r);
}
