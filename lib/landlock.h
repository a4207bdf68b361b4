/* SPDX-License-Identifier: ISC */
#ifndef OCKAM_LANDLOCK_H
#define OCKAM_LANDLOCK_H

int	landlock_abi(void);
int	landlock_confine_dir(int);
int	landlock_confine_routed(int, int);
int	landlock_confine_tcpd(int);
int	landlock_confine_streamd(int);
int	landlock_confine_streamd_redis(int);

#endif /* OCKAM_LANDLOCK_H */
