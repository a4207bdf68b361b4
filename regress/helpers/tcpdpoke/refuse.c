/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: what tcpd refuses: requests it must die of, and what its
 * seccomp filter lets through, fails or kills.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"
#include "sandbox.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

/* Portal requests tcpd must die of. */
static void
portal_fatal(const char *s)
{
	struct tcp_portal	 tp;
	unsigned char		 big[4 + TCP_PORTAL_DATA_MAX + 1];

	memset(&tp, 0, sizeof(tp));
	tp.id = TCP_PORTAL_OURS | 7;
	strlcpy(tp.peer, "127.0.0.1:1", sizeof(tp.peer));
	if (strcmp(s, "pdata0") == 0)
		child_send(IMSG_TCP_PORTAL_DATA, 0, &tp.id, sizeof(tp.id));
	else if (strcmp(s, "pdatabig") == 0) {
		memset(big, 0, sizeof(big));
		child_send(IMSG_TCP_PORTAL_DATA, 0, big, sizeof(big));
	} else if (strcmp(s, "popen") == 0) {
		tp.id = 7;
		child_send(IMSG_TCP_PORTAL_OPEN, 0, &tp, sizeof(tp));
	} else if (strcmp(s, "pcredit") == 0) {
		child_send(IMSG_TCP_PORTAL_OPEN, 0, &tp, sizeof(tp));
		tp.n = TCP_PORTAL_CREDIT_MAX + 1;
		child_send(IMSG_TCP_PORTAL_CREDIT, 0, &tp, sizeof(tp));
	} else if (strcmp(s, "pclose") == 0) {
		memset(big, 0, sizeof(big));
		memcpy(big, &tp, sizeof(tp));
		child_send(IMSG_TCP_PORTAL_CLOSE, 0, big, sizeof(tp) + 1);
	}
}

/* Requests tcpd must die of, after READY. */
void
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
		child_send(IMSG_TCP_LISTEN, 0, &tl, sizeof(tl));
	} else if (strcmp(s, "badsize") == 0) {
		memset(&tc, 0, sizeof(tc));
		child_send(IMSG_TCP_CLOSE, 0, &tc, sizeof(tc) - 1);
	} else if (strcmp(s, "short") == 0)
		child_send(IMSG_TCP_SEND, 0, &tm, sizeof(tm) - 1);
	else if (strcmp(s, "emptymsg") == 0)
		child_send(IMSG_TCP_SEND, 0, &tm, sizeof(tm));
	else if (strcmp(s, "undecodable") == 0)
		send_msg("127.0.0.1:1", 0, 1, "\x02\x00\x00\x00", 4);
	else if (strcmp(s, "unterminated") == 0) {
		memset(tm.peer, 'a', sizeof(tm.peer));
		memcpy(buf, &tm, sizeof(tm));
		memcpy(buf + sizeof(tm), heartbeat + 2, 4);
		child_send(IMSG_TCP_SEND, 0, buf, sizeof(tm) + 4);
	} else if (strcmp(s, "unknown") == 0)
		child_send(0x7fff, 0, NULL, 0);
	else
		portal_fatal(s);
	drain_child();
}

#define TCP_SOCK	(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

static void
filter_child(void *arg)
{
	void	(**fn)(void) = arg;

	/* A "listen static" tcpd's: bind and listen kill. */
	sandbox_enter(SANDBOX_TCPD_STATIC, NULL, 0);
	(*fn)();
}

/* In a child: enter tcpd's filter, then run fn.  Its wait status. */
static int
filtered(void (*fn)(void))
{
	return (in_fork(filter_child, &fn));
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
	errno = 0;
	check(shutdown(fd, SHUT_WR) == -1 && errno == ENOTCONN,
	    "filter: shutdown, a portal's half-close");
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

void
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
