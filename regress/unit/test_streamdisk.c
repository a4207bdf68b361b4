/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for what ockam-streamd's storage finds on disk: a torn
 * tail and a corrupt record cut off at the next start, a missing
 * segment, writes that fail (a file size limit) taken back and said,
 * and the zeros written ahead of the records, cut off when a segment
 * is full, at a clean close and at a start after a crash.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ockam-streamd/store.h"
#include "log.h"
#include "streamd.h"
#include "streamtest.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zeros, setup, teardown),
	};

	log_init(1, LOG_DAEMON);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
