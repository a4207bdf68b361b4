/* SPDX-License-Identifier: ISC */
/*
 * Stream clients this node keeps at hubs (streamclient.c), for the
 * control verb that makes them (sclientctl.c).
 */
#ifndef OCKAM_STREAMCLIENT_H
#define OCKAM_STREAMCLIENT_H

#include <sys/queue.h>

#include <stdint.h>

#include "config.h"
#include "route.h"

enum sclient_cstate {
	SCC_WAIT,		/* until c_next: a retry */
	SCC_CREATE,		/* Init awaited */
	SCC_INDEX,		/* the saved index awaited */
	SCC_PULL,		/* a pull's reply awaited */
	SCC_IDLE		/* until c_next: the next pull */
};

struct message;
struct worker;

struct sclient {
	TAILQ_ENTRY(sclient)	 entry;
	uint32_t		 id;		/* m->flow of FLOW_STREAM */
	struct sclient_conf	*sc;
	int			 own;		/* sc made by ockamctl */
	struct route		 hub;
	struct worker		*pw;		/* producer: sc->name */
	struct worker		*cw;		/* consumer: stc_x */
	char			 client_id[256];
	/* producer */
	int			 p_up;		/* Init came: p_to */
	int			 p_retry;	/* p_next: a retry */
	struct route		 p_to;		/* the stream's worker */
	int64_t			 p_next;	/* ms */
	unsigned int		 p_failures;
	TAILQ_HEAD(, message)	 p_queue;	/* waiting for Init */
	unsigned int		 p_nqueued;
	uint64_t		 p_reqid;
	uint64_t		 npushed, nconfirmed, nrefused;
	/* consumer */
	enum sclient_cstate	 c_state;
	struct route		 c_to;		/* the stream's worker */
	uint64_t		 c_idx;		/* the next to pull */
	uint64_t		 c_saved;
	uint64_t		 c_reqid;
	int64_t			 c_next;	/* ms: deadline or next pull */
	int64_t			 c_sent;	/* ms: the last pull */
	unsigned int		 c_failures;
	uint64_t		 nforwarded;
};
TAILQ_HEAD(sclients, sclient);
extern struct sclients	 sclients;

int	 sclient_new(struct sclient_conf *, int, char *, size_t);
void	 sclient_delete(struct sclient *);

#endif /* OCKAM_STREAMCLIENT_H */
