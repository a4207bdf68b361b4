/* SPDX-License-Identifier: ISC */
/*
 * Listeners: bound at start-up while still root (the sandbox has no
 * bind or listen), accepted from afterwards.  A new connection that
 * bounds.c refuses (the slots are full, or its address has its share)
 * is accepted and closed at once; out of descriptors, accepting pauses
 * for a second rather than spinning on a listener that stays readable.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "tcpd.h"

#define ACCEPT_ROUND	64	/* accepts per listener per poll */

struct listener	 listeners[TCPD_LISTEN_MAX];
int		 nlisteners;

static struct timespec	 accept_resume;		/* paused until then */
static struct log_count	 lc_nofd = LOG_COUNT_INIT(LOG_WARNING,
    "cannot accept, pausing for a second");

/* Bind and listen (start-up, as root): l gets its id, name and fd. */
void
listener_bind(const struct tcp_listen *tl, struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, on = 1;

	if (addr_numeric(tl->family, tl->addr, tl->port, &ss) == -1)
		fatalx("listener %u: %s is not an IPv%u address", tl->id,
		    tl->addr, tl->family);
	memset(l, 0, sizeof(*l));
	l->id = tl->id;
	peer_format((struct sockaddr *)&ss, l->name, sizeof(l->name));

	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("cannot listen on %s: socket", l->name);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("cannot listen on %s: SO_REUSEADDR", l->name);
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fatal("cannot listen on %s: IPV6_V6ONLY", l->name);
	if (bind(fd, (struct sockaddr *)&ss, sa_len((struct sockaddr *)&ss))
	    == -1)
		fatal("cannot listen on %s", l->name);
	if (listen(fd, TCPD_BACKLOG) == -1)
		fatal("cannot listen on %s: listen", l->name);
	if (tl->port == 0) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
			fatal("getsockname");
		peer_format((struct sockaddr *)&ss, l->name, sizeof(l->name));
	}
	l->fd = fd;
}

void
listener_add(const struct tcp_listen *tl)
{
	struct listener		*l;

	if (nlisteners == TCPD_LISTEN_MAX)
		fatalx("more than %d listeners", TCPD_LISTEN_MAX);
	l = &listeners[nlisteners];
	listener_bind(tl, l);
	if (tl->tls)
		l->tls = tlsd_server(l->name, tl->cert, tl->key);
	nlisteners++;
	log_info("listener %u on %s%s", l->id, l->name,
	    tl->tls ? " (TLS)" : "");
}

void
listener_accept(struct listener *l)
{
	struct sockaddr_storage	 ss;
	struct timespec		 now;
	socklen_t		 len;
	int			 fd, i;

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
