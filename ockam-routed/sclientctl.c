/* SPDX-License-Identifier: ISC */
/*
 * ockamctl stream client create (lib/ctl.h): a stream client made at
 * run time, as "stream client at" makes one (streamclient.c).  Its
 * body's shape was checked by the table in control.c; its fields are
 * checked as the configuration's are (confsclient.c).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "log.h"
#include "routed.h"
#include "streamclient.h"

#define SCLIENT_CONSUMERS_MAX	64

void
ctl_sclient_create(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct sclient_conf	*sc;
	struct cursor		 cur;
	const char		*opts[SCOPT_MAX];
	char			 hub[1024], f[4][OCKAM_ADDR_MAX + 1];
	char			 cons[OCKAM_ADDR_MAX + 1], ival[16];
	char			 err[256], route[OCKAM_ADDR_MAX + 16];
	uint32_t		 interval, n, i;

	(void)arg;
	imsg_cursor(imsg, &cur);
	cur_string(&cur, hub, sizeof(hub));
	for (i = 0; i < 4; i++)
		cur_string(&cur, f[i], sizeof(f[i]));
	interval = cur_h32(&cur);
	n = cur_h32(&cur);
	if (cur_ok(&cur) == -1 || n > SCLIENT_CONSUMERS_MAX) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed stream client request");
		return;
	}
	memset(opts, 0, sizeof(opts));
	opts[SCOPT_SEND] = f[0];
	opts[SCOPT_RECEIVE] = f[1];
	opts[SCOPT_NAME] = f[2];
	opts[SCOPT_CLIENT_ID] = f[3][0] != '\0' ? f[3] : NULL;
	if (interval != 0) {
		snprintf(ival, sizeof(ival), "%u", interval);
		opts[SCOPT_INTERVAL] = ival;
	}
	if ((sc = sclient_conf_make(hub, opts, err, sizeof(err))) == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
		return;
	}
	for (i = 0; i < n; i++)
		if (cur_string(&cur, cons, sizeof(cons)) == -1 ||
		    addr_valid(OCKAM_ADDR_LOCAL, cons, strlen(cons)) == -1 ||
		    names_add(&sc->consumers, cons) == -1) {
			sclient_conf_free(sc);
			control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
			    "invalid consumer address");
			return;
		}
	if (cur_end(&cur) == -1) {
		sclient_conf_free(sc);
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed stream client request");
		return;
	}
	snprintf(route, sizeof(route), "/service/%s", sc->name);
	if (sclient_new(sc, 1, err, sizeof(err)) == -1) {
		control_report(conn, imsg->hdr.peerid,
		    control_err_status(err), err);
		return;
	}
	log_info("stream client %s: made by a control client, at %s",
	    f[2], hub);
	control_report(conn, imsg->hdr.peerid, CTL_OK, route);
}
