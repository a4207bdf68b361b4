/* SPDX-License-Identifier: ISC */
/*
 * ockamctl tcp-inlet create and delete (lib/ctl.h CTL_TCP_INLET_*): a
 * portal inlet started or stopped while the node runs, through
 * inlet_start() and inlet_stop() (inlet.c), which a reload calls too.
 * The client hears once tcpd has bound the inlet, or why it could not.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "control.h"
#include "ctl.h"
#include "imsg.h"
#include "log.h"
#include "portals.h"

struct inlet_req {
	uint32_t	 conn;
	uint32_t	 reqid;
};

/*
 * ADDR:PORT or [IPv6]:PORT, a numeric address and a port 0 to 65535:
 * the family, the address in canonical text and the port; -1 if not.
 */
static int
inlet_addr(const char *text, char *canon, size_t len, uint16_t *port)
{
	struct in6_addr	 in6;
	char		 addr[INET6_ADDRSTRLEN + 2];
	const char	*colon, *errstr;
	size_t		 n;
	int		 v6;

	if ((colon = strrchr(text, ':')) == NULL ||
	    (n = colon - text) >= sizeof(addr))
		return (-1);
	*port = strtonum(colon + 1, 0, 65535, &errstr);
	if (errstr != NULL || colon[1] == '\0')
		return (-1);
	memcpy(addr, text, n);
	addr[n] = '\0';
	if ((v6 = addr[0] == '[')) {
		if (n < 2 || addr[n - 1] != ']')
			return (-1);
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = '\0';
	}
	if (!v6 && inet_pton(AF_INET, addr, &in6) == 1 &&
	    inet_ntop(AF_INET, &in6, canon, len) != NULL)
		return (4);
	if (v6 && inet_pton(AF_INET6, addr, &in6) == 1 &&
	    inet_ntop(AF_INET6, &in6, canon, len) != NULL)
		return (6);
	return (-1);
}

static void
inlet_created(void *arg, int error, const char *msg)
{
	struct inlet_req	*r = arg;

	control_report(r->conn, r->reqid, error == 0 ? CTL_OK : CTL_ERR, msg);
	free(r);
}

static void
inlet_conf_clear(struct inlet_conf *ic)
{
	route_clear(&ic->via_route);
	route_clear(&ic->to_route);
}

void
ctl_tcp_inlet_create(uint32_t conn, struct imsg *imsg, const char *arg)
{
	struct inlet_conf	 ic;
	struct inlet_req	*r;
	struct cursor		 cur;
	char			 from[TCP_PEER_MAX], via[CTL_MSG_MAX];
	char			 to[CTL_MSG_MAX], err[CTL_MSG_MAX];

	(void)arg;
	imsg_cursor(imsg, &cur);
	cur_string(&cur, from, sizeof(from));
	cur_string(&cur, via, sizeof(via));
	cur_string(&cur, to, sizeof(to));
	if (cur_end(&cur) == -1) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR_PROTO,
		    "malformed inlet request");
		return;
	}
	memset(&ic, 0, sizeof(ic));
	route_init(&ic.via_route);
	route_init(&ic.to_route);
	if ((ic.family = inlet_addr(from, ic.addr, sizeof(ic.addr),
	    &ic.port)) == -1) {
		snprintf(err, sizeof(err), "\"%s\" is not ADDRESS:PORT (a "
		    "numeric IPv4 address, or IPv6 in brackets)", from);
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
		return;
	}
	if (via[0] != '\0' && identity_first() == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, "a channel "
		    "(via) needs an identity on this node");
		return;
	}
	if ((via[0] != '\0' && inlet_route(via, &ic.via_route, err,
	    sizeof(err)) == -1) || inlet_route(to, &ic.to_route, err,
	    sizeof(err)) == -1) {
		inlet_conf_clear(&ic);
		control_report(conn, imsg->hdr.peerid, CTL_ERR, err);
		return;
	}
	ic.via = via[0] != '\0' ? via : NULL;
	ic.to = to;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("inlet");
	r->conn = conn;
	r->reqid = imsg->hdr.peerid;
	/* The client hears through inlet_created(), now or later. */
	inlet_start(&ic, 0, inlet_created, r);
	inlet_conf_clear(&ic);
}

/* show listeners: the inlets that run, "inlet ID", where, where to. */
void
ctl_inlet_listeners(uint32_t conn, uint32_t reqid)
{
	struct inlet	*in;
	const char	*f[3];
	char		 kind[32], to[1000];	/* ockamctl takes 1023 */

	for (in = inlet_next(NULL); in != NULL; in = inlet_next(in)) {
		if (in->state != INLET_UP)
			continue;
		snprintf(kind, sizeof(kind), "inlet %u", in->ic->id);
		snprintf(to, sizeof(to), "%s%s%sto %s", in->ch != NULL ?
		    "via " : "", in->ch != NULL ? in->ic->via : "",
		    in->ch != NULL ? ", " : "", in->ic->to);
		f[0] = kind;
		f[1] = in->name;
		f[2] = to;
		control_strings(conn, CTL_LISTENER_INFO, reqid, f, 3);
	}
}

void
ctl_tcp_inlet_delete(uint32_t conn, struct imsg *imsg, const char *what)
{
	struct inlet	*in;
	const char	*errstr;
	char		 addr[INET6_ADDRSTRLEN], name[TCP_PEER_MAX];
	char		 msg[TCP_PEER_MAX + 16];
	uint32_t	 id;
	uint16_t	 port;
	int		 family;

	id = strtonum(what, 1, UINT32_MAX, &errstr);
	if (errstr == NULL)
		in = inlet_find(id, NULL);
	else if ((family = inlet_addr(what, addr, sizeof(addr),
	    &port)) != -1) {
		inlet_name(family, addr, port, name, sizeof(name));
		in = inlet_find(0, name);
	} else
		in = NULL;
	if (in == NULL) {
		control_report(conn, imsg->hdr.peerid, CTL_ERR, "no such "
		    "inlet on this node (an id, or the ADDRESS:PORT it is "
		    "bound to)");
		return;
	}
	snprintf(msg, sizeof(msg), "%u %s", in->ic->id, in->name);
	inlet_stop(in->ic->id);
	control_report(conn, imsg->hdr.peerid, CTL_OK, msg);
}
