/* SPDX-License-Identifier: ISC */
/*
 * seccomp filters, one per role, built with libseccomp.  What is not
 * listed kills the process (SCMP_ACT_KILL_PROCESS): routed then logs
 * which child died of SIGSYS and stops the node.
 *
 * A few calls that libc makes on its own (syslog reconnecting, lazy
 * loading of locale or NSS files) fail with EACCES instead of killing,
 * as OpenSSH's filter does, so that a library fallback cannot take
 * the node down; none of them gets anything done.
 *
 * Order (OpenSSH's): rlimits, PR_SET_NO_NEW_PRIVS, then the filter.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/*
 * The one directory a process keeps (routed: its control socket's,
 * the vault: its key directory, streamd: its data directory), the
 * only place where it may reach files.  It is moved to the top of the
 * descriptor table (sandbox_keep_dir()) and no descriptor may be made
 * above it, so that the filter can tell it from every other by number
 * alone.  sandbox_dump() shows the filter for a sample descriptor
 * number when none was given.
 */
#define SANDBOX_FD_TOP		1024
#define SANDBOX_DUMP_DIRFD	(SANDBOX_FD_TOP - 1)
static int	 sandbox_dirfd = -1;
/*
 * routed's second directory: its configuration's, read again on
 * reload, kept right below the first (sandbox_keep_conf()).
 */
static int	 sandbox_confdirfd = -1;

#define ALLOW(ctx, name)	\
	sandbox_rule((ctx), SCMP_ACT_ALLOW, SCMP_SYS(name), #name)
#define DENY(ctx, name)		\
	sandbox_rule((ctx), SCMP_ACT_ERRNO(EACCES), SCMP_SYS(name), #name)

static void
sandbox_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name)
{
	int	 r;

	if ((r = seccomp_rule_add(ctx, action, nr, 0)) < 0)
		fatalx("seccomp rule for %s: %s", name, strerror(-r));
}

/*
 * What every role needs: its channels, memory, time and exit.  dirfd
 * is the directory the role keeps (-1: none); only the vault opens
 * files, and its openat() rules are its own.  net is for tcpd, whose
 * socket() and connect() rules are its own.
 *
 * fstat(3) is newfstatat(fd, "", sb, AT_EMPTY_PATH) in glibc 2.36:
 * newfstatat is allowed with exactly that flag, on a descriptor below
 * the kept directory (or any non-negative one when there is none), so
 * never on AT_FDCWD or that directory.  The path cannot be checked: a
 * relative one from a socket or a file fails (ENOTDIR), an absolute
 * one resolves from the root, the chroot's when started as root
 * (ockam-routed(8)).  Arguments are compared as 64-bit values: "below"
 * also refuses an int padded with high bits, which the kernel would
 * truncate.
 */
static void
sandbox_common(scmp_filter_ctx ctx, int dirfd, int files, int net)
{
	scmp_datum_t	 top;
	int		 r;

	ALLOW(ctx, read);
	ALLOW(ctx, readv);
	ALLOW(ctx, write);
	ALLOW(ctx, writev);
	ALLOW(ctx, recvmsg);
	ALLOW(ctx, sendmsg);
	ALLOW(ctx, sendto);		/* syslog(3) */
	ALLOW(ctx, close);
	ALLOW(ctx, poll);
	ALLOW(ctx, ppoll);
	ALLOW(ctx, fcntl);
	ALLOW(ctx, fstat);
	ALLOW(ctx, lseek);
	ALLOW(ctx, brk);
	ALLOW(ctx, munmap);
	ALLOW(ctx, mremap);
	ALLOW(ctx, madvise);
	ALLOW(ctx, futex);
	ALLOW(ctx, getrandom);
	ALLOW(ctx, getpid);
	ALLOW(ctx, gettid);
	ALLOW(ctx, clock_gettime);
	ALLOW(ctx, gettimeofday);
	ALLOW(ctx, time);
	ALLOW(ctx, nanosleep);
	ALLOW(ctx, clock_nanosleep);
	ALLOW(ctx, rt_sigprocmask);
	ALLOW(ctx, rt_sigreturn);
	ALLOW(ctx, restart_syscall);
	ALLOW(ctx, exit);
	ALLOW(ctx, exit_group);

	/* Memory, but never executable. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		fatalx("seccomp rule for mmap: %s", strerror(-r));
	top = dirfd != -1 ? (scmp_datum_t)dirfd : (scmp_datum_t)INT_MAX + 1;
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat),
	    2, SCMP_A0(SCMP_CMP_LT, top),
	    SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH))) < 0)
		fatalx("seccomp rule for newfstatat: %s", strerror(-r));

	/* libc's own probes: refuse quietly. */
	if (!files)
		DENY(ctx, openat);
	DENY(ctx, open);
	if (!net) {
		DENY(ctx, socket);
		DENY(ctx, connect);
	}

#ifdef OCKAM_SANITIZE
	/*
	 * The regress build only: ASan looks at the signal stack before
	 * every call that does not return (fatal(), exit()).
	 */
	ALLOW(ctx, sigaltstack);
#endif
}

/*
 * routed's reload: its configuration files, read-only, relative to
 * their directory (and stat'ed there first: a FIFO would block open).
 * openat() with other flags, or on any other directory, fails with
 * EACCES like libc's probes.
 */
static void
sandbox_routed_conf(scmp_filter_ctx ctx, int confdirfd)
{
	scmp_datum_t	 fd = (scmp_datum_t)confdirfd;
	scmp_datum_t	 ro = (scmp_datum_t)(O_RDONLY | O_CLOEXEC);
	int		 r;

	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
	    SCMP_A0(SCMP_CMP_EQ, fd), SCMP_A2(SCMP_CMP_EQ, ro))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(openat), 2, SCMP_A0(SCMP_CMP_EQ, fd),
	    SCMP_A2(SCMP_CMP_NE, ro))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(openat), 1, SCMP_A0(SCMP_CMP_NE, fd))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat),
	    2, SCMP_A0(SCMP_CMP_EQ, fd), SCMP_A3(SCMP_CMP_EQ, 0))) < 0)
		fatalx("seccomp rule for the configuration's directory: %s",
		    strerror(-r));
}

/*
 * routed: its control clients and its children.  unlinkat() only
 * relative to the control socket's directory, for the socket, at exit
 * (Landlock keeps it beneath that directory, where the kernel has it).
 */
static void
sandbox_routed(scmp_filter_ctx ctx, int dirfd, int confdirfd,
    const pid_t *pids, int npids)
{
	int	 i, r;

	ALLOW(ctx, accept4);		/* control clients */
	ALLOW(ctx, getsockopt);		/* SO_PEERCRED, SO_PEERGROUPS */
	ALLOW(ctx, shutdown);
	ALLOW(ctx, wait4);		/* reap the children */
	if (dirfd != -1 && (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
	    SCMP_SYS(unlinkat), 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dirfd),
	    SCMP_A2(SCMP_CMP_EQ, 0))) < 0)
		fatalx("seccomp rule for unlinkat: %s", strerror(-r));
	/* Signals go to our own children and nobody else. */
	for (i = 0; i < npids; i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill),
		    1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pids[i]))) < 0)
			fatalx("seccomp rule for kill: %s", strerror(-r));
	if (confdirfd != -1)
		sandbox_routed_conf(ctx, confdirfd);
}

/*
 * Files reached only relative to the kept directory's descriptor (the
 * process is chrooted there as well when started as root).  openat()
 * on any other directory fails with EACCES like libc's probes;
 * renaming or removing anywhere else kills.
 */
static void
sandbox_dir_files(scmp_filter_ctx ctx, int dirfd)
{
	scmp_datum_t	 fd = (scmp_datum_t)dirfd;
	int		 r;

	ALLOW(ctx, fsync);
	ALLOW(ctx, fdatasync);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A0(SCMP_CMP_EQ, fd))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(openat), 1, SCMP_A0(SCMP_CMP_NE, fd))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(renameat), 2,
	    SCMP_A0(SCMP_CMP_EQ, fd), SCMP_A2(SCMP_CMP_EQ, fd))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(renameat2),
	    2, SCMP_A0(SCMP_CMP_EQ, fd), SCMP_A2(SCMP_CMP_EQ, fd))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 2,
	    SCMP_A0(SCMP_CMP_EQ, fd), SCMP_A2(SCMP_CMP_EQ, 0))) < 0)
		fatalx("seccomp rule for the kept directory: %s",
		    strerror(-r));
}

/*
 * The vault: computation over its channel, plus its key files (see
 * above).  mlock/munlock are for sodium_malloc().
 */
static void
sandbox_vault(scmp_filter_ctx ctx, int dirfd)
{
	ALLOW(ctx, mlock);
	ALLOW(ctx, munlock);
	if (dirfd == -1)
		return;		/* no key storage: openat stays denied */
	sandbox_dir_files(ctx, dirfd);
}

/*
 * streamd: its stream files (see above), read and written at an
 * offset, cut back after a failed write, listed; a stream's directory
 * made, relative to the data directory alone.
 */
static void
sandbox_streamd(scmp_filter_ctx ctx, int dirfd)
{
	int	 r;

	sandbox_dir_files(ctx, dirfd);
	ALLOW(ctx, pread64);
	ALLOW(ctx, pwrite64);
	ALLOW(ctx, pwritev);
	ALLOW(ctx, ftruncate);
	ALLOW(ctx, getdents64);
	ALLOW(ctx, io_submit);		/* fsyncs in the background */
	ALLOW(ctx, io_getevents);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mkdirat), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dirfd))) < 0)
		fatalx("seccomp rule for mkdirat: %s", strerror(-r));
}

/*
 * A TCP client, as tcpd and streamd with Redis storage make one.
 * socket() only for TCP over IPv4 or IPv6, exactly as they make it
 * (non-blocking, close-on-exec, protocol 0); another type or protocol,
 * or AF_UNIX (syslog(3) reconnecting, nscd probes), fails with EACCES;
 * a socket of any other family of that exact type kills.  connect()
 * takes any descriptor (a seccomp filter cannot read the address, and
 * the only sockets they can make are TCP ones).  Socket options:
 * SO_ERROR after a non-blocking connect(), SO_KEEPALIVE, TCP_NODELAY.
 */
#define TCP_SOCK_TYPE	(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

static void
sandbox_tcp_client(scmp_filter_ctx ctx)
{
	int	 r;

	ALLOW(ctx, connect);
	ALLOW(ctx, shutdown);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET), SCMP_A1(SCMP_CMP_EQ, TCP_SOCK_TYPE),
	    SCMP_A2(SCMP_CMP_EQ, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET6),
	    SCMP_A1(SCMP_CMP_EQ, TCP_SOCK_TYPE),
	    SCMP_A2(SCMP_CMP_EQ, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 1, SCMP_A1(SCMP_CMP_NE, TCP_SOCK_TYPE))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 1, SCMP_A2(SCMP_CMP_NE, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0)
		fatalx("seccomp rule for socket: %s", strerror(-r));
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_ERROR))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_KEEPALIVE))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
	    SCMP_A2(SCMP_CMP_EQ, TCP_NODELAY))) < 0)
		fatalx("seccomp rule for socket options: %s", strerror(-r));
}

/*
 * streamd with Redis storage: no files, one TCP connection to Redis,
 * made again when Redis restarts (Landlock keeps connect() to Redis's
 * port where the kernel has network rules), with send and receive
 * timeouts.
 */
static void
sandbox_streamd_redis(scmp_filter_ctx ctx)
{
	int	 r;

	sandbox_tcp_client(ctx);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_RCVTIMEO))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_SNDTIMEO))) < 0)
		fatalx("seccomp rule for socket timeouts: %s", strerror(-r));
}

/*
 * tcpd: TCP sockets (sandbox_tcp_client()) and nothing for files.
 * Socket options: besides a client's, the ones conn_sockopts() sets.
 * Listeners and inlets added at run time (reload, ockamctl tcp-inlet)
 * are bound here, by the unprivileged tcpd: bind(), listen(),
 * getsockname() and the options of listener_bind(); the kernel keeps
 * the ports below 1024 for root.  With "listen static" in ockam.conf
 * (SANDBOX_TCPD_STATIC) every listener was bound at start-up, and
 * bind() and listen() kill.
 */
static void
sandbox_tcpd(scmp_filter_ctx ctx, int bind)
{
	static const int	 tcpopts[] = {
		TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT
	};
	size_t			 i;
	int			 r;

	sandbox_tcp_client(ctx);
	ALLOW(ctx, shutdown);		/* a portal's half-close */
	ALLOW(ctx, epoll_ctl);		/* the set made before (watch.c) */
	ALLOW(ctx, epoll_wait);
	ALLOW(ctx, epoll_pwait);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
	    SCMP_A3(SCMP_CMP_EQ, SOCK_NONBLOCK | SOCK_CLOEXEC))) < 0)
		fatalx("seccomp rule for accept4: %s", strerror(-r));
	for (i = 0; i < sizeof(tcpopts) / sizeof(tcpopts[0]); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(setsockopt), 2, SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
		    SCMP_A2(SCMP_CMP_EQ, tcpopts[i]))) < 0)
			fatalx("seccomp rule for setsockopt: %s",
			    strerror(-r));
	if (!bind)
		return;
	ALLOW(ctx, bind);
	ALLOW(ctx, listen);
	ALLOW(ctx, getsockname);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_REUSEADDR))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt),
	    2, SCMP_A1(SCMP_CMP_EQ, IPPROTO_IPV6),
	    SCMP_A2(SCMP_CMP_EQ, IPV6_V6ONLY))) < 0)
		fatalx("seccomp rule for a listener's options: %s",
		    strerror(-r));
}

static scmp_filter_ctx
sandbox_build(enum sandbox_role role, const pid_t *pids, int npids,
    int dirfd, int confdirfd)
{
	scmp_filter_ctx	 ctx;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	if (role == SANDBOX_TCPD || role == SANDBOX_TCPD_STATIC)
		dirfd = -1;
	if (role != SANDBOX_ROUTED || dirfd == -1)
		confdirfd = -1;
	sandbox_common(ctx, confdirfd != -1 ? confdirfd : dirfd,
	    ((role == SANDBOX_VAULT || role == SANDBOX_STREAMD) &&
	    dirfd != -1) || confdirfd != -1, role == SANDBOX_TCPD ||
	    role == SANDBOX_TCPD_STATIC || role == SANDBOX_STREAMD_REDIS);
	switch (role) {
	case SANDBOX_ROUTED:
		sandbox_routed(ctx, dirfd, confdirfd, pids, npids);
		break;
	case SANDBOX_VAULT:
		sandbox_vault(ctx, dirfd);
		break;
	case SANDBOX_TCPD:
	case SANDBOX_TCPD_STATIC:
		sandbox_tcpd(ctx, role == SANDBOX_TCPD);
		break;
	case SANDBOX_STREAMD:
		if (dirfd == -1)
			fatalx("streamd has no data directory");
		sandbox_streamd(ctx, dirfd);
		break;
	case SANDBOX_STREAMD_REDIS:
		sandbox_streamd_redis(ctx);
		break;
	}
	return (ctx);
}

/*
 * Keep dirfd (-1: none) across sandbox_enter(): it is moved to the top
 * of the descriptor table (below SANDBOX_FD_TOP and RLIMIT_NOFILE) and
 * sandbox_enter() lowers RLIMIT_NOFILE to it.  Returns the descriptor
 * to use from now on.
 */
int
sandbox_keep_dir(int dirfd)
{
	struct rlimit	 rl;
	rlim_t		 lim = SANDBOX_FD_TOP;
	int		 fd;

	if (dirfd == -1) {
		sandbox_dirfd = -1;
		return (-1);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit RLIMIT_NOFILE");
	if (rl.rlim_cur < lim)
		lim = rl.rlim_cur;
	if ((rlim_t)dirfd < lim - 1) {
		if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, (int)lim - 1)) == -1)
			fatal("cannot move descriptor %d up", dirfd);
		close(dirfd);
		dirfd = fd;
	}
	sandbox_dirfd = dirfd;
	return (dirfd);
}

/*
 * routed: keep its configuration's directory as well, right below the
 * one sandbox_keep_dir() kept (called first), so that the filter tells
 * both from every other descriptor.  Returns the descriptor to use.
 */
int
sandbox_keep_conf(int dirfd)
{
	int	 fd;

	if (dirfd == -1 || sandbox_dirfd < 1)
		fatalx("%s: no directory to keep it below", __func__);
	if (dirfd != sandbox_dirfd - 1) {
		if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, sandbox_dirfd - 1)) ==
		    -1)
			fatal("cannot move descriptor %d up", dirfd);
		if (fd != sandbox_dirfd - 1)
			fatalx("descriptor %d is taken", sandbox_dirfd - 1);
		close(dirfd);
		dirfd = fd;
	}
	sandbox_confdirfd = dirfd;
	return (dirfd);
}

void
sandbox_enter(enum sandbox_role role, const pid_t *pids, int npids)
{
	scmp_filter_ctx	 ctx;
	struct rlimit	 rl;
	int		 r;

#ifdef OCKAM_NO_SANDBOX
	/* The valgrind build (make valgrind): never installed anywhere. */
	(void)role;
	(void)pids;
	(void)npids;
	(void)ctx;
	(void)rl;
	(void)r;
	log_warnx("built without the sandbox, for valgrind: do not deploy");
	return;
#endif
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit RLIMIT_CORE");
	/* No role forks after start-up (seccomp kills it anyway). */
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		fatal("setrlimit RLIMIT_NPROC");
	/* Every new descriptor is below the kept directory's. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(sandbox_confdirfd != -1 ?
	    sandbox_confdirfd : sandbox_dirfd);
	if (sandbox_dirfd != -1 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit RLIMIT_NOFILE");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	ctx = sandbox_build(role, pids, npids, sandbox_dirfd,
	    sandbox_confdirfd);
	if ((r = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
	log_debug("sandbox entered");
}

/* Print the filter as pseudo-code, for audits (regress/sandboxdump). */
int
sandbox_dump(enum sandbox_role role, int fd)
{
	scmp_filter_ctx	 ctx;
	pid_t		 none = 1;
	int		 r;

	ctx = sandbox_build(role, &none, role == SANDBOX_ROUTED ? 1 : 0,
	    sandbox_dirfd != -1 ? sandbox_dirfd : SANDBOX_DUMP_DIRFD,
	    sandbox_confdirfd != -1 ? sandbox_confdirfd :
	    SANDBOX_DUMP_DIRFD - 1);
	r = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return (r < 0 ? -1 : 0);
}
