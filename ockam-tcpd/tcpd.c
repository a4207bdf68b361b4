/*
 * ockam-tcpd: the only process that will ever hold a network socket.
 * Started by ockam-routed with its channel on fd 3.  It frames and
 * de-frames messages and checks each frame before routed sees it;
 * routed never touches the network.  It reaches no file after start-up.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "sandbox.h"

static struct imsgbuf	 ibuf;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ockam-tcpd is started by ockam-routed\n");
	exit(1);
}

/* Everything routed may ask of the transport; anything else is fatal. */
static void
tcpd_dispatch(struct imsg *imsg)
{
	int	 v;

	switch (imsg->hdr.type) {
	case IMSG_CTL_VERBOSE:
		if (imsg->len != sizeof(v))
			imsg_bad("routed", imsg, "size");
		memcpy(&v, imsg->data, sizeof(v));
		log_setverbose(v);
		break;
	case IMSG_REGRESS_SANDBOX:
		if (imsg->len != 0)
			imsg_bad("routed", imsg, "size");
		privsep_regress_violate();
		break;
	case IMSG_REGRESS_BADIMSG:
		privsep_regress_badimsg(&ibuf, imsg);
		break;
	default:
		imsg_bad("routed", imsg, "unsupported request");
	}
}

int
main(int argc, char *argv[])
{
	extern char		**environ;
	struct priv_conf	 pc;
	struct pollfd		 pfd;
	const char		*role = NULL;
	int			 ch, debug = 0, verbose = 0;

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt(argc, argv, "dP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'P':
			role = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (role == NULL || strcmp(role, "tcpd") != 0 || optind != argc)
		usage();

	log_init(debug, LOG_DAEMON);
	log_procinit("tcpd");
	log_setverbose(verbose);
	privsep_child_init(&ibuf, "ockam-tcpd");
	privsep_child_config(&ibuf, &pc, NULL, NULL);

	privsep_drop(pc.user, pc.chroot);
	sandbox_enter(SANDBOX_TCPD, NULL, 0);
	setproctitle("transport");
	if (imsg_compose(&ibuf, IMSG_READY, 0, 0, -1, NULL, 0) == -1)
		fatal("imsg_compose");

	for (;;) {
		pfd.fd = ibuf.fd;
		pfd.events = POLLIN;
		if (imsgbuf_queuelen(&ibuf) > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd.revents & POLLOUT) && imsgbuf_write(&ibuf) == -1)
			fatal("write to routed");
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    privsep_child_input(&ibuf, tcpd_dispatch) == 0)
			break;
	}
	log_debug("routed went away, exiting");
	imsgbuf_clear(&ibuf);
	return (0);
}
