/* SPDX-License-Identifier: ISC */
/*
 * fsyncs in the background (syncer.c): Linux AIO, an eventfd to poll.
 */
#ifndef OCKAM_STREAMD_SYNCER_H
#define OCKAM_STREAMD_SYNCER_H

#include <stddef.h>

#define SYNCER_MAX	64	/* streams in one commit */
#define SYNCER_COMMITS	8	/* commits whose fsyncs run at once */

int	 syncer_init(void);
int	 syncer_fd(void);
int	 syncer_start(const int *, size_t, unsigned int);
size_t	 syncer_left(void);
size_t	 syncer_reap(int, void (*)(unsigned int));

#endif /* OCKAM_STREAMD_SYNCER_H */
