/* SPDX-License-Identifier: ISC */
/*
 * sandboxtry: confine a child of ours exactly as a role confines
 * itself (its kept directory, Landlock, the seccomp filter; no chroot,
 * as when a node is started unprivileged), make it try what the
 * sandbox forbids (privsep_regress_violate(), REGRESS_SB_*), and say
 * how it ended.
 *
 *	sandboxtry routed | vault | tcpd | tcpd-static | streamd dir variant
 *
 * dir is the role's kept directory (routed: its control socket's,
 * the vault: its key directory, streamd: its data directory; tcpd
 * keeps none).  The child logs
 * "regress: ... refused: ..." on stderr; the last line is "exit N" or
 * "signal N".
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/poke.h"
#include "landlock.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"

struct try {
	enum sandbox_role	 role;
	const char		*dir;
	uint32_t		 variant;
};

static void
try_child(void *arg)
{
	struct try	*t = arg;
	int		 dirfd = -1, r;

	if (t->role != SANDBOX_TCPD && t->role != SANDBOX_TCPD_STATIC) {
		if ((dirfd = open(t->dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			err(1, "%s", t->dir);
		dirfd = sandbox_keep_dir(dirfd);
	}
	switch (t->role) {
	case SANDBOX_ROUTED:
		r = landlock_confine_routed(dirfd, -1);
		break;
	case SANDBOX_VAULT:
		r = landlock_confine_dir(dirfd);
		break;
	case SANDBOX_STREAMD:
		r = landlock_confine_streamd(dirfd);
		break;
	default:
		r = landlock_confine_tcpd(t->role == SANDBOX_TCPD);
		break;
	}
	if (r == -1)
		errx(1, "Landlock");
	sandbox_enter(t->role, NULL, 0);
	privsep_regress_violate(t->variant, dirfd);
}

int
main(int argc, char *argv[])
{
	struct try	 t;
	const char	*errstr;
	int		 st, role;

	if (argc != 4)
		errx(1, "usage: sandboxtry routed | vault | tcpd | tcpd-static | "
		    "streamd dir variant");
	if ((role = sandbox_role_of(argv[1])) == -1)
		errx(1, "unknown role %s", argv[1]);
	t.role = role;
	t.dir = argv[2];
	t.variant = strtonum(argv[3], 0, REGRESS_SB_MAX, &errstr);
	if (errstr != NULL)
		errx(1, "variant %s: %s", argv[3], errstr);
	log_init(1, LOG_DAEMON);
	log_setverbose(2);
	log_procinit(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	st = in_fork(try_child, &t);
	if (WIFSIGNALED(st))
		printf("signal %d\n", WTERMSIG(st));
	else
		printf("exit %d\n", WEXITSTATUS(st));
	return (0);
}
