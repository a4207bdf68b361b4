/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-streamd's storage in a temporary directory:
 * append and read by index and budget, nothing readable before its
 * commit, a torn tail and a corrupt record cut off at the next start,
 * a missing segment, retention by size and by age, the bounds, saved
 * offsets kept across a restart, stream names, writes that fail (a
 * file size limit) taken back and said, zeros written ahead of the
 * records and cut off, and a commit in the background
 * (store_take(), the syncer, store_synced()).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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

static char			 dir[64];
static int			 ddfd = -1;
static struct store_conf	 conf;
static uint8_t			 rbuf[STREAMD_READ_MAX];

static void
rm_tree(const char *path)
{
	char		 sub[PATH_MAX];
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(path)) == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int
setup(void **state)
{
	(void)state;
	strlcpy(dir, "/tmp/test_streamlog.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL ||
	    (ddfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	memset(&conf, 0, sizeof(conf));
	conf.dirfd = ddfd;
	conf.segment_max = SEG_MAX_DEFAULT;
	conf.stream_bytes = 1ULL << 30;
	conf.streams_max = 16;
	return (store_init(&conf));
}

static int
teardown(void **state)
{
	(void)state;
	store_close();
	close(ddfd);
	rm_tree(dir);
	return (0);
}

static void
restart(void)
{
	store_close();
	assert_int_equal(store_init(&conf), 0);
}

/* Record i: "record i" repeated to a length that depends on i. */
static size_t
record(uint64_t i, char *buf)
{
	size_t	 len = 1 + (i * 37) % 300, k;
	char	 word[32];

	snprintf(word, sizeof(word), "record %llu ", (unsigned long long)i);
	for (k = 0; k < len; k++)
		buf[k] = word[k % strlen(word)];
	return (len);
}

static uint32_t
open_stream(const char *name, uint64_t *next)
{
	uint64_t	 first;
	uint32_t	 id;
	int		 existed;

	assert_int_equal(store_open(name, 1, &id, &existed, &first, next),
	    STREAMD_OK);
	return (id);
}

static void
append_n(uint32_t id, uint64_t from, uint64_t n)
{
	char		 buf[512];
	uint64_t	 i, index;
	size_t		 len;

	for (i = from; i < from + n; i++) {
		len = record(i, buf);
		assert_int_equal(store_append(id, buf, len, &index),
		    STREAMD_OK);
		assert_int_equal(index, i);
	}
	store_commit();
}

/* Read everything from index on; check each record; return the count. */
static uint64_t
read_all(uint32_t id, uint64_t index, uint64_t *firstp)
{
	char		 want[512];
	uint64_t	 first, next, total = 0, i;
	uint32_t	 count, len, k;
	size_t		 used, at;

	for (;;) {
		assert_int_equal(store_read(id, index, 1000, STREAMD_READ_MAX,
		    4, rbuf, &used, &count, &first, &next), STREAMD_OK);
		if (total == 0 && firstp != NULL)
			*firstp = first;
		if (count == 0)
			break;
		for (k = 0, at = 0, i = first; k < count; k++, i++) {
			memcpy(&len, rbuf + at, sizeof(len));
			assert_int_equal(len, record(i, want));
			assert_memory_equal(rbuf + at + 4, want, len);
			at += 4 + len;
		}
		assert_int_equal(at, used);
		total += count;
		index = first + count;
	}
	return (total);
}

static void
seg_path(char *buf, size_t size, const char *name, uint64_t first)
{
	snprintf(buf, size, "%s/streams/%s/%020llu.seg", dir, name,
	    (unsigned long long)first);
}

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

/* A crash in the middle of a record: it is cut off at the next start. */
static void
test_torn_tail(void **state)
{
	char		 path[PATH_MAX];
	struct stat	 sb;
	uint64_t	 next;
	uint32_t	 id;

	(void)state;
	id = open_stream("torn", &next);
	append_n(id, 0, 50);
	store_close();
	seg_path(path, sizeof(path), "torn", 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 5), 0);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("torn", &next);
	assert_int_equal(next, 49);
	assert_int_equal(read_all(id, 0, NULL), 49);
	append_n(id, 49, 2);
	assert_int_equal(read_all(id, 0, NULL), 51);

	/* only part of a header */
	store_close();
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size + 10), 0);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("torn", &next);
	assert_int_equal(next, 51);
}

/* A record whose bytes changed: it and all after it are cut off. */
static void
test_corrupt(void **state)
{
	char		 path[PATH_MAX], buf[512];
	uint64_t	 next, off = 0, i;
	uint32_t	 id;
	int		 fd;

	(void)state;
	conf.segment_max = 4096;
	restart();
	id = open_stream("bad", &next);
	append_n(id, 0, 100);
	store_close();
	/* a byte in record 7's data, in the first segment */
	for (i = 0; i < 7; i++)
		off += REC_HDR + record(i, buf);
	seg_path(path, sizeof(path), "bad", 0);
	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_int_equal(pwrite(fd, "X", 1, (off_t)(off + REC_HDR)), 1);
	close(fd);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("bad", &next);
	assert_int_equal(next, 7);
	assert_int_equal(read_all(id, 0, NULL), 7);
	append_n(id, 7, 3);
	assert_int_equal(read_all(id, 0, NULL), 10);
}

/* A segment gone from the middle: the ones after it cannot follow. */
static void
test_gap(void **state)
{
	char		 path[PATH_MAX];
	uint64_t	 next, first, last, bytes;
	uint32_t	 id;
	DIR		*d;
	struct dirent	*de;
	uint64_t	 segs[64], s;
	int		 n = 0;

	(void)state;
	conf.segment_max = 4096;
	restart();
	id = open_stream("gap", &next);
	append_n(id, 0, 300);
	store_close();
	snprintf(path, sizeof(path), "%s/streams/gap", dir);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL && n < 64)
		if (seg_name_parse(de->d_name, &s) == 0)
			segs[n++] = s;
	closedir(d);
	assert_true(n >= 3);
	/* the smallest but one */
	for (first = UINT64_MAX, last = UINT64_MAX; n-- > 0;)
		if (segs[n] < first) {
			last = first;
			first = segs[n];
		} else if (segs[n] < last)
			last = segs[n];
	/* remove the second segment */
	seg_path(path, sizeof(path), "gap", last);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("gap", &next);
	assert_int_equal(next, last);
	assert_int_equal(store_stat(id, &first, &next, &bytes), STREAMD_OK);
	assert_int_equal(first, 0);
	assert_int_equal(read_all(id, 0, NULL), last);
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

static uint32_t	 failed_id;
static uint64_t	 failed_from, failed_to;

static void
note_failed(uint32_t id, uint64_t from, uint64_t to)
{
	failed_id = id;
	failed_from = from;
	failed_to = to;
}

/*
 * Writes that fail (past RLIMIT_FSIZE, as on a full disk), at the
 * commit and when the records gathered fill RECBUF_MAX: what went is
 * cut off, the records are said failed, their indices are used again.
 */
static void
test_failed_write(void **state)
{
	char		 path[PATH_MAX], buf[512];
	struct rlimit	 old, rl;
	struct stat	 st;
	uint64_t	 next, index, i, first, last, bytes;
	uint32_t	 id;
	size_t		 len;
	int		 r = STREAMD_OK;

	(void)state;
	conf.failed = note_failed;
	restart();
	id = open_stream("full", &next);
	append_n(id, 0, 10);
	seg_path(path, sizeof(path), "full", 0);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_int_equal(stat(path, &st), 0);
	/* zeros written ahead do not let the records past the limit */
	assert_true((uint64_t)st.st_size > bytes + 100);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	rl = old;
	rl.rlim_cur = bytes + 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);

	/* at the commit: all 20 gathered are taken back */
	for (i = 10; i < 30; i++) {
		len = record(i, buf);
		assert_int_equal(store_append(id, buf, len, &index),
		    STREAMD_OK);
		assert_int_equal(index, i);
	}
	store_commit();
	assert_int_equal(failed_id, id);
	assert_int_equal(failed_from, 10);
	assert_int_equal(failed_to, 30);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, rl.rlim_cur - 100);

	/* when RECBUF_MAX is full: the append that needs the room too */
	failed_to = 0;
	for (i = 10; i < 10 + RECBUF_MAX; i++) {
		len = record(i, buf);
		if ((r = store_append(id, buf, len, &index)) != STREAMD_OK)
			break;
		assert_int_equal(index, i);
	}
	assert_int_equal(r, STREAMD_ERR_IO);
	assert_int_equal(failed_from, 10);
	assert_int_equal(failed_to, i);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	store_commit();
	append_n(id, 10, 5);
	assert_int_equal(read_all(id, 0, NULL), 15);
	restart();
	assert_int_equal(read_all(id, 0, NULL), 15);
}

/* The bytes of a file, and their number. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	uint8_t		*p;
	int		 fd;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(p = malloc(st.st_size + 1));
	assert_int_equal(read(fd, p, st.st_size), st.st_size);
	close(fd);
	*len = st.st_size;
	return (p);
}

static off_t
file_size(const char *path)
{
	struct stat	 st;

	assert_int_equal(stat(path, &st), 0);
	return (st.st_size);
}

/*
 * Zeros written ahead of the records (store.c): after them at a
 * commit, cut off by a clean close and when a segment is full, found
 * and cut off without a word at a start after a crash; a header of
 * zeros with other bytes after it is cut off as a torn record is, and
 * said.  Zeros that cannot be written (past RLIMIT_FSIZE) are left
 * out: the records are written all the same.
 */
static void
test_zeros(void **state)
{
	char		 path[PATH_MAX];
	struct segment	 sg;
	struct rlimit	 old, rl;
	struct stat	 st;
	uint64_t	 next, first, last, bytes, k;
	uint8_t		*crash;
	size_t		 len, i;
	uint32_t	 id;
	int		 fd;

	(void)state;
	id = open_stream("zeros", &next);
	append_n(id, 0, 20);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	seg_path(path, sizeof(path), "zeros", 0);
	crash = slurp(path, &len);
	assert_true(len > bytes);
	assert_int_equal(len % ZERO_MIN, 0);
	for (i = bytes; i < len; i++)
		assert_int_equal(crash[i], 0);
	store_close();
	assert_int_equal(file_size(path), bytes);

	/* the file as a crash leaves it: the records found, no more */
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	assert_int_equal(write(fd, crash, len), (ssize_t)len);
	close(fd);
	free(crash);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("zeros", &next);
	assert_int_equal(next, 20);
	assert_int_equal(file_size(path), bytes);
	append_n(id, 20, 5);
	assert_int_equal(read_all(id, 0, NULL), 25);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	store_close();

	/* seg_recover(): zeros alone are no damage; other bytes are */
	assert_true((fd = open(path, O_RDWR)) != -1);
	memset(&sg, 0, sizeof(sg));
	assert_int_equal(ftruncate(fd, bytes + 4000), 0);
	assert_int_equal(seg_recover(fd, "zeros", &sg), 0);
	assert_int_equal(sg.count, 25);
	assert_int_equal(sg.size, bytes);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, bytes);
	assert_int_equal(ftruncate(fd, bytes + REC_HDR - 1), 0);
	assert_int_equal(seg_recover(fd, "zeros", &sg), 0);
	assert_int_equal(ftruncate(fd, bytes + 200), 0);
	assert_int_equal(pwrite(fd, "x", 1, bytes + 150), 1);
	assert_int_equal(seg_recover(fd, "zeros", &sg), 1);
	assert_int_equal(sg.count, 25);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, bytes);
	seg_free(&sg);
	close(fd);

	/* a full segment keeps no zeros: each ends with a record's byte */
	conf.segment_max = 4096;
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("small", &next);
	append_n(id, 0, 300);
	store_close();
	for (k = 0, i = 0; k < 300; i++) {
		seg_path(path, sizeof(path), "small", k);
		crash = slurp(path, &len);
		memset(&sg, 0, sizeof(sg));
		sg.first = k;
		assert_true((fd = open(path, O_RDONLY)) != -1);
		assert_int_equal(seg_recover(fd, "small", &sg), 0);
		close(fd);
		assert_true(sg.count > 0 && sg.size <= len);
		if (k + sg.count < 300)
			assert_true(sg.size == len && crash[len - 1] != 0);
		k += sg.count;
		seg_free(&sg);
		free(crash);
	}
	assert_true(i > 2);

	/* no room for the zeros: the records go in all the same */
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("nozeros", &next);
	append_n(id, 0, 1);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	seg_path(path, sizeof(path), "nozeros", 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	store_close();
	assert_int_equal(file_size(path), bytes);
	rl = old;
	rl.rlim_cur = bytes + 1000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	assert_int_equal(store_init(&conf), 0);
	id = open_stream("nozeros", &next);
	append_n(id, 1, 2);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_int_equal(file_size(path), bytes);
	append_n(id, 3, 2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(store_stat(id, &first, &last, &bytes), STREAMD_OK);
	assert_int_equal(file_size(path), bytes);
	assert_int_equal(read_all(id, 0, NULL), 5);
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
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention_age, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zeros, setup, teardown),
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
