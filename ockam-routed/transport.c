/* SPDX-License-Identifier: ISC */
/*
 * routed's side of the transport (lib/tcp.h): messages whose next hop
 * is a TCP (or TLS) address go to ockam-tcpd, frames tcpd has checked
 * come back with the connection's address in front of their return
 * route, and the connection table that ockamctl shows.
 *
 * Flow control, default deny: what arrives on a connection accepted by
 * a listener may make its first hop only to that listener's consumers
 * (and to the decryptors of the channels that a consumer, a secure
 * channel listener, has accepted: the rest of their handshake and their
 * messages come the same way; and to where a consumer relay forwards);
 * what arrives on a connection this node opened only to where the
 * messages this node sent on it came from (the head of their return
 * routes: a local worker, or the connection a relayed message came in
 * on).  Replies find their way back; nothing else gets in.
 *
 * A grant to reply to another connection (a relay's client) is kept by
 * that connection, at most reply-grants of them, and goes with it: the
 * clients of a relay cannot push out one another's.  What arrives is
 * let in or not when it arrives, while its connection is known for
 * sure, even if the connection closes before it is routed.
 *
 * Names: a connection this node opened is named in routes by the peer
 * name it was opened with; one a listener accepted by "@ID.TAG" (tcp.h),
 * its id and a random tag, never by its remote address: what goes to it
 * goes by id, and fails once it has closed.  A name of that form is
 * never dialled, and a remote address is dialled like any other name,
 * never taken for an accepted connection.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "buf.h"
#include "ctl.h"
#include "imsg.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "rconn.h"
#include "reload.h"
#include "routed.h"
#include "tcp.h"
#include "util.h"

#define TCP_SENDERS		32	/* return heads remembered per peer */
#define TCP_HELD_MAX		256	/* messages held for a paused peer */
#define TCP_TOKENS		1024	/* senders waiting to hear of failure */
#define TCP_PEERFLOWS_MAX	4096	/* peers whose replies are admitted */
#define TCP_HIGH_WATER		(8 * 1024 * 1024)
#define TCP_LOW_WATER		(2 * 1024 * 1024)


/*
 * The local workers that sent to a peer: its replies may go there.  A
 * connection that sent keeps its own grants (rconn).
 */
struct peerflow {
	TAILQ_ENTRY(peerflow)	 entry;
	int			 tls;
	char			 peer[TCP_PEER_MAX];
	struct recent		 heads;
};

struct token {
	uint32_t		 token;
	uint32_t		 origin;
	uint32_t		 reqid;
};

static TAILQ_HEAD(, rconn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static TAILQ_HEAD(, peerflow)	 flows = TAILQ_HEAD_INITIALIZER(flows);
static struct token		 tokens[TCP_TOKENS];
static uint32_t			 next_token = 1;
static struct ockam_conf	*tcpconf;
static int			 backlogged;
static int			 nflows;
static size_t			 held;		/* by all paused peers */
static struct log_count		 lc_backlog = LOG_COUNT_INIT(LOG_INFO,
    "tcpd lags: pausing control clients and what tcpd received");
static struct log_count		 lc_accepted = LOG_COUNT_INIT(LOG_INFO,
    "accepted connections");
static struct log_count		 lc_closed = LOG_COUNT_INIT(LOG_INFO,
    "accepted connections closed");

struct rconn *
conn_by_id(uint32_t id)
{
	struct rconn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

/* Walk the connections: conn_next(NULL) is the first. */
struct rconn *
conn_next(struct rconn *c)
{
	return (c == NULL ? TAILQ_FIRST(&conns) : TAILQ_NEXT(c, entry));
}

struct ockam_conf *
tcp_conf(void)
{
	return (tcpconf);
}

/* Bytes held for peers that do not read (show summary). */
size_t
tcp_held_bytes(void)
{
	return (held);
}

/* Reload: the listeners and relays in force (tcpreload.c). */
void
tcp_conf_set(struct ockam_conf *conf)
{
	tcpconf = conf;
}

/* The name routes give c: @ID.TAG when accepted, else its peer name. */
const char *
conn_name(const struct rconn *c)
{
	return (c->lc != NULL ? c->name : c->peer);
}

/* By the name in a route (see above), or as shown (any at all). */
struct rconn *
conn_by_name(int tls, const char *name, int shown)
{
	struct rconn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->tls == tls && strcmp(shown ? c->peer : conn_name(c),
		    name) == 0)
			return (c);
	return (NULL);
}

static struct peerflow *
peerflow_get(int tls, const char *peer, int create)
{
	struct peerflow	*pf;

	TAILQ_FOREACH(pf, &flows, entry)
		if (pf->tls == tls && strcmp(pf->peer, peer) == 0)
			return (pf);
	if (!create)
		return (NULL);
	/* Bounded: the peer not sent to for longest is forgotten. */
	if (nflows >= TCP_PEERFLOWS_MAX && (pf = TAILQ_FIRST(&flows)) != NULL) {
		TAILQ_REMOVE(&flows, pf, entry);
		recent_clear(&pf->heads);
		free(pf);
		nflows--;
	}
	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return (NULL);
	nflows++;
	pf->tls = tls;
	recent_init(&pf->heads, TCP_SENDERS);
	strlcpy(pf->peer, peer, sizeof(pf->peer));
	TAILQ_INSERT_TAIL(&flows, pf, entry);
	return (pf);
}

/*
 * The connection a return head that is not a local worker names, if it
 * is up, and in key the name of a grant to reply to it from peer.
 */
static struct rconn *
conn_by_head(const struct addr *a, int tls, const char *peer, char *key,
    size_t len)
{
	snprintf(key, len, "%d#%s", tls, peer);
	if (a->type != OCKAM_ADDR_TCP && a->type != OCKAM_ADDR_TLS)
		return (NULL);
	return (conn_by_name(a->type == OCKAM_ADDR_TLS, a->val, 0));
}

/* A grant could not be noted: names from routes, escaped. */
static void
grant_lost(const char *from, const char *to)
{
	char	 esc[4 * 256 + 1];

	strlcpy(esc, safe_str(from, strlen(from)), sizeof(esc));
	log_warnx("out of memory: replies from %s to %s will be denied",
	    esc, safe_str(to, strlen(to)));
}

static void
peerflow_note(int tls, const char *peer, const struct route *ret)
{
	struct peerflow	*pf;
	struct rconn	*src;
	struct addr	*a;
	char		 key[OCKAM_ADDR_MAX + 8];

	if ((a = route_head(ret)) == NULL)
		return;
	/* From another connection: its grant, for as long as it is up. */
	if (a->type != OCKAM_ADDR_LOCAL) {
		if ((src = conn_by_head(a, tls, peer, key, sizeof(key))) !=
		    NULL && recent_note(&src->grants, key) == -1)
			grant_lost(peer, src->peer);
		return;
	}
	if ((pf = peerflow_get(tls, peer, 1)) == NULL)
		return;
	/* Most recently sent to last. */
	TAILQ_REMOVE(&flows, pf, entry);
	TAILQ_INSERT_TAIL(&flows, pf, entry);
	if (recent_note(&pf->heads, a->val) == -1)
		grant_lost(peer, a->val);
}

/*
 * A relay that is a consumer of a listener opens the way both ways, as
 * Ockam's relay does: what arrives on that listener may also go
 * straight to where the relay forwards (the next hop of the relay's
 * route), which is how channel messages and replies to a relayed
 * handshake travel on.
 */
static int
relay_grants(const struct names *consumers, const struct addr *a)
{
	struct name_entry	*n;
	struct relay_conf	*rc;
	struct addr		*h;

	TAILQ_FOREACH(n, consumers, entry) {
		if ((rc = config_find_relay(tcpconf, n->name)) == NULL ||
		    (h = route_head(&rc->route)) == NULL)
			continue;
		if (h->type == a->type && h->len == a->len &&
		    memcmp(h->val, a->val, a->len) == 0)
			return (1);
	}
	return (0);
}

/* May what arrives on c go first to a? */
static int
conn_allows(struct rconn *c, const struct addr *a)
{
	struct peerflow	*pf;
	struct rconn	*dst;
	char		 key[OCKAM_ADDR_MAX + 8];

	if (c->lc != NULL) {
		if (a->type == OCKAM_ADDR_LOCAL)
			return (names_find(&c->lc->consumers, a->val) ||
			    channel_listener_of(a->val, &c->lc->consumers) ||
			    hub_flow_allows(a, &c->lc->consumers) ||
			    stream_flow_allows(a->val, &c->lc->consumers));
		if (hub_flow_allows(a, &c->lc->consumers)) {
			tcp_cut(c, a);
			return (1);
		}
		return (relay_grants(&c->lc->consumers, a) ||
		    tcp_reply_granted(a, c->tls ? OCKAM_ADDR_TLS :
		    OCKAM_ADDR_TCP, conn_name(c)));
	}
	if (a->type == OCKAM_ADDR_LOCAL &&
	    (channel_initiator_via(a->val, c->tls, c->peer) ||
	    relayc_via(a->val, c->tls, c->peer, 0) ||
	    sclient_via(a->val, c->tls, c->peer)))
		return (1);
	if (a->type != OCKAM_ADDR_LOCAL)
		return ((dst = conn_by_head(a, c->tls, c->peer, key,
		    sizeof(key))) != NULL && recent_has(&dst->grants, key));
	if ((pf = peerflow_get(c->tls, c->peer, 0)) == NULL)
		return (0);
	return (recent_has(&pf->heads, a->val));
}

/*
 * A hub forwarder (hub.c) sent a message along route to: replies from
 * the head of to (a connection, "@ID.TAG", or a channel's encryptor)
 * may go to the connection at the head of ret, on that connection's
 * grants, as for a relay.
 */
void
tcp_grant_reply(const struct route *to, const struct route *ret)
{
	struct addr	*h, *a;
	struct rconn	*src;
	char		 key[OCKAM_ADDR_MAX + 8];

	if ((h = route_head(to)) == NULL || (a = route_head(ret)) == NULL)
		return;
	if ((src = conn_by_head(a, 0, "", key, sizeof(key))) == NULL)
		return;
	snprintf(key, sizeof(key), "%u#%s", h->type, h->val);
	if (recent_note(&src->grants, key) == -1)
		grant_lost(h->val, src->peer);
}

/* May what comes from the hop type#from go to the connection at a? */
int
tcp_reply_granted(const struct addr *a, uint8_t type, const char *from)
{
	struct rconn	*dst;
	char		 key[OCKAM_ADDR_MAX + 8];

	if ((dst = conn_by_head(a, 0, "", key, sizeof(key))) == NULL)
		return (0);
	snprintf(key, sizeof(key), "%u#%s", type, from);
	return (recent_has(&dst->grants, key));
}

/* Let in when it arrived (tcp_recv), or by the grants in force now. */
int
tcp_flow_allows(struct message *m, const struct addr *a)
{
	struct rconn	*c;

	if (m->flags & MSG_ADMITTED)
		return (1);
	return ((c = conn_by_id(m->flow)) != NULL && conn_allows(c, a));
}

/* Start-up: the listeners and the TLS CA, before tcpd's sandbox. */
void
tcp_configure(struct ockam_conf *conf)
{
	struct listen_conf	*lc;
	struct tcp_listen	 tl;
	struct tcp_tlsconf	 tc;

	tcpconf = conf;
	children_send(CHILD_TCPD, IMSG_TCP_LIMITS, conf->limits,
	    sizeof(conf->limits));
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		memset(&tl, 0, sizeof(tl));
		tl.id = lc->id;
		tl.tls = lc->tls;
		tl.family = lc->family;
		tl.port = lc->port;
		strlcpy(tl.addr, lc->addr, sizeof(tl.addr));
		if (lc->tls && (strlcpy(tl.cert, lc->cert, sizeof(tl.cert)) >=
		    sizeof(tl.cert) || strlcpy(tl.key, lc->key,
		    sizeof(tl.key)) >= sizeof(tl.key)))
			fatalx("listen on %s: path too long", lc->addr);
		children_send(CHILD_TCPD, IMSG_TCP_LISTEN, &tl, sizeof(tl));
	}
	tcp_bind_static(conf->listen_static);
	if (!conf->listen_static)
		children_send(CHILD_TCPD, IMSG_TCP_RUNBIND, NULL, 0);
	if (conf->tls_ca != NULL) {
		memset(&tc, 0, sizeof(tc));
		if (strlcpy(tc.ca, conf->tls_ca, sizeof(tc.ca)) >=
		    sizeof(tc.ca))
			fatalx("tls ca: path too long");
		children_send(CHILD_TCPD, IMSG_TCP_TLSCONF, &tc, sizeof(tc));
	}
}

static uint32_t
token_for(struct message *m)
{
	struct token	*t;
	uint32_t	 id;

	if (m->origin == 0 || !(m->flags & MSG_REPORT))
		return (0);
	id = next_token++;
	if (next_token == 0)
		next_token = 1;
	t = &tokens[id % TCP_TOKENS];
	t->token = id;
	t->origin = m->origin;
	t->reqid = m->reqid;
	return (id);
}

/*
 * A message for a peer that does not read (XOFF) waits here: at most
 * TCP_HELD_MAX messages and queue-high bytes for one peer, queue-bytes
 * for all of them together (ockam.conf(5)); more is dropped.
 */
static void
tcp_hold(struct rconn *c, struct message *m)
{
	size_t	 len = tmsg_encoded_len(&m->tm);

	if (c->nheld >= TCP_HELD_MAX ||
	    c->heldbytes + len > limit(LIMIT_QUEUE_HIGH) ||
	    held + len > limit(LIMIT_QUEUE_BYTES)) {
		router_drop(m, "%s is not reading and %d messages (%zu "
		    "bytes) wait for it, %zu bytes for all such peers",
		    safe_str(c->peer, strlen(c->peer)), c->nheld,
		    c->heldbytes, held);
		return;
	}
	TAILQ_INSERT_TAIL(&c->held, m, entry);
	c->nheld++;
	c->heldbytes += len;
	held += len;
}

/* The next held message of c, no longer counted as held. */
static struct message *
tcp_unhold(struct rconn *c)
{
	struct message	*m;
	size_t		 len;

	if ((m = TAILQ_FIRST(&c->held)) == NULL)
		return (NULL);
	TAILQ_REMOVE(&c->held, m, entry);
	len = tmsg_encoded_len(&m->tm);
	c->nheld--;
	c->heldbytes -= len;
	held -= len;
	return (m);
}

/*
 * Hand a message to tcpd, to peer or, when conn is not 0, to that
 * accepted connection (named peer); a is its head, the TCP hop, which
 * goes.  The payload is queued as it is, after the rest of the message.
 */
static void
tcp_write(struct message *m, int tls, const char *peer, uint32_t conn)
{
	struct tcp_msg	 tm;
	struct ibuf	*b;
	size_t		 len;

	memset(&tm, 0, sizeof(tm));
	tm.conn = conn;
	tm.tls = tls;
	strlcpy(tm.peer, peer, sizeof(tm.peer));
	len = tmsg_encoded_len(&m->tm);
	if (len > TCP_FRAME_MAX) {
		router_drop(m, "message of %zu bytes too large for TCP", len);
		return;
	}
	tm.token = token_for(m);
	if (conn == 0)
		peerflow_note(tls, peer, &m->tm.ret);
	if ((b = imsg_create(&children[CHILD_TCPD].ibuf, IMSG_TCP_SEND, 0, 0,
	    sizeof(tm) + len - m->tm.plen)) == NULL) {
		router_drop(m, "out of memory");
		return;
	}
	ibuf_add(b, &tm, sizeof(tm));
	if (tmsg_encode_head(b, &m->tm) == -1 ||
	    imsg_close_tail(&children[CHILD_TCPD].ibuf, b, m->tm.payload,
	    m->tm.plen) == -1)
		fatalx("cannot queue a message for tcpd");
	m->tm.payload = NULL;
	m->tm.plen = 0;
	message_free(m);
}

void
tcp_send(struct message *m, struct addr *a)
{
	struct rconn	*c;
	char		 peer[TCP_PEER_MAX];
	int		 tls = a->type == OCKAM_ADDR_TLS;

	if (!children[CHILD_TCPD].connected) {
		router_drop(m, "no transport");
		return;
	}
	strlcpy(peer, a->val, sizeof(peer));
	route_pop_front(&m->tm.onward);
	if (m->tm.onward.n == 0) {
		router_drop(m, "nothing after the TCP hop to %s",
		    safe_str(peer, strlen(peer)));
		return;
	}
	if ((c = conn_by_name(tls, peer, 0)) == NULL &&
	    peer[0] == TCP_ACCEPTED_MARK) {
		router_drop(m, "connection %s is closed (an accepted "
		    "connection is never dialled)", safe_str(peer,
		    strlen(peer)));
		return;
	}
	if (c != NULL && c->paused) {
		/* Its grant is noted when it goes out (tcp_write). */
		tcp_hold(c, m);
		return;
	}
	tcp_write(m, tls, peer, c != NULL && c->lc != NULL ? c->id : 0);
}

static void
tcp_recv(struct imsg *imsg, struct tcp_msg *tm, struct cursor *cur)
{
	struct message	*m;
	struct rconn	*c;
	struct addr	*a;
	const char	*errstr;

	if ((c = conn_by_id(tm->conn)) == NULL)
		imsg_bad("tcpd", imsg, "a message on an unknown connection");
	if ((m = message_new()) == NULL) {
		log_warnx("tcp: out of memory, message from %s lost",
		    safe_str(c->peer, strlen(c->peer)));
		return;
	}
	/* The imsg's buffer is taken: the payload is not copied. */
	if (tmsg_decode_take(&m->tm, imsg->data, imsg->len,
	    (const unsigned char *)cur->p - imsg->data, cur->left,
	    &errstr) == -1)
		imsg_bad("tcpd", imsg, errstr);
	imsg->data = NULL;
	/* The hop it came over, so that replies find their way back. */
	if (route_push_front(&m->tm.ret, c->tls ? OCKAM_ADDR_TLS :
	    OCKAM_ADDR_TCP, conn_name(c), strlen(conn_name(c))) == -1) {
		router_drop(m, "from %s: return route too long",
		    safe_str(c->peer, strlen(c->peer)));
		return;
	}
	m->flow_kind = FLOW_TCP;
	m->flow = c->id;
	if ((a = route_head(&m->tm.onward)) != NULL && conn_allows(c, a))
		m->flags |= MSG_ADMITTED;
	router_enqueue(m);
}

static void
tcp_up(struct tcp_conn *tc)
{
	struct listen_conf	*lc = NULL;
	struct rconn		*c;
	uint64_t		 tag;

	if (tc->listener != 0) {
		TAILQ_FOREACH(lc, &tcpconf->listeners, entry)
			if (lc->id == tc->listener)
				break;
		if (lc == NULL && (lc = tcp_listener_late(tc->listener,
		    tc->conn)) == NULL)
			fatalx("tcpd: a connection on unknown listener %u",
			    tc->listener);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	c->id = tc->conn;
	c->lc = lc;
	c->tls = tc->tls;
	c->since = time(NULL);
	TAILQ_INIT(&c->held);
	recent_init(&c->grants, limit(LIMIT_REPLY_GRANTS));
	strlcpy(c->peer, tc->peer, sizeof(c->peer));
	if (lc != NULL) {
		arc4random_buf(&tag, sizeof(tag));
		snprintf(c->name, sizeof(c->name), "%c%u.%016llx",
		    TCP_ACCEPTED_MARK, c->id, (unsigned long long)tag);
	}
	TAILQ_INSERT_TAIL(&conns, c, entry);
	if (lc == NULL)
		log_info("connection %u to %s%s", c->id, safe_str(c->peer,
		    strlen(c->peer)), c->tls ? " (TLS)" : "");
	else {
		log_debug("connection %u from %s%s", c->id, safe_str(c->peer,
		    strlen(c->peer)), c->tls ? " (TLS)" : "");
		log_count(&lc_accepted, "%u from %s", c->id,
		    safe_str(c->peer, strlen(c->peer)));
	}
}

static void
conn_free(struct rconn *c, const char *why)
{
	struct message	*m;

	while ((m = tcp_unhold(c)) != NULL)
		router_drop(m, "connection to %s closed: %s",
		    safe_str(c->peer, strlen(c->peer)), why);
	tcp_cut_forget(c);
	TAILQ_REMOVE(&conns, c, entry);
	recent_clear(&c->grants);
	free(c);
}

static void
tcp_down(struct tcp_conn *tc)
{
	struct rconn	*c;

	if ((c = conn_by_id(tc->conn)) == NULL)
		return;
	/* Peers open and close accepted ones at will: counted. */
	if (c->lc == NULL)
		log_info("connection %u to %s closed: %s (%" PRIu64 " bytes "
		    "in, %" PRIu64 " out)", c->id, safe_str(c->peer,
		    strlen(c->peer)), tc->why, tc->rx_bytes, tc->tx_bytes);
	else {
		log_debug("connection %u from %s closed: %s", c->id,
		    safe_str(c->peer, strlen(c->peer)), tc->why);
		log_count(&lc_closed, "%u from %s: %s", c->id,
		    safe_str(c->peer, strlen(c->peer)), tc->why);
	}
	chanlife_conn_down(c->id, c->tls, conn_name(c));
	hub_gone(FLOW_TCP, c->id, c->tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP,
	    conn_name(c));
	portal_gone(FLOW_TCP, c->id);
	if (c->lc == NULL) {
		relayc_conn_down(c->tls, c->peer);
		sclient_conn_down(c->tls, c->peer);
	}
	conn_free(c, tc->why);
}

static void
tcp_fail(struct tcp_conn *tc)
{
	static struct log_count	 unreachable = LOG_COUNT_INIT(LOG_INFO,
				    "undeliverable");
	struct token		*t = &tokens[tc->token % TCP_TOKENS];
	char			 why[TCP_PEER_MAX + TCP_WHY_MAX + 32];

	snprintf(why, sizeof(why), "cannot reach %s: %s", tc->peer, tc->why);
	log_count(&unreachable, "%s", safe_str(why, strlen(why)));
	if (tc->token != 0 && t->token == tc->token) {
		control_report(t->origin, t->reqid, CTL_ERR_UNDELIVERED, why);
		t->token = 0;
	}
}

static void
tcp_xon(struct rconn *c)
{
	struct message	*m;

	c->paused = 0;
	while (!c->paused && (m = tcp_unhold(c)) != NULL)
		tcp_write(m, c->tls, conn_name(c), c->lc != NULL ? c->id : 0);
}

/*
 * What tcpd says (children.c has the table, which checked the type,
 * the phase and the size).  A message that came on a connection.
 */
void
tcp_imsg_recv(struct imsg *imsg)
{
	struct tcp_msg	 tm;
	struct cursor	 cur;

	imsg_cursor(imsg, &cur);
	memcpy(&tm, cur_bytes(&cur, sizeof(tm)), sizeof(tm));
	if (memchr(tm.peer, '\0', sizeof(tm.peer)) == NULL)
		imsg_bad("tcpd", imsg, "peer name");
	tcp_recv(imsg, &tm, &cur);
}

/* A connection event: its strings must be terminated. */
static void
tcp_event(struct imsg *imsg, struct tcp_conn *tc)
{
	memcpy(tc, imsg->data, sizeof(*tc));
	if (memchr(tc->peer, '\0', sizeof(tc->peer)) == NULL ||
	    memchr(tc->why, '\0', sizeof(tc->why)) == NULL)
		imsg_bad("tcpd", imsg, "unterminated string");
}

void
tcp_imsg_up(struct imsg *imsg)
{
	struct tcp_conn	 tc;

	tcp_event(imsg, &tc);
	if (conn_by_id(tc.conn) != NULL)
		imsg_bad("tcpd", imsg, "connection id reused");
	tcp_up(&tc);
}

void
tcp_imsg_down(struct imsg *imsg)
{
	struct tcp_conn	 tc;

	tcp_event(imsg, &tc);
	tcp_down(&tc);
}

void
tcp_imsg_fail(struct imsg *imsg)
{
	struct tcp_conn	 tc;

	tcp_event(imsg, &tc);
	tcp_fail(&tc);
}

/* XOFF, XON: a peer stopped reading, or reads again. */
void
tcp_imsg_flow(struct imsg *imsg)
{
	struct tcp_conn	 tc;
	struct rconn	*c;

	tcp_event(imsg, &tc);
	if ((c = conn_by_id(tc.conn)) == NULL)
		return;
	if (imsg->hdr.type == IMSG_TCP_XOFF) {
		log_info("%s stopped reading: holding its messages",
		    safe_str(c->peer, strlen(c->peer)));
		c->paused = 1;
	} else {
		log_info("%s reads again", safe_str(c->peer,
		    strlen(c->peer)));
		tcp_xon(c);
	}
}

/*
 * Back-pressure: while routed's queue to tcpd is above the high-water
 * mark, neither control clients nor tcpd are read (their writes block)
 * until it is below the low-water mark again.  A peer's traffic can
 * make it swing: logged a line a second at most.
 */
int
tcp_backlogged(void)
{
	size_t	 q;

	if (!children[CHILD_TCPD].connected)
		return (0);
	q = imsgbuf_queuelen(&children[CHILD_TCPD].ibuf);
	if (!backlogged && q > TCP_HIGH_WATER) {
		log_count(&lc_backlog, "%zu bytes queued", q);
		backlogged = 1;
	} else if (backlogged && q < TCP_LOW_WATER) {
		log_debug("tcpd caught up: reading control clients and tcpd "
		    "again");
		backlogged = 0;
	}
	return (backlogged);
}

void
tcp_shutdown(void)
{
	struct rconn	*c;
	struct peerflow	*pf;

	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_free(c, "node stopping");
	while ((pf = TAILQ_FIRST(&flows)) != NULL) {
		TAILQ_REMOVE(&flows, pf, entry);
		recent_clear(&pf->heads);
		free(pf);
	}
	nflows = 0;
}
