/* SPDX-License-Identifier: ISC */
/*
 * The streams of ockam-streamd (store.h): each a directory of segment
 * files, found and checked at start-up, appended to, read by index,
 * trimmed by retention.
 *
 * Durability: store_append() gathers a record (up to RECBUF_MAX bytes
 * of them, then they are written); store_commit() writes what each
 * stream gathered with one call and fsyncs every stream written since
 * the last commit, once, and only then are the records confirmed and
 * readable (a reader never sees a record a crash could take back).  A
 * failed fsync is fatal: after it the kernel may have dropped the pages
 * it could not write, and what is on disk is known again only by the
 * scan at the next start (PostgreSQL's lesson).
 * A failed write (a full disk) is cut off, and the records it held are
 * taken back and said (store_conf's failed()): answered STREAMD_ERR_IO.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "storeint.h"
#include "streamd.h"
#include "util.h"

#define STORE_FDS_MAX	256	/* write descriptors kept open */

struct store_conf		 store_sc;
struct stream			**streams;	/* by id - 1 */
uint32_t			 nstreams;
static struct stream		*dirty_list;
static int			 nwfds;
static uint64_t			 tick;

static void	stream_unzero(struct stream *);

static void
stream_path(char *buf, size_t size, const char *name)
{
	if ((size_t)snprintf(buf, size, "streams/%s", name) >= size)
		fatalx("stream path too long");
}

static void
stream_close_wfd(struct stream *s)
{
	if (s->wfd == -1)
		return;
	close(s->wfd);
	s->wfd = -1;
	nwfds--;
}

/* Room for one more write descriptor: the least used clean one goes. */
static void
wfd_room(void)
{
	struct stream	*old = NULL;
	uint32_t	 i;

	if (nwfds < STORE_FDS_MAX)
		return;
	for (i = 0; i < nstreams; i++)
		if (streams[i]->wfd != -1 && !streams[i]->dirty &&
		    (old == NULL || streams[i]->used < old->used))
			old = streams[i];
	if (old != NULL)
		stream_close_wfd(old);
}

/* The last segment's descriptor, opened when it is not. */
int
stream_wfd(struct stream *s)
{
	char	 path[PATH_MAX];

	s->used = ++tick;
	if (s->wfd != -1)
		return (s->wfd);
	wfd_room();
	seg_name(path, sizeof(path), s->name, s->segs[s->nsegs - 1].first);
	if ((s->wfd = openat(store_sc.dirfd, path, O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	nwfds++;
	return (s->wfd);
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct segment	*x = a, *y = b;

	return (x->first < y->first ? -1 : x->first > y->first);
}

/*
 * Remove segment i and those after it: they cannot be read any more.
 * One line says which.
 */
static void
stream_cut(struct stream *s, size_t i, const char *why)
{
	char	 path[PATH_MAX];

	log_warnx("stream %s: %zu segment%s from %020llu removed: %s",
	    s->name, s->nsegs - i, s->nsegs - i > 1 ? "s" : "",
	    (unsigned long long)s->segs[i].first, why);
	for (; s->nsegs > i; s->nsegs--) {
		seg_name(path, sizeof(path), s->name,
		    s->segs[s->nsegs - 1].first);
		if (unlinkat(store_sc.dirfd, path, 0) == -1)
			log_warn("stream %s: unlink %s", s->name, path);
		seg_free(&s->segs[s->nsegs - 1]);
	}
}

/* A new, empty last segment starting at s->next. */
static int
stream_new_seg(struct stream *s)
{
	struct segment	*sg;
	char		 path[PATH_MAX];
	int		 fd;

	if ((sg = reallocarray(s->segs, s->nsegs + 1, sizeof(*sg))) == NULL)
		return (-1);
	s->segs = sg;
	stream_close_wfd(s);
	wfd_room();
	seg_name(path, sizeof(path), s->name, s->next);
	if ((fd = openat(store_sc.dirfd, path, O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1)
		return (-1);
	s->wfd = fd;
	nwfds++;
	s->zeroed = 0;
	s->nozero = 0;
	sg = &s->segs[s->nsegs++];
	memset(sg, 0, sizeof(*sg));
	sg->first = s->next;
	stream_path(path, sizeof(path), s->name);
	if (dir_sync(store_sc.dirfd, path) == -1)
		fatal("stream %s: fsync of its directory", s->name);
	return (0);
}

/*
 * Read the segment names of a stream's directory, sorted.  Files that
 * are not segments are left alone (and said).
 */
static int
stream_list(struct stream *s)
{
	char		 path[PATH_MAX];
	const char	*name;
	DIR		*d;
	struct segment	*sg;
	uint64_t	 first;

	stream_path(path, sizeof(path), s->name);
	if ((d = dir_open(store_sc.dirfd, path)) == NULL)
		return (-1);
	while ((name = dir_next(d)) != NULL) {
		if (seg_name_parse(name, &first) == -1) {
			log_warnx("stream %s: %s is not a segment: left alone",
			    s->name, name);
			continue;
		}
		if ((sg = reallocarray(s->segs, s->nsegs + 1,
		    sizeof(*sg))) == NULL) {
			closedir(d);
			return (-1);
		}
		s->segs = sg;
		memset(&sg[s->nsegs], 0, sizeof(*sg));
		sg[s->nsegs++].first = first;
	}
	closedir(d);
	if (s->nsegs > 0)
		qsort(s->segs, s->nsegs, sizeof(*s->segs), seg_cmp);
	return (0);
}

/* Check every segment of a stream; cut what cannot follow. */
static int
stream_recover(struct stream *s)
{
	char		 path[PATH_MAX], what[PATH_MAX + 32];
	struct segment	*sg;
	size_t		 i;
	int		 fd, r;

	for (i = 0; i < s->nsegs; i++) {
		sg = &s->segs[i];
		if (i > 0 && sg->first != sg[-1].first + sg[-1].count) {
			stream_cut(s, i, "it does not follow the one before");
			break;
		}
		seg_name(path, sizeof(path), s->name, sg->first);
		if ((fd = openat(store_sc.dirfd, path,
		    O_RDWR | O_CLOEXEC)) == -1)
			return (-1);
		snprintf(what, sizeof(what), "stream %s: segment %020llu",
		    s->name, (unsigned long long)sg->first);
		r = seg_recover(fd, what, sg);
		close(fd);
		if (r == -1)
			return (-1);
		s->bytes += sg->size;
		if (r == 1 && i + 1 < s->nsegs) {
			stream_cut(s, i + 1, "a segment before it was cut");
			break;
		}
	}
	return (0);
}

static void
stream_free(struct stream *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	stream_close_wfd(s);
	for (i = 0; i < s->nsegs; i++)
		seg_free(&s->segs[i]);
	free(s->segs);
	recbuf_free(&s->wb);
	free(s);
}

/*
 * Load a stream from its directory, creating it (with an empty first
 * segment) when create is set and it has none.  Returns a STREAMD_*
 * status; *sp is the stream when STREAMD_OK.
 */
static int
stream_load(const char *name, int create, int *existed, struct stream **sp)
{
	struct stream	*s;
	char		 path[PATH_MAX];
	struct segment	*last;

	if (nstreams >= store_sc.streams_max)
		return (STREAMD_ERR_LIMIT);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (STREAMD_ERR_IO);
	strlcpy(s->name, name, sizeof(s->name));
	s->wfd = -1;
	stream_path(path, sizeof(path), name);
	*existed = 1;
	if (create && mkdirat(store_sc.dirfd, path, 0700) == 0) {
		*existed = 0;
		if (dir_sync(store_sc.dirfd, "streams") == -1)
			fatal("fsync of the streams directory");
	} else if (create && errno != EEXIST) {
		log_warn("stream %s: mkdir", name);
		goto fail;
	}
	if (stream_list(s) == -1) {
		if (!create && errno == ENOENT) {
			*existed = 0;
			stream_free(s);
			return (STREAMD_ERR_NOTFOUND);
		}
		log_warn("stream %s", name);
		goto fail;
	}
	if (stream_recover(s) == -1) {
		log_warn("stream %s", name);
		goto fail;
	}
	if (s->nsegs == 0 && !create) {
		*existed = 0;
		stream_free(s);
		return (STREAMD_ERR_NOTFOUND);
	}
	if (s->nsegs == 0) {
		*existed = 0;
		if (stream_new_seg(s) == -1) {
			log_warn("stream %s: first segment", name);
			goto fail;
		}
	}
	last = &s->segs[s->nsegs - 1];
	s->first = s->segs[0].first;
	s->next = s->durable = last->first + last->count;
	s->zeroed = last->size;
	s->zstep = ZERO_MIN;
	streams[nstreams++] = s;
	s->id = nstreams;
	*sp = s;
	return (STREAMD_OK);
fail:
	stream_free(s);
	return (STREAMD_ERR_IO);
}

/* Drop whole segments, oldest first, past the retention bounds. */
static void
stream_trim(struct stream *s, time_t now)
{
	char		 path[PATH_MAX];
	struct segment	*sg;

	while (s->nsegs > 1) {
		sg = &s->segs[0];
		if (!(store_sc.retain_bytes != 0 &&
		    s->bytes > store_sc.retain_bytes) &&
		    !(store_sc.retain_age != 0 &&
		    sg->newest + (int64_t)store_sc.retain_age < (int64_t)now))
			break;
		seg_name(path, sizeof(path), s->name, sg->first);
		if (unlinkat(store_sc.dirfd, path, 0) == -1) {
			log_warn("stream %s: retention: unlink %s", s->name,
			    path);
			break;
		}
		log_debug("stream %s: retention dropped records %llu to %llu",
		    s->name, (unsigned long long)sg->first,
		    (unsigned long long)(sg->first + sg->count - 1));
		s->bytes -= sg->size;
		seg_free(sg);
		memmove(sg, sg + 1, (s->nsegs - 1) * sizeof(*sg));
		s->nsegs--;
		s->first = s->segs[0].first;
	}
}

static struct stream *
stream_by_name(const char *name)
{
	uint32_t	 i;

	for (i = 0; i < nstreams; i++)
		if (strcmp(streams[i]->name, name) == 0)
			return (streams[i]);
	return (NULL);
}

/*
 * Every stream under the data directory, checked (what is torn is cut
 * off, and said), up to streams_max of them.
 */
int
store_init(const struct store_conf *conf)
{
	const char	*name;
	struct stream	*s;
	DIR		*d;
	char		 example[STREAMD_NAME_MAX];
	uint32_t	 invalid = 0, over = 0;
	int		 existed;

	store_sc = *conf;
	if (store_sc.segment_max < SEG_MAX_MIN)
		store_sc.segment_max = SEG_MAX_MIN;
	if ((streams = calloc(store_sc.streams_max, sizeof(*streams))) == NULL)
		return (-1);
	if (mkdirat(store_sc.dirfd, "streams", 0700) == -1 && errno != EEXIST)
		return (-1);
	if ((d = dir_open(store_sc.dirfd, "streams")) == NULL)
		return (-1);
	while ((name = dir_next(d)) != NULL) {
		if (!streamd_name_valid(name, strlen(name))) {
			if (invalid++ == 0) {
				strlcpy(example, name, sizeof(example));
				if (!printable_word(example, sizeof(example)))
					strlcpy(example, "?", sizeof(example));
			}
			continue;
		}
		switch (stream_load(name, 0, &existed, &s)) {
		case STREAMD_OK:
			log_debug("stream %s: records %llu to %llu",
			    s->name, (unsigned long long)s->first,
			    (unsigned long long)s->next);
			break;
		case STREAMD_ERR_LIMIT:
			over++;
			break;
		case STREAMD_ERR_NOTFOUND:
			break;
		default:
			closedir(d);
			return (-1);
		}
	}
	closedir(d);
	/* One line each, however many there are. */
	if (invalid > 0)
		log_warnx("streams/: %u entr%s not a stream name (such as "
		    "\"%s\"): left alone", invalid, invalid > 1 ? "ies are" :
		    "y is", example);
	if (over > 0)
		log_warnx("streams/: %u stream%s over the limit of %u "
		    "streams: not loaded, not listed", over, over > 1 ? "s" : "",
		    store_sc.streams_max);
	return (0);
}

void
store_close(void)
{
	uint32_t	 i;

	store_commit();
	for (i = 0; i < nstreams; i++) {
		stream_unzero(streams[i]);
		stream_free(streams[i]);
	}
	free(streams);
	streams = NULL;
	nstreams = 0;
}

int
store_valid_id(uint32_t id)
{
	return (id >= 1 && id <= nstreams);
}

/* The name is valid (streamd_name_valid()). */
int
store_open(const char *name, int create, uint32_t *id, int *existed,
    uint64_t *first, uint64_t *next)
{
	struct stream	*s;
	uint32_t	 i;
	int		 r;

	*existed = 1;
	if ((s = stream_by_name(name)) == NULL &&
	    (r = stream_load(name, create, existed, &s)) != STREAMD_OK)
		return (r);
	for (i = 0; streams[i] != s; i++)
		;
	*id = i + 1;
	*first = s->first;
	*next = s->durable;
	return (STREAMD_OK);
}

/*
 * Zeros ahead of the records written up to end, when those went past
 * the file's end: zstep bytes of them (doubling from ZERO_MIN up to
 * ZERO_MAX), to a page, within the segment's bound.  The fsync that
 * confirms these records commits the file's new size once; the records
 * after them are written over zeros, and their fsyncs write data
 * blocks alone, no metadata (doc/design.md 7).  When the zeros cannot
 * be written, the file ends with the records, as without them.
 */
static void
stream_zero(struct stream *s, int fd, uint64_t end)
{
	uint64_t	 to;

	if (end <= s->zeroed)
		return;
	s->zeroed = end;
	to = (end + s->zstep + ZERO_MIN - 1) & ~(uint64_t)(ZERO_MIN - 1);
	if (to > store_sc.segment_max)
		to = store_sc.segment_max;
	if (s->nozero || to <= end)
		return;
	if (seg_zero(fd, end, to) == -1) {
		log_warn("stream %s: zeros ahead of its records", s->name);
		s->nozero = 1;
		if (ftruncate(fd, (off_t)end) == -1)
			fatal("stream %s: cannot cut zeros off", s->name);
		return;
	}
	s->zeroed = to;
	if (s->zstep < ZERO_MAX)
		s->zstep *= 2;
}

/*
 * The zeros after the last segment's records cut off; said when they
 * cannot be (the next start cuts them, silently).
 */
static void
stream_unzero(struct stream *s)
{
	uint64_t	 size = s->segs[s->nsegs - 1].size;
	int		 fd;

	if (s->zeroed <= size)
		return;
	if ((fd = stream_wfd(s)) == -1 || ftruncate(fd, (off_t)size) == -1) {
		log_warn("stream %s: cutting off the zeros after its records",
		    s->name);
		return;
	}
	s->zeroed = size;
}

/*
 * Write the records gathered.  When they do not all go, what went is
 * cut off, the stream is as it was before them, and failed() says
 * which they were.
 */
static int
stream_flush(struct stream *s)
{
	struct segment	*sg = &s->segs[s->nsegs - 1];
	uint64_t	 from, end = s->wb.off + s->wb.len;
	int		 fd;

	if (s->wb.len == 0)
		return (0);
	if ((fd = stream_wfd(s)) != -1 && recbuf_write(&s->wb, fd) == 0) {
		stream_zero(s, fd, end);
		return (0);
	}
	log_warn("stream %s: write", s->name);
	s->wb.len = 0;
	if (fd != -1 && ftruncate(fd, (off_t)s->wb.off) == -1)
		fatal("stream %s: cannot cut a failed write off", s->name);
	if (fd != -1)
		s->zeroed = s->wb.off;
	from = sg->first + s->wb_count;
	s->bytes -= sg->size - s->wb.off;
	sg->size = s->wb.off;
	sg->count = s->wb_count;
	sg->newest = s->wb_newest;
	sg->nmarks = s->wb_nmarks;
	if (store_sc.failed != NULL)
		store_sc.failed(s->id, from, s->next);
	s->next = from;
	return (-1);
}

/* The segment is full: make it durable and start another. */
static int
stream_roll(struct stream *s, time_t now)
{
	if (stream_flush(s) == -1)
		return (-1);
	stream_unzero(s);
	if (s->wfd != -1 && fdatasync(s->wfd) == -1)
		fatal("stream %s: fsync", s->name);
	s->durable = s->next;
	if (stream_new_seg(s) == -1) {
		log_warn("stream %s: new segment", s->name);
		return (-1);
	}
	stream_trim(s, now);
	return (0);
}

/*
 * Gather one record; it is written and confirmed by the next
 * store_commit(), or said failed (store_conf) if it cannot be written.
 */
int
store_append(uint32_t id, const void *data, size_t len, uint64_t *index)
{
	struct stream	*s = streams[id - 1];
	struct segment	*sg;
	uint8_t		 hdr[REC_HDR];
	uint64_t	 reclen = REC_HDR + len;
	time_t		 now = time(NULL);

	if (len == 0 || len > STREAMD_DATA_MAX)
		fatalx("store_append: record of %zu bytes", len);
	sg = &s->segs[s->nsegs - 1];
	if (sg->count > 0 && sg->size + reclen > store_sc.segment_max &&
	    stream_roll(s, now) == -1)
		return (STREAMD_ERR_IO);
	if (s->bytes + reclen > store_sc.stream_bytes)
		stream_trim(s, now);
	if (s->bytes + reclen > store_sc.stream_bytes)
		return (STREAMD_ERR_LIMIT);
	sg = &s->segs[s->nsegs - 1];
	if (stream_wfd(s) == -1) {
		log_warn("stream %s: open", s->name);
		return (STREAMD_ERR_IO);
	}
	if (s->wb.len + reclen > RECBUF_MAX && stream_flush(s) == -1)
		return (STREAMD_ERR_IO);
	if (s->wb.len == 0) {
		s->wb.off = sg->size;
		s->wb_count = sg->count;
		s->wb_newest = sg->newest;
		s->wb_nmarks = sg->nmarks;
	}
	rec_encode(hdr, (uint32_t)len, s->next, (int64_t)now, data);
	if (recbuf_add(&s->wb, hdr, data, len) == -1) {
		log_warn("stream %s: append", s->name);
		return (STREAMD_ERR_IO);
	}
	if (seg_mark(sg, sg->size) == -1)
		fatal("stream %s: marks", s->name);
	sg->count++;
	sg->size += reclen;
	sg->newest = now;
	s->bytes += reclen;
	*index = s->next++;
	if (!s->dirty) {
		s->dirty = 1;
		s->dirty_next = dirty_list;
		dirty_list = s;
	}
	return (STREAMD_OK);
}

/* One write and one fsync per stream appended to since the last commit. */
void
store_commit(void)
{
	struct stream	*s;

	while ((s = dirty_list) != NULL) {
		dirty_list = s->dirty_next;
		s->dirty = 0;
		(void)stream_flush(s);
		/* No descriptor: a new segment failed, the full one synced. */
		if (s->wfd != -1 && fdatasync(s->wfd) == -1)
			fatal("stream %s: fsync", s->name);
		s->durable = s->next;
	}
}

/*
 * A commit in the background (streamd.c, syncer.c): each stream
 * appended to since the last commit has its records written and is
 * taken, with its descriptor and the index its fsync makes durable
 * (store_synced() once it is done).  None is taken, 0, when more than
 * max are waiting: store_commit() then.  A descriptor closed meanwhile
 * is harmless: the fsync in flight holds the file.
 */
size_t
store_take(struct store_sync *out, size_t max)
{
	struct stream	*s;
	size_t		 n = 0;

	for (s = dirty_list; s != NULL; s = s->dirty_next)
		if (++n > max)
			return (0);
	n = 0;
	while ((s = dirty_list) != NULL) {
		dirty_list = s->dirty_next;
		s->dirty = 0;
		(void)stream_flush(s);
		out[n].id = s->id;
		out[n].fd = s->wfd;
		out[n++].next = s->next;
	}
	return (n);
}

/* The fsyncs of what store_take() gave are done. */
void
store_synced(const struct store_sync *ss, size_t n)
{
	struct stream	*s;
	size_t		 i;

	for (i = 0; i < n; i++) {
		s = streams[ss[i].id - 1];
		if (ss[i].next > s->durable)
			s->durable = ss[i].next;
	}
}

/* Retention by age, for every stream (by size, at each new segment). */
void
store_retain(time_t now)
{
	uint32_t	 i;

	for (i = 0; i < nstreams; i++)
		stream_trim(streams[i], now);
}
