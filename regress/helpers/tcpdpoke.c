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
 *			of 1024 connections
 *	noread		a peer that never reads: XOFF, bounded memory,
 *			closed at 16 MiB
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
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "route.h"
#include "sandbox.h"
#include "tcp.h"
#include "util.h"

#define TIMEOUT		10000	/* ms for READY or an answer */
#define NMANY		1000
#define CONN_LIMIT	1024	/* ockam-tcpd.8 */

struct ev {
	TAILQ_ENTRY(ev)	 entry;
	uint32_t	 type;
	size_t		 len;
	unsigned char	*data;
};

static const char	*tcpd, *user, *dir;
static struct imsgbuf	 ib;
static pid_t		 child = -1;
static int		 failed;
static TAILQ_HEAD(, ev)	 evq = TAILQ_HEAD_INITIALIZER(evq);
static int		 have_ipv6;

/* DESIGN.md 2: the echoer frame. */
static const unsigned char ka_echoer[] =
    "\x00\x1e"
    "\x01"
    "\x01" "\x00\x06" "echoer"
    "\x01" "\x00\x03" "app"
    "\x0d" "\x0c" "Hello Ockam!";
#define ECHOER_LEN	(sizeof(ka_echoer) - 1)
static const unsigned char heartbeat[] = "\x00\x04\x01\x00\x00\x00";

static void
check(int ok, const char *what)
{
	printf("%s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

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
	int	 fd;

	quarantine();
	fflush(stdout);
	/* Started exactly as routed starts it. */
	if ((child = privsep_spawn(tcpd, argv, &fd)) == -1)
		err(1, "spawn %s", tcpd);
	if (imsgbuf_init(&ib, fd, PRIVSEP_IMSG_MAX) == -1)
		err(1, "imsgbuf_init");
}

static void
send_imsgv(uint32_t type, const struct iovec *iov, int n)
{
	if (imsg_composev(&ib, type, 0, 0, -1, iov, n) == -1)
		err(1, "imsg_compose");
	/* tcpd may be dead already: that is for the caller to see. */
	imsgbuf_flush(&ib);
}

static void
send_imsg(uint32_t type, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	send_imsgv(type, &iov, len > 0 ? 1 : 0);
}

/*
 * Read what tcpd sent within ms into the queue: 1 when something was
 * read, 0 on a timeout, -1 on EOF.
 */
static int
pump(int ms)
{
	struct pollfd	 pfd;
	struct imsg	 imsg;
	struct ev	*e;
	int		 n;

	pfd.fd = ib.fd;
	pfd.events = POLLIN;
	if ((n = poll(&pfd, 1, ms)) == -1)
		err(1, "poll");
	if (n == 0)
		return (0);
	if ((n = imsgbuf_read(&ib)) == -1 || n == 0)
		return (-1);
	for (;;) {
		if ((n = imsgbuf_get(&ib, &imsg)) == -1)
			errx(1, "malformed imsg header from tcpd");
		if (n == 0)
			break;
		if ((e = calloc(1, sizeof(*e))) == NULL)
			err(1, NULL);
		e->type = imsg.hdr.type;
		e->len = imsg.len;
		if ((e->data = malloc(imsg.len + 1)) == NULL)
			err(1, NULL);
		if (imsg.len > 0)
			memcpy(e->data, imsg.data, imsg.len);
		TAILQ_INSERT_TAIL(&evq, e, entry);
		imsg_free(&imsg);
	}
	return (1);
}

static void
ev_free(struct ev *e)
{
	if (e == NULL)
		return;
	free(e->data);
	free(e);
}

typedef int (*matcher)(const struct ev *, const void *);

/* The first message of type that match accepts, within ms. */
static struct ev *
take(uint32_t type, matcher match, const void *arg, int ms)
{
	struct ev	*e;
	long long	 end = now_ms() + ms;
	int		 left;

	for (;;) {
		TAILQ_FOREACH(e, &evq, entry) {
			if (e->type != type)
				continue;
			if (match != NULL && !match(e, arg))
				continue;
			TAILQ_REMOVE(&evq, e, entry);
			return (e);
		}
		if ((left = end - now_ms()) <= 0)
			return (NULL);
		if (pump(left) == -1)
			return (NULL);
	}
}

/* How many of type arrived, after reading for up to ms. */
static int
count(uint32_t type, int ms)
{
	struct ev	*e;
	long long	 end = now_ms() + ms;
	int		 n = 0, left;

	while ((left = end - now_ms()) > 0 && pump(left) == 1)
		;
	TAILQ_FOREACH(e, &evq, entry)
		if (e->type == type)
			n++;
	return (n);
}

static void
flush_events(void)
{
	struct ev	*e;

	while ((e = TAILQ_FIRST(&evq)) != NULL) {
		TAILQ_REMOVE(&evq, e, entry);
		ev_free(e);
	}
}

static struct tcp_conn *
ev_conn(struct ev *e)
{
	if (e == NULL || e->len != sizeof(struct tcp_conn))
		return (NULL);
	return ((struct tcp_conn *)e->data);
}

static struct tcp_msg *
ev_msg(struct ev *e)
{
	if (e == NULL || e->len < sizeof(struct tcp_msg))
		return (NULL);
	return ((struct tcp_msg *)e->data);
}

static int
m_id(const struct ev *e, const void *arg)
{
	uint32_t	 id;

	memcpy(&id, e->data, sizeof(id));	/* conn, first field */
	return (e->len >= sizeof(id) && id == *(const uint32_t *)arg);
}

static int
m_listener(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) &&
	    tc->listener == *(const uint32_t *)arg);
}

static int
m_token(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) && tc->token == *(const uint32_t *)arg);
}

static int
m_peer(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) && strcmp(tc->peer, arg) == 0);
}

/* --- sockets on loopback ------------------------------------------ */

static void
sa_loop(struct sockaddr_storage *ss, int family, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
	}
}

static socklen_t
sslen(int family)
{
	return (family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in));
}

static uint16_t
port_of(int fd, int peer)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len)) == -1)
		err(1, "getsockname");
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

/* A listening socket on loopback; *port 0 picks one. */
static int
tcp_server(int family, uint16_t *port, int backlog, int rcvbuf)
{
	struct sockaddr_storage	 ss;
	int			 fd, on = 1;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sa_loop(&ss, family, *port);
	if (bind(fd, (struct sockaddr *)&ss, sslen(family)) == -1 ||
	    listen(fd, backlog) == -1) {
		close(fd);
		return (-1);
	}
	*port = port_of(fd, 0);
	return (fd);
}

/* A port nobody listens on (bound to 0, then closed). */
static uint16_t
free_port(int family)
{
	uint16_t	 port = 0;
	int		 fd;

	if ((fd = tcp_server(family, &port, 1, 0)) == -1)
		err(1, "free port");
	close(fd);
	return (port);
}

/* A blocking client with 5-second timeouts. */
static int
tcp_client(int family, uint16_t port)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 5, 0 };
	int			 fd;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sa_loop(&ss, family, port);
	if (connect(fd, (struct sockaddr *)&ss, sslen(family)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
nb_client(int family, uint16_t port)
{
	struct sockaddr_storage	 ss;
	int			 fd;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (-1);
	sa_loop(&ss, family, port);
	if (connect(fd, (struct sockaddr *)&ss, sslen(family)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
accept_within(int lfd, int ms)
{
	struct pollfd	 pfd = { lfd, POLLIN, 0 };
	struct timeval	 tv = { 5, 0 };
	int		 fd;

	if (poll(&pfd, 1, ms) <= 0)
		return (-1);
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (fd);
}

static int
writeall(int fd, const void *p, size_t len)
{
	const unsigned char	*b = p;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		b += n;
		len -= n;
	}
	return (0);
}

/* Exactly len bytes within the socket's timeout.  0 or -1. */
static int
readn(int fd, void *p, size_t len)
{
	unsigned char	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = read(fd, b, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		b += n;
		len -= n;
	}
	return (0);
}

/* Does fd see EOF or a reset within ms (data is discarded)? */
static int
sees_eof(int fd, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	unsigned char	 buf[4096];
	long long	 end = now_ms() + ms;
	ssize_t		 n;
	int		 left;

	for (;;) {
		if ((left = end - now_ms()) <= 0)
			return (0);
		if (poll(&pfd, 1, left) <= 0)
			return (0);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			return (1);
	}
}

static long
proc_field(const char *field)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 len = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return (v);
}

/* Open descriptors of tcpd, -1 when /proc does not tell us. */
static int
proc_fds(void)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)child);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

/* --- messages ------------------------------------------------------ */

/*
 * A TransportMessage to echoer from app with plen payload bytes, into
 * buf (room for 16 + 10 + plen).  Returns its length.
 */
static size_t
mkmsg(unsigned char *buf, size_t plen, unsigned char fill)
{
	struct ibuf	*b;
	size_t		 len;

	if ((b = ibuf_open(64 + plen, 64 + plen)) == NULL)
		err(1, NULL);
	ibuf_add_u8(b, 1);
	ibuf_add_uvarint(b, 1);
	ibuf_add_u8(b, OCKAM_ADDR_LOCAL);
	ibuf_add_bare(b, "echoer", 6);
	ibuf_add_uvarint(b, 1);
	ibuf_add_u8(b, OCKAM_ADDR_LOCAL);
	ibuf_add_bare(b, "app", 3);
	ibuf_add_uvarint(b, plen);
	memset(ibuf_reserve(b, plen), fill, plen);
	if (ibuf_error(b))
		errx(1, "mkmsg");
	len = ibuf_size(b);
	memcpy(buf, ibuf_data(b), len);
	ibuf_free(b);
	return (len);
}

/* The payload length that makes a message of exactly len bytes. */
static size_t
plen_for(size_t len)
{
	size_t	 p = len - 16;

	while (16 + uvarint_len(p) + p > len)
		p--;
	return (p);
}

static void
send_msg(const char *peer, int tls, uint32_t token, const void *msg,
    size_t len)
{
	struct tcp_msg	 tm;
	struct iovec	 iov[2];

	memset(&tm, 0, sizeof(tm));
	tm.token = token;
	tm.tls = tls;
	strlcpy(tm.peer, peer, sizeof(tm.peer));
	iov[0].iov_base = &tm;
	iov[0].iov_len = sizeof(tm);
	iov[1].iov_base = (void *)msg;
	iov[1].iov_len = len;
	send_imsgv(IMSG_TCP_SEND, iov, 2);
}

static void
send_close(uint32_t id)
{
	struct tcp_conn	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.conn = id;
	send_imsg(IMSG_TCP_CLOSE, &tc, sizeof(tc));
}

/* Is the next RECV for conn exactly body? */
static int
recv_is(uint32_t conn, const void *body, size_t len, int ms)
{
	struct ev	*e;
	int		 ok;

	e = take(IMSG_TCP_RECV, m_id, &conn, ms);
	ok = e != NULL && e->len == sizeof(struct tcp_msg) + len &&
	    memcmp(e->data + sizeof(struct tcp_msg), body, len) == 0;
	if (e != NULL && !ok)
		printf("RECV for %u: %zu bytes, expected %zu\n", conn,
		    e->len - sizeof(struct tcp_msg), len);
	ev_free(e);
	return (ok);
}

/* The UP of the connection whose peer is 127.0.0.1:(local port of fd). */
static uint32_t
up_of(int fd, uint32_t listener)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint32_t	 id = 0;

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port_of(fd, 0));
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->listener == listener &&
	    tc->tls == 0)
		id = tc->conn;
	ev_free(e);
	return (id);
}

/* --- start-up ------------------------------------------------------ */

static void
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
	struct priv_conf	 pc;
	struct tcp_tlsconf	 tc;
	struct ev		*e;
	int			 i;

	memset(&pc, 0, sizeof(pc));
	strlcpy(pc.user, user, sizeof(pc.user));
	pc.verbose = 2;
	send_imsg(IMSG_CONF_PRIV, &pc, sizeof(pc));
	for (i = 0; i < ntl; i++)
		send_imsg(IMSG_TCP_LISTEN, &tl[i], sizeof(tl[i]));
	for (i = 0; i < ca; i++) {
		memset(&tc, 0, sizeof(tc));
		snprintf(tc.ca, sizeof(tc.ca), "%s/ca.pem", dir);
		send_imsg(IMSG_TCP_TLSCONF, &tc, sizeof(tc));
	}
	if (extra)
		send_imsg(IMSG_TCP_LISTEN, &tl[0], sizeof(tl[0]));
	send_imsg(IMSG_CONF_DONE, NULL, 0);
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
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	long long	 end = now_ms() + TIMEOUT;
	int		 i, status;
	pid_t		 pid;

	shutdown(ib.fd, SHUT_WR);
	while (now_ms() < end && pump(100) != -1)
		flush_events();
	close(ib.fd);
	imsgbuf_clear(&ib);
	for (i = 0; i < 500; i++) {
		if ((pid = waitpid(child, &status, WNOHANG)) == -1)
			err(1, "waitpid");
		if (pid == child)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == 500) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		printf("child did not exit: killed\n");
		failed = 1;
		return (-1);
	}
	if (WIFSIGNALED(status))
		printf("child exited: signal %d\n", WTERMSIG(status));
	else
		printf("child exited: status %d\n", WEXITSTATUS(status));
	child = -1;
	return (status);
}

/* Wait until tcpd closes the channel, without sending more. */
static void
drain_child(void)
{
	struct ev	*e;

	while (pump(TIMEOUT) == 1) {
		while ((e = TAILQ_FIRST(&evq)) != NULL) {
			TAILQ_REMOVE(&evq, e, entry);
			printf("unexpected %s from tcpd\n",
			    imsg_type_name(e->type));
			ev_free(e);
		}
	}
}

/* --- scenarios ----------------------------------------------------- */

static uint16_t	 port1;		/* listener 1, 127.0.0.1 */

static int
start_plain(void)
{
	struct tcp_listen	 tl;

	port1 = free_port(AF_INET);
	mklisten(&tl, 1, AF_INET, port1, NULL, NULL);
	return (configure(&tl, 1, 0, 0));
}

/* Frames in and out, reuse, heartbeats, CLOSE, DOWN with totals. */
static void
scenario_frames(void)
{
	static unsigned char	 big[TCP_FRAME_MAX + 2], msg[TCP_FRAME_MAX + 2];
	struct tcp_conn		*tc;
	struct ev		*e;
	unsigned char		 buf[3 * ECHOER_LEN], got[ECHOER_LEN];
	char			 peer[TCP_PEER_MAX];
	uint64_t		 sent = 0;
	uint32_t		 a, out, token;
	uint16_t		 sport = 0;
	size_t			 i, len;
	int			 fa, ls, fs;

	if ((fa = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	a = up_of(fa, 1);
	check(a != 0, "up: an accepted connection, with its peer name");

	writeall(fa, ka_echoer, ECHOER_LEN);
	sent += ECHOER_LEN;
	e = take(IMSG_TCP_RECV, m_id, &a, TIMEOUT);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port_of(fa, 0));
	check(ev_msg(e) != NULL && ev_msg(e)->listener == 1 &&
	    strcmp(ev_msg(e)->peer, peer) == 0 && ev_msg(e)->tls == 0 &&
	    e->len == sizeof(struct tcp_msg) + ECHOER_LEN - 2 &&
	    memcmp(e->data + sizeof(struct tcp_msg), ka_echoer + 2,
	    ECHOER_LEN - 2) == 0, "recv: a frame from a client reaches "
	    "routed with its peer");
	ev_free(e);

	memcpy(buf, heartbeat, 6);
	memcpy(buf + 6, ka_echoer, ECHOER_LEN);
	writeall(fa, buf, 6 + ECHOER_LEN);
	sent += 6 + ECHOER_LEN;
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    count(IMSG_TCP_RECV, 200) == 0, "heartbeat: dropped");

	for (i = 0; i < ECHOER_LEN; i++) {
		writeall(fa, ka_echoer + i, 1);
		usleep(2000);
	}
	sent += ECHOER_LEN;
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: a frame sent byte by byte");

	for (i = 0; i < 3; i++)
		memcpy(buf + i * ECHOER_LEN, ka_echoer, ECHOER_LEN);
	writeall(fa, buf, sizeof(buf));
	sent += sizeof(buf);
	check(recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    recv_is(a, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: three frames in one write");

	len = mkmsg(big + 2, plen_for(TCP_FRAME_MAX), 'x');
	big[0] = len >> 8;
	big[1] = len & 0xff;
	writeall(fa, big, len + 2);
	sent += len + 2;
	check(len == TCP_FRAME_MAX && recv_is(a, big + 2, len, TIMEOUT),
	    "recv: a frame of exactly 65535 bytes");

	/* Out: to a plain TCP server of ours. */
	if ((ls = tcp_server(AF_INET, &sport, 8, 0)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	token = 1;
	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	fs = accept_within(ls, TIMEOUT);
	check(fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0,
	    "send: the peer gets the exact frame bytes");
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && tc->listener == 0 && tc->tls == 0,
	    "up: an opened connection, named as routed asked");
	out = tc != NULL ? tc->conn : 0;
	ev_free(e);

	send_msg(peer, 0, ++token, ka_echoer + 2, ECHOER_LEN - 2);
	check(fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0 &&
	    accept_within(ls, 300) == -1 && count(IMSG_TCP_UP, 0) == 0,
	    "send: the connection is reused");

	writeall(fs, ka_echoer, ECHOER_LEN);
	check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "recv: a reply on the opened connection");

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port_of(fa, 0));
	send_msg(peer, 0, ++token, ka_echoer + 2, ECHOER_LEN - 2);
	check(readn(fa, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0,
	    "send: to an accepted connection by its peer name");

	memset(msg, 0, sizeof(msg));
	send_msg(peer, 0, 77, msg, TCP_FRAME_MAX + 1);
	e = take(IMSG_TCP_FAIL, m_token, &(uint32_t){ 77 }, TIMEOUT);
	check((tc = ev_conn(e)) != NULL && strstr(tc->why, "does not fit") !=
	    NULL, "send: a message too large for a frame fails (FAIL)");
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);

	send_close(out);
	e = take(IMSG_TCP_DOWN, m_id, &out, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strcmp(tc->why, "closed by routed") == 0 &&
	    tc->tx_bytes == 2 * ECHOER_LEN && tc->rx_bytes == ECHOER_LEN &&
	    sees_eof(fs, TIMEOUT), "close: DOWN with the totals, the peer "
	    "sees EOF");
	ev_free(e);

	close(fa);
	e = take(IMSG_TCP_DOWN, m_id, &a, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strcmp(tc->why, "closed by the peer") == 0 &&
	    tc->rx_bytes == sent && tc->tx_bytes == ECHOER_LEN,
	    "down: the peer closed, with the totals");
	if (tc != NULL)
		printf("down: %s, %llu in, %llu out\n", tc->why,
		    (unsigned long long)tc->rx_bytes,
		    (unsigned long long)tc->tx_bytes);
	ev_free(e);
	close(fs);
	close(ls);
}

struct badframe {
	const char	*name;
	const char	*why;		/* in DOWN */
	size_t		 len;
	int		 how;		/* 0 stay, 1 shutdown, 2 reset */
	unsigned char	 bytes[64];
};

static const struct badframe badframes[] = {
	{ "length 0", "bad frame: frame of length 0", 2, 0, "\x00\x00" },
	{ "truncated message", "bad frame: truncated", 7, 0,
	    "\x00\x05\x01\x01\x00\x06" "e" },
	{ "bad version", "bad frame: unsupported version", 6, 0,
	    "\x00\x04\x02\x00\x00\x00" },
	{ "bad varint", "bad frame: truncated", 15, 0,
	    "\x00\x0d\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02\x00\x00" },
	{ "trailing bytes", "bad frame: trailing bytes", 8, 0,
	    "\x00\x06\x01\x00\x00\x00\x05\x05" },
	{ "address too long for its frame", "bad frame: truncated", 9, 0,
	    "\x00\x07\x01\x01\x00\xff\x01xx" },
	{ "length beyond what arrives, then close", "closed by the peer in "
	    "the middle of a frame (12 of 65537 bytes)", 12, 1,
	    "\xff\xff\x01\x01\x00\x06" "echoer" },
	{ "half a length, then close", "closed by the peer in the middle "
	    "of a frame's length (1 byte)", 1, 1, "\x00" },
	{ "reset mid-frame", "in the middle of a frame (12 of 65537 bytes)",
	    12, 2, "\xff\xff\x01\x01\x00\x06" "echoer" },
};

static void
bad_one(int fg, uint32_t g, const unsigned char *bytes, size_t len,
    int how, const char *name, const char *want)
{
	struct tcp_conn	*tc;
	struct linger	 lg = { 1, 0 };
	struct ev	*e;
	char		 what[256];
	uint32_t	 b;
	int		 fb, eof = 1;

	if ((fb = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	b = up_of(fb, 1);
	writeall(fb, bytes, len);
	if (how == 1)
		shutdown(fb, SHUT_WR);
	else if (how == 2) {
		usleep(100 * 1000);	/* let the bytes arrive first */
		setsockopt(fb, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fb);
		fb = -1;
	}
	e = take(IMSG_TCP_DOWN, m_id, &b, TIMEOUT);
	tc = ev_conn(e);
	if (fb != -1)
		eof = sees_eof(fb, TIMEOUT);
	snprintf(what, sizeof(what), "bad: %s closes that connection",
	    name);
	check(b != 0 && tc != NULL && strstr(tc->why, want) != NULL && eof,
	    what);
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);
	writeall(fg, ka_echoer, ECHOER_LEN);
	snprintf(what, sizeof(what), "bad: %s, another connection works",
	    name);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT) &&
	    count(IMSG_TCP_RECV, 0) == 0, what);
	if (fb != -1)
		close(fb);
}

static void
scenario_bad(void)
{
	static unsigned char	 route[2 + 1 + 1 + 33 * 3 + 2];
	size_t			 i, n;
	uint32_t		 g;
	int			 fg;

	if ((fg = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	g = up_of(fg, 1);
	for (i = 0; i < sizeof(badframes) / sizeof(badframes[0]); i++)
		bad_one(fg, g, badframes[i].bytes, badframes[i].len,
		    badframes[i].how, badframes[i].name, badframes[i].why);

	/* 33 addresses: one more than a route may have. */
	n = 2;
	route[n++] = 1;
	route[n++] = 33;
	for (i = 0; i < 33; i++) {
		route[n++] = 0;
		route[n++] = 1;
		route[n++] = 'a' + i % 26;
	}
	route[n++] = 0;
	route[n++] = 0;
	route[0] = (n - 2) >> 8;
	route[1] = (n - 2) & 0xff;
	bad_one(fg, g, route, n, 0, "a route of 33 addresses",
	    "bad frame: route too long");
	close(fg);
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit");
	if (rl.rlim_cur < 2 * CONN_LIMIT + 64)
		errx(1, "only %llu descriptors",
		    (unsigned long long)rl.rlim_cur);
}

/*
 * Open n clients to listener 1 and wait for their UPs, a batch at a
 * time (fewer than the listen backlog: a full accept queue drops
 * SYNs, and the retries would take seconds).  How many came up.
 */
static int
open_many(int *fds, int n)
{
	struct ev	*e;
	long long	 end;
	uint32_t	 one = 1;
	int		 i, batch, ups = 0, want;

	for (i = 0; i < n; i += batch) {
		batch = n - i < 64 ? n - i : 64;
		for (want = 0; want < batch; want++)
			if ((fds[i + want] = nb_client(AF_INET, port1)) == -1)
				err(1, "client %d", i + want);
		end = now_ms() + 10000;
		while (want > 0 && now_ms() < end) {
			if ((e = take(IMSG_TCP_UP, m_listener, &one,
			    1000)) == NULL)
				continue;
			ups++;
			want--;
			ev_free(e);
		}
	}
	return (ups);
}

static int
close_many(int *fds, int n)
{
	long long	 end;
	int		 i, downs = 0;
	struct ev	*e;

	for (i = 0; i < n; i++)
		close(fds[i]);
	end = now_ms() + 30000;
	while (downs < n && now_ms() < end) {
		if ((e = take(IMSG_TCP_DOWN, NULL, NULL, 1000)) == NULL)
			continue;
		downs++;
		ev_free(e);
	}
	return (downs);
}

static void
scenario_many(void)
{
	static int	 fds[CONN_LIMIT + 16];
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint32_t	 g, token = 5;
	int		 fg, i, base, n, eofs;

	raise_nofile();
	if ((fg = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	g = up_of(fg, 1);
	base = proc_fds();
	n = open_many(fds, NMANY);
	printf("many: %d of %d up, tcpd has %d descriptors (%d before)\n",
	    n, NMANY, proc_fds(), base);
	check(n == NMANY, "many: 1000 connections up");
	n = close_many(fds, NMANY);
	check(n == NMANY, "many: 1000 abandoned connections down");
	n = proc_fds();
	printf("many: tcpd has %d descriptors after\n", n);
	check(base == -1 || n == base, "many: every descriptor freed");
	writeall(fg, ka_echoer, ECHOER_LEN);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "many: tcpd still serves");

	/* Up to the limit (fg is one), then a few more. */
	n = open_many(fds, CONN_LIMIT - 1);
	check(n == CONN_LIMIT - 1, "limit: 1024 connections up");
	for (i = 0; i < 8; i++)
		fds[CONN_LIMIT - 1 + i] = tcp_client(AF_INET, port1);
	for (i = 0, eofs = 0; i < 8; i++)
		if (fds[CONN_LIMIT - 1 + i] != -1 &&
		    sees_eof(fds[CONN_LIMIT - 1 + i], TIMEOUT))
			eofs++;
	check(eofs == 8 && count(IMSG_TCP_UP, 300) == 0,
	    "limit: more are accepted and closed at once");
	for (i = 0; i < 8; i++)
		if (fds[CONN_LIMIT - 1 + i] != -1)
			close(fds[CONN_LIMIT - 1 + i]);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", free_port(AF_INET));
	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &token, TIMEOUT);
	check((tc = ev_conn(e)) != NULL &&
	    strstr(tc->why, "connection limit") != NULL,
	    "limit: no connection can be opened either (FAIL)");
	ev_free(e);
	writeall(fg, ka_echoer, ECHOER_LEN);
	check(recv_is(g, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "limit: tcpd still serves the connections it has");
	n = close_many(fds, CONN_LIMIT - 1);
	check(n == CONN_LIMIT - 1, "limit: all down again");
	n = proc_fds();
	check(base == -1 || n == base, "limit: every descriptor freed");
	if ((fds[0] = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	check(up_of(fds[0], 1) != 0, "limit: new connections are taken "
	    "again");
	close(fds[0]);
	close(fg);
}

#define RSS_SLACK	(24 * 1024)	/* kB above the 16 MiB queue */

/*
 * A peer that accepts and reads nothing (until drain says so).  SEND
 * 60000-byte messages until XOFF; noread goes on until tcpd closes the
 * connection at 16 MiB, twice, and watches tcpd's VmRSS; drain stops
 * at XOFF, as routed does, and reads it all.
 */
static void
scenario_noread(int drain)
{
	static unsigned char	 msg[TCP_FRAME_MAX], rb[65536];
	struct tcp_conn		*tc;
	struct ev		*e;
	char			 peer[TCP_PEER_MAX], what[128];
	uint64_t		 sent, got = 0;
	uint32_t		 id, token = 0;
	uint16_t		 sport = 0;
	long			 rss0, rss, rssmax;
	long long		 end;
	size_t			 len;
	ssize_t			 n;
	int			 ls, fs, round, xoff, xon, down;

	len = mkmsg(msg, 60000, 'q');
	if ((ls = tcp_server(AF_INET, &sport, 8, 4096)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	rss0 = proc_field("VmRSS");
	for (round = 1; round <= (drain ? 1 : 2); round++) {
		sent = 0;
		id = 0;
		xoff = down = 0;
		rssmax = 0;
		send_msg(peer, 0, ++token, msg, len);
		sent += len + 2;
		if ((fs = accept_within(ls, TIMEOUT)) == -1)
			err(1, "accept");
		if ((e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT)) != NULL)
			id = ev_conn(e)->conn;
		ev_free(e);

		while (sent < (64U << 20)) {
			send_msg(peer, 0, ++token, msg, len);
			sent += len + 2;
			pump(0);
			if ((e = take(IMSG_TCP_XOFF, m_id, &id, 0)) != NULL) {
				xoff = 1;
				ev_free(e);
				if (drain)
					break;
			}
			if ((rss = proc_field("VmRSS")) > rssmax)
				rssmax = rss;
			if ((e = take(IMSG_TCP_DOWN, m_id, &id, 0)) != NULL) {
				down = 1;
				tc = ev_conn(e);
				printf("down after %llu bytes sent: %s\n",
				    (unsigned long long)sent, tc->why);
				down = strstr(tc->why, "write queue reached "
				    "16 MiB") != NULL;
				ev_free(e);
				break;
			}
		}
		printf("round %d: sent %llu bytes; VmRSS %ld kB before, at "
		    "most %ld kB\n", round, (unsigned long long)sent, rss0,
		    rssmax);
		snprintf(what, sizeof(what), "noread %d: XOFF when the peer "
		    "does not read", round);
		check(xoff, what);
		if (drain)
			break;
		snprintf(what, sizeof(what), "noread %d: closed when its "
		    "queue reached 16 MiB", round);
		check(down, what);
		snprintf(what, sizeof(what), "noread %d: tcpd's memory stays "
		    "bounded (VmRSS + %ld kB)", round, rssmax - rss0);
		check(rssmax - rss0 < 16 * 1024 + RSS_SLACK, what);
		close(fs);
	}
	if (!drain) {
		check(count(IMSG_TCP_FAIL, 200) == 0,
		    "noread: no FAIL for a connection that was up");
		close(ls);
		return;
	}

	end = now_ms() + 30000;
	while (got < sent && now_ms() < end) {
		struct pollfd pfd = { fs, POLLIN, 0 };

		pump(0);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(fs, rb, sizeof(rb))) <= 0)
			break;
		got += n;
	}
	printf("drain: %llu of %llu bytes read\n", (unsigned long long)got,
	    (unsigned long long)sent);
	e = take(IMSG_TCP_XON, m_id, &id, TIMEOUT);
	xon = e != NULL;
	ev_free(e);
	check(got == sent, "drain: every byte arrives");
	check(xon, "drain: XON once the queue drained");
	close(fs);
	close(ls);
}

/*
 * Routed does not read: tcpd must stop reading sockets once 8 MiB wait
 * for routed, so a client's writes stall, and go on when routed reads.
 */
static void
scenario_slowrouted(void)
{
	static unsigned char	 frame[2 + TCP_FRAME_MAX];
	struct pollfd		 pfd;
	uint64_t		 sent = 0;
	uint32_t		 a;
	long			 rss0, rss;
	size_t			 len, off = 0;
	ssize_t			 n;
	int			 fa, frames = 0, got = 0, stalled = 0;
	long long		 end;
	struct ev		*e;

	if ((fa = tcp_client(AF_INET, port1)) == -1)
		err(1, "connect to tcpd");
	a = up_of(fa, 1);
	fd_nonblock(fa);
	len = mkmsg(frame + 2, plen_for(TCP_FRAME_MAX), 's');
	frame[0] = len >> 8;
	frame[1] = len & 0xff;
	len += 2;
	rss0 = proc_field("VmRSS");

	/* Write whole frames, without reading fd 3, until tcpd stops. */
	while (sent < (64U << 20)) {
		if ((n = write(fa, frame + off, len - off)) == -1) {
			if (errno != EAGAIN)
				err(1, "write");
			pfd.fd = fa;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 2000) == 0) {
				stalled = 1;
				break;
			}
			continue;
		}
		sent += n;
		if ((off += n) == len) {
			off = 0;
			frames++;
		}
	}
	rss = proc_field("VmRSS");
	printf("slowrouted: %llu bytes taken before the stall, VmRSS %ld kB "
	    "before, %ld kB after\n", (unsigned long long)sent, rss0, rss);
	check(stalled, "slowrouted: tcpd stops reading while routed lags");
	check(rss - rss0 < 8 * 1024 + RSS_SLACK,
	    "slowrouted: tcpd's memory stays bounded");

	/* Routed reads: every whole frame arrives, then the cut one. */
	end = now_ms() + 30000;
	while (now_ms() < end) {
		if (got == frames && off != 0) {
			if ((n = write(fa, frame + off, len - off)) > 0 &&
			    (off += n) == len) {
				off = 0;
				frames++;
			}
			pump(10);
		}
		if (got == frames && off == 0)
			break;
		if ((e = take(IMSG_TCP_RECV, m_id, &a, 100)) == NULL)
			continue;
		if (e->len == sizeof(struct tcp_msg) + len - 2)
			got++;
		ev_free(e);
	}
	printf("slowrouted: %d of %d frames arrived\n", got, frames);
	check(got == frames, "slowrouted: every frame arrives once routed "
	    "reads again");
	close(fa);
}

static void
expect_fail(const char *peer, int tls, uint32_t token, const char *want,
    const char *what)
{
	struct tcp_conn	*tc;
	struct ev	*e;

	send_msg(peer, tls, token, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &token, TIMEOUT);
	tc = ev_conn(e);
	check(tc != NULL && strstr(tc->why, want) != NULL &&
	    strcmp(tc->peer, peer) == 0, what);
	if (tc != NULL)
		printf("why: %s\n", tc->why);
	ev_free(e);
}

/* Send to peer; the server on ls gets the exact frame? */
static int
send_arrives(int ls, const char *peer, uint32_t token)
{
	unsigned char	 got[ECHOER_LEN];
	struct ev	*e;
	int		 fs, ok;

	send_msg(peer, 0, token, ka_echoer + 2, ECHOER_LEN - 2);
	fs = accept_within(ls, TIMEOUT);
	ok = fs != -1 && readn(fs, got, ECHOER_LEN) == 0 &&
	    memcmp(got, ka_echoer, ECHOER_LEN) == 0;
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	ok = ok && e != NULL;
	ev_free(e);
	if (fs != -1)
		close(fs);
	return (ok);
}

static void
scenario_connect(void)
{
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	uint16_t	 sport = 0;
	long long	 t0;
	int		 ls, fds[4], i;

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", free_port(AF_INET));
	expect_fail(peer, 0, 1, "Connection refused",
	    "connect: a closed port fails (FAIL, refused)");
	expect_fail("nosuchhost.invalid:4000", 0, 2, "no address for "
	    "nosuchhost.invalid (tcpd resolves from /etc/hosts only)",
	    "connect: a name not in /etc/hosts fails (FAIL)");
	expect_fail("noport", 0, 3, "not a peer name",
	    "connect: a peer name without a port fails (FAIL)");
	expect_fail("127.0.0.1:99999", 0, 4, "not a peer name",
	    "connect: a port out of range fails (FAIL)");
	expect_fail("localhost:4000", 1, 5, "no CA for outgoing TLS",
	    "connect: TLS without a CA fails (FAIL)");

	if ((ls = tcp_server(AF_INET, &sport, 8, 0)) == -1)
		err(1, "server");
	snprintf(peer, sizeof(peer), "localhost:%u", sport);
	check(send_arrives(ls, peer, 6), "connect: localhost works");
	close(ls);

	if (have_ipv6) {
		sport = 0;
		if ((ls = tcp_server(AF_INET6, &sport, 8, 0)) == -1)
			err(1, "server");
		snprintf(peer, sizeof(peer), "[::1]:%u", sport);
		check(send_arrives(ls, peer, 7), "connect: [::1] works");
		close(ls);
	} else
		printf("no IPv6 on loopback: IPv6 skipped\n");

	/* A full accept queue: the connection never completes. */
	sport = 0;
	if ((ls = tcp_server(AF_INET, &sport, 0, 0)) == -1)
		err(1, "server");
	for (i = 0; i < 4; i++)
		fds[i] = nb_client(AF_INET, sport);
	usleep(200 * 1000);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sport);
	t0 = now_ms();
	send_msg(peer, 0, 8, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_FAIL, m_token, &(uint32_t){ 8 }, 15000);
	t0 = now_ms() - t0;
	printf("connect timeout after %lld ms: %s\n", t0,
	    ev_conn(e) != NULL ? ev_conn(e)->why : "no FAIL");
	check(ev_conn(e) != NULL && strstr(ev_conn(e)->why, "timed out") !=
	    NULL && t0 >= 4500 && t0 < 8000,
	    "connect: a connection not made in 5 seconds fails (FAIL)");
	ev_free(e);
	for (i = 0; i < 4; i++)
		if (fds[i] != -1)
			close(fds[i]);
	close(ls);
}

static void
scenario_ipv6_listener(uint16_t port6)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX];
	int		 fc;

	if ((fc = tcp_client(AF_INET6, port6)) == -1) {
		check(0, "ipv6: a client reaches the listener on ::1");
		return;
	}
	snprintf(peer, sizeof(peer), "[::1]:%u", port_of(fc, 0));
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	check((tc = ev_conn(e)) != NULL && tc->listener == 2,
	    "ipv6: an accepted connection is named [::1]:PORT");
	if (tc != NULL) {
		writeall(fc, ka_echoer, ECHOER_LEN);
		check(recv_is(tc->conn, ka_echoer + 2, ECHOER_LEN - 2,
		    TIMEOUT), "ipv6: a frame arrives");
	}
	ev_free(e);
	close(fc);
}

/* TLS both ways through tcpd itself, verified against the CA. */
static void
scenario_tls(uint16_t p2, uint16_t p3, uint16_t p4)
{
	struct tcp_conn	*tc;
	struct ev	*e;
	char		 peer[TCP_PEER_MAX], back[TCP_PEER_MAX];
	uint32_t	 out = 0, in = 0, two = 2;
	int		 fc, ups, downs;

	snprintf(peer, sizeof(peer), "localhost:%u", p2);
	send_msg(peer, 1, 21, ka_echoer + 2, ECHOER_LEN - 2);
	e = take(IMSG_TCP_UP, m_peer, peer, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->listener == 0 && tc->tls == 1)
		out = tc->conn;
	ev_free(e);
	e = take(IMSG_TCP_UP, m_listener, &two, TIMEOUT);
	if ((tc = ev_conn(e)) != NULL && tc->tls == 1) {
		in = tc->conn;
		strlcpy(back, tc->peer, sizeof(back));
	}
	ev_free(e);
	check(out != 0 && in != 0, "tls: UP on both sides, TLS");
	e = take(IMSG_TCP_RECV, m_id, &in, TIMEOUT);
	check(ev_msg(e) != NULL && ev_msg(e)->tls == 1 &&
	    ev_msg(e)->listener == 2 &&
	    e->len == sizeof(struct tcp_msg) + ECHOER_LEN - 2 &&
	    memcmp(e->data + sizeof(struct tcp_msg), ka_echoer + 2,
	    ECHOER_LEN - 2) == 0,
	    "tls: a message through tcpd's own TLS client and listener");
	ev_free(e);
	if (in != 0) {
		send_msg(back, 1, 22, ka_echoer + 2, ECHOER_LEN - 2);
		check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
		    "tls: the reply comes back on the opened connection");
	}

	snprintf(peer, sizeof(peer), "localhost:%u", p3);
	expect_fail(peer, 1, 23, "TLS handshake",
	    "tls: a certificate for another name is refused (FAIL)");
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", p2);
	expect_fail(peer, 1, 24, "TLS handshake",
	    "tls: an address the certificate does not name is refused");
	snprintf(peer, sizeof(peer), "localhost:%u", p4);
	expect_fail(peer, 1, 26, "TLS handshake",
	    "tls: a certificate from another CA is refused");
	/*
	 * The listening side may finish its handshake before the client
	 * checks the name (libtls does that last): it comes UP, then goes
	 * DOWN when the client gives up, and nothing gets through.
	 */
	ups = count(IMSG_TCP_UP, 500);
	downs = count(IMSG_TCP_DOWN, 0);
	check(ups == downs && count(IMSG_TCP_RECV, 0) == 0 &&
	    count(IMSG_TCP_FAIL, 0) == 0, "tls: the listening side of a "
	    "refused handshake is closed, nothing gets through");
	printf("refused handshakes: %d UP, %d DOWN on the listening side\n",
	    ups, downs);
	flush_events();

	/* A plain client on a TLS listener: closed, nothing else. */
	if ((fc = tcp_client(AF_INET, p2)) == -1)
		err(1, "connect to tcpd");
	writeall(fc, ka_echoer, ECHOER_LEN);
	check(sees_eof(fc, TIMEOUT) && count(IMSG_TCP_UP, 300) == 0 &&
	    count(IMSG_TCP_RECV, 0) == 0,
	    "tls: a plain client on a TLS listener is closed, no UP");
	close(fc);
	send_msg(back, 1, 25, ka_echoer + 2, ECHOER_LEN - 2);
	check(recv_is(out, ka_echoer + 2, ECHOER_LEN - 2, TIMEOUT),
	    "tls: the TLS connection still works");
	send_close(out);
	e = take(IMSG_TCP_DOWN, m_id, &out, TIMEOUT);
	check(e != NULL, "tls: CLOSE");
	ev_free(e);
	e = take(IMSG_TCP_DOWN, m_id, &in, TIMEOUT);
	check(e != NULL, "tls: the other side sees it closed (DOWN)");
	ev_free(e);
}

/* Requests tcpd must die of, after READY. */
static void
scenario_fatal(const char *s)
{
	struct tcp_listen	 tl;
	struct tcp_conn		 tc;
	struct tcp_msg		 tm;
	unsigned char		 buf[sizeof(tm) + 8];

	memset(&tm, 0, sizeof(tm));
	strlcpy(tm.peer, "127.0.0.1:1", sizeof(tm.peer));
	if (strcmp(s, "late") == 0) {
		mklisten(&tl, 9, AF_INET, 0, NULL, NULL);
		send_imsg(IMSG_TCP_LISTEN, &tl, sizeof(tl));
	} else if (strcmp(s, "badsize") == 0) {
		memset(&tc, 0, sizeof(tc));
		send_imsg(IMSG_TCP_CLOSE, &tc, sizeof(tc) - 1);
	} else if (strcmp(s, "short") == 0)
		send_imsg(IMSG_TCP_SEND, &tm, sizeof(tm) - 1);
	else if (strcmp(s, "emptymsg") == 0)
		send_imsg(IMSG_TCP_SEND, &tm, sizeof(tm));
	else if (strcmp(s, "undecodable") == 0)
		send_msg("127.0.0.1:1", 0, 1, "\x02\x00\x00\x00", 4);
	else if (strcmp(s, "unterminated") == 0) {
		memset(tm.peer, 'a', sizeof(tm.peer));
		memcpy(buf, &tm, sizeof(tm));
		memcpy(buf + sizeof(tm), heartbeat + 2, 4);
		send_imsg(IMSG_TCP_SEND, buf, sizeof(tm) + 4);
	} else if (strcmp(s, "unknown") == 0)
		send_imsg(0x7fff, NULL, 0);
	drain_child();
}

#define TCP_SOCK	(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

/* In a child: enter tcpd's filter, then run fn.  Its wait status. */
static int
filtered(void (*fn)(void))
{
	pid_t	 pid;
	int	 status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		sandbox_enter(SANDBOX_TCPD, NULL, 0);
		fn();
		fflush(stdout);
		_exit(failed);
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	return (status);
}

static int
sock_refused(int domain, int type, int proto)
{
	errno = 0;
	return (socket(domain, type, proto) == -1 && errno == EACCES);
}

static void
filter_allowed(void)
{
	int	 fd, on = 1, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(AF_INET, TCP_SOCK, 0);
	check(fd != -1, "filter: a TCP socket over IPv4");
	check(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) ==
	    0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) ==
	    0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0,
	    "filter: keepalive, TCP_NODELAY, SO_ERROR");
	close(fd);
	if ((fd = socket(AF_INET6, TCP_SOCK, 0)) != -1 || errno ==
	    EAFNOSUPPORT)
		check(1, "filter: a TCP socket over IPv6");
	else
		check(0, "filter: a TCP socket over IPv6");
	if (fd != -1)
		close(fd);
	check(sock_refused(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) &&
	    sock_refused(AF_UNIX, TCP_SOCK, 0),
	    "filter: AF_UNIX sockets EACCES");
	check(sock_refused(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) &&
	    sock_refused(AF_INET, SOCK_RAW, IPPROTO_TCP) &&
	    sock_refused(AF_INET, SOCK_STREAM, 0) &&
	    sock_refused(AF_INET, TCP_SOCK, IPPROTO_TCP) &&
	    sock_refused(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0),
	    "filter: other types, flags, protocols EACCES");
	errno = 0;
	check(open("/etc/hosts", O_RDONLY) == -1 && errno == EACCES,
	    "filter: open EACCES");
}

static void
filter_bind(void)
{
	struct sockaddr_storage	 ss;
	int			 fd;

	fd = socket(AF_INET, TCP_SOCK, 0);
	sa_loop(&ss, AF_INET, 0);
	bind(fd, (struct sockaddr *)&ss, sslen(AF_INET));
}

static void
filter_listen(void)
{
	listen(socket(AF_INET, TCP_SOCK, 0), 1);
}

static void
filter_reuseaddr(void)
{
	int	 on = 1;

	setsockopt(socket(AF_INET, TCP_SOCK, 0), SOL_SOCKET, SO_REUSEADDR,
	    &on, sizeof(on));
}

static void
filter_rcvbuf(void)
{
	int		 v;
	socklen_t	 len = sizeof(v);

	getsockopt(socket(AF_INET, TCP_SOCK, 0), SOL_SOCKET, SO_RCVBUF, &v,
	    &len);
}

static void
filter_packet(void)
{
	socket(AF_PACKET, TCP_SOCK, 0);
}

static void
filter_accept(void)
{
	accept4(socket(AF_INET, TCP_SOCK, 0), NULL, NULL, 0);
}

static void
scenario_filter(void)
{
	static const struct {
		const char	*what;
		void		(*fn)(void);
	} kills[] = {
		{ "filter: bind kills", filter_bind },
		{ "filter: listen kills", filter_listen },
		{ "filter: SO_REUSEADDR kills", filter_reuseaddr },
		{ "filter: getsockopt SO_RCVBUF kills", filter_rcvbuf },
		{ "filter: a stream socket of another family kills",
		    filter_packet },
		{ "filter: accept4 without tcpd's flags kills",
		    filter_accept },
	};
	size_t	 i;
	int	 st;

	st = filtered(filter_allowed);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "filter: allowed calls");
	for (i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		st = filtered(kills[i].fn);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    kills[i].what);
	}
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
	else if (strcmp(s, "connect") == 0) {
		scenario_connect();
		if (have_ipv6)
			scenario_ipv6_listener(p2);
	} else if (strcmp(s, "tls") == 0)
		scenario_tls(p2, p3, p4);
	else if (strcmp(s, "sandbox") == 0) {
		send_imsg(IMSG_REGRESS_SANDBOX, NULL, 0);
		drain_child();
	} else
		scenario_fatal(s);
	finish();
	return (failed);
}
