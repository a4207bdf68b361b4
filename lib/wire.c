/*
 * The Ockam routing protocol v1 TransportMessage in BARE (DESIGN.md 2):
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
 * Decode a route and append it to r.  On failure r is unchanged and
 * *errstr (if not NULL) says what was wrong.
 */
int
route_decode(struct cursor *c, struct route *r, const char **errstr)
{
	struct route	 tmp;
	const char	*val, *why;
	uint64_t	 count, i, len;
	uint8_t		 type;

	route_init(&tmp);
	count = cur_uvarint(c);
	if (cur_ok(c) == -1) {
		why = "truncated";
		goto fail;
	}
	if (count > OCKAM_ROUTE_MAX || count > OCKAM_ROUTE_MAX - r->n) {
		why = "route too long";
		goto fail;
	}
	for (i = 0; i < count; i++) {
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
		if (route_push_back(&tmp, type, val, len) == -1) {
			why = "out of memory";
			goto fail;
		}
	}
	TAILQ_CONCAT(&r->q, &tmp.q, entry);
	r->n += tmp.n;
	return (0);

 fail:
	route_clear(&tmp);
	if (errstr != NULL)
		*errstr = why;
	return (-1);
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
	if (m->plen > OCKAM_MSG_MAX || tmsg_encoded_len(m) > OCKAM_MSG_MAX) {
		errno = EMSGSIZE;
		return (-1);
	}
	ibuf_add_u8(b, OCKAM_WIRE_VERSION);
	route_encode(b, &m->onward);
	route_encode(b, &m->ret);
	ibuf_add_bare(b, m->payload, m->plen);
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
 * Decode one TransportMessage into m, which the caller initialised.
 * On failure m is left empty and *errstr (if not NULL) says why.
 */
int
tmsg_decode(struct tmsg *m, const void *data, size_t len,
    const char **errstr)
{
	struct cursor	 c;
	const void	*payload;
	const char	*why;
	size_t		 plen;
	uint8_t		 version;

	tmsg_clear(m);
	if (len > OCKAM_MSG_MAX) {
		why = "message too long";
		goto fail;
	}
	cur_init(&c, data, len);
	version = cur_u8(&c);
	if (cur_ok(&c) == -1) {
		why = "truncated";
		goto fail;
	}
	if (version != OCKAM_WIRE_VERSION) {
		why = "unsupported version";
		goto fail;
	}
	if (route_decode(&c, &m->onward, &why) == -1 ||
	    route_decode(&c, &m->ret, &why) == -1)
		goto fail;
	if ((payload = cur_bare(&c, &plen, OCKAM_MSG_MAX)) == NULL) {
		why = "truncated";
		goto fail;
	}
	if (trailer_ok(c.p, c.left) == -1) {
		why = "trailing bytes";
		goto fail;
	}
	if (tmsg_set_payload(m, payload, plen) == -1) {
		why = "out of memory";
		goto fail;
	}
	return (0);

 fail:
	tmsg_clear(m);
	if (errstr != NULL)
		*errstr = why;
	return (-1);
}
