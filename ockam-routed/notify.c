/* SPDX-License-Identifier: ISC */
/*
 * Telling whoever started the node that it is ready (all children up,
 * listeners bound): the parent of a daemonized start, which waits on a
 * pipe and exits 0 when it hears, 1 when the node dies first; and
 * systemd (Type=notify), by one datagram "READY=1" to $NOTIFY_SOCKET,
 * whose socket is connected before the sandbox.  No libsystemd.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "routed.h"

static int	 ready_pipe = -1;	/* to the waiting parent */
static int	 notify_fd = -1;	/* to systemd */

/*
 * daemon(3), but the parent stays until the node is ready: its exit
 * status says whether the node started (the reason is in the log).
 */
void
notify_daemonize(void)
{
	int	 p[2], fd;
	char	 c = 0;
	ssize_t	 n;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n == -1 && errno == EINTR);
		if (n == 1 && c == 'R')
			_exit(0);
		fprintf(stderr, "ockam-routed: the node did not start; its "
		    "log says why\n");
		_exit(1);
	}
	close(p[0]);
	ready_pipe = p[1];
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		fatal("dup2");
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Before the sandbox: connect to systemd's socket, if there is one. */
void
notify_init(void)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || path[0] == '\0')
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (path[0] != '/' && path[0] != '@')) {
		log_warnx("NOTIFY_SOCKET %s: not a socket path; systemd will "
		    "not hear that the node is ready", path);
		return;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1 || connect(notify_fd, (struct sockaddr *)&sun, len) == -1) {
		log_warn("NOTIFY_SOCKET %s", path);
		if (notify_fd != -1)
			close(notify_fd);
		notify_fd = -1;
	}
}

static void
notify_send(const char *what)
{
	if (notify_fd != -1 && write(notify_fd, what, strlen(what)) == -1)
		log_warn("NOTIFY_SOCKET: %s", what);
}

/* All children up, listeners bound: say so. */
void
notify_ready(void)
{
	char	 msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld", (long)getpid());
	notify_send(msg);
	if (ready_pipe != -1) {
		if (write(ready_pipe, "R", 1) == -1)
			log_warn("ready pipe");
		close(ready_pipe);
		ready_pipe = -1;
	}
}

/* A reload starts: systemd waits for READY=1 again (sd_notify(3)). */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[80];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}
