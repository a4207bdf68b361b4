/* SPDX-License-Identifier: ISC */
/*
 * One record and one segment file of a stream (store.h): encoding,
 * checking, and the scan at start-up that finds where the good records
 * of a segment end and cuts off what follows (a record torn by a
 * crash, or one whose checksum is wrong); the records of a stream
 * gathered between two commits, to be written with one call.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "streamd.h"

static const uint8_t	 zero_hdr[REC_HDR];

/* CRC32C (Castagnoli, reflected 0x82f63b78), a table built once. */
static uint32_t	 crc_table[256];

static void
crc_init(void)
{
	uint32_t	 c, i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78U : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t
crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t	*p = buf;

	if (crc_table[1] == 0)
		crc_init();
	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

/* The checksum of a record: its header but the crc, then its bytes. */
static uint32_t
rec_crc(const uint8_t *hdr, const void *data, uint32_t len)
{
	uint32_t	 crc;

	crc = crc32c(0, hdr, 4);
	crc = crc32c(crc, hdr + 8, REC_HDR - 8);
	return (crc32c(crc, data, len));
}

/* hdr: REC_HDR bytes for the record of len bytes at data. */
void
rec_encode(uint8_t *hdr, uint32_t len, uint64_t index, int64_t when,
    const void *data)
{
	put32(hdr, len);
	put64(hdr + 8, index);
	put64(hdr + 16, (uint64_t)when);
	put32(hdr + 4, rec_crc(hdr, data, len));
}

/*
 * Whether a header can be that of record index: its length in range.
 * Returns 0 and the length and time, or -1.
 */
int
rec_check(const uint8_t *hdr, uint64_t index, uint32_t *len, int64_t *when)
{
	*len = get32(hdr);
	*when = (int64_t)get64(hdr + 16);
	if (*len == 0 || *len > STREAMD_DATA_MAX || get64(hdr + 8) != index)
		return (-1);
	return (0);
}

int
rec_crc_ok(const uint8_t *hdr, const void *data)
{
	return (rec_crc(hdr, data, get32(hdr)) == get32(hdr + 4));
}

/* "streams/NAME/FIRST.seg" */
void
seg_name(char *buf, size_t size, const char *stream, uint64_t first)
{
	if ((size_t)snprintf(buf, size, "streams/%s/%020llu.seg", stream,
	    (unsigned long long)first) >= size)
		fatalx("segment name too long");
}

/* A file name that is a segment's: 20 digits and ".seg", nothing else. */
int
seg_name_parse(const char *name, uint64_t *first)
{
	uint64_t	 v = 0;
	int		 i;

	if (strlen(name) != SEG_NAME_LEN || strcmp(name + 20, ".seg") != 0)
		return (-1);
	for (i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return (-1);
		if (v > (UINT64_MAX - (uint64_t)(name[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*first = v;
	return (0);
}

/* Note that record first + count is at offset off, when it is a mark. */
int
seg_mark(struct segment *sg, uint64_t off)
{
	uint64_t	*m;
	size_t		 n;

	if (sg->count % SEG_MARK_STRIDE != 0)
		return (0);
	if (sg->nmarks == sg->marksize) {
		n = sg->marksize == 0 ? 16 : sg->marksize * 2;
		if ((m = reallocarray(sg->marks, n, sizeof(*m))) == NULL)
			return (-1);
		sg->marks = m;
		sg->marksize = n;
	}
	sg->marks[sg->nmarks++] = off;
	return (0);
}

void
seg_free(struct segment *sg)
{
	free(sg->marks);
	memset(sg, 0, sizeof(*sg));
}

/* Whether bytes from..to of fd are all zero: 1, 0, or -1 (errno). */
static int
seg_zeros(int fd, uint64_t from, uint64_t to, uint8_t *buf, size_t size)
{
	ssize_t	 n;
	size_t	 i;

	while (from < to) {
		n = pread(fd, buf, to - from < size ? to - from : size,
		    (off_t)from);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return (-1);
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != 0)
				return (0);
		from += n;
	}
	return (1);
}

/*
 * Read a segment (sg->first set) from its start: every record must be
 * whole, have the next index and the right checksum.  A header of
 * zeros ends the records: the zeros written ahead of them (store.c,
 * stream_zero()).  What follows the last good record is cut off; said,
 * unless it was only those zeros.  Returns 0 when the file was whole,
 * 1 when a record was cut off (the segments after this one cannot
 * follow it any more), -1 when the file cannot be read.
 */
int
seg_recover(int fd, const char *what, struct segment *sg)
{
	struct stat	 sb;
	uint8_t		 hdr[REC_HDR], *data;
	uint64_t	 off = 0;
	uint32_t	 len;
	int64_t		 when;
	ssize_t		 n = -1;
	const char	*why = NULL;
	int		 zeros;

	if (fstat(fd, &sb) == -1)
		return (-1);
	if ((data = malloc(STREAMD_DATA_MAX)) == NULL)
		return (-1);
	sg->count = 0;
	sg->newest = 0;
	while (off < (uint64_t)sb.st_size) {
		if ((uint64_t)sb.st_size - off < REC_HDR) {
			why = "torn record header";
			break;
		}
		if ((n = pread(fd, hdr, REC_HDR, (off_t)off)) != REC_HDR)
			goto fail;
		if (memcmp(hdr, zero_hdr, REC_HDR) == 0) {
			why = "a header of zeros, with bytes after it";
			break;
		}
		if (rec_check(hdr, sg->first + sg->count, &len, &when) == -1) {
			why = "bad record header";
			break;
		}
		if ((uint64_t)sb.st_size - off - REC_HDR < len) {
			why = "torn record";
			break;
		}
		if ((n = pread(fd, data, len, (off_t)(off + REC_HDR))) !=
		    (ssize_t)len)
			goto fail;
		if (!rec_crc_ok(hdr, data)) {
			why = "record checksum mismatch";
			break;
		}
		if (seg_mark(sg, off) == -1) {
			n = -1;
			goto fail;
		}
		sg->count++;
		sg->newest = when;
		off += REC_HDR + len;
	}
	sg->size = off;
	if (why == NULL) {
		free(data);
		return (0);
	}
	if ((zeros = seg_zeros(fd, off, (uint64_t)sb.st_size, data,
	    STREAMD_DATA_MAX)) == -1) {
		n = -1;
		goto fail;
	}
	free(data);
	if (ftruncate(fd, (off_t)off) == -1 || fsync(fd) == -1)
		return (-1);
	if (zeros)
		return (0);
	log_warnx("%s: %s at offset %llu (index %llu): %llu bytes cut off",
	    what, why, (unsigned long long)off,
	    (unsigned long long)(sg->first + sg->count),
	    (unsigned long long)((uint64_t)sb.st_size - off));
	return (1);
fail:
	free(data);
	if (n >= 0)
		errno = EIO;
	return (-1);
}

/* All len bytes of buf at offset off of fd: -1 (errno) when not. */
static int
pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t	 done = 0;
	ssize_t	 n;

	while (done < len) {
		n = pwrite(fd, (const uint8_t *)buf + done, len - done,
		    (off_t)(off + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return (-1);
		}
		done += n;
	}
	return (0);
}

/*
 * Write zeros at bytes from..to of fd (store.c writes them ahead of the
 * records, so that the fsync of a record need not commit the file's
 * size and blocks).  -1 when they did not all go (errno says why).
 */
int
seg_zero(int fd, uint64_t from, uint64_t to)
{
	static const uint8_t	 zeros[64 << 10];
	size_t			 n;

	for (; from < to; from += n) {
		n = to - from < sizeof(zeros) ? to - from : sizeof(zeros);
		if (pwrite_all(fd, zeros, n, from) == -1)
			return (-1);
	}
	return (0);
}

/* A record's header and bytes after those gathered: -1 without memory. */
int
recbuf_add(struct recbuf *rb, const uint8_t *hdr, const void *data,
    size_t len)
{
	uint8_t	*p;
	size_t	 n;

	if (rb->size - rb->len < REC_HDR + len) {
		n = rb->size == 0 ? 4096 : rb->size;
		while (n - rb->len < REC_HDR + len)
			n *= 2;
		if ((p = realloc(rb->buf, n)) == NULL)
			return (-1);
		rb->buf = p;
		rb->size = n;
	}
	memcpy(rb->buf + rb->len, hdr, REC_HDR);
	memcpy(rb->buf + rb->len + REC_HDR, data, len);
	rb->len += REC_HDR + len;
	return (0);
}

/*
 * Write what was gathered at its offset in fd, and empty the buffer
 * (either way).  -1 when it did not all go (errno says why).
 */
int
recbuf_write(struct recbuf *rb, int fd)
{
	int	 r;

	r = pwrite_all(fd, rb->buf, rb->len, rb->off);
	rb->len = 0;
	/* A large buffer (a burst of records) is given back. */
	if (rb->size > RECBUF_KEEP)
		recbuf_free(rb);
	return (r);
}

void
recbuf_free(struct recbuf *rb)
{
	free(rb->buf);
	rb->buf = NULL;
	rb->len = rb->size = 0;
}

/* The segment of segs holding index (first <= index < durable). */
size_t
seg_find(const struct segment *segs, size_t nsegs, uint64_t index)
{
	size_t	 lo = 0, hi = nsegs - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (segs[mid].first <= index)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (lo);
}

/* fsync a directory below the data directory dirfd ("." for itself). */
int
dir_sync(int dirfd, const char *path)
{
	int	 fd, r;

	if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	r = fsync(fd);
	close(fd);
	return (r);
}

/* A directory below the data directory, to read. */
DIR *
dir_open(int dirfd, const char *path)
{
	DIR	*d;
	int	 fd;

	if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (NULL);
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return (d);
}

/* Its next name but "." and "..", or NULL. */
const char *
dir_next(DIR *d)
{
	struct dirent	*de;

	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			return (de->d_name);
	return (NULL);
}
