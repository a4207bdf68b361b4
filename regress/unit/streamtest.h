/* SPDX-License-Identifier: ISC */
/*
 * The helpers of the stream storage tests (streamtest.c), for
 * test_streamlog.c and test_streamdisk.c: setup() makes a storage in a
 * temporary directory (conf, its descriptor ddfd), teardown() removes
 * it; record(i) is the bytes of record i; append_n() appends and
 * commits records from..from+n-1; read_all() reads a stream back and
 * checks each record; seg_path() is a segment file's path.
 */
#ifndef OCKAM_REGRESS_STREAMTEST_H
#define OCKAM_REGRESS_STREAMTEST_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../../ockam-streamd/store.h"
#include "streamd.h"

extern char			 dir[64];
extern int			 ddfd;
extern struct store_conf	 conf;
extern uint8_t			 rbuf[STREAMD_READ_MAX];

int		 setup(void **);
int		 teardown(void **);
void		 restart(void);
size_t		 record(uint64_t, char *);
uint32_t	 open_stream(const char *, uint64_t *);
void		 append_n(uint32_t, uint64_t, uint64_t);
uint64_t	 read_all(uint32_t, uint64_t, uint64_t *);
void		 seg_path(char *, size_t, const char *, uint64_t);

#endif /* OCKAM_REGRESS_STREAMTEST_H */
