/* SPDX-License-Identifier: ISC */
/*
 * Per-role seccomp filters.  Default action: kill the process.
 */
#ifndef OCKAM_SANDBOX_H
#define OCKAM_SANDBOX_H

#include <sys/types.h>

enum sandbox_role {
	SANDBOX_ROUTED,
	SANDBOX_VAULT,
	SANDBOX_TCPD,
	SANDBOX_STREAMD,
	SANDBOX_STREAMD_REDIS,
	SANDBOX_TCPD_STATIC,	/* tcpd with "listen static": no bind */
};

int	sandbox_keep_dir(int);
int	sandbox_keep_conf(int);
void	sandbox_enter(enum sandbox_role, const pid_t *, int);
int	sandbox_dump(enum sandbox_role, int);

#endif /* OCKAM_SANDBOX_H */
