/* SPDX-License-Identifier: ISC */
/*
 * ockamctl show streams (CTL_SHOW_STREAMS): the streams of this hub
 * that its stream service has opened since start-up, each with what
 * ockam-streamd holds of it (STAT): one CTL_STREAM_INFO per answer,
 * then CTL_END once the last came.  A client that went meanwhile
 * misses nothing but its answers.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "streamd.h"

/*
 * One listing: whom to answer, the stream asked about now.  Streams
 * are asked about one at a time (one request waits for streamd), and
 * go only when the node does, so the listing can hold on to one.
 */
struct st_show {
	uint32_t	 conn;
	uint32_t	 reqid;
	struct stream	*st;
};

static void	stat_done(struct st_req *, const void *, size_t);

/* Ask about sh's stream, or end the listing (sh is freed). */
static void
show_next(struct st_show *sh)
{
	struct streamd_stat_req	 req;
	struct st_req		*q;

	for (; sh->st != NULL; sh->st = stream_next(sh->st)) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			break;
		route_init(&q->ret);
		q->st = sh->st;
		q->show = sh;
		memset(&req, 0, sizeof(req));
		req.stream = sh->st->id;
		if (streamd_call(IMSG_STREAMD_STAT, &req, sizeof(req), NULL,
		    0, stat_done, q) == 0)
			return;
		stream_req_free(q);
		break;
	}
	control_reply(sh->conn, CTL_END, sh->reqid, NULL, 0);
	free(sh);
}

static void
stat_done(struct st_req *q, const void *data, size_t len)
{
	struct st_show		*sh = q->show;
	struct streamd_stat	 ans;
	struct ibuf		*b;

	if (data == NULL) {
		/* Shutting down: nobody hears the end. */
		free(sh);
		stream_req_free(q);
		return;
	}
	if (len != sizeof(ans))
		streamd_bad("STAT size");
	memcpy(&ans, data, sizeof(ans));
	if (ans.status != STREAMD_OK || ans.stream != q->st->id ||
	    ans.next < ans.first)
		streamd_bad("STAT answer");
	if ((b = ibuf_open(128, CTL_IMSG_MAX)) != NULL) {
		ibuf_add_string(b, q->st->name);
		ibuf_add_string(b, q->st->w->name);
		ibuf_add_string(b, "embedded");
		ibuf_add_h64(b, ans.next - ans.first);
		ibuf_add_h64(b, ans.first);
		ibuf_add_h64(b, ans.next);
		ibuf_add_h64(b, ans.bytes);
		if (ibuf_error(b) == 0)
			control_reply(sh->conn, CTL_STREAM_INFO, sh->reqid,
			    ibuf_data(b), ibuf_size(b));
		ibuf_free(b);
	}
	stream_req_free(q);
	sh->st = stream_next(sh->st);
	show_next(sh);
}

void
ctl_show_streams(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct st_show	*sh;

	(void)arg;
	if ((sh = calloc(1, sizeof(*sh))) == NULL) {
		control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
		return;
	}
	sh->conn = conn;
	sh->reqid = imsg->hdr.peerid;
	sh->st = stream_next(NULL);
	show_next(sh);
}
