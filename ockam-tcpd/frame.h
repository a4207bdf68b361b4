/* SPDX-License-Identifier: ISC */
/*
 * The TCP framing of doc/design.md 4.2: a u16 big-endian length, then an
 * encoded TransportMessage.  The reader is a pure function of the
 * bytes fed to it, so that it can be tested apart (regress/unit).
 */
#ifndef OCKAM_FRAME_H
#define OCKAM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HDR		2
#define FRAME_KEEP		4096	/* buffer kept between frames */

struct frame_reader {
	unsigned char	*buf;		/* the body received so far */
	const unsigned char *body;	/* the complete body: buf or input */
	size_t		 size;		/* bytes allocated */
	size_t		 need;		/* body length; 0: prefix pending */
	size_t		 have;		/* body bytes in buf */
	size_t		 hdrlen;	/* prefix bytes received */
	unsigned char	 hdr[FRAME_HDR];
};

enum frame_result {
	FRAME_MORE,		/* all bytes taken, no complete frame */
	FRAME_OK,		/* a frame that decodes: frame_body() */
	FRAME_HEARTBEAT,	/* one with an empty onward route */
	FRAME_BAD,		/* a frame that must close the connection */
};

void			 frame_init(struct frame_reader *);
void			 frame_clear(struct frame_reader *);
enum frame_result	 frame_feed(struct frame_reader *, const void *,
			    size_t, size_t *, const char **);
const unsigned char	*frame_body(const struct frame_reader *, size_t *);
void			 frame_next(struct frame_reader *);
size_t			 frame_partial(const struct frame_reader *,
			    size_t *);

#endif /* OCKAM_FRAME_H */
