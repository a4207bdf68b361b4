/* SPDX-License-Identifier: ISC */
/*
 * TCP portals inside routed (doc/design.md 6): a portal connection's
 * worker and its state in portal.c, inlets and their channels in
 * inlet.c.  The messages are lib/portal.h's, tcpd's side
 * ockam-tcpd/portal.c.
 */
#ifndef OCKAM_PORTALS_H
#define OCKAM_PORTALS_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <time.h>

#include "channel.h"
#include "routed.h"

#define PORTAL_WINDOW		(256U << 10)	/* what we offer */
#define PORTAL_NOCREDIT		(256U << 10)	/* tcpd's, without Credit */
#define PORTAL_HOLD		(1U << 20)	/* unwritten, from such a peer */
#define PORTAL_OPEN_WAIT	10		/* s for a channel and Pong */
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

struct inlet {
	TAILQ_ENTRY(inlet)	 entry;
	struct inlet_conf	*ic;
	uint32_t		 origin;	/* ORIGIN_PORTAL | n */
	uint32_t		 reqid;
	int			 opening;	/* a channel is being made */
	uint32_t		 chan;		/* open channel, or 0 */
	char			 enc[SC_NAME_LEN + 1];
	unsigned int		 failures;
	time_t			 retry;		/* not before */
};

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
	uint32_t		 rx_left;	/* credit_ok: it may send */
	uint32_t		 unwritten;	/* at tcpd, not written */
	uint32_t		 to_grant;	/* written, not granted */
	uint32_t		 tx_credit;	/* tcpd may read */
	uint32_t		 window;	/* the peer's, offered */
	int			 disc_in;	/* Disconnect received */
	uint32_t		 xoff_conn;	/* not read while we hold */
	uint64_t		 nin, nout;	/* bytes: far side in, out */
};

TAILQ_HEAD(inlets, inlet);
extern struct inlets		 inlets;

TAILQ_HEAD(portal_list, portal);
extern struct portal_list	 portals;

/* portal.c */
struct portal	*portal_new(uint32_t, struct inlet *, struct outlet_conf *);
void		 portal_close(struct portal *, int);
void		 portal_hello(struct portal *, int, uint32_t);
struct portal	*portal_by_sock(uint32_t);
const char	*portal_state(const struct portal *);

/* inlet.c */
struct tcp_portal;
void		 inlet_accepted(struct imsg *, const struct tcp_portal *);
void		 inlet_channel_gone(uint32_t);
void		 inlet_configure(struct ockam_conf *);
void		 inlet_shutdown(void);
int		 inlet_start(struct inlet_conf *, void (*)(void *, int,
		    const char *), void *);
void		 inlet_stop(uint32_t);
void		 outlet_add(struct outlet_conf *);
void		 outlet_remove(const char *);
void		 portal_conf_set(struct ockam_conf *);

#endif /* OCKAM_PORTALS_H */
