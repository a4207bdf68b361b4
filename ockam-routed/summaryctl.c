/* SPDX-License-Identifier: ISC */
/*
 * show summary (lib/ctl.h, CTL_SHOW_SUMMARY): the node at a glance,
 * its version, pid, uptime and configuration, its identities, and how
 * many of each thing it holds.  Each line is a key, a value and its
 * kind, so that a client prints lines it does not know of.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "channel.h"
#include "control.h"
#include "ctl.h"
#include "ctlconn.h"
#include "imsg.h"
#include "portals.h"
#include "rconn.h"
#include "relayc.h"
#include "routed.h"
#include "util.h"

static time_t	 started;
static char	 conffile[1024];

/* At start, before the chroot: when, and from which file. */
void
summary_start(const char *file)
{
	char	 path[PATH_MAX];

	started = monotime();
	if (realpath(file, path) != NULL)
		file = path;
	strlcpy(conffile, file, sizeof(conffile));
}

static void
summary_line(uint32_t conn, uint32_t reqid, const char *key,
    const char *val, uint8_t kind)
{
	struct ibuf	*b;

	if ((b = ibuf_open(64, CTL_IMSG_MAX)) == NULL)
		return;
	ibuf_add_string(b, key);
	ibuf_add_string(b, val);
	ibuf_add_u8(b, kind);
	if (!ibuf_error(b))
		control_reply(conn, CTL_SUMMARY_INFO, reqid, ibuf_data(b),
		    ibuf_size(b));
	ibuf_free(b);
}

static void
summary_count(uint32_t conn, uint32_t reqid, const char *key,
    unsigned long long n)
{
	char	 val[32];

	snprintf(val, sizeof(val), "%llu", n);
	summary_line(conn, reqid, key, val, CTL_SUM_NUMBER);
}

void
ctl_show_summary(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct ockam_conf	*conf = tcp_conf();
	struct identity		*id;
	struct worker		*w;
	struct channel		*ch;
	struct rconn		*rc;
	struct remote		*r;
	struct portal		*p;
	struct ctl_conn		*cc;
	struct listen_conf	*lc;
	uint32_t		 reqid = imsg->hdr.peerid;
	size_t			 n, queued;

	(void)arg;
	summary_line(conn, reqid, "version", ockam_version(), CTL_SUM_TEXT);
	summary_count(conn, reqid, "pid", getpid());
	summary_count(conn, reqid, "uptime", monotime() - started);
	summary_line(conn, reqid, "config", conffile, CTL_SUM_TEXT);
	summary_line(conn, reqid, "socket", conf->csock, CTL_SUM_TEXT);
	/* The list's start: an empty list is this line alone. */
	summary_line(conn, reqid, "identities", "", CTL_SUM_ITEM);
	for (id = identity_first(); id != NULL; id = identity_next(id))
		summary_line(conn, reqid, "identities", id->name,
		    CTL_SUM_ITEM);
	n = 0;
	TAILQ_FOREACH(lc, &conf->listeners, entry)
		n++;
	summary_count(conn, reqid, "listeners", n);
	for (n = 0, rc = conn_next(NULL); rc != NULL; rc = conn_next(rc))
		n++;
	summary_count(conn, reqid, "connections", n);
	n = 0;
	TAILQ_FOREACH(ch, &channels, entry)
		n++;
	summary_count(conn, reqid, "channels", n);
	for (n = 0, w = worker_next(NULL); w != NULL; w = worker_next(w))
		n++;
	summary_count(conn, reqid, "workers", n);
	n = 0;
	TAILQ_FOREACH(r, &remotes, entry)
		n++;
	summary_count(conn, reqid, "relays", n);
	n = 0;
	TAILQ_FOREACH(p, &portals, entry)
		n++;
	summary_count(conn, reqid, "portals", n);
	queued = router_queued_bytes() + tcp_held_bytes();
	/* Not what is queued for the client asking (this reply). */
	for (cc = control_next(NULL); cc != NULL; cc = control_next(cc))
		if (cc->id != conn)
			queued += imsgbuf_queuelen(&cc->ibuf);
	summary_count(conn, reqid, "queued_bytes", queued);
	control_reply(conn, CTL_END, reqid, NULL, 0);
}
