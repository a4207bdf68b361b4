/*
 * Landlock, the Linux cousin of unveil(2): after landlock_confine_dir()
 * the process can reach no file but those beneath one directory (read,
 * write, create and remove regular files there, nothing else).  It
 * complements the chroot, which only root can make, and the seccomp
 * filter, which cannot look at paths.  Rights the running kernel does
 * not know are left out (bookworm's headers stop at ABI 2; a newer
 * kernel's ABI 3 adds truncate, defined here).
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

#define LL_FS_V1	((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */

/*
 * Returns 0 when confined, 1 when the kernel has no Landlock (logged:
 * the chroot and the filter remain), -1 on error.
 */
int
landlock_confine_dir(int dirfd)
{
	struct landlock_ruleset_attr	 ra;
	struct landlock_path_beneath_attr pb;
	uint64_t			 handled;
	int				 abi, rfd, r = -1;

#ifdef OCKAM_NO_SANDBOX
	/* The valgrind build: valgrind does not know these syscalls. */
	(void)dirfd;
	(void)ra;
	(void)pb;
	(void)handled;
	(void)abi;
	(void)rfd;
	(void)r;
	log_warnx("built without Landlock, for valgrind: do not deploy");
	return (1);
#endif
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		log_info("Landlock is not available (%s): file access is "
		    "bounded by the chroot and the filter alone",
		    strerror(errno));
		return (1);
	}
	handled = LL_FS_V1;
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;

	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = handled;
	if ((rfd = syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra),
	    0)) == -1) {
		log_warn("landlock_create_ruleset");
		return (-1);
	}
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = (LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG) &
	    handled;
	pb.parent_fd = dirfd;
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		log_warn("landlock_add_rule");
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		goto out;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		log_warn("landlock_restrict_self");
		goto out;
	}
	log_debug("Landlock ABI %d: files only beneath the key directory",
	    abi);
	r = 0;
out:
	close(rfd);
	return (r);
}
