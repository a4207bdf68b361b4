/* SPDX-License-Identifier: ISC */
/*
 * What the helpers that drive a daemon share: checks printed one a
 * line, and the daemon itself, a child started and talked to over an
 * imsg socketpair exactly as ockam-routed starts and talks to it.
 */
#ifndef POKE_H
#define POKE_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

#include "imsg.h"

struct child {
	const char	*name;		/* "the vault", "tcpd": in messages */
	pid_t		 pid;
	struct imsgbuf	 ib;
};

extern struct child	 child;
extern int		 failed;	/* a check failed: exit 1 */

void	 check(int, const char *);
int	 writeall(int, const void *, size_t);
double	 now(void);
long long now_ms(void);
struct tmsg;
size_t	 frame_tmsg(const struct tmsg *, unsigned char *, size_t);
int	 in_fork(void (*)(void *), void *);
int	 sandbox_role_of(const char *);

void	 child_spawn(const char *, const char *, char *const []);
void	 child_send(uint32_t, uint32_t, const void *, size_t);
void	 child_sendv(uint32_t, uint32_t, const struct iovec *, int);
void	 child_regress_sandbox(uint32_t);
void	 child_conf_priv(const char *);
int	 child_read(int);
int	 child_get(struct imsg *);
int	 child_recv(struct imsg *, int);
ssize_t	 child_answer(uint32_t, uint32_t, void *, size_t, int);
void	 child_drain(int);
int	 child_ready(int);
int	 child_finish(void);
struct streamd_conf;
void	 child_redis_conf(struct streamd_conf *, const char *);

#endif
