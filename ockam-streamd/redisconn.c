/* SPDX-License-Identifier: ISC */
/*
 * ockam-streamd's connection to Redis (redis.c's): made before the
 * sandbox, made again after a back-off of 100 ms, doubled at each
 * failure up to 5 s, when it fails (the next request after the
 * back-off tries; requests meanwhile fail at once).  On each new
 * connection it authenticates (AUTH, with the ACL user and password
 * routed read) and loads the scripts.  A Redis that does not answer
 * holds streamd for at most REDIS_TIMEOUT_MS.
 *
 * The caller pipelines its own commands (rconn_send(), then
 * rconn_reply() for each); drain() reads their answers before any
 * command answered at once, drop() forgets them when the connection
 * is lost.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "redisconn.h"
#include "streamd.h"

#define REDIS_TIMEOUT_MS	2000	/* connect, and each answer */
#define REDIS_BACKOFF_MIN	100	/* ms */
#define REDIS_BACKOFF_MAX	5000

static struct sockaddr_storage	 addr;
static socklen_t		 addrlen;
static char			 where[STREAMD_REDIS_HOST + 8];
static char			 user[STREAMD_REDIS_CRED];
static char			 pass[STREAMD_REDIS_CRED];
static redisContext		*rc;
static const char *const	*scripts;
static size_t			 nscripts;
static char			 sha[RCONN_SCRIPTS_MAX][41];
static int64_t			 retry_ms;
static int			 backoff_ms = REDIS_BACKOFF_MIN;
static int			 was_up = 1;
static void			 (*drain)(void);
static void			 (*drop)(void);

static struct log_count	lc_err = LOG_COUNT_INIT(LOG_WARNING,
			    "Redis answered an error");
static struct log_count	lc_down = LOG_COUNT_INIT(LOG_WARNING,
			    "a request refused: no connection to Redis");

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * The connection failed: closed, made again after the back-off; what
 * waits in the pipeline is dropped (drop()).
 */
void
rconn_lost(const char *why)
{
	drop();
	if (rc != NULL) {
		log_warnx("Redis at %s: %s: connecting again", where,
		    rc->err != 0 ? rc->errstr : why);
		redisFree(rc);
		rc = NULL;
	}
	retry_ms = now_ms() + backoff_ms;
	backoff_ms = backoff_ms * 2 > REDIS_BACKOFF_MAX ? REDIS_BACKOFF_MAX :
	    backoff_ms * 2;
}

/* A TCP connection to Redis, non-blocking up to REDIS_TIMEOUT_MS. */
static int
rconn_socket(void)
{
	struct pollfd	 pfd;
	socklen_t	 len = sizeof(int);
	int		 fd, err = 0, on = 1;

	if ((fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&addr, addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, REDIS_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (fcntl(fd, F_SETFL, 0) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		goto fail;
	return (fd);
fail:
	err = errno;
	close(fd);
	errno = err;
	return (-1);
}

/*
 * A command and its answer (NULL: the connection failed, closed), once
 * the appends in the pipeline have theirs.
 */
redisReply *
rconn_call(int argc, const char **argv, const size_t *argvlen)
{
	redisReply	*r;

	drain();
	if (rc == NULL)
		return (NULL);
	if ((r = redisCommandArgv(rc, argc, argv, argvlen)) == NULL)
		rconn_lost("no answer");
	return (r);
}

/* AUTH and the scripts, on a new connection: 0, or -1 (said). */
static int
rconn_setup(void)
{
	redisReply	*r;
	const char	*argv[3];
	size_t		 i;
	int		 argc = 0;

	if (pass[0] != '\0') {
		argv[argc++] = "AUTH";
		if (user[0] != '\0')
			argv[argc++] = user;
		argv[argc++] = pass;
		if ((r = rconn_call(argc, argv, NULL)) == NULL)
			return (-1);
		if (r->type == REDIS_REPLY_ERROR) {
			log_warnx("Redis at %s: AUTH refused: %s", where,
			    r->str);
			freeReplyObject(r);
			return (-1);
		}
		freeReplyObject(r);
	}
	for (i = 0; i < nscripts; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = scripts[i];
		if ((r = rconn_call(3, argv, NULL)) == NULL)
			return (-1);
		if (r->type != REDIS_REPLY_STRING || r->len != 40) {
			log_warnx("Redis at %s: SCRIPT LOAD: %s", where,
			    r->type == REDIS_REPLY_ERROR ? r->str :
			    "not a SHA1");
			freeReplyObject(r);
			return (-1);
		}
		memcpy(sha[i], r->str, 40);
		sha[i][40] = '\0';
		freeReplyObject(r);
	}
	return (0);
}

/* Connected, or connected again when the back-off is over: 0 or -1. */
int
rconn_up(void)
{
	struct timeval	 tv;
	int		 fd;

	if (rc != NULL)
		return (0);
	if (now_ms() < retry_ms)
		return (-1);
	if ((fd = rconn_socket()) == -1) {
		if (was_up)
			log_warn("Redis at %s", where);
		was_up = 0;
		rconn_lost("connect");
		return (-1);
	}
	if ((rc = redisConnectFd(fd)) == NULL || rc->err != 0) {
		if (rc == NULL)
			close(fd);
		rconn_lost("hiredis");
		return (-1);
	}
	tv.tv_sec = REDIS_TIMEOUT_MS / 1000;
	tv.tv_usec = (REDIS_TIMEOUT_MS % 1000) * 1000;
	if (redisSetTimeout(rc, tv) != REDIS_OK || rconn_setup() == -1) {
		rconn_lost("set-up");
		return (-1);
	}
	log_info("Redis at %s: connected", where);
	was_up = 1;
	backoff_ms = REDIS_BACKOFF_MIN;
	return (0);
}

/* A decimal index as Redis keeps it: 0, or digits not led by 0. */
int
parse_index(const char *s, size_t len, const char *end, uint64_t *v)
{
	uint64_t	 n = 0;
	size_t		 i, elen = strlen(end);

	if (len <= elen || memcmp(s + len - elen, end, elen) != 0)
		return (-1);
	len -= elen;
	if (len > 20 || (len > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*v = n;
	return (0);
}

int
reply_index(const redisReply *r, uint64_t *v)
{
	return (r->type == REDIS_REPLY_STRING ?
	    parse_index(r->str, r->len, "", v) : -1);
}

/* An answer that is not what the script returns: said, counted. */
int
reply_bad(redisReply *r, const char *what)
{
	log_count(&lc_err, "%s: %s", what, r != NULL &&
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected answer");
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0)
		rconn_lost("a script is gone");
	freeReplyObject(r);
	return (STREAMD_ERR_IO);
}

/*
 * Send EVALSHA of script s on its keys and arguments (nargs <= 4, the
 * first nkeys of them keys; a length 0 in lens, or no lens: strlen()),
 * without reading the answer: 0, or -1 when there is no connection.
 */
int
rconn_send(int s, int nkeys, const char **args, const size_t *lens,
    int nargs)
{
	const char	*argv[7];
	size_t		 argvlen[7];
	char		 nk[4];
	int		 i;

	if (nargs > 4 || nkeys > nargs || (size_t)s >= nscripts)
		fatalx("rconn_send: script %d, %d keys, %d arguments", s,
		    nkeys, nargs);
	if (rconn_up() == -1) {
		log_count(&lc_down, "Redis at %s", where);
		return (-1);
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = sha[s];
	argv[2] = nk;
	for (i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	for (i = 0; i < nargs; i++) {
		argv[3 + i] = args[i];
		argvlen[3 + i] = lens != NULL && lens[i] != 0 ? lens[i] :
		    strlen(args[i]);
	}
	if (rc == NULL || redisAppendCommandArgv(rc, 3 + nargs, argv,
	    argvlen) != REDIS_OK) {
		rconn_lost("cannot send");
		return (-1);
	}
	return (0);
}

/* One script, its answer (NULL: no connection, said). */
redisReply *
rconn_run(int s, int nkeys, const char **args, const size_t *lens,
    int nargs)
{
	drain();
	if (rconn_send(s, nkeys, args, lens, nargs) == -1)
		return (NULL);
	return (rconn_reply());
}

/*
 * Start-up, before the sandbox: the address, the credentials, the
 * scripts (s, n of them) and a first connection.
 */
int
rconn_init(const struct streamd_conf *conf, const char *const *s,
    size_t n, void (*drainfn)(void), void (*dropfn)(void))
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&addr;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&addr;

	if (n > RCONN_SCRIPTS_MAX)
		fatalx("rconn_init: %zu scripts", n);
	scripts = s;
	nscripts = n;
	drain = drainfn;
	drop = dropfn;
	memset(&addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, conf->redis_host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(conf->redis_port);
		addrlen = sizeof(*sin);
		snprintf(where, sizeof(where), "%s:%u", conf->redis_host,
		    conf->redis_port);
	} else if (inet_pton(AF_INET6, conf->redis_host,
	    &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(conf->redis_port);
		addrlen = sizeof(*sin6);
		snprintf(where, sizeof(where), "[%s]:%u", conf->redis_host,
		    conf->redis_port);
	} else {
		log_warnx("Redis address %s: not a numeric address",
		    conf->redis_host);
		return (-1);
	}
	strlcpy(user, conf->redis_user, sizeof(user));
	strlcpy(pass, conf->redis_pass, sizeof(pass));
	if (rconn_up() == -1)
		log_warnx("Redis at %s: not reached at start-up: streams "
		    "answer errors until it is", where);
	return (0);
}

/* The answer of the oldest command sent (NULL: connection lost). */
redisReply *
rconn_reply(void)
{
	void	*r;

	if (rc == NULL)
		return (NULL);
	if (redisGetReply(rc, &r) != REDIS_OK) {
		rconn_lost("no answer");
		return (NULL);
	}
	return (r);
}

void
rconn_close(void)
{
	if (rc != NULL)
		redisFree(rc);
	rc = NULL;
	explicit_bzero(pass, sizeof(pass));
}
