/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/portal.c: Ockam's PortalMessage, its known
 * answers (Ockam's tunnel_protocol_test.exs), our Credit extension,
 * and malformed input.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portal.h"

static int
decode(const uint8_t *p, size_t len, struct portal_msg *pm)
{
	const char	*why = NULL;
	int		 r;

	r = portal_decode(p, len, pm, &why);
	if (r == -1)
		assert_non_null(why);
	return (r);
}

static void
test_known_answers(void **state)
{
	static const uint8_t	 plain[] = { 0x03, 0x02, 0x05, 0x05, 0x00 };
	static const uint8_t	 counted[] = { 0x03, 0x02, 0x05, 0x05, 0x01,
				    0xbb, 0xaa };
	static const uint8_t	 old[] = { 0x03, 0x02, 0x05, 0x05 };
	struct portal_msg	 pm;
	uint8_t			 out[PORTAL_HEAD_MAX];

	(void)state;
	assert_int_equal(decode(plain, sizeof(plain), &pm), 0);
	assert_int_equal(pm.kind, PORTAL_PAYLOAD);
	assert_int_equal(pm.len, 2);
	assert_memory_equal(pm.data, "\x05\x05", 2);
	assert_false(pm.has_counter);
	assert_int_equal(decode(counted, sizeof(counted), &pm), 0);
	assert_true(pm.has_counter);
	assert_int_equal(pm.counter, 0xaabb);
	assert_int_equal(pm.len, 2);
	assert_int_equal(decode(old, sizeof(old), &pm), 0);
	assert_int_equal(pm.len, 2);
	assert_false(pm.has_counter);
	/* Ours, as Ockam's Rust encoder: no counter. */
	assert_int_equal(portal_payload_head(out, sizeof(out), 2), 2);
	assert_memory_equal(out, old, 2);
}

static void
test_control(void **state)
{
	struct portal_msg	 pm;
	uint8_t			 b;

	(void)state;
	for (b = PORTAL_PING; b <= PORTAL_DISCONNECT; b++) {
		assert_int_equal(decode(&b, 1, &pm), 0);
		assert_int_equal(pm.kind, b);
		assert_false(pm.credit_ok);
	}
	b = PORTAL_SHUTDOWN;
	assert_int_equal(decode(&b, 1, &pm), 0);
	assert_int_equal(pm.kind, PORTAL_SHUTDOWN);
}

static void
test_credit(void **state)
{
	static const uint8_t	 ext[] = { 0x00, 0xc1, 0x80, 0x80, 0x10 };
	static const uint8_t	 other[] = { 0x01, 0x07, 0x01 };
	struct portal_msg	 pm;
	uint8_t			 out[PORTAL_HEAD_MAX];
	size_t			 n;

	(void)state;
	assert_int_equal(decode(ext, sizeof(ext), &pm), 0);
	assert_int_equal(pm.kind, PORTAL_PING);
	assert_true(pm.credit_ok);
	assert_int_equal(pm.window, 1 << 18);
	/* Another's extension after a Pong: a Pong, no credit. */
	assert_int_equal(decode(other, sizeof(other), &pm), 0);
	assert_int_equal(pm.kind, PORTAL_PONG);
	assert_false(pm.credit_ok);
	assert_false(pm.shutdown_ok);
	n = portal_encode_ping(out, sizeof(out), 1, 1 << 20, 1);
	assert_int_equal(decode(out, n, &pm), 0);
	assert_int_equal(pm.kind, PORTAL_PONG);
	assert_true(pm.credit_ok);
	assert_true(pm.shutdown_ok);
	assert_int_equal(pm.window, 1 << 20);
	n = portal_encode_ping(out, sizeof(out), 0, 0, 1);
	assert_int_equal(n, 2);
	assert_int_equal(decode(out, n, &pm), 0);
	assert_true(pm.shutdown_ok);
	assert_false(pm.credit_ok);
	assert_int_equal(portal_encode_ping(out, sizeof(out), 0, 0, 0), 1);
	assert_int_equal(out[0], PORTAL_PING);
	n = portal_encode_credit(out, sizeof(out), 65536);
	assert_int_equal(decode(out, n, &pm), 0);
	assert_int_equal(pm.kind, PORTAL_CREDIT);
	assert_int_equal(pm.window, 65536);
	assert_int_equal(portal_encode_credit(out, sizeof(out), 0), 0);
	assert_int_equal(portal_encode_credit(out, 2, 1), 0);
}

static void
test_payload_max(void **state)
{
	struct portal_msg	 pm;
	uint8_t			*buf;
	size_t			 h;

	(void)state;
	buf = calloc(1, PORTAL_DATA_MAX + PORTAL_HEAD_MAX + 1);
	assert_non_null(buf);
	h = portal_payload_head(buf, PORTAL_HEAD_MAX, PORTAL_DATA_MAX);
	assert_int_equal(decode(buf, h + PORTAL_DATA_MAX, &pm), 0);
	assert_int_equal(pm.len, PORTAL_DATA_MAX);
	assert_ptr_equal(pm.data, buf + h);
	/* One byte more is refused, both ways. */
	assert_int_equal(portal_payload_head(buf, PORTAL_HEAD_MAX,
	    PORTAL_DATA_MAX + 1), 0);
	buf[0] = PORTAL_PAYLOAD;
	buf[1] = 0x81;
	buf[2] = 0x80;
	buf[3] = 0x03;		/* 49153 */
	assert_int_equal(decode(buf, 4 + PORTAL_DATA_MAX + 1, &pm), -1);
	free(buf);
}

static void
test_malformed(void **state)
{
	static const struct {
		uint8_t	 b[8];
		size_t	 len;
	} bad[] = {
		{ { 0 }, 0 },				/* empty */
		{ { 0x04 }, 1 },			/* unknown */
		{ { 0xff, 0x00 }, 2 },
		{ { 0x02, 0x00 }, 2 },			/* trailing */
		{ { 0x03 }, 1 },			/* no length */
		{ { 0x03, 0x05, 0x01 }, 3 },		/* truncated */
		{ { 0x03, 0x02, 0x05, 0x05, 0x02 }, 5 },	/* bad tag */
		{ { 0x03, 0x02, 0x05, 0x05, 0x01, 0xbb }, 6 },	/* short */
		{ { 0x03, 0x02, 0x05, 0x05, 0x00, 0x00 }, 6 },	/* trailing */
		{ { 0x03, 0x02, 0x05, 0x05, 0x01, 0xbb, 0xaa, 0x00 }, 8 },
		{ { 0xc1, 0x00 }, 2 },			/* no credit */
		{ { 0xc1 }, 1 },
		{ { 0xc1, 0x80, 0x80, 0x80, 0x80, 0x10 }, 6 },	/* over 1 GiB */
		{ { 0xc1, 0x01, 0x00 }, 3 },		/* trailing */
		{ { 0x00, 0xc1, 0x00 }, 3 },		/* window 0 */
		{ { 0x01, 0xc1 }, 2 },			/* no window */
		{ { 0xc2, 0x00 }, 2 },			/* trailing */
		{ { 0x00, 0xc2, 0xc1 }, 3 },		/* no window */
	};
	struct portal_msg	 pm;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (decode(bad[i].b, bad[i].len, &pm) != -1)
			fail_msg("case %zu decoded", i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_payload_max),
		cmocka_unit_test(test_malformed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
