/* SPDX-License-Identifier: ISC */
/*
 * What every child of routed (ockam-vaultd, ockam-tcpd) does the same
 * way: its arguments, the fd 3 channel, the configuration routed sends
 * before anything else, READY, the loop that answers routed, and the
 * requests every child takes (below).  A role gives its own table of
 * requests and its hooks (struct privsep_child, privsep.h).
 *
 * A request that is in neither table, not allowed in the current
 * phase, repeated when it may come only once, or not of its size, is
 * fatal.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "util.h"

#define P(phase)	PRIVSEP_PHASE(phase)
#define REQ_ONCE	PRIVSEP_REQ_ONCE

static void	child_verbose(struct imsg *);
static void	child_regress_sandbox(struct imsg *);
static void	child_regress_badimsg(struct imsg *);

static struct privsep_child	*child;
static enum privsep_phase	 phase = PRIVSEP_START;

/*
 * What every child takes from routed.  CONF_PRIV and CONF_DONE are
 * read by child_config() itself; they are listed so that they are
 * refused later.
 */
static const struct privsep_req child_reqs[] = {
	{ IMSG_CONF_PRIV, P(PRIVSEP_START), REQ_ONCE,
	    sizeof(struct priv_conf), NULL },
	{ IMSG_CONF_DONE, P(PRIVSEP_START), REQ_ONCE, 0, NULL },
	{ IMSG_CTL_VERBOSE, P(PRIVSEP_RUN), 0, sizeof(int), child_verbose },
	{ IMSG_REGRESS_SANDBOX, P(PRIVSEP_RUN), 0, sizeof(uint32_t),
	    child_regress_sandbox },
	{ IMSG_REGRESS_BADIMSG, P(PRIVSEP_RUN), 0, sizeof(uint32_t),
	    child_regress_badimsg },
};
#define NREQS	(sizeof(child_reqs) / sizeof(child_reqs[0]))

static int	 child_used[NREQS];

static void
child_verbose(struct imsg *imsg)
{
	int	 v;

	memcpy(&v, imsg->data, sizeof(v));
	log_setverbose(v);
}

/* Try what the sandbox forbids (its size is checked by the table). */
static void
child_regress_sandbox(struct imsg *imsg)
{
	uint32_t	 variant;

	memcpy(&variant, imsg->data, sizeof(variant));
	if (variant > REGRESS_SB_MAX)
		imsg_bad("routed", imsg, "unknown variant");
#ifndef OCKAM_REGRESS
	imsg_bad("routed", imsg, "regress hooks not compiled in");
#endif
	privsep_regress_violate(variant, child->dirfd);
}

/* Send routed a malformed imsg: routed must stop. */
static void
child_regress_badimsg(struct imsg *imsg)
{
#ifdef OCKAM_REGRESS
	struct imsgbuf	*ib = child->ibuf;
	struct imsg_hdr	 hdr;
	uint32_t	 variant;
	uint8_t		 junk[8] = { 0 };

	memcpy(&variant, imsg->data, sizeof(variant));
	log_warnx("regress: sending routed a malformed imsg (variant %u)",
	    variant);
	switch (variant) {
	case REGRESS_BAD_LENGTH:
		imsg_compose(ib, IMSG_READY, 0, 0, -1, junk, sizeof(junk));
		break;
	case REGRESS_BAD_TYPE:
		imsg_compose(ib, 0x7fff, 0, 0, -1, NULL, 0);
		break;
	case REGRESS_BAD_HEADER:
		memset(&hdr, 0, sizeof(hdr));
		hdr.type = IMSG_READY;
		hdr.len = 8;	/* shorter than the header itself */
		if (write(ib->fd, &hdr, sizeof(hdr)) != sizeof(hdr))
			log_warn("regress: write");
		break;
	default:
		imsg_bad("routed", imsg, "unknown variant");
	}
#else
	imsg_bad("routed", imsg, "regress hooks not compiled in");
#endif
}

/* The role's table, then the one every child has. */
static void
child_dispatch(struct imsg *imsg)
{
	if (!privsep_dispatch("routed", child->reqs, child->nreqs,
	    child->used, phase, imsg) &&
	    !privsep_dispatch("routed", child_reqs, NREQS, child_used, phase,
	    imsg))
		imsg_bad("routed", imsg, "unsupported request");
}

/*
 * A child's first steps: the channel to routed must be fd 3 and a
 * socket, or we were not started by ockam-routed.
 */
static void
child_init(struct imsgbuf *ib, const char *prog)
{
	struct stat	 sb;
	int		 flags;

	if (fstat(PRIVSEP_FD, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		fatalx("%s: must be started by ockam-routed (no channel on "
		    "fd %d)", prog, PRIVSEP_FD);
	if ((flags = fcntl(PRIVSEP_FD, F_GETFL)) == -1 ||
	    fcntl(PRIVSEP_FD, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(PRIVSEP_FD, F_SETFD, FD_CLOEXEC) == -1)
		fatal("fcntl");
	if (imsgbuf_init(ib, PRIVSEP_FD, PRIVSEP_IMSG_MAX) == -1)
		fatal("imsgbuf_init");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* routed decides when the node stops; ^C reaches it alone. */
	signal(SIGINT, SIG_IGN);
}

/*
 * Read the configuration routed sends before anything else: CONF_PRIV,
 * then the role's start-up requests, then CONF_DONE.  routed is
 * trusted, but a malformed message still means something is broken.
 */
static void
child_config(struct imsgbuf *ib, struct priv_conf *pc)
{
	struct pollfd	 pfd;
	struct imsg	 imsg;
	int		 n, gotpriv = 0;

	for (;;) {
		pfd.fd = ib->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((n = imsgbuf_read(ib)) == -1)
			fatal("read from routed");
		if (n == 0)
			fatalx("routed went away during start-up");
		while (privsep_get(ib, &imsg, "routed") == 1) {
			switch (imsg.hdr.type) {
			case IMSG_CONF_PRIV:
				if (imsg.len != sizeof(*pc))
					imsg_bad("routed", &imsg, "size");
				memcpy(pc, imsg.data, sizeof(*pc));
				if (memchr(pc->user, '\0',
				    sizeof(pc->user)) == NULL ||
				    memchr(pc->chroot, '\0',
				    sizeof(pc->chroot)) == NULL)
					imsg_bad("routed", &imsg,
					    "unterminated string");
				log_setverbose(pc->verbose);
				gotpriv = 1;
				break;
			case IMSG_CONF_DONE:
				if (imsg.len != 0)
					imsg_bad("routed", &imsg, "size");
				if (!gotpriv)
					imsg_bad("routed", &imsg,
					    "configuration incomplete");
				imsg_free(&imsg);
				return;
			default:
				child_dispatch(&imsg);
				break;
			}
			imsg_free(&imsg);
		}
	}
}

/*
 * Read what routed sent and hand each message to its handler.  Returns
 * 0 when routed closed the channel (the child then exits), 1 otherwise.
 */
int
privsep_child_input(void)
{
	struct imsgbuf	*ib = child->ibuf;
	struct imsg	 imsg;
	int		 n, eof;

	/* routed closing with data unread resets the channel: it is gone. */
	if ((n = imsgbuf_read(ib)) == -1 && errno != ECONNRESET)
		fatal("read from routed");
	eof = (n <= 0);
	while (privsep_get(ib, &imsg, "routed") == 1) {
		child_dispatch(&imsg);
		imsg_free(&imsg);
	}
	return (eof ? 0 : 1);
}

/* A child that does nothing but answer routed. */
static void
child_loop(struct imsgbuf *ib)
{
	struct pollfd	 pfd;

	for (;;) {
		pfd.fd = ib->fd;
		pfd.events = POLLIN;
		if (imsgbuf_queuelen(ib) > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd.revents & POLLOUT) && imsgbuf_write(ib) == -1)
			fatal("write to routed");
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (privsep_child_input() == 0)
			break;
		/* Answer what came at once, not after another poll. */
		if (imsgbuf_queuelen(ib) > 0 && imsgbuf_write(ib) == -1)
			fatal("write to routed");
	}
}

static __dead void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s is started by ockam-routed; %s -V "
	    "prints its version\n", prog, prog);
	exit(1);
}

/*
 * The whole life of a child: "-P role [-d] [-N node] [-v]" (the node's
 * name, for the process title), or "-V", the version; the channel, the
 * configuration (the role's start-up requests go to its table), then
 * the role's start hook drops privileges and enters the sandbox, READY,
 * and the loop until routed closes the channel.
 */
int
privsep_child_main(struct privsep_child *ch, int argc, char *argv[])
{
	extern char		**environ;
	struct priv_conf	 pc;
	const char		*role = NULL, *node = NULL;
	int			 c, debug = 0, verbose = 0;

	/*
	 * Nothing inherited but stdio and the channel to routed: closed
	 * first, before openlog() has a descriptor of its own to lose.
	 */
	closefrom(PRIVSEP_FD + 1);
	child = ch;
	setproctitle_init(argc, argv, environ);
	while ((c = getopt(argc, argv, "dN:P:vV")) != -1) {
		switch (c) {
		case 'd':
			debug = 1;
			break;
		case 'N':
			node = optarg;
			break;
		case 'V':
			printf("%s %s\n", ch->prog, ockam_version());
			exit(0);
		case 'P':
			role = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage(ch->prog);
		}
	}
	if (role == NULL || strcmp(role, ch->role) != 0 || optind != argc)
		usage(ch->prog);

	log_init(debug, LOG_DAEMON);
	log_procinit(ch->role);
	log_setverbose(verbose);
	child_init(ch->ibuf, ch->prog);
	if (ch->init != NULL)
		ch->init();
	child_config(ch->ibuf, &pc);
	ch->start(&pc);
	if (node != NULL)
		setproctitle("%s %s", ch->title, node);
	else
		setproctitle("%s", ch->title);
	phase = PRIVSEP_RUN;
	if (imsg_compose(ch->ibuf, IMSG_READY, 0, 0, -1, NULL, 0) == -1)
		fatal("imsg_compose");

	if (ch->loop != NULL)
		ch->loop();
	else
		child_loop(ch->ibuf);
	if (ch->stop != NULL)
		ch->stop();
	log_debug("routed went away, exiting");
	imsgbuf_clear(ch->ibuf);
	return (0);
}
