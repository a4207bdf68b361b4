/* SPDX-License-Identifier: ISC */
/*
 * Every stream in Redis (streamd.h LIST), not only those this hub
 * opened: one SCAN of the keys ockam:{NAME}:meta (redis.c) with a
 * bounded COUNT, then the next index and the bytes of each.  A key
 * that looks like one but whose NAME is not a stream name (another
 * program's, or written by hand) is skipped and counted.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "backend.h"
#include "log.h"
#include "redisconn.h"
#include "streamd.h"

#define SCAN_COUNT	32	/* keys Redis looks at for one LIST */
#define KEY_PREFIX	"ockam:{"
#define KEY_SUFFIX	"}:meta"

static struct log_count	lc_names = LOG_COUNT_INIT(LOG_WARNING,
			    "Redis keys skipped: not a stream's");

/* The stream name of a meta key, into e; -1 when it is none. */
static int
key_name(const redisReply *k, struct streamd_list_ent *e)
{
	size_t	 pl = strlen(KEY_PREFIX), sl = strlen(KEY_SUFFIX), n;

	if (k->type != REDIS_REPLY_STRING || k->len <= pl + sl ||
	    memcmp(k->str, KEY_PREFIX, pl) != 0 ||
	    memcmp(k->str + k->len - sl, KEY_SUFFIX, sl) != 0)
		return (-1);
	n = k->len - pl - sl;
	if (!streamd_name_valid(k->str + pl, n))
		return (-1);
	memset(e, 0, sizeof(*e));
	memcpy(e->name, k->str + pl, n);
	return (0);
}

/*
 * Its next index and bytes: 0; 1 when it is not there (gone meanwhile)
 * or not a stream's meta (said), -1 when the connection failed.
 */
static int
key_stat(const redisReply *k, struct streamd_list_ent *e)
{
	redisReply	*r;
	const char	*argv[4];
	size_t		 lens[4];

	argv[0] = "HMGET";
	argv[1] = k->str;
	argv[2] = "next";
	argv[3] = "bytes";
	lens[0] = 5;
	lens[1] = k->len;
	lens[2] = 4;
	lens[3] = 5;
	if ((r = rconn_call(4, argv, lens)) == NULL)
		return (-1);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_NIL) {
		freeReplyObject(r);
		return (1);
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    reply_index(r->element[0], &e->next) == -1 ||
	    reply_index(r->element[1], &e->bytes) == -1) {
		reply_bad(r, "list");
		return (1);
	}
	freeReplyObject(r);
	e->first = 0;
	return (0);
}

int
redis_list(uint64_t *cursor, struct streamd_list_ent *ents, uint32_t *count,
    uint32_t *cut)
{
	redisReply	*r;
	const char	*argv[6];
	char		 cur[24], cnt[8];
	size_t		 i;
	int		 s;

	*count = *cut = 0;
	if (rconn_up() == -1)
		return (STREAMD_ERR_IO);
	snprintf(cur, sizeof(cur), "%" PRIu64, *cursor);
	snprintf(cnt, sizeof(cnt), "%d", SCAN_COUNT);
	argv[0] = "SCAN";
	argv[1] = cur;
	argv[2] = "MATCH";
	argv[3] = KEY_PREFIX "*" KEY_SUFFIX;
	argv[4] = "COUNT";
	argv[5] = cnt;
	if ((r = rconn_call(6, argv, NULL)) == NULL)
		return (STREAMD_ERR_IO);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    reply_index(r->element[0], cursor) == -1 ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		return (reply_bad(r, "list"));
	for (i = 0; i < r->element[1]->elements; i++) {
		/* COUNT is a hint: Redis may give more than the room. */
		if (*count == STREAMD_LIST_COUNT) {
			*cut += r->element[1]->elements - i;
			break;
		}
		if (key_name(r->element[1]->element[i], &ents[*count]) == -1) {
			log_count(&lc_names, "a key of %zu bytes",
			    r->element[1]->element[i]->len);
			continue;
		}
		if ((s = key_stat(r->element[1]->element[i],
		    &ents[*count])) == -1) {
			freeReplyObject(r);
			*count = 0;
			return (STREAMD_ERR_IO);
		}
		if (s == 0)
			(*count)++;
	}
	freeReplyObject(r);
	return (STREAMD_OK);
}
