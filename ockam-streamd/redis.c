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
 * fails (redisconn.c), what was waiting is answered STREAMD_ERR_IO (it
 * may be in Redis all the same: never confirmed, never lost), and so
 * is every request until it is made again.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "backend.h"
#include "limit.h"
#include "log.h"
#include "redisconn.h"
#include "streamd.h"

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

static struct rstream		**rstreams;	/* by id - 1 */
static uint32_t			 nrstreams;
static struct streamd_append	*waiting[REDIS_PENDING_MAX];
static size_t			 nwaiting;

static struct log_count	lc_offsets = LOG_COUNT_INIT(LOG_WARNING,
			    "an offset dropped: limit stream-offsets");

static void	redis_commit(void);

/* The connection is lost: the appends waiting keep STREAMD_ERR_IO. */
static void
redis_drop(void)
{
	nwaiting = 0;
}

/* Start-up, before the sandbox. */
int
redis_init(const struct streamd_conf *conf)
{
	if ((rstreams = calloc(limit(LIMIT_STREAMS),
	    sizeof(*rstreams))) == NULL)
		return (-1);
	return (rconn_init(conf, scripts, S_MAX, redis_commit, redis_drop));
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
	if ((r = rconn_run(S_OPEN, 1, args, NULL, 2)) == NULL)
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
	redisReply		*r;
	size_t			 i;

	/* A lost connection ends the loop: the rest keep their error. */
	for (i = 0; i < nwaiting; i++) {
		ans = waiting[i];
		if ((r = rconn_reply()) == NULL)
			break;
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
	if (rconn_send(S_APPEND, 2, args, lens, 4) == -1)
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
		if ((r = rconn_run(S_READ, 2, args, NULL, 4)) == NULL)
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
	if (rconn_up() == -1)
		return (STREAMD_ERR_IO);
	argv[0] = "HMGET";
	argv[1] = st->meta;
	argv[2] = "next";
	argv[3] = "bytes";
	if ((r = rconn_call(4, argv, NULL)) == NULL)
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
	if ((r = rconn_run(S_SAVE, 1, args, lens, 4)) == NULL)
		return (-1);
	if (r->type != REDIS_REPLY_INTEGER) {
		reply_bad(r, "save");
		return (-1);
	}
	if (r->integer == 1)
		log_count(&lc_offsets, "%s for %s", name, client);
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
	if (rconn_up() == -1)
		return (0);
	argv[0] = "HGET";
	argv[1] = "ockam:offsets";
	argv[2] = field;
	lens[0] = 4;
	lens[1] = strlen(argv[1]);
	lens[2] = offset_field(field, client, name);
	if ((r = rconn_call(3, argv, lens)) == NULL)
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
	rconn_close();
	for (i = 0; i < nrstreams; i++)
		free(rstreams[i]);
	free(rstreams);
	rstreams = NULL;
	nrstreams = 0;
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
	.list = redis_list,
	.retain = redis_retain,
	.save = redis_save,
	.get = redis_get,
	.dirty = redis_nothing,
	.flush = redis_nothing,
	.offsets_size = redis_offsets_size,
	.offsets_close = redis_offsets_close,
};
