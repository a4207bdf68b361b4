/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"
#include "util.h"

int
fd_nonblock(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	return (fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

/* The node's clock: seconds that only go forward. */
time_t
monotime(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (ts.tv_sec);
}

/* A random worker address as Ockam makes them: 16 bytes in hex. */
void
random_name(char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 r[RANDOM_NAME_BYTES];
	size_t			 i;

	if (len == 0)
		return;
	arc4random_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r) && 2 * i + 2 < len; i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 0xf];
	}
	buf[2 * i] = '\0';
}

/*
 * Bytes from the network rendered safe for a log line (vis(3)): every
 * byte that is not graphic or a space, newlines and tabs too (VIS_SAFE
 * would let them through and a peer forge lines), in C style; the
 * result lives in a static buffer that the next call overwrites.
 */
const char *
safe_str(const char *s, size_t len)
{
	static char	 buf[4 * 256 + 1];

	if (len > 256)
		len = 256;
	strvisx(buf, s, len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	return (buf);
}

/*
 * 1 to max - 1 bytes of printable ASCII without a space, NUL-terminated
 * within max: what may be a field of a line in a file (the vault's
 * pins, whose route routed checks with this before it asks).
 */
int
printable_word(const char *s, size_t max)
{
	size_t	 i, len = strnlen(s, max);

	if (len == 0 || len >= max)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return (0);
	return (1);
}

/*
 * For a process that allocates and frees a buffer per message: keep
 * what the heap grew to up to HEAP_KEEP bytes instead of giving it
 * back at every dip of the load (a brk(2) and page faults each time,
 * then again when it grows).
 */
void
heap_keep(void)
{
	if (mallopt(M_TRIM_THRESHOLD, HEAP_KEEP) == 0 ||
	    mallopt(M_TOP_PAD, HEAP_PAD) == 0)
		log_warnx("mallopt: heap settings not taken");
}
