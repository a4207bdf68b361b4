/* SPDX-License-Identifier: ISC */
/*
 * Relays this node keeps at hubs (relayc.c), for the control verbs
 * that make, show and delete them (relayctl.c).
 */
#ifndef OCKAM_RELAYC_H
#define OCKAM_RELAYC_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "route.h"

enum remote_state {
	RS_WAIT,		/* until next: a first try, or after a failure */
	RS_CHANNEL,		/* a secure channel to the hub opens */
	RS_REGISTER,		/* the registration waits for its answer */
	RS_UP			/* registered; heartbeats renew it */
};

struct worker;

struct remote {
	TAILQ_ENTRY(remote)	 entry;
	uint32_t		 id;		/* ORIGIN_RELAYC | n */
	struct worker		*w;		/* its address here */
	struct remote_conf	*rc;
	int			 own;		/* rc made by ockamctl */
	struct route		 hub;
	struct trust_conf	 trust;		/* for the hub's identity */
	uint32_t		 scflags;	/* CTL_SC_* */
	enum remote_state	 state;
	int			 awaiting;	/* an answer, since sent */
	uint32_t		 reqid;		/* what we asked last */
	char			 remote[OCKAM_ADDR_MAX + 1];	/* at the hub */
	char			 enc[OCKAM_ADDR_MAX + 1];	/* channel */
	uint32_t		 chan;
	int64_t			 next;		/* ms: next try, heartbeat */
	int64_t			 sent;		/* ms */
	time_t			 up_since;	/* monotime() */
	time_t			 changed;	/* time(): state since */
	unsigned int		 failures;	/* in a row */
	uint64_t		 nregs, nfwd;
	char			 why[256];	/* the last failure */
	uint32_t		 client;	/* relay create waits */
	uint32_t		 creqid;
};
TAILQ_HEAD(remotes, remote);
extern struct remotes	 remotes;

int		 remote_new(struct remote_conf *, int, const struct trust_conf *,
		    uint32_t, uint32_t, uint32_t, char *, size_t);
void		 remote_delete(struct remote *, const char *);
struct remote	*remote_find(const char *);
const char	*remote_state(const struct remote *);
void		 remote_route(const struct remote *, char *, size_t);

#endif /* OCKAM_RELAYC_H */
