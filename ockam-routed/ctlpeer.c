/* SPDX-License-Identifier: ISC */
/*
 * A control client as a peer: who it is beyond SO_PEERCRED's uid and
 * gid (its supplementary groups), and what it may hold, for the rules
 * of ockam-routed(8), CONTROL SOCKET: past control-queue bytes queued
 * for it its requests are not read (and past CTL_QUEUE_CLOSE times
 * that it is closed, by control.c); a client idle for
 * control-idle-timeout is closed; and when control-clients are
 * connected, a new client takes the place of the one idle for longest.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <syslog.h>

#include "channel.h"
#include "ctlconn.h"
#include "limit.h"
#include "log.h"
#include "routed.h"

static struct log_count	 log_evicted = LOG_COUNT_INIT(LOG_INFO,
			    "control: all client slots taken, closed the "
			    "longest idle");
static struct log_count	 log_idle = LOG_COUNT_INIT(LOG_INFO,
			    "control: closed an idle client");

/*
 * Is gid among the peer's groups?  The kernel's list (SO_PEERGROUPS)
 * as it stood when the peer connected: the list that let it open the
 * socket through the socket's group permission.  Asked of the kernel
 * on the connection itself, so routed needs no /etc/group in its
 * chroot.
 */
int
peer_in_group(int fd, gid_t gid)
{
	gid_t		 small[64], *g = small;
	socklen_t	 len = sizeof(small);
	size_t		 i;
	int		 found = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1 &&
	    (errno != ERANGE || (g = malloc(len)) == NULL ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1))
		goto done;
	for (i = 0; i < len / sizeof(*g); i++)
		if (g[i] == gid)
			found = 1;
done:
	if (g != small)
		free(g);
	return (found);
}

/*
 * Past the mark, its own or the node's (what every client holds
 * together): its requests wait, messages for its workers drop.  A
 * client with nothing queued is never full, so that one client's
 * backlog does not stop another from being answered at all.
 */
int
control_full(struct ctl_conn *c)
{
	struct ctl_conn	*o;
	size_t		 len, total = 0;

	if ((len = imsgbuf_queuelen(&c->ibuf)) == 0)
		return (0);
	if (len >= limit(LIMIT_CONTROL_QUEUE))
		return (1);
	for (o = control_next(NULL); o != NULL; o = control_next(o))
		total += imsgbuf_queuelen(&o->ibuf);
	return (total >= limit(LIMIT_CONTROL_QUEUE_TOTAL));
}

/*
 * A client that is idle: nothing read from it or written to it for
 * `idle' seconds.  One that waits, for the answer to a request that
 * takes time (a handshake) or for messages to its workers, is idle
 * only when what is queued for it does not move either.
 */
static int
control_idle(struct ctl_conn *c, time_t now, time_t idle)
{
	return (now - c->active >= idle && ((c->nworkers == 0 &&
	    !c->waiting) || imsgbuf_queuelen(&c->ibuf) > 0));
}

/* An answer is queued: the idle clock starts from it. */
void
control_answered(struct ctl_conn *c)
{
	if (c->waiting) {
		c->waiting = 0;
		c->active = monotime();
	}
}

/*
 * Every slot is taken: the client idle for longest goes (one that is
 * idle by control_idle() before any other), so that a newcomer always
 * gets in.
 */
void
control_evict(void)
{
	struct ctl_conn	*c, *victim = NULL;
	time_t		 now = monotime();
	int		 vidle = 0, idle;

	for (c = control_next(NULL); c != NULL; c = control_next(c)) {
		idle = control_idle(c, now, 0);
		if (victim == NULL || idle > vidle ||
		    (idle == vidle && c->active < victim->active)) {
			victim = c;
			vidle = idle;
		}
	}
	if (victim == NULL)
		return;
	log_count(&log_evicted, "client %u (uid %d), idle %llds",
	    victim->id, (int)victim->uid,
	    (long long)(now - victim->active));
	control_close(victim);
}

/* Once a second: clients idle for longer than the limit go. */
void
control_tick(void)
{
	struct ctl_conn	*c, *next;
	time_t		 now = monotime();

	for (c = control_next(NULL); c != NULL; c = next) {
		next = control_next(c);
		if (!control_idle(c, now, limit(LIMIT_CONTROL_IDLE)))
			continue;
		log_count(&log_idle, "client %u (uid %d pid %d), idle %llds",
		    c->id, (int)c->uid, (int)c->pid,
		    (long long)(now - c->active));
		control_close(c);
	}
}
