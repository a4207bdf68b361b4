/* SPDX-License-Identifier: ISC */
/*
 * A small strict JSON reader for the test-vector files in
 * regress/vectors (regress tests only), and hex decoding.
 */
#ifndef OCKAM_VECTORS_H
#define OCKAM_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	32

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * One value.  Arrays and objects hold their values as a list from
 * child through next; an object's values carry their member name in key.
 * Strings are NUL-terminated but may hold NULs (\u0000): use len.
 */
struct json {
	enum json_type	 type;
	char		*key;
	size_t		 keylen;
	char		*str;		/* STRING; NUMBER: its text */
	size_t		 len;
	double		 num;		/* NUMBER */
	size_t		 count;		/* ARRAY, OBJECT: values */
	struct json	*child;
	struct json	*next;
};

struct json		*json_parse(const char *, size_t, char *, size_t);
void			 json_free(struct json *);
const struct json	*json_get(const struct json *, const char *);
const char		*json_get_str(const struct json *, const char *);
int			 json_get_int(const struct json *, const char *,
			    long long *);

int	 hex_decode(const char *, uint8_t **, size_t *);
int	 hex_decode_fixed(const char *, uint8_t *, size_t);

struct json	*vectors_load(const char *);

#endif /* OCKAM_VECTORS_H */
