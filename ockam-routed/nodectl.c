/* SPDX-License-Identifier: ISC */
/*
 * Control requests about messages, workers and the node itself: its
 * verbosity and, in the regress build, its test hooks (lib/ctl.h).
 * Their bodies were checked by the table in control.c.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "ctlconn.h"
#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"

#define CTL_MAX_WORKERS		64	/* app workers per client */

/* The table: at least the u32 flags, then a TransportMessage. */
void
control_send(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct message	*m;
	struct cursor	 cur;
	const char	*errstr = "truncated";
	char		 buf[128];
	uint32_t	 flags;

	(void)arg;
	imsg_cursor(imsg, &cur);
	flags = cur_h32(&cur);
	if ((m = message_new()) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed send request");
		return;
	}
	if (tmsg_decode(&m->tm, cur.p, cur.left, &errstr) == -1) {
		snprintf(buf, sizeof(buf), "malformed message: %s", errstr);
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO, buf);
		message_free(m);
		return;
	}
	m->origin = conn;
	m->reqid = imsg->hdr.peerid;
	if (flags & CTL_SEND_REPORT)
		m->flags |= MSG_REPORT;
	router_enqueue(m);
}

void
control_worker_add(uint32_t conn, struct imsg *imsg, const char *name)
{
	struct ctl_conn	*c;
	struct worker	*w;
	char		 err[256];

	if ((c = control_find(conn)) == NULL)
		return;
	if (c->nworkers >= CTL_MAX_WORKERS) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_REFUSED,
		    "too many workers for one client");
		return;
	}
	if ((w = worker_add(name, WORKER_APP, c->id, err,
	    sizeof(err))) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
		return;
	}
	c->nworkers++;
	control_report(conn, imsg->hdr.peerid, CTL_OK, w->name);
}

void
control_worker_del(uint32_t conn, struct imsg *imsg, const char *name)
{
	struct ctl_conn	*c;
	struct worker	*w;

	if ((c = control_find(conn)) == NULL)
		return;
	if ((w = worker_find(name)) == NULL || w->kind != WORKER_APP ||
	    w->owner != c->id) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "no such worker of this client");
		return;
	}
	worker_del(w);
	c->nworkers--;
	control_report(conn, imsg->hdr.peerid, CTL_OK, name);
}

void
control_show_workers(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct ctl_conn	*c;
	struct worker	*w;
	struct ibuf	*b;
	char		 detail[128];

	(void)arg;
	if ((c = control_find(conn)) == NULL)
		return;
	for (w = worker_next(NULL); w != NULL; w = worker_next(w)) {
		if (w->kind == WORKER_APP)
			snprintf(detail, sizeof(detail),
			    "client %u, %llu received", w->owner,
			    (unsigned long long)w->received);
		else if (w->kind == WORKER_STREAM_PRODUCER ||
		    w->kind == WORKER_STREAM_CONSUMER)
			sclient_detail(w, detail, sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "%llu received",
			    (unsigned long long)w->received);
		/* Sized to fit: what a client queues is counted in bytes. */
		if ((b = imsg_create(&c->ibuf, CTL_WORKER_INFO,
		    imsg->hdr.peerid, 0, 16 + strlen(w->name) +
		    strlen(detail))) == NULL)
			break;
		ibuf_add_string(b, worker_kind_name(w->kind));
		ibuf_add_string(b, w->name);
		ibuf_add_string(b, detail);
		if (imsg_close(&c->ibuf, b) == -1)
			break;
	}
	imsg_compose(&c->ibuf, CTL_END, imsg->hdr.peerid, 0, -1, NULL, 0);
}

/* A reply of n strings (a line of a listing). */
void
control_strings(uint32_t conn, uint32_t type, uint32_t reqid,
    const char **f, int n)
{
	struct ibuf	*b;
	int		 i;

	if ((b = ibuf_open(512, CTL_IMSG_MAX)) == NULL)
		return;
	for (i = 0; i < n; i++)
		ibuf_add_string(b, f[i]);
	control_reply(conn, type, reqid, ibuf_data(b), ibuf_size(b));
	ibuf_free(b);
}

/* The table: a u32, the level. */
void
control_verbose(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct cursor	 cur;
	uint32_t	 v;
	int		 iv;

	(void)arg;
	imsg_cursor(imsg, &cur);
	v = cur_h32(&cur);
	if (v > 3) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed verbose request");
		return;
	}
	iv = v;
	log_setverbose(iv);
	children_send(CHILD_VAULT, IMSG_CTL_VERBOSE, &iv, sizeof(iv));
	children_send(CHILD_TCPD, IMSG_CTL_VERBOSE, &iv, sizeof(iv));
	children_send(CHILD_STREAMD, IMSG_CTL_VERBOSE, &iv, sizeof(iv));
	control_report(conn, imsg->hdr.peerid, CTL_OK, "verbosity set");
}

/*
 * Test-only (the table lets it through with OCKAM_REGRESS alone): make
 * a process break its sandbox or send a bad imsg.  The table: a u8
 * target, a u32 variant.
 */
void
control_regress(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct ctl_conn	*c;
	struct cursor	 cur;
	uint32_t	 variant;
	uint8_t		 target;

	(void)arg;
	if ((c = control_find(conn)) == NULL)
		return;
	imsg_cursor(imsg, &cur);
	target = cur_u8(&cur);
	variant = cur_h32(&cur);
	if (target > CTL_TARGET_STREAMD ||
	    (imsg->hdr.type == CTL_REGRESS_SANDBOX &&
	    variant > REGRESS_SB_MAX) ||
	    (imsg->hdr.type == CTL_REGRESS_BADIMSG &&
	    target == CTL_TARGET_ROUTED)) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed regress request");
		return;
	}
	if (target == CTL_TARGET_STREAMD &&
	    !children[CHILD_STREAMD].connected) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "no ockam-streamd on this node");
		return;
	}
	control_report(conn, imsg->hdr.peerid, CTL_OK, "triggered");
	imsgbuf_flush(&c->ibuf);
	if (imsg->hdr.type == CTL_REGRESS_SANDBOX && target ==
	    CTL_TARGET_ROUTED) {
		privsep_regress_violate(variant, control_dirfd());
		return;
	}
	children_send(target == CTL_TARGET_VAULT ? CHILD_VAULT :
	    target == CTL_TARGET_TCPD ? CHILD_TCPD : CHILD_STREAMD,
	    imsg->hdr.type == CTL_REGRESS_SANDBOX ? IMSG_REGRESS_SANDBOX :
	    IMSG_REGRESS_BADIMSG, &variant, sizeof(variant));
}
