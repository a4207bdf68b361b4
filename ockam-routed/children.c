/* SPDX-License-Identifier: ISC */
/*
 * routed's two children: ockam-vaultd and ockam-tcpd, each fork+exec'd
 * with its end of a socketpair on fd 3.  Losing either one, by any
 * cause, stops the whole node: there is no half-alive node.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "streamd.h"
#include "tcp.h"
#include "util.h"
#include "vault.h"

#define P(phase)	PRIVSEP_PHASE(phase)
#define ANY		(P(PRIVSEP_START) | P(PRIVSEP_RUN))
#define REQ_MSG		PRIVSEP_REQ_MSG
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static void	vault_ready(struct imsg *);
static void	tcpd_ready(struct imsg *);
static void	streamd_ready(struct imsg *);
static void	child_lost(struct child *, const char *);

/*
 * What each child may send routed: its channel is authenticated by
 * being the child's own, and a message that is not in its table, not
 * allowed before or after READY, or not of its size is fatal, like
 * one whose fields the handler finds wrong (vaultcall.c, transport.c).  READY
 * is checked for its size before it is found said twice.
 */
static const struct privsep_req vault_msgs[] = {
	{ IMSG_READY, ANY, 0, 0, vault_ready },
	{ IMSG_VAULT_IDENTITY, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_identity), vault_imsg },
	{ IMSG_VAULT_HANDSHAKE, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_hs), vault_imsg },
	{ IMSG_VAULT_SIGN_STATIC, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_sign), vault_imsg },
	{ IMSG_VAULT_PIN, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_pin), vault_imsg },
};

static const struct privsep_req tcpd_msgs[] = {
	{ IMSG_READY, ANY, 0, 0, tcpd_ready },
	{ IMSG_TCP_RECV, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(struct tcp_msg), tcp_imsg_recv },
	{ IMSG_TCP_UP, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcp_imsg_up },
	{ IMSG_TCP_DOWN, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcp_imsg_down },
	{ IMSG_TCP_FAIL, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcp_imsg_fail },
	{ IMSG_TCP_XOFF, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcp_imsg_flow },
	{ IMSG_TCP_XON, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_conn), tcp_imsg_flow },
	{ IMSG_TCP_PORTAL_UP, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_imsg },
	{ IMSG_TCP_PORTAL_DATA, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(uint32_t), portal_imsg_data },
	{ IMSG_TCP_PORTAL_WROTE, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_imsg },
	{ IMSG_TCP_PORTAL_SHUT, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_imsg },
	{ IMSG_TCP_PORTAL_DOWN, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_portal), portal_imsg },
	{ IMSG_TCP_BOUND, P(PRIVSEP_RUN), 0,
	    sizeof(struct tcp_bound), tcp_imsg_bound },
};

/* streamd's answers, each for the oldest call (streamcall.c). */
static const struct privsep_req streamd_msgs[] = {
	{ IMSG_READY, ANY, 0, 0, streamd_ready },
	{ IMSG_STREAMD_OPEN, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_open), streamd_imsg },
	{ IMSG_STREAMD_APPEND, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_append), streamd_imsg },
	{ IMSG_STREAMD_READ, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(struct streamd_read), streamd_imsg },
	{ IMSG_STREAMD_STAT, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_stat), streamd_imsg },
	{ IMSG_STREAMD_GET, P(PRIVSEP_RUN), 0,
	    sizeof(struct streamd_offset), streamd_imsg },
	{ IMSG_STREAMD_LIST, P(PRIVSEP_RUN), REQ_MSG,
	    sizeof(struct streamd_list), streamd_imsg },
};

static int	 vault_used[NITEMS(vault_msgs)];
static int	 tcpd_used[NITEMS(tcpd_msgs)];
static int	 streamd_used[NITEMS(streamd_msgs)];

struct child children[CHILD_MAX] = {
	[CHILD_VAULT] = { .role = "vault", .prog = "ockam-vaultd",
	    .msgs = vault_msgs, .nmsgs = NITEMS(vault_msgs),
	    .used = vault_used },
	[CHILD_TCPD] = { .role = "tcpd", .prog = "ockam-tcpd",
	    .msgs = tcpd_msgs, .nmsgs = NITEMS(tcpd_msgs),
	    .used = tcpd_used },
	[CHILD_STREAMD] = { .role = "streamd", .prog = "ockam-streamd",
	    .msgs = streamd_msgs, .nmsgs = NITEMS(streamd_msgs),
	    .used = streamd_used },
};

/* The node's control socket: the children's process titles name it. */
static const char	*node_name = "-";

static pid_t
child_spawn(struct child *ch, const char *dir, int debug, int verbose)
{
	char	 path[PATH_MAX], *argv[10];
	int	 fd, argc = 0;
	pid_t	 pid;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ch->prog) >=
	    sizeof(path))
		fatalx("path to %s too long", ch->prog);
	if (access(path, X_OK) == -1)
		fatal("%s", path);

	argv[argc++] = (char *)ch->prog;
	argv[argc++] = "-P";
	argv[argc++] = (char *)ch->role;
	argv[argc++] = "-N";
	argv[argc++] = (char *)node_name;
	if (debug)
		argv[argc++] = "-d";
	if (verbose > 0)
		argv[argc++] = verbose > 1 ? "-vv" : "-v";
	argv[argc] = NULL;

	if ((pid = privsep_spawn(path, argv, &fd)) == -1)
		fatal("spawn %s", ch->prog);
	if (fd_nonblock(fd) == -1)
		fatal("fcntl");
	if (imsgbuf_init(&ch->ibuf, fd, PRIVSEP_IMSG_MAX) == -1)
		fatal("imsgbuf_init");
	ch->pid = pid;
	ch->alive = 1;
	ch->connected = 1;
	return (pid);
}

/*
 * Spawn both children and send each its start-up configuration.  They
 * drop privileges and enter their sandbox once it is complete, then
 * say READY.
 */
void
children_start(struct ockam_conf *conf, const char *dir, int debug,
    int verbose)
{
	struct priv_conf	 pc;
	const char		*user;
	int			 i;

	memset(&pc, 0, sizeof(pc));
	node_name = conf->csock;
	if (conf->chroot != NULL && strlcpy(pc.chroot, conf->chroot,
	    sizeof(pc.chroot)) >= sizeof(pc.chroot))
		fatalx("chroot path too long: %s", conf->chroot);
	pc.verbose = verbose;

	for (i = 0; i < CHILD_MAX; i++) {
		/* streamd only where there is a stream service. */
		if (i == CHILD_STREAMD && conf->stream == NULL) {
			children[i].ready = 1;
			continue;
		}
		/* The vault has a user of its own. */
		user = i == CHILD_VAULT ? conf->vault_user : conf->user;
		if (strlcpy(pc.user, user, sizeof(pc.user)) >= sizeof(pc.user))
			fatalx("user name too long: %s", user);
		child_spawn(&children[i], dir, debug, verbose);
		log_debug("started %s as pid %d", children[i].prog,
		    (int)children[i].pid);
		if (imsg_compose(&children[i].ibuf, IMSG_CONF_PRIV, 0, 0, -1,
		    &pc, sizeof(pc)) == -1)
			fatal("imsg_compose");
		if (i == CHILD_VAULT)
			vault_configure(conf->vault_dir, conf->limits);
		if (i == CHILD_TCPD) {
			tcp_configure(conf);
			portal_configure_tcpd(conf);
		}
		if (i == CHILD_STREAMD)
			streamd_configure(conf);
		if (imsg_compose(&children[i].ibuf, IMSG_CONF_DONE, 0, 0, -1,
		    NULL, 0) == -1)
			fatal("imsg_compose");
		if (imsgbuf_flush(&children[i].ibuf) == -1)
			fatal("sending configuration to %s",
			    children[i].role);
	}
}

int
children_ready(void)
{
	int	 i;

	for (i = 0; i < CHILD_MAX; i++)
		if (!children[i].ready)
			return (0);
	return (1);
}

int
children_send(enum child_id id, uint32_t type, const void *data, size_t len)
{
	struct child	*ch = &children[id];

	if (!ch->connected)
		return (-1);
	if (imsg_compose(&ch->ibuf, type, 0, 0, -1, data, len) == -1)
		fatal("imsg_compose to %s", ch->role);
	return (0);
}

void
children_lost(enum child_id id, const char *why)
{
	child_lost(&children[id], why);
}

static void
child_lost(struct child *ch, const char *why)
{
	if (!routed_quit) {
		log_warnx("lost connection to %s: %s", ch->role, why);
		routed_failed = 1;
	}
	close(ch->ibuf.fd);
	imsgbuf_clear(&ch->ibuf);
	ch->connected = 0;
	routed_quit = 1;
}

static void
child_ready(struct child *ch, struct imsg *imsg)
{
	if (ch->ready)
		imsg_bad(ch->role, imsg, "said READY twice");
	ch->ready = 1;
	log_debug("%s is ready", ch->role);
}

static void
vault_ready(struct imsg *imsg)
{
	child_ready(&children[CHILD_VAULT], imsg);
}

static void
tcpd_ready(struct imsg *imsg)
{
	child_ready(&children[CHILD_TCPD], imsg);
}

static void
streamd_ready(struct imsg *imsg)
{
	child_ready(&children[CHILD_STREAMD], imsg);
}

/* A message from a child, checked against its table. */
void
children_imsg(enum child_id id, struct imsg *imsg)
{
	struct child	*ch = &children[id];

	if (!privsep_dispatch(ch->role, ch->msgs, ch->nmsgs, ch->used,
	    ch->ready ? PRIVSEP_RUN : PRIVSEP_START, imsg))
		imsg_bad(ch->role, imsg, "not expected from this process");
}

void
children_dispatch(struct child *ch, short revents)
{
	struct imsg	 imsg;
	int		 n, eof;

	if (!ch->connected)
		return;
	if (revents & POLLOUT) {
		if (imsgbuf_write(&ch->ibuf) == -1) {
			child_lost(ch, strerror(errno));
			return;
		}
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if ((n = imsgbuf_read(&ch->ibuf)) == -1) {
		child_lost(ch, strerror(errno));
		return;
	}
	eof = (n == 0);
	while (privsep_get(&ch->ibuf, &imsg, ch->role) == 1) {
		children_imsg(ch - children, &imsg);
		imsg_free(&imsg);
	}
	if (eof)
		child_lost(ch, "channel closed");
}

static void
child_report(struct child *ch, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("lost child: %s (pid %d) terminated by signal %d "
		    "(%s)%s", ch->role, (int)ch->pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)), WTERMSIG(status) == SIGSYS ?
		    ": a forbidden system call (sandbox)" : "");
	else if (WIFEXITED(status) && (WEXITSTATUS(status) != 0 ||
	    !routed_quit))
		log_warnx("lost child: %s (pid %d) exited with status %d",
		    ch->role, (int)ch->pid, WEXITSTATUS(status));
	else
		log_debug("%s (pid %d) exited", ch->role, (int)ch->pid);
}

/* SIGCHLD: reap, say who died and how, and stop the node. */
void
children_reap(void)
{
	pid_t	 pid;
	int	 i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < CHILD_MAX; i++) {
			if (children[i].pid != pid || !children[i].alive)
				continue;
			children[i].alive = 0;
			child_report(&children[i], status);
			if (!routed_quit)
				routed_failed = 1;
			routed_quit = 1;
		}
	}
}

/* Reap for up to a second; 0 once every child is gone. */
static int
children_wait(void)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int		 i, tries, left;

	for (tries = 0; tries < 50; tries++) {
		children_reap();
		for (i = 0, left = 0; i < CHILD_MAX; i++)
			left += children[i].alive;
		if (left == 0)
			return (0);
		nanosleep(&ts, NULL);
	}
	return (-1);
}

/*
 * Shut down: close the channels (a child exits on EOF), give the
 * children a second, then kill what is left.
 */
void
children_stop(void)
{
	int	 i;

	for (i = 0; i < CHILD_MAX; i++) {
		if (!children[i].connected)
			continue;
		imsgbuf_flush(&children[i].ibuf);
		close(children[i].ibuf.fd);
		imsgbuf_clear(&children[i].ibuf);
		children[i].connected = 0;
	}
	if (children_wait() == 0)
		return;
	for (i = 0; i < CHILD_MAX; i++) {
		if (!children[i].alive)
			continue;
		log_warnx("%s (pid %d) did not exit: killing it",
		    children[i].role, (int)children[i].pid);
		/* The vault runs as another user: EPERM, said, not hidden. */
		if (kill(children[i].pid, SIGKILL) == -1)
			log_warn("cannot kill %s (pid %d)", children[i].role,
			    (int)children[i].pid);
	}
	children_wait();
}
