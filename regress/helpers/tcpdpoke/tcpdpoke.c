/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: drive a real ockam-tcpd the way ockam-routed does
 * (fork+exec, socketpair on fd 3, "ockam-tcpd -P tcpd -d"), act as
 * routed and as the peers on loopback, run one scenario and print what
 * happened, one result per line ("... ok" or "... FAILED").
 *
 *	tcpdpoke tcpd user scenario [dir]
 *
 * Scenarios:
 *
 *	frames		frames in (RECV with the right peer), out (the peer
 *			gets the exact bytes), heartbeats dropped, byte by
 *			byte, several in one write, the largest frame,
 *			connection reuse, CLOSE, DOWN with totals
 *	bad		bad frames of every kind: each closes its own
 *			connection only
 *	many		1000 connections opened and abandoned; the limit
 *			of 1024 connections (each has sent a heartbeat)
 *	noread		a peer that never reads: XOFF, bounded memory,
 *			closed at 16 MiB past queue-high
 *	drain		a peer that reads late: XOFF, then XON
 *	slowrouted	routed reads nothing for a while: tcpd stops reading
 *			sockets, and delivers every frame once it reads
 *	connect		refused, unknown names, localhost, IPv6, connect
 *			timeout, TLS without a CA
 *	tls		TLS listeners and outgoing TLS, verified; dir holds
 *			ca.pem, localhost.{pem,key}, wrong.{pem,key} (signed
 *			by the CA, for another name) and self.{pem,key}
 *			(localhost, self-signed)
 *	sandbox		IMSG_REGRESS_SANDBOX: tcpd must die of SIGSYS
 *	filter		tcpd's seccomp filter in a child of ours: which
 *			sockets and options it allows, what fails, what kills
 *	late, twice, dupid, badfamily, badsize, short, emptymsg,
 *	undecodable, unterminated, unknown, bindfail
 *			requests tcpd must die of (exit 1)
 *
 * Every run ends with "child exited: status N" or "child exited:
 * signal N".  The exit status is 1 when a check made here failed.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "limit.h"
#include "log.h"
#include "privsep.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

static const char	*tcpd, *user, *dir;
int			 have_ipv6;
uint16_t		 port1;

const unsigned char	 ka_echoer[] =
    "\x00\x1e"
    "\x01"
    "\x01" "\x00\x06" "echoer"
    "\x01" "\x00\x03" "app"
    "\x0d" "\x0c" "Hello Ockam!";
const unsigned char	 heartbeat[] = "\x00\x04\x01\x00\x00\x00";

_Static_assert(sizeof(ka_echoer) == ECHOER_LEN + 1, "ECHOER_LEN");

/*
 * In the sanitizer build, ASan keeps freed memory resident (its
 * quarantine, 256 MiB by default) and tcpd's VmRSS would measure that
 * rather than tcpd: keep it small.  Other builds ignore the variable.
 */
static void
quarantine(void)
{
	const char	*old = getenv("ASAN_OPTIONS");
	char		 buf[1024];

	snprintf(buf, sizeof(buf), "%s%squarantine_size_mb=4",
	    old != NULL ? old : "", old != NULL && *old != '\0' ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
}

static void
spawn(void)
{
	char	*argv[] = { "ockam-tcpd", "-P", "tcpd", "-d", NULL };

	quarantine();
	child_spawn("tcpd", tcpd, argv);
}

/* A number from tcpd's /proc status, -1 when it does not say. */
long
proc_field(const char *field)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 len = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)child.pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return (v);
}

/* Open descriptors of tcpd, -1 when /proc does not tell us. */
int
proc_fds(void)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)child.pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

void
mklisten(struct tcp_listen *tl, uint32_t id, int family, uint16_t port,
    const char *cert, const char *key)
{
	memset(tl, 0, sizeof(*tl));
	tl->id = id;
	tl->family = family == AF_INET6 ? 6 : 4;
	tl->port = port;
	strlcpy(tl->addr, family == AF_INET6 ? "::1" : "127.0.0.1",
	    sizeof(tl->addr));
	if (cert != NULL) {
		tl->tls = 1;
		snprintf(tl->cert, sizeof(tl->cert), "%s/%s", dir, cert);
		snprintf(tl->key, sizeof(tl->key), "%s/%s", dir, key);
	}
}

/* CONF_PRIV, listeners, maybe TLSCONF (twice), CONF_DONE; READY? */
static int
configure(const struct tcp_listen *tl, int ntl, int ca, int extra)
{
	struct tcp_tlsconf	 tc;
	struct tcp_listen	 in;
	struct ev		*e;
	uint32_t		 lim[LIMIT_MAX];
	int			 i;

	child_conf_priv(user);
	/*
	 * The limits, as routed sends them: the defaults, but the peers
	 * here all come from 127.0.0.1 and tcpd opens few connections.
	 */
	limits_default(lim);
	lim[LIMIT_CONNECTIONS_PER_IP] =
	    limit_defs[LIMIT_CONNECTIONS_PER_IP].max;
	lim[LIMIT_CONNECTIONS_OUTGOING] = 0;
	child_send(IMSG_TCP_LIMITS, 0, lim, sizeof(lim));
	for (i = 0; i < ntl; i++)
		child_send(IMSG_TCP_LISTEN, 0, &tl[i], sizeof(tl[i]));
	if (inlet1 != 0) {
		mklisten(&in, 1, AF_INET, inlet1, NULL, NULL);
		child_send(IMSG_TCP_INLET, 0, &in, sizeof(in));
	}
	for (i = 0; i < ca; i++) {
		memset(&tc, 0, sizeof(tc));
		snprintf(tc.ca, sizeof(tc.ca), "%s/ca.pem", dir);
		child_send(IMSG_TCP_TLSCONF, 0, &tc, sizeof(tc));
	}
	if (extra)
		child_send(IMSG_TCP_LISTEN, 0, &tl[0], sizeof(tl[0]));
	child_send(IMSG_CONF_DONE, 0, NULL, 0);
	if ((e = take(IMSG_READY, NULL, NULL, TIMEOUT)) == NULL) {
		printf("no READY\n");
		return (-1);
	}
	ev_free(e);
	printf("ready\n");
	return (0);
}

/*
 * Close the channel (tcpd exits on EOF) and report how it ended.  What
 * tcpd still sends is read first: closing a UNIX socket with unread
 * data resets it, and tcpd would see an error, not the end.
 */
static int
finish(void)
{
	long long	 end = now_ms() + TIMEOUT;

	shutdown(child.ib.fd, SHUT_WR);
	while (now_ms() < end && pump(100) != -1)
		flush_events();
	return (child_finish());
}

static int
start_plain(void)
{
	struct tcp_listen	 tl;

	port1 = free_port(AF_INET);
	mklisten(&tl, 1, AF_INET, port1, NULL, NULL);
	return (configure(&tl, 1, 0, 0));
}

int
main(int argc, char *argv[])
{
	struct tcp_listen	 tl[4];
	const char		*s;
	uint16_t		 p2, p3 = 0, p4 = 0;
	int			 fd, r;

	if (argc < 4)
		errx(1, "usage: tcpdpoke tcpd user scenario [dir]");
	tcpd = argv[1];
	user = argv[2];
	s = argv[3];
	dir = argc > 4 ? argv[4] : "/nonexistent";
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init(1, LOG_DAEMON);
	log_procinit("tcpdpoke");
	p2 = 0;
	if ((fd = tcp_server(AF_INET6, &p2, 1, 0)) != -1) {
		have_ipv6 = 1;
		close(fd);
	}

	if (strcmp(s, "filter") == 0) {
		scenario_filter();
		return (failed);
	}
	spawn();
	if (strcmp(s, "tls") == 0 || strcmp(s, "twice") == 0) {
		port1 = free_port(AF_INET);
		p2 = free_port(AF_INET);
		p3 = free_port(AF_INET);
		mklisten(&tl[0], 1, AF_INET, port1, NULL, NULL);
		mklisten(&tl[1], 2, AF_INET, p2, "localhost.pem",
		    "localhost.key");
		mklisten(&tl[2], 3, AF_INET, p3, "wrong.pem", "wrong.key");
		p4 = free_port(AF_INET);
		mklisten(&tl[3], 4, AF_INET, p4, "self.pem", "self.key");
		r = configure(tl, 4, strcmp(s, "twice") == 0 ? 2 : 1, 0);
	} else if (strcmp(s, "connect") == 0) {
		port1 = free_port(AF_INET);
		mklisten(&tl[0], 1, AF_INET, port1, NULL, NULL);
		p2 = have_ipv6 ? free_port(AF_INET6) : 0;
		mklisten(&tl[1], 2, AF_INET6, p2, NULL, NULL);
		r = configure(tl, have_ipv6 ? 2 : 1, 0, 0);
	} else if (strcmp(s, "dupid") == 0) {
		mklisten(&tl[0], 1, AF_INET, free_port(AF_INET), NULL, NULL);
		r = configure(tl, 1, 0, 1);
	} else if (strcmp(s, "badfamily") == 0) {
		mklisten(&tl[0], 1, AF_INET, free_port(AF_INET), NULL, NULL);
		tl[0].family = 5;
		r = configure(tl, 1, 0, 0);
	} else if (strcmp(s, "portal") == 0) {
		inlet1 = free_port(AF_INET);
		r = start_plain();
	} else if (strcmp(s, "bindfail") == 0) {
		p2 = 0;
		if ((fd = tcp_server(AF_INET, &p2, 1, 0)) == -1)
			err(1, "server");
		mklisten(&tl[0], 1, AF_INET, p2, NULL, NULL);
		printf("port %u taken\n", p2);
		r = configure(tl, 1, 0, 0);
		close(fd);
	} else
		r = start_plain();
	if (r == -1) {
		drain_child();
		finish();
		return (1);
	}
	printf("tcpd Seccomp: %ld, Uid: %ld\n", proc_field("Seccomp"),
	    proc_field("Uid"));

	if (strcmp(s, "frames") == 0)
		scenario_frames();
	else if (strcmp(s, "bad") == 0)
		scenario_bad();
	else if (strcmp(s, "many") == 0)
		scenario_many();
	else if (strcmp(s, "noread") == 0)
		scenario_noread(0);
	else if (strcmp(s, "drain") == 0)
		scenario_noread(1);
	else if (strcmp(s, "slowrouted") == 0)
		scenario_slowrouted();
	else if (strcmp(s, "names") == 0)
		scenario_names();
	else if (strcmp(s, "portal") == 0)
		scenario_portal();
	else if (strcmp(s, "connect") == 0) {
		scenario_connect();
		if (have_ipv6)
			scenario_ipv6_listener(p2);
	} else if (strcmp(s, "tls") == 0)
		scenario_tls(p2, p3, p4);
	else if (strcmp(s, "sandbox") == 0) {
		child_regress_sandbox(REGRESS_SB_EXEC);
		drain_child();
	} else
		scenario_fatal(s);
	finish();
	return (failed);
}
