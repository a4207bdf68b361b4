/* SPDX-License-Identifier: ISC */
/*
 * Control requests about identities and secure channels (lib/ctl.h).
 * A malformed request gets CTL_ERR_PROTO; the node goes on.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "channel.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "log.h"
#include "multiaddr.h"

#define SC_TRUST_MAX	64	/* identifiers in one create request */

void
ctl_identity_create(uint32_t conn, struct imsg *imsg, const char *name)
{
	struct identity	*id;
	char		 err[256];

	if (identity_load(name, 1, &id, err, sizeof(err)) == -1) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
		return;
	}
	control_report(conn, imsg->hdr.peerid, CTL_OK, id->identifier);
}

void
ctl_identity_show(uint32_t conn, struct imsg *imsg, const char *name)
{
	struct identity	*id;
	struct ibuf	*b;

	if (name[0] != '\0' && identity_find(name) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "no such identity on this node");
		return;
	}
	for (id = identity_first(); id != NULL; id = identity_next(id)) {
		if (name[0] != '\0' && strcmp(name, id->name) != 0)
			continue;
		if ((b = ibuf_open(128, 256)) == NULL)
			break;
		ibuf_add_string(b, id->name);
		ibuf_add_string(b, id->identifier);
		control_reply(conn, CTL_IDENTITY_INFO, imsg->hdr.peerid,
		    ibuf_data(b), ibuf_size(b));
		ibuf_free(b);
	}
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}

void
ctl_sc_create(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct trust_conf	 trust;
	struct identity		*id;
	struct route		 to;
	struct cursor		 cur;
	const char		*errstr = "truncated";
	char			 name[OCKAM_NAME_MAX], tid[OCKAM_ADDR_MAX + 1];
	char			 err[256];
	uint32_t		 timeout, flags, n, i;

	(void)arg;
	route_init(&to);
	trust_init(&trust);
	imsg_cursor(imsg, &cur);
	cur_string(&cur, name, sizeof(name));
	timeout = cur_h32(&cur);
	flags = cur_h32(&cur);
	n = cur_h32(&cur);
	if (cur_ok(&cur) == -1 || n > SC_TRUST_MAX || timeout > 3600 ||
	    (flags & ~(CTL_SC_TRUST_ANY | CTL_SC_PIN)) != 0) {
		snprintf(err, sizeof(err), "malformed secure channel request");
		goto fail_proto;
	}
	for (i = 0; i < n; i++) {
		if (cur_string(&cur, tid, sizeof(tid)) == -1 ||
		    !identifier_valid(tid)) {
			snprintf(err, sizeof(err), "invalid identifier in the "
			    "trust list");
			goto fail_proto;
		}
		trust.everyone = 0;
		names_add(&trust.ids, tid);
	}
	if (route_decode(&cur, &to, &errstr) == -1 || cur_end(&cur) == -1 ||
	    to.n == 0) {
		snprintf(err, sizeof(err), "malformed route: %s",
		    to.n == 0 ? "empty" : errstr);
		goto fail_proto;
	}
	if (name[0] == '\0') {
		if ((id = identity_first()) == NULL) {
			snprintf(err, sizeof(err), "this node has no identity: "
			    "create one (ockamctl identity create) or "
			    "configure one (ockam.conf(5))");
			goto fail;
		}
	} else if ((id = identity_find(name)) == NULL) {
		snprintf(err, sizeof(err), "no identity \"%s\" on this node",
		    name);
		goto fail;
	}
	if (sctrust_create(&to, id, &trust, flags, timeout, conn,
	    imsg->hdr.peerid, err, sizeof(err)) == -1)
		goto fail;
	route_clear(&to);
	trust_free(&trust);
	return;
fail_proto:
	route_clear(&to);
	trust_free(&trust);
	control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO, err);
	return;
fail:
	route_clear(&to);
	trust_free(&trust);
	control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
}

void
ctl_sc_delete(uint32_t conn, struct imsg *imsg, const char *name)
{
	struct channel	*c;

	if ((c = channel_by_enc(name)) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "no secure channel with that address");
		return;
	}
	if (c->open)
		chan_send_close(c);
	channel_free(c, "deleted by the operator");
	control_report(conn, imsg->hdr.peerid, CTL_OK, name);
}

/* secure-channel unpin: the vault forgets the pin of a route. */
void
ctl_sc_unpin(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct route	 to;
	struct cursor	 cur;
	const char	*errstr = "truncated";
	char		 err[256];

	(void)arg;
	route_init(&to);
	imsg_cursor(imsg, &cur);
	if (route_decode(&cur, &to, &errstr) == -1 || cur_end(&cur) == -1 ||
	    to.n == 0) {
		snprintf(err, sizeof(err), "malformed route: %s",
		    to.n == 0 ? "empty" : errstr);
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO, err);
	} else if (sctrust_unpin(&to, conn, imsg->hdr.peerid, err,
	    sizeof(err)) == -1)
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
	route_clear(&to);
}

/* One line of show channels: its fields, CHAN_INFO_FIELDS strings. */
void
chanctl_info(uint32_t conn, uint32_t reqid, const char **f)
{
	control_strings(conn, CTL_CHANNEL_INFO, reqid, f, CHAN_INFO_FIELDS);
}

void
ctl_show_channels(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct channel	*c;
	char		 route[1024], counters[128];
	const char	*f[CHAN_INFO_FIELDS];

	(void)arg;
	TAILQ_FOREACH(c, &channels, entry) {
		if (multiaddr_print(&c->remote, route, sizeof(route)) == -1)
			strlcpy(route, "(too long)", sizeof(route));
		snprintf(counters, sizeof(counters), "sent %llu, received "
		    "%llu, rejected %llu", (unsigned long long)c->nsent,
		    (unsigned long long)c->nrecv, (unsigned long long)c->nbad);
		f[0] = c->enc;
		f[1] = c->dec;
		f[2] = c->role == NOISE_INITIATOR ? "initiator" : "responder";
		f[3] = c->open ? "open" : "handshake";
		f[4] = c->peer;
		f[5] = c->ident->name;
		f[6] = route;
		f[7] = counters;
		chanctl_info(conn, imsg->hdr.peerid, f);
	}
	chanlife_closed_show(conn, imsg->hdr.peerid);
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}
