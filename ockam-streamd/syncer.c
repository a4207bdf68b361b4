/* SPDX-License-Identifier: ISC */
/*
 * fsyncs in the background: Linux AIO's IOCB_CMD_FDSYNC, one per
 * stream of a commit, up to SYNCER_COMMITS commits at once, run by the
 * kernel while streamd reads and writes the next appends; an eventfd
 * says when some are done, and each says its commit's tag.  No thread, no library:
 * the context and the eventfd are made before the sandbox, which then
 * allows io_submit() and io_getevents() alone.  Where the kernel cannot
 * (no AIO, or no FDSYNC on that file system), syncer_start() fails and
 * streamd fsyncs in line, as before.
 */
#include <sys/types.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include <linux/aio_abi.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "syncer.h"

static aio_context_t	 ctx;
static int		 efd = -1;
static struct iocb	 cbs[SYNCER_COMMITS][SYNCER_MAX];
static size_t		 left;		/* submitted, not done */

/* Before the sandbox; -1 (and fsyncs in line) when the kernel cannot. */
int
syncer_init(void)
{
	if (syscall(SYS_io_setup, SYNCER_COMMITS * SYNCER_MAX, &ctx) == -1) {
		log_info("no asynchronous fsync (io_setup: %s): each one "
		    "waits", strerror(errno));
		return (-1);
	}
	if ((efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	return (0);
}

/* Readable when fsyncs are done; -1 when there is no syncer. */
int
syncer_fd(void)
{
	return (efd);
}

size_t
syncer_left(void)
{
	return (left);
}

/*
 * fdatasync() each of fds[0..n-1] in the background, for the commit
 * tagged tag (below SYNCER_COMMITS, none of its fsyncs running).  -1
 * when they cannot be submitted (none is): the caller fsyncs them
 * itself, and so does every later commit.
 */
int
syncer_start(const int *fds, size_t n, unsigned int tag)
{
	struct iocb	*p[SYNCER_MAX], *cb;
	size_t		 i;
	long		 r;

	if (efd == -1 || n == 0 || n > SYNCER_MAX || tag >= SYNCER_COMMITS)
		return (-1);
	for (i = 0; i < n; i++) {
		cb = &cbs[tag][i];
		memset(cb, 0, sizeof(*cb));
		cb->aio_data = tag;
		cb->aio_lio_opcode = IOCB_CMD_FDSYNC;
		cb->aio_fildes = fds[i];
		cb->aio_flags = IOCB_FLAG_RESFD;
		cb->aio_resfd = efd;
		p[i] = cb;
	}
	if ((r = syscall(SYS_io_submit, ctx, (long)n, p)) != (long)n) {
		if (r > 0)
			fatalx("io_submit: %ld of %zu fsyncs", r, n);
		log_info("no asynchronous fsync (io_submit: %s): each one "
		    "waits", strerror(errno));
		close(efd);
		efd = -1;
		return (-1);
	}
	left += n;
	return (0);
}

/*
 * Take the fsyncs done, waiting for all of them when wait is set, and
 * tell done() the tag of each.  Returns how many are still running.  A
 * failed fsync is fatal, as one made in line is (store.c).
 */
size_t
syncer_reap(int wait, void (*done)(unsigned int))
{
	struct io_event		 ev[SYNCER_COMMITS * SYNCER_MAX];
	struct timespec		 zero = { 0, 0 };
	uint64_t		 cnt;
	long			 n, i;

	if (left == 0)
		return (0);
	if (read(efd, &cnt, sizeof(cnt)) == -1 && errno != EAGAIN)
		fatal("eventfd");
	for (;;) {
		n = syscall(SYS_io_getevents, ctx, wait ? (long)left : 0L,
		    (long)left, ev, wait ? NULL : &zero);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fatal("io_getevents");
		break;
	}
	for (i = 0; i < n; i++) {
		if ((int64_t)ev[i].res < 0) {
			errno = -(int)ev[i].res;
			fatal("asynchronous fsync");
		}
		if (ev[i].data >= SYNCER_COMMITS)
			fatalx("asynchronous fsync: tag %llu",
			    (unsigned long long)ev[i].data);
		done((unsigned int)ev[i].data);
	}
	left -= n;
	return (left);
}
