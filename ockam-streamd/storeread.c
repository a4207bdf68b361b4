/* SPDX-License-Identifier: ISC */
/*
 * Reading the embedded storage's streams (store.h): records by index,
 * found from the marks of their segment (a record every
 * SEG_MARK_STRIDE), and the listing and numbers of the streams.  Only
 * records a commit made durable are read.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "storeint.h"
#include "streamd.h"

/* A descriptor to read segment i from: the write one for the last. */
static int
seg_rfd(struct stream *s, size_t i)
{
	char	 path[PATH_MAX];

	if (i == s->nsegs - 1)
		return (stream_wfd(s));
	seg_name(path, sizeof(path), s->name, s->segs[i].first);
	return (openat(store_sc.dirfd, path, O_RDONLY | O_CLOEXEC));
}

/* The offset of record index in segment i (fd open on it). */
static int
seg_seek(struct stream *s, size_t i, int fd, uint64_t index, uint64_t *off)
{
	struct segment	*sg = &s->segs[i];
	uint8_t		 hdr[REC_HDR];
	uint64_t	 at, k;
	uint32_t	 len;
	int64_t		 when;

	if (s->cur_seg == sg->first && s->cur_index == index &&
	    s->cur_off != 0) {
		*off = s->cur_off;
		return (0);
	}
	k = (index - sg->first) / SEG_MARK_STRIDE;
	at = sg->marks[k];
	for (k = sg->first + k * SEG_MARK_STRIDE; k < index; k++) {
		if (pread(fd, hdr, REC_HDR, (off_t)at) != REC_HDR ||
		    rec_check(hdr, k, &len, &when) == -1)
			return (-1);
		at += REC_HDR + len;
	}
	*off = at;
	return (0);
}

/*
 * Read records from index (or the oldest kept) into buf (bufsize
 * bytes), each a uint32_t length and its bytes: at most limit and
 * STREAMD_READ_COUNT records, each costing its length plus overhead,
 * all of them at most budget (streamd.h): buf has STREAMD_READ_MAX
 * bytes, which budget and overhead (checked by the caller) keep it in.
 */
int
store_read(uint32_t id, uint64_t index, uint64_t limit, uint32_t budget,
    uint32_t overhead, uint8_t *buf, size_t *used, uint32_t *count,
    uint64_t *first, uint64_t *next)
{
	struct stream	*s = streams[id - 1];
	uint8_t		 hdr[REC_HDR];
	uint64_t	 off, cost = 0, end;
	uint32_t	 len;
	int64_t		 when;
	size_t		 i;
	int		 fd = -1, status = STREAMD_OK;

	if (budget > STREAMD_READ_MAX || overhead < sizeof(len))
		fatalx("store_read: budget %u, overhead %u", budget, overhead);
	*used = 0;
	*count = 0;
	if (index < s->first)
		index = s->first;
	*first = index;
	*next = s->durable;
	if (index >= s->durable || limit == 0)
		return (STREAMD_OK);
	i = seg_find(s->segs, s->nsegs, index);
	if ((fd = seg_rfd(s, i)) == -1 ||
	    seg_seek(s, i, fd, index, &off) == -1)
		goto ioerr;
	while (index < s->durable && *count < limit &&
	    *count < STREAMD_READ_COUNT) {
		end = s->segs[i].first + s->segs[i].count;
		if (index == end) {
			if (i != s->nsegs - 1)
				close(fd);
			i++;
			off = 0;
			if ((fd = seg_rfd(s, i)) == -1)
				goto ioerr;
			continue;
		}
		if (pread(fd, hdr, REC_HDR, (off_t)off) != REC_HDR ||
		    rec_check(hdr, index, &len, &when) == -1)
			goto ioerr;
		if (cost + len + overhead > budget)
			break;
		memcpy(buf + *used, &len, sizeof(len));
		if (pread(fd, buf + *used + sizeof(len), len,
		    (off_t)(off + REC_HDR)) != (ssize_t)len ||
		    !rec_crc_ok(hdr, buf + *used + sizeof(len)))
			goto ioerr;
		*used += sizeof(len) + len;
		cost += len + overhead;
		off += REC_HDR + len;
		index++;
		(*count)++;
	}
	s->cur_seg = s->segs[i].first;
	s->cur_index = index;
	s->cur_off = off;
	if (*count == 0 && index < s->durable)
		status = STREAMD_ERR_BIG;
	goto out;
ioerr:
	log_warnx("stream %s: record %llu cannot be read: disk error or "
	    "corrupt record", s->name, (unsigned long long)index);
	s->cur_off = 0;
	*used = 0;
	*count = 0;
	status = STREAMD_ERR_IO;
out:
	if (fd != -1 && i != s->nsegs - 1)
		close(fd);
	return (status);
}

/*
 * The streams from *cursor (0 for the first) on, up to
 * STREAMD_LIST_COUNT into ents; *cursor then says where the next
 * listing goes on, 0 at the end (streamd.h LIST).
 */
int
store_list(uint64_t *cursor, struct streamd_list_ent *ents, uint32_t *count,
    uint32_t *cut)
{
	struct streamd_list_ent	*e;
	uint64_t		 i;

	*count = *cut = 0;
	for (i = *cursor; i < nstreams && *count < STREAMD_LIST_COUNT; i++) {
		e = &ents[(*count)++];
		memset(e, 0, sizeof(*e));
		strlcpy(e->name, streams[i]->name, sizeof(e->name));
		e->first = streams[i]->first;
		e->next = streams[i]->durable;
		e->bytes = streams[i]->bytes;
	}
	*cursor = i < nstreams ? i : 0;
	return (STREAMD_OK);
}

int
store_stat(uint32_t id, uint64_t *first, uint64_t *next, uint64_t *bytes)
{
	struct stream	*s = streams[id - 1];

	*first = s->first;
	*next = s->durable;
	*bytes = s->bytes;
	return (STREAMD_OK);
}

