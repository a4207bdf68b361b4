/* SPDX-License-Identifier: ISC */
/*
 * The stream index service of a hub (doc/design.md 6, the protocol in
 * 4.5): consumers' offsets, kept by ockam-streamd per client id and
 * stream name.  Save keeps the larger of the saved and the new index
 * and has no reply (Ockam's consumer starts a fetch loop on every
 * Index it gets); Get answers Index, the index absent when none was
 * saved, 0 after a Save of 0.  What cannot be decoded gets `error'.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "buf.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "stream.h"
#include "streamd.h"
#include "util.h"

static struct log_count		 lc_bad = LOG_COUNT_INIT(LOG_INFO,
    "stream index requests refused: malformed");

static void
get_done(struct st_req *q, const void *data, size_t len)
{
	struct streamd_offset	 ans;
	struct stream_index	 idx;
	struct ibuf		*b;

	if (data != NULL) {
		if (len != sizeof(ans))
			streamd_bad("GET size");
		memcpy(&ans, data, sizeof(ans));
		if (ans.found > 1)
			streamd_bad("GET found");
		memset(&idx, 0, sizeof(idx));
		idx.op = STREAM_INDEX_REPLY;
		strlcpy(idx.client_id, q->client, sizeof(idx.client_id));
		strlcpy(idx.name, q->name, sizeof(idx.name));
		idx.has_index = ans.found;
		idx.index = ans.index;
		if ((b = ibuf_open(64, OCKAM_MSG_MAX)) != NULL)
			stream_enc_index(b, &idx);
		stream_send(q->from, &q->ret, b);
	}
	stream_req_free(q);
}

void
stream_index_handle(struct worker *w, struct message *m)
{
	struct stream_index		 idx;
	struct streamd_offset_req	 off;
	struct cursor			 c;
	struct st_req			*q;
	const char			*errstr;
	int				 proto;

	if (stream_request(w, m, &proto, &c) == -1)
		return;
	if ((proto != STREAM_P_INDEX && (errstr = "not stream_index") !=
	    NULL) || stream_dec_index(&c, &idx, &errstr) == -1) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "%s", errstr);
		goto done;
	}
	if (idx.client_id[0] == '\0' ||
	    strlen(idx.client_id) >= STREAMD_CLIENT_MAX ||
	    !streamd_name_valid(idx.name, strlen(idx.name))) {
		stream_error(&lc_bad, w->name, &m->tm.ret, "Invalid request: "
		    "client id or stream name");
		goto done;
	}
	memset(&off, 0, sizeof(off));
	strlcpy(off.client, idx.client_id, sizeof(off.client));
	strlcpy(off.name, idx.name, sizeof(off.name));
	off.index = idx.index;
	if (idx.op == STREAM_INDEX_SAVE) {
		/* No reply, even when dropped (streamd_call() logged it). */
		(void)streamd_call(IMSG_STREAMD_SAVE, &off, sizeof(off), NULL,
		    0, NULL, NULL);
		goto done;
	}
	if ((q = stream_req(w->name, m)) == NULL)
		goto done;
	strlcpy(q->client, idx.client_id, sizeof(q->client));
	strlcpy(q->name, idx.name, sizeof(q->name));
	if (streamd_call(IMSG_STREAMD_GET, &off, sizeof(off), NULL, 0,
	    get_done, q) == -1) {
		stream_error(NULL, w->name, &m->tm.ret, "index service busy");
		stream_req_free(q);
	}
 done:
	message_free(m);
}
