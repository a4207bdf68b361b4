/* SPDX-License-Identifier: ISC */
#ifndef OCKAM_UTIL_H
#define OCKAM_UTIL_H

#include <stddef.h>
#include <time.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#define RANDOM_NAME_BYTES	16	/* Ockam: 32 lower-case hex chars */
#define HEAP_KEEP		(16 << 20)	/* free heap kept, bytes */
#define HEAP_PAD		(1 << 20)	/* grown by at least this */

int		 fd_nonblock(int);
void		 heap_keep(void);
time_t		 monotime(void);
int		 printable_word(const char *, size_t);
void		 random_name(char *, size_t);
const char	*ockam_version(void);
const char	*safe_str(const char *, size_t);

#endif /* OCKAM_UTIL_H */
