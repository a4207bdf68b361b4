/* SPDX-License-Identifier: ISC */
/*
 * ockamctl -j: a JSON writer (RFC 8259) for one document on stdout.
 * Objects and arrays nest; a value in an object has a key, one in an
 * array or at the top has NULL.  Strings are escaped in full: quote,
 * backslash and control characters, and every byte that is not part
 * of well-formed UTF-8 as \u00XX, so that any bytes from the network
 * come out as valid JSON.  The document ends with a newline.
 */
#include <sys/types.h>

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ockamctl.h"

#define JSON_DEPTH	16

static int	 depth;			/* open objects and arrays */
static int	 count[JSON_DEPTH];	/* values in each so far */
static char	 closer[JSON_DEPTH];	/* '}' or ']' */

/* The length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t		 n, i;
	uint32_t	 cp, min;

	if (p[0] < 0x80)
		return (1);
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (n > left)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/* A JSON string of len bytes, quoted and escaped. */
void
json_put_string(const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i, n;

	putchar('"');
	for (i = 0; i < len; i += n) {
		n = 1;
		switch (p[i]) {
		case '"':
			fputs("\\\"", stdout);
			continue;
		case '\\':
			fputs("\\\\", stdout);
			continue;
		case '\b':
			fputs("\\b", stdout);
			continue;
		case '\f':
			fputs("\\f", stdout);
			continue;
		case '\n':
			fputs("\\n", stdout);
			continue;
		case '\r':
			fputs("\\r", stdout);
			continue;
		case '\t':
			fputs("\\t", stdout);
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (n = utf8_len(p + i, len - i)) == 0) {
			printf("\\u%04x", p[i]);
			n = 1;
			continue;
		}
		fwrite(p + i, 1, n, stdout);
	}
	putchar('"');
}

/* Before a value: the comma, the key. */
static void
json_key(const char *key)
{
	if (depth > 0 && count[depth - 1]++ > 0)
		putchar(',');
	if (key != NULL) {
		json_put_string(key, strlen(key));
		putchar(':');
	}
}

/* After a value: at the top, the document is complete. */
static void
json_done(void)
{
	if (depth == 0) {
		putchar('\n');
		if (fflush(stdout) == EOF)
			err(1, "stdout");
	}
}

static void
json_open(const char *key, int c)
{
	if (depth >= JSON_DEPTH)
		errx(1, "%s: too deep", __func__);
	json_key(key);
	putchar(c);
	closer[depth] = c == '{' ? '}' : ']';
	count[depth++] = 0;
}

void
json_object(const char *key)
{
	json_open(key, '{');
}

void
json_array(const char *key)
{
	json_open(key, '[');
}

/* Close the innermost object or array. */
void
json_end(void)
{
	if (depth == 0)
		errx(1, "%s: nothing open", __func__);
	depth--;
	putchar(closer[depth]);
	json_done();
}

void
json_string(const char *key, const char *s)
{
	json_bytes(key, s, strlen(s));
}

void
json_bytes(const char *key, const void *data, size_t len)
{
	json_key(key);
	json_put_string(data, len);
	json_done();
}

/* A number given as decimal digits; anything else goes as a string. */
void
json_number(const char *key, const char *digits)
{
	size_t	 n = strlen(digits);

	if (n == 0 || n > 20 || strspn(digits, "0123456789") != n ||
	    (digits[0] == '0' && n > 1)) {
		json_string(key, digits);
		return;
	}
	json_key(key);
	fputs(digits, stdout);
	json_done();
}

/* Bytes as a string of hex digits. */
void
json_hex(const char *key, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i;

	json_key(key);
	putchar('"');
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	putchar('"');
	json_done();
}

void
json_u64(const char *key, uint64_t v)
{
	json_key(key);
	printf("%" PRIu64, v);
	json_done();
}

void
json_bool(const char *key, int v)
{
	json_key(key);
	fputs(v ? "true" : "false", stdout);
	json_done();
}
