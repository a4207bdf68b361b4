/* SPDX-License-Identifier: ISC */
/*
 * Landlock, the Linux cousin of unveil(2).  It complements the chroot,
 * which only root can make, and the seccomp filter, which cannot look
 * at paths or port numbers.  Three confinements, one per role:
 *
 *	landlock_confine_dir()	the vault: read, write, create and remove
 *				regular files beneath its key directory,
 *				nothing else
 *	landlock_confine_routed() routed: no file at all but the removal
 *				of its control socket, beneath the
 *				socket's directory, and reading the
 *				files beneath its configuration's
 *				(reload)
 *	landlock_confine_tcpd()	tcpd: no file at all; with "listen
 *				static", no TCP bind() either
 *	landlock_confine_streamd() streamd: read, write, create, cut and
 *				remove files, make directories, beneath
 *				its data directory, nothing else
 *	landlock_confine_streamd_redis() streamd with Redis: no file at
 *				all, TCP connect() to Redis's port alone
 *
 * and, where the kernel has network rules (ABI 4), no TCP bind() for
 * any of them but a tcpd that binds at run time, and
 * no TCP connect() for routed, the vault and streamd.  Rights the running
 * kernel does not know are left out; bookworm's headers stop at ABI 2,
 * later ones are defined here.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
#define LL_NET_BIND_TCP			(1ULL << 0)
#define LL_NET_CONNECT_TCP		(1ULL << 1)
#define LL_RULE_NET_PORT		2

/* struct landlock_net_port_attr (ABI 4; not in bookworm's header). */
struct ll_net_port_attr {
	uint64_t	 allowed_access;
	uint64_t	 port;
} __attribute__((packed));

#define LL_FS_V1	((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define LL_FILES	(LANDLOCK_ACCESS_FS_READ_FILE |			\
			    LANDLOCK_ACCESS_FS_WRITE_FILE |		\
			    LANDLOCK_ACCESS_FS_READ_DIR |		\
			    LANDLOCK_ACCESS_FS_REMOVE_FILE |		\
			    LANDLOCK_ACCESS_FS_MAKE_REG)

/* struct landlock_ruleset_attr as of ABI 4 (the header has ABI 1's). */
struct ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
};

/* The running kernel's Landlock ABI, 0 when it has none. */
int
landlock_abi(void)
{
	int	 abi;

#ifdef OCKAM_NO_SANDBOX
	/* The valgrind build: valgrind does not know these syscalls. */
	return (0);
#endif
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return (abi < 1 ? 0 : abi);
}

static uint64_t
ll_fs_handled(int abi)
{
	uint64_t	 handled = LL_FS_V1;

	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		handled |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return (handled);
}

static int	ll_beneath(int, int, uint64_t, uint64_t);
static int	ll_confdirfd = -1;	/* routed: read files beneath */

/*
 * Every file right the kernel knows is handled; dirfd (-1: none) gets
 * the rights beneath.  net: the TCP rights to handle, with no rule, so
 * that they are refused, but connect() to port when it is not -1.  Returns 0 when confined, 1 when the kernel
 * has no Landlock (logged: the chroot and the filter remain), -1 on
 * error.
 */
static int
ll_confine(const char *what, int dirfd, uint64_t beneath, uint64_t net,
    int port)
{
	struct ll_ruleset_attr		 ra;
	struct ll_net_port_attr		 np;
	int				 abi, rfd, r = -1;

#ifdef OCKAM_NO_SANDBOX
	(void)dirfd;
	(void)beneath;
	(void)net;
	(void)port;
	(void)np;
	(void)rfd;
	(void)r;
	log_warnx("built without Landlock, for valgrind: do not deploy");
	return (1);
#endif
	if ((abi = landlock_abi()) == 0) {
		log_info("Landlock is not available (%s): %s is bounded by "
		    "the chroot and the filter alone", strerror(errno), what);
		return (1);
	}
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = ll_fs_handled(abi);
	if (abi >= 4)
		ra.handled_access_net = net;
	else if (net != 0)
		log_info("Landlock ABI %d has no network rules: TCP bind is "
		    "refused by the filter alone", abi);
	if ((rfd = syscall(SYS_landlock_create_ruleset, &ra,
	    abi >= 4 ? sizeof(ra) : sizeof(ra.handled_access_fs), 0)) == -1) {
		log_warn("landlock_create_ruleset");
		return (-1);
	}
	if (ll_beneath(rfd, dirfd, beneath, ra.handled_access_fs) == -1 ||
	    ll_beneath(rfd, ll_confdirfd, LANDLOCK_ACCESS_FS_READ_FILE,
	    ra.handled_access_fs) == -1)
		goto out;
	if (abi >= 4 && port != -1) {
		memset(&np, 0, sizeof(np));
		np.allowed_access = LL_NET_CONNECT_TCP;
		np.port = (uint64_t)port;
		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_NET_PORT, &np,
		    0) == -1) {
			log_warn("landlock_add_rule port %d", port);
			goto out;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		goto out;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		log_warn("landlock_restrict_self");
		goto out;
	}
	log_debug("Landlock ABI %d: %s%s", abi, what,
	    abi >= 4 && net != 0 ? ", no TCP bind" : "");
	r = 0;
out:
	close(rfd);
	return (r);
}

/* The rights beneath dirfd (-1: none), of those handled. */
static int
ll_beneath(int rfd, int dirfd, uint64_t beneath, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;

	if (dirfd == -1)
		return (0);
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = beneath & handled;
	pb.parent_fd = dirfd;
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		log_warn("landlock_add_rule");
		return (-1);
	}
	return (0);
}

int
landlock_confine_dir(int dirfd)
{
	return (ll_confine("files only beneath the key directory", dirfd,
	    LL_FILES, LL_NET_BIND_TCP | LL_NET_CONNECT_TCP, -1));
}

int
landlock_confine_streamd(int dirfd)
{
	return (ll_confine("files only beneath the data directory", dirfd,
	    LL_FILES | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_TRUNCATE,
	    LL_NET_BIND_TCP | LL_NET_CONNECT_TCP, -1));
}

int
landlock_confine_streamd_redis(int port)
{
	return (ll_confine("no files, TCP connect to Redis's port alone", -1,
	    0, LL_NET_BIND_TCP | LL_NET_CONNECT_TCP, port));
}

/*
 * routed: the removal of its control socket beneath dirfd, and, when
 * confdirfd is not -1, reading the files beneath it (reload).
 */
int
landlock_confine_routed(int dirfd, int confdirfd)
{
	int	 r;

	ll_confdirfd = confdirfd;
	r = ll_confine(confdirfd != -1 ? "no files but the control "
	    "socket's removal and reading the configuration" : "no files "
	    "but the control socket's removal", dirfd,
	    LANDLOCK_ACCESS_FS_REMOVE_FILE,
	    LL_NET_BIND_TCP | LL_NET_CONNECT_TCP, -1);
	ll_confdirfd = -1;
	return (r);
}

int
landlock_confine_tcpd(int bind)
{
	return (ll_confine("no files", -1, 0, bind ? 0 : LL_NET_BIND_TCP,
	    -1));
}
