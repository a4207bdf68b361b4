/* SPDX-License-Identifier: ISC */
/*
 * What a peer can make tcpd hold, and when a connection is closed for
 * it (limits of ockam.conf(5), stated in ockam-tcpd.8):
 *
 * Slots.  Accepted connections get connections - connections-outgoing
 * slots, so that the node can always open connections of its own, and
 * at most connections-per-ip of them come from one remote address (an
 * IPv6 one by its /64).  When the slots are full, a new connection
 * takes the slot of the oldest accepted one that has not completed a
 * frame yet (it is "silent"); when none is silent, it is refused.
 *
 * Time.  An accepted connection must complete a frame within
 * frame-timeout of being accepted (its TLS handshake included), and
 * any frame begun must be complete within frame-timeout of its first
 * byte (slowloris); an idle connection that has sent whole frames is
 * not affected.  A connection paused (XOFF) for paused-timeout, its
 * peer reading nothing, is closed.
 *
 * Queues.  Past queue-high bytes queued for one peer routed is told
 * XOFF, and XON when it is back under a quarter of that; a connection
 * whose queue reaches QUEUE_SLACK more (what routed may have sent
 * before it heard XOFF) is closed.  All the queues together hold at
 * most queue-bytes: past half of it, a connection with more than
 * QUEUE_FLOOR queued is paused as well, and a message that would take
 * the total past it closes the connection with the longest queue.
 *
 * Each cause is logged through log_count(): one line a second at most.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "tcpd.h"
#include "util.h"

#define QUEUE_FLOOR	(64U << 10)	/* paused only over budget/2 */
#define QUEUE_SLACK	(16U << 20)	/* closed this far past the mark */

/* Accepted connections from one address (an IPv6 /64). */
struct ipslot {
	RB_ENTRY(ipslot)	 entry;
	int			 family;
	unsigned char		 addr[8];
	uint32_t		 n;
};

RB_HEAD(iptree, ipslot);
static struct iptree	 ips = RB_INITIALIZER(&ips);
static int		 ipslot_cmp(struct ipslot *, struct ipslot *);
RB_PROTOTYPE(iptree, ipslot, entry, ipslot_cmp);
RB_GENERATE(iptree, ipslot, entry, ipslot_cmp);

static TAILQ_HEAD(, conn) silent = TAILQ_HEAD_INITIALIZER(silent);
static uint32_t		 naccepted;
static size_t		 queued;		/* all queues together */

static struct log_count	 lc_full = LOG_COUNT_INIT(LOG_WARNING,
    "connection limit reached: closed new connections");
static struct log_count	 lc_perip = LOG_COUNT_INIT(LOG_INFO,
    "connections-per-ip reached: closed new connections");
static struct log_count	 lc_evict = LOG_COUNT_INIT(LOG_INFO,
    "connection slots full: closed the oldest connection without a frame");
static struct log_count	 lc_frame = LOG_COUNT_INIT(LOG_INFO,
    "frame-timeout: closed connections");
static struct log_count	 lc_paused = LOG_COUNT_INIT(LOG_INFO,
    "paused-timeout: closed connections whose peer did not read");
static struct log_count	 lc_queue = LOG_COUNT_INIT(LOG_INFO,
    "queue-high: closed connections whose peer did not read");
static struct log_count	 lc_budget = LOG_COUNT_INIT(LOG_WARNING,
    "queue-bytes reached: closed the connection with the longest queue");

static void	 ipslot_key(const struct sockaddr *, struct ipslot *);
static void	 bounds_close(struct conn *, struct log_count *,
		    const char *);
static int	 accept_slots(void);

static int
ipslot_cmp(struct ipslot *a, struct ipslot *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(a->addr, b->addr, sizeof(a->addr)));
}

static void
ipslot_key(const struct sockaddr *sa, struct ipslot *k)
{
	memset(k, 0, sizeof(*k));
	k->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(k->addr, &((const struct sockaddr_in *)sa)->sin_addr,
		    4);
	else if (sa->sa_family == AF_INET6)
		memcpy(k->addr,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 8);
}

/* Close c for a cause a peer can repeat: counted, not logged each. */
static void
bounds_close(struct conn *c, struct log_count *lc, const char *why)
{
	log_count(lc, "connection %u %s %s: %s", c->id,
	    c->listener ? "from" : "to", safe_str(c->peer, strlen(c->peer)),
	    why);
	conn_close(c, why);
}

/* Slots for accepted connections: the rest are kept for opening. */
static int
accept_slots(void)
{
	uint32_t	 all = limit(LIMIT_CONNECTIONS);
	uint32_t	 out = limit(LIMIT_CONNECTIONS_OUTGOING);

	return (out < all ? all - out : 1);
}

/*
 * May a connection from sa be accepted?  It may take the slot of the
 * oldest silent connection, which is closed here.  0 when it may.
 */
int
bounds_accept(const struct sockaddr *sa)
{
	struct ipslot	 key, *s;
	struct conn	*c;
	char		 peer[TCP_PEER_MAX];

	ipslot_key(sa, &key);
	if ((s = RB_FIND(iptree, &ips, &key)) != NULL &&
	    s->n >= limit(LIMIT_CONNECTIONS_PER_IP)) {
		peer_format(sa, peer, sizeof(peer));
		log_count(&lc_perip, "%s has %u", peer, s->n);
		return (-1);
	}
	if ((int)naccepted < accept_slots() &&
	    nconns < (int)limit(LIMIT_CONNECTIONS))
		return (0);
	if ((c = TAILQ_FIRST(&silent)) == NULL) {
		peer_format(sa, peer, sizeof(peer));
		log_count(&lc_full, "%u accepted, %d in all; the last from %s",
		    naccepted, nconns, peer);
		return (-1);
	}
	bounds_close(c, &lc_evict, "evicted: no frame yet and the "
	    "connection slots are full");
	return (0);
}

/* c was accepted from sa (bounds_accept() said it may be). */
void
bounds_accepted(struct conn *c, const struct sockaddr *sa)
{
	struct ipslot	 key, *s;

	ipslot_key(sa, &key);
	if ((s = RB_FIND(iptree, &ips, &key)) == NULL) {
		if ((s = malloc(sizeof(*s))) == NULL)
			fatal("%s", __func__);
		*s = key;
		RB_INSERT(iptree, &ips, s);
	}
	s->n++;
	c->slot = s;
	c->silent = 1;
	TAILQ_INSERT_TAIL(&silent, c, silent_entry);
	naccepted++;
	tcpd_now(&c->frame_by);
	c->frame_by.tv_sec += limit(LIMIT_FRAME_TIMEOUT);
}

/* c is being closed: its slot, its queue. */
void
bounds_closed(struct conn *c)
{
	queued -= c->wqlen;
	if (c->silent)
		TAILQ_REMOVE(&silent, c, silent_entry);
	c->silent = 0;
	if (c->slot != NULL) {
		naccepted--;
		if (--c->slot->n == 0) {
			RB_REMOVE(iptree, &ips, c->slot);
			free(c->slot);
		}
		c->slot = NULL;
	}
}

/* A frame came in whole: it is no longer silent, nor slow. */
void
bounds_framed(struct conn *c)
{
	if (c->silent)
		TAILQ_REMOVE(&silent, c, silent_entry);
	c->silent = 0;
	timespecclear(&c->frame_by);
}

/* Bytes were read and a frame is begun: it has frame-timeout to end. */
void
bounds_partial(struct conn *c)
{
	if (timespecisset(&c->frame_by))
		return;
	tcpd_now(&c->frame_by);
	c->frame_by.tv_sec += limit(LIMIT_FRAME_TIMEOUT);
}

/* XOFF when c's queue is past its mark, or the node's budget is short. */
void
queue_check(struct conn *c)
{
	struct tcp_conn	 tc;

	if (c->xoff || c->state != CONN_UP)
		return;
	if (c->wqlen < limit(LIMIT_QUEUE_HIGH) &&
	    (queued < limit(LIMIT_QUEUE_BYTES) / 2 || c->wqlen < QUEUE_FLOOR))
		return;
	c->xoff = 1;
	tcpd_now(&c->paused_at);
	conn_info(c, &tc, NULL);
	tcpd_send(IMSG_TCP_XOFF, &tc, sizeof(tc));
	log_debug("connection %u: XOFF at %zu bytes queued (%zu in all)",
	    c->id, c->wqlen, queued);
}

/*
 * n more bytes queued on c.  -1 when that closed c: its queue reached
 * QUEUE_SLACK past queue-high, or it had the longest queue when all of
 * them together went past queue-bytes.
 */
int
queue_add(struct conn *c, size_t n)
{
	struct conn	*l, *longest;
	char		 why[TCP_WHY_MAX];

	c->wqlen += n;
	queued += n;
	if (c->wqlen >= (size_t)limit(LIMIT_QUEUE_HIGH) + QUEUE_SLACK) {
		snprintf(why, sizeof(why), "write queue reached %zu bytes: "
		    "the peer does not read", c->wqlen);
		bounds_close(c, &lc_queue, why);
		return (-1);
	}
	while (queued > limit(LIMIT_QUEUE_BYTES) && !c->dead) {
		longest = c;
		TAILQ_FOREACH(l, &conns, entry)
			if (l->wqlen > longest->wqlen)
				longest = l;
		snprintf(why, sizeof(why), "the node's queues reached %u "
		    "bytes and this one was the longest (%zu bytes)",
		    limit(LIMIT_QUEUE_BYTES), longest->wqlen);
		bounds_close(longest, &lc_budget, why);
	}
	if (c->dead)
		return (-1);
	queue_check(c);
	return (0);
}

/* n bytes of c's queue were written: XON when it is short again. */
void
queue_sub(struct conn *c, size_t n)
{
	struct tcp_conn	 tc;

	c->wqlen -= n;
	queued -= n;
	if (!c->xoff || c->state != CONN_UP ||
	    c->wqlen > limit(LIMIT_QUEUE_HIGH) / 4 ||
	    (queued >= limit(LIMIT_QUEUE_BYTES) / 2 &&
	    c->wqlen > QUEUE_FLOOR / 4))
		return;
	c->xoff = 0;
	timespecclear(&c->paused_at);
	conn_info(c, &tc, NULL);
	tcpd_send(IMSG_TCP_XON, &tc, sizeof(tc));
	log_debug("connection %u: XON at %zu bytes queued", c->id, c->wqlen);
}

/*
 * Frames not finished in time, peers paused too long.  While a socket
 * is not read (routed lags, or asked for it) its frame is not late.
 */
void
bounds_timeouts(const struct timespec *now)
{
	struct conn	*c, *next;
	char		 why[TCP_WHY_MAX];
	time_t		 t;

	TAILQ_FOREACH_SAFE(c, &conns, entry, next) {
		if (c->state != CONN_UP && c->state != CONN_HANDSHAKE)
			continue;
		/* Unless what was not read yet may finish the frame. */
		if (timespecisset(&c->frame_by) && CONN_READS(c) &&
		    !c->more && timespeccmp(now, &c->frame_by, >=)) {
			snprintf(why, sizeof(why), "%s within %u seconds",
			    c->silent ? "no frame" : "a frame not finished",
			    limit(LIMIT_FRAME_TIMEOUT));
			bounds_close(c, &lc_frame, why);
			continue;
		}
		t = c->paused_at.tv_sec + limit(LIMIT_PAUSED_TIMEOUT);
		if (c->xoff && timespecisset(&c->paused_at) &&
		    (now->tv_sec > t || (now->tv_sec == t &&
		    now->tv_nsec >= c->paused_at.tv_nsec))) {
			snprintf(why, sizeof(why), "paused for %u seconds: "
			    "the peer does not read (%zu bytes queued)",
			    limit(LIMIT_PAUSED_TIMEOUT), c->wqlen);
			bounds_close(c, &lc_paused, why);
		}
	}
}

/* Milliseconds to the next of those deadlines, -1 when none. */
int
bounds_next_timeout(const struct timespec *now)
{
	struct timespec	 d, p;
	struct conn	*c;
	long long	 ms, best = -1;
	int		 i;

	TAILQ_FOREACH(c, &conns, entry) {
		for (i = 0; i < 2; i++) {
			if (i == 0 && !reading_paused)
				p = c->frame_by;
			else if (c->xoff && timespecisset(&c->paused_at)) {
				p = c->paused_at;
				p.tv_sec += limit(LIMIT_PAUSED_TIMEOUT);
			} else
				continue;
			if (!timespecisset(&p))
				continue;
			if (timespeccmp(now, &p, >=))
				return (0);
			timespecsub(&p, now, &d);
			ms = (long long)d.tv_sec * 1000 + d.tv_nsec / 1000000 +
			    1;
			if (best == -1 || ms < best)
				best = ms;
		}
	}
	return (best > INT_MAX ? INT_MAX : (int)best);
}
