/* SPDX-License-Identifier: ISC */
/*
 * Reading frames off a byte stream (doc/design.md 4.2): a u16 big-endian
 * length, then that many bytes of an encoded TransportMessage.
 *
 * Bytes are fed as they arrive, in pieces of any size.  A frame is
 * handed back only once it is complete and decodes in full
 * (tmsg_check), so nothing unchecked ever reaches routed.  A length
 * of 0 is a bad frame; more than 65535 cannot be expressed.  The body
 * buffer grows with the bytes that actually arrived, so a peer that
 * announces a long frame and sends little costs little; a body that
 * arrives whole in one piece is not copied at all.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "route.h"

static int	 frame_grow(struct frame_reader *, size_t);

void
frame_init(struct frame_reader *fr)
{
	memset(fr, 0, sizeof(*fr));
}

void
frame_clear(struct frame_reader *fr)
{
	free(fr->buf);
	frame_init(fr);
}

/* Room for at least want body bytes, growing by doubling. */
static int
frame_grow(struct frame_reader *fr, size_t want)
{
	unsigned char	*p;
	size_t		 n;

	if (want <= fr->size)
		return (0);
	n = fr->size < FRAME_KEEP ? FRAME_KEEP : fr->size;
	while (n < want)
		n *= 2;
	if (n > fr->need)
		n = fr->need;
	if ((p = realloc(fr->buf, n)) == NULL)
		return (-1);
	fr->buf = p;
	fr->size = n;
	return (0);
}

/*
 * Take bytes from p (len of them) and say what they made.  *used is
 * how many were taken: all of them for FRAME_MORE, up to the end of
 * the frame otherwise.  After FRAME_OK or FRAME_HEARTBEAT the next call
 * starts a new frame; after FRAME_BAD (*why says what was wrong) the
 * stream cannot be trusted and must not be fed again.
 */
enum frame_result
frame_feed(struct frame_reader *fr, const void *p, size_t len, size_t *used,
    const char **why)
{
	const unsigned char	*in = p;
	size_t			 n, off = 0, nonward;

	*used = 0;
	if (fr->need != 0 && fr->have == fr->need)
		frame_next(fr);
	while (fr->hdrlen < FRAME_HDR) {
		if (off == len) {
			*used = off;
			return (FRAME_MORE);
		}
		fr->hdr[fr->hdrlen++] = in[off++];
	}
	if (fr->need == 0) {
		fr->need = (size_t)fr->hdr[0] << 8 | fr->hdr[1];
		if (fr->need == 0) {
			*used = off;
			*why = "frame of length 0";
			return (FRAME_BAD);
		}
	}
	if (fr->have == 0 && len - off >= fr->need) {
		/* All of it is here: the body is read where it is. */
		fr->body = in + off;
		fr->have = fr->need;
		off += fr->need;
	} else {
		n = fr->need - fr->have;
		if (n > len - off)
			n = len - off;
		if (n > 0) {
			if (frame_grow(fr, fr->have + n) == -1) {
				*used = off;
				*why = "out of memory";
				return (FRAME_BAD);
			}
			memcpy(fr->buf + fr->have, in + off, n);
			fr->have += n;
			off += n;
		}
		fr->body = fr->buf;
	}
	*used = off;
	if (fr->have < fr->need)
		return (FRAME_MORE);

	if (tmsg_check(fr->body, fr->need, &nonward, why) == -1)
		return (FRAME_BAD);
	return (nonward == 0 ? FRAME_HEARTBEAT : FRAME_OK);
}

/*
 * The body of the frame just completed: valid until the next call of
 * frame_feed() or frame_next(), and no longer than the bytes last fed
 * (it may be read in place there).
 */
const unsigned char *
frame_body(const struct frame_reader *fr, size_t *len)
{
	*len = fr->need;
	return (fr->body);
}

/* Start the next frame; a large buffer is given back. */
void
frame_next(struct frame_reader *fr)
{
	if (fr->size > FRAME_KEEP) {
		free(fr->buf);
		fr->buf = NULL;
		fr->size = 0;
	}
	fr->need = fr->have = fr->hdrlen = 0;
	fr->body = NULL;
}

/*
 * Bytes held of a frame not complete yet (prefix included), and in
 * *total how long it would have been (0 while the prefix is short).
 */
size_t
frame_partial(const struct frame_reader *fr, size_t *total)
{
	*total = fr->need != 0 ? FRAME_HDR + fr->need : 0;
	if (fr->need != 0 && fr->have == fr->need)
		return (0);
	return (fr->hdrlen + fr->have);
}
