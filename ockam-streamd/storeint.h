/* SPDX-License-Identifier: ISC */
/*
 * The streams of ockam-streamd's embedded storage as store.c keeps
 * them, for the files that read them (storeread.c).
 */
#ifndef OCKAM_STREAMD_STOREINT_H
#define OCKAM_STREAMD_STOREINT_H

#include <stdint.h>

#include "store.h"
#include "streamd.h"

struct stream {
	char		 name[STREAMD_NAME_MAX];
	struct segment	*segs;		/* oldest first; the last is written */
	size_t		 nsegs;
	uint64_t	 first;
	uint64_t	 next;
	uint64_t	 durable;	/* records below it are on disk */
	uint64_t	 bytes;
	int		 wfd;		/* the last segment's, or -1 */
	uint64_t	 zeroed;	/* ... file's size: zeros after sg->size */
	uint64_t	 zstep;		/* zeros written ahead the next time */
	int		 nozero;	/* writing them failed in this segment */
	uint64_t	 used;		/* tick of the last use of wfd */
	int		 dirty;
	struct stream	*dirty_next;
	uint64_t	 cur_index;	/* the next record of the last read */
	uint64_t	 cur_off;	/* ... is at this offset */
	uint64_t	 cur_seg;	/* ... of the segment starting there */
	uint32_t	 id;
	struct recbuf	 wb;		/* gathered, in the last segment */
	uint64_t	 wb_count;	/* ... which had this count, */
	int64_t		 wb_newest;	/* newest and marks before them */
	size_t		 wb_nmarks;
};

extern struct store_conf	 store_sc;
extern struct stream		**streams;	/* by id - 1 */
extern uint32_t			 nstreams;

int	stream_wfd(struct stream *);

#endif /* OCKAM_STREAMD_STOREINT_H */
