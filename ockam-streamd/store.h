/* SPDX-License-Identifier: ISC */
/*
 * ockam-streamd's embedded storage (doc/design.md 7): an append-only
 * log per stream, in segment files under the data directory:
 *
 *	streams/NAME/FIRST.seg	FIRST: the index of the segment's first
 *				record, 20 decimal digits
 *
 * Each record is a 24-byte header, little-endian, then its bytes:
 *
 *	u32 length  u32 crc  u64 index  u64 time (seconds since the epoch)
 *
 * crc is CRC32C over the length, the index, the time and the bytes.
 * A stream's indices are contiguous from 0: each segment starts where
 * the one before it ends, the last one is where appends go.  The last
 * one may end with zeros, written ahead of the records (store.c,
 * stream_zero()): a header of zeros ends the records.
 *
 * All paths are relative to the data directory's descriptor, and a
 * stream name is checked by streamd_name_valid() before it is one.
 */
#ifndef OCKAM_STREAMD_STORE_H
#define OCKAM_STREAMD_STORE_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REC_HDR			24	/* a record's header */
#define SEG_NAME_LEN		24	/* 20 digits, ".seg" */
#define SEG_MARK_STRIDE		64	/* an offset kept every N records */
#define SEG_MAX_DEFAULT		(8ULL << 20)
#define SEG_MAX_MIN		(4ULL << 10)
#define RECBUF_MAX		(256U << 10)	/* records written at once */
#define RECBUF_KEEP		(16U << 10)	/* kept by a stream after */
#define ZERO_MIN		(4U << 10)	/* zeros ahead of the records */
#define ZERO_MAX		(1U << 20)

struct store_conf {
	int		 dirfd;		/* the data directory */
	uint64_t	 segment_max;	/* bytes in a segment file */
	uint64_t	 retain_bytes;	/* per stream; 0: no bound */
	uint32_t	 retain_age;	/* seconds; 0: no bound */
	uint64_t	 stream_bytes;	/* hard bound per stream */
	uint32_t	 streams_max;
	/*
	 * Records from..to-1 of stream id, each already given its index
	 * by store_append(), could not be written: they are not in the
	 * stream (store_commit() wrote the records of a stream in one
	 * write).  NULL: no one to tell.
	 */
	void		 (*failed)(uint32_t, uint64_t, uint64_t);
};

/* A stream taken for an fsync in the background (store_take()). */
struct store_sync {
	uint32_t	 id;
	int		 fd;		/* -1: nothing to fsync */
	uint64_t	 next;		/* durable below it once synced */
};

/* Records appended but not written yet: where they go, their bytes. */
struct recbuf {
	uint8_t		*buf;
	size_t		 len;
	size_t		 size;
	uint64_t	 off;		/* in the file, of buf[0] */
};

/* One segment file: records first .. first + count - 1. */
struct segment {
	uint64_t	 first;
	uint64_t	 count;
	uint64_t	 size;		/* bytes, headers included */
	int64_t		 newest;	/* time of its last record */
	uint64_t	*marks;		/* offset of each STRIDE-th record */
	size_t		 nmarks;
	size_t		 marksize;
};

/* segment.c: a record and a segment file, on their own. */
uint32_t	 crc32c(uint32_t, const void *, size_t);
void		 rec_encode(uint8_t *, uint32_t, uint64_t, int64_t,
		    const void *);
int		 rec_check(const uint8_t *, uint64_t, uint32_t *, int64_t *);
int		 rec_crc_ok(const uint8_t *, const void *);
int		 seg_name_parse(const char *, uint64_t *);
void		 seg_name(char *, size_t, const char *, uint64_t);
size_t		 seg_find(const struct segment *, size_t, uint64_t);
int		 dir_sync(int, const char *);
DIR		*dir_open(int, const char *);
const char	*dir_next(DIR *);
int		 seg_mark(struct segment *, uint64_t);
int		 seg_recover(int, const char *, struct segment *);
int		 seg_zero(int, uint64_t, uint64_t);
void		 seg_free(struct segment *);
int		 recbuf_add(struct recbuf *, const uint8_t *, const void *,
		    size_t);
int		 recbuf_write(struct recbuf *, int);
void		 recbuf_free(struct recbuf *);

/* store.c: the streams. */
int		 store_init(const struct store_conf *);
void		 store_close(void);
int		 store_open(const char *, int, uint32_t *, int *, uint64_t *,
		    uint64_t *);
int		 store_append(uint32_t, const void *, size_t, uint64_t *);
void		 store_commit(void);
size_t		 store_take(struct store_sync *, size_t);
void		 store_synced(const struct store_sync *, size_t);
int		 store_read(uint32_t, uint64_t, uint64_t, uint32_t, uint32_t,
		    uint8_t *, size_t *, uint32_t *, uint64_t *, uint64_t *);
int		 store_stat(uint32_t, uint64_t *, uint64_t *, uint64_t *);
int		 store_valid_id(uint32_t);
struct streamd_list_ent;
int		 store_list(uint64_t *, struct streamd_list_ent *, uint32_t *,
		    uint32_t *);
void		 store_retain(time_t);

#endif /* OCKAM_STREAMD_STORE_H */
