/* SPDX-License-Identifier: ISC */
/*
 * Growable write buffers and bounded read cursors.
 *
 * Both keep a sticky error: once an operation fails, every later one
 * fails too, so a caller may build or parse a whole message and check
 * once at the end.
 */
#ifndef OCKAM_BUF_H
#define OCKAM_BUF_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct ibuf {
	TAILQ_ENTRY(ibuf)	 entry;
	unsigned char		*buf;
	size_t			 size;	/* bytes allocated */
	size_t			 max;	/* most bytes it may ever hold */
	size_t			 wpos;	/* bytes written into it */
	size_t			 rpos;	/* bytes already sent (imsg) */
	int			 fd;	/* fd to pass with it, or -1 */
	int			 err;	/* sticky: a write failed */
};

struct ibuf	*ibuf_open(size_t, size_t);
void		 ibuf_free(struct ibuf *);
void		*ibuf_take(struct ibuf *, size_t *);
struct ibuf	*ibuf_wrap(void *, size_t);
int		 ibuf_add(struct ibuf *, const void *, size_t);
int		 ibuf_add_u8(struct ibuf *, uint8_t);
int		 ibuf_add_h32(struct ibuf *, uint32_t);
int		 ibuf_add_h64(struct ibuf *, uint64_t);
int		 ibuf_add_n16(struct ibuf *, uint16_t);
int		 ibuf_add_n64(struct ibuf *, uint64_t);
int		 ibuf_add_uvarint(struct ibuf *, uint64_t);
int		 ibuf_add_bare(struct ibuf *, const void *, size_t);
int		 ibuf_add_string(struct ibuf *, const char *);
void		*ibuf_reserve(struct ibuf *, size_t);
int		 ibuf_set_h32(struct ibuf *, size_t, uint32_t);
void		*ibuf_data(const struct ibuf *);
size_t		 ibuf_size(const struct ibuf *);
int		 ibuf_error(const struct ibuf *);

/* Encoded size of a BARE uint. */
size_t		 uvarint_len(uint64_t);

struct cursor {
	const unsigned char	*p;
	size_t			 left;
	int			 err;
};

void		 cur_init(struct cursor *, const void *, size_t);
uint8_t		 cur_u8(struct cursor *);
uint16_t	 cur_n16(struct cursor *);
uint32_t	 cur_h32(struct cursor *);
uint64_t	 cur_h64(struct cursor *);
uint64_t	 cur_n64(struct cursor *);
uint64_t	 cur_uvarint(struct cursor *);
const void	*cur_bytes(struct cursor *, size_t);
const void	*cur_bare(struct cursor *, size_t *, size_t);
int		 cur_string(struct cursor *, char *, size_t);
int		 cur_ok(const struct cursor *);
int		 cur_end(const struct cursor *);

#endif /* OCKAM_BUF_H */
