/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/multiaddr.c: route text in and out.
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

#include "multiaddr.h"
#include "route.h"

struct good {
	const char	*text;
	size_t		 n;
	uint8_t		 type[3];
	const char	*val[3];
	const char	*canon;		/* print result, NULL: same as text */
};

static const struct good goods[] = {
	{ "/service/echoer", 1, { 0 }, { "echoer" }, NULL },
	{ "/secure/chan-1", 1, { 0 }, { "chan-1" }, "/service/chan-1" },
	{ "/service/secure_channel_listener", 1, { 0 },
	    { "secure_channel_listener" }, NULL },
	{ "/service/a.b:c+d@e~f-g", 1, { 0 }, { "a.b:c+d@e~f-g" }, NULL },
	{ "/ip4/127.0.0.1/tcp/4000/service/echoer", 2, { 1, 0 },
	    { "127.0.0.1:4000", "echoer" }, NULL },
	{ "/ip4/10.0.0.1/tcp/1/ip4/10.0.0.2/tcp/65535/service/x", 3,
	    { 1, 1, 0 }, { "10.0.0.1:1", "10.0.0.2:65535", "x" }, NULL },
	{ "/ip6/::1/tcp/4000", 1, { 1 }, { "[::1]:4000" }, NULL },
	{ "/ip6/2001:DB8:0:0:0:0:0:1/tcp/80", 1, { 1 },
	    { "[2001:db8::1]:80" }, "/ip6/2001:db8::1/tcp/80" },
	{ "/dnsaddr/localhost/tcp/4000", 1, { 1 }, { "localhost:4000" },
	    NULL },
	{ "/dnsaddr/Node-1.Example.com/tcp/443/secure/api", 2, { 1, 0 },
	    { "Node-1.Example.com:443", "api" },
	    "/dnsaddr/Node-1.Example.com/tcp/443/service/api" },
	{ "/ip4/1.2.3.4/tcp/0080", 1, { 1 }, { "1.2.3.4:80" },
	    "/ip4/1.2.3.4/tcp/80" },
};

struct bad {
	const char	*text;
	const char	*needle;	/* must appear in the error */
};

static const struct bad bads[] = {
	{ "", "empty route" },
	{ "/", "empty route" },
	{ "service/echoer", "start with '/'" },
	{ "/service/a/foo/bar", "unknown protocol 'foo' at component 3" },
	{ "/udp/1", "unknown protocol 'udp' at component 1" },
	{ "/ip4/1.2.3/tcp/80", "bad IPv4 address '1.2.3'" },
	{ "/ip4/1.2.3.256/tcp/80", "bad IPv4 address '1.2.3.256'" },
	{ "/ip4/01.2.3.4/tcp/80", "bad IPv4 address" },
	{ "/ip4/ 1.2.3.4/tcp/80", "bad IPv4 address" },
	{ "/ip4/::1/tcp/80", "bad IPv4 address '::1'" },
	{ "/ip6/1.2.3.4/tcp/80", "bad IPv6 address '1.2.3.4'" },
	{ "/ip6/1:::2/tcp/80", "bad IPv6 address" },
	{ "/ip4/1.2.3.4/tcp/70000", "port '70000' out of range" },
	{ "/ip4/1.2.3.4/tcp/0", "port '0' out of range" },
	{ "/ip4/1.2.3.4/tcp/99999999999999999999999", "out of range" },
	{ "/ip4/1.2.3.4/tcp/+80", "bad port '+80'" },
	{ "/ip4/1.2.3.4/tcp/-1", "bad port '-1'" },
	{ "/ip4/1.2.3.4/tcp/ 80", "bad port ' 80'" },
	{ "/ip4/1.2.3.4/tcp/80x", "bad port '80x'" },
	{ "/ip4/1.2.3.4", "/ip4 must be followed by /tcp/PORT" },
	{ "/ip4/1.2.3.4/service/x", "/ip4 must be followed by /tcp/PORT" },
	{ "/ip6/::1/udp/4", "/ip6 must be followed by /tcp/PORT" },
	{ "/dnsaddr/h", "/dnsaddr must be followed by /tcp/PORT" },
	{ "/ip4/1.2.3.4/tcp", "missing port after /tcp" },
	{ "/ip4", "missing address after /ip4" },
	{ "/dnsaddr", "missing host name after /dnsaddr" },
	{ "/service", "missing name after /service" },
	{ "/ip4/1.2.3.4/tcp/1/secure", "missing name after /secure" },
	{ "/service/x y", "name 'x y' has invalid characters" },
	{ "/service/a#b", "name 'a#b' has invalid characters" },
	{ "/service/a\nb", "name 'a?b' has invalid characters" },
	{ "/service//x", "empty component 2" },
	{ "//service/x", "empty component 1" },
	{ "/service/x/", "trailing '/'" },
	{ "/tcp/80", "/tcp at component 1 must follow" },
	{ "/dnsaddr/a..b/tcp/1", "bad host name 'a..b'" },
	{ "/dnsaddr/.a/tcp/1", "bad host name" },
	{ "/dnsaddr/a./tcp/1", "bad host name" },
	{ "/dnsaddr/a_b/tcp/1", "bad host name 'a_b'" },
};

static void
test_parse_good(void **state)
{
	struct route	 r;
	struct addr	*a;
	char		 err[128], out[512];
	size_t		 i, j;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		route_init(&r);
		err[0] = 'X';
		if (multiaddr_parse(goods[i].text, &r, err, sizeof(err)) != 0)
			fail_msg("%s: %s", goods[i].text, err);
		assert_string_equal(err, "");
		assert_int_equal(r.n, goods[i].n);
		j = 0;
		TAILQ_FOREACH(a, &r.q, entry) {
			assert_true(addr_is(a, goods[i].type[j],
			    goods[i].val[j]));
			j++;
		}
		assert_int_equal(multiaddr_print(&r, out, sizeof(out)), 0);
		assert_string_equal(out, goods[i].canon != NULL ?
		    goods[i].canon : goods[i].text);
		route_clear(&r);
	}
}

static void
test_parse_bad(void **state)
{
	struct route	 r;
	char		 err[128];
	size_t		 i;

	(void)state;
	route_init(&r);
	assert_int_equal(route_push_back(&r, 0, "keep", 4), 0);
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err[0] = '\0';
		assert_int_equal(multiaddr_parse(bads[i].text, &r, err,
		    sizeof(err)), -1);
		if (strstr(err, bads[i].needle) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", bads[i].text,
			    err, bads[i].needle);
		/* the route is as it was */
		assert_int_equal(r.n, 1);
		assert_true(addr_is(route_head(&r), 0, "keep"));
	}
	/* no error buffer is fine */
	assert_int_equal(multiaddr_parse("/bogus", &r, NULL, 0), -1);
	assert_int_equal(multiaddr_parse(NULL, &r, err, sizeof(err)), -1);
	/* a short error buffer is still terminated */
	memset(err, 'X', sizeof(err));
	assert_int_equal(multiaddr_parse("/bogus", &r, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	route_clear(&r);
}

static void
test_parse_limits(void **state)
{
	struct route	 r;
	char		 err[128], *text, *p;
	char		 name[OCKAM_ADDR_MAX + 2];
	size_t		 i;

	(void)state;
	route_init(&r);

	/* appends to what is there */
	assert_int_equal(route_push_back(&r, 0, "first", 5), 0);
	assert_int_equal(multiaddr_parse("/service/second", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_true(addr_is(route_head(&r), 0, "first"));
	route_clear(&r);

	/* names of 255 and 256 bytes */
	memset(name, 'n', sizeof(name));
	name[OCKAM_ADDR_MAX] = '\0';
	text = malloc(8192);
	assert_non_null(text);
	snprintf(text, 8192, "/service/%s", name);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), 0);
	assert_int_equal(route_head(&r)->len, OCKAM_ADDR_MAX);
	route_clear(&r);
	name[OCKAM_ADDR_MAX] = 'n';
	name[OCKAM_ADDR_MAX + 1] = '\0';
	snprintf(text, 8192, "/service/%s", name);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));
	assert_non_null(strstr(err, "..."));

	/* 32 addresses fit, 33 do not */
	p = text;
	for (i = 0; i < OCKAM_ROUTE_MAX; i++)
		p += sprintf(p, "/service/w%zu", i);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, OCKAM_ROUTE_MAX);
	assert_int_equal(multiaddr_parse("/service/x", &r, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "more than 32 addresses"));
	assert_int_equal(r.n, OCKAM_ROUTE_MAX);
	route_clear(&r);
	sprintf(p, "/service/one-more");
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 32 addresses"));
	assert_int_equal(r.n, 0);

	/* text longer than 4096 */
	memset(text, 'a', 8191);
	text[0] = '/';
	text[8191] = '\0';
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 4096"));
	memcpy(text, "/service/", 9);
	text[4096] = '\0';
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));

	/* a host name at the limits */
	strlcpy(text, "/dnsaddr/", 8192);
	for (i = 0; i < 3; i++)
		strlcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaa.", 8192);
	strlcat(text, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbb/tcp/1", 8192);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad host name"));
	strlcpy(text, "/dnsaddr/", 8192);
	strlcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaa.b/tcp/1", 8192);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), 0);
	route_clear(&r);
	strlcpy(text, "/dnsaddr/", 8192);
	strlcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaa.b/tcp/1", 8192);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad host name"));

	/* a 253-byte host plus the port is over the address limit */
	strlcpy(text, "/dnsaddr/", 8192);
	for (i = 0; i < 3; i++)
		strlcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaa.", 8192);
	strlcat(text, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbb/tcp/65535", 8192);
	assert_int_equal(multiaddr_parse(text, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));
	assert_int_equal(r.n, 0);

	free(text);
}

static void
test_print(void **state)
{
	struct route	 r;
	char		 out[256];
	size_t		 need, i;

	(void)state;
	route_init(&r);
	assert_int_equal(multiaddr_print(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "");

	/* addresses with no multiaddr form */
	assert_int_equal(route_push_back(&r, 2, "10.0.0.1:53", 11), 0);
	assert_int_equal(route_push_back(&r, 1, "no-port", 7), 0);
	assert_int_equal(route_push_back(&r, 1, "h:0", 3), 0);
	assert_int_equal(route_push_back(&r, 1, "h:08", 4), 0);
	assert_int_equal(route_push_back(&r, 1, "a b/c%:1", 8), 0);
	assert_int_equal(route_push_back(&r, 1, "[1:2]:5", 7), 0);
	assert_int_equal(route_push_back(&r, 1, "[::0:1]:5", 9), 0);
	assert_int_equal(route_push_back(&r, 0, "a#b", 3), 0);
	assert_int_equal(route_push_back(&r, 9, "\xff\x01", 2), 0);
	assert_int_equal(multiaddr_print(&r, out, sizeof(out)), 0);
	assert_string_equal(out,
	    "/type/2/10.0.0.1:53"
	    "/type/1/no-port"
	    "/type/1/h:0"
	    "/type/1/h:08"
	    "/type/1/a%20b%2Fc%25:1"
	    "/type/1/%5B1:2%5D:5"
	    "/type/1/%5B::0:1%5D:5"
	    "/type/0/a%23b"
	    "/type/9/%FF%01");
	route_clear(&r);

	/* single addresses */
	assert_int_equal(route_push_back(&r, 1, "[::ffff:1.2.3.4]:9", 18), 0);
	assert_int_equal(addr_print(route_head(&r), out, sizeof(out)), 0);
	assert_string_equal(out, "/ip6/::ffff:1.2.3.4/tcp/9");
	route_clear(&r);

	/* ENOSPC: every short buffer fails and is terminated */
	assert_int_equal(multiaddr_parse(
	    "/ip4/127.0.0.1/tcp/4000/service/echoer", &r, NULL, 0), 0);
	need = strlen("/ip4/127.0.0.1/tcp/4000/service/echoer") + 1;
	for (i = 1; i < need; i++) {
		memset(out, 'X', sizeof(out));
		errno = 0;
		assert_int_equal(multiaddr_print(&r, out, i), -1);
		assert_int_equal(errno, ENOSPC);
		assert_int_equal(strlen(out), i - 1);
		assert_int_equal(out[i], 'X');
	}
	assert_int_equal(multiaddr_print(&r, out, need), 0);
	assert_string_equal(out, "/ip4/127.0.0.1/tcp/4000/service/echoer");
	errno = 0;
	assert_int_equal(multiaddr_print(&r, out, 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(addr_print(route_head(&r), out, 10), -1);
	assert_int_equal(errno, ENOSPC);
	assert_string_equal(out, "/ip4/127.");
	assert_int_equal(addr_print(route_head(&r), out, 23), -1);
	assert_int_equal(addr_print(route_head(&r), out, 24), 0);
	assert_string_equal(out, "/ip4/127.0.0.1/tcp/4000");
	route_clear(&r);
}

/* Printing and parsing again gives the same route. */
static void
test_roundtrip(void **state)
{
	static const char *texts[] = {
		"/service/a/service/b/service/c",
		("/ip4/192.168.1.200/tcp/3000/ip4/127.0.0.1/tcp/4000"
		    "/service/secure_channel_listener"),
		"/dnsaddr/hub.example/tcp/4000/service/forward_to_bob",
		"/ip6/fe80::1:2/tcp/65535/service/0123456789abcdef",
	};
	struct route	 r, r2;
	struct addr	*a, *b;
	char		 out[512], out2[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		route_init(&r);
		route_init(&r2);
		assert_int_equal(multiaddr_parse(texts[i], &r, NULL, 0), 0);
		assert_int_equal(multiaddr_print(&r, out, sizeof(out)), 0);
		assert_string_equal(out, texts[i]);
		assert_int_equal(multiaddr_parse(out, &r2, NULL, 0), 0);
		assert_int_equal(r.n, r2.n);
		b = route_head(&r2);
		TAILQ_FOREACH(a, &r.q, entry) {
			assert_int_equal(a->type, b->type);
			assert_string_equal(a->val, b->val);
			b = TAILQ_NEXT(b, entry);
		}
		assert_int_equal(multiaddr_print(&r2, out2, sizeof(out2)), 0);
		assert_string_equal(out, out2);
		route_clear(&r);
		route_clear(&r2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
