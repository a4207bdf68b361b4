/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/buf.c: ibuf writers and cursor readers.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"

struct uvec {
	uint64_t	 v;
	size_t		 len;
	unsigned char	 enc[10];
};

static const struct uvec uvecs[] = {
	{ 0, 1, { 0x00 } },
	{ 1, 1, { 0x01 } },
	{ 127, 1, { 0x7f } },
	{ 128, 2, { 0x80, 0x01 } },
	{ 300, 2, { 0xac, 0x02 } },
	{ 16383, 2, { 0xff, 0x7f } },
	{ 16384, 3, { 0x80, 0x80, 0x01 } },
	{ 0xffffffffULL, 5, { 0xff, 0xff, 0xff, 0xff, 0x0f } },
	{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0x01 } },
};

static void
test_ibuf_open_free(void **state)
{
	struct ibuf	*b;

	(void)state;
	ibuf_free(NULL);

	b = ibuf_open(16, 1024);
	assert_non_null(b);
	assert_int_equal(b->fd, -1);
	assert_int_equal(b->max, 1024);
	assert_int_equal(ibuf_size(b), 0);
	assert_non_null(ibuf_data(b));
	assert_int_equal(ibuf_error(b), 0);
	ibuf_free(b);

	/* max below initial is a caller error */
	errno = 0;
	assert_null(ibuf_open(100, 10));
	assert_int_equal(errno, EINVAL);

	/* initial 0 still gives a usable buffer */
	b = ibuf_open(0, 8);
	assert_non_null(b);
	assert_non_null(ibuf_data(b));
	assert_int_equal(ibuf_add(b, "abcdefgh", 8), 0);
	assert_memory_equal(ibuf_data(b), "abcdefgh", 8);
	ibuf_free(b);
}

static void
test_ibuf_grow_and_cap(void **state)
{
	struct ibuf	*b;
	unsigned char	 chunk[100];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = i;
	b = ibuf_open(4, 1000);
	assert_non_null(b);
	for (i = 0; i < 10; i++)
		assert_int_equal(ibuf_add(b, chunk, sizeof(chunk)), 0);
	assert_int_equal(ibuf_size(b), 1000);
	assert_true(b->size <= b->max);
	for (i = 0; i < 10; i++)
		assert_memory_equal((unsigned char *)ibuf_data(b) + 100 * i,
		    chunk, sizeof(chunk));

	/* one byte over max fails, sets ERANGE, and sticks */
	errno = 0;
	assert_int_equal(ibuf_add_u8(b, 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_size(b), 1000);
	assert_int_equal(ibuf_error(b), -1);
	errno = 0;
	assert_int_equal(ibuf_add(b, NULL, 0), -1);
	assert_int_equal(errno, ERANGE);
	ibuf_free(b);

	/* a failed add sticks even when later adds would fit */
	b = ibuf_open(8, 8);
	assert_non_null(b);
	assert_int_equal(ibuf_add(b, chunk, 9), -1);
	assert_int_equal(ibuf_size(b), 0);
	assert_int_equal(ibuf_add_u8(b, 1), -1);
	assert_int_equal(ibuf_add_uvarint(b, 1), -1);
	assert_int_equal(ibuf_add_string(b, "x"), -1);
	assert_null(ibuf_reserve(b, 1));
	assert_int_equal(ibuf_size(b), 0);
	ibuf_free(b);

	/* max 0 means fixed size */
	b = ibuf_open(4, 0);
	assert_non_null(b);
	assert_int_equal(ibuf_add_h32(b, 7), 0);
	assert_int_equal(ibuf_add_u8(b, 1), -1);
	ibuf_free(b);
}

static void
test_ibuf_ints(void **state)
{
	struct ibuf	*b;
	unsigned char	*p;
	uint32_t	 h32 = 0x11223344;
	uint64_t	 h64 = 0x0102030405060708ULL;
	static const unsigned char n16[] = { 0xbe, 0xef };
	static const unsigned char n64[] = { 0x01, 0x23, 0x45, 0x67,
	    0x89, 0xab, 0xcd, 0xef };

	(void)state;
	b = ibuf_open(1, 256);
	assert_non_null(b);
	assert_int_equal(ibuf_add_u8(b, 0xa5), 0);
	assert_int_equal(ibuf_add_h32(b, h32), 0);
	assert_int_equal(ibuf_add_h64(b, h64), 0);
	assert_int_equal(ibuf_add_n16(b, 0xbeef), 0);
	assert_int_equal(ibuf_add_n64(b, 0x0123456789abcdefULL), 0);
	assert_int_equal(ibuf_size(b), 1 + 4 + 8 + 2 + 8);
	p = ibuf_data(b);
	assert_int_equal(p[0], 0xa5);
	assert_memory_equal(p + 1, &h32, 4);
	assert_memory_equal(p + 5, &h64, 8);
	assert_memory_equal(p + 13, n16, 2);
	assert_memory_equal(p + 15, n64, 8);

	/* set_h32 inside the written bytes only */
	assert_int_equal(ibuf_set_h32(b, 1, 0xdeadbeef), 0);
	h32 = 0xdeadbeef;
	assert_memory_equal((unsigned char *)ibuf_data(b) + 1, &h32, 4);
	assert_int_equal(ibuf_set_h32(b, ibuf_size(b) - 4, 1), 0);
	assert_int_equal(ibuf_set_h32(b, ibuf_size(b) - 3, 1), -1);
	assert_int_equal(ibuf_error(b), -1);
	ibuf_free(b);

	b = ibuf_open(8, 8);
	assert_non_null(b);
	assert_int_equal(ibuf_set_h32(b, SIZE_MAX - 1, 1), -1);
	ibuf_free(b);
}

static void
test_ibuf_uvarint(void **state)
{
	struct ibuf	*b;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(uvecs) / sizeof(uvecs[0]); i++) {
		b = ibuf_open(1, 64);
		assert_non_null(b);
		assert_int_equal(ibuf_add_uvarint(b, uvecs[i].v), 0);
		assert_int_equal(ibuf_size(b), uvecs[i].len);
		assert_memory_equal(ibuf_data(b), uvecs[i].enc, uvecs[i].len);
		assert_int_equal(uvarint_len(uvecs[i].v), uvecs[i].len);
		ibuf_free(b);
	}
	/* uvarint_len agrees with the encoder at every boundary */
	for (i = 0; i < 64; i++) {
		b = ibuf_open(1, 64);
		assert_non_null(b);
		assert_int_equal(ibuf_add_uvarint(b, 1ULL << i), 0);
		assert_int_equal(ibuf_size(b), uvarint_len(1ULL << i));
		assert_int_equal(ibuf_size(b), i / 7 + 1);
		ibuf_free(b);
	}
}

static void
test_ibuf_bare_reserve(void **state)
{
	struct ibuf	*b;
	unsigned char	*p, big[200];
	static const unsigned char want[] = { 0x05, 'h', 'e', 'l', 'l', 'o',
	    0x00, 0x03, 1, 2, 3 };

	(void)state;
	b = ibuf_open(2, 1024);
	assert_non_null(b);
	assert_int_equal(ibuf_add_string(b, "hello"), 0);
	assert_int_equal(ibuf_add_bare(b, NULL, 0), 0);
	assert_int_equal(ibuf_add_bare(b, "\1\2\3", 3), 0);
	assert_int_equal(ibuf_size(b), sizeof(want));
	assert_memory_equal(ibuf_data(b), want, sizeof(want));

	p = ibuf_reserve(b, 4);
	assert_non_null(p);
	assert_int_equal(ibuf_size(b), sizeof(want) + 4);
	assert_memory_equal(p, "\0\0\0\0", 4);
	memcpy(p, "WXYZ", 4);
	assert_memory_equal((unsigned char *)ibuf_data(b) + sizeof(want),
	    "WXYZ", 4);

	memset(big, 'x', sizeof(big));
	assert_int_equal(ibuf_add_bare(b, big, sizeof(big)), 0);
	p = (unsigned char *)ibuf_data(b) + sizeof(want) + 4;
	assert_int_equal(p[0], 0xc8);
	assert_int_equal(p[1], 0x01);
	assert_memory_equal(p + 2, big, sizeof(big));
	assert_null(ibuf_reserve(b, 2000));
	assert_int_equal(ibuf_error(b), -1);
	ibuf_free(b);
}

static void
test_ibuf_take(void **state)
{
	struct ibuf	*b;
	unsigned char	*p;
	size_t		 len;

	(void)state;
	assert_null(ibuf_take(NULL, &len));
	assert_int_equal(len, 0);

	b = ibuf_open(4, 64);
	assert_int_equal(ibuf_add(b, "hello, world", 12), 0);
	p = ibuf_take(b, &len);
	assert_non_null(p);
	assert_int_equal(len, 12);
	assert_memory_equal(p, "hello, world", 12);
	freezero(p, len);

	/* A failed buffer gives nothing (and is freed). */
	b = ibuf_open(4, 4);
	assert_int_equal(ibuf_add(b, "hello", 5), -1);
	errno = 0;
	assert_null(ibuf_take(b, &len));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(len, 0);
}

static void
test_ibuf_free_closes_fd(void **state)
{
	struct ibuf	*b;
	int		 fd;

	(void)state;
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	b = ibuf_open(8, 8);
	assert_non_null(b);
	b->fd = fd;
	ibuf_free(b);
	errno = 0;
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_cur_ints(void **state)
{
	struct cursor	 c;
	uint32_t	 h32 = 0xcafef00d;
	uint64_t	 h64 = 0x1122334455667788ULL;
	unsigned char	 in[1 + 2 + 4 + 8 + 8];

	(void)state;
	in[0] = 0x42;
	in[1] = 0x12;
	in[2] = 0x34;
	memcpy(in + 3, &h32, 4);
	memcpy(in + 7, &h64, 8);
	memcpy(in + 15, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	cur_init(&c, in, sizeof(in));
	assert_int_equal(cur_u8(&c), 0x42);
	assert_int_equal(cur_n16(&c), 0x1234);
	assert_int_equal(cur_h32(&c), h32);
	assert_true(cur_h64(&c) == h64);
	assert_true(cur_n64(&c) == 0x0102030405060708ULL);
	assert_int_equal(cur_ok(&c), 0);
	assert_int_equal(cur_end(&c), 0);

	/* reading past the end fails and sticks */
	assert_int_equal(cur_u8(&c), 0);
	assert_int_equal(cur_ok(&c), -1);
	assert_int_equal(cur_end(&c), -1);

	cur_init(&c, in, 3);
	assert_int_equal(cur_h32(&c), 0);
	assert_int_equal(cur_ok(&c), -1);
	/* sticky: even a byte that is there is refused now */
	assert_int_equal(cur_u8(&c), 0);
	assert_null(cur_bytes(&c, 0));

	cur_init(&c, in, 7);
	assert_true(cur_n64(&c) == 0);
	assert_int_equal(cur_ok(&c), -1);
	cur_init(&c, in, 7);
	assert_true(cur_h64(&c) == 0);
	cur_init(&c, in, 1);
	assert_int_equal(cur_n16(&c), 0);
	assert_int_equal(cur_ok(&c), -1);

	/* NULL data */
	cur_init(&c, NULL, 0);
	assert_int_equal(cur_end(&c), 0);
	assert_non_null(cur_bytes(&c, 0));
	cur_init(&c, NULL, 5);
	assert_int_equal(cur_ok(&c), -1);
}

static void
test_cur_uvarint(void **state)
{
	struct cursor	 c;
	size_t		 i, j;
	static const unsigned char nonmin[] = { 0x80, 0x00 };
	static const unsigned char nonmin2[] = { 0xff, 0x80, 0x80, 0x00 };
	static const unsigned char over[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x02 };
	static const unsigned char over2[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	static const unsigned char tenzero[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x00 };

	(void)state;
	for (i = 0; i < sizeof(uvecs) / sizeof(uvecs[0]); i++) {
		cur_init(&c, uvecs[i].enc, uvecs[i].len);
		assert_true(cur_uvarint(&c) == uvecs[i].v);
		assert_int_equal(cur_end(&c), 0);
		/* every truncation fails */
		for (j = 0; j < uvecs[i].len; j++) {
			cur_init(&c, uvecs[i].enc, j);
			assert_true(cur_uvarint(&c) == 0);
			assert_int_equal(cur_ok(&c), -1);
		}
	}

	cur_init(&c, nonmin, sizeof(nonmin));
	assert_true(cur_uvarint(&c) == 0);
	assert_int_equal(cur_end(&c), 0);
	cur_init(&c, nonmin2, sizeof(nonmin2));
	assert_true(cur_uvarint(&c) == 0x7f);
	assert_int_equal(cur_end(&c), 0);
	cur_init(&c, tenzero, sizeof(tenzero));
	assert_true(cur_uvarint(&c) == 0);
	assert_int_equal(cur_end(&c), 0);

	/* the 10th byte may only be 0 or 1 */
	cur_init(&c, over, sizeof(over));
	assert_true(cur_uvarint(&c) == 0);
	assert_int_equal(cur_ok(&c), -1);
	/* an 11th byte is never read */
	cur_init(&c, over2, sizeof(over2));
	assert_true(cur_uvarint(&c) == 0);
	assert_int_equal(cur_ok(&c), -1);
}

static void
test_cur_bare_string(void **state)
{
	struct cursor	 c;
	const unsigned char *p;
	char		 s[6], s7[7];
	size_t		 len;
	static const unsigned char in[] = { 0x05, 'h', 'e', 'l', 'l', 'o',
	    0x00, 0x02, 'a', 'b' };
	static const unsigned char nul[] = { 0x03, 'a', 0x00, 'b' };
	static const unsigned char shortin[] = { 0x05, 'a', 'b' };
	static const unsigned char six[] = { 0x06, 'a', 'b', 'c', 'd', 'e',
	    'f' };

	(void)state;
	cur_init(&c, in, sizeof(in));
	p = cur_bare(&c, &len, 100);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "hello", 5);
	p = cur_bare(&c, &len, 100);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(cur_string(&c, s, sizeof(s)), 0);
	assert_string_equal(s, "ab");
	assert_int_equal(cur_end(&c), 0);

	/* over max */
	cur_init(&c, in, sizeof(in));
	assert_null(cur_bare(&c, &len, 4));
	assert_int_equal(len, 0);
	assert_int_equal(cur_ok(&c), -1);

	/* longer than what is left */
	cur_init(&c, shortin, sizeof(shortin));
	assert_null(cur_bare(&c, &len, 100));
	assert_int_equal(cur_ok(&c), -1);
	cur_init(&c, shortin, sizeof(shortin));
	assert_int_equal(cur_string(&c, s, sizeof(s)), -1);
	assert_string_equal(s, "");

	/* embedded NUL */
	cur_init(&c, nul, sizeof(nul));
	assert_int_equal(cur_string(&c, s, sizeof(s)), -1);
	assert_int_equal(cur_ok(&c), -1);

	/* fits exactly only with room for the NUL */
	cur_init(&c, six, sizeof(six));
	assert_int_equal(cur_string(&c, s, sizeof(s)), -1);
	cur_init(&c, six, sizeof(six));
	assert_int_equal(cur_string(&c, s7, sizeof(s7)), 0);
	assert_string_equal(s7, "abcdef");

	/* trailing bytes */
	cur_init(&c, in, sizeof(in));
	assert_non_null(cur_bare(&c, &len, 100));
	assert_int_equal(cur_ok(&c), 0);
	assert_int_equal(cur_end(&c), -1);
	assert_int_equal(c.left, 4);
}

static void
test_roundtrip(void **state)
{
	struct ibuf	*b;
	struct cursor	 c;
	uint64_t	 v;
	size_t		 i;
	char		 s[32];

	(void)state;
	b = ibuf_open(1, 4096);
	assert_non_null(b);
	for (i = 0, v = 1; i < 200; i++, v = v * 6364136223846793005ULL +
	    1442695040888963407ULL)
		assert_int_equal(ibuf_add_uvarint(b, v >> (i % 64)), 0);
	assert_int_equal(ibuf_add_string(b, "the end"), 0);
	cur_init(&c, ibuf_data(b), ibuf_size(b));
	for (i = 0, v = 1; i < 200; i++, v = v * 6364136223846793005ULL +
	    1442695040888963407ULL)
		assert_true(cur_uvarint(&c) == v >> (i % 64));
	assert_int_equal(cur_string(&c, s, sizeof(s)), 0);
	assert_string_equal(s, "the end");
	assert_int_equal(cur_end(&c), 0);
	ibuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ibuf_open_free),
		cmocka_unit_test(test_ibuf_grow_and_cap),
		cmocka_unit_test(test_ibuf_ints),
		cmocka_unit_test(test_ibuf_uvarint),
		cmocka_unit_test(test_ibuf_bare_reserve),
		cmocka_unit_test(test_ibuf_take),
		cmocka_unit_test(test_ibuf_free_closes_fd),
		cmocka_unit_test(test_cur_ints),
		cmocka_unit_test(test_cur_uvarint),
		cmocka_unit_test(test_cur_bare_string),
		cmocka_unit_test(test_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
