/* SPDX-License-Identifier: ISC */
/*
 * ockamctl show streams (CTL_SHOW_STREAMS): every stream in this hub's
 * storage, opened since start-up or not (the embedded log's streams
 * on disk, or the streams in Redis, whichever hub made them).
 * ockam-streamd lists them STREAMD_LIST_COUNT at a time (LIST); each
 * goes to the client as one CTL_STREAM_INFO, with its worker when the
 * stream service opened it ("-" when not), then CTL_END.  At most
 * SHOW_STREAMS_MAX go (bounding what one listing queues for its
 * client), and at most SHOW_ROUNDS_MAX LISTs are asked (a Redis with
 * many other keys): past them, and when streamd could not list them
 * all (Redis gone, or a SCAN that gave more than an answer holds), the
 * listing ends with CTL_RESULT saying so.  On a node without a stream
 * service the listing is empty.  A client that went meanwhile misses
 * nothing but its answers.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
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

#define SHOW_STREAMS_MAX	1024	/* streams in one listing */
#define SHOW_ROUNDS_MAX		8192	/* LISTs in one listing (Redis: a
					   SCAN of 32 keys each) */

/* One listing: whom to answer, how far it went. */
struct st_show {
	uint32_t	 conn;
	uint32_t	 reqid;
	uint32_t	 sent;		/* streams listed */
	uint32_t	 rounds;	/* LISTs asked */
	uint32_t	 cut;		/* streams streamd could not list */
};

static const char	*show_backend = "embedded";

static void	list_done(struct st_req *, const void *, size_t);

/* Start-up: the storage's name for the listing. */
void
stream_show_backend(const char *name)
{
	show_backend = name;
}

/* The listing is over: said, and sh freed. */
static void
show_end(struct st_show *sh, const char *why)
{
	char	 msg[128];

	if (why == NULL && sh->cut == 0)
		control_reply(sh->conn, CTL_END, sh->reqid, NULL, 0);
	else {
		if (why == NULL)
			snprintf(msg, sizeof(msg), "%u streams not listed: "
			    "Redis gave more at once than an answer holds",
			    sh->cut);
		else
			snprintf(msg, sizeof(msg), "%s", why);
		control_report(sh->conn, sh->reqid, CTL_ERR, msg);
	}
	free(sh);
}

/* Ask streamd for the streams from cursor on. */
static void
show_ask(struct st_show *sh, uint64_t cursor)
{
	struct streamd_list_req	 req;
	struct st_req		*q;

	if (++sh->rounds > SHOW_ROUNDS_MAX) {
		show_end(sh, "listing cut: Redis holds too many keys to scan "
		    "them all");
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		show_end(sh, "out of memory");
		return;
	}
	route_init(&q->ret);
	q->show = sh;
	memset(&req, 0, sizeof(req));
	req.cursor = cursor;
	if (streamd_call(IMSG_STREAMD_LIST, &req, sizeof(req), NULL, 0,
	    list_done, q) == -1) {
		stream_req_free(q);
		show_end(sh, "the stream storage is busy or gone");
	}
}

/* The worker of a stream the stream service opened, or "-". */
static const char *
show_worker(const char *name)
{
	struct stream	*st;

	for (st = stream_next(NULL); st != NULL; st = stream_next(st))
		if (strcmp(st->name, name) == 0)
			return (st->w->name);
	return ("-");
}

/* One stream, to the client. */
static void
show_one(struct st_show *sh, const struct streamd_list_ent *e)
{
	struct ibuf	*b;

	if ((b = ibuf_open(128, CTL_IMSG_MAX)) == NULL)
		return;
	ibuf_add_string(b, e->name);
	ibuf_add_string(b, show_worker(e->name));
	ibuf_add_string(b, show_backend);
	ibuf_add_h64(b, e->next - e->first);
	ibuf_add_h64(b, e->first);
	ibuf_add_h64(b, e->next);
	ibuf_add_h64(b, e->bytes);
	if (ibuf_error(b) == 0)
		control_reply(sh->conn, CTL_STREAM_INFO, sh->reqid,
		    ibuf_data(b), ibuf_size(b));
	ibuf_free(b);
}

static void
list_done(struct st_req *q, const void *data, size_t len)
{
	struct st_show		*sh = q->show;
	struct streamd_list	 ans;
	struct streamd_list_ent	 e;
	const uint8_t		*p = data;
	uint32_t		 i;
	char			 msg[64];

	stream_req_free(q);
	if (data == NULL) {
		/* Shutting down: nobody hears the end. */
		free(sh);
		return;
	}
	if (len < sizeof(ans))
		streamd_bad("LIST size");
	memcpy(&ans, p, sizeof(ans));
	if (ans.count > STREAMD_LIST_COUNT ||
	    len != sizeof(ans) + ans.count * sizeof(e) ||
	    (ans.status != STREAMD_OK && ans.status != STREAMD_ERR_IO) ||
	    (ans.status != STREAMD_OK && ans.count != 0))
		streamd_bad("LIST answer");
	for (i = 0; i < ans.count; i++) {
		memcpy(&e, p + sizeof(ans) + i * sizeof(e), sizeof(e));
		if (memchr(e.name, '\0', sizeof(e.name)) == NULL ||
		    !streamd_name_valid(e.name, strlen(e.name)) ||
		    e.next < e.first)
			streamd_bad("LIST entry");
		if (sh->sent == SHOW_STREAMS_MAX) {
			snprintf(msg, sizeof(msg), "only the first %u streams "
			    "are listed", SHOW_STREAMS_MAX);
			show_end(sh, msg);
			return;
		}
		show_one(sh, &e);
		sh->sent++;
	}
	sh->cut += ans.cut;
	if (ans.status != STREAMD_OK)
		show_end(sh, "the stream storage cannot be reached");
	else if (ans.cursor == 0)
		show_end(sh, NULL);
	else
		show_ask(sh, ans.cursor);
}

void
ctl_show_streams(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct st_show	*sh;

	(void)arg;
	/* No stream service, no streamd: nothing to list. */
	if (!children[CHILD_STREAMD].connected ||
	    (sh = calloc(1, sizeof(*sh))) == NULL) {
		control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
		return;
	}
	sh->conn = conn;
	sh->reqid = imsg->hdr.peerid;
	show_ask(sh, 0);
}
