/* SPDX-License-Identifier: ISC */
/*
 * What the helpers that drive a daemon share (poke.h): checks, and the
 * daemon as a child on fd 3 of its own, spoken to in imsgs.
 */
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "imsg.h"
#include "poke.h"
#include "privsep.h"
#include "route.h"
#include "sandbox.h"
#include "streamd.h"

struct child	 child = { .pid = -1 };
int		 failed;

/* All of len bytes to fd; -1 when it fails. */
int
writeall(int fd, const void *p, size_t len)
{
	const unsigned char	*b = p;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		b += n;
		len -= n;
	}
	return (0);
}

void
check(int ok, const char *what)
{
	printf("%s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
}

/*
 * Run fn(arg) in a child of ours, which exits with failed: output in
 * order, checks made there count through the exit status the caller
 * gets back.
 */
int
in_fork(void (*fn)(void *), void *arg)
{
	pid_t	 pid;
	int	 status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		fn(arg);
		fflush(stdout);
		_exit(failed);
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	return (status);
}

/* Start path with argv, exactly as routed starts its children. */
void
child_spawn(const char *name, const char *path, char *const argv[])
{
	int	 fd;

	fflush(stdout);
	child.name = name;
	if ((child.pid = privsep_spawn(path, argv, &fd)) == -1)
		err(1, "spawn %s", path);
	if (imsgbuf_init(&child.ib, fd, PRIVSEP_IMSG_MAX) == -1)
		err(1, "imsgbuf_init");
}

void
child_sendv(uint32_t type, uint32_t peerid, const struct iovec *iov, int n)
{
	if (imsg_composev(&child.ib, type, peerid, 0, -1, iov, n) == -1)
		err(1, "imsg_compose");
	/* The child may be dead already: that is for the caller to see. */
	imsgbuf_flush(&child.ib);
}

void
child_send(uint32_t type, uint32_t peerid, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	child_sendv(type, peerid, &iov, len > 0 ? 1 : 0);
}

/* IMSG_REGRESS_SANDBOX: make the child try what its sandbox forbids. */
void
child_regress_sandbox(uint32_t variant)
{
	child_send(IMSG_REGRESS_SANDBOX, 0, &variant, sizeof(variant));
}

/* The first message of every configuration: who to run as. */
void
child_conf_priv(const char *user)
{
	struct priv_conf	 pc;

	memset(&pc, 0, sizeof(pc));
	strlcpy(pc.user, user, sizeof(pc.user));
	pc.verbose = 2;
	child_send(IMSG_CONF_PRIV, 0, &pc, sizeof(pc));
}

/*
 * Wait up to ms for the child to send, and read what it sent: 1 when
 * something was read, 0 on a timeout, -1 on EOF.
 */
int
child_read(int ms)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = child.ib.fd;
	pfd.events = POLLIN;
	if ((n = poll(&pfd, 1, ms)) == -1)
		err(1, "poll");
	if (n == 0)
		return (0);
	if ((n = imsgbuf_read(&child.ib)) == -1 || n == 0)
		return (-1);
	return (1);
}

/* A whole message already read: 1, or 0 when there is none. */
int
child_get(struct imsg *imsg)
{
	int	 n;

	if ((n = imsgbuf_get(&child.ib, imsg)) == -1)
		errx(1, "malformed imsg header from %s", child.name);
	return (n);
}

/*
 * The next message, waiting up to ms for each read: 1, 0 on EOF, -1 on
 * a timeout.
 */
int
child_recv(struct imsg *imsg, int ms)
{
	for (;;) {
		if (child_get(imsg) == 1)
			return (1);
		switch (child_read(ms)) {
		case 0:
			return (-1);
		case -1:
			return (0);
		}
	}
}

/*
 * The answer to request id of type, waiting up to ms: its payload
 * copied to ans (at most max bytes) and its length, or -1 (said, and
 * the run failed).
 */
ssize_t
child_answer(uint32_t type, uint32_t id, void *ans, size_t max, int ms)
{
	struct imsg	 imsg;
	size_t		 len;
	int		 n;

	if ((n = child_recv(&imsg, ms)) != 1) {
		printf("%s: %s\n", imsg_type_name(type), n == 0 ?
		    "the channel was closed" : "no answer");
		failed = 1;
		return (-1);
	}
	if (imsg.hdr.type != type || imsg.hdr.peerid != id ||
	    imsg.len > max) {
		printf("%s: wrong answer %s peerid %u length %zu\n",
		    imsg_type_name(type), imsg_type_name(imsg.hdr.type),
		    imsg.hdr.peerid, imsg.len);
		failed = 1;
		imsg_free(&imsg);
		return (-1);
	}
	len = imsg.len;
	memcpy(ans, imsg.data, len);
	imsg_free(&imsg);
	return ((ssize_t)len);
}

/* Wait for the child to close the channel, without sending more. */
void
child_drain(int ms)
{
	struct imsg	 imsg;

	while (child_recv(&imsg, ms) == 1) {
		printf("unexpected %s from %s\n",
		    imsg_type_name(imsg.hdr.type), child.name);
		imsg_free(&imsg);
	}
}

/* After CONF_DONE: READY ("ready" printed), 0; or -1 (said). */
int
child_ready(int ms)
{
	struct imsg	 imsg;
	int		 n;

	if ((n = child_recv(&imsg, ms)) != 1) {
		printf("no READY: %s\n", n == 0 ? "channel closed" :
		    "timeout");
		return (-1);
	}
	if (imsg.hdr.type != IMSG_READY || imsg.len != 0)
		errx(1, "expected READY, got %s",
		    imsg_type_name(imsg.hdr.type));
	imsg_free(&imsg);
	printf("ready\n");
	return (0);
}

/*
 * Close the channel (the child exits on EOF) and report how it ended:
 * "child exited: status N" or "child exited: signal N".  Its wait
 * status, or -1 when it had to be killed.
 */
int
child_finish(void)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int		 i, status;
	pid_t		 pid;

	close(child.ib.fd);
	imsgbuf_clear(&child.ib);
	for (i = 0; i < 500; i++) {
		if ((pid = waitpid(child.pid, &status, WNOHANG)) == -1)
			err(1, "waitpid");
		if (pid == child.pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == 500) {
		kill(child.pid, SIGKILL);
		waitpid(child.pid, &status, 0);
		printf("child did not exit: killed\n");
		failed = 1;
		return (-1);
	}
	if (WIFSIGNALED(status))
		printf("child exited: signal %d\n", WTERMSIG(status));
	else
		printf("child exited: status %d\n", WEXITSTATUS(status));
	child.pid = -1;
	return (status);
}

/* The monotonic clock, in seconds and in milliseconds. */
double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

long long
now_ms(void)
{
	return ((long long)(now() * 1000));
}

/* m as a frame into out: u16 big-endian length, then m.  Its size. */
size_t
frame_tmsg(const struct tmsg *m, unsigned char *out, size_t max)
{
	struct ibuf	*b;
	size_t		 n;

	if ((b = ibuf_open(64, 65535)) == NULL || tmsg_encode(b, m) == -1)
		errx(1, "cannot encode the message");
	n = ibuf_size(b);
	if (n + 2 > max)
		errx(1, "frame too long");
	out[0] = n >> 8;
	out[1] = n & 0xff;
	memcpy(out + 2, ibuf_data(b), n);
	ibuf_free(b);
	return (n + 2);
}

/* A role by its name (routed, vault, tcpd, streamd), or -1. */
int
sandbox_role_of(const char *name)
{
	static const char *const	 names[] = {
		[SANDBOX_ROUTED] = "routed",
		[SANDBOX_VAULT] = "vault",
		[SANDBOX_TCPD] = "tcpd",
		[SANDBOX_STREAMD] = "streamd",
		[SANDBOX_STREAMD_REDIS] = "streamd-redis",
		[SANDBOX_TCPD_STATIC] = "tcpd-static",
	};
	size_t				 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return ((int)i);
	return (-1);
}

/*
 * Redis storage for ockam-streamd when the environment variable env
 * holds ADDRESS:PORT (and env_USER, env_PASS the ACL user, password).
 */
void
child_redis_conf(struct streamd_conf *sc, const char *env)
{
	const char	*addr, *colon, *s;
	char		 var[64];

	if ((addr = getenv(env)) == NULL)
		return;
	if ((colon = strrchr(addr, ':')) == NULL ||
	    (size_t)(colon - addr) >= sizeof(sc->redis_host))
		errx(1, "%s=%s: not ADDRESS:PORT", env, addr);
	memcpy(sc->redis_host, addr, colon - addr);
	sc->redis_port = (uint16_t)strtoul(colon + 1, NULL, 10);
	sc->backend = STREAMD_BACKEND_REDIS;
	snprintf(var, sizeof(var), "%s_USER", env);
	if ((s = getenv(var)) != NULL)
		strlcpy(sc->redis_user, s, sizeof(sc->redis_user));
	snprintf(var, sizeof(var), "%s_PASS", env);
	if ((s = getenv(var)) != NULL)
		strlcpy(sc->redis_pass, s, sizeof(sc->redis_pass));
}
