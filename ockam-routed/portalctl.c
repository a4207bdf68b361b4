/* SPDX-License-Identifier: ISC */
/*
 * show portals (lib/ctl.h CTL_SHOW_PORTALS): each portal connection,
 * an inlet's or an outlet's, with its state, where it goes and what it
 * carried.  The body was checked by the table in control.c.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "multiaddr.h"
#include "portals.h"
#include "tcp.h"
#include "util.h"

#define PORTAL_INFO_FIELDS	7

void
ctl_show_portals(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct portal	*p;
	const char	*f[PORTAL_INFO_FIELDS];
	char		 local[2 * OCKAM_ADDR_MAX + 80], route[1024];
	char		 age[32], detail[160];

	(void)arg;
	TAILQ_FOREACH(p, &portals, entry) {
		if (p->w == NULL)
			continue;	/* over a bound: closing at once */
		if (p->in != NULL)
			snprintf(local, sizeof(local), "inlet %s",
			    p->in->name);
		else if (p->oc != NULL)
			snprintf(local, sizeof(local), "outlet %s to %s",
			    p->oc->name, p->oc->target);
		else
			strlcpy(local, "-", sizeof(local));
		if (p->peer.n == 0 ||
		    multiaddr_print(&p->peer, route, sizeof(route)) == -1)
			strlcpy(route, "-", sizeof(route));
		snprintf(age, sizeof(age), "%lld s",
		    (long long)(monotime() - p->since));
		snprintf(detail, sizeof(detail), "%llu bytes in, %llu out, "
		    "idle %lld s, window %u KiB%s", (unsigned long long)p->nin,
		    (unsigned long long)p->nout,
		    (long long)(monotime() - p->active), p->rx_window >> 10,
		    p->credit_ok ? ", credit" : ", no credit (an Ockam peer)");
		/* Its inlet or outlet may be stopped: it closes. */
		f[0] = p->sock & TCP_PORTAL_OURS ? "outlet" : "inlet";
		f[1] = p->w->name;
		f[2] = portal_state(p);
		f[3] = local;
		f[4] = route;
		f[5] = age;
		f[6] = detail;
		control_strings(conn, CTL_PORTAL_INFO, imsg->hdr.peerid, f,
		    PORTAL_INFO_FIELDS);
	}
	control_reply(conn, CTL_END, imsg->hdr.peerid, NULL, 0);
}
