/* SPDX-License-Identifier: ISC */
/*
 * routed's table of TCP connections (transport.c), for the control verbs that
 * show and close them (tcpctl.c).
 */
#ifndef OCKAM_RCONN_H
#define OCKAM_RCONN_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "recent.h"
#include "routed.h"
#include "tcp.h"

#define TCP_NAME_MAX		32	/* "@ID.TAG" */
#define TCP_CUTS		32	/* cut-throughs of one (tcpcut.c) */

struct rconn {
	TAILQ_ENTRY(rconn)	 entry;
	uint32_t		 id;
	struct listen_conf	*lc;		/* NULL: we opened it */
	int			 tls;
	int			 paused;	/* the peer is not reading */
	int			 rstop;		/* channels holding its input */
	time_t			 since;
	TAILQ_HEAD(, message)	 held;
	int			 nheld;
	size_t			 heldbytes;
	struct recent		 grants;	/* peers it sent to */
	char			 peer[TCP_PEER_MAX];	/* shown */
	char			 name[TCP_NAME_MAX];	/* accepted: @ID.TAG */
	uint32_t		 cuts[TCP_CUTS];	/* the other ends */
	int			 ncuts;
};

/* transport.c */
struct rconn		*conn_by_id(uint32_t);
struct rconn		*conn_by_name(int, const char *, int);
struct rconn		*conn_next(struct rconn *);
const char		*conn_name(const struct rconn *);
struct ockam_conf	*tcp_conf(void);
size_t			 tcp_held_bytes(void);
void			 tcp_conf_set(struct ockam_conf *);

/* tcpcut.c */
void			 tcp_cut(struct rconn *, const struct addr *);
void			 tcp_cut_forget(struct rconn *);

#endif /* OCKAM_RCONN_H */
