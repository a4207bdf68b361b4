/* SPDX-License-Identifier: ISC */
/*
 * What ockam-routed may ask of ockam-streamd, and what it answers
 * (doc/design.md 3.5).  streamd keeps the streams' records and the
 * consumers' saved offsets and nothing else: routed decodes and checks
 * every stream request from the network and sends streamd only these
 * typed messages.  Every request carries a request id in the imsg
 * peerid; an answer has the type of its request and echoes that id.
 * Answers come in the order of their requests.
 *
 *	IMSG_STREAMD_CONF	routed -> streamd, start-up only, once:
 *				struct streamd_conf
 *	IMSG_STREAMD_OPEN	struct streamd_open_req ->
 *				struct streamd_open
 *	IMSG_STREAMD_APPEND	struct streamd_append_req, then the record
 *				(1 to STREAMD_DATA_MAX bytes) ->
 *				struct streamd_append, sent only once the
 *				record is on disk (fsync'ed)
 *	IMSG_STREAMD_READ	struct streamd_read_req ->
 *				struct streamd_read, then its records
 *	IMSG_STREAMD_STAT	struct streamd_stat_req ->
 *				struct streamd_stat
 *	IMSG_STREAMD_SAVE	struct streamd_offset_req, no answer
 *	IMSG_STREAMD_GET	struct streamd_offset_req ->
 *				struct streamd_offset
 *	IMSG_STREAMD_LIST	struct streamd_list_req ->
 *				struct streamd_list, then its entries
 *
 * Names.  A stream name or a client id is a NUL-terminated string in
 * its fixed array; a stream name must pass streamd_name_valid() (routed
 * checks it before it asks: a request with a name that does not pass,
 * or not terminated, is malformed and fatal to streamd, like a stream
 * id OPEN never gave).  Client ids are 1 to STREAMD_CLIENT_MAX - 1
 * bytes, any but NUL: they never become a path.
 *
 * Streams.  OPEN gives a stream its id (1, 2, ...), valid for the life
 * of the node; APPEND, READ and STAT name a stream by that id.  Indices
 * are contiguous from 0 in each stream; retention drops the oldest
 * records, so that a stream's records are first .. next - 1.
 *
 * Group commit.  streamd appends every APPEND that arrived together,
 * fsyncs each stream file it wrote once, then answers them all: a
 * status of STREAMD_OK means the record is on disk.  With Redis storage
 * (STREAMD_BACKEND_REDIS) they go to Redis in one pipeline and OK means
 * Redis stored the record; while Redis cannot be reached, OPEN, APPEND,
 * READ and STAT answer STREAMD_ERR_IO and GET answers found 0.
 */
#ifndef OCKAM_STREAMD_H
#define OCKAM_STREAMD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "limit.h"

#define STREAMD_NAME_MAX	129	/* stream names, NUL included */
#define STREAMD_CLIENT_MAX	129	/* client ids, NUL included */
#define STREAMD_DATA_MAX	65535	/* one record */
#define STREAMD_READ_MAX	65535	/* READ: largest byte budget */
#define STREAMD_READ_COUNT	4096	/* READ: most records in one answer */
#define STREAMD_LIST_COUNT	64	/* LIST: most entries in one answer */

#define STREAMD_BACKEND_EMBEDDED 0	/* the append-only log of streamd */
#define STREAMD_BACKEND_REDIS	1	/* Redis Streams (redis.c) */

#define STREAMD_REDIS_HOST	46	/* a numeric address, NUL included */
#define STREAMD_REDIS_CRED	256	/* ACL user, password, NUL included */

/* status */
#define STREAMD_OK		0
#define STREAMD_ERR_IO		1	/* the disk failed: nothing written */
#define STREAMD_ERR_LIMIT	2	/* too many streams, offsets, bytes */
#define STREAMD_ERR_NOTFOUND	3	/* OPEN without create: no stream */
#define STREAMD_ERR_BIG		4	/* READ: the first record alone is
					   over the budget */

/*
 * The data directory (absolute; streamd creates its last component)
 * and the retention: records older than retain_age seconds, and the
 * oldest records of a stream past retain_bytes, are dropped (0: kept).
 * Retention drops whole segment files, so a stream keeps somewhat more
 * than retain_bytes.  The bounds of limit.h, each in its range:
 * streamd enforces LIMIT_STREAMS, LIMIT_STREAM_BYTES and
 * LIMIT_STREAM_OFFSETS.
 *
 * With STREAMD_BACKEND_REDIS the records and offsets are in Redis at
 * redis_host (a numeric IPv4 or IPv6 address) and redis_port, reached
 * as redis_user with redis_pass when redis_pass is not empty (the
 * "default" user when redis_user is); the directory is streamd's chroot
 * and holds nothing; there is no retention (0 both).
 */
struct streamd_conf {
	char		dir[PATH_MAX];
	uint32_t	backend;		/* STREAMD_BACKEND_* */
	uint32_t	retain_age;		/* seconds, 0: none */
	uint64_t	retain_bytes;		/* per stream, 0: none */
	uint32_t	limits[LIMIT_MAX];
	char		redis_host[STREAMD_REDIS_HOST];
	uint16_t	redis_port;
	char		redis_user[STREAMD_REDIS_CRED];
	char		redis_pass[STREAMD_REDIS_CRED];
};

/*
 * Open a stream by name, creating it when create is set.  The answer
 * says whether it existed before, and its first and next index.
 */
struct streamd_open_req {
	char		name[STREAMD_NAME_MAX];
	uint8_t		create;
};

struct streamd_open {
	uint32_t	status;		/* OK, IO, LIMIT, NOTFOUND */
	uint32_t	stream;		/* id, when OK */
	uint8_t		existed;
	uint64_t	first;		/* oldest record kept */
	uint64_t	next;		/* index of the next append */
};

/* Append one record (the bytes after this struct). */
struct streamd_append_req {
	uint32_t	stream;
};

struct streamd_append {
	uint32_t	status;		/* OK, IO, LIMIT */
	uint32_t	stream;
	uint64_t	index;		/* when OK */
};

/*
 * Read the longest run of records from index on that has at most limit
 * records (and at most STREAMD_READ_COUNT) and costs at most budget
 * bytes, a record costing its length plus overhead (overhead: what the
 * caller adds to each record when it sends it on; at least
 * sizeof(uint32_t), budget at most STREAMD_READ_MAX).  An index older
 * than the oldest record kept reads from the oldest; an index at or
 * past the end reads nothing (count 0, status OK).  A first record
 * over the budget alone answers STREAMD_ERR_BIG with count 0 and
 * first its index.  The answer is struct streamd_read followed by
 * count records, each a uint32_t length (host order) and its bytes;
 * the records are first .. first + count - 1.
 */
struct streamd_read_req {
	uint32_t	stream;
	uint32_t	budget;
	uint32_t	overhead;
	uint64_t	index;
	uint64_t	limit;		/* 0 reads nothing */
};

struct streamd_read {
	uint32_t	status;		/* OK, IO, BIG */
	uint32_t	stream;
	uint32_t	count;
	uint64_t	first;		/* index of the first record */
	uint64_t	next;		/* the stream's next index */
};

/* What a stream holds (ockamctl show streams). */
struct streamd_stat_req {
	uint32_t	stream;
};

struct streamd_stat {
	uint32_t	status;		/* OK, IO (Redis) */
	uint32_t	stream;
	uint64_t	first;
	uint64_t	next;
	uint64_t	bytes;		/* on disk, headers included */
};

/*
 * Every stream in the storage, opened or not (ockamctl show streams),
 * from cursor on: 0 starts a listing, and the answer's cursor is where
 * the next LIST goes on, 0 once the listing is complete.  The embedded
 * log's cursor counts the streams it loaded at start-up or opened
 * since; Redis's is its SCAN cursor (a stream may then come twice).
 * The answer is struct streamd_list then count (at most
 * STREAMD_LIST_COUNT) struct streamd_list_ent; cut counts the streams
 * Redis gave past that room, which this listing misses.
 */
struct streamd_list_req {
	uint64_t	cursor;
};

struct streamd_list {
	uint32_t	status;		/* OK, IO (Redis) */
	uint32_t	count;
	uint32_t	cut;
	uint64_t	cursor;
};

struct streamd_list_ent {
	char		name[STREAMD_NAME_MAX];
	uint64_t	first;
	uint64_t	next;
	uint64_t	bytes;
};

/*
 * A consumer's offset, per client id and stream name (the stream need
 * not exist).  SAVE keeps the larger of the saved and the new index;
 * past LIMIT_STREAM_OFFSETS a new pair is dropped (and logged).  GET
 * answers found 0 for a pair never saved; after SAVE of 0 it answers
 * found 1 and index 0.  Offsets are written to disk (a new file
 * renamed over the old) shortly after a SAVE and when streamd exits.
 */
struct streamd_offset_req {
	char		client[STREAMD_CLIENT_MAX];
	char		name[STREAMD_NAME_MAX];
	uint64_t	index;		/* SAVE */
};

struct streamd_offset {
	uint32_t	status;		/* OK */
	uint8_t		found;
	uint64_t	index;
};

/*
 * A stream name: 1 to STREAMD_NAME_MAX - 1 bytes of letters, digits,
 * '_', '-' and '.', not starting with '.'; so never "..", a '/' or a
 * NUL, and a file name as it is.  Takes the name and its length (a
 * name from the network has no NUL of its own).
 */
int	streamd_name_valid(const char *, size_t);

#endif /* OCKAM_STREAMD_H */
