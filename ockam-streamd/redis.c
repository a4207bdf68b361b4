/* SPDX-License-Identifier: ISC */
/*
 * Redis Streams storage for ockam-streamd (backend.h, doc/design.md 7):
 * several hubs on one Redis serve the same streams.  In Redis, per
 * stream NAME:
 *
 *	ockam:{NAME}:meta	hash: next (the next index), bytes (of
 *				the records, and 24 for each, as the
 *				embedded log's headers count)
 *	ockam:{NAME}:log	stream: record INDEX has the id INDEX-1
 *				and one field, d, its bytes
 *
 * and ockam:offsets, a hash from NAME, NUL, client id to the largest
 * index saved.  Every change is one Lua script, atomic in Redis: an
 * append reads next, adds the record under it and counts it, so that
 * indices are contiguous from 0 whichever hub appends; a save keeps
 * the larger of two decimal strings (Lua numbers are doubles).
 *
 * Group commit: the appends streamd takes together go out in one
 * pipeline and their results are read by redis_commit().  A push is
 * confirmed once Redis ran its script (durable as Redis is configured:
 * appendonly yes keeps it across a Redis restart).  When the connection
 * fails, what was waiting is answered STREAMD_ERR_IO (it may be in
 * Redis all the same: never confirmed, never lost), and the connection
 * is made again at the next request, after a back-off of 100 ms,
 * doubled at each failure up to 5 s; requests meanwhile are answered
 * STREAMD_ERR_IO at once.  A Redis that does not answer holds streamd
 * for at most REDIS_TIMEOUT_MS.
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
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "limit.h"
#include "log.h"
#include "streamd.h"

#define REDIS_TIMEOUT_MS	2000	/* connect, and each answer */
#define REDIS_BACKOFF_MIN	100	/* ms */
#define REDIS_BACKOFF_MAX	5000
#define REDIS_PENDING_MAX	1024	/* appends in one pipeline */
#define REDIS_READ_CHUNK	64	/* records asked for at a time */
#define REDIS_KEY_MAX		(STREAMD_NAME_MAX + 16)

enum { S_OPEN, S_APPEND, S_READ, S_SAVE, S_MAX };

static const char *const scripts[S_MAX] = {
	/* KEYS meta; ARGV create: {existed, next} or {0} */
	"local n = redis.call('HGET', KEYS[1], 'next')\n"
	"if n then return {1, n} end\n"
	"if ARGV[1] ~= '1' then return {0} end\n"
	"redis.call('HSET', KEYS[1], 'next', 0, 'bytes', 0)\n"
	"return {0, '0'}\n",
	/* KEYS meta, log; ARGV record, bytes bound: its index, or -1 */
	"local n = redis.call('HGET', KEYS[1], 'next')\n"
	"if not n then return redis.error_reply('ERR no such stream') end\n"
	"local c = #ARGV[1] + 24\n"
	"local b = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')\n"
	"if b + c > tonumber(ARGV[2]) then return -1 end\n"
	"redis.call('XADD', KEYS[2], n .. '-1', 'd', ARGV[1])\n"
	"redis.call('HINCRBY', KEYS[1], 'next', 1)\n"
	"redis.call('HINCRBY', KEYS[1], 'bytes', c)\n"
	"return n\n",
	/* KEYS meta, log; ARGV first id, count: {next, records} */
	"local n = redis.call('HGET', KEYS[1], 'next')\n"
	"if not n then return redis.error_reply('ERR no such stream') end\n"
	"return {n, redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', "
	"ARGV[2])}\n",
	/* KEYS offsets; ARGV field, index, most fields: 1 when dropped */
	"local o = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"local n = ARGV[2]\n"
	"if not o then\n"
	"  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then\n"
	"    return 1 end\n"
	"elseif #n < #o or (#n == #o and n <= o) then return 0 end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], n)\n"
	"return 0\n",
};

struct rstream {
	char		 meta[REDIS_KEY_MAX];
	char		 log[REDIS_KEY_MAX];
	char		 name[STREAMD_NAME_MAX];
};

static struct sockaddr_storage	 addr;
static socklen_t		 addrlen;
static char			 where[STREAMD_REDIS_HOST + 8];
static char			 user[STREAMD_REDIS_CRED];
static char			 pass[STREAMD_REDIS_CRED];
static redisContext		*rc;
static char			 sha[S_MAX][41];
static int64_t			 retry_ms;
static int			 backoff_ms = REDIS_BACKOFF_MIN;
static int			 was_up = 1;
static struct rstream		**rstreams;	/* by id - 1 */
static uint32_t			 nrstreams;
static struct streamd_append	*waiting[REDIS_PENDING_MAX];
static size_t			 nwaiting;

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
 * The connection failed: closed, made again after the back-off.  The
 * appends still waiting keep their STREAMD_ERR_IO (redis_append()).
 */
static void
redis_lost(const char *why)
{
	nwaiting = 0;
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
redis_socket(void)
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

static void	redis_commit(void);

/*
 * A command and its answer (NULL: the connection failed, closed), once
 * the appends in the pipeline have theirs.
 */
static redisReply *
redis_call(int argc, const char **argv, const size_t *argvlen)
{
	redisReply	*r;

	redis_commit();
	if (rc == NULL)
		return (NULL);
	if ((r = redisCommandArgv(rc, argc, argv, argvlen)) == NULL)
		redis_lost("no answer");
	return (r);
}

/* AUTH and the scripts, on a new connection: 0, or -1 (said). */
static int
redis_setup(void)
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
		if ((r = redis_call(argc, argv, NULL)) == NULL)
			return (-1);
		if (r->type == REDIS_REPLY_ERROR) {
			log_warnx("Redis at %s: AUTH refused: %s", where,
			    r->str);
			freeReplyObject(r);
			return (-1);
		}
		freeReplyObject(r);
	}
	for (i = 0; i < S_MAX; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = scripts[i];
		if ((r = redis_call(3, argv, NULL)) == NULL)
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
static int
redis_up(void)
{
	struct timeval	 tv;
	int		 fd;

	if (rc != NULL)
		return (0);
	if (now_ms() < retry_ms)
		return (-1);
	if ((fd = redis_socket()) == -1) {
		if (was_up)
			log_warn("Redis at %s", where);
		was_up = 0;
		redis_lost("connect");
		return (-1);
	}
	if ((rc = redisConnectFd(fd)) == NULL || rc->err != 0) {
		if (rc == NULL)
			close(fd);
		redis_lost("hiredis");
		return (-1);
	}
	tv.tv_sec = REDIS_TIMEOUT_MS / 1000;
	tv.tv_usec = (REDIS_TIMEOUT_MS % 1000) * 1000;
	if (redisSetTimeout(rc, tv) != REDIS_OK || redis_setup() == -1) {
		redis_lost("set-up");
		return (-1);
	}
	log_info("Redis at %s: connected", where);
	was_up = 1;
	backoff_ms = REDIS_BACKOFF_MIN;
	return (0);
}

/* Start-up, before the sandbox: the address, and a first connection. */
int
redis_init(const struct streamd_conf *conf)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&addr;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&addr;

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
	if ((rstreams = calloc(limit(LIMIT_STREAMS),
	    sizeof(*rstreams))) == NULL)
		return (-1);
	if (redis_up() == -1)
		log_warnx("Redis at %s: not reached at start-up: streams "
		    "answer errors until it is", where);
	return (0);
}

/* A decimal index as Redis keeps it: 0, or digits not led by 0. */
static int
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

static int
reply_index(const redisReply *r, uint64_t *v)
{
	return (r->type == REDIS_REPLY_STRING ?
	    parse_index(r->str, r->len, "", v) : -1);
}

/* An answer that is not what the script returns: said, counted. */
static int
reply_bad(redisReply *r, const char *what)
{
	log_count(&lc_err, "%s: %s", what, r != NULL &&
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected answer");
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0)
		redis_lost("a script is gone");
	freeReplyObject(r);
	return (STREAMD_ERR_IO);
}

/*
 * Send EVALSHA of script s on its keys and arguments (nargs <= 4, the
 * first nkeys of them keys; a length 0 in lens, or no lens: strlen()),
 * without reading the answer: 0, or -1 when there is no connection.
 */
static int
redis_send(int s, int nkeys, const char **args, const size_t *lens,
    int nargs)
{
	const char	*argv[7];
	size_t		 argvlen[7];
	char		 nk[4];
	int		 i;

	if (redis_up() == -1) {
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
		redis_lost("cannot send");
		return (-1);
	}
	return (0);
}

/* One script, its answer (NULL: no connection, said). */
static redisReply *
redis_run(int s, int nkeys, const char **args, const size_t *lens,
    int nargs)
{
	void	*r;

	redis_commit();
	if (redis_send(s, nkeys, args, lens, nargs) == -1)
		return (NULL);
	if (redisGetReply(rc, &r) != REDIS_OK) {
		redis_lost("no answer");
		return (NULL);
	}
	return (r);
}

/* The id of a stream opened before, or 0. */
static uint32_t
stream_id(const char *name)
{
	uint32_t	 i;

	for (i = 0; i < nrstreams; i++)
		if (strcmp(rstreams[i]->name, name) == 0)
			return (i + 1);
	return (0);
}

/* Open in Redis (created there when create is set): a STREAMD_ status. */
static int
stream_open(const struct rstream *st, int create, int *existed,
    uint64_t *next)
{
	redisReply	*r;
	const char	*args[2];

	args[0] = st->meta;
	args[1] = create ? "1" : "0";
	if ((r = redis_run(S_OPEN, 1, args, NULL, 2)) == NULL)
		return (STREAMD_ERR_IO);
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		return (reply_bad(r, "open"));
	if (r->elements == 1) {
		freeReplyObject(r);
		return (STREAMD_ERR_NOTFOUND);
	}
	if (r->elements != 2 || reply_index(r->element[1], next) == -1)
		return (reply_bad(r, "open"));
	*existed = r->element[0]->integer == 1;
	freeReplyObject(r);
	return (STREAMD_OK);
}

static int
redis_open(const char *name, int create, uint32_t *id, int *existed,
    uint64_t *first, uint64_t *next)
{
	struct rstream	*st;
	uint32_t	 known;
	int		 status;

	*existed = 0;
	*first = 0;
	if ((known = stream_id(name)) != 0)
		st = rstreams[known - 1];
	else if (nrstreams >= limit(LIMIT_STREAMS))
		return (STREAMD_ERR_LIMIT);
	else if ((st = calloc(1, sizeof(*st))) == NULL)
		return (STREAMD_ERR_IO);
	strlcpy(st->name, name, sizeof(st->name));
	snprintf(st->meta, sizeof(st->meta), "ockam:{%s}:meta", name);
	snprintf(st->log, sizeof(st->log), "ockam:{%s}:log", name);
	status = stream_open(st, create, existed, next);
	if (status != STREAMD_OK) {
		if (known == 0)
			free(st);
		return (status);
	}
	if (known == 0) {
		rstreams[nrstreams++] = st;
		known = nrstreams;
	}
	*id = known;
	return (STREAMD_OK);
}

static int
redis_valid_id(uint32_t id)
{
	return (id >= 1 && id <= nrstreams);
}

/* The answers of the appends sent: read in the order they went. */
static void
redis_commit(void)
{
	struct streamd_append	*ans;
	void			*v;
	redisReply		*r;
	size_t			 i;

	/* redis_lost() ends the loop: the rest keep STREAMD_ERR_IO. */
	for (i = 0; i < nwaiting; i++) {
		ans = waiting[i];
		if (redisGetReply(rc, &v) != REDIS_OK) {
			redis_lost("no answer");
			break;
		}
		r = v;
		if (r->type == REDIS_REPLY_INTEGER && r->integer == -1)
			ans->status = STREAMD_ERR_LIMIT;
		else if (reply_index(r, &ans->index) == 0)
			ans->status = STREAMD_OK;
		else {
			reply_bad(r, "append");
			continue;
		}
		freeReplyObject(r);
	}
	nwaiting = 0;
}

/* Sent at once (pipelined); the answer is read by redis_commit(). */
static void
redis_append(uint32_t id, const void *data, size_t len,
    struct streamd_append *ans)
{
	struct rstream	*st = rstreams[id - 1];
	const char	*args[4];
	size_t		 lens[4];
	char		 bound[24];

	if (nwaiting == REDIS_PENDING_MAX)
		redis_commit();
	ans->status = STREAMD_ERR_IO;
	ans->index = 0;
	snprintf(bound, sizeof(bound), "%u", limit(LIMIT_STREAM_BYTES));
	args[0] = st->meta;
	args[1] = st->log;
	args[2] = data;
	args[3] = bound;
	lens[0] = lens[1] = lens[3] = 0;
	lens[2] = len;
	if (redis_send(S_APPEND, 2, args, lens, 4) == -1)
		return;
	waiting[nwaiting++] = ans;
}

/* One record of an XRANGE answer: its index and its bytes. */
static int
record(const redisReply *e, uint64_t *index, const redisReply **data)
{
	const redisReply	*id, *fv;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
		return (-1);
	id = e->element[0];
	fv = e->element[1];
	if ((id->type != REDIS_REPLY_STRING && id->type != REDIS_REPLY_STATUS) ||
	    parse_index(id->str, id->len, "-1", index) == -1 ||
	    fv->type != REDIS_REPLY_ARRAY || fv->elements != 2 ||
	    fv->element[1]->type != REDIS_REPLY_STRING)
		return (-1);
	*data = fv->element[1];
	return (0);
}

/*
 * As store_read() (streamd.h READ), from Redis, REDIS_READ_CHUNK
 * records at a time: what one answer holds stays bounded.
 */
static int
redis_read(uint32_t id, uint64_t index, uint64_t lim, uint32_t budget,
    uint32_t overhead, uint8_t *buf, size_t *used, uint32_t *count,
    uint64_t *first, uint64_t *next)
{
	struct rstream		*st = rstreams[id - 1];
	const redisReply	*data;
	redisReply		*r;
	const char		*args[4];
	char			 start[32], cnt[16];
	uint64_t		 want, cost = 0, at;
	uint32_t		 len;
	size_t			 i;
	int			 done;

	if (budget > STREAMD_READ_MAX || overhead < sizeof(len))
		fatalx("redis_read: budget %u, overhead %u", budget, overhead);
	*used = 0;
	*count = 0;
	*first = index;
	*next = 0;
	want = lim < STREAMD_READ_COUNT ? lim : STREAMD_READ_COUNT;
	do {
		snprintf(start, sizeof(start), "%" PRIu64 "-1", index);
		snprintf(cnt, sizeof(cnt), "%" PRIu64, want - *count <
		    REDIS_READ_CHUNK ? want - *count : REDIS_READ_CHUNK);
		args[0] = st->meta;
		args[1] = st->log;
		args[2] = start;
		args[3] = cnt;
		if ((r = redis_run(S_READ, 2, args, NULL, 4)) == NULL)
			goto ioerr;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    reply_index(r->element[0], next) == -1 ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			reply_bad(r, "read");
			goto ioerr;
		}
		for (i = 0; i < r->element[1]->elements; i++) {
			if (record(r->element[1]->element[i], &at,
			    &data) == -1 || at != index ||
			    data->len == 0 || data->len > STREAMD_DATA_MAX) {
				reply_bad(r, "read: a record out of order or "
				    "malformed");
				goto ioerr;
			}
			len = (uint32_t)data->len;
			if (cost + len + overhead > budget)
				break;
			memcpy(buf + *used, &len, sizeof(len));
			memcpy(buf + *used + sizeof(len), data->str, len);
			*used += sizeof(len) + len;
			cost += len + overhead;
			index++;
			(*count)++;
		}
		done = i < r->element[1]->elements ||
		    r->element[1]->elements < REDIS_READ_CHUNK;
		freeReplyObject(r);
	} while (!done && *count < want);
	if (*count == 0 && index < *next && want > 0)
		return (STREAMD_ERR_BIG);
	return (STREAMD_OK);
ioerr:
	*used = 0;
	*count = 0;
	return (STREAMD_ERR_IO);
}

static int
redis_stat(uint32_t id, uint64_t *first, uint64_t *next, uint64_t *bytes)
{
	struct rstream	*st = rstreams[id - 1];
	redisReply	*r;
	const char	*argv[4];

	*first = *next = *bytes = 0;
	if (redis_up() == -1)
		return (STREAMD_ERR_IO);
	argv[0] = "HMGET";
	argv[1] = st->meta;
	argv[2] = "next";
	argv[3] = "bytes";
	if ((r = redis_call(4, argv, NULL)) == NULL)
		return (STREAMD_ERR_IO);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    reply_index(r->element[0], next) == -1 ||
	    reply_index(r->element[1], bytes) == -1)
		return (reply_bad(r, "stat"));
	freeReplyObject(r);
	return (STREAMD_OK);
}

/* The offsets' field: the stream name, NUL, the client id. */
static size_t
offset_field(char *buf, const char *client, const char *name)
{
	size_t	 n = strlen(name) + 1;

	memcpy(buf, name, n);
	memcpy(buf + n, client, strlen(client));
	return (n + strlen(client));
}

static int
redis_save(const char *client, const char *name, uint64_t index)
{
	redisReply	*r;
	const char	*args[4];
	size_t		 lens[4];
	char		 field[STREAMD_NAME_MAX + STREAMD_CLIENT_MAX];
	char		 n[24], most[16];

	snprintf(n, sizeof(n), "%" PRIu64, index);
	snprintf(most, sizeof(most), "%u", limit(LIMIT_STREAM_OFFSETS));
	args[0] = "ockam:offsets";
	args[1] = field;
	args[2] = n;
	args[3] = most;
	memset(lens, 0, sizeof(lens));
	lens[1] = offset_field(field, client, name);
	if ((r = redis_run(S_SAVE, 1, args, lens, 4)) == NULL)
		return (-1);
	if (r->type != REDIS_REPLY_INTEGER) {
		reply_bad(r, "save");
		return (-1);
	}
	if (r->integer == 1)
		log_count(&lc_err, "offset of %s for %s dropped: limit "
		    "stream-offsets", name, client);
	freeReplyObject(r);
	return (0);
}

/* Found 1 and the index, or 0 (never saved, or Redis unreachable). */
static int
redis_get(const char *client, const char *name, uint64_t *index)
{
	redisReply	*r;
	const char	*argv[3];
	size_t		 lens[3];
	char		 field[STREAMD_NAME_MAX + STREAMD_CLIENT_MAX];

	*index = 0;
	if (redis_up() == -1)
		return (0);
	argv[0] = "HGET";
	argv[1] = "ockam:offsets";
	argv[2] = field;
	lens[0] = 4;
	lens[1] = strlen(argv[1]);
	lens[2] = offset_field(field, client, name);
	if ((r = redis_call(3, argv, lens)) == NULL)
		return (0);
	if (r->type == REDIS_REPLY_NIL) {
		freeReplyObject(r);
		return (0);
	}
	if (reply_index(r, index) == -1) {
		reply_bad(r, "get");
		*index = 0;
		return (0);
	}
	freeReplyObject(r);
	return (1);
}

/* Redis keeps the offsets and has no retention of ours. */
static void
redis_retain(time_t now)
{
	(void)now;
}

static int
redis_nothing(void)
{
	return (0);
}

static uint64_t
redis_offsets_size(void)
{
	return (0);
}

static void
redis_offsets_close(void)
{
}

static void
redis_close(void)
{
	uint32_t	 i;

	redis_commit();
	if (rc != NULL)
		redisFree(rc);
	rc = NULL;
	for (i = 0; i < nrstreams; i++)
		free(rstreams[i]);
	free(rstreams);
	rstreams = NULL;
	nrstreams = 0;
	explicit_bzero(pass, sizeof(pass));
}

const struct store_backend store_redis = {
	.name = "redis",
	.close = redis_close,
	.open = redis_open,
	.append = redis_append,
	.commit = redis_commit,
	.read = redis_read,
	.stat = redis_stat,
	.valid_id = redis_valid_id,
	.retain = redis_retain,
	.save = redis_save,
	.get = redis_get,
	.dirty = redis_nothing,
	.flush = redis_nothing,
	.offsets_size = redis_offsets_size,
	.offsets_close = redis_offsets_close,
};
