/* SPDX-License-Identifier: ISC */
/*
 * streambench: confirmed appends per second of ockam-streamd alone,
 * driven as routed drives it (regress/helpers/common/poke.c): records
 * of 64 B and 1 KiB, 1 and 32 appends in flight, each confirmed only
 * after its fsync (group commit shares one among those that arrive
 * together).  One line per case: "SIZE INFLIGHT APPENDS/S", then
 * "child exited: ..." of each run.  With STREAMBENCH_REDIS=ADDRESS:PORT
 * in the environment, streamd keeps the streams in that Redis.
 *
 *	streambench ockam-streamd user dir [seconds]
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "imsg.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "streamd.h"

#include "../helpers/common/poke.h"

#define TIMEOUT		30000

static uint32_t	 reqid;

static uint32_t
start(const char *streamd, const char *user, const char *dir,
    const char *name)
{
	char			*argv[] = { "ockam-streamd", "-P", "streamd",
				    NULL };
	struct streamd_conf	 sc;
	struct streamd_open_req	 req;
	struct streamd_open	 ans;

	child_spawn("streamd", streamd, argv);
	memset(&sc, 0, sizeof(sc));
	strlcpy(sc.dir, dir, sizeof(sc.dir));
	limits_default(sc.limits);
	child_redis_conf(&sc, "STREAMBENCH_REDIS");
	child_conf_priv(user);
	child_send(IMSG_STREAMD_CONF, 0, &sc, sizeof(sc));
	child_send(IMSG_CONF_DONE, 0, NULL, 0);
	if (child_ready(TIMEOUT) == -1)
		errx(1, "streamd not ready");
	memset(&req, 0, sizeof(req));
	strlcpy(req.name, name, sizeof(req.name));
	req.create = 1;
	child_send(IMSG_STREAMD_OPEN, ++reqid, &req, sizeof(req));
	if (child_answer(IMSG_STREAMD_OPEN, reqid, &ans, sizeof(ans),
	    TIMEOUT) != sizeof(ans) || ans.status != STREAMD_OK)
		errx(1, "open %s", name);
	return (ans.stream);
}

static void
run(const char *streamd, const char *user, const char *dir, size_t size,
    uint64_t window, double seconds)
{
	struct streamd_append_req	 req;
	struct streamd_append		 ans;
	struct iovec			 iov[2];
	char				 name[32], data[1024];
	uint64_t			 sent = 0, done = 0;
	uint32_t			 first;
	double				 t0, t;

	snprintf(name, sizeof(name), "bench-%zu-%llu", size,
	    (unsigned long long)window);
	req.stream = start(streamd, user, dir, name);
	memset(data, 'x', sizeof(data));
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = data;
	iov[1].iov_len = size;
	first = reqid + 1;
	t0 = now();
	for (;;) {
		while (sent < done + window) {
			child_sendv(IMSG_STREAMD_APPEND, ++reqid, iov, 2);
			sent++;
		}
		if (child_answer(IMSG_STREAMD_APPEND, first + done, &ans,
		    sizeof(ans), TIMEOUT) != sizeof(ans) ||
		    ans.status != STREAMD_OK || ans.index != done)
			errx(1, "append %llu failed", (unsigned long long)done);
		done++;
		if ((done & 63) == 0 && (t = now() - t0) >= seconds)
			break;
	}
	t = now() - t0;
	printf("%zu %llu %.0f\n", size, (unsigned long long)window,
	    done / t);
	/* The appends still in flight are answered before it exits. */
	child_finish();
}

int
main(int argc, char *argv[])
{
	static const size_t	 sizes[] = { 64, 1024 };
	static const uint64_t	 windows[] = { 1, 32 };
	double			 seconds = 1;
	size_t			 i, j;

	if (argc < 4)
		errx(1, "usage: streambench ockam-streamd user dir [seconds]");
	if (argc > 4)
		seconds = strtod(argv[4], NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(1, LOG_DAEMON);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			run(argv[1], argv[2], argv[3], sizes[i], windows[j],
			    seconds);
	return (0);
}
