/* SPDX-License-Identifier: ISC */
/*
 * fdspawn: start a child daemon as ockam-routed would, but with one
 * more descriptor than its channel, and say which descriptors the
 * child holds once it waits for its configuration.
 *
 *	fdspawn file daemon args...
 *
 * The child gets a socketpair on fd 3 and file open on fd 7; after a
 * moment each descriptor of the child is printed as "fd N -> TARGET",
 * then the child is killed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXTRA_FD	7

/* The child's descriptors, as /proc shows them. */
static void
show_fds(pid_t pid)
{
	char		 dir[64], path[PATH_MAX], target[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	ssize_t		 n;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		err(1, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) == -1)
			continue;
		target[n] = '\0';
		printf("fd %s -> %s\n", de->d_name, target);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	struct timespec	 ts = { 0, 300 * 1000 * 1000 };
	pid_t		 pid;
	int		 sp[2], fd;

	if (argc < 3)
		errx(1, "usage: fdspawn file daemon args...");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		err(1, "socketpair");
	if ((fd = open(argv[1], O_RDONLY)) == -1)
		err(1, "%s", argv[1]);
	switch (pid = fork()) {
	case -1:
		err(1, "fork");
	case 0:
		if (dup2(sp[1], 3) == -1 || dup2(fd, EXTRA_FD) == -1)
			_exit(1);
		execv(argv[2], argv + 2);
		_exit(1);
	}
	close(sp[1]);
	nanosleep(&ts, NULL);
	show_fds(pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return (0);
}
