/* SPDX-License-Identifier: ISC */
/*
 * What the three processes of a node say to each other, and the
 * start-up steps they share: fd 3, configuration, privilege drop.
 *
 * One enum for every sibling message, as in bgpd.  The direction of
 * each message is fixed; a message on the wrong channel, of an unknown
 * type or of the wrong size is fatal to the receiver.
 */
#ifndef OCKAM_PRIVSEP_H
#define OCKAM_PRIVSEP_H

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>

#include "imsg.h"

#define PRIVSEP_FD		3	/* a child's channel to routed */
#define PRIVSEP_IMSG_MAX	(65535 + 1024)
#define PRIVSEP_USER_MAX	64

enum imsg_type {
	IMSG_NONE,
	IMSG_CONF_PRIV,		/* routed -> child: struct priv_conf */
	IMSG_CONF_DONE,		/* routed -> child: empty */
	IMSG_READY,		/* child -> routed: empty, sandboxed */
	IMSG_CTL_VERBOSE,	/* routed -> child: int */
	IMSG_REGRESS_SANDBOX,	/* routed -> child: u32 variant */
	IMSG_REGRESS_BADIMSG,	/* routed -> child: u32 variant */
	IMSG_REGRESS_CONNID,	/* routed -> tcpd: u32, the last conn id */
	IMSG_VAULT_CONF,	/* vault.h */
	IMSG_VAULT_IDENTITY,
	IMSG_VAULT_SIGN_STATIC,
	IMSG_VAULT_FREE,
	IMSG_VAULT_HANDSHAKE,
	IMSG_VAULT_PIN,
	IMSG_TCP_LISTEN,	/* tcp.h */
	IMSG_TCP_TLSCONF,
	IMSG_TCP_SEND,
	IMSG_TCP_RECV,
	IMSG_TCP_UP,
	IMSG_TCP_DOWN,
	IMSG_TCP_FAIL,
	IMSG_TCP_XOFF,
	IMSG_TCP_XON,
	IMSG_TCP_CLOSE,
	IMSG_TCP_LIMITS,
	IMSG_TCP_STOPREAD,
	IMSG_TCP_READ,
	IMSG_TCP_CUT,
	IMSG_TCP_UNCUT,
	IMSG_STREAMD_CONF,	/* streamd.h */
	IMSG_STREAMD_OPEN,
	IMSG_STREAMD_APPEND,
	IMSG_STREAMD_READ,
	IMSG_STREAMD_STAT,
	IMSG_STREAMD_SAVE,
	IMSG_STREAMD_GET,
	IMSG_STREAMD_LIST,
	IMSG_TCP_INLET,		/* tcp.h: portals */
	IMSG_TCP_PORTAL_OPEN,
	IMSG_TCP_PORTAL_UP,
	IMSG_TCP_PORTAL_DATA,
	IMSG_TCP_PORTAL_CREDIT,
	IMSG_TCP_PORTAL_WROTE,
	IMSG_TCP_PORTAL_SHUT,
	IMSG_TCP_PORTAL_CLOSE,
	IMSG_TCP_PORTAL_DOWN,
	IMSG_TCP_RUNBIND,	/* tcp.h: listeners at run time */
	IMSG_TCP_BOUND,
	IMSG_TCP_UNLISTEN,
	IMSG_MAX
};

/* Variants of a malformed imsg that the regress build can produce. */
#define REGRESS_BAD_LENGTH	1	/* READY with a payload */
#define REGRESS_BAD_TYPE	2	/* a type nobody knows */
#define REGRESS_BAD_HEADER	3	/* a header whose len is a lie */

/*
 * What the regress build can make a process try that its sandbox
 * forbids (IMSG_REGRESS_SANDBOX, ockamctl regress sandbox).  Some are
 * killed (SIGSYS), the others are refused and logged as
 * "regress: WHAT refused: ERROR" (or "... succeeded: ...").
 */
#define REGRESS_SB_EXEC		0	/* execve: killed */
#define REGRESS_SB_UNLINK	1	/* unlinkat(AT_FDCWD): killed */
#define REGRESS_SB_STAT		2	/* stat("/etc/shadow"): killed */
#define REGRESS_SB_STATDIR	3	/* fstatat(dir, ".."): killed */
#define REGRESS_SB_ESCAPE	4	/* out of the kept directory: refused */
#define REGRESS_SB_BIND		5	/* bind a TCP socket: killed in tcpd */
#define REGRESS_SB_CONNECT	6	/* connect to 127.0.0.1 port 1: refused
					   in streamd with Redis (Landlock) */
#define REGRESS_SB_MAX		6
#define REGRESS_VICTIM		"ockam-regress-victim"	/* beside the dir */

struct priv_conf {
	char		user[PRIVSEP_USER_MAX];
	char		chroot[PATH_MAX];
	int		verbose;
};

struct privsep_ids {
	uid_t		uid;
	gid_t		gid;
	char		home[PATH_MAX];
};

/*
 * A table of what the process at the other end of a pipe may send, in
 * the manner of OpenSSH's monitor: each message type has the phases it
 * is allowed in and its exact payload size (or, with PRIVSEP_REQ_MSG,
 * the size of its fixed part), and its handler checks the payload's
 * fields; anything else is fatal.  Each child has one for routed
 * (lib/child.c for what every child takes, its own for the rest), and
 * routed one for each child (children.c).
 */
enum privsep_phase {
	PRIVSEP_START,		/* child: configuring; routed: before READY */
	PRIVSEP_RUN,		/* sandboxed and ready */
};

#define PRIVSEP_PHASE(p)	(1U << (p))
#define PRIVSEP_REQ_ONCE	0x01	/* at most once in the process's life */
#define PRIVSEP_REQ_MSG		0x02	/* len: the fixed part; more follows */

struct privsep_req {
	uint32_t	 type;
	unsigned int	 phases;	/* PRIVSEP_PHASE() bits */
	unsigned int	 flags;
	size_t		 len;
	void		(*handler)(struct imsg *);
};

/*
 * A child process (ockam-vaultd, ockam-tcpd): privsep_child_main() does
 * what they share (arguments, fd 3, configuration, READY, the loop,
 * the common requests), the role's hooks and table the rest.
 */
struct privsep_child {
	const char		*role;	/* -P argument and log name */
	const char		*prog;
	const char		*title;	/* process title once sandboxed */
	struct imsgbuf		*ibuf;	/* to routed */
	const struct privsep_req *reqs;	/* the role's own requests */
	size_t			 nreqs;
	int			*used;	/* nreqs of them */
	int			 dirfd;	/* the directory it keeps, or -1 */
	void			(*init)(void);	/* before configuration */
	void			(*start)(struct priv_conf *);
					/* configured: drop, sandbox */
	void			(*loop)(void);	/* NULL: answer routed */
	void			(*stop)(void);	/* routed went away */
};

pid_t		 privsep_spawn(const char *, char *const [], int *);
int		 privsep_dispatch(const char *, const struct privsep_req *,
		    size_t, int *, int, struct imsg *);
int		 privsep_get(struct imsgbuf *, struct imsg *, const char *);
const char	*imsg_type_name(uint32_t);
int		 privsep_user(const char *, struct privsep_ids *, char *,
		    size_t);
int		 privsep_lookup(const char *, const char *,
		    struct privsep_ids *, char *, size_t);
void		 privsep_drop(const char *, const char *);
void		 privsep_drop_private(const char *, int, const char *);
int		 privsep_private_dir(const char *, const char *, const char *,
		    const char *);
int		 privsep_child_main(struct privsep_child *, int, char *[]);
int		 privsep_child_input(void);
void		 privsep_regress_violate(uint32_t, int);
void		 imsg_bad(const char *, struct imsg *, const char *);

#endif /* OCKAM_PRIVSEP_H */
