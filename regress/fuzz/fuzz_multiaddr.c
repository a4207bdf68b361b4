/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: multiaddr text (lib/multiaddr.c).
 *
 * The input, NUL terminated, is parsed onto a route that already holds
 * one address.  On failure the route must be as it was and the error
 * must say something; on success the route printed with
 * multiaddr_print must parse again to the same route and print the
 * same.  The parse must not depend on whether an error buffer is
 * given or how small it is.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multiaddr.h"
#include "fuzzutil.h"
#include "route.h"

#define TEXT_MAX	4096	/* multiaddr.c: the longest route text */
#define PRINT_MAX	(OCKAM_ROUTE_MAX * (3 * OCKAM_ADDR_MAX + 16) + 1)
#define FIRST		"fuzz"	/* the address a route starts with */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check(int, const char *);
static void	 route_start(struct route *);
static void	 check_error(const char *, size_t);

static char	 text[PRINT_MAX], again[PRINT_MAX];

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_multiaddr: invariant failed: %s\n",
		    what);
		abort();
	}
}

static void
route_start(struct route *r)
{
	route_init(r);
	if (route_push_back(r, OCKAM_ADDR_LOCAL, FIRST, strlen(FIRST)) == -1)
		abort();
}

/* An error message: said, terminated inside its buffer, printable. */
static void
check_error(const char *err, size_t errlen)
{
	size_t	 len, i;

	len = strnlen(err, errlen);
	check(len < errlen, "the error is terminated in its buffer");
	check(len > 0 || errlen == 1, "a failure says why");
	for (i = 0; i < len; i++)
		check((unsigned char)err[i] >= 0x20 &&
		    (unsigned char)err[i] < 0x7f, "the error is printable");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route	 r, orig, r2, back;
	char		*in, err[256], *tiny;
	size_t		 tinylen;
	int		 rv;

	if ((in = malloc(size + 1)) == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	route_start(&r);
	route_start(&orig);

	rv = multiaddr_parse(in, &r, err, sizeof(err));

	/* Without an error buffer, or a short one: the same answer. */
	route_start(&r2);
	check(multiaddr_parse(in, &r2, NULL, 0) == rv && route_same(&r, &r2),
	    "the parse does not depend on the error buffer");
	route_clear(&r2);
	tinylen = 1 + size % 16;
	if ((tiny = malloc(tinylen)) == NULL)
		abort();
	route_start(&r2);
	check(multiaddr_parse(in, &r2, tiny, tinylen) == rv &&
	    route_same(&r, &r2),
	    "the parse does not depend on the error buffer size");
	if (rv == -1)
		check_error(tiny, tinylen);
	free(tiny);
	route_clear(&r2);

	if (rv == -1) {
		check_error(err, sizeof(err));
		check(route_same(&r, &orig), "a failed parse leaves the route");
		goto done;
	}
	check(rv == 0, "multiaddr_parse returns 0 or -1");
	check(r.n > orig.n, "a parse adds an address");
	check(addr_is(route_head(&r), OCKAM_ADDR_LOCAL, FIRST),
	    "a parse appends");

	check(multiaddr_print(&r, text, sizeof(text)) == 0,
	    "a parsed route prints");
	if (strlen(text) > TEXT_MAX)
		goto done;
	route_init(&back);
	check(multiaddr_parse(text, &back, err, sizeof(err)) == 0,
	    "a printed route parses");
	check(route_same(&r, &back), "a printed route parses to itself");
	check(multiaddr_print(&back, again, sizeof(again)) == 0 &&
	    strcmp(text, again) == 0, "the printed form is canonical");
	route_clear(&back);

 done:
	route_clear(&r);
	route_clear(&orig);
	free(in);
	return (0);
}
