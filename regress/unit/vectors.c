/* SPDX-License-Identifier: ISC */
/*
 * A small strict JSON reader (RFC 8259) for the test-vector files:
 * objects, arrays, strings with every escape (surrogate pairs checked,
 * raw text must be UTF-8), numbers in the JSON grammar only, true,
 * false and null.  Nesting is bounded by JSON_MAX_DEPTH, duplicate
 * member names and anything after the top-level value are errors.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vectors.h"

#define VECTORS_MAX_FILE	(16 * 1024 * 1024)

struct json_parser {
	const char	*base;
	const char	*p;
	const char	*end;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static struct json	*parse_value(struct json_parser *, int);
static int		 parse_string(struct json_parser *, char **,
			    size_t *);
static int		 parse_number(struct json_parser *, struct json *);
static int		 parse_array(struct json_parser *, struct json *,
			    int);
static int		 parse_object(struct json_parser *, struct json *,
			    int);
static int		 parse_hex4(struct json_parser *, unsigned int *);
static size_t		 utf8_len(const unsigned char *, size_t);
static void		 skip_ws(struct json_parser *);
static void		 parse_error(struct json_parser *, const char *, ...)
			    __attribute__((__format__(__printf__, 2, 3)));
static int		 hex_nibble(char);

static void
parse_error(struct json_parser *ps, const char *fmt, ...)
{
	char	 msg[128];
	va_list	 ap;

	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err != NULL && ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "offset %zu: %s",
		    (size_t)(ps->p - ps->base), msg);
}

static void
skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	unsigned int	 cp;
	size_t		 i, n;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	if (left < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

static int
parse_hex4(struct json_parser *ps, unsigned int *v)
{
	int	 i, x;

	if (ps->end - ps->p < 4) {
		parse_error(ps, "short \\u escape");
		return (-1);
	}
	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((x = hex_nibble(ps->p[i])) == -1) {
			parse_error(ps, "bad \\u escape");
			return (-1);
		}
		*v = (*v << 4) | (unsigned int)x;
	}
	ps->p += 4;
	return (0);
}

/*
 * A string at ps->p (the opening quote).  The decoded form is never
 * longer than the raw text, so one pass finds the closing quote and
 * sizes the buffer, a second decodes.
 */
static int
parse_string(struct json_parser *ps, char **out, size_t *outlen)
{
	static const char	 esc_from[] = "\"\\/bfnrt";
	static const char	 esc_to[] = "\"\\/\b\f\n\r\t";
	const char		*q, *e;
	char			*buf, *w;
	unsigned int		 cp, lo;
	size_t			 n;

	if (ps->p >= ps->end || *ps->p != '"') {
		parse_error(ps, "expected a string");
		return (-1);
	}
	for (q = ps->p + 1; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end) {
		parse_error(ps, "unterminated string");
		return (-1);
	}
	if ((buf = malloc(q - ps->p)) == NULL) {
		parse_error(ps, "out of memory");
		return (-1);
	}
	w = buf;
	ps->p++;
	while (*ps->p != '"') {
		if ((unsigned char)*ps->p < 0x20) {
			parse_error(ps, "control character in string");
			goto fail;
		}
		if (*ps->p != '\\') {
			n = utf8_len((const unsigned char *)ps->p,
			    ps->end - ps->p);
			if (n == 0) {
				parse_error(ps, "invalid UTF-8");
				goto fail;
			}
			memcpy(w, ps->p, n);
			w += n;
			ps->p += n;
			continue;
		}
		ps->p++;
		if (*ps->p != 'u') {
			e = *ps->p != '\0' ? strchr(esc_from, *ps->p) : NULL;
			if (e == NULL) {
				parse_error(ps, "bad escape");
				goto fail;
			}
			*w++ = esc_to[e - esc_from];
			ps->p++;
			continue;
		}
		ps->p++;
		if (parse_hex4(ps, &cp) == -1)
			goto fail;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			parse_error(ps, "lone low surrogate");
			goto fail;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
			    ps->p[1] != 'u') {
				parse_error(ps, "lone high surrogate");
				goto fail;
			}
			ps->p += 2;
			if (parse_hex4(ps, &lo) == -1)
				goto fail;
			if (lo < 0xdc00 || lo > 0xdfff) {
				parse_error(ps, "bad surrogate pair");
				goto fail;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp < 0x80)
			*w++ = (char)cp;
		else if (cp < 0x800) {
			*w++ = (char)(0xc0 | (cp >> 6));
			*w++ = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*w++ = (char)(0xe0 | (cp >> 12));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*w++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*w++ = (char)(0xf0 | (cp >> 18));
			*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*w++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	ps->p++;
	*w = '\0';
	*out = buf;
	*outlen = w - buf;
	return (0);
 fail:
	free(buf);
	return (-1);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
parse_number(struct json_parser *ps, struct json *j)
{
	const char	*s = ps->p;
	char		*endp;
	size_t		 len;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else
		goto bad;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			goto bad;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			goto bad;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	len = ps->p - s;
	if ((j->str = malloc(len + 1)) == NULL) {
		parse_error(ps, "out of memory");
		return (-1);
	}
	memcpy(j->str, s, len);
	j->str[len] = '\0';
	j->len = len;
	j->num = strtod(j->str, &endp);
	if (*endp != '\0')
		goto bad;
	return (0);
 bad:
	parse_error(ps, "bad number");
	return (-1);
}

static int
parse_array(struct json_parser *ps, struct json *j, int depth)
{
	struct json	**tail = &j->child;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return (0);
	}
	for (;;) {
		if ((*tail = parse_value(ps, depth + 1)) == NULL)
			return (-1);
		tail = &(*tail)->next;
		j->count++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return (0);
		}
		parse_error(ps, "expected ',' or ']'");
		return (-1);
	}
}

static int
parse_object(struct json_parser *ps, struct json *j, int depth)
{
	struct json	**tail = &j->child, *v, *o;
	char		*key;
	size_t		 keylen;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return (0);
	}
	for (;;) {
		skip_ws(ps);
		if (parse_string(ps, &key, &keylen) == -1)
			return (-1);
		for (o = j->child; o != NULL; o = o->next)
			if (o->keylen == keylen &&
			    memcmp(o->key, key, keylen) == 0)
				break;
		if (o != NULL) {
			parse_error(ps, "duplicate member \"%s\"", key);
			free(key);
			return (-1);
		}
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			parse_error(ps, "expected ':'");
			free(key);
			return (-1);
		}
		ps->p++;
		if ((v = parse_value(ps, depth + 1)) == NULL) {
			free(key);
			return (-1);
		}
		v->key = key;
		v->keylen = keylen;
		*tail = v;
		tail = &v->next;
		j->count++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return (0);
		}
		parse_error(ps, "expected ',' or '}'");
		return (-1);
	}
}

static struct json *
parse_value(struct json_parser *ps, int depth)
{
	struct json	*j;
	size_t		 left;
	int		 rv = 0;

	if (depth > JSON_MAX_DEPTH) {
		parse_error(ps, "nested deeper than %d", JSON_MAX_DEPTH);
		return (NULL);
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		parse_error(ps, "unexpected end");
		return (NULL);
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		parse_error(ps, "out of memory");
		return (NULL);
	}
	left = ps->end - ps->p;
	switch (*ps->p) {
	case '{':
		j->type = JSON_OBJECT;
		rv = parse_object(ps, j, depth);
		break;
	case '[':
		j->type = JSON_ARRAY;
		rv = parse_array(ps, j, depth);
		break;
	case '"':
		j->type = JSON_STRING;
		rv = parse_string(ps, &j->str, &j->len);
		break;
	case 't':
		j->type = JSON_TRUE;
		if (left < 4 || memcmp(ps->p, "true", 4) != 0)
			goto bad;
		ps->p += 4;
		break;
	case 'f':
		j->type = JSON_FALSE;
		if (left < 5 || memcmp(ps->p, "false", 5) != 0)
			goto bad;
		ps->p += 5;
		break;
	case 'n':
		j->type = JSON_NULL;
		if (left < 4 || memcmp(ps->p, "null", 4) != 0)
			goto bad;
		ps->p += 4;
		break;
	default:
		j->type = JSON_NUMBER;
		rv = parse_number(ps, j);
		break;
	}
	if (rv == -1) {
		json_free(j);
		return (NULL);
	}
	return (j);
 bad:
	parse_error(ps, "unexpected character");
	json_free(j);
	return (NULL);
}

/*
 * Parse len bytes of JSON; on error return NULL and, if err is not
 * NULL, describe it there.
 */
struct json *
json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_parser	 ps;
	struct json		*j;

	memset(&ps, 0, sizeof(ps));
	ps.base = ps.p = buf;
	ps.end = buf + len;
	ps.err = err;
	ps.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((j = parse_value(&ps, 0)) == NULL)
		return (NULL);
	skip_ws(&ps);
	if (ps.p != ps.end) {
		parse_error(&ps, "data after the value");
		json_free(j);
		return (NULL);
	}
	return (j);
}

void
json_free(struct json *j)
{
	struct json	*next;

	while (j != NULL) {
		next = j->next;
		json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

const struct json *
json_get(const struct json *obj, const char *key)
{
	const struct json	*v;
	size_t			 len;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return (NULL);
	len = strlen(key);
	for (v = obj->child; v != NULL; v = v->next)
		if (v->keylen == len && memcmp(v->key, key, len) == 0)
			return (v);
	return (NULL);
}

/* A string member without embedded NULs, or NULL. */
const char *
json_get_str(const struct json *obj, const char *key)
{
	const struct json	*v;

	v = json_get(obj, key);
	if (v == NULL || v->type != JSON_STRING || strlen(v->str) != v->len)
		return (NULL);
	return (v->str);
}

/* An integer member (no fraction, no exponent). */
int
json_get_int(const struct json *obj, const char *key, long long *out)
{
	const struct json	*v;
	char			*endp;

	v = json_get(obj, key);
	if (v == NULL || v->type != JSON_NUMBER ||
	    strpbrk(v->str, ".eE") != NULL)
		return (-1);
	errno = 0;
	*out = strtoll(v->str, &endp, 10);
	if (errno != 0 || *endp != '\0')
		return (-1);
	return (0);
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Decode a hex string into a new buffer (at least one byte even for
 * ""); the caller frees it.
 */
int
hex_decode(const char *hex, uint8_t **out, size_t *outlen)
{
	uint8_t	*buf;
	size_t	 len;

	*out = NULL;
	*outlen = 0;
	if (hex == NULL || (len = strlen(hex)) % 2 != 0)
		return (-1);
	if ((buf = malloc(len / 2 + 1)) == NULL)
		return (-1);
	if (hex_decode_fixed(hex, buf, len / 2) == -1) {
		free(buf);
		return (-1);
	}
	*out = buf;
	*outlen = len / 2;
	return (0);
}

/* Decode a hex string of exactly 2 * len digits. */
int
hex_decode_fixed(const char *hex, uint8_t *out, size_t len)
{
	size_t	 i;
	int	 hi, lo;

	if (hex == NULL || strlen(hex) != 2 * len)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((hi = hex_nibble(hex[2 * i])) == -1 ||
		    (lo = hex_nibble(hex[2 * i + 1])) == -1)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

/*
 * Load and parse a vector file named relative to the vectors
 * directory: $OCKAM_VECTORS if set (regress/run.sh sets it), else
 * regress/vectors of the current directory, the top of the tree.
 * NULL, with the reason on stderr, if it cannot
 * be found or parsed: a test must then fail, never pass.
 */
struct json *
vectors_load(const char *name)
{
	const char	*dir;
	char		 path[1024], err[160];
	struct json	*j = NULL;
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off;
	ssize_t		 r;
	int		 fd = -1;

	if ((dir = getenv("OCKAM_VECTORS")) == NULL || *dir == '\0')
		dir = "regress/vectors";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "vectors: cannot find %s in %s "
		    "(set OCKAM_VECTORS to the vectors directory)\n", name,
		    dir);
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > VECTORS_MAX_FILE) {
		fprintf(stderr, "vectors: %s: not a regular file of at most "
		    "%d bytes\n", path, VECTORS_MAX_FILE);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	for (off = 0; off < (size_t)st.st_size; off += r) {
		r = read(fd, buf + off, (size_t)st.st_size - off);
		if (r <= 0) {
			fprintf(stderr, "vectors: %s: short read\n", path);
			goto out;
		}
	}
	if ((j = json_parse(buf, (size_t)st.st_size, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "vectors: %s: %s\n", path, err);
	else
		printf("vectors: %s\n", path);
 out:
	free(buf);
	close(fd);
	return (j);
}
