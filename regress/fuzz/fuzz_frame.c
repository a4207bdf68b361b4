/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the TCP frame reader of ockam-tcpd (ockam-tcpd/frame.c)
 * and the TransportMessage decoder under it (lib/wire.c).
 *
 * The input is a byte stream as a peer sends it: frames of a u16
 * big-endian length and an encoded TransportMessage.  A small model
 * of doc/design.md 4.2 splits it first; the reader must then report the
 * same frames whether the stream arrives at once, a byte at a time or
 * in pieces of varying size.  Every frame that decodes must encode
 * again (tmsg_encode) to bytes that decode to the same routes and
 * payload, and its routes must print; a printed route that has a
 * multiaddr form must parse back to the same route.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "multiaddr.h"
#include "fuzzutil.h"
#include "route.h"

#define TEXT_MAX	4096	/* multiaddr.c: the longest route text */
#define PRINT_MAX	(OCKAM_ROUTE_MAX * (3 * OCKAM_ADDR_MAX + 16) + 1)

/* What the model expects of one frame. */
struct expect {
	enum frame_result	 result;
	size_t			 off;	/* body offset in the stream */
	size_t			 len;	/* body length */
};

struct model {
	struct expect		*ev;
	size_t			 nev;
	size_t			 tail;	/* bytes of an incomplete frame */
	size_t			 total;	/* its length, 0 if prefix short */
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check(int, const char *);
static int	 tmsg_same(const struct tmsg *, const struct tmsg *);
static void	 check_empty(const struct tmsg *);
static void	 check_print(const struct route *, size_t);
static void	 check_body(const uint8_t *, size_t);
static void	 model_split(const uint8_t *, size_t, struct model *);
static void	 feed(const uint8_t *, size_t, const struct model *, int);

static char	 text[PRINT_MAX], one[PRINT_MAX];

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_frame: invariant failed: %s\n", what);
		abort();
	}
}

static int
tmsg_same(const struct tmsg *a, const struct tmsg *b)
{
	if (!route_same(&a->onward, &b->onward) ||
	    !route_same(&a->ret, &b->ret) || a->plen != b->plen)
		return (0);
	return (a->plen == 0 || memcmp(a->payload, b->payload, a->plen) == 0);
}

/* tmsg_decode leaves a message empty when it fails. */
static void
check_empty(const struct tmsg *m)
{
	check(m->onward.n == 0 && TAILQ_EMPTY(&m->onward.q) &&
	    m->ret.n == 0 && TAILQ_EMPTY(&m->ret.q) &&
	    m->payload == NULL && m->plen == 0,
	    "a failed decode leaves the message empty");
}

/*
 * Every route prints; into a short buffer it fails with ENOSPC and
 * leaves a prefix.  If no address needs the /type/ escape form the
 * text parses back to the same route.
 */
static void
check_print(const struct route *r, size_t smallsz)
{
	struct route	 back;
	struct addr	*a;
	char		*small;
	size_t		 len, i;
	int		 plain = 1, rv;

	check(multiaddr_print(r, text, sizeof(text)) == 0,
	    "multiaddr_print fits a full route");
	len = strlen(text);
	for (i = 0; i < len; i++)
		check(text[i] > 0x20 && text[i] < 0x7f,
		    "printed route is printable ASCII");

	/* Exactly smallsz bytes, so writing past them is caught. */
	if ((small = malloc(smallsz)) == NULL)
		abort();
	rv = multiaddr_print(r, small, smallsz);
	if (len < smallsz)
		check(rv == 0 && strcmp(small, text) == 0,
		    "a route that fits prints the same");
	else {
		check(rv == -1 && errno == ENOSPC,
		    "a route that does not fit is ENOSPC");
		check(strlen(small) == smallsz - 1 &&
		    memcmp(small, text, smallsz - 1) == 0,
		    "a truncated route is a prefix");
	}
	free(small);

	TAILQ_FOREACH(a, &r->q, entry) {
		check(addr_print(a, one, sizeof(one)) == 0,
		    "addr_print fits");
		if (strncmp(one, "/type/", 6) == 0)
			plain = 0;
	}
	if (!plain || r->n == 0 || len > TEXT_MAX)
		return;
	route_init(&back);
	check(multiaddr_parse(text, &back, one, sizeof(one)) == 0,
	    "a printed route parses");
	check(route_same(r, &back), "a printed route parses to itself");
	route_clear(&back);
}

/* A frame body that decodes survives encoding and printing. */
static void
check_body(const uint8_t *body, size_t len)
{
	struct tmsg	 m, m2;
	struct ibuf	*b, *b2;
	uint8_t		*copy;

	tmsg_init(&m);
	tmsg_init(&m2);
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(copy, body, len);
	if (tmsg_decode(&m, copy, len, NULL) == -1) {
		check_empty(&m);
		free(copy);
		return;
	}
	free(copy);

	if ((b = ibuf_open(64, OCKAM_MSG_MAX)) == NULL ||
	    (b2 = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
		abort();
	check(tmsg_encode(b, &m) == 0, "a decoded message encodes");
	check(ibuf_size(b) == tmsg_encoded_len(&m),
	    "tmsg_encoded_len is the encoded size");
	check(ibuf_size(b) <= len, "re-encoding never grows a message");
	check(tmsg_decode(&m2, ibuf_data(b), ibuf_size(b), NULL) == 0,
	    "a re-encoded message decodes");
	check(tmsg_same(&m, &m2), "a re-encoded message is the same");
	check(tmsg_encode(b2, &m2) == 0 && ibuf_size(b2) == ibuf_size(b) &&
	    memcmp(ibuf_data(b2), ibuf_data(b), ibuf_size(b)) == 0,
	    "the encoding is canonical");

	check_print(&m.onward, 1 + len % 97);
	check_print(&m.ret, 1 + len % 31);

	ibuf_free(b);
	ibuf_free(b2);
	tmsg_clear(&m);
	tmsg_clear(&m2);
}

/* doc/design.md 4.2 as a model: what the reader must report, in order. */
static void
model_split(const uint8_t *data, size_t size, struct model *md)
{
	struct tmsg	 m;
	size_t		 off = 0, len;

	md->nev = 0;
	md->tail = 0;
	md->total = 0;
	tmsg_init(&m);
	for (;;) {
		if (size - off < 2) {
			md->tail = size - off;
			return;
		}
		len = (size_t)data[off] << 8 | data[off + 1];
		if (len == 0) {
			md->ev[md->nev].result = FRAME_BAD;
			md->ev[md->nev].off = off + 2;
			md->ev[md->nev++].len = 0;
			return;
		}
		if (size - off - 2 < len) {
			md->tail = size - off;
			md->total = len + 2;
			return;
		}
		md->ev[md->nev].off = off + 2;
		md->ev[md->nev].len = len;
		if (tmsg_decode(&m, data + off + 2, len, NULL) == -1) {
			md->ev[md->nev++].result = FRAME_BAD;
			return;
		}
		md->ev[md->nev++].result = m.onward.n == 0 ?
		    FRAME_HEARTBEAT : FRAME_OK;
		tmsg_clear(&m);
		check_body(data + off + 2, len);
		off += 2 + len;
	}
}

/*
 * Feed the stream to a reader in pieces: all at once (how 0), a byte
 * at a time (1) or in pieces of 1 to 300 bytes (2).  Each piece is a
 * copy of its own size, so reading past it is caught.
 */
static void
feed(const uint8_t *data, size_t size, const struct model *md, int how)
{
	struct frame_reader	 fr;
	const struct expect	*e;
	const unsigned char	*body;
	const char		*why;
	enum frame_result	 r;
	uint8_t			*piece;
	uint32_t		 seed;
	size_t			 off = 0, n, left, at, used, blen, held, total;
	size_t			 nev = 0;

	seed = (uint32_t)size * 2654435761U + 1;
	frame_init(&fr);
	while (off < size) {
		if (how == 0)
			n = size;
		else if (how == 1)
			n = 1;
		else {
			seed = seed * 1103515245U + 12345;
			n = 1 + (seed >> 16) % 300;
		}
		if (n > size - off)
			n = size - off;
		if ((piece = malloc(n)) == NULL)
			abort();
		memcpy(piece, data + off, n);
		at = 0;
		while (at < n) {
			left = n - at;
			r = frame_feed(&fr, piece + at, left, &used, &why);
			check(used <= left, "frame_feed takes what it got");
			at += used;
			if (r == FRAME_MORE) {
				check(used == left,
				    "FRAME_MORE takes every byte");
				continue;
			}
			check(nev < md->nev, "no frame beyond the model");
			e = &md->ev[nev++];
			check(r == e->result, "frame result as the model");
			check(off + at == e->off + e->len,
			    "a frame ends where the model says");
			if (r == FRAME_BAD) {
				check(why != NULL && *why != '\0',
				    "a bad frame says why");
				free(piece);
				frame_clear(&fr);
				check(nev == md->nev, "nothing after BAD");
				return;
			}
			body = frame_body(&fr, &blen);
			check(blen == e->len &&
			    memcmp(body, data + e->off, blen) == 0,
			    "frame_body is the frame");
		}
		free(piece);
		off += n;
	}
	check(nev == md->nev, "every frame of the model came out");
	held = frame_partial(&fr, &total);
	check(held == md->tail, "frame_partial counts the incomplete frame");
	if (held > 0)
		check(total == md->total,
		    "frame_partial knows the frame's length");
	frame_clear(&fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model	 md;

	if ((md.ev = calloc(size / 2 + 1, sizeof(*md.ev))) == NULL)
		abort();
	model_split(data, size, &md);
	feed(data, size, &md, 0);
	feed(data, size, &md, 1);
	feed(data, size, &md, 2);
	free(md.ev);
	return (0);
}
