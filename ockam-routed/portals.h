/* SPDX-License-Identifier: ISC */
/*
 * TCP portals inside routed (doc/design.md 6): a portal connection's
 * worker and its state in portal.c, inlets in inlet.c and their
 * channels in inletchan.c, the outlets in outlet.c.  The messages are
 * lib/portal.h's, tcpd's side ockam-tcpd/portal.c.
 */
#ifndef OCKAM_PORTALS_H
#define OCKAM_PORTALS_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <time.h>

#include "channel.h"
#include "routed.h"
#include "tcp.h"

#define PORTAL_WINDOW		(256U << 10)	/* what we offer, at least */
#define PORTAL_WINDOW_BIG	(1U << 20)	/* ... while the pool lasts */
#define PORTAL_WINDOW_POOL	(64U << 20)	/* above PORTAL_WINDOW, all */
#define PORTAL_NOCREDIT		(256U << 10)	/* tcpd's, without Credit */
#define PORTAL_HOLD		(1U << 20)	/* unwritten, from such a peer */
#define INLET_BACKOFF_MAX	32		/* s after channel failures */
#define INLET_REQ_CHANNEL	0x80000000U	/* reqid: a channel, else a
						   Ping's portal (its sock) */

enum pstate {
	PS_CHANNEL,		/* inlet: waits for its channel */
	PS_PING,		/* inlet: Ping sent */
	PS_CONNECT,		/* outlet: tcpd connects */
	PS_UP,
	PS_CLOSING,		/* CLOSE sent: freed at DOWN */
};

/* The channel of the inlets via one route (inletchan.c). */
struct inlet_chan {
	TAILQ_ENTRY(inlet_chan)	 entry;
	struct route		 via;	/* to a channel listener */
	char			*via_text;
	int			 refs;		/* inlets */
	uint32_t		 origin;	/* ORIGIN_PORTAL | n */
	uint32_t		 reqid;
	int			 opening;	/* a channel is being made */
	uint32_t		 chan;		/* open channel, or 0 */
	char			 enc[SC_NAME_LEN + 1];
	unsigned int		 failures;
	time_t			 retry;		/* not before */
};

enum inlet_state {
	INLET_BINDING,		/* tcpd binds it */
	INLET_UP,
	INLET_STOPPED,		/* while binding: freed at tcpd's word */
};

struct inlet {
	TAILQ_ENTRY(inlet)	 entry;
	struct inlet_conf	*ic;		/* its own copy */
	struct inlet_chan	*ch;		/* via's channel, or NULL */
	enum inlet_state	 state;
	char			 name[TCP_PEER_MAX];	/* bound to */
	void			(*done)(void *, int, const char *);
	void			*arg;		/* done's */
};
TAILQ_HEAD(inlet_list, inlet);

struct portal {
	TAILQ_ENTRY(portal)	 entry;
	RB_ENTRY(portal)	 bysock;
	struct worker		*w;
	struct inlet		*in;		/* inlet side */
	struct outlet_conf	*oc;		/* outlet side */
	uint32_t		 sock;		/* tcpd's id */
	enum pstate		 state;
	time_t			 since;
	time_t			 active;	/* a byte either way */
	struct route		 peer;		/* the far worker */
	uint8_t			 flow_kind;	/* pinned, or FLOW_NONE */
	uint32_t		 flow;
	int			 credit_ok;	/* the peer's offers */
	int			 shut_ok;
	uint32_t		 rx_window;	/* our offer */
	uint32_t		 rx_left;	/* credit_ok: it may send */
	uint32_t		 unwritten;	/* at tcpd, not written */
	uint32_t		 to_grant;	/* written, not granted */
	uint32_t		 tx_credit;	/* tcpd may read */
	uint32_t		 window;	/* the peer's, offered */
	int			 disc_in;	/* Disconnect received */
	uint32_t		 xoff_conn;	/* not read while we hold */
	uint64_t		 nin, nout;	/* bytes: far side in, out */
};

TAILQ_HEAD(portal_list, portal);
extern struct portal_list	 portals;

/* portal.c */
struct portal	*portal_new(uint32_t, struct inlet *, struct outlet_conf *);
void		 portal_close(struct portal *, int);
void		 portal_hello(struct portal *, int, uint32_t);
struct portal	*portal_by_sock(uint32_t);
const char	*portal_state(const struct portal *);

/* portal.c */
void		 portal_close_all(struct inlet *, struct outlet_conf *);

/*
 * Inlets and outlets started and stopped while the node runs (ockamctl
 * tcp-inlet, reload).  inlet_start() copies ic (the caller keeps it),
 * sets ic->id to the inlet's id, never used again, and has tcpd bind
 * it (port 0: one the kernel picks).  done is called exactly once:
 * with 0 and "ID NAME" (NAME: the address bound) once the inlet runs,
 * or with an errno and why it cannot; inlet_start() returns -1 when
 * that happened before it returned, else 0.  inlet_stop() closes the
 * listener and the inlet's portal connections at once (an inlet still
 * binding: done hears ECANCELED).  leaving: how many of the inlets
 * that run the caller stops once this one runs (a reload replacing
 * them), not counted against the limit inlets.  outlet_add() copies oc,
 * and outlet_remove() closes the portals of that outlet with it.
 */
int		 inlet_start(struct inlet_conf *, int, void (*)(void *, int,
		    const char *), void *);
void		 inlet_stop(uint32_t);
void		 outlet_add(struct outlet_conf *);
void		 outlet_remove(const char *);

/* inlet.c */
struct tcp_portal;
struct inlet	*inlet_next(struct inlet *);
struct inlet	*inlet_find(uint32_t, const char *);
void		 inlet_name(int, const char *, unsigned int, char *,
		    size_t);
void		 inlet_accepted(struct imsg *, const struct tcp_portal *);
void		 inlet_configure(struct ockam_conf *);
void		 inlet_shutdown(void);
void		 inlet_update(uint32_t, const struct inlet_conf *);



/* inletchan.c */
struct inlet_chan *inlet_chan_get(const struct inlet_conf *);
void		 inlet_chan_put(struct inlet_chan *);
void		 inlet_chan_client(struct portal *);
void		 inlet_channel_gone(uint32_t);

/* outlet.c */
struct outlet_conf *outlet_by_name(const char *);
void		 outlet_update(const struct outlet_conf *);
void		 outlet_shutdown(void);

#endif /* OCKAM_PORTALS_H */
