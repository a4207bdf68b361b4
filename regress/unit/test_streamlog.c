/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-streamd's storage in a temporary directory
 * (streamtest.c): append and read by index and budget, nothing
 * readable before its commit, segments, retention by size and by age,
 * the bounds, saved offsets kept across a restart, stream names, and a
 * commit in the background (store_take(), the syncer, store_synced()).
 * What a start finds on disk is test_streamdisk.c's.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ockam-streamd/offsets.h"
#include "../../ockam-streamd/store.h"
#include "../../ockam-streamd/syncer.h"
#include "log.h"
#include "streamd.h"
#include "streamtest.h"

static void
test_append_read(void **state)
{
	char		 buf[512];
	uint64_t	 next, first, index, n;
	uint32_t	 id, count, len;
	size_t		 used;
	int		 existed;

	(void)state;
	id = open_stream("alice_to_bob", &next);
	assert_int_equal(next, 0);
	append_n(id, 0, 500);
	assert_int_equal(read_all(id, 0, &first), 500);
	assert_int_equal(first, 0);
	assert_int_equal(read_all(id, 123, &first), 377);

	/* limit and budget */
	assert_int_equal(store_read(id, 10, 3, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 3);
	assert_int_equal(first, 10);
	assert_int_equal(next, 500);
	/* records 0, 1, 2 are 1, 38, 75 bytes long */
	assert_int_equal(store_read(id, 0, 100, 1 + 38 + 3 * 10, 10, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 2);
	assert_int_equal(used, 4 + 1 + 4 + 38);
	memcpy(&len, rbuf + 5, sizeof(len));
	assert_int_equal(len, 38);
	/* the first record alone is over the budget */
	assert_int_equal(store_read(id, 2, 100, 50, 4, rbuf, &used, &count,
	    &first, &next), STREAMD_ERR_BIG);
	assert_int_equal(count, 0);
	assert_int_equal(first, 2);
	/* past the end, limit 0, the largest limit */
	assert_int_equal(store_read(id, 500, 8, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_read(id, UINT64_MAX, UINT64_MAX,
	    STREAMD_READ_MAX, 4, rbuf, &used, &count, &first, &next),
	    STREAMD_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_read(id, 0, 0, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_read(id, 0, UINT64_MAX, STREAMD_READ_MAX, 4,
	    rbuf, &used, &count, &first, &next), STREAMD_OK);
	assert_true(count > 0 && count <= STREAMD_READ_COUNT);

	/* nothing is read before its commit */
	n = record(500, buf);
	assert_int_equal(store_append(id, buf, n, &index), STREAMD_OK);
	assert_int_equal(index, 500);
	assert_int_equal(store_read(id, 500, 8, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 0);
	assert_int_equal(next, 500);
	store_commit();
	assert_int_equal(read_all(id, 500, NULL), 1);

	/* a second open joins the stream; a restart keeps it */
	assert_int_equal(store_open("alice_to_bob", 1, &id, &existed, &first,
	    &next), STREAMD_OK);
	assert_int_equal(existed, 1);
	assert_int_equal(next, 501);
	restart();
	id = open_stream("alice_to_bob", &next);
	assert_int_equal(next, 501);
	assert_int_equal(read_all(id, 0, NULL), 501);
	assert_int_equal(store_open("nobody", 0, &id, &existed, &first,
	    &next), STREAMD_ERR_NOTFOUND);
	snprintf(buf, sizeof(buf), "%s/streams/nobody", dir);
	assert_int_equal(access(buf, F_OK), -1);
}

/* Segments: reads across them, a restart that finds them. */
static void
test_segments(void **state)
{
	uint64_t	 next, first, last, bytes;
	uint32_t	 id;

	(void)state;
	conf.segment_max = 4096;
	restart();
	id = open_stream("many", &next);
	append_n(id, 0, 2000);
	assert_int_equal(read_all(id, 0, NULL), 2000);
	assert_int_equal(read_all(id, 1234, NULL), 766);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_int_equal(first, 0);
	assert_int_equal(last, 2000);
	restart();
	id = open_stream("many", &next);
	assert_int_equal(next, 2000);
	assert_int_equal(read_all(id, 0, NULL), 2000);
	append_n(id, 2000, 10);
	assert_int_equal(read_all(id, 1990, NULL), 20);
}

static void
test_retention_size(void **state)
{
	uint64_t	 next, first, last, bytes, r;
	uint32_t	 id;

	(void)state;
	conf.segment_max = 4096;
	conf.retain_bytes = 16384;
	restart();
	id = open_stream("kept", &next);
	append_n(id, 0, 1000);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_true(first > 0);
	assert_int_equal(last, 1000);
	assert_true(bytes <= 16384 + 4096);
	/* an index before the first reads from the first */
	r = read_all(id, 0, &next);
	assert_int_equal(next, first);
	assert_int_equal(r, 1000 - first);
	restart();
	id = open_stream("kept", &next);
	assert_int_equal(next, 1000);
	assert_int_equal(read_all(id, 0, NULL), 1000 - first);
}

static void
test_retention_age(void **state)
{
	uint64_t	 next, first, last, bytes;
	uint32_t	 id;

	(void)state;
	conf.segment_max = 4096;
	conf.retain_age = 60;
	restart();
	id = open_stream("old", &next);
	append_n(id, 0, 200);
	store_retain(time(NULL));
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_int_equal(first, 0);
	store_retain(time(NULL) + 120);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	/* all but the last segment, where the next index is kept */
	assert_true(first > 0 && first < 200);
	assert_int_equal(last, 200);
	assert_int_equal(read_all(id, 0, NULL), 200 - first);
}

static void
test_limits(void **state)
{
	char		 buf[1024];
	uint64_t	 next, first, index;
	uint32_t	 id;
	int		 existed, i;

	(void)state;
	conf.streams_max = 3;
	conf.stream_bytes = 4096;
	restart();
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		id = open_stream(buf, &next);
	}
	assert_int_equal(store_open("s3", 1, &id, &existed, &first, &next),
	    STREAMD_ERR_LIMIT);
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 3; i++)
		assert_int_equal(store_append(id, buf, sizeof(buf), &index),
		    STREAMD_OK);
	assert_int_equal(store_append(id, buf, sizeof(buf), &index),
	    STREAMD_ERR_LIMIT);
	assert_int_equal(store_append(id, buf, 100, &index), STREAMD_OK);
	assert_int_equal(index, 3);
	store_commit();
}

static unsigned int	 tags;

static void
note_tag(unsigned int tag)
{
	tags |= 1U << tag;
}

/*
 * A commit in the background: the records taken are written but not
 * readable until store_synced(); the syncer fsyncs them; more streams
 * waiting than the caller can take are not taken at all.
 */
static void
test_background(void **state)
{
	struct store_sync	 ss[2];
	char			 name[16];
	uint64_t		 next, first, index;
	uint32_t		 id, count;
	size_t			 used, i;
	int			 fd;

	(void)state;
	id = open_stream("bg", &next);
	append_n(id, 0, 5);
	for (i = 5; i < 10; i++) {
		assert_int_equal(store_append(id, "x", 1, &index), STREAMD_OK);
		assert_int_equal(index, i);
	}
	assert_int_equal(store_take(ss, 2), 1);
	assert_int_equal(ss[0].id, id);
	assert_int_equal(ss[0].next, 10);
	assert_true(ss[0].fd != -1);
	assert_int_equal(store_read(id, 5, 100, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_take(ss, 2), 0);		/* none left */
	if (syncer_init() == 0) {
		assert_true(syncer_fd() != -1);
		fd = ss[0].fd;
		assert_int_equal(syncer_start(&fd, 1, 3), 0);
		assert_int_equal(syncer_start(&fd, 1, 5), 0);
		assert_int_equal(syncer_left(), 2);
		tags = 0;
		assert_int_equal(syncer_reap(1, note_tag), 0);
		assert_int_equal(tags, 1 << 3 | 1 << 5);
		assert_int_equal(syncer_left(), 0);
	}
	store_synced(ss, 1);
	assert_int_equal(store_read(id, 5, 100, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 5);
	assert_int_equal(next, 10);

	/* three streams waiting, room for two: none taken */
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "bg%zu", i);
		id = open_stream(name, &next);
		assert_int_equal(store_append(id, "y", 1, &index),
		    STREAMD_OK);
	}
	assert_int_equal(store_take(ss, 2), 0);
	store_commit();
	assert_int_equal(store_read(id, 0, 100, STREAMD_READ_MAX, 4, rbuf,
	    &used, &count, &first, &next), STREAMD_OK);
	assert_int_equal(count, 1);
}

/* More streams than write descriptors kept open: each still works. */
static void
test_many_streams(void **state)
{
	char		 name[32];
	uint64_t	 next;
	uint32_t	 id, i, round;

	(void)state;
	conf.streams_max = 400;
	conf.segment_max = 4096;
	restart();
	for (round = 0; round < 2; round++)
		for (i = 0; i < 300; i++) {
			snprintf(name, sizeof(name), "s%u", i);
			id = open_stream(name, &next);
			assert_int_equal(next, round * 30);
			append_n(id, round * 30, 30);
		}
	for (i = 0; i < 300; i += 7) {
		snprintf(name, sizeof(name), "s%u", i);
		id = open_stream(name, &next);
		assert_int_equal(read_all(id, 0, NULL), 60);
	}
	restart();
	id = open_stream("s299", &next);
	assert_int_equal(next, 60);
	assert_int_equal(read_all(id, 0, NULL), 60);
}

static void
test_offsets(void **state)
{
	struct stat	 sb;
	char		 path[PATH_MAX];
	uint64_t	 index;
	int		 fd;

	(void)state;
	assert_int_equal(offsets_init(ddfd, 2), 0);
	assert_int_equal(offsets_get("c1", "bob_to_alice", &index), 0);
	assert_int_equal(offsets_save("c1", "bob_to_alice", 0), 0);
	assert_int_equal(offsets_get("c1", "bob_to_alice", &index), 1);
	assert_int_equal(index, 0);
	assert_int_equal(offsets_save("c1", "bob_to_alice", 6), 0);
	assert_int_equal(offsets_save("c1", "bob_to_alice", 2), 0);
	assert_int_equal(offsets_get("c1", "bob_to_alice", &index), 1);
	assert_int_equal(index, 6);
	assert_int_equal(offsets_save("c 2", "alice_to_bob", UINT64_MAX), 0);
	/* a third pair is over the limit of 2; known pairs go on */
	assert_int_equal(offsets_save("c3", "x", 1), -1);
	assert_int_equal(offsets_get("c3", "x", &index), 0);
	assert_int_equal(offsets_save("c1", "bob_to_alice", 7), 0);
	assert_int_equal(offsets_dirty(), 1);
	assert_int_equal(offsets_flush(), 0);
	assert_int_equal(offsets_dirty(), 0);
	snprintf(path, sizeof(path), "%s/offsets", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(offsets_size(), sb.st_size);
	offsets_close();

	assert_int_equal(offsets_init(ddfd, 10), 0);
	assert_int_equal(offsets_get("c1", "bob_to_alice", &index), 1);
	assert_int_equal(index, 7);
	assert_int_equal(offsets_get("c 2", "alice_to_bob", &index), 1);
	assert_int_equal(index, UINT64_MAX);
	offsets_close();

	/* a damaged file: set aside, no offsets */
	snprintf(path, sizeof(path), "%s/offsets", dir);
	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_int_equal(pwrite(fd, "Z", 1, 14), 1);
	close(fd);
	assert_int_equal(offsets_init(ddfd, 10), 0);
	assert_int_equal(offsets_get("c1", "bob_to_alice", &index), 0);
	snprintf(path, sizeof(path), "%s/offsets.bad", dir);
	assert_int_equal(access(path, F_OK), 0);
	offsets_close();
}

static void
test_names(void **state)
{
	char	 big[10240];

	(void)state;
	assert_true(streamd_name_valid("alice_to_bob", 12));
	assert_true(streamd_name_valid("sc-initiator-to-responder", 25));
	assert_true(streamd_name_valid("generated_0a1b2c3d", 18));
	assert_true(streamd_name_valid("a.b", 3));
	assert_false(streamd_name_valid("", 0));
	assert_false(streamd_name_valid("..", 2));
	assert_false(streamd_name_valid("../x", 4));
	assert_false(streamd_name_valid(".hidden", 7));
	assert_false(streamd_name_valid("a/b", 3));
	assert_false(streamd_name_valid("a\0b", 3));
	assert_false(streamd_name_valid("a b", 3));
	assert_false(streamd_name_valid("a\\b", 3));
	memset(big, 'a', sizeof(big));
	assert_true(streamd_name_valid(big, STREAMD_NAME_MAX - 1));
	assert_false(streamd_name_valid(big, STREAMD_NAME_MAX));
	assert_false(streamd_name_valid(big, sizeof(big)));
}

/* Records and segment names on their own. */
static void
test_records(void **state)
{
	uint8_t		 hdr[REC_HDR];
	uint64_t	 first;
	uint32_t	 len;
	int64_t		 when;

	(void)state;
	/* CRC32C check value */
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	rec_encode(hdr, 5, 42, 1000, "hello");
	assert_int_equal(rec_check(hdr, 42, &len, &when), 0);
	assert_int_equal(len, 5);
	assert_int_equal(when, 1000);
	assert_true(rec_crc_ok(hdr, "hello"));
	assert_false(rec_crc_ok(hdr, "hellO"));
	assert_int_equal(rec_check(hdr, 43, &len, &when), -1);
	assert_int_equal(seg_name_parse("00000000000000000042.seg", &first),
	    0);
	assert_int_equal(first, 42);
	assert_int_equal(seg_name_parse("18446744073709551615.seg", &first),
	    0);
	assert_int_equal(first, UINT64_MAX);
	assert_int_equal(seg_name_parse("18446744073709551616.seg", &first),
	    -1);
	assert_int_equal(seg_name_parse("0000000000000000042.seg", &first),
	    -1);
	assert_int_equal(seg_name_parse("00000000000000000042.se", &first),
	    -1);
	assert_int_equal(seg_name_parse("0000000000000000004x.seg", &first),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_append_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_segments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention_age, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_streams, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_offsets, setup,
		    teardown),
	};

	log_init(1, LOG_DAEMON);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
