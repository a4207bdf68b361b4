/* SPDX-License-Identifier: ISC */
/*
 * TCP portals (doc/design.md 6): an inlet is a socket tcpd accepts on
 * a configured address (inlet.c), an outlet a worker that has tcpd
 * connect to the target its configuration names.  Each TCP connection
 * is carried by a pair of portal workers, one on each node, with the
 * messages of lib/portal.h: Ping (inlet) and Pong (outlet), each with
 * our offers, then Payload both ways, Credit, Shutdown and Disconnect.
 *
 * Pressure: the side that offered a window W may be sent W bytes of
 * Payload; it grants more (Credit) as its tcpd writes them to the
 * socket, a quarter window at a time.  W is PORTAL_WINDOW_BIG while a
 * node-wide pool of PORTAL_WINDOW_POOL bytes above PORTAL_WINDOW
 * lasts, PORTAL_WINDOW after (portal_window()): a window is what one
 * portal may hold unwritten, and a small one stalls a fast transfer,
 * its Credit not back before the far side has sent it all.  What a
 * peer grants is what our tcpd may read of the socket
 * (IMSG_TCP_PORTAL_CREDIT), so a far side that does not read stops the
 * near client.  Towards a peer that made no offer (Ockam), tcpd is
 * given back what it read at once, and what that peer sends past
 * PORTAL_HOLD not yet written stops the connection that brings it from
 * being read (portal_hold); tcpd's queue of 32 MiB a socket is the last
 * bound.  EOF is a Shutdown to a peer that takes it (a half-close), a
 * Disconnect to one that does not, as Ockam does.
 *
 * Access, checked at the first hop (portal_flow_allows): an outlet
 * takes a Ping out of a channel whose listener it names as a consumer
 * (or in on a TCP listener whose consumers name it); a portal worker
 * takes messages from the one channel or connection it was opened on,
 * and an inlet's worker, before the Pong, from its inlet's channel.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "portal.h"
#include "portals.h"
#include "privsep.h"
#include "rconn.h"
#include "routed.h"
#include "tcp.h"
#include "util.h"

struct portal_list	 portals = TAILQ_HEAD_INITIALIZER(portals);
static int			 nportals;
static uint32_t		 window_pool = PORTAL_WINDOW_POOL;
static uint32_t			 next_sock;

RB_HEAD(portal_socks, portal);
static struct portal_socks	 socks = RB_INITIALIZER(&socks);
static int			 portal_cmp(struct portal *, struct portal *);
RB_PROTOTYPE(portal_socks, portal, bysock, portal_cmp);
RB_GENERATE(portal_socks, portal, bysock, portal_cmp);

static int
portal_cmp(struct portal *a, struct portal *b)
{
	return (a->sock < b->sock ? -1 : a->sock > b->sock);
}

static struct log_count	 lc_full = LOG_COUNT_INIT(LOG_WARNING,
    "portal connections full: closed new ones");
static struct log_count	 lc_peer = LOG_COUNT_INIT(LOG_INFO,
    "portal peer broke the protocol: portal closed");

static void	 portal_send_from(struct portal *, uint32_t, const uint8_t *,
		    size_t, const void *, size_t);
static void	 portal_send_buf(struct portal *, uint32_t, uint8_t *, size_t);

struct portal *
portal_by_sock(uint32_t sock)
{
	struct portal	 key;

	key.sock = sock;
	return (RB_FIND(portal_socks, &socks, &key));
}

static void
tcpd_portal(uint32_t type, uint32_t sock, uint32_t n, const char *peer)
{
	struct tcp_portal	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.id = sock;
	tp.n = n;
	if (peer != NULL)
		strlcpy(tp.peer, peer, sizeof(tp.peer));
	children_send(CHILD_TCPD, type, &tp, sizeof(tp));
}

/* A portal message to the far worker: head, then data. */
static void
portal_send(struct portal *p, const uint8_t *head, size_t hlen,
    const void *data, size_t dlen)
{
	portal_send_from(p, 0, head, hlen, data, dlen);
}

/* The same; a drop on this node is reported to origin when not 0. */
static void
portal_send_from(struct portal *p, uint32_t origin, const uint8_t *head,
    size_t hlen, const void *data, size_t dlen)
{
	uint8_t		*buf;

	if ((buf = malloc(hlen + dlen)) == NULL) {
		log_warnx("portal %s: out of memory", p->w->name);
		return;
	}
	memcpy(buf, head, hlen);
	if (dlen > 0)
		memcpy(buf + hlen, data, dlen);
	portal_send_buf(p, origin, buf, hlen + dlen);
}

/* A message to the far worker of len bytes at buf, which it takes. */
static void
portal_send_buf(struct portal *p, uint32_t origin, uint8_t *buf,
    size_t len)
{
	struct message	*m;

	if ((m = message_new()) == NULL) {
		freezero(buf, len);
		log_warnx("portal %s: out of memory", p->w->name);
		return;
	}
	m->tm.payload = buf;
	m->tm.plen = len;
	if (route_copy(&m->tm.onward, &p->peer) == -1 ||
	    route_push_back(&m->tm.ret, OCKAM_ADDR_LOCAL, p->w->name,
	    strlen(p->w->name)) == -1) {
		message_free(m);
		log_warnx("portal %s: out of memory", p->w->name);
		return;
	}
	if (origin != 0) {
		m->origin = origin;
		m->reqid = p->sock;
		m->flags = MSG_REPORT;
	}
	router_enqueue(m);
}

static void
portal_send1(struct portal *p, uint8_t kind)
{
	portal_send(p, &kind, 1, NULL, 0);
}

const char *
portal_state(const struct portal *p)
{
	switch (p->state) {
	case PS_CHANNEL:
		return ("channel");
	case PS_PING:
		return ("ping");
	case PS_CONNECT:
		return ("connect");
	case PS_UP:
		return ("up");
	case PS_CLOSING:
		return ("closing");
	}
	return ("unknown");
}

/*
 * The open portals of inlet in, or (in NULL) those opened at an outlet
 * by a Ping out of kind#id (a channel; a TCP connection, plain).
 */
static int
portal_count(const struct inlet *in, uint8_t kind, uint32_t id)
{
	struct portal	*p;
	int		 n = 0;

	TAILQ_FOREACH(p, &portals, entry) {
		if (p->state == PS_CLOSING)
			continue;
		if (in != NULL ? p->in == in : p->oc != NULL &&
		    p->flow_kind == kind && p->flow == id)
			n++;
	}
	return (n);
}

/*
 * The window a new portal offers: PORTAL_WINDOW, and up to
 * PORTAL_WINDOW_BIG from the pool; given back at portal_free().  So all
 * portals together hold at most limit portals times PORTAL_WINDOW,
 * plus the pool.
 */
static uint32_t
portal_window(void)
{
	uint32_t	 more = PORTAL_WINDOW_BIG - PORTAL_WINDOW;

	if (more > window_pool)
		more = window_pool;
	window_pool -= more;
	return (PORTAL_WINDOW + more);
}

/*
 * A portal for tcpd's socket sock.  Past the limits portals and
 * portals-per-inlet (or without memory for its worker) it has no
 * worker (w NULL): the caller closes it at once.
 */
struct portal *
portal_new(uint32_t sock, struct inlet *in, struct outlet_conf *oc)
{
	struct portal	*p;
	char		 err[128];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("portal");
	p->sock = sock;
	RB_INSERT(portal_socks, &socks, p);
	TAILQ_INSERT_TAIL(&portals, p, entry);
	nportals++;
	if (nportals > (int)limit(LIMIT_PORTALS)) {
		log_count(&lc_full, "%d open (limit portals)", nportals - 1);
		return (p);
	}
	if (in != NULL && portal_count(in, 0, 0) >=
	    (int)limit(LIMIT_PORTALS_INLET)) {
		log_count(&lc_full, "inlet on %s: %u open (limit "
		    "portals-per-inlet)", in->name, limit(LIMIT_PORTALS_INLET));
		return (p);
	}
	if ((p->w = worker_add(NULL, WORKER_PORTAL, 0, err,
	    sizeof(err))) == NULL) {
		log_warnx("portal: %s", err);
		return (p);
	}
	p->w->portal = p;
	p->in = in;
	p->oc = oc;
	p->since = p->active = monotime();
	route_init(&p->peer);
	p->rx_window = p->rx_left = portal_window();
	return (p);
}

static void
portal_free(struct portal *p)
{
	TAILQ_REMOVE(&portals, p, entry);
	RB_REMOVE(portal_socks, &socks, p);
	nportals--;
	if (p->rx_window > PORTAL_WINDOW)
		window_pool += p->rx_window - PORTAL_WINDOW;
	if (p->xoff_conn != 0)
		tcp_read_stop(p->xoff_conn, 0);
	if (p->w != NULL)
		worker_del(p->w);
	route_clear(&p->peer);
	free(p);
}

/* Close p's socket (abort: at once): it is freed when tcpd says DOWN. */
void
portal_close(struct portal *p, int abort)
{
	if (p->state == PS_CLOSING)
		return;
	p->state = PS_CLOSING;
	tcpd_portal(IMSG_TCP_PORTAL_CLOSE, p->sock, abort, NULL);
}

/* The far side broke the protocol: Disconnect, and close at once. */
static void
portal_abort(struct portal *p, const char *why)
{
	log_count(&lc_peer, "portal %s: %s", p->w->name, why);
	if (p->peer.n > 0 && !p->disc_in)
		portal_send1(p, PORTAL_DISCONNECT);
	p->disc_in = 1;
	portal_close(p, 1);
}

/* Our offers: a window (portal_window()) and Shutdown. */
void
portal_hello(struct portal *p, int pong, uint32_t origin)
{
	uint8_t	 buf[PORTAL_HEAD_MAX];
	size_t	 n;

	n = portal_encode_ping(buf, sizeof(buf), pong, p->rx_window, 1);
	portal_send_from(p, origin, buf, n, NULL, 0);
}

/* tcpd may read n more bytes of p's socket. */
static void
portal_grant_tcpd(struct portal *p, uint32_t n)
{
	p->tx_credit += n;
	tcpd_portal(IMSG_TCP_PORTAL_CREDIT, p->sock, n, NULL);
}

/* Both sides said hello: data may flow, within the peer's window. */
static void
portal_up(struct portal *p)
{
	p->state = PS_UP;
	p->active = monotime();
	portal_grant_tcpd(p, p->credit_ok ? p->window : PORTAL_NOCREDIT);
}

/* What tcpd wrote may come again: Credit to the far side. */
static void
portal_credit(struct portal *p)
{
	uint8_t	 buf[PORTAL_HEAD_MAX];
	size_t	 n;

	n = portal_encode_credit(buf, sizeof(buf), p->to_grant);
	p->rx_left += p->to_grant;
	p->to_grant = 0;
	portal_send(p, buf, n, NULL, 0);
}

/*
 * The far worker's Ping or Pong: where it is, the channel or connection
 * it came on (all the portal takes from now on), its offers.
 */
static int
portal_hello_from(struct portal *p, struct message *m,
    const struct portal_msg *pm)
{
	route_clear(&p->peer);
	if (route_copy(&p->peer, &m->tm.ret) == -1)
		return (-1);
	p->flow_kind = m->src_kind;
	p->flow = m->src;
	p->credit_ok = pm->credit_ok;
	p->shut_ok = pm->shutdown_ok;
	p->window = pm->window;
	return (0);
}

/* A Ping refused: a Disconnect from the outlet to where it came from. */
static void
outlet_refuse(struct worker *w, const struct message *m)
{
	struct message	*r;
	uint8_t		 disc = PORTAL_DISCONNECT;

	if ((r = message_new()) == NULL ||
	    route_copy(&r->tm.onward, &m->tm.ret) == -1 ||
	    route_push_back(&r->tm.ret, OCKAM_ADDR_LOCAL, w->name,
	    strlen(w->name)) == -1 || tmsg_set_payload(&r->tm, &disc, 1) == -1) {
		message_free(r);
		return;
	}
	router_enqueue(r);
}

/* A Ping at an outlet: a new portal, and tcpd connects. */
static void
outlet_ping(struct worker *w, struct message *m, const struct portal_msg *pm)
{
	struct outlet_conf	*oc;
	struct portal		*p;

	if ((oc = outlet_by_name(w->name)) == NULL)
		fatalx("outlet %s: not configured", w->name);
	/* Over a bound: a Disconnect, so the inlet closes its client now. */
	if (nportals >= (int)limit(LIMIT_PORTALS) ||
	    portal_count(NULL, m->src_kind, m->src) >=
	    (int)limit(LIMIT_PORTALS_SOURCE)) {
		log_count(&lc_full, "outlet %s: Ping refused (limit %s)",
		    oc->name, nportals >= (int)limit(LIMIT_PORTALS) ?
		    "portals" : "portals-per-channel");
		outlet_refuse(w, m);
		return;
	}
	do {
		next_sock = (next_sock + 1) | TCP_PORTAL_OURS;
	} while (portal_by_sock(next_sock) != NULL);
	p = portal_new(next_sock, NULL, oc);
	if (p->w == NULL || portal_hello_from(p, m, pm) == -1) {
		portal_free(p);
		return;
	}
	p->state = PS_CONNECT;
	log_debug("portal %s: outlet %s to %s", p->w->name, oc->name,
	    oc->target);
	tcpd_portal(IMSG_TCP_PORTAL_OPEN, p->sock, 0, oc->target);
}

/*
 * The TCP connection p's messages come in on: its own (plain TCP), or
 * its channel's first hop.  0 when unknown.
 */
static uint32_t
portal_conn(struct portal *p)
{
	struct channel	*c;
	struct rconn	*rc;
	struct addr	*a;

	if (p->flow_kind == FLOW_TCP)
		return (p->flow);
	if (p->flow_kind != FLOW_CHANNEL ||
	    (c = channel_by_id(p->flow)) == NULL)
		return (0);
	if (c->role == NOISE_RESPONDER)
		return (c->src_conn);
	if ((a = route_head(&c->remote)) == NULL ||
	    (a->type != OCKAM_ADDR_TCP && a->type != OCKAM_ADDR_TLS) ||
	    (rc = conn_by_name(a->type == OCKAM_ADDR_TLS, a->val, 0)) == NULL)
		return (0);
	return (rc->id);
}

/*
 * A peer without Credit (Ockam) sends as it likes: past PORTAL_HOLD
 * not yet written, the connection that brings its messages is not read
 * (head-of-line blocking, the plain protocol's only pressure) until
 * half of it is written.
 */
static void
portal_hold(struct portal *p)
{
	if (p->credit_ok)
		return;
	if (p->xoff_conn == 0 && p->unwritten > PORTAL_HOLD &&
	    (p->xoff_conn = portal_conn(p)) != 0)
		tcp_read_stop(p->xoff_conn, 1);
	else if (p->xoff_conn != 0 && p->unwritten < PORTAL_HOLD / 2) {
		tcp_read_stop(p->xoff_conn, 0);
		p->xoff_conn = 0;
	}
}

/*
 * The bytes of m's Payload for p's socket: DATA to tcpd, which takes m's
 * payload as it is, not copied (imsg_close_part()).
 */
static void
portal_data_out(struct portal *p, struct message *m, const uint8_t *data,
    size_t len)
{
	struct ibuf	*b;

	if ((b = imsg_create(&children[CHILD_TCPD].ibuf,
	    IMSG_TCP_PORTAL_DATA, 0, 0, sizeof(p->sock))) == NULL ||
	    ibuf_add(b, &p->sock, sizeof(p->sock)) == -1 ||
	    imsg_close_part(&children[CHILD_TCPD].ibuf, b, m->tm.payload,
	    m->tm.plen, data - m->tm.payload, len) == -1)
		fatal("imsg to tcpd");
	m->tm.payload = NULL;
	m->tm.plen = 0;
	p->unwritten += len;
	portal_hold(p);
}

/* What the far worker sent ours. */
static void
portal_input(struct portal *p, struct message *m, struct portal_msg *pm)
{
	switch (pm->kind) {
	case PORTAL_PONG:
		if (p->in == NULL || p->state != PS_PING)
			break;
		if (portal_hello_from(p, m, pm) == -1)
			portal_close(p, 1);
		else
			portal_up(p);
		return;
	case PORTAL_PAYLOAD:
		if (p->state != PS_UP)
			break;
		if (p->credit_ok && pm->len > p->rx_left) {
			portal_abort(p, "payload past the window");
			return;
		}
		if (p->credit_ok)
			p->rx_left -= pm->len;
		p->active = monotime();
		p->nin += pm->len;
		if (pm->len > 0)
			portal_data_out(p, m, pm->data, pm->len);
		return;
	case PORTAL_CREDIT:
		if (p->state != PS_UP || !p->credit_ok)
			break;
		if (pm->window > PORTAL_WINDOW_MAX - p->tx_credit) {
			portal_abort(p, "credit past 1 GiB");
			return;
		}
		portal_grant_tcpd(p, pm->window);
		return;
	case PORTAL_SHUTDOWN:
		if (p->state != PS_UP || !p->shut_ok)
			break;
		tcpd_portal(IMSG_TCP_PORTAL_SHUT, p->sock, 0, NULL);
		return;
	case PORTAL_DISCONNECT:
		p->disc_in = 1;
		portal_close(p, 0);
		return;
	default:
		break;
	}
	if (p->state != PS_CLOSING)
		portal_abort(p, "message out of turn");
}

void
portal_handle(struct worker *w, struct message *m)
{
	struct portal_msg	 pm;
	const char		*why;

	if (portal_decode(m->tm.payload, m->tm.plen, &pm, &why) == -1) {
		if (w->kind == WORKER_PORTAL)
			portal_abort(w->portal, why);
		router_drop(m, "%s %s: %s", worker_kind_name(w->kind),
		    w->name, why);
		return;
	}
	if (w->kind == WORKER_OUTLET && pm.kind == PORTAL_PING)
		outlet_ping(w, m, &pm);
	else if (w->kind == WORKER_OUTLET)
		log_debug("outlet %s: not a Ping, dropped", w->name);
	else
		portal_input(w->portal, m, &pm);
	message_free(m);
}

/*
 * First-hop access to an outlet or a portal worker (doc/design.md 6):
 * 1 or 0, or -1 when name is neither (the router decides as before).
 */
int
portal_flow_allows(struct message *m, const char *name)
{
	struct worker		*w;
	struct outlet_conf	*oc;
	struct channel		*c;
	struct portal		*p;

	if ((w = worker_find(name)) == NULL)
		return (-1);
	if (w->kind == WORKER_OUTLET) {
		if (m->flow_kind != FLOW_CHANNEL)
			return (-1);	/* a TCP listener's consumers */
		oc = outlet_by_name(name);
		return (oc != NULL && (c = channel_by_id(m->flow)) != NULL &&
		    c->role == NOISE_RESPONDER && c->listener != NULL &&
		    names_find(&oc->consumers, c->listener->name));
	}
	if (w->kind != WORKER_PORTAL)
		return (-1);
	p = w->portal;
	if (p->flow_kind != FLOW_NONE)
		return (m->flow_kind == p->flow_kind && m->flow == p->flow);
	/* An inlet's, before the Pong: its channel, or (plain) TCP. */
	if (p->in == NULL || p->state != PS_PING)
		return (0);
	if (p->in->ch != NULL)
		return (m->flow_kind == FLOW_CHANNEL &&
		    m->flow == p->in->ch->chan);
	return (m->flow_kind == FLOW_TCP);
}

/* tcpd: a socket is up (accepted on an inlet, or opened for OPEN). */
static void
portal_imsg_up(struct imsg *imsg, struct tcp_portal *tp)
{
	struct portal	*p;

	if (memchr(tp->peer, '\0', sizeof(tp->peer)) == NULL)
		imsg_bad("tcpd", imsg, "unterminated peer");
	p = portal_by_sock(tp->id);
	if (tp->inlet != 0) {
		if (p != NULL)
			imsg_bad("tcpd", imsg, "portal id in use");
		inlet_accepted(imsg, tp);
		return;
	}
	if (p == NULL || p->state != PS_CONNECT) {
		if (p == NULL || p->state != PS_CLOSING)
			imsg_bad("tcpd", imsg, "UP for no OPEN");
		return;
	}
	portal_hello(p, 1, 0);
	portal_up(p);
}

void
portal_imsg(struct imsg *imsg)
{
	struct tcp_portal	 tp;
	struct portal		*p;

	memcpy(&tp, imsg->data, sizeof(tp));
	if (imsg->hdr.type == IMSG_TCP_PORTAL_UP) {
		portal_imsg_up(imsg, &tp);
		return;
	}
	if ((p = portal_by_sock(tp.id)) == NULL)
		imsg_bad("tcpd", imsg, "no such portal socket");
	switch (imsg->hdr.type) {
	case IMSG_TCP_PORTAL_WROTE:
		if (tp.n == 0 || tp.n > p->unwritten)
			imsg_bad("tcpd", imsg, "wrote more than it was sent");
		p->unwritten -= tp.n;
		if (!p->credit_ok) {
			portal_hold(p);
			break;
		}
		/*
		 * A quarter window at a time, never per write: the far side
		 * still has three quarters to send, and a Credit per Payload
		 * would be a message back, and a wake-up of each process on
		 * the way, for each one.
		 */
		p->to_grant += tp.n;
		if (p->state == PS_UP && p->to_grant >= p->rx_window / 4)
			portal_credit(p);
		break;
	case IMSG_TCP_PORTAL_SHUT:
		if (p->state != PS_UP)
			break;
		if (p->shut_ok) {
			portal_send1(p, PORTAL_SHUTDOWN);
			break;
		}
		portal_send1(p, PORTAL_DISCONNECT);
		p->disc_in = 1;		/* nothing more to say */
		portal_close(p, 0);
		break;
	case IMSG_TCP_PORTAL_DOWN:
		if (memchr(tp.why, '\0', sizeof(tp.why)) == NULL)
			imsg_bad("tcpd", imsg, "unterminated reason");
		log_debug("portal %s: socket closed: %s", p->w != NULL ?
		    p->w->name : "(none)", safe_str(tp.why, strlen(tp.why)));
		if (!p->disc_in && p->peer.n > 0 && p->state != PS_CHANNEL)
			portal_send1(p, PORTAL_DISCONNECT);
		portal_free(p);
		break;
	}
}

/* DATA from tcpd: bytes read from p's socket, within its credit. */
void
portal_imsg_data(struct imsg *imsg)
{
	uint8_t		 head[PORTAL_HEAD_MAX];
	struct portal	*p;
	uint32_t	 id;
	size_t		 len = imsg->len - sizeof(id), n;

	memcpy(&id, imsg->data, sizeof(id));
	if ((p = portal_by_sock(id)) == NULL)
		imsg_bad("tcpd", imsg, "no such portal socket");
	if (len == 0 || len > PORTAL_DATA_MAX || len > p->tx_credit)
		imsg_bad("tcpd", imsg, "portal data empty or past credit");
	p->tx_credit -= len;
	if (p->state != PS_UP)
		return;
	p->active = monotime();
	p->nout += len;
	n = portal_payload_head(head, sizeof(head), len);
	if (n == sizeof(id)) {
		/* The head in the id's place: the imsg's buffer is taken. */
		memcpy(imsg->data, head, n);
		portal_send_buf(p, 0, imsg->data, imsg->len);
		imsg->data = NULL;
	} else
		portal_send(p, head, n, (uint8_t *)imsg->data + sizeof(id),
		    len);
	if (!p->credit_ok)
		portal_grant_tcpd(p, len);
}

/* A channel or a TCP connection is gone: so are the portals on it. */
void
portal_gone(uint8_t kind, uint32_t id)
{
	struct portal	*p, *next;

	if (kind == FLOW_CHANNEL)
		inlet_channel_gone(id);
	TAILQ_FOREACH_SAFE(p, &portals, entry, next)
		if (p->flow_kind == kind && p->flow == id) {
			p->disc_in = 1;		/* nobody to tell */
			portal_close(p, 1);
		}
}

/*
 * Once a second: portals that did not open in time are closed, and
 * those without a byte either way for portal-idle-timeout.
 */
void
portal_tick(void)
{
	static struct log_count	 lc_idle = LOG_COUNT_INIT(LOG_INFO,
				    "portals closed: idle");
	struct portal		*p, *next;
	time_t			 now = monotime();

	TAILQ_FOREACH_SAFE(p, &portals, entry, next) {
		if ((p->state == PS_CHANNEL || p->state == PS_PING ||
		    p->state == PS_CONNECT) && now - p->since >
		    (time_t)limit(LIMIT_PORTAL_OPEN)) {
			log_debug("portal %s: not open after %lld s",
			    p->w->name, (long long)(now - p->since));
			portal_close(p, 1);
		} else if (p->state == PS_UP && now - p->active >=
		    (time_t)limit(LIMIT_PORTAL_IDLE)) {
			log_count(&lc_idle, "portal %s: %lld s", p->w->name,
			    (long long)(now - p->active));
			if (p->peer.n > 0 && !p->disc_in)
				portal_send1(p, PORTAL_DISCONNECT);
			p->disc_in = 1;
			portal_close(p, 1);
		}
	}
}

/*
 * The portals of inlet in, or of outlet oc, close at once: their
 * inlet or outlet is stopped (their far sides hear a Disconnect).
 */
void
portal_close_all(struct inlet *in, struct outlet_conf *oc)
{
	struct portal	*p;

	TAILQ_FOREACH(p, &portals, entry) {
		if ((in == NULL || p->in != in) && (oc == NULL || p->oc != oc))
			continue;
		portal_close(p, 1);
		p->in = NULL;
		p->oc = NULL;
	}
}

/* The node is ready: outlet workers, and the inlets' state. */
void
portal_configure(struct ockam_conf *conf)
{
	struct outlet_conf	*oc;

	TAILQ_FOREACH(oc, &conf->outlets, entry)
		outlet_add(oc);
	inlet_configure(conf);
}

void
portal_shutdown(void)
{
	struct portal	*p;

	while ((p = TAILQ_FIRST(&portals)) != NULL)
		portal_free(p);
	inlet_shutdown();
	outlet_shutdown();
}
