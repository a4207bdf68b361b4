/* SPDX-License-Identifier: ISC */
/*
 * Control requests about relays (lib/ctl.h): relay create and delete
 * for the relays this node keeps at hubs (relayc.c), and show relays,
 * which lists those and, on a hub, its forwarders (hub.c).  Their
 * bodies were checked by the table in control.c.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "log.h"
#include "multiaddr.h"
#include "relayc.h"
#include "routed.h"

#define RELAY_TRUST_MAX		64	/* identifiers trusted for a hub */

/* The fields of a create request into rc and trust; NULL: all well. */
static const char *
relay_decode(struct imsg *imsg, struct remote_conf *rc,
    struct trust_conf *trust, uint32_t *flags)
{
	struct cursor	 cur;
	struct route	 r;
	struct addr	*a;
	char		 hub[1024], tid[OCKAM_ADDR_MAX + 1];
	uint32_t	 hb, n, i;
	int		 bad;

	imsg_cursor(imsg, &cur);
	cur_string(&cur, hub, sizeof(hub));
	cur_string(&cur, rc->alias, sizeof(rc->alias));
	cur_string(&cur, rc->to, sizeof(rc->to));
	cur_string(&cur, rc->identity, sizeof(rc->identity));
	hb = cur_h32(&cur);
	*flags = cur_h32(&cur);
	n = cur_h32(&cur);
	if (cur_ok(&cur) == -1 || n > RELAY_TRUST_MAX ||
	    hb > RELAY_HEARTBEAT_MAX ||
	    (*flags & ~(CTL_SC_TRUST_ANY | CTL_SC_PIN)) != 0)
		return ("malformed relay request");
	for (i = 0; i < n; i++)
		if (cur_string(&cur, tid, sizeof(tid)) == -1 ||
		    !identifier_valid(tid) || names_add(&trust->ids, tid) == -1)
			return ("invalid identifier in the trust list");
	if (cur_end(&cur) == -1)
		return ("malformed relay request");
	route_init(&r);
	bad = multiaddr_parse(hub, &r, tid, sizeof(tid)) == -1 || r.n != 1 ||
	    ((a = route_head(&r))->type != OCKAM_ADDR_TCP &&
	    a->type != OCKAM_ADDR_TLS);
	route_clear(&r);
	if (bad)
		return ("the hub's route is its TCP or TLS address, one hop");
	if (rc->alias[0] != '\0' && !alias_valid(rc->alias,
	    strlen(rc->alias)))
		return ("invalid alias (1 to 64 characters, no '/', space or "
		    "\"..\")");
	if (rc->to[0] != '\0' && (addr_valid(OCKAM_ADDR_LOCAL, rc->to,
	    strlen(rc->to)) == -1 || names_add(&rc->consumers, rc->to) == -1))
		return ("invalid \"to\" address");
	if (rc->to[0] == '\0')
		return ("a relay needs a \"to\" address: what comes through it "
		    "goes there or, by the rest of its route, nowhere else");
	if ((rc->hub = strdup(hub)) == NULL)
		return ("out of memory");
	rc->heartbeat = hb != 0 ? (int)hb : RELAY_HEARTBEAT;
	strlcpy(rc->listener, RELAY_LISTENER, sizeof(rc->listener));
	return (NULL);
}

void
ctl_relay_create(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct remote_conf	*rc;
	struct trust_conf	 trust;
	const char		*why;
	char			 err[256];
	uint32_t		 flags;

	(void)arg;
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR,
		    "out of memory");
		return;
	}
	TAILQ_INIT(&rc->consumers);
	trust_init(&trust);
	trust.everyone = 0;
	if ((why = relay_decode(imsg, rc, &trust, &flags)) != NULL) {
		remote_conf_free(rc);
		trust_free(&trust);
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO, why);
		return;
	}
	if (rc->identity[0] != '\0' && identity_find(rc->identity) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, "no such "
		    "identity on this node");
		remote_conf_free(rc);
		trust_free(&trust);
		return;
	}
	/* The outcome reaches the client later. */
	if (remote_new(rc, 1, &trust, flags, conn, imsg->hdr.peerid, err,
	    sizeof(err)) == -1)
		control_report(conn, imsg->hdr.peerid,
		    control_err_status(err), err);
	trust_free(&trust);
}

void
ctl_relay_delete(uint32_t conn, struct imsg *imsg, const char *what)
{
	struct remote	*r;

	if ((r = remote_find(what)) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, "no relay "
		    "with that address or alias on this node");
		return;
	}
	log_info("relay %s at %s: deleted by the operator", r->w->name,
	    r->rc->hub);
	remote_delete(r, "deleted by the operator");
	control_report(conn, imsg->hdr.peerid, CTL_OK, what);
}

/* "12:00:01" for when, or "-". */
static void
since(time_t when, char *buf, size_t len)
{
	struct tm	 tm;

	if (when == 0 || localtime_r(&when, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		strlcpy(buf, "-", len);
}

void
ctl_show_relays(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct remote	*r;
	const char	*f[RELAY_INFO_FIELDS];
	char		 route[1024], when[32], detail[1024];

	(void)arg;
	hub_list(conn, imsg->hdr.peerid);
	TAILQ_FOREACH(r, &remotes, entry) {
		remote_route(r, route, sizeof(route));
		since(r->changed, when, sizeof(when));
		snprintf(detail, sizeof(detail), "hub %s%s%s, to %s, "
		    "heartbeat %d s, %llu registrations, %llu forwarded%s%s",
		    r->rc->hub, r->rc->alias[0] ? ", alias " : "",
		    r->rc->alias, r->rc->to[0] ? r->rc->to : "-",
		    r->rc->heartbeat, (unsigned long long)r->nregs,
		    (unsigned long long)r->nfwd, r->why[0] ? "; last failure: " :
		    "", r->why);
		f[0] = "client";
		f[1] = r->w->name;
		f[2] = remote_state(r);
		f[3] = r->remote[0] ? r->remote : "-";
		f[4] = route;
		f[5] = when;
		f[6] = detail;
		control_strings(conn, CTL_RELAY_INFO, imsg->hdr.peerid, f,
		    RELAY_INFO_FIELDS);
	}
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}
