/* SPDX-License-Identifier: ISC */
/* ockam-streamd's connection to Redis (redisconn.c), for redis.c. */
#ifndef OCKAM_STREAMD_REDISCONN_H
#define OCKAM_STREAMD_REDISCONN_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define RCONN_SCRIPTS_MAX	8

struct streamd_conf;

int		 rconn_init(const struct streamd_conf *, const char *const *,
		    size_t, void (*)(void), void (*)(void));
void		 rconn_close(void);
int		 rconn_up(void);
void		 rconn_lost(const char *);
redisReply	*rconn_call(int, const char **, const size_t *);
int		 rconn_send(int, int, const char **, const size_t *, int);
redisReply	*rconn_run(int, int, const char **, const size_t *, int);
redisReply	*rconn_reply(void);
int		 parse_index(const char *, size_t, const char *, uint64_t *);
int		 reply_index(const redisReply *, uint64_t *);
int		 reply_bad(redisReply *, const char *);

#endif /* OCKAM_STREAMD_REDISCONN_H */
