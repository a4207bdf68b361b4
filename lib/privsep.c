/* SPDX-License-Identifier: ISC */
/*
 * What the three processes of a node share: the names of the messages
 * they say to each other and the check of each against the receiver's
 * table, the spawning of a child, the privilege drop (chroot,
 * setgroups, setresgid, setresuid) and the regress build's sandbox
 * probes.  A child's own scaffold is child.c.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"

static const char *const imsg_names[] = {
	[IMSG_NONE] = "NONE",
	[IMSG_CONF_PRIV] = "CONF_PRIV",
	[IMSG_CONF_DONE] = "CONF_DONE",
	[IMSG_READY] = "READY",
	[IMSG_CTL_VERBOSE] = "CTL_VERBOSE",
	[IMSG_REGRESS_SANDBOX] = "REGRESS_SANDBOX",
	[IMSG_REGRESS_BADIMSG] = "REGRESS_BADIMSG",
	[IMSG_REGRESS_CONNID] = "REGRESS_CONNID",
	[IMSG_VAULT_CONF] = "VAULT_CONF",
	[IMSG_VAULT_IDENTITY] = "VAULT_IDENTITY",
	[IMSG_VAULT_SIGN_STATIC] = "VAULT_SIGN_STATIC",
	[IMSG_VAULT_FREE] = "VAULT_FREE",
	[IMSG_VAULT_HANDSHAKE] = "VAULT_HANDSHAKE",
	[IMSG_VAULT_PIN] = "VAULT_PIN",
	[IMSG_TCP_LISTEN] = "TCP_LISTEN",
	[IMSG_TCP_TLSCONF] = "TCP_TLSCONF",
	[IMSG_TCP_SEND] = "TCP_SEND",
	[IMSG_TCP_RECV] = "TCP_RECV",
	[IMSG_TCP_UP] = "TCP_UP",
	[IMSG_TCP_DOWN] = "TCP_DOWN",
	[IMSG_TCP_FAIL] = "TCP_FAIL",
	[IMSG_TCP_XOFF] = "TCP_XOFF",
	[IMSG_TCP_XON] = "TCP_XON",
	[IMSG_TCP_CLOSE] = "TCP_CLOSE",
	[IMSG_TCP_LIMITS] = "TCP_LIMITS",
	[IMSG_TCP_STOPREAD] = "TCP_STOPREAD",
	[IMSG_TCP_READ] = "TCP_READ",
	[IMSG_TCP_CUT] = "TCP_CUT",
	[IMSG_TCP_UNCUT] = "TCP_UNCUT",
	[IMSG_STREAMD_CONF] = "STREAMD_CONF",
	[IMSG_STREAMD_OPEN] = "STREAMD_OPEN",
	[IMSG_STREAMD_APPEND] = "STREAMD_APPEND",
	[IMSG_STREAMD_READ] = "STREAMD_READ",
	[IMSG_STREAMD_STAT] = "STREAMD_STAT",
	[IMSG_STREAMD_SAVE] = "STREAMD_SAVE",
	[IMSG_STREAMD_GET] = "STREAMD_GET",
	[IMSG_STREAMD_LIST] = "STREAMD_LIST",
	[IMSG_TCP_INLET] = "TCP_INLET",
	[IMSG_TCP_PORTAL_OPEN] = "TCP_PORTAL_OPEN",
	[IMSG_TCP_PORTAL_UP] = "TCP_PORTAL_UP",
	[IMSG_TCP_PORTAL_DATA] = "TCP_PORTAL_DATA",
	[IMSG_TCP_PORTAL_CREDIT] = "TCP_PORTAL_CREDIT",
	[IMSG_TCP_PORTAL_WROTE] = "TCP_PORTAL_WROTE",
	[IMSG_TCP_PORTAL_SHUT] = "TCP_PORTAL_SHUT",
	[IMSG_TCP_PORTAL_CLOSE] = "TCP_PORTAL_CLOSE",
	[IMSG_TCP_PORTAL_DOWN] = "TCP_PORTAL_DOWN",
	[IMSG_TCP_RUNBIND] = "TCP_RUNBIND",
	[IMSG_TCP_BOUND] = "TCP_BOUND",
	[IMSG_TCP_UNLISTEN] = "TCP_UNLISTEN",
};
/* Every type has its name: a new one without is a compile error. */
_Static_assert(sizeof(imsg_names) / sizeof(imsg_names[0]) == IMSG_MAX,
    "imsg_names does not match enum imsg_type");

const char *
imsg_type_name(uint32_t type)
{
	static char	 buf[32];

	if (type < IMSG_MAX && imsg_names[type] != NULL)
		return (imsg_names[type]);
	snprintf(buf, sizeof(buf), "unknown type %u", type);
	return (buf);
}

/* A malformed message from a sibling: it cannot be trusted any more. */
void
imsg_bad(const char *from, struct imsg *imsg, const char *why)
{
	fatalx("malformed imsg %s from %s (length %zu): %s",
	    imsg_type_name(imsg->hdr.type), from, imsg->len, why);
}

/* Find the unprivileged user; it may not be root. */
int
privsep_user(const char *user, struct privsep_ids *ids, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "unknown user \"%s\"%s%s", user,
		    errno ? ": " : " (create it, see README)",
		    errno ? strerror(errno) : "");
		return (-1);
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user \"%s\" is root: refusing to run "
		    "the node unprivileged as root", user);
		return (-1);
	}
	if (strlcpy(ids->home, pw->pw_dir, sizeof(ids->home)) >=
	    sizeof(ids->home)) {
		snprintf(err, errlen, "home directory of \"%s\" too long",
		    user);
		return (-1);
	}
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	return (0);
}

/*
 * Find the unprivileged user and check the directory it will be
 * chrooted to: it must exist, be owned by root and not be writable by
 * anyone else, or the chroot buys nothing.
 */
int
privsep_lookup(const char *user, const char *dir, struct privsep_ids *ids,
    char *err, size_t errlen)
{
	struct stat	 sb;

	if (privsep_user(user, ids, err, errlen) == -1)
		return (-1);
	if (dir == NULL || dir[0] == '\0')
		dir = ids->home;
	if (stat(dir, &sb) == -1) {
		snprintf(err, errlen, "chroot directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "chroot directory %s must be a "
		    "directory owned by root and writable only by root", dir);
		return (-1);
	}
	return (0);
}

/*
 * What every process does, root or not: no core, no ptrace.  Returns 1
 * as root; as anybody else there is nothing to drop: said, 0.
 */
static int
privsep_nodump(void)
{
	struct rlimit	 rl;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit RLIMIT_CORE");
	if (geteuid() == 0)
		return (1);
	log_debug("not started as root: no chroot, running as uid %d",
	    (int)geteuid());
	return (0);
}

/* Become user for good, and prove it.  The chroot is done. */
static void
privsep_setids(const char *user, const struct privsep_ids *ids,
    const char *dir)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid;

	if (setgroups(1, &ids->gid) == -1 ||
	    setresgid(ids->gid, ids->gid, ids->gid) == -1 ||
	    setresuid(ids->uid, ids->uid, ids->uid) == -1)
		fatal("cannot drop privileges to %s", user);

	/* Prove it: the old ids must be gone for good. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("getresuid");
	if (ruid != ids->uid || euid != ids->uid || suid != ids->uid ||
	    rgid != ids->gid || egid != ids->gid || sgid != ids->gid)
		fatalx("privilege drop to %s did not take", user);
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("was able to regain root after dropping privileges");

	/* Dropping uid re-enables dumping on Linux: switch it off again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	log_debug("chrooted to %s, running as %s (uid %d)", dir, user,
	    (int)ids->uid);
}

/*
 * As root: chroot to dir (the user's home when dir is empty) and
 * become user for good.  As anybody else there is nothing to drop;
 * say so once.  Either way the process is made non-dumpable.
 */
void
privsep_drop(const char *user, const char *dir)
{
	struct privsep_ids	 ids;
	char			 err[512];

	if (!privsep_nodump())
		return;
	if (privsep_lookup(user, dir, &ids, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (dir == NULL || dir[0] == '\0')
		dir = ids.home;
	if (chroot(dir) == -1)
		fatal("chroot %s", dir);
	if (chdir("/") == -1)
		fatal("chdir /");
	privsep_setids(user, &ids, dir);
}

/*
 * The same, into a directory that belongs to user and to nobody else
 * (the vault's key directory), already open on dirfd: the chroot is
 * made through the descriptor, so it lands in the very directory that
 * was checked, whatever happened to its path since.  dir is for the
 * messages only.
 */
void
privsep_drop_private(const char *user, int dirfd, const char *dir)
{
	struct privsep_ids	 ids;
	struct stat		 sb;
	char			 err[512];

	if (!privsep_nodump())
		return;
	if (privsep_user(user, &ids, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (fstat(dirfd, &sb) == -1)
		fatal("chroot directory %s", dir);
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != ids.uid ||
	    (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		fatalx("chroot directory %s must be a directory owned by %s "
		    "and private to it (mode 0700)", dir, user);
	if (fchdir(dirfd) == -1)
		fatal("fchdir %s", dir);
	if (chroot(".") == -1)
		fatal("chroot %s", dir);
	if (chdir("/") == -1)
		fatal("chdir /");
	privsep_setids(user, &ids, dir);
}

/*
 * A directory a child keeps (the vault's keys, streamd's streams):
 * created when missing (mode 0700, given to user when we are root),
 * then it must belong to the user the child runs as and to nobody
 * else.  what names it in messages, who that user when not root.
 * Returns its descriptor.
 */
int
privsep_private_dir(const char *user, const char *dir, const char *what,
    const char *who)
{
	struct privsep_ids	 ids;
	struct stat		 sb;
	char			 err[512];
	int			 fd, created = 0;

	if (geteuid() == 0) {
		if (privsep_user(user, &ids, err, sizeof(err)) == -1)
			fatalx("%s", err);
	} else {
		ids.uid = geteuid();
		ids.gid = getegid();
	}
	if (mkdir(dir, 0700) == 0)
		created = 1;
	else if (errno != EEXIST)
		fatal("%s %s", what, dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s %s", what, dir);
	if (created && geteuid() == 0 && fchown(fd, ids.uid, ids.gid) == -1)
		fatal("%s %s: chown", what, dir);
	if (fstat(fd, &sb) == -1)
		fatal("%s %s", what, dir);
	if (!S_ISDIR(sb.st_mode))
		fatalx("%s %s: not a directory", what, dir);
	if (sb.st_uid != ids.uid)
		fatalx("%s %s is owned by uid %d: it must be owned by %s "
		    "(uid %d)", what, dir, (int)sb.st_uid,
		    geteuid() == 0 ? user : who, (int)ids.uid);
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		fatalx("%s %s has mode %04o: group and others must have no "
		    "access (mode 0700)", what, dir,
		    (unsigned int)(sb.st_mode & 07777));
	if (created)
		log_info("created %s %s", what, dir);
	return (fd);
}

/*
 * Test-only hooks (compiled in with OCKAM_REGRESS).  The first tries
 * what the sandbox forbids (REGRESS_SB_*): dirfd is the directory the
 * process keeps (-1: none).  Those that are killed do not come back.
 */
#ifdef OCKAM_REGRESS
static void
regress_result(const char *what, int r)
{
	if (r == -1)
		log_warn("regress: %s refused", what);
	else
		log_warnx("regress: %s succeeded: the sandbox let it through",
		    what);
}

/*
 * A TCP socket bound to 127.0.0.1 (port 0), or connected to port 1 of
 * it (never a daemon's peer): what the sandbox must stop.
 */
static void
regress_tcp(int do_connect)
{
	struct sockaddr_in	 sin;
	int			 s;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		regress_result("socket", -1);
		return;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (do_connect) {
		sin.sin_port = htons(1);
		regress_result("connect to port 1", connect(s,
		    (struct sockaddr *)&sin, sizeof(sin)));
	} else {
		log_warnx("regress: binding a TCP socket, the sandbox must "
		    "stop it");
		regress_result("bind", bind(s, (struct sockaddr *)&sin,
		    sizeof(sin)));
	}
	close(s);
}
#endif

void
privsep_regress_violate(uint32_t variant, int dirfd)
{
#ifdef OCKAM_REGRESS
	char		*argv[] = { "ockam-regress", NULL };
	struct stat	 sb;
	int		 fd;

	log_warnx("regress: sandbox variant %u", variant);
	switch (variant) {
	case REGRESS_SB_EXEC:
		log_warnx("regress: calling execve, the sandbox must kill us");
		execve("/nonexistent/ockam-regress", argv, NULL);
		regress_result("execve", 0);
		break;
	case REGRESS_SB_UNLINK:
		regress_result("unlinkat(AT_FDCWD)",
		    unlinkat(AT_FDCWD, REGRESS_VICTIM, 0));
		break;
	case REGRESS_SB_STAT:
		regress_result("stat /etc/shadow", stat("/etc/shadow", &sb));
		break;
	case REGRESS_SB_STATDIR:
		regress_result("fstatat(dir, \"..\")", fstatat(dirfd != -1 ?
		    dirfd : AT_FDCWD, "..", &sb, AT_EMPTY_PATH));
		break;
	case REGRESS_SB_ESCAPE:
		if (dirfd == -1) {
			log_warnx("regress: no directory to escape from");
			break;
		}
		regress_result("unlinkat(dir, \"../" REGRESS_VICTIM "\")",
		    unlinkat(dirfd, "../" REGRESS_VICTIM, 0));
		fd = openat(dirfd, "/etc/passwd", O_RDONLY | O_CLOEXEC);
		regress_result("openat(dir, \"/etc/passwd\")", fd);
		if (fd != -1)
			close(fd);
		fd = openat(dirfd, "../" REGRESS_VICTIM, O_RDONLY | O_CLOEXEC);
		regress_result("openat(dir, \"../" REGRESS_VICTIM "\")", fd);
		if (fd != -1)
			close(fd);
		break;
	case REGRESS_SB_BIND:
	case REGRESS_SB_CONNECT:
		regress_tcp(variant == REGRESS_SB_CONNECT);
		break;
	default:
		log_warnx("regress: unknown sandbox variant %u", variant);
		break;
	}
#else
	(void)variant;
	(void)dirfd;
#endif
}

/*
 * Hand imsg, from the process named from, to its entry of a request
 * table, after checking that it may come in this phase, may come again
 * and has the right size; used[] (one per entry) records what came.  A
 * handler of NULL marks a message that is known but handled elsewhere:
 * here it is out of phase.  Returns 0 when the table does not have the
 * type: the caller says what that means for the sender.
 */
int
privsep_dispatch(const char *from, const struct privsep_req *reqs, size_t n,
    int *used, int phase, struct imsg *imsg)
{
	const struct privsep_req	*r;
	size_t				 i;

	for (i = 0; i < n; i++) {
		r = &reqs[i];
		if (r->type != imsg->hdr.type)
			continue;
		if (!(r->phases & PRIVSEP_PHASE(phase)) || r->handler == NULL)
			imsg_bad(from, imsg, "not permitted now");
		if ((r->flags & PRIVSEP_REQ_ONCE) && used[i])
			imsg_bad(from, imsg, "not permitted twice");
		if ((r->flags & PRIVSEP_REQ_MSG) ? imsg->len < r->len :
		    imsg->len != r->len)
			imsg_bad(from, imsg, "size");
		used[i] = 1;
		r->handler(imsg);
		return (1);
	}
	return (0);
}

/*
 * The next message from the process named from: 1, or 0 when none is
 * complete yet.  A header that lies is fatal (the sender cannot be
 * trusted any more), and so is a lack of memory, said as such.
 */
int
privsep_get(struct imsgbuf *ib, struct imsg *imsg, const char *from)
{
	int	 n;

	if ((n = imsgbuf_get(ib, imsg)) == -1) {
		if (errno == EBADMSG)
			fatalx("malformed imsg header from %s: the process "
			    "cannot be trusted", from);
		fatal("imsg from %s", from);
	}
	return (n);
}

/*
 * fork+exec a child with its end of a new socketpair on fd 3 and no
 * other descriptor, signals unblocked.  Returns its pid; *fd gets our
 * end (close-on-exec).  Used by routed and by the regress helpers that
 * play routed, so that both start a child the same way.
 */
pid_t
privsep_spawn(const char *path, char *const argv[], int *fd)
{
	sigset_t	 mask;
	pid_t		 pid;
	int		 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return (-1);
	switch (pid = fork()) {
	case -1:
		close(sp[0]);
		close(sp[1]);
		return (-1);
	case 0:
		/* Blocked signals would survive exec: unblock them. */
		sigemptyset(&mask);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		if (sp[1] == PRIVSEP_FD) {
			if (fcntl(sp[1], F_SETFD, 0) == -1)
				_exit(1);
		} else if (dup2(sp[1], PRIVSEP_FD) == -1)
			_exit(1);
		closefrom(PRIVSEP_FD + 1);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	close(sp[1]);
	*fd = sp[0];
	return (pid);
}
