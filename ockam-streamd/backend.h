/* SPDX-License-Identifier: ISC */
/*
 * What streamd.c asks of its storage, whichever it is: the embedded
 * log (embedded.c over store.c and offsets.c) or Redis Streams
 * (redis.c).  routed never knows which one runs: both answer the
 * requests of lib/streamd.h the same way.
 *
 * append() takes one record and the answer to fill; the answer is
 * final only once commit() has returned (the embedded log fills it at
 * once and makes it durable in commit(); Redis sends the appends in
 * one pipeline and reads their results in commit()), and it must stay
 * where it is until then.  The other calls answer at once.
 */
#ifndef OCKAM_STREAMD_BACKEND_H
#define OCKAM_STREAMD_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct streamd_append;
struct streamd_list_ent;

struct store_backend {
	const char	*name;
	void		 (*close)(void);
	int		 (*open)(const char *, int, uint32_t *, int *,
			    uint64_t *, uint64_t *);
	void		 (*append)(uint32_t, const void *, size_t,
			    struct streamd_append *);
	void		 (*commit)(void);
	int		 (*read)(uint32_t, uint64_t, uint64_t, uint32_t,
			    uint32_t, uint8_t *, size_t *, uint32_t *,
			    uint64_t *, uint64_t *);
	int		 (*stat)(uint32_t, uint64_t *, uint64_t *,
			    uint64_t *);
	int		 (*valid_id)(uint32_t);
	int		 (*list)(uint64_t *, struct streamd_list_ent *,
			    uint32_t *, uint32_t *);
	void		 (*retain)(time_t);
	int		 (*save)(const char *, const char *, uint64_t);
	int		 (*get)(const char *, const char *, uint64_t *);
	int		 (*dirty)(void);
	int		 (*flush)(void);
	uint64_t	 (*offsets_size)(void);
	void		 (*offsets_close)(void);
};

extern const struct store_backend	store_embedded;
extern const struct store_backend	store_redis;

/* redis.c */
struct streamd_conf;
int	redis_init(const struct streamd_conf *);

/* redislist.c */
int	redis_list(uint64_t *, struct streamd_list_ent *, uint32_t *,
	    uint32_t *);

#endif /* OCKAM_STREAMD_BACKEND_H */
