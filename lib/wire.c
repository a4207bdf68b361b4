/* SPDX-License-Identifier: ISC */
/*
 * The Ockam routing protocol v1 TransportMessage in BARE (doc/design.md 4.1):
 *
 *	u8 version (1)
 *	onward route:	uint count, then per address u8 type + BARE data
 *	return route:	the same
 *	payload:	BARE data
 *
 * Newer Ockam nodes may append one 00 byte or 01 + a BARE tracing
 * string; the decoder accepts and ignores either.  The encoder writes
 * plain v1.
 */

#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "route.h"

static size_t	 route_encoded_len(const struct route *);
static int	 trailer_ok(const unsigned char *, size_t);

static size_t
route_encoded_len(const struct route *r)
{
	struct addr	*a;
	size_t		 len;

	len = uvarint_len(r->n);
	TAILQ_FOREACH(a, &r->q, entry)
		len += 1 + uvarint_len(a->len) + a->len;
	return (len);
}

int
route_encode(struct ibuf *b, const struct route *r)
{
	struct addr	*a;

	ibuf_add_uvarint(b, r->n);
	TAILQ_FOREACH(a, &r->q, entry) {
		ibuf_add_u8(b, a->type);
		ibuf_add_bare(b, a->val, a->len);
	}
	return (ibuf_error(b));
}

/*
 * Decode a route and append it to r, or with r NULL only check it; the
 * number of addresses goes to *count.  On failure r is unchanged and
 * *errstr (if not NULL) says what was wrong.
 */
static int
route_parse(struct cursor *c, struct route *r, uint64_t *count,
    const char **errstr)
{
	struct route	 tmp;
	const char	*val, *why;
	uint64_t	 i, len;
	uint8_t		 type;

	route_init(&tmp);
	*count = cur_uvarint(c);
	if (cur_ok(c) == -1) {
		why = "truncated";
		goto fail;
	}
	if (*count > OCKAM_ROUTE_MAX ||
	    (r != NULL && *count > OCKAM_ROUTE_MAX - r->n)) {
		why = "route too long";
		goto fail;
	}
	for (i = 0; i < *count; i++) {
		type = cur_u8(c);
		len = cur_uvarint(c);
		if (cur_ok(c) == -1) {
			why = "truncated";
			goto fail;
		}
		if (len > OCKAM_ADDR_MAX) {
			why = "address too long";
			goto fail;
		}
		if ((val = cur_bytes(c, len)) == NULL) {
			why = "truncated";
			goto fail;
		}
		if (addr_valid(type, val, len) == -1) {
			why = "bad address";
			goto fail;
		}
		if (r != NULL && route_push_back(&tmp, type, val, len) == -1) {
			why = "out of memory";
			goto fail;
		}
	}
	if (r != NULL) {
		TAILQ_CONCAT(&r->q, &tmp.q, entry);
		r->n += tmp.n;
	}
	return (0);

 fail:
	route_clear(&tmp);
	if (errstr != NULL)
		*errstr = why;
	return (-1);
}

int
route_decode(struct cursor *c, struct route *r, const char **errstr)
{
	uint64_t	 count;

	return (route_parse(c, r, &count, errstr));
}

size_t
tmsg_encoded_len(const struct tmsg *m)
{
	return (1 + route_encoded_len(&m->onward) +
	    route_encoded_len(&m->ret) + uvarint_len(m->plen) + m->plen);
}

/*
 * Append the encoded message to b.  A message that would be larger
 * than OCKAM_MSG_MAX is refused (EMSGSIZE) and nothing is written.
 */
int
tmsg_encode(struct ibuf *b, const struct tmsg *m)
{
	if (tmsg_encode_head(b, m) == -1)
		return (-1);
	ibuf_add(b, m->payload, m->plen);
	return (ibuf_error(b));
}

/*
 * The encoding up to the payload's bytes, which come last: with them
 * after it, this is tmsg_encode().  Refused the same way.
 */
int
tmsg_encode_head(struct ibuf *b, const struct tmsg *m)
{
	if (m->plen > OCKAM_MSG_MAX || tmsg_encoded_len(m) > OCKAM_MSG_MAX) {
		errno = EMSGSIZE;
		return (-1);
	}
	ibuf_add_u8(b, OCKAM_WIRE_VERSION);
	route_encode(b, &m->onward);
	route_encode(b, &m->ret);
	ibuf_add_uvarint(b, m->plen);
	return (ibuf_error(b));
}

/*
 * What may follow the payload: nothing, a single 00 (no tracing
 * context) or 01 and a BARE string filling the rest exactly.
 */
static int
trailer_ok(const unsigned char *p, size_t len)
{
	struct cursor	 c;
	size_t		 slen;

	if (len == 0)
		return (0);
	if (len == 1 && p[0] == 0x00)
		return (0);
	if (p[0] != 0x01)
		return (-1);
	cur_init(&c, p + 1, len - 1);
	if (cur_bare(&c, &slen, OCKAM_MSG_MAX) == NULL)
		return (-1);
	return (cur_end(&c));
}

/*
 * Read one TransportMessage into m, or with m NULL only check it; the
 * length of its onward route goes to *nonward.  With pl set the payload
 * is not copied: *pl points at it in data, *plen is its length.  On
 * failure m may hold part of the message.
 */
static int
tmsg_parse(struct tmsg *m, const void *data, size_t len, uint64_t *nonward,
    const char **errstr, const void **pl, size_t *pllen)
{
	struct cursor	 c;
	const void	*payload;
	size_t		 plen;
	uint64_t	 nret;
	uint8_t		 version;

	if (len > OCKAM_MSG_MAX) {
		*errstr = "message too long";
		return (-1);
	}
	cur_init(&c, data, len);
	version = cur_u8(&c);
	if (cur_ok(&c) == -1) {
		*errstr = "truncated";
		return (-1);
	}
	if (version != OCKAM_WIRE_VERSION) {
		*errstr = "unsupported version";
		return (-1);
	}
	if (route_parse(&c, m != NULL ? &m->onward : NULL, nonward,
	    errstr) == -1 ||
	    route_parse(&c, m != NULL ? &m->ret : NULL, &nret, errstr) == -1)
		return (-1);
	if ((payload = cur_bare(&c, &plen, OCKAM_MSG_MAX)) == NULL) {
		*errstr = "truncated";
		return (-1);
	}
	if (trailer_ok(c.p, c.left) == -1) {
		*errstr = "trailing bytes";
		return (-1);
	}
	if (pl != NULL) {
		*pl = payload;
		*pllen = plen;
	} else if (m != NULL && tmsg_set_payload(m, payload, plen) == -1) {
		*errstr = "out of memory";
		return (-1);
	}
	return (0);
}

/*
 * Decode one TransportMessage into m, which the caller initialised.
 * On failure m is left empty and *errstr (if not NULL) says why.
 */
int
tmsg_decode(struct tmsg *m, const void *data, size_t len,
    const char **errstr)
{
	return (tmsg_decode_routes(m, data, len, NULL, NULL, errstr));
}

/*
 * tmsg_decode() of the routes alone: m's payload stays empty, and *pl
 * and *plen say where the payload is in data (for a caller that takes
 * data's buffer over instead of copying it).  With pl NULL, this is
 * tmsg_decode().
 */
int
tmsg_decode_routes(struct tmsg *m, const void *data, size_t len,
    const void **pl, size_t *plen, const char **errstr)
{
	const char	*why;
	uint64_t	 nonward;

	tmsg_clear(m);
	if (tmsg_parse(m, data, len, &nonward, &why, pl, plen) == -1) {
		tmsg_clear(m);
		if (errstr != NULL)
			*errstr = why;
		return (-1);
	}
	return (0);
}

/*
 * tmsg_decode() of the len bytes at off in buf (an allocation of size
 * bytes) that takes buf over instead of copying the payload: the
 * payload is moved to buf's front and the rest of buf wiped.  On
 * failure buf is not taken.
 */
int
tmsg_decode_take(struct tmsg *m, unsigned char *buf, size_t size,
    size_t off, size_t len, const char **errstr)
{
	const void	*pl;
	size_t		 plen;

	if (off > size || len > size - off) {
		if (errstr != NULL)
			*errstr = "message outside its buffer";
		return (-1);
	}
	if (tmsg_decode_routes(m, buf + off, len, &pl, &plen, errstr) == -1)
		return (-1);
	memmove(buf, pl, plen);
	explicit_bzero(buf + plen, size - plen);
	if (plen == 0) {
		free(buf);
		buf = NULL;
	}
	m->payload = buf;
	m->plen = plen;
	return (0);
}

/*
 * Check that data is one TransportMessage as tmsg_decode() would take
 * it, without copying anything out; *nonward gets the number of
 * addresses in its onward route (0: a heartbeat).
 */
int
tmsg_check(const void *data, size_t len, size_t *nonward,
    const char **errstr)
{
	const char	*why;
	uint64_t	 n;

	if (tmsg_parse(NULL, data, len, &n, &why, NULL, NULL) == -1) {
		if (errstr != NULL)
			*errstr = why;
		return (-1);
	}
	*nonward = n;
	return (0);
}

/*
 * The first onward address of an encoded message tmsg_check() passed
 * (its onward route not empty): its type, and its value (not NUL
 * terminated) at *val, vlen bytes; and the onward route's length.
 */
int
tmsg_head(const void *data, size_t len, uint8_t *type, const char **val,
    size_t *vlen, size_t *count)
{
	struct cursor	 c;
	uint64_t	 n, l;

	cur_init(&c, data, len);
	(void)cur_u8(&c);
	n = cur_uvarint(&c);
	*type = cur_u8(&c);
	l = cur_uvarint(&c);
	if (cur_ok(&c) == -1 || n == 0 || l > OCKAM_ADDR_MAX ||
	    (*val = cur_bytes(&c, l)) == NULL)
		return (-1);
	*vlen = l;
	*count = n;
	return (0);
}

/* Skip n encoded addresses of c. */
static int
addrs_skip(struct cursor *c, uint64_t n)
{
	uint64_t	 i, l;

	for (i = 0; i < n; i++) {
		(void)cur_u8(c);
		l = cur_uvarint(c);
		if (cur_ok(c) == -1 || cur_bytes(c, l) == NULL)
			return (-1);
	}
	return (0);
}

static size_t
put_uvarint(unsigned char *p, uint64_t v)
{
	size_t	 n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return (n);
}

/*
 * What a hop does to an encoded message tmsg_check() passed, on its
 * bytes: its first onward address taken off, type#name put first in
 * its return route, the rest as it is (ockam-tcpd's cut-through,
 * doc/design.md 3.3).  Written to out, room bytes; the length written,
 * 0 when it does not fit or the return route would grow too long.
 */
size_t
tmsg_hop(const void *data, size_t len, uint8_t type, const char *name,
    unsigned char *out, size_t room)
{
	struct cursor		 c;
	const unsigned char	*in = data, *on, *ret, *rest;
	uint64_t		 non, nret;
	size_t			 nlen = strlen(name), onlen, retlen;
	size_t			 restlen, o = 0;

	cur_init(&c, data, len);
	(void)cur_u8(&c);			/* the version */
	non = cur_uvarint(&c);
	if (cur_ok(&c) == -1 || non == 0 || addrs_skip(&c, 1) == -1)
		return (0);
	on = c.p;				/* the onward route's rest */
	if (addrs_skip(&c, non - 1) == -1)
		return (0);
	onlen = c.p - on;
	nret = cur_uvarint(&c);
	ret = c.p;
	if (cur_ok(&c) == -1 || nret >= OCKAM_ROUTE_MAX ||
	    addrs_skip(&c, nret) == -1 || nlen > OCKAM_ADDR_MAX)
		return (0);
	retlen = c.p - ret;
	rest = c.p;				/* the payload, a trailer */
	restlen = len - (rest - in);
	if (room < 1 + 10 + onlen + 10 + 1 + 10 + nlen + retlen + restlen)
		return (0);
	out[o++] = in[0];
	o += put_uvarint(out + o, non - 1);
	memcpy(out + o, on, onlen);
	o += onlen;
	o += put_uvarint(out + o, nret + 1);
	out[o++] = type;
	o += put_uvarint(out + o, nlen);
	memcpy(out + o, name, nlen);
	o += nlen;
	memcpy(out + o, ret, retlen);
	o += retlen;
	memcpy(out + o, rest, restlen);
	o += restlen;
	return (o > OCKAM_MSG_MAX ? 0 : o);
}
