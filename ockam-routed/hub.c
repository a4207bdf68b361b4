/* SPDX-License-Identifier: ISC */
/*
 * Hub services (doc/design.md 6).  forwarding_service makes a forwarder
 * at FWD_ and 16 random hex digits for whatever reaches it;
 * static_forwarding_service one at forward_to_ALIAS for the identity
 * that claims ALIAS (a BARE string) out of a secure channel.  A new
 * forwarder answers from its address, along the registration's return
 * route (its route), with the payload it got: the BARE alias for a
 * static one.  What reaches a forwarder goes to its route followed by
 * the rest of the incoming onward route (Ockam's 2022 data path), the
 * return route left alone.
 *
 * A forwarder lives as long as the connection or the channel it was
 * registered over, so nothing goes down a dead or reused connection.
 * A repeat registration over it from the same return route renews the
 * forwarder: heartbeats do not mint addresses.
 *
 * Nothing here walks all the forwarders for a message: they are found
 * by the head of their route (the connection or channel to their
 * client: a renewal, the straight path of hub_flow_allows(), what goes
 * when a connection closes), by their worker (an alias), and counted
 * per connection or channel in a tree of their own.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "buf.h"
#include "channel.h"
#include "control.h"
#include "ctl.h"
#include "limit.h"
#include "log.h"
#include "multiaddr.h"
#include "routed.h"
#include "util.h"

#define FWD_PREFIX		"FWD_"
#define FWD_STATIC_PREFIX	"forward_to_"
#define FWD_HEX			16

struct fwd {
	TAILQ_ENTRY(fwd)	 entry;
	RB_ENTRY(fwd)		 byhead;
	uint8_t			 htype;		/* its route's head */
	char			 head[OCKAM_ADDR_MAX + 1];
	int			 placed;	/* in heads and ties */
	int			 iskey;		/* a search key: first */
	struct worker		*w;
	const char		*service;	/* the worker that made it */
	struct route		 route;
	uint8_t			 tie_kind;	/* FLOW_*: what it lives on */
	uint32_t		 tie;
	time_t			 since;
	char			 peer[OCKAM_IDENTIFIER_LEN + 1];
	char			 alias[FWD_ALIAS_MAX + 1];
};

/* Forwarders per connection or channel (FLOW_NONE: this node's). */
struct tie {
	RB_ENTRY(tie)		 entry;
	uint8_t			 kind;
	uint32_t		 id;
	int			 n;
};

static int
fwd_cmp(struct fwd *a, struct fwd *b)
{
	int	 r;

	if (a->htype != b->htype)
		return (a->htype < b->htype ? -1 : 1);
	if ((r = strcmp(a->head, b->head)) != 0)
		return (r);
	/* A search key comes before the forwarders of its head. */
	if (a->iskey || b->iskey)
		return (a->iskey ? -1 : 1);
	return (a < b ? -1 : a > b);
}

static int
tie_cmp(struct tie *a, struct tie *b)
{
	if (a->kind != b->kind)
		return (a->kind < b->kind ? -1 : 1);
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_HEAD(fwd_heads, fwd);
RB_PROTOTYPE(fwd_heads, fwd, byhead, fwd_cmp);
RB_GENERATE(fwd_heads, fwd, byhead, fwd_cmp);
RB_HEAD(fwd_ties, tie);
RB_PROTOTYPE(fwd_ties, tie, entry, tie_cmp);
RB_GENERATE(fwd_ties, tie, entry, tie_cmp);

static TAILQ_HEAD(, fwd)	 fwds = TAILQ_HEAD_INITIALIZER(fwds);
static struct fwd_heads		 heads = RB_INITIALIZER(&heads);
static struct fwd_ties		 ties = RB_INITIALIZER(&ties);
static struct alias_confs	*aliases;	/* bound by the config */
static int			 nfwds;
static struct log_count		 lc_bound = LOG_COUNT_INIT(LOG_INFO,
    "forwarder registrations refused: bounds");
static struct log_count		 lc_bad = LOG_COUNT_INIT(LOG_INFO,
    "forwarder registrations refused: malformed");
static struct log_count		 lc_claim = LOG_COUNT_INIT(LOG_INFO,
    "static alias claims refused");
static struct log_count		 lc_made = LOG_COUNT_INIT(LOG_INFO,
    "forwarders registered");

/* The forwarders of a tie: n more (or fewer); their count. */
static int
tie_count(uint8_t kind, uint32_t id, int n)
{
	struct tie	 key, *t;
	int		 c;

	key.kind = kind;
	key.id = id;
	if ((t = RB_FIND(fwd_ties, &ties, &key)) == NULL) {
		if (n <= 0)
			return (0);
		if ((t = calloc(1, sizeof(*t))) == NULL)
			fatal("%s", __func__);
		*t = key;
		t->n = 0;
		RB_INSERT(fwd_ties, &ties, t);
	}
	t->n += n;
	if ((c = t->n) <= 0) {
		RB_REMOVE(fwd_ties, &ties, t);
		free(t);
	}
	return (c);
}

/* The first forwarder whose route starts at type#val, or NULL. */
static struct fwd *
head_first(uint8_t type, const char *val)
{
	struct fwd	 key, *f;

	key.htype = type;
	key.iskey = 1;
	if (strlcpy(key.head, val, sizeof(key.head)) >= sizeof(key.head))
		return (NULL);
	f = RB_NFIND(fwd_heads, &heads, &key);
	if (f == NULL || f->htype != type || strcmp(f->head, val) != 0)
		return (NULL);
	return (f);
}

static struct fwd *
head_next(struct fwd *f)
{
	struct fwd	*n = RB_NEXT(fwd_heads, &heads, f);

	return (n != NULL && n->htype == f->htype &&
	    strcmp(n->head, f->head) == 0 ? n : NULL);
}

/*
 * f leaves the tree of heads and its tie's count; the last forwarder
 * of a connection takes the cut-through to it along (tcpcut.c).
 */
static void
fwd_unplace(struct fwd *f)
{
	RB_REMOVE(fwd_heads, &heads, f);
	tie_count(f->tie_kind, f->tie, -1);
	f->placed = 0;
	if (head_first(f->htype, f->head) == NULL)
		tcp_uncut(f->htype, f->head);
}

/* f's route is now m's return route, its tie m's source. */
static int
fwd_place(struct fwd *f, const struct message *m)
{
	struct addr	*h;

	if (f->placed) {
		fwd_unplace(f);
		route_clear(&f->route);
		route_init(&f->route);
	}
	if (route_copy(&f->route, &m->tm.ret) == -1 ||
	    (h = route_head(&f->route)) == NULL) {
		f->placed = 0;
		return (-1);
	}
	f->htype = h->type;
	strlcpy(f->head, h->val, sizeof(f->head));
	f->tie_kind = m->src_kind;
	f->tie = m->src_kind == FLOW_NONE ? 0 : m->src;
	RB_INSERT(fwd_heads, &heads, f);
	tie_count(f->tie_kind, f->tie, 1);
	f->placed = 1;
	return (0);
}

static void
fwd_free(struct fwd *f)
{
	TAILQ_REMOVE(&fwds, f, entry);
	if (f->placed)
		fwd_unplace(f);
	nfwds--;
	worker_del(f->w);
	route_clear(&f->route);
	free(f);
}

/* A registration refused: why, at debug, and counted by cause. */
static void
fwd_refuse(struct log_count *lc, struct message *m, const char *fmt, ...)
    __attribute__((__format__ (printf, 3, 4)));

static void
fwd_refuse(struct log_count *lc, struct message *m, const char *fmt, ...)
{
	char		 why[512];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_debug("forwarder registration refused: %s", why);
	log_count(lc, "%s", why);
	message_free(m);
}

/*
 * May identity id claim alias?  1: the config binds it to id; 0: to
 * others only; -1: to nobody, the first claimer holds it.
 */
static int
alias_bound(const char *alias, const char *id)
{
	struct alias_conf	*ac;
	int			 any = 0;

	if (aliases == NULL)
		return (-1);
	TAILQ_FOREACH(ac, aliases, entry) {
		if (strcmp(ac->alias, alias) != 0)
			continue;
		if (strcmp(ac->id, id) == 0)
			return (1);
		any = 1;
	}
	return (any ? 0 : -1);
}

void
hub_configure(struct ockam_conf *conf)
{
	aliases = &conf->aliases;
}

/*
 * Reload: the static forwarders whose alias the new configuration binds
 * to other identities than the one that claimed it go.  How many.
 */
int
hub_reconf(void)
{
	struct fwd	*f, *next;
	int		 n = 0;

	TAILQ_FOREACH_SAFE(f, &fwds, entry, next) {
		if (f->alias[0] == '\0' || alias_bound(f->alias, f->peer) != 0)
			continue;
		log_info("reload: forwarder %s closed: alias \"%s\" is bound "
		    "to other identities than %s", f->w->name, f->alias,
		    f->peer);
		fwd_free(f);
		n++;
	}
	return (n);
}

/* The answer of f: from its address, along its route. */
static void
fwd_answer(struct fwd *f, const void *payload, size_t plen)
{
	struct message	*r;

	if ((r = message_new()) == NULL ||
	    route_copy(&r->tm.onward, &f->route) == -1 ||
	    route_push_back(&r->tm.ret, OCKAM_ADDR_LOCAL, f->w->name,
	    strlen(f->w->name)) == -1 ||
	    tmsg_set_payload(&r->tm, payload, plen) == -1) {
		log_warnx("forwarder %s: cannot build its answer", f->w->name);
		message_free(r);
		return;
	}
	router_enqueue(r);
}

/* A new forwarder at name (empty: FWD_ and random hex), within bounds. */
static struct fwd *
fwd_new(struct worker *svc, const char *name, struct message *m)
{
	struct fwd	*f;
	char		 addr[OCKAM_ADDR_MAX + 1], hex[FWD_HEX + 1];
	char		 err[256] = "out of memory";

	if (nfwds >= (int)limit(LIMIT_FORWARDERS)) {
		fwd_refuse(&lc_bound, NULL, "%s: %d forwarders (limit "
		    "forwarders)", svc->name, nfwds);
		return (NULL);
	}
	if (tie_count(m->src_kind, m->src_kind == FLOW_NONE ? 0 : m->src,
	    0) >= (int)limit(LIMIT_FORWARDERS_CONNECTION)) {
		fwd_refuse(&lc_bound, NULL, "%s: %u forwarders on one %s "
		    "(limit forwarders-per-connection)", svc->name,
		    limit(LIMIT_FORWARDERS_CONNECTION),
		    m->src_kind == FLOW_CHANNEL ? "channel" : "connection");
		return (NULL);
	}
	if (name[0] == '\0') {
		random_name(hex, sizeof(hex));
		snprintf(addr, sizeof(addr), "%s%s", FWD_PREFIX, hex);
	} else
		strlcpy(addr, name, sizeof(addr));
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	route_init(&f->route);
	if ((f->w = worker_add(addr, WORKER_FORWARDER, 0, err,
	    sizeof(err))) == NULL || fwd_place(f, m) == -1) {
		fwd_refuse(&lc_bound, NULL, "%s: %s", svc->name, err);
		if (f->w != NULL)
			worker_del(f->w);
		route_clear(&f->route);
		free(f);
		return (NULL);
	}
	f->w->fwd = f;
	f->service = svc->name;
	f->since = time(NULL);
	TAILQ_INSERT_TAIL(&fwds, f, entry);
	nfwds++;
	log_count(&lc_made, "%s for %s", f->w->name, svc->name);
	return (f);
}

/* forwarding_service: any message registers, or renews, a forwarder. */
static void
fwd_register(struct worker *svc, struct message *m)
{
	struct fwd	*f;
	struct addr	*h;

	if (m->tm.ret.n == 0) {
		router_drop(m, "%s: registration without a return route",
		    svc->name);
		return;
	}
	h = route_head(&m->tm.ret);
	for (f = head_first(h->type, h->val); f != NULL; f = head_next(f))
		if (f->alias[0] == '\0' && f->tie_kind == m->src_kind &&
		    f->tie == (m->src_kind == FLOW_NONE ? 0 : m->src) &&
		    route_equal(&f->route, &m->tm.ret))
			break;
	if (f == NULL && (f = fwd_new(svc, "", m)) == NULL) {
		message_free(m);
		return;
	}
	fwd_answer(f, m->tm.payload, m->tm.plen);
	message_free(m);
}

/*
 * static_forwarding_service: the payload is a BARE alias, claimed out
 * of a secure channel by the identity that holds it or by the first.
 */
static void
fwd_register_static(struct worker *svc, struct message *m)
{
	struct fwd	*f;
	struct worker	*w;
	struct cursor	 cur;
	const char	*p;
	char		 alias[FWD_ALIAS_MAX + 1], name[OCKAM_ADDR_MAX + 1];
	size_t		 len;
	int		 bound;

	cur_init(&cur, m->tm.payload, m->tm.plen);
	p = cur_bare(&cur, &len, FWD_ALIAS_MAX);
	if (p == NULL || cur_end(&cur) == -1 || memchr(p, '\0', len) != NULL) {
		fwd_refuse(&lc_bad, m, "%s: not a BARE alias of 1 to %d "
		    "characters", svc->name, FWD_ALIAS_MAX);
		return;
	}
	memcpy(alias, p, len);
	alias[len] = '\0';
	if (!alias_valid(alias, len) || m->tm.ret.n == 0) {
		fwd_refuse(&lc_bad, m, "%s: invalid alias \"%s\"", svc->name,
		    safe_str(alias, len));
		return;
	}
	if (m->src_kind != FLOW_CHANNEL || m->peer[0] == '\0') {
		fwd_refuse(&lc_claim, m, "%s: alias \"%s\" claimed outside a "
		    "secure channel", svc->name, alias);
		return;
	}
	snprintf(name, sizeof(name), "%s%s", FWD_STATIC_PREFIX, alias);
	if ((bound = alias_bound(alias, m->peer)) == 0) {
		fwd_refuse(&lc_claim, m, "%s: alias \"%s\" is bound to other "
		    "identities than %s", svc->name, alias, m->peer);
		return;
	}
	f = (w = worker_find(name)) != NULL && w->kind == WORKER_FORWARDER ?
	    w->fwd : NULL;
	if (f != NULL && bound == -1 && strcmp(f->peer, m->peer) != 0) {
		fwd_refuse(&lc_claim, m, "%s: alias \"%s\" is %s's, claimed "
		    "by %s", svc->name, alias, f->peer, m->peer);
		return;
	}
	if (f != NULL) {
		/* Its holder again (or one it is bound to): the route moves. */
		strlcpy(f->peer, m->peer, sizeof(f->peer));
		if (fwd_place(f, m) == -1) {
			fwd_free(f);
			router_drop(m, "%s: out of memory", svc->name);
			return;
		}
	} else if ((f = fwd_new(svc, name, m)) == NULL) {
		message_free(m);
		return;
	} else {
		strlcpy(f->alias, alias, sizeof(f->alias));
		strlcpy(f->peer, m->peer, sizeof(f->peer));
	}
	fwd_answer(f, m->tm.payload, m->tm.plen);
	message_free(m);
}

/* The 2022 data path: its route in place of its address. */
static void
fwd_forward(struct worker *w, struct message *m)
{
	if (worker_forward(w, m, &w->fwd->route) == -1)
		return;
	tcp_grant_reply(&w->fwd->route, &m->tm.ret);
	router_enqueue(m);
}

void
hub_handle(struct worker *w, struct message *m)
{
	switch (w->kind) {
	case WORKER_FWD_SERVICE:
		fwd_register(w, m);
		break;
	case WORKER_FWD_STATIC:
		fwd_register_static(w, m);
		break;
	default:
		fwd_forward(w, m);
		break;
	}
}

/*
 * May what arrives where the consumers are these go first to a?  To a
 * forwarder of a consumer service; and straight to where one forwards
 * (the head of its route: the connection or the channel to its
 * client), since that is where the replies of its client come from, so
 * that is where a sender sends next (as it would through the
 * forwarder).  The client's node checks what it lets in (relayc.c).
 */
int
hub_flow_allows(const struct addr *a, const struct names *consumers)
{
	struct worker	*w;
	struct fwd	*f;

	if (a->type == OCKAM_ADDR_LOCAL && (w = worker_find(a->val)) != NULL &&
	    w->kind == WORKER_FORWARDER)
		return (names_find(consumers, w->fwd->service));
	for (f = head_first(a->type, a->val); f != NULL; f = head_next(f))
		if (names_find(consumers, f->service))
			return (1);
	return (0);
}

/*
 * Out of a channel whose peer registered a forwarder: a reply to a
 * connection that sent through that forwarder (tcp_grant_reply).
 */
int
hub_channel_reply(struct message *m, const struct addr *a)
{
	struct channel	*c;

	return (nfwds > 0 && (c = channel_by_id(m->flow)) != NULL &&
	    tcp_reply_granted(a, OCKAM_ADDR_LOCAL, c->enc));
}

/*
 * A connection (FLOW_TCP) or channel closed: its forwarders go, found
 * by the head of their routes, which is its name in routes (type#head).
 */
void
hub_gone(uint8_t kind, uint32_t tie, uint8_t type, const char *head)
{
	struct fwd	*f, *next;

	for (f = head_first(type, head); f != NULL; f = next) {
		next = head_next(f);
		if (f->tie_kind == kind && f->tie == tie) {
			log_debug("forwarder %s: its %s closed", f->w->name,
			    kind == FLOW_TCP ? "connection" : "channel");
			fwd_free(f);
		}
	}
}

/* show relays: the forwarders, one line each (relayctl.c). */
void
hub_list(uint32_t conn, uint32_t reqid)
{
	struct fwd	*f;
	struct tm	 tm;
	const char	*fl[RELAY_INFO_FIELDS];
	char		 route[1024], when[32], detail[1024];

	TAILQ_FOREACH(f, &fwds, entry) {
		if (multiaddr_print(&f->route, route, sizeof(route)) == -1)
			strlcpy(route, "(too long)", sizeof(route));
		if (localtime_r(&f->since, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			strlcpy(when, "-", sizeof(when));
		snprintf(detail, sizeof(detail), "%s, over %s %u%s%s, "
		    "%llu forwarded", f->service, f->tie_kind == FLOW_CHANNEL ?
		    "channel" : f->tie_kind == FLOW_TCP ? "connection" :
		    "this node", f->tie, f->peer[0] ? ", identity " : "",
		    f->peer, (unsigned long long)f->w->received);
		fl[0] = "hub";
		fl[1] = f->w->name;
		fl[2] = "up";
		fl[3] = f->alias[0] ? f->alias : "-";
		fl[4] = route;
		fl[5] = when;
		fl[6] = detail;
		control_strings(conn, CTL_RELAY_INFO, reqid, fl,
		    RELAY_INFO_FIELDS);
	}
}

void
hub_shutdown(void)
{
	struct fwd	*f;

	while ((f = TAILQ_FIRST(&fwds)) != NULL)
		fwd_free(f);
}
