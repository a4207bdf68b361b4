/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/route.c and lib/wire.c: routes in memory and the
 * v1 TransportMessage encoding, with the known answers of doc/design.md 4.3.
 */

#include <sys/queue.h>

#include <errno.h>
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

/*
 * doc/design.md 4.3: onward [1#127.0.0.1:4000, printer],
 * return [1#127.0.0.1:3000], payload "hello".
 */
static const unsigned char ka_printer[] =
    "\x01"
    "\x02" "\x01\x0e" "127.0.0.1:4000" "\x00\x07" "printer"
    "\x01" "\x01\x0e" "127.0.0.1:3000"
    "\x05" "hello";

/* doc/design.md 4.3: the echoer frame body (after 00 1e). */
static const unsigned char ka_echoer[] =
    "\x01"
    "\x01" "\x00\x06" "echoer"
    "\x01" "\x00\x03" "app"
    "\x0d" "\x0c" "Hello Ockam!";

/* Protocol reference 2.5: the minimal message. */
static const unsigned char ka_minimal[] =
    "\x01" "\x01" "\x01\x0e" "127.0.0.1:4000" "\x00" "\x00";

#define KA_LEN(a)	(sizeof(a) - 1)

static void	 encode_ok(const struct tmsg *, const unsigned char *, size_t);
static void	 decode_fails(const void *, size_t, const char *);
static void	 build_printer(struct tmsg *);
static size_t	 mkmsg(unsigned char *, size_t, size_t);
static uint64_t	 prng(uint64_t *);

/*
 * A message whose onward route has count LOCAL addresses of alen
 * bytes each, an empty return route and an empty payload.
 */
static size_t
mkmsg(unsigned char *buf, size_t count, size_t alen)
{
	size_t	 i, n = 0;

	buf[n++] = 1;
	buf[n++] = count;	/* count < 128 here */
	for (i = 0; i < count; i++) {
		buf[n++] = 0;
		buf[n++] = (alen & 0x7f) | (alen >= 0x80 ? 0x80 : 0);
		if (alen >= 0x80)
			buf[n++] = alen >> 7;
		memset(buf + n, 'a', alen);
		n += alen;
	}
	buf[n++] = 0;
	buf[n++] = 0;
	return (n);
}

static void
build_printer(struct tmsg *m)
{
	tmsg_init(m);
	assert_int_equal(route_push_back(&m->onward, OCKAM_ADDR_TCP,
	    "127.0.0.1:4000", 14), 0);
	assert_int_equal(route_push_back(&m->onward, OCKAM_ADDR_LOCAL,
	    "printer", 7), 0);
	assert_int_equal(route_push_back(&m->ret, OCKAM_ADDR_TCP,
	    "127.0.0.1:3000", 14), 0);
	assert_int_equal(tmsg_set_payload(m, "hello", 5), 0);
}

static void
encode_ok(const struct tmsg *m, const unsigned char *want, size_t len)
{
	struct ibuf	*b;

	b = ibuf_open(16, OCKAM_MSG_MAX);
	assert_non_null(b);
	assert_int_equal(tmsg_encoded_len(m), len);
	assert_int_equal(tmsg_encode(b, m), 0);
	assert_int_equal(ibuf_size(b), len);
	assert_memory_equal(ibuf_data(b), want, len);
	ibuf_free(b);

	/* The head is all of it but the payload's bytes, at the end. */
	b = ibuf_open(16, OCKAM_MSG_MAX);
	assert_non_null(b);
	assert_int_equal(tmsg_encode_head(b, m), 0);
	assert_int_equal(ibuf_size(b), len - m->plen);
	assert_memory_equal(ibuf_data(b), want, len - m->plen);
	if (m->plen > 0)
		assert_memory_equal(want + len - m->plen, m->payload,
		    m->plen);
	ibuf_free(b);
}

static void
decode_fails(const void *data, size_t len, const char *why)
{
	struct tmsg	 m;
	const char	*errstr = NULL, *errstr2 = NULL;
	size_t		 nonward = 99;

	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, data, len, &errstr), -1);
	assert_non_null(errstr);
	if (why != NULL)
		assert_string_equal(errstr, why);
	/* The check alone says the same. */
	assert_int_equal(tmsg_check(data, len, &nonward, &errstr2), -1);
	assert_string_equal(errstr2, errstr);
	assert_int_equal(nonward, 99);
	assert_int_equal(m.onward.n, 0);
	assert_int_equal(m.ret.n, 0);
	assert_null(route_head(&m.onward));
	assert_null(route_head(&m.ret));
	assert_null(m.payload);
	assert_int_equal(m.plen, 0);
	tmsg_clear(&m);
}

static void
test_addr_valid(void **state)
{
	char	 big[OCKAM_ADDR_MAX + 2];

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(addr_valid(0, "echoer", 6), 0);
	assert_int_equal(addr_valid(0, "a", 1), 0);
	assert_int_equal(addr_valid(0, "~!", 2), 0);
	assert_int_equal(addr_valid(0, "", 0), -1);
	assert_int_equal(addr_valid(0, NULL, 3), -1);
	assert_int_equal(addr_valid(0, big, OCKAM_ADDR_MAX), 0);
	assert_int_equal(addr_valid(0, big, OCKAM_ADDR_MAX + 1), -1);
	assert_int_equal(addr_valid(0, "a b", 3), -1);
	assert_int_equal(addr_valid(0, "a\x7f", 2), -1);
	assert_int_equal(addr_valid(0, "a\n", 2), -1);
	assert_int_equal(addr_valid(0, "a\0b", 3), -1);
	assert_int_equal(addr_valid(1, "a b", 3), 0);
	assert_int_equal(addr_valid(1, "a\0b", 3), -1);
	assert_int_equal(addr_valid(7, "\xff\x01", 2), 0);
}

static void
test_route_ops(void **state)
{
	struct route	 r, s;
	struct addr	*a;
	char		 name[8];
	int		 i;

	(void)state;
	route_init(&r);
	route_init(&s);
	assert_null(route_head(&r));
	route_pop_front(&r);
	assert_int_equal(r.n, 0);

	assert_int_equal(route_push_back(&r, 0, "b", 1), 0);
	assert_int_equal(route_push_front(&r, 0, "a", 1), 0);
	assert_int_equal(route_push_back(&r, 1, "h:1", 3), 0);
	assert_int_equal(r.n, 3);
	a = route_head(&r);
	assert_true(addr_is(a, 0, "a"));
	assert_false(addr_is(a, 1, "a"));
	assert_false(addr_is(a, 0, "ab"));
	assert_false(addr_is(a, 0, ""));
	assert_false(addr_is(NULL, 0, "a"));
	assert_int_equal(a->len, 1);
	assert_int_equal(a->val[1], '\0');

	errno = 0;
	assert_int_equal(route_push_back(&r, 0, "x y", 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(route_push_front(&r, 0, "", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r.n, 3);

	/* copy replaces */
	assert_int_equal(route_push_back(&s, 0, "old", 3), 0);
	assert_int_equal(route_copy(&s, &r), 0);
	assert_int_equal(s.n, 3);
	assert_true(addr_is(route_head(&s), 0, "a"));
	assert_int_equal(route_copy(&s, &s), 0);
	assert_int_equal(s.n, 3);

	/* prepend keeps order: [x y] + [a b h:1] */
	route_clear(&s);
	assert_int_equal(route_push_back(&s, 0, "x", 1), 0);
	assert_int_equal(route_push_back(&s, 0, "y", 1), 0);
	assert_int_equal(route_prepend(&r, &s), 0);
	assert_int_equal(r.n, 5);
	assert_int_equal(route_append(&r, &s), 0);
	assert_int_equal(r.n, 7);
	i = 0;
	TAILQ_FOREACH(a, &r.q, entry) {
		static const char *want[] = { "x", "y", "a", "b", "h:1",
		    "x", "y" };
		assert_string_equal(a->val, want[i]);
		i++;
	}
	assert_int_equal(i, 7);
	assert_int_equal(s.n, 2);

	/* a route may be prepended to itself */
	assert_int_equal(route_prepend(&s, &s), 0);
	assert_int_equal(s.n, 4);
	i = 0;
	TAILQ_FOREACH(a, &s.q, entry) {
		assert_string_equal(a->val, i % 2 == 0 ? "x" : "y");
		i++;
	}
	assert_int_equal(i, 4);

	route_pop_front(&r);
	assert_int_equal(r.n, 6);
	assert_true(addr_is(route_head(&r), 0, "y"));

	/* the limit */
	route_clear(&r);
	for (i = 0; i < OCKAM_ROUTE_MAX; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		assert_int_equal(route_push_back(&r, 0, name, strlen(name)),
		    0);
	}
	errno = 0;
	assert_int_equal(route_push_back(&r, 0, "z", 1), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(route_push_front(&r, 0, "z", 1), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(r.n, OCKAM_ROUTE_MAX);
	route_clear(&s);
	assert_int_equal(route_push_back(&s, 0, "z", 1), 0);
	errno = 0;
	assert_int_equal(route_prepend(&r, &s), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(route_append(&r, &s), -1);
	assert_int_equal(r.n, OCKAM_ROUTE_MAX);
	assert_true(addr_is(route_head(&r), 0, "w0"));
	route_pop_front(&r);
	assert_int_equal(route_append(&r, &s), 0);
	assert_int_equal(r.n, OCKAM_ROUTE_MAX);

	route_clear(&r);
	route_clear(&s);
	assert_int_equal(r.n, 0);
	assert_null(route_head(&r));
}

static void
test_tmsg_ops(void **state)
{
	struct tmsg	 m, c;

	(void)state;
	build_printer(&m);
	tmsg_init(&c);
	assert_int_equal(tmsg_set_payload(&c, "junk", 4), 0);
	assert_int_equal(tmsg_copy(&c, &m), 0);
	assert_int_equal(c.onward.n, 2);
	assert_int_equal(c.ret.n, 1);
	assert_int_equal(c.plen, 5);
	assert_memory_equal(c.payload, "hello", 5);
	assert_ptr_not_equal(c.payload, m.payload);
	encode_ok(&c, ka_printer, KA_LEN(ka_printer));

	assert_int_equal(tmsg_set_payload(&c, NULL, 0), 0);
	assert_null(c.payload);
	assert_int_equal(c.plen, 0);
	assert_int_equal(tmsg_copy(&c, &c), 0);

	tmsg_clear(&m);
	tmsg_clear(&c);
	assert_int_equal(m.onward.n, 0);
	assert_null(m.payload);
	tmsg_clear(&m);
}

/*
 * tmsg_hop() on the bytes does what a hop does to a decoded message:
 * the first onward address off, one put first in the return route.
 */
static void
test_hop(void **state)
{
	struct tmsg	 m, want, got;
	struct ibuf	*b;
	unsigned char	 out[OCKAM_MSG_MAX];
	const char	*val, *why;
	size_t		 n, vlen, count;
	uint8_t		 type;
	int		 i;

	(void)state;
	tmsg_init(&m);
	assert_int_equal(route_push_back(&m.onward, OCKAM_ADDR_TCP, "@2.ab",
	    5), 0);
	assert_int_equal(route_push_back(&m.onward, OCKAM_ADDR_LOCAL, "dec",
	    3), 0);
	assert_int_equal(route_push_back(&m.ret, OCKAM_ADDR_LOCAL, "enc",
	    3), 0);
	assert_int_equal(tmsg_set_payload(&m, "ciphertext", 10), 0);
	assert_non_null(b = ibuf_open(256, OCKAM_MSG_MAX));
	assert_int_equal(tmsg_encode(b, &m), 0);
	assert_int_equal(tmsg_head(ibuf_data(b), ibuf_size(b), &type, &val,
	    &vlen, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(type, OCKAM_ADDR_TCP);
	assert_int_equal(vlen, 5);
	assert_memory_equal(val, "@2.ab", 5);

	n = tmsg_hop(ibuf_data(b), ibuf_size(b), OCKAM_ADDR_TCP, "@1.cd",
	    out, sizeof(out));
	assert_true(n > 0);
	tmsg_init(&want);
	assert_int_equal(tmsg_copy(&want, &m), 0);
	route_pop_front(&want.onward);
	assert_int_equal(route_push_front(&want.ret, OCKAM_ADDR_TCP, "@1.cd",
	    5), 0);
	tmsg_init(&got);
	assert_int_equal(tmsg_decode(&got, out, n, &why), 0);
	assert_int_equal(got.onward.n, 1);
	assert_int_equal(got.ret.n, 2);
	ibuf_free(b);
	assert_non_null(b = ibuf_open(256, OCKAM_MSG_MAX));
	assert_int_equal(tmsg_encode(b, &want), 0);
	assert_int_equal(n, ibuf_size(b));
	assert_memory_equal(out, ibuf_data(b), n);
	/* No room: nothing. */
	assert_int_equal(tmsg_hop(ibuf_data(b), ibuf_size(b), OCKAM_ADDR_TCP,
	    "@1.cd", out, 8), 0);
	ibuf_free(b);

	/* A return route already full cannot take one more. */
	tmsg_clear(&want);
	tmsg_init(&want);
	assert_int_equal(route_push_back(&want.onward, OCKAM_ADDR_TCP, "@2.ab",
	    5), 0);
	for (i = 0; i < OCKAM_ROUTE_MAX; i++)
		assert_int_equal(route_push_back(&want.ret, OCKAM_ADDR_LOCAL,
		    "r", 1), 0);
	assert_non_null(b = ibuf_open(256, OCKAM_MSG_MAX));
	assert_int_equal(tmsg_encode(b, &want), 0);
	assert_int_equal(tmsg_hop(ibuf_data(b), ibuf_size(b), OCKAM_ADDR_TCP,
	    "@1.cd", out, sizeof(out)), 0);
	ibuf_free(b);
	tmsg_clear(&m);
	tmsg_clear(&want);
	tmsg_clear(&got);
}

/* The routes alone: the same routes, the payload found where it is. */
static void
test_decode_routes(void **state)
{
	struct tmsg	 m;
	const void	*pl;
	size_t		 plen;
	const char	*errstr = NULL;

	(void)state;
	tmsg_init(&m);
	assert_int_equal(tmsg_decode_routes(&m, ka_echoer, KA_LEN(ka_echoer),
	    &pl, &plen, &errstr), 0);
	assert_int_equal(m.onward.n, 1);
	assert_true(addr_is(route_head(&m.onward), OCKAM_ADDR_LOCAL,
	    "echoer"));
	assert_int_equal(m.ret.n, 1);
	assert_true(addr_is(route_head(&m.ret), OCKAM_ADDR_LOCAL, "app"));
	assert_null(m.payload);
	assert_int_equal(m.plen, 0);
	assert_int_equal(plen, 13);
	assert_ptr_equal(pl, ka_echoer + KA_LEN(ka_echoer) - 13);
	assert_memory_equal(pl, "\x0c" "Hello Ockam!", 13);
	tmsg_clear(&m);
	/* Truncated: refused as tmsg_decode() refuses it. */
	assert_int_equal(tmsg_decode_routes(&m, ka_echoer,
	    KA_LEN(ka_echoer) - 1, &pl, &plen, &errstr), -1);
	assert_string_equal(errstr, "truncated");
	assert_int_equal(m.onward.n, 0);
}

/* Taking a buffer over: the payload at its front, the rest zero. */
static void
test_decode_take(void **state)
{
	struct tmsg	 m;
	unsigned char	*buf, zero[64];
	size_t		 n = KA_LEN(ka_echoer), size = n + 20;
	const char	*errstr = NULL;

	(void)state;
	memset(zero, 0, sizeof(zero));
	assert_non_null(buf = malloc(size));
	memset(buf, 0xee, size);
	memcpy(buf + 7, ka_echoer, n);
	tmsg_init(&m);
	/* Outside the buffer, or truncated: refused, buf still ours. */
	assert_int_equal(tmsg_decode_take(&m, buf, size, 7, size, &errstr),
	    -1);
	assert_int_equal(tmsg_decode_take(&m, buf, size, 7, n - 1, &errstr),
	    -1);
	assert_string_equal(errstr, "truncated");
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(tmsg_decode_take(&m, buf, size, 7, n, &errstr), 0);
	assert_ptr_equal(m.payload, buf);
	assert_int_equal(m.plen, 13);
	assert_memory_equal(buf, "\x0c" "Hello Ockam!", 13);
	assert_memory_equal(buf + 13, zero, size - 13);
	assert_true(addr_is(route_head(&m.onward), OCKAM_ADDR_LOCAL,
	    "echoer"));
	assert_true(addr_is(route_head(&m.ret), OCKAM_ADDR_LOCAL, "app"));
	tmsg_clear(&m);
}

static void
test_known_answers(void **state)
{
	struct tmsg	 m;
	struct addr	*a;
	const char	*errstr = NULL;

	(void)state;
	build_printer(&m);
	encode_ok(&m, ka_printer, KA_LEN(ka_printer));
	tmsg_clear(&m);

	/* the echoer frame: 30 bytes, 0x1e is the frame length */
	assert_int_equal(KA_LEN(ka_echoer), 0x1e);
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, ka_echoer, KA_LEN(ka_echoer),
	    &errstr), 0);
	assert_int_equal(m.onward.n, 1);
	assert_true(addr_is(route_head(&m.onward), OCKAM_ADDR_LOCAL,
	    "echoer"));
	assert_int_equal(m.ret.n, 1);
	assert_true(addr_is(route_head(&m.ret), OCKAM_ADDR_LOCAL, "app"));
	assert_int_equal(m.plen, 13);
	assert_memory_equal(m.payload, "\x0c" "Hello Ockam!", 13);
	encode_ok(&m, ka_echoer, KA_LEN(ka_echoer));
	tmsg_clear(&m);

	/* the minimal message */
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, ka_minimal, KA_LEN(ka_minimal),
	    &errstr), 0);
	assert_int_equal(m.onward.n, 1);
	assert_int_equal(m.ret.n, 0);
	assert_null(m.payload);
	assert_int_equal(m.plen, 0);
	a = route_head(&m.onward);
	assert_true(addr_is(a, OCKAM_ADDR_TCP, "127.0.0.1:4000"));
	encode_ok(&m, ka_minimal, KA_LEN(ka_minimal));
	tmsg_clear(&m);

	/* decode the printer vector and compare every field */
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, ka_printer, KA_LEN(ka_printer),
	    NULL), 0);
	a = route_head(&m.onward);
	assert_true(addr_is(a, OCKAM_ADDR_TCP, "127.0.0.1:4000"));
	assert_true(addr_is(TAILQ_NEXT(a, entry), OCKAM_ADDR_LOCAL,
	    "printer"));
	assert_true(addr_is(route_head(&m.ret), OCKAM_ADDR_TCP,
	    "127.0.0.1:3000"));
	assert_memory_equal(m.payload, "hello", 5);

	/* decoding into a message that is not empty replaces it */
	assert_int_equal(tmsg_decode(&m, ka_minimal, KA_LEN(ka_minimal),
	    NULL), 0);
	assert_int_equal(m.onward.n, 1);
	assert_int_equal(m.ret.n, 0);
	tmsg_clear(&m);

	/* the heartbeat: empty routes, empty payload */
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, "\x01\x00\x00\x00", 4, NULL), 0);
	encode_ok(&m, (const unsigned char *)"\x01\x00\x00\x00", 4);
	tmsg_clear(&m);
}

static void
test_truncations(void **state)
{
	const unsigned char	*vec[] = { ka_printer, ka_echoer, ka_minimal };
	size_t			 len[] = { KA_LEN(ka_printer),
				    KA_LEN(ka_echoer), KA_LEN(ka_minimal) };
	size_t			 i, j;

	(void)state;
	for (i = 0; i < 3; i++)
		for (j = 0; j < len[i]; j++)
			decode_fails(vec[i], j, NULL);
	decode_fails(NULL, 0, "truncated");
	decode_fails(ka_printer, 3, "truncated");
}

static void
test_bad_inputs(void **state)
{
	unsigned char	 buf[OCKAM_MSG_MAX + 16];
	struct tmsg	 m;
	struct cursor	 c;
	struct route	 r;
	const char	*errstr;
	size_t		 n;

	(void)state;
	/* versions */
	memcpy(buf, ka_echoer, KA_LEN(ka_echoer));
	buf[0] = 2;
	decode_fails(buf, KA_LEN(ka_echoer), "unsupported version");
	buf[0] = 0;
	decode_fails(buf, KA_LEN(ka_echoer), "unsupported version");

	/* a route over the maximum; exactly the maximum is fine */
	n = mkmsg(buf, OCKAM_ROUTE_MAX + 1, 1);
	decode_fails(buf, n, "route too long");
	n = mkmsg(buf, OCKAM_ROUTE_MAX, 1);
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, buf, n, &errstr), 0);
	assert_int_equal(m.onward.n, OCKAM_ROUTE_MAX);
	tmsg_clear(&m);
	/* a huge count */
	decode_fails("\x01\xff\xff\xff\xff\x0f", 6, "route too long");

	/* address value lengths */
	n = mkmsg(buf, 1, OCKAM_ADDR_MAX + 1);
	decode_fails(buf, n, "address too long");
	n = mkmsg(buf, 1, OCKAM_ADDR_MAX);
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, buf, n, &errstr), 0);
	assert_int_equal(route_head(&m.onward)->len, OCKAM_ADDR_MAX);
	tmsg_clear(&m);
	decode_fails("\x01\x01\x00\x00\x00\x00", 6, "bad address");
	decode_fails("\x01\x01\x00\x03" "a b" "\x00\x00", 8, "bad address");
	decode_fails("\x01\x01\x01\x03" "a\0b" "\x00\x00", 8, "bad address");

	/* trailing junk and the tracing trailer */
	memcpy(buf, ka_echoer, KA_LEN(ka_echoer));
	n = KA_LEN(ka_echoer);
	buf[n] = 0x00;
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, buf, n + 1, &errstr), 0);
	encode_ok(&m, ka_echoer, n);
	tmsg_clear(&m);
	buf[n + 1] = 0x00;
	decode_fails(buf, n + 2, "trailing bytes");
	buf[n] = 0x02;
	decode_fails(buf, n + 1, "trailing bytes");
	memcpy(buf + n, "\x01\x05{\"a\"}", 7);
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, buf, n + 7, &errstr), 0);
	encode_ok(&m, ka_echoer, n);
	tmsg_clear(&m);
	decode_fails(buf, n + 6, "trailing bytes");
	decode_fails(buf, n + 1, "trailing bytes");
	buf[n + 7] = 'x';
	decode_fails(buf, n + 8, "trailing bytes");

	/* oversized input and payload */
	memset(buf, 0, sizeof(buf));
	decode_fails(buf, OCKAM_MSG_MAX + 1, "message too long");
	buf[0] = 1;
	buf[1] = 0;
	buf[2] = 0;
	buf[3] = 0xff;		/* 65535 > what is left */
	buf[4] = 0xff;
	buf[5] = 0x03;
	decode_fails(buf, OCKAM_MSG_MAX, "truncated");
	buf[3] = 0xf9;		/* 65529 fits exactly */
	tmsg_init(&m);
	assert_int_equal(tmsg_decode(&m, buf, OCKAM_MSG_MAX, &errstr), 0);
	assert_int_equal(m.plen, OCKAM_MSG_MAX - 6);
	tmsg_clear(&m);

	/* route_decode on its own leaves the route alone on failure */
	route_init(&r);
	assert_int_equal(route_push_back(&r, 0, "keep", 4), 0);
	cur_init(&c, "\x02\x00\x01" "a" "\x00", 5);
	errstr = NULL;
	assert_int_equal(route_decode(&c, &r, &errstr), -1);
	assert_string_equal(errstr, "truncated");
	assert_int_equal(r.n, 1);
	cur_init(&c, "\x02\x00\x01" "a" "\x00\x01" "b", 7);
	assert_int_equal(route_decode(&c, &r, &errstr), 0);
	assert_int_equal(cur_end(&c), 0);
	assert_int_equal(r.n, 3);
	assert_true(addr_is(route_head(&r), 0, "keep"));
	route_clear(&r);
}

static void
test_encode_limits(void **state)
{
	struct tmsg	 m;
	struct ibuf	*b;
	unsigned char	*big;
	size_t		 room;

	(void)state;
	big = calloc(1, OCKAM_MSG_MAX + 1);
	assert_non_null(big);
	tmsg_init(&m);
	assert_int_equal(route_push_back(&m.onward, 0, "echoer", 6), 0);
	/* 1 + 9 + 1 + 3-byte length: the largest payload that fits */
	room = OCKAM_MSG_MAX - 1 - 9 - 1 - 3;
	assert_int_equal(tmsg_set_payload(&m, big, room), 0);
	assert_int_equal(tmsg_encoded_len(&m), OCKAM_MSG_MAX);
	b = ibuf_open(64, OCKAM_MSG_MAX);
	assert_non_null(b);
	assert_int_equal(tmsg_encode(b, &m), 0);
	assert_int_equal(ibuf_size(b), OCKAM_MSG_MAX);
	ibuf_free(b);

	assert_int_equal(tmsg_set_payload(&m, big, room + 1), 0);
	assert_int_equal(tmsg_encoded_len(&m), OCKAM_MSG_MAX + 1);
	b = ibuf_open(64, 2 * OCKAM_MSG_MAX);
	assert_non_null(b);
	errno = 0;
	assert_int_equal(tmsg_encode(b, &m), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(ibuf_size(b), 0);
	ibuf_free(b);

	/* an ibuf too small fails cleanly */
	assert_int_equal(tmsg_set_payload(&m, "hi", 2), 0);
	b = ibuf_open(4, 8);
	assert_non_null(b);
	assert_int_equal(tmsg_encode(b, &m), -1);
	assert_int_equal(ibuf_error(b), -1);
	ibuf_free(b);

	tmsg_clear(&m);
	free(big);
}

/* xorshift64*: deterministic, no libc state. */
static uint64_t
prng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

static void
test_mutations(void **state)
{
	const unsigned char	*vec[] = { ka_printer, ka_echoer, ka_minimal };
	size_t			 vlen[] = { KA_LEN(ka_printer),
				    KA_LEN(ka_echoer), KA_LEN(ka_minimal) };
	unsigned char		 in[128];
	struct tmsg		 m, m2;
	struct ibuf		*b, *b2;
	uint64_t		 seed = 0x0ca11ab1e5eedULL;
	size_t			 len, k, nmut, nonward;
	int			 checked;
	int			 iter, ok = 0, bad = 0;

	(void)state;
	for (iter = 0; iter < 5000; iter++) {
		k = iter % 3;
		len = vlen[k];
		memcpy(in, vec[k], len);
		nmut = 1 + prng(&seed) % 4;
		while (nmut-- > 0) {
			switch (prng(&seed) % 4) {
			case 0:		/* flip a byte */
				in[prng(&seed) % len] = prng(&seed);
				break;
			case 1:		/* flip a bit */
				in[prng(&seed) % len] ^=
				    1 << (prng(&seed) % 8);
				break;
			case 2:		/* shorten */
				if (len > 4)
					len -= 1 + prng(&seed) % 3;
				break;
			default:	/* append a byte */
				if (len < sizeof(in))
					in[len++] = prng(&seed);
				break;
			}
		}

		/* tmsg_check() takes exactly what tmsg_decode() takes. */
		checked = tmsg_check(in, len, &nonward, NULL);
		tmsg_init(&m);
		if (tmsg_decode(&m, in, len, NULL) == -1) {
			assert_int_equal(checked, -1);
			assert_int_equal(m.onward.n + m.ret.n + m.plen, 0);
			tmsg_clear(&m);
			bad++;
			continue;
		}
		ok++;
		assert_int_equal(checked, 0);
		assert_int_equal(nonward, m.onward.n);
		/* re-encode; minimal varints can only make it shorter */
		b = ibuf_open(16, OCKAM_MSG_MAX);
		assert_non_null(b);
		assert_int_equal(tmsg_encode(b, &m), 0);
		assert_int_equal(ibuf_size(b), tmsg_encoded_len(&m));
		assert_true(ibuf_size(b) <= len);
		/* and the re-encoding is a fixed point */
		tmsg_init(&m2);
		assert_int_equal(tmsg_decode(&m2, ibuf_data(b), ibuf_size(b),
		    NULL), 0);
		b2 = ibuf_open(16, OCKAM_MSG_MAX);
		assert_non_null(b2);
		assert_int_equal(tmsg_encode(b2, &m2), 0);
		assert_int_equal(ibuf_size(b2), ibuf_size(b));
		assert_memory_equal(ibuf_data(b2), ibuf_data(b),
		    ibuf_size(b));
		ibuf_free(b);
		ibuf_free(b2);
		tmsg_clear(&m);
		tmsg_clear(&m2);
	}
	/* the loop exercises both outcomes */
	assert_true(ok > 50);
	assert_true(bad > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_valid),
		cmocka_unit_test(test_route_ops),
		cmocka_unit_test(test_hop),
		cmocka_unit_test(test_tmsg_ops),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_decode_routes),
		cmocka_unit_test(test_decode_take),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
