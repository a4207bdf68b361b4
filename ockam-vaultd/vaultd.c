/*
 * ockam-vaultd: the only process that will ever hold private keys.
 * Started by ockam-routed with its channel on fd 3; it answers routed
 * and nothing else, has no network and may not exec.
 *
 * Every request type is authorized by the table below, per phase, in
 * the manner of OpenSSH's monitor: a request that is unknown, or not
 * allowed in the current phase, is fatal.
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

enum vault_phase {
	PHASE_RUN,		/* configured and sandboxed */
};

struct vault_req {
	uint32_t	 type;
	unsigned int	 phases;	/* bit per enum vault_phase */
	void		(*handler)(struct imsg *);
};

static void	vault_verbose(struct imsg *);
static void	vault_regress_sandbox(struct imsg *);
static void	vault_regress_badimsg(struct imsg *);

static struct imsgbuf	 ibuf;
static enum vault_phase	 phase = PHASE_RUN;

static const struct vault_req vault_reqs[] = {
	{ IMSG_CTL_VERBOSE, 1 << PHASE_RUN, vault_verbose },
	{ IMSG_REGRESS_SANDBOX, 1 << PHASE_RUN, vault_regress_sandbox },
	{ IMSG_REGRESS_BADIMSG, 1 << PHASE_RUN, vault_regress_badimsg },
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ockam-vaultd is started by ockam-routed\n");
	exit(1);
}

static void
vault_verbose(struct imsg *imsg)
{
	int	 v;

	if (imsg->len != sizeof(v))
		imsg_bad("routed", imsg, "size");
	memcpy(&v, imsg->data, sizeof(v));
	log_setverbose(v);
}

static void
vault_regress_sandbox(struct imsg *imsg)
{
	if (imsg->len != 0)
		imsg_bad("routed", imsg, "size");
	privsep_regress_violate();
}

static void
vault_regress_badimsg(struct imsg *imsg)
{
	privsep_regress_badimsg(&ibuf, imsg);
}

static void
vault_dispatch(struct imsg *imsg)
{
	size_t	 i;

	for (i = 0; i < sizeof(vault_reqs) / sizeof(vault_reqs[0]); i++) {
		if (vault_reqs[i].type != imsg->hdr.type)
			continue;
		if (!(vault_reqs[i].phases & (1U << phase)))
			imsg_bad("routed", imsg, "not permitted now");
		vault_reqs[i].handler(imsg);
		return;
	}
	imsg_bad("routed", imsg, "unsupported request");
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
	if (role == NULL || strcmp(role, "vault") != 0 || optind != argc)
		usage();

	log_init(debug, LOG_DAEMON);
	log_procinit("vault");
	log_setverbose(verbose);
	privsep_child_init(&ibuf, "ockam-vaultd");
	privsep_child_config(&ibuf, &pc, NULL, NULL);

	privsep_drop(pc.user, pc.chroot);
	sandbox_enter(SANDBOX_VAULT, NULL, 0);
	setproctitle("vault");
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
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (privsep_child_input(&ibuf, vault_dispatch) == 0)
			break;
	}
	log_debug("routed went away, exiting");
	imsgbuf_clear(&ibuf);
	return (0);
}
