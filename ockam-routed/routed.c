/* SPDX-License-Identifier: ISC */
/*
 * ockam-routed: the node.  Parses the configuration, spawns the vault
 * and the transport, drops privileges, enters its sandbox and then
 * routes messages between workers, its children and control clients.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "aead.h"
#include "channel.h"
#include "control.h"
#include "landlock.h"
#include "log.h"
#include "privsep.h"
#include "reload.h"
#include "routed.h"
#include "sandbox.h"

volatile sig_atomic_t	 routed_quit;
int			 routed_failed;
static volatile sig_atomic_t routed_sigchld;
static volatile sig_atomic_t routed_sighup;

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnvV] [-D macro=value] [-f file] [-X dir] "
	    "[-s socket]\n", __progname);
	exit(1);
}

static void
sighdlr(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		routed_quit = 1;
		break;
	case SIGCHLD:
		routed_sigchld = 1;
		break;
	case SIGHUP:
		routed_sighup = 1;
		break;
	}
}

static void
start_workers(struct ockam_conf *conf)
{
	struct worker_conf	*wc;
	struct relay_conf	*rc;
	struct worker		*w;
	char			 err[256];

	TAILQ_FOREACH(wc, &conf->workers, entry)
		if (worker_add(wc->name, wc->kind, 0, err, sizeof(err)) == NULL)
			fatalx("worker %s: %s", wc->name, err);
	TAILQ_FOREACH(rc, &conf->relays, entry) {
		if ((w = worker_add(rc->name, WORKER_RELAY, 0, err,
		    sizeof(err))) == NULL)
			fatalx("relay %s: %s", rc->name, err);
		w->relay = rc;
	}
}

static void
routed_loop(struct ockam_conf *conf)
{
	struct pollfd	*pfd;
	struct timespec	 ts, *tsp;
	sigset_t	 empty;
	time_t		 now, last_tick = 0;
	int		 i, n, nctl, npfd;
	int		 announced = 0;

	/* The children, the control socket and each of its clients. */
	npfd = CHILD_MAX + 1 + limit(LIMIT_CONTROL_CLIENTS);
	if ((pfd = calloc(npfd, sizeof(*pfd))) == NULL)
		fatal("%s", __func__);
	sigemptyset(&empty);
	while (!routed_quit) {
		for (i = 0; i < CHILD_MAX; i++) {
			pfd[i].fd = children[i].connected ?
			    children[i].ibuf.fd : -1;
			/* The network waits while delivery lags. */
			pfd[i].events = i == CHILD_TCPD &&
			    (router_backlogged() || tcp_backlogged()) ? 0 :
			    POLLIN;
			if (children[i].connected &&
			    imsgbuf_queuelen(&children[i].ibuf) > 0)
				pfd[i].events |= POLLOUT;
			pfd[i].revents = 0;
		}
		/* Clients only once both children are sandboxed. */
		nctl = 0;
		if (children_ready())
			nctl = control_pollfds(&pfd[CHILD_MAX],
			    npfd - CHILD_MAX);
		for (i = CHILD_MAX; i < CHILD_MAX + nctl; i++)
			pfd[i].revents = 0;

		/* Wake up at least once a second for the timers. */
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
		tsp = &ts;
		if (router_pending() > 0)
			ts.tv_sec = 0;
		sclient_timeout(&ts);
		/* Signals are blocked except while we wait here. */
		n = ppoll(pfd, CHILD_MAX + nctl, tsp, &empty);
		if (n == -1 && errno != EINTR)
			fatal("ppoll");
		if (routed_sigchld) {
			routed_sigchld = 0;
			children_reap();
		}
		if (routed_quit)
			break;
		if (n > 0) {
			for (i = 0; i < CHILD_MAX; i++)
				if (pfd[i].revents != 0)
					children_dispatch(&children[i],
					    pfd[i].revents);
			if (nctl > 0)
				control_dispatch(&pfd[CHILD_MAX], nctl);
		}
		if (!announced && children_ready()) {
			/* The vault answers now: identities, listeners. */
			channel_configure(conf);
			sctrust_configure(conf);
			hub_configure(conf);
			relayc_configure(conf);
			portal_configure(conf);
			sclient_configure(conf);
			log_info("node ready");
			notify_ready();
			announced = 1;
		}
		/* SIGHUP: a reload, once the node is ready. */
		if (announced && routed_sighup) {
			routed_sighup = 0;
			reload_request(0, 0);
		}
		vault_run();
		sclient_run();
		router_run();
		/*
		 * Write-through: what routing queued goes out now, not
		 * after another round of ppoll (a round trip less per hop).
		 */
		for (i = 0; i < CHILD_MAX; i++)
			if (children[i].connected &&
			    imsgbuf_queuelen(&children[i].ibuf) > 0 &&
			    imsgbuf_write(&children[i].ibuf) == -1)
				children_lost(i, strerror(errno));
		control_flush();
		now = monotime();
		if (now != last_tick) {
			channel_tick();
			sctrust_tick();
			relayc_tick();
			portal_tick();
			vault_tick();
			streamd_tick();
			stream_wait_tick();
			control_tick();
			last_tick = now;
		}
		log_count_flush();
	}
	free(pfd);
}

int
main(int argc, char *argv[])
{
	extern char		**environ;
	struct ockam_conf	*conf;
	struct sigaction	 sa;
	sigset_t		 mask;
	const char		*conffile = default_conffile(), *csock = NULL;
	const char		*helpers = NULL;
	char			 dir[PATH_MAX];
	pid_t			 pids[CHILD_MAX];
	uid_t			 owner;
	int			 ch, debug = 0, verbose = 0, noaction = 0;
	int			 i, npids;

	/* Nothing inherited but stdio. */
	closefrom(STDERR_FILENO + 1);
	setproctitle_init(argc, argv, environ);
	log_init(1, LOG_DAEMON);
	log_procinit("routed");

	while ((ch = getopt(argc, argv, "D:df:ns:vVX:")) != -1) {
		switch (ch) {
		case 'D':
			if (cmdline_symset(optarg) < 0)
				fatalx("-D %s: a macro definition is name=value, "
				    "the name of letters, digits and _", optarg);
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction++;
			break;
		case 's':
			csock = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("ockam-routed %s\n", ockam_version());
			exit(0);
		case 'X':
			helpers = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc > 0)
		usage();

	log_setverbose(verbose + 1);
	if ((conf = parse_config(conffile, verbose ? OCKAM_OPT_VERBOSE : 0))
	    == NULL)
		exit(1);
	if (csock != NULL) {
		free(conf->csock);
		if ((conf->csock = strdup(csock)) == NULL)
			fatal(NULL);
	}
	if (noaction) {
		if (noaction > 1 && config_check_system(conf) > 0) {
			config_free(conf);
			exit(1);
		}
		if (verbose)
			print_config(conf);
		else
			fprintf(stderr, "configuration OK\n");
		config_free(conf);
		exit(0);
	}

	limits_set(conf->limits);

	/* The checks that need the system, before anything starts. */
	if (geteuid() == 0) {
		struct privsep_ids	 ids;
		char			 err[512];

		if (privsep_lookup(conf->user, conf->chroot, &ids, err,
		    sizeof(err)) == -1)
			fatalx("%s", err);
		/* The vault's own user: its siblings cannot ptrace it. */
		if (privsep_lookup(conf->vault_user, conf->chroot, &ids, err,
		    sizeof(err)) == -1)
			fatalx("vault user: %s", err);
	}
	helper_dir(helpers, dir, sizeof(dir));
	if (sodium_init() == -1)
		fatalx("libsodium cannot start");
	/* The channels' AEAD, before the sandbox (lib/aead.c). */
	if (aead_init(getenv("OCKAM_AEAD")) == -1)
		fatalx("OCKAM_AEAD: AES-256-GCM by \"openssl\" (the default) "
		    "or \"libsodium\" and it must run here");

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose + 1);
	if (!debug)
		notify_daemonize();
	notify_init();

	/* Signals wait for ppoll(); SIGCHLD must be caught before fork. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	owner = getuid();
	if (control_init(conf, owner) == -1)
		fatalx("cannot create control socket %s", conf->csock);
	summary_start(conffile);
	children_start(conf, dir, debug, verbose + 1);
	/* The children started (streamd not always): routed may kill. */
	for (i = 0, npids = 0; i < CHILD_MAX; i++)
		if (children[i].pid > 0)
			pids[npids++] = children[i].pid;

	router_init();
	start_workers(conf);
	/* Reload reads the file through its directory, kept from here. */
	reload_init(conf, conffile, csock);

	privsep_drop(conf->user, conf->chroot);
	/*
	 * No file but the socket's removal and reading the configuration,
	 * no TCP: where there is Landlock.
	 */
	if (landlock_confine_routed(control_dirfd(), reload_dirfd()) == -1)
		fatalx("cannot confine routed with Landlock");
	sandbox_enter(SANDBOX_ROUTED, pids, npids);
	setproctitle("router %s", conf->csock);
	log_info("started, control socket %s", conf->csock);

	routed_loop(conf);
	conf = reload_conf();

	log_info("shutting down");
	notify_stopping();
	relayc_shutdown();
	portal_shutdown();
	sclient_shutdown();
	if (children[CHILD_VAULT].connected)
		channel_shutdown();
	vault_shutdown();
	streamd_shutdown();
	router_flush();
	tcp_bind_shutdown();
	tcp_shutdown();
	reload_shutdown();
	control_cleanup();
	children_stop();
	hub_shutdown();
	stream_shutdown();
	router_shutdown();
	identity_shutdown();
	config_free(conf);
	aead_done();
	log_count_final();
	log_info("terminating");
	return (routed_failed ? 1 : 0);
}
