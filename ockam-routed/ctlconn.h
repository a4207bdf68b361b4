/* SPDX-License-Identifier: ISC */
/*
 * A control client, shared by control.c (the socket and the requests),
 * ctlpeer.c (who the client is and what it may hold) and nodectl.c
 * (the requests about its workers).
 */
#ifndef OCKAM_CTLCONN_H
#define OCKAM_CTLCONN_H

#include <sys/types.h>
#include <sys/queue.h>

#include <time.h>

#include "imsg.h"

#define CTL_QUEUE_CLOSE		4	/* x control-queue: closed */

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct imsgbuf		 ibuf;
	uint32_t		 id;
	uid_t			 uid;
	pid_t			 pid;
	int			 pfd;		/* index into the pollfds */
	int			 closing;	/* flush, then close */
	int			 nworkers;
	int			 waiting;	/* for a reply to a request */
	int			 stalled;	/* its queue is past the mark */
	time_t			 active;	/* last byte in or out */
};

/* control.c */
struct ctl_conn	*control_find(uint32_t);
struct ctl_conn	*control_next(struct ctl_conn *);
void		 control_close(struct ctl_conn *);

/* ctlpeer.c */
int		 control_full(struct ctl_conn *);
void		 control_answered(struct ctl_conn *);
void		 control_evict(void);

#endif /* OCKAM_CTLCONN_H */
