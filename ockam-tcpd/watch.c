/* SPDX-License-Identifier: ISC */
/*
 * Which connections are ready: an epoll(7) set of their sockets, so
 * that a round costs what is ready, not what is open.  poll(2) in
 * tcpd_loop() watches the set's descriptor with routed's channel, the
 * listeners and the portal sockets; when it is readable, one
 * epoll_wait() says which connections are, and each gets the events
 * poll would have given it (c->revents).
 *
 * A connection is in the set with what conn_pollevents() asks for,
 * changed only when that changes, and not at all while it asks for
 * nothing (EPOLLHUP and EPOLLERR would come anyway, and poll said
 * nothing for such a connection).  Its socket leaves the set before
 * it is closed (watch_forget()), so that a descriptor number used
 * again is never mistaken for it.  The set is made before the sandbox,
 * which then allows epoll_ctl() and epoll_wait() alone.
 */
#include <sys/types.h>
#include <sys/epoll.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "tcpd.h"

static int			 epfd = -1;
static struct epoll_event	*evs;
static int			 nevs;

static uint32_t
to_epoll(int ev)
{
	return (((ev & POLLIN) ? EPOLLIN : 0) |
	    ((ev & POLLOUT) ? EPOLLOUT : 0));
}

static int
from_epoll(uint32_t ev)
{
	return (((ev & EPOLLIN) ? POLLIN : 0) |
	    ((ev & EPOLLOUT) ? POLLOUT : 0) |
	    ((ev & EPOLLERR) ? POLLERR : 0) |
	    ((ev & EPOLLHUP) ? POLLHUP : 0));
}

/* Before the sandbox: the set, and room for n events a round. */
void
watch_init(int n)
{
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if ((evs = calloc(n, sizeof(*evs))) == NULL)
		fatal(NULL);
	nevs = n;
}

int
watch_fd(void)
{
	return (epfd);
}

/* c in the set with what it asks for now (or out of it, for nothing). */
void
watch_update(struct conn *c)
{
	struct epoll_event	 ev;
	int			 want, op;

	want = c->fd != -1 ? conn_pollevents(c) : 0;
	if (want == c->wev)
		return;
	if (want == 0) {
		watch_forget(c);
		return;
	}
	ev.events = to_epoll(want);
	ev.data.ptr = c;
	op = c->wev == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(epfd, op, c->fd, &ev) == -1)
		fatal("epoll_ctl connection %u", c->id);
	c->wev = want;
}

/* c's socket out of the set: before it is closed. */
void
watch_forget(struct conn *c)
{
	if (c->wev == 0)
		return;
	if (c->fd != -1 && epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL) == -1)
		fatal("epoll_ctl connection %u", c->id);
	c->wev = 0;
}

/* poll said the set is readable: each ready connection's events. */
void
watch_events(void)
{
	struct conn	*c;
	int		 i, n;

	if ((n = epoll_wait(epfd, evs, nevs, 0)) == -1) {
		if (errno == EINTR)
			return;
		fatal("epoll_wait");
	}
	for (i = 0; i < n; i++) {
		c = evs[i].data.ptr;
		c->revents = from_epoll(evs[i].events);
	}
}
