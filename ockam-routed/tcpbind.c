/* SPDX-License-Identifier: ISC */
/*
 * Listeners and portal inlets made after start-up (reload, ockamctl
 * tcp-inlet create): ockam-tcpd binds them, unprivileged, and answers
 * IMSG_TCP_BOUND (lib/tcp.h); routed calls back whoever asked.  A node
 * with "listen static" in ockam.conf(5) binds at start-up alone: its
 * tcpd's sandbox kills bind(), and these calls fail here without
 * asking it.  At most TCP_BINDS_MAX binds wait for their answer.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "tcp.h"

#define TCP_BINDS_MAX	64

struct pending_bind {
	TAILQ_ENTRY(pending_bind)	 entry;
	uint32_t			 id;
	int				 inlet;
	tcp_bound_cb			 cb;
	void				*arg;
};
TAILQ_HEAD(, pending_bind) pending = TAILQ_HEAD_INITIALIZER(pending);
static int			 npending;
static int			 bind_static;

void
tcp_bind_static(int on)
{
	bind_static = on;
}

/*
 * Ask tcpd to bind tl (plain TCP; inlet: a portal inlet).  0 and cb
 * later, with tcpd's answer; -1 with errno when it cannot be asked:
 * EPERM for a "listen static" node, EAGAIN when too many wait.
 */
int
tcp_bind(int inlet, const struct tcp_listen *tl, tcp_bound_cb cb,
    void *arg)
{
	struct pending_bind	*pb;

	if (bind_static) {
		errno = EPERM;
		return (-1);
	}
	if (tl->tls) {
		errno = EINVAL;
		return (-1);
	}
	if (npending == TCP_BINDS_MAX) {
		errno = EAGAIN;
		return (-1);
	}
	if ((pb = calloc(1, sizeof(*pb))) == NULL)
		fatal(NULL);
	pb->id = tl->id;
	pb->inlet = inlet;
	pb->cb = cb;
	pb->arg = arg;
	TAILQ_INSERT_TAIL(&pending, pb, entry);
	npending++;
	children_send(CHILD_TCPD, inlet ? IMSG_TCP_INLET : IMSG_TCP_LISTEN,
	    tl, sizeof(*tl));
	return (0);
}

/* Close a listener or inlet that tcpd bound (at start-up or since). */
void
tcp_unbind(int inlet, uint32_t id)
{
	struct tcp_bound	 tb;

	memset(&tb, 0, sizeof(tb));
	tb.id = id;
	tb.inlet = inlet;
	children_send(CHILD_TCPD, IMSG_TCP_UNLISTEN, &tb, sizeof(tb));
}

/* tcpd's answer: for the oldest bind of that id, else tcpd lies. */
void
tcp_imsg_bound(struct imsg *imsg)
{
	struct tcp_bound	 tb;
	struct pending_bind	*pb;

	memcpy(&tb, imsg->data, sizeof(tb));
	if (memchr(tb.name, '\0', sizeof(tb.name)) == NULL)
		imsg_bad("tcpd", imsg, "unterminated name");
	if (tb.inlet > 1 || tb.error < 0)
		imsg_bad("tcpd", imsg, "inlet or error out of range");
	TAILQ_FOREACH(pb, &pending, entry)
		if (pb->id == tb.id && pb->inlet == tb.inlet)
			break;
	if (pb == NULL)
		imsg_bad("tcpd", imsg, "an answer to no bind");
	TAILQ_REMOVE(&pending, pb, entry);
	npending--;
	if (pb->cb != NULL)
		pb->cb(pb->arg, &tb);
	free(pb);
}

/* The node stops: nobody waits for an answer any more. */
void
tcp_bind_shutdown(void)
{
	struct pending_bind	*pb;

	while ((pb = TAILQ_FIRST(&pending)) != NULL) {
		TAILQ_REMOVE(&pending, pb, entry);
		free(pb);
	}
	npending = 0;
}
