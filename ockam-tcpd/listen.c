/* SPDX-License-Identifier: ISC */
/*
 * Listeners: bound at start-up while still root, or at run time by the
 * unprivileged tcpd (reload) unless the node is "listen static", whose
 * sandbox has no bind or listen; accepted from afterwards.  A new
 * connection that bounds.c refuses (the slots are full, or its address
 * has its share) is accepted and closed at once; out of descriptors,
 * accepting pauses for a second rather than spinning on a listener that
 * stays readable.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <syslog.h>
#include <tls.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "tcpd.h"

#define ACCEPT_ROUND	64	/* accepts per listener per poll */

struct listener	 listeners[TCPD_LISTEN_MAX];
int		 nlisteners;
const struct listen_set listen_set = {
	listeners, &nlisteners, TCPD_LISTEN_MAX, "listener",
	"too many listeners", "listener id used twice"
};

static struct timespec	 accept_resume;		/* paused until then */
static struct log_count	 lc_nofd = LOG_COUNT_INIT(LOG_WARNING,
    "cannot accept, pausing for a second");

/*
 * Bind and listen: l gets its id, name and fd.  0, or -1 with errno
 * set and *step naming what failed; l->name is set either way.
 */
int
listener_bind(const struct tcp_listen *tl, struct listener *l,
    const char **step)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, on = 1, saved;

	memset(l, 0, sizeof(*l));
	l->id = tl->id;
	l->fd = -1;
	if (addr_numeric(tl->family, tl->addr, tl->port, &ss) == -1) {
		strlcpy(l->name, tl->addr, sizeof(l->name));
		*step = "not a numeric address";
		errno = EINVAL;
		return (-1);
	}
	peer_format((struct sockaddr *)&ss, l->name, sizeof(l->name));

	*step = "socket";
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	*step = "SO_REUSEADDR";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	*step = "IPV6_V6ONLY";
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	*step = "bind";
	if (bind(fd, (struct sockaddr *)&ss, sa_len((struct sockaddr *)&ss))
	    == -1)
		goto fail;
	*step = "listen";
	if (listen(fd, TCPD_BACKLOG) == -1)
		goto fail;
	if (tl->port == 0) {
		*step = "getsockname";
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
			goto fail;
		peer_format((struct sockaddr *)&ss, l->name, sizeof(l->name));
	}
	l->fd = fd;
	return (0);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/*
 * Add a socket bound for tl to set: a slot closed in this round serves
 * again (its poll result too: an accept then finds nothing), else the
 * next one.  An id in use is routed's error (fatal).  0, or -1 with
 * errno and *step; out gets what was bound (its name either way).
 */
int
lset_add(const struct listen_set *set, struct imsg *imsg,
    const struct tcp_listen *tl, struct listener *out, const char **step)
{
	struct listener		 fresh, *l = NULL;
	int			 i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < *set->n; i++) {
		if (set->l[i].fd == -1) {
			if (l == NULL)
				l = &set->l[i];
		} else if (set->l[i].id == tl->id)
			imsg_bad("routed", imsg, set->dup);
	}
	if (l == NULL && *set->n == set->max) {
		*step = set->full;
		errno = ENOSPC;
		return (-1);
	}
	if (listener_bind(tl, &fresh, step) == -1) {
		*out = fresh;
		return (-1);
	}
	if (tl->tls)
		fresh.tls = tlsd_server(fresh.name, tl->cert, tl->key);
	if (l == NULL)
		l = &set->l[(*set->n)++];
	*l = fresh;
	*out = fresh;
	log_info("%s %u on %s%s", set->what, l->id, l->name,
	    tl->tls ? " (TLS)" : "");
	return (0);
}

/*
 * Close id of set (routed's UNLISTEN): marked now, its slot freed by
 * lset_reap() before the next poll, so that this round's poll results
 * still line up.  What it accepted stays up.
 */
int
lset_close(const struct listen_set *set, uint32_t id)
{
	struct listener	*l;
	int		 i;

	for (i = 0; i < *set->n; i++) {
		l = &set->l[i];
		if (l->id != id || l->fd == -1)
			continue;
		log_info("%s %u on %s closed", set->what, id, l->name);
		close(l->fd);
		l->fd = -1;
		tls_free(l->tls);
		l->tls = NULL;
		return (0);
	}
	return (-1);
}

void
lset_reap(const struct listen_set *set)
{
	int	 i, j;

	for (i = j = 0; i < *set->n; i++)
		if (set->l[i].fd != -1)
			set->l[j++] = set->l[i];
	*set->n = j;
}

void
listener_accept(struct listener *l)
{
	struct sockaddr_storage	 ss;
	struct timespec		 now;
	socklen_t		 len;
	int			 fd, i;

	if (l->fd == -1)		/* closed in this round */
		return;
	for (i = 0; i < ACCEPT_ROUND; i++) {
		len = sizeof(ss);
		if ((fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Try again in a second. */
				log_count(&lc_nofd, "accept on %s: %s",
				    l->name, strerror(errno));
				tcpd_now(&now);
				accept_resume = now;
				accept_resume.tv_sec++;
				return;
			default:
				log_warn("accept on %s", l->name);
				return;
			}
		}
		if (bounds_accept((struct sockaddr *)&ss) == -1) {
			close(fd);
			continue;
		}
		conn_accepted(fd, (struct sockaddr *)&ss, l->id, l->tls);
	}
}

/* POLLIN, or nothing while accepting is paused. */
int
listener_pollevents(void)
{
	struct timespec	 now;

	if (accept_resume.tv_sec == 0)
		return (POLLIN);
	tcpd_now(&now);
	if (timespeccmp(&now, &accept_resume, >=)) {
		timespecclear(&accept_resume);
		return (POLLIN);
	}
	return (0);
}

/* Milliseconds until accepting resumes, or -1. */
int
listener_next_timeout(const struct timespec *now)
{
	struct timespec	 d;

	if (accept_resume.tv_sec == 0)
		return (-1);
	if (timespeccmp(now, &accept_resume, >=))
		return (0);
	timespecsub(&accept_resume, now, &d);
	return (d.tv_sec * 1000 + d.tv_nsec / 1000000 + 1);
}
