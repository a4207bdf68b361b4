/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/stream.c: every known answer of the stream and
 * index protocols (doc/design.md 4.5), both ways, and malformed input:
 * truncation at every byte, trailing bytes, bad tags, integers past 64
 * bits, over-long and NUL-carrying names.
 */

#include <sys/queue.h>

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
#include "stream.h"

/* The 30-byte TransportMessage of doc/design.md 4.3 (echoer, app). */
#define ENVELOPE \
    "\x01" "\x01" "\x00\x06" "echoer" "\x01" "\x00\x03" "app" \
    "\x0d" "\x0c" "Hello Ockam!"
#define ENVELOPE_LEN	30

#define KA(s)		(const unsigned char *)(s), sizeof(s) - 1

/* Which message a byte string is decoded as. */
enum kind {
	K_CREATE, K_INIT, K_PUSH, K_CONFIRM, K_PULL, K_PULLED, K_INDEX,
	K_INDEX_REPLY, K_ERROR
};

static const int kind_proto[] = {
	[K_CREATE] = STREAM_P_CREATE, [K_INIT] = STREAM_P_CREATE,
	[K_PUSH] = STREAM_P_PUSH, [K_CONFIRM] = STREAM_P_PUSH,
	[K_PULL] = STREAM_P_PULL, [K_PULLED] = STREAM_P_PULL,
	[K_INDEX] = STREAM_P_INDEX, [K_INDEX_REPLY] = STREAM_P_INDEX,
	[K_ERROR] = STREAM_P_ERROR,
};

/* Everything a decoder may fill in. */
struct decoded {
	struct stream_create	 create;
	struct stream_push	 push;
	struct stream_confirm	 confirm;
	struct stream_pull	 pull;
	struct stream_pulled	 pulled;
	struct stream_index	 index;
	char			 reason[STREAM_REASON_MAX + 1];
};

static int	 decode_as(enum kind, const void *, size_t, struct decoded *,
		    const char **);
static void	 check_bytes(struct ibuf *, const unsigned char *, size_t);
static void	 check_malformed(enum kind, const unsigned char *, size_t);
static void	 known_answer(enum kind, struct ibuf *, const unsigned char *,
		    size_t, struct decoded *);

static int
decode_as(enum kind k, const void *buf, size_t len, struct decoded *d,
    const char **errstr)
{
	struct cursor	 c;
	int		 proto;

	memset(d, 0, sizeof(*d));
	if (stream_decode(buf, len, &proto, &c, errstr) == -1)
		return (-1);
	if (proto != kind_proto[k]) {
		*errstr = "other protocol";
		return (-1);
	}
	switch (k) {
	case K_CREATE:
		return (stream_dec_create(&c, &d->create, errstr));
	case K_INIT:
		return (stream_dec_init(&c, &d->create, errstr));
	case K_PUSH:
		return (stream_dec_push(&c, &d->push, errstr));
	case K_CONFIRM:
		return (stream_dec_confirm(&c, &d->confirm, errstr));
	case K_PULL:
		return (stream_dec_pull(&c, &d->pull, errstr));
	case K_PULLED:
		return (stream_dec_pulled(&c, &d->pulled, errstr));
	case K_INDEX:
		return (stream_dec_index(&c, &d->index, errstr));
	case K_INDEX_REPLY:
		return (stream_dec_index_reply(&c, &d->index, errstr));
	case K_ERROR:
		return (stream_dec_error(&c, d->reason, sizeof(d->reason),
		    errstr));
	}
	return (-1);
}

/* The buffer holds exactly want; it is freed. */
static void
check_bytes(struct ibuf *b, const unsigned char *want, size_t len)
{
	assert_int_equal(ibuf_error(b), 0);
	assert_int_equal(ibuf_size(b), len);
	assert_memory_equal(ibuf_data(b), want, len);
	ibuf_free(b);
}

/*
 * A known answer decodes; every prefix of it and it with one byte more
 * fail, each with a reason.
 */
static void
check_malformed(enum kind k, const unsigned char *ka, size_t len)
{
	struct decoded	 d;
	unsigned char	*buf;
	const char	*errstr;
	size_t		 i;

	errstr = NULL;
	assert_int_equal(decode_as(k, ka, len, &d, &errstr), 0);
	assert_null(errstr);
	buf = malloc(len + 1);
	assert_non_null(buf);
	memcpy(buf, ka, len);
	for (i = 0; i < len; i++) {
		errstr = NULL;
		assert_int_equal(decode_as(k, buf, i, &d, &errstr), -1);
		assert_non_null(errstr);
	}
	buf[len] = 0;
	errstr = NULL;
	assert_int_equal(decode_as(k, buf, len + 1, &d, &errstr), -1);
	assert_non_null(errstr);
	free(buf);
}

/*
 * The buffer holds the known answer (it is freed), which decodes into
 * *d and is malformed when cut or extended.
 */
static void
known_answer(enum kind k, struct ibuf *b, const unsigned char *ka,
    size_t len, struct decoded *d)
{
	const char	*errstr = NULL;

	check_bytes(b, ka, len);
	check_malformed(k, ka, len);
	assert_int_equal(decode_as(k, ka, len, d, &errstr), 0);
}

static struct ibuf *
newbuf(void)
{
	struct ibuf	*b;

	b = ibuf_open(64, OCKAM_MSG_MAX);
	assert_non_null(b);
	return (b);
}

static void
test_ka_create(void **state)
{
	static const unsigned char named[] =
	    "\x0d" "stream_create" "\x0e" "\x01" "\x0c" "alice_to_bob";
	static const unsigned char anon[] =
	    "\x0d" "stream_create" "\x01" "\x00";
	struct decoded	 d;
	struct ibuf	*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_create(b, "alice_to_bob"), 0);
	known_answer(K_CREATE, b, KA(named), &d);
	assert_int_equal(d.create.has_name, 1);
	assert_string_equal(d.create.name, "alice_to_bob");

	b = newbuf();
	assert_int_equal(stream_enc_create(b, NULL), 0);
	known_answer(K_CREATE, b, KA(anon), &d);
	assert_int_equal(d.create.has_name, 0);
}

static void
test_ka_init(void **state)
{
	static const unsigned char init[] =
	    "\x0d" "stream_create" "\x0d" "\x0c" "alice_to_bob";
	struct decoded	 d;
	const char	*errstr;
	struct ibuf	*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_init(b, "alice_to_bob"), 0);
	known_answer(K_INIT, b, KA(init), &d);
	assert_string_equal(d.create.name, "alice_to_bob");
	/* an Init is no request: its name's length is no optional tag */
	assert_int_equal(decode_as(K_CREATE, KA(init), &d, &errstr), -1);
}

static void
test_ka_push(void **state)
{
	static const unsigned char push[] =
	    "\x0b" "stream_push" "\x20" "\x00" "\x1e" ENVELOPE;
	static const unsigned char confirm[] =
	    "\x0b" "stream_push" "\x03" "\x00\x00\x00";
	struct stream_push	 p = { 0, ENVELOPE, ENVELOPE_LEN };
	struct stream_confirm	 c = { 0, STREAM_OK, 0 };
	struct decoded		 d;
	struct ibuf		*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_push(b, &p), 0);
	known_answer(K_PUSH, b, KA(push), &d);
	assert_int_equal(d.push.request_id, 0);
	assert_int_equal(d.push.len, ENVELOPE_LEN);
	assert_memory_equal(d.push.data, ENVELOPE, ENVELOPE_LEN);

	b = newbuf();
	assert_int_equal(stream_enc_confirm(b, &c), 0);
	known_answer(K_CONFIRM, b, KA(confirm), &d);
	assert_int_equal(d.confirm.request_id, 0);
	assert_int_equal(d.confirm.status, STREAM_OK);
	assert_int_equal(d.confirm.index, 0);
}

static void
test_ka_pull(void **state)
{
	static const unsigned char pull[] =
	    "\x0b" "stream_pull" "\x03" "\x03\x05\x08";
	static const unsigned char pulled[] =
	    "\x0b" "stream_pull" "\x22" "\x01" "\x01" "\x00" "\x1e" ENVELOPE;
	struct stream_pull	 p = { 3, 5, 8 };
	struct stream_msg	 m = { 0, ENVELOPE, ENVELOPE_LEN }, got;
	struct decoded		 d;
	const char		*errstr;
	struct ibuf		*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_pull(b, &p), 0);
	known_answer(K_PULL, b, KA(pull), &d);
	assert_int_equal(d.pull.request_id, 3);
	assert_int_equal(d.pull.index, 5);
	assert_int_equal(d.pull.limit, 8);

	b = newbuf();
	assert_int_equal(stream_enc_pulled(b, 1, &m, 1), 0);
	known_answer(K_PULLED, b, KA(pulled), &d);
	assert_int_equal(d.pulled.request_id, 1);
	assert_int_equal(d.pulled.count, 1);
	assert_int_equal(stream_pulled_next(&d.pulled, &got, &errstr), 1);
	assert_int_equal(got.index, 0);
	assert_int_equal(got.len, ENVELOPE_LEN);
	assert_memory_equal(got.data, ENVELOPE, ENVELOPE_LEN);
	assert_int_equal(stream_pulled_next(&d.pulled, &got, &errstr), 0);
	assert_int_equal(stream_msg_len(0, ENVELOPE_LEN), 32);
}

static void
test_ka_index(void **state)
{
	static const unsigned char get[] =
	    "\x0c" "stream_index" "\x11" "\x00" "\x02" "c1"
	    "\x0c" "bob_to_alice";
	static const unsigned char save[] =
	    "\x0c" "stream_index" "\x12" "\x01" "\x02" "c1"
	    "\x0c" "bob_to_alice" "\x06";
	static const unsigned char reply[] =
	    "\x0c" "stream_index" "\x12" "\x02" "c1"
	    "\x0c" "bob_to_alice" "\x01\x06";
	static const unsigned char absent[] =
	    "\x0c" "stream_index" "\x11" "\x02" "c1"
	    "\x0c" "bob_to_alice" "\x00";
	struct stream_index	 i = { STREAM_INDEX_GET, "c1", "bob_to_alice",
				    0, 0 };
	struct decoded		 d;
	struct ibuf		*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_index(b, &i), 0);
	known_answer(K_INDEX, b, KA(get), &d);
	assert_int_equal(d.index.op, STREAM_INDEX_GET);
	assert_string_equal(d.index.client_id, "c1");
	assert_string_equal(d.index.name, "bob_to_alice");
	assert_int_equal(d.index.has_index, 0);

	i.op = STREAM_INDEX_SAVE;
	i.has_index = 1;
	i.index = 6;
	b = newbuf();
	assert_int_equal(stream_enc_index(b, &i), 0);
	known_answer(K_INDEX, b, KA(save), &d);
	assert_int_equal(d.index.op, STREAM_INDEX_SAVE);
	assert_int_equal(d.index.index, 6);

	i.op = STREAM_INDEX_REPLY;
	b = newbuf();
	assert_int_equal(stream_enc_index(b, &i), 0);
	known_answer(K_INDEX_REPLY, b, KA(reply), &d);
	assert_int_equal(d.index.has_index, 1);
	assert_int_equal(d.index.index, 6);
	assert_string_equal(d.index.name, "bob_to_alice");

	/* never saved: the index is absent, which is not 0 */
	i.has_index = 0;
	b = newbuf();
	assert_int_equal(stream_enc_index(b, &i), 0);
	known_answer(K_INDEX_REPLY, b, KA(absent), &d);
	assert_int_equal(d.index.has_index, 0);
}

static void
test_ka_error(void **state)
{
	static const unsigned char err[] =
	    "\x05" "error" "\x10" "\x0f" "Invalid request";
	struct decoded	 d;
	struct ibuf	*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_error(b, "Invalid request"), 0);
	known_answer(K_ERROR, b, KA(err), &d);
	assert_string_equal(d.reason, "Invalid request");
}

/* Integers are full 64 bits; one bit more is refused, not wrapped. */
static void
test_uint64(void **state)
{
	static const unsigned char max[] =
	    "\x0b" "stream_pull" "\x19"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
	    "\x80\x80\x80\x80\x10";
	static const unsigned char over[] =
	    "\x0b" "stream_pull" "\x0c" "\x00\x00"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";
	static const unsigned char eleven[] =
	    "\x0b" "stream_pull" "\x0d" "\x00\x00"
	    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00";
	struct stream_pull	 p = { UINT64_MAX, UINT64_MAX, 1ULL << 32 };
	struct decoded		 d;
	const char		*errstr;
	struct ibuf		*b;

	(void)state;
	b = newbuf();
	assert_int_equal(stream_enc_pull(b, &p), 0);
	known_answer(K_PULL, b, KA(max), &d);
	assert_true(d.pull.request_id == UINT64_MAX);
	assert_true(d.pull.index == UINT64_MAX);
	assert_true(d.pull.limit == 1ULL << 32);
	errstr = NULL;
	assert_int_equal(decode_as(K_PULL, KA(over), &d, &errstr), -1);
	assert_non_null(errstr);
	errstr = NULL;
	assert_int_equal(decode_as(K_PULL, KA(eleven), &d, &errstr), -1);
	assert_non_null(errstr);
}

static void
test_bad_inputs(void **state)
{
	static const unsigned char unknown[] = "\x05" "strea" "\x01" "\x00";
	static const unsigned char status[] =
	    "\x0b" "stream_push" "\x03" "\x00\x02\x00";
	static const unsigned char variant[] =
	    "\x0c" "stream_index" "\x11" "\x02" "\x02" "c1"
	    "\x0c" "bob_to_alice";
	static const unsigned char option[] =
	    "\x0d" "stream_create" "\x0e" "\x02" "\x0c" "alice_to_bob";
	static const unsigned char nul[] =
	    "\x0d" "stream_create" "\x05" "\x01" "\x03" "a\0b";
	static const unsigned char inner[] =
	    "\x0b" "stream_pull" "\x04" "\x03\x05\x08\x00";
	static const unsigned char count[] =
	    "\x0b" "stream_pull" "\x06" "\x01\x7f" "\x00\x01" "x" "\x00";
	static const unsigned char datalen[] =
	    "\x0b" "stream_push" "\x03" "\x00\x05" "x";
	struct decoded	 d;
	const char	*errstr;
	unsigned char	*big;
	struct ibuf	*b;
	size_t		 n;

	(void)state;
	assert_int_equal(decode_as(K_CREATE, KA(unknown), &d, &errstr), -1);
	assert_string_equal(errstr, "unknown protocol");
	assert_int_equal(decode_as(K_CONFIRM, KA(status), &d, &errstr), -1);
	assert_string_equal(errstr, "bad status");
	assert_int_equal(decode_as(K_INDEX, KA(variant), &d, &errstr), -1);
	assert_string_equal(errstr, "bad index request variant");
	assert_int_equal(decode_as(K_CREATE, KA(option), &d, &errstr), -1);
	assert_string_equal(errstr, "bad optional tag");
	assert_int_equal(decode_as(K_CREATE, KA(nul), &d, &errstr), -1);
	assert_string_equal(errstr, "bad stream name");
	assert_int_equal(decode_as(K_PULL, KA(inner), &d, &errstr), -1);
	assert_string_equal(errstr, "trailing bytes");
	assert_int_equal(decode_as(K_PULLED, KA(count), &d, &errstr), -1);
	assert_string_equal(errstr, "message count beyond the data");
	assert_int_equal(decode_as(K_PUSH, KA(datalen), &d, &errstr), -1);
	assert_non_null(errstr);

	/* A 10 KB name: refused by the decoder, never copied. */
	n = 10 * 1024;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	b = ibuf_open(64, 0x10000);
	assert_non_null(b);
	assert_int_equal(stream_enc_create(b, (char *)big), -1);
	ibuf_add_string(b, "stream_create");
	ibuf_add_uvarint(b, 1 + uvarint_len(n) + n);
	ibuf_add_u8(b, 1);
	ibuf_add_bare(b, big, n);
	assert_int_equal(ibuf_error(b), 0);
	assert_int_equal(decode_as(K_CREATE, ibuf_data(b), ibuf_size(b), &d,
	    &errstr), -1);
	assert_string_equal(errstr, "bad stream name");
	ibuf_free(b);
	free(big);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(stream_proto_name(STREAM_P_INDEX),
	    "stream_index");
	assert_string_equal(stream_proto_name(-1), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ka_create),
		cmocka_unit_test(test_ka_init),
		cmocka_unit_test(test_ka_push),
		cmocka_unit_test(test_ka_pull),
		cmocka_unit_test(test_ka_index),
		cmocka_unit_test(test_ka_error),
		cmocka_unit_test(test_uint64),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_names),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
