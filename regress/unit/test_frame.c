/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-tcpd/frame.c: reading u16-length frames off a
 * byte stream, each checked with tmsg_decode before it is handed out.
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "route.h"
#include "../../ockam-tcpd/frame.h"

/* doc/design.md 4.3: the echoer frame, length prefix included. */
static const unsigned char ka_echoer[] =
    "\x00\x1e"
    "\x01"
    "\x01" "\x00\x06" "echoer"
    "\x01" "\x00\x03" "app"
    "\x0d" "\x0c" "Hello Ockam!";
#define ECHOER_LEN	(sizeof(ka_echoer) - 1)

/* Protocol reference 2.3: the heartbeat of 2021. */
static const unsigned char heartbeat[] = "\x00\x04\x01\x00\x00\x00";
#define HEARTBEAT_LEN	(sizeof(heartbeat) - 1)

struct result {
	enum frame_result	 r;
	size_t			 len;		/* body length */
	unsigned char		 first;		/* first body byte */
	const char		*why;
};

static size_t	 feed_all(struct frame_reader *, const unsigned char *,
		    size_t, size_t, struct result *, size_t);
static size_t	 mkframe(unsigned char *, size_t);

/*
 * Feed len bytes in pieces of step bytes (0: all at once); collect
 * what came out, up to max results, stopping after FRAME_BAD.
 */
static size_t
feed_all(struct frame_reader *fr, const unsigned char *p, size_t len,
    size_t step, struct result *res, size_t max)
{
	const unsigned char	*body;
	enum frame_result	 r;
	size_t			 n = 0, off = 0, piece, used, blen;
	const char		*why;

	while (off < len) {
		piece = step == 0 || step > len - off ? len - off : step;
		while (piece > 0) {
			why = NULL;
			r = frame_feed(fr, p + off, piece, &used, &why);
			assert_true(used <= piece);
			off += used;
			piece -= used;
			if (r == FRAME_MORE) {
				assert_int_equal(piece, 0);
				break;
			}
			assert_true(n < max);
			res[n].r = r;
			res[n].why = why;
			res[n].len = 0;
			if (r == FRAME_OK || r == FRAME_HEARTBEAT) {
				body = frame_body(fr, &blen);
				res[n].len = blen;
				res[n].first = body[0];
				frame_next(fr);
			}
			if (res[n++].r == FRAME_BAD)
				return (n);
		}
	}
	return (n);
}

/*
 * A frame whose TransportMessage is exactly len bytes (len >= 20):
 * onward [echoer], return [app], payload filling the rest.
 */
static size_t
mkframe(unsigned char *buf, size_t len)
{
	struct ibuf	*b;
	size_t		 plen, n;

	plen = len - 16;
	while (16 + uvarint_len(plen) + plen > len)
		plen--;
	b = ibuf_open(len + 2, len + 2);
	assert_non_null(b);
	ibuf_add_n16(b, len);
	ibuf_add(b, ka_echoer + 2, 16);		/* version .. "app" */
	ibuf_add_uvarint(b, plen);
	memset(ibuf_reserve(b, plen), 'p', plen);
	assert_int_equal(ibuf_error(b), 0);
	n = ibuf_size(b);
	assert_int_equal(n, len + 2);
	memcpy(buf, ibuf_data(b), n);
	ibuf_free(b);
	return (n);
}

static void
test_one_frame(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 n;

	(void)state;
	frame_init(&fr);
	n = feed_all(&fr, ka_echoer, ECHOER_LEN, 0, res, 4);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_OK);
	assert_int_equal(res[0].len, ECHOER_LEN - 2);
	assert_int_equal(res[0].first, 0x01);
	assert_int_equal(frame_partial(&fr, &n), 0);
	frame_clear(&fr);
}

static void
test_byte_by_byte(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 n, total;

	(void)state;
	frame_init(&fr);
	n = feed_all(&fr, ka_echoer, ECHOER_LEN - 1, 1, res, 4);
	assert_int_equal(n, 0);
	assert_int_equal(frame_partial(&fr, &total), ECHOER_LEN - 1);
	assert_int_equal(total, ECHOER_LEN);
	n = feed_all(&fr, ka_echoer + ECHOER_LEN - 1, 1, 1, res, 4);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_OK);
	assert_int_equal(res[0].len, ECHOER_LEN - 2);

	/* Again on the same reader: it starts over cleanly. */
	n = feed_all(&fr, ka_echoer, ECHOER_LEN, 1, res, 4);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_OK);
	frame_clear(&fr);
}

static void
test_several_in_one(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[8];
	unsigned char		 buf[3 * ECHOER_LEN + HEARTBEAT_LEN];
	size_t			 n, step;

	(void)state;
	memcpy(buf, ka_echoer, ECHOER_LEN);
	memcpy(buf + ECHOER_LEN, heartbeat, HEARTBEAT_LEN);
	memcpy(buf + ECHOER_LEN + HEARTBEAT_LEN, ka_echoer, ECHOER_LEN);
	memcpy(buf + 2 * ECHOER_LEN + HEARTBEAT_LEN, ka_echoer, ECHOER_LEN);
	/* Whole, and cut at every possible piece size. */
	for (step = 0; step <= sizeof(buf); step++) {
		frame_init(&fr);
		n = feed_all(&fr, buf, sizeof(buf), step, res, 8);
		assert_int_equal(n, 4);
		assert_int_equal(res[0].r, FRAME_OK);
		assert_int_equal(res[1].r, FRAME_HEARTBEAT);
		assert_int_equal(res[1].len, 4);
		assert_int_equal(res[2].r, FRAME_OK);
		assert_int_equal(res[3].r, FRAME_OK);
		assert_int_equal(res[3].len, ECHOER_LEN - 2);
		frame_clear(&fr);
	}
}

static void
test_length_zero(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	unsigned char		 buf[2 + ECHOER_LEN];
	size_t			 n;

	(void)state;
	memcpy(buf, ka_echoer, ECHOER_LEN);
	buf[ECHOER_LEN] = buf[ECHOER_LEN + 1] = 0;
	frame_init(&fr);
	n = feed_all(&fr, buf, sizeof(buf), 0, res, 4);
	assert_int_equal(n, 2);
	assert_int_equal(res[0].r, FRAME_OK);
	assert_int_equal(res[1].r, FRAME_BAD);
	assert_string_equal(res[1].why, "frame of length 0");
	frame_clear(&fr);
}

static void
test_largest(void **state)
{
	static unsigned char	 buf[2 * (2 + 65535)];
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 n, len;

	(void)state;
	len = mkframe(buf, 65535);
	assert_int_equal(len, 65537);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[1], 0xff);
	memcpy(buf + len, buf, len);
	frame_init(&fr);
	n = feed_all(&fr, buf, 2 * len, 1000, res, 4);
	assert_int_equal(n, 2);
	assert_int_equal(res[0].r, FRAME_OK);
	assert_int_equal(res[0].len, 65535);
	assert_int_equal(res[1].r, FRAME_OK);
	assert_int_equal(res[1].len, 65535);
	/* The buffer of a large frame is not kept. */
	assert_null(fr.buf);
	frame_clear(&fr);

	/*
	 * A u16 cannot say more than 65535: ff ff followed by more bytes
	 * is a frame of 65535 and then the next frame's prefix.
	 */
	len = mkframe(buf, 65535);
	buf[len] = 0x00;
	buf[len + 1] = 0x00;
	frame_init(&fr);
	n = feed_all(&fr, buf, len + 2, 0, res, 4);
	assert_int_equal(n, 2);
	assert_int_equal(res[0].r, FRAME_OK);
	assert_int_equal(res[1].r, FRAME_BAD);
	frame_clear(&fr);
}

/* Memory follows what arrived, not what the prefix announced. */
static void
test_grows_with_input(void **state)
{
	struct frame_reader	 fr;
	unsigned char		 buf[100];
	enum frame_result	 r;
	size_t			 used, total;
	const char		*why;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = buf[1] = 0xff;
	frame_init(&fr);
	r = frame_feed(&fr, buf, sizeof(buf), &used, &why);
	assert_int_equal(r, FRAME_MORE);
	assert_int_equal(used, sizeof(buf));
	assert_true(fr.size <= FRAME_KEEP);
	assert_int_equal(frame_partial(&fr, &total), sizeof(buf));
	assert_int_equal(total, 65537);
	frame_clear(&fr);
}

static void
test_truncated(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 n, len, total;

	(void)state;
	/* The stream ends inside the prefix, then inside the body. */
	for (len = 1; len < ECHOER_LEN; len++) {
		frame_init(&fr);
		n = feed_all(&fr, ka_echoer, len, 0, res, 4);
		assert_int_equal(n, 0);
		assert_int_equal(frame_partial(&fr, &total), len);
		assert_int_equal(total, len < 2 ? 0 : ECHOER_LEN);
		frame_clear(&fr);
	}
}

struct bad {
	const char	*name;
	size_t		 len;
	const char	*bytes;
	const char	*why;
};

static const struct bad bads[] = {
	{ "truncated message", 7, "\x00\x05\x01\x01\x00\x06" "e",
	    "truncated" },
	{ "bad version", 6, "\x00\x04\x02\x00\x00\x00",
	    "unsupported version" },
	{ "version 0", 6, "\x00\x04\x00\x00\x00\x00",
	    "unsupported version" },
	{ "bad varint", 15,
	    "\x00\x0d\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02\x00\x00",
	    "truncated" },
	{ "route count too large", 6, "\x00\x04\x01\x21\x00\x00",
	    "route too long" },
	{ "empty address", 8, "\x00\x06\x01\x01\x00\x00\x00\x00",
	    "bad address" },
	{ "NUL in an address", 9, "\x00\x07\x01\x01\x00\x01\x00\x00\x00",
	    "bad address" },
	{ "address past the frame", 9, "\x00\x07\x01\x01\x00\xff\x01xx",
	    "truncated" },
	{ "payload past the frame", 7, "\x00\x05\x01\x00\x00\x05x",
	    "truncated" },
	{ "trailing bytes", 8, "\x00\x06\x01\x00\x00\x00\x05\x05",
	    "trailing bytes" },
	{ "empty body", 3, "\x00\x01\x01", "truncated" },
};

static void
test_bad_frames(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 i, n, step;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		for (step = 0; step <= 1; step++) {
			frame_init(&fr);
			n = feed_all(&fr, (const unsigned char *)bads[i].bytes,
			    bads[i].len, step, res, 4);
			if (n != 1 || res[0].r != FRAME_BAD)
				fail_msg("%s: not refused", bads[i].name);
			if (strcmp(res[0].why, bads[i].why) != 0)
				fail_msg("%s: \"%s\", expected \"%s\"",
				    bads[i].name, res[0].why, bads[i].why);
			frame_clear(&fr);
		}
	}
}

/* What newer Ockam nodes append after the payload is accepted. */
static void
test_trailers(void **state)
{
	struct frame_reader	 fr;
	struct result		 res[4];
	size_t			 n;

	(void)state;
	frame_init(&fr);
	n = feed_all(&fr, (const unsigned char *)
	    "\x00\x05\x01\x01\x00\x01" "a" "\x00\x00" "\x00", 10, 0, res, 4);
	/* A 5-byte frame is "01 01 00 01 a": the route is cut short. */
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_BAD);
	frame_clear(&fr);

	frame_init(&fr);
	n = feed_all(&fr, (const unsigned char *)
	    "\x00\x08\x01\x01\x00\x01" "a" "\x00\x00" "\x00", 10, 0, res, 4);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_OK);
	frame_clear(&fr);

	frame_init(&fr);
	n = feed_all(&fr, (const unsigned char *)
	    "\x00\x0a\x01\x01\x00\x01" "a" "\x00\x00" "\x01\x01x", 12, 0,
	    res, 4);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].r, FRAME_OK);
	frame_clear(&fr);
}

/* Random cuts of a long stream of frames of random sizes. */
static void
test_random_cuts(void **state)
{
	static unsigned char	 stream[64 * 1024 * 4];
	struct frame_reader	 fr;
	struct result		 res[256];
	uint64_t		 x = 0x9e3779b97f4a7c15ULL;
	size_t			 len = 0, nframes = 0, n, i, sizes[256];

	(void)state;
	while (nframes < 200) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sizes[nframes] = 20 + x % 2000;
		if (len + sizes[nframes] + 2 > sizeof(stream))
			break;
		len += mkframe(stream + len, sizes[nframes]);
		nframes++;
	}
	for (i = 0; i < 20; i++) {
		frame_init(&fr);
		n = feed_all(&fr, stream, len, 1 + i * 97, res, 256);
		assert_int_equal(n, nframes);
		for (n = 0; n < nframes; n++) {
			assert_int_equal(res[n].r, FRAME_OK);
			assert_int_equal(res[n].len, sizes[n]);
		}
		frame_clear(&fr);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_frame),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_several_in_one),
		cmocka_unit_test(test_length_zero),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_grows_with_input),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_trailers),
		cmocka_unit_test(test_random_cuts),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
