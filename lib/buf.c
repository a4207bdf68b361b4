/* SPDX-License-Identifier: ISC */
/*
 * Growable write buffers and bounded read cursors.
 *
 * An ibuf holds at most b->max bytes.  It starts with the initial
 * allocation and doubles as needed up to max.  A cursor reads from a
 * fixed span and never looks past its end.  Both have a sticky error:
 * after the first failure every later call fails as well.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

static int	 ibuf_fail(struct ibuf *, int);
static int	 ibuf_grow(struct ibuf *, size_t);

/* A cursor over nothing points here so cur_bytes never returns NULL. */
static const unsigned char cur_empty[1];

/*
 * Open a buffer with room for initial bytes that may grow to max bytes.
 * A max of 0 makes a fixed-size buffer of initial bytes.
 */
struct ibuf *
ibuf_open(size_t initial, size_t max)
{
	struct ibuf	*b;

	if (max == 0)
		max = initial;
	if (initial > max) {
		errno = EINVAL;
		return (NULL);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	/* Always allocate something so ibuf_data() is never NULL. */
	if ((b->buf = calloc(1, initial > 0 ? initial : 1)) == NULL) {
		free(b);
		return (NULL);
	}
	b->size = initial;
	b->max = max;
	b->fd = -1;
	return (b);
}

void
ibuf_free(struct ibuf *b)
{
	int	 saved_errno;

	if (b == NULL)
		return;
	saved_errno = errno;
	if (b->fd >= 0)
		close(b->fd);
	freezero(b->buf, b->size > 0 ? b->size : 1);
	freezero(b, sizeof(*b));
	errno = saved_errno;
}

/*
 * An ibuf over data, len bytes all written, which it takes over:
 * ibuf_free() wipes and frees it.  On failure data is not taken.
 */
struct ibuf *
ibuf_wrap(void *data, size_t len)
{
	struct ibuf	*b;

	if (data == NULL || len == 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	b->buf = data;
	b->size = b->max = b->wpos = len;
	b->fd = -1;
	return (b);
}

/*
 * Take the bytes out of b and free it: the caller owns what is returned
 * (*len bytes written; the rest of the allocation, if any, was never
 * written and is zero).  NULL when b failed or carries a descriptor;
 * b is freed in every case.
 */
void *
ibuf_take(struct ibuf *b, size_t *len)
{
	unsigned char	*p;

	*len = 0;
	if (b == NULL)
		return (NULL);
	if (b->err != 0 || b->fd >= 0) {
		ibuf_free(b);
		errno = EINVAL;
		return (NULL);
	}
	p = b->buf;
	*len = b->wpos;
	freezero(b, sizeof(*b));
	return (p);
}

/* Record the first error and report failure with errno set. */
static int
ibuf_fail(struct ibuf *b, int error)
{
	if (b->err == 0)
		b->err = error;
	errno = b->err;
	return (-1);
}

/* Make room for n more bytes after wpos. */
static int
ibuf_grow(struct ibuf *b, size_t n)
{
	unsigned char	*nbuf;
	size_t		 need, nsize;

	if (b->err != 0)
		return (ibuf_fail(b, b->err));
	if (n > b->max - b->wpos)
		return (ibuf_fail(b, ERANGE));
	need = b->wpos + n;
	if (need <= b->size)
		return (0);

	nsize = b->size > 0 ? b->size : 64;
	while (nsize < need) {
		if (nsize > SIZE_MAX / 2) {
			nsize = need;
			break;
		}
		nsize *= 2;
	}
	if (nsize > b->max)
		nsize = b->max;

	/* Copy by hand so no stale copy of the contents is left behind. */
	if ((nbuf = calloc(1, nsize)) == NULL)
		return (ibuf_fail(b, ENOMEM));
	memcpy(nbuf, b->buf, b->wpos);
	freezero(b->buf, b->size > 0 ? b->size : 1);
	b->buf = nbuf;
	b->size = nsize;
	return (0);
}

int
ibuf_add(struct ibuf *b, const void *data, size_t len)
{
	if (ibuf_grow(b, len) == -1)
		return (-1);
	if (len > 0) {
		memcpy(b->buf + b->wpos, data, len);
		b->wpos += len;
	}
	return (0);
}

int
ibuf_add_u8(struct ibuf *b, uint8_t v)
{
	return (ibuf_add(b, &v, sizeof(v)));
}

int
ibuf_add_h32(struct ibuf *b, uint32_t v)
{
	return (ibuf_add(b, &v, sizeof(v)));
}

int
ibuf_add_h64(struct ibuf *b, uint64_t v)
{
	return (ibuf_add(b, &v, sizeof(v)));
}

int
ibuf_add_n16(struct ibuf *b, uint16_t v)
{
	unsigned char	 p[2];

	p[0] = v >> 8;
	p[1] = v & 0xff;
	return (ibuf_add(b, p, sizeof(p)));
}

int
ibuf_add_n64(struct ibuf *b, uint64_t v)
{
	unsigned char	 p[8];
	int		 i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
	return (ibuf_add(b, p, sizeof(p)));
}

/* BARE uint: unsigned LEB128, always the minimal encoding. */
int
ibuf_add_uvarint(struct ibuf *b, uint64_t v)
{
	unsigned char	 p[10];
	size_t		 n = 0;

	do {
		p[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			p[n] |= 0x80;
		n++;
	} while (v != 0);
	return (ibuf_add(b, p, n));
}

size_t
uvarint_len(uint64_t v)
{
	size_t	 n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return (n);
}

/* BARE data: uint length, then the bytes. */
int
ibuf_add_bare(struct ibuf *b, const void *data, size_t len)
{
	if (ibuf_add_uvarint(b, len) == -1)
		return (-1);
	return (ibuf_add(b, data, len));
}

int
ibuf_add_string(struct ibuf *b, const char *s)
{
	return (ibuf_add_bare(b, s, strlen(s)));
}

/* Append n zeroed bytes and return where they start. */
void *
ibuf_reserve(struct ibuf *b, size_t n)
{
	unsigned char	*p;

	if (ibuf_grow(b, n) == -1)
		return (NULL);
	p = b->buf + b->wpos;
	if (n > 0) {
		memset(p, 0, n);
		b->wpos += n;
	}
	return (p);
}

/* Overwrite 4 already written bytes at off. */
int
ibuf_set_h32(struct ibuf *b, size_t off, uint32_t v)
{
	if (b->err != 0)
		return (ibuf_fail(b, b->err));
	if (off > b->wpos || b->wpos - off < sizeof(v))
		return (ibuf_fail(b, ERANGE));
	memcpy(b->buf + off, &v, sizeof(v));
	return (0);
}

void *
ibuf_data(const struct ibuf *b)
{
	return (b->buf);
}

size_t
ibuf_size(const struct ibuf *b)
{
	return (b->wpos);
}

int
ibuf_error(const struct ibuf *b)
{
	if (b->err != 0) {
		errno = b->err;
		return (-1);
	}
	return (0);
}

void
cur_init(struct cursor *c, const void *data, size_t len)
{
	c->p = data;
	c->left = len;
	c->err = 0;
	if (data == NULL) {
		c->p = cur_empty;
		if (len != 0)
			c->err = 1;
		c->left = 0;
	}
}

/* Take n bytes, or fail and poison the cursor. */
const void *
cur_bytes(struct cursor *c, size_t n)
{
	const unsigned char	*p;

	if (c->err != 0 || n > c->left) {
		c->err = 1;
		return (NULL);
	}
	p = c->p;
	c->p += n;
	c->left -= n;
	return (p);
}

uint8_t
cur_u8(struct cursor *c)
{
	const unsigned char	*p;

	if ((p = cur_bytes(c, 1)) == NULL)
		return (0);
	return (p[0]);
}

uint16_t
cur_n16(struct cursor *c)
{
	const unsigned char	*p;

	if ((p = cur_bytes(c, 2)) == NULL)
		return (0);
	return ((uint16_t)((p[0] << 8) | p[1]));
}

uint32_t
cur_h32(struct cursor *c)
{
	const unsigned char	*p;
	uint32_t		 v;

	if ((p = cur_bytes(c, sizeof(v))) == NULL)
		return (0);
	memcpy(&v, p, sizeof(v));
	return (v);
}

uint64_t
cur_h64(struct cursor *c)
{
	const unsigned char	*p;
	uint64_t		 v;

	if ((p = cur_bytes(c, sizeof(v))) == NULL)
		return (0);
	memcpy(&v, p, sizeof(v));
	return (v);
}

uint64_t
cur_n64(struct cursor *c)
{
	const unsigned char	*p;
	uint64_t		 v = 0;
	int			 i;

	if ((p = cur_bytes(c, 8)) == NULL)
		return (0);
	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (v);
}

/*
 * BARE uint.  At most 10 bytes; the 10th may only be 0 or 1 so the
 * value fits in 64 bits.  Non-minimal encodings are accepted.
 */
uint64_t
cur_uvarint(struct cursor *c)
{
	uint64_t	 v = 0;
	uint8_t		 byte;
	int		 i;

	for (i = 0; i < 10; i++) {
		byte = cur_u8(c);
		if (c->err != 0)
			return (0);
		if (i == 9 && byte > 1) {
			c->err = 1;
			return (0);
		}
		v |= (uint64_t)(byte & 0x7f) << (7 * i);
		if ((byte & 0x80) == 0)
			return (v);
	}
	/* NOTREACHED: the 10th byte never has the high bit set. */
	c->err = 1;
	return (0);
}

/* BARE data of at most max bytes; returns a pointer into the input. */
const void *
cur_bare(struct cursor *c, size_t *lenp, size_t max)
{
	const void	*p;
	uint64_t	 n;

	if (lenp != NULL)
		*lenp = 0;
	n = cur_uvarint(c);
	if (c->err != 0)
		return (NULL);
	if (n > max || n > c->left) {
		c->err = 1;
		return (NULL);
	}
	if ((p = cur_bytes(c, n)) == NULL)
		return (NULL);
	if (lenp != NULL)
		*lenp = n;
	return (p);
}

/*
 * BARE string copied into dst and NUL terminated.  Strings that do not
 * fit or that contain a NUL byte are errors.
 */
int
cur_string(struct cursor *c, char *dst, size_t dstsz)
{
	const char	*p;
	size_t		 len;

	if (dstsz > 0)
		dst[0] = '\0';
	if ((p = cur_bare(c, &len, dstsz > 0 ? dstsz - 1 : 0)) == NULL ||
	    dstsz == 0) {
		c->err = 1;
		return (-1);
	}
	if (memchr(p, '\0', len) != NULL) {
		c->err = 1;
		return (-1);
	}
	memcpy(dst, p, len);
	dst[len] = '\0';
	return (0);
}

int
cur_ok(const struct cursor *c)
{
	return (c->err != 0 ? -1 : 0);
}

/* No error and nothing left over. */
int
cur_end(const struct cursor *c)
{
	return (c->err != 0 || c->left != 0 ? -1 : 0);
}
