/* SPDX-License-Identifier: ISC */
/*
 * What the stream storage tests share (streamtest.h): a storage in a
 * temporary directory, made and removed around each test, records of
 * known bytes, and reading a stream back record by record.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ockam-streamd/store.h"
#include "log.h"
#include "streamd.h"
#include "streamtest.h"

char			 dir[64];
int			 ddfd = -1;
struct store_conf	 conf;
uint8_t			 rbuf[STREAMD_READ_MAX];

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

int
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

int
teardown(void **state)
{
	(void)state;
	store_close();
	close(ddfd);
	rm_tree(dir);
	return (0);
}

void
restart(void)
{
	store_close();
	assert_int_equal(store_init(&conf), 0);
}

/* Record i: "record i" repeated to a length that depends on i. */
size_t
record(uint64_t i, char *buf)
{
	size_t	 len = 1 + (i * 37) % 300, k;
	char	 word[32];

	snprintf(word, sizeof(word), "record %llu ", (unsigned long long)i);
	for (k = 0; k < len; k++)
		buf[k] = word[k % strlen(word)];
	return (len);
}

uint32_t
open_stream(const char *name, uint64_t *next)
{
	uint64_t	 first;
	uint32_t	 id;
	int		 existed;

	assert_int_equal(store_open(name, 1, &id, &existed, &first, next),
	    STREAMD_OK);
	return (id);
}

void
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
uint64_t
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

void
seg_path(char *buf, size_t size, const char *name, uint64_t first)
{
	snprintf(buf, size, "%s/streams/%s/%020llu.seg", dir, name,
	    (unsigned long long)first);
}

