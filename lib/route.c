/* SPDX-License-Identifier: ISC */
/*
 * Addresses, routes and TransportMessages in memory (doc/design.md 4.1).
 * The wire encoding lives in wire.c.
 */

#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

static struct addr	*addr_new(uint8_t, const char *, size_t);
static int		 route_dup(struct route *, const struct route *);
static void		 route_move(struct route *, struct route *);

/*
 * An address value is 1..OCKAM_ADDR_MAX bytes without a NUL.  A LOCAL
 * name is printable ASCII without spaces.
 */
int
addr_valid(uint8_t type, const char *val, size_t len)
{
	size_t	 i;

	if (val == NULL || len == 0 || len > OCKAM_ADDR_MAX)
		return (-1);
	for (i = 0; i < len; i++) {
		if (val[i] == '\0')
			return (-1);
		if (type == OCKAM_ADDR_LOCAL &&
		    ((unsigned char)val[i] < 0x21 ||
		    (unsigned char)val[i] > 0x7e))
			return (-1);
	}
	return (0);
}

static struct addr *
addr_new(uint8_t type, const char *val, size_t len)
{
	struct addr	*a;

	if (addr_valid(type, val, len) == -1) {
		errno = EINVAL;
		return (NULL);
	}
	if ((a = malloc(sizeof(*a) + len + 1)) == NULL)
		return (NULL);
	a->type = type;
	a->len = (uint16_t)len;
	memcpy(a->val, val, len);
	a->val[len] = '\0';
	return (a);
}

int
addr_is(const struct addr *a, uint8_t type, const char *s)
{
	if (a == NULL || s == NULL || a->type != type)
		return (0);
	if (strlen(s) != a->len)
		return (0);
	return (memcmp(a->val, s, a->len) == 0);
}

void
route_init(struct route *r)
{
	TAILQ_INIT(&r->q);
	r->n = 0;
}

void
route_clear(struct route *r)
{
	struct addr	*a;

	while ((a = TAILQ_FIRST(&r->q)) != NULL) {
		TAILQ_REMOVE(&r->q, a, entry);
		free(a);
	}
	r->n = 0;
}

int
route_push_back(struct route *r, uint8_t type, const char *val, size_t len)
{
	struct addr	*a;

	if (r->n >= OCKAM_ROUTE_MAX) {
		errno = E2BIG;
		return (-1);
	}
	if ((a = addr_new(type, val, len)) == NULL)
		return (-1);
	TAILQ_INSERT_TAIL(&r->q, a, entry);
	r->n++;
	return (0);
}

int
route_push_front(struct route *r, uint8_t type, const char *val, size_t len)
{
	struct addr	*a;

	if (r->n >= OCKAM_ROUTE_MAX) {
		errno = E2BIG;
		return (-1);
	}
	if ((a = addr_new(type, val, len)) == NULL)
		return (-1);
	TAILQ_INSERT_HEAD(&r->q, a, entry);
	r->n++;
	return (0);
}

struct addr *
route_head(const struct route *r)
{
	return (TAILQ_FIRST(&r->q));
}

void
route_pop_front(struct route *r)
{
	struct addr	*a;

	if ((a = TAILQ_FIRST(&r->q)) == NULL)
		return;
	TAILQ_REMOVE(&r->q, a, entry);
	free(a);
	r->n--;
}

/* Copy src into the empty route dst; on failure dst stays empty. */
static int
route_dup(struct route *dst, const struct route *src)
{
	struct addr	*a;

	TAILQ_FOREACH(a, &src->q, entry) {
		if (route_push_back(dst, a->type, a->val, a->len) == -1) {
			route_clear(dst);
			return (-1);
		}
	}
	return (0);
}

/* Move every address of src to the back of dst, leaving src empty. */
static void
route_move(struct route *dst, struct route *src)
{
	TAILQ_CONCAT(&dst->q, &src->q, entry);
	dst->n += src->n;
	src->n = 0;
}

/* Do a and b name the same addresses, in the same order? */
int
route_equal(const struct route *a, const struct route *b)
{
	struct addr	*x, *y;

	if (a->n != b->n)
		return (0);
	for (x = TAILQ_FIRST(&a->q), y = TAILQ_FIRST(&b->q); x != NULL &&
	    y != NULL; x = TAILQ_NEXT(x, entry), y = TAILQ_NEXT(y, entry))
		if (x->type != y->type || x->len != y->len ||
		    memcmp(x->val, y->val, x->len) != 0)
			return (0);
	return (1);
}

/* Replace dst with a copy of src.  On failure dst is unchanged. */
int
route_copy(struct route *dst, const struct route *src)
{
	struct route	 tmp;

	if (dst == src)
		return (0);
	route_init(&tmp);
	if (route_dup(&tmp, src) == -1)
		return (-1);
	route_clear(dst);
	route_move(dst, &tmp);
	return (0);
}

/* Put a copy of src in front of dst.  On failure dst is unchanged. */
int
route_prepend(struct route *dst, const struct route *src)
{
	struct route	 tmp;

	if (src->n > OCKAM_ROUTE_MAX - dst->n) {
		errno = E2BIG;
		return (-1);
	}
	route_init(&tmp);
	if (route_dup(&tmp, src) == -1)
		return (-1);
	route_move(&tmp, dst);
	route_move(dst, &tmp);
	return (0);
}

/* Put a copy of src behind dst.  On failure dst is unchanged. */
int
route_append(struct route *dst, const struct route *src)
{
	struct route	 tmp;

	if (src->n > OCKAM_ROUTE_MAX - dst->n) {
		errno = E2BIG;
		return (-1);
	}
	route_init(&tmp);
	if (route_dup(&tmp, src) == -1)
		return (-1);
	route_move(dst, &tmp);
	return (0);
}

void
tmsg_init(struct tmsg *m)
{
	route_init(&m->onward);
	route_init(&m->ret);
	m->payload = NULL;
	m->plen = 0;
}

void
tmsg_clear(struct tmsg *m)
{
	route_clear(&m->onward);
	route_clear(&m->ret);
	if (m->payload != NULL)
		freezero(m->payload, m->plen);
	m->payload = NULL;
	m->plen = 0;
}

/* Replace the payload with a copy of data.  On failure m is unchanged. */
int
tmsg_set_payload(struct tmsg *m, const void *data, size_t len)
{
	unsigned char	*p = NULL;

	if (len > 0) {
		if (data == NULL) {
			errno = EINVAL;
			return (-1);
		}
		if ((p = malloc(len)) == NULL)
			return (-1);
		memcpy(p, data, len);
	}
	if (m->payload != NULL)
		freezero(m->payload, m->plen);
	m->payload = p;
	m->plen = len;
	return (0);
}

/* Make dst a deep copy of src.  On failure dst is unchanged. */
int
tmsg_copy(struct tmsg *dst, const struct tmsg *src)
{
	struct tmsg	 tmp;

	if (dst == src)
		return (0);
	tmsg_init(&tmp);
	if (route_dup(&tmp.onward, &src->onward) == -1 ||
	    route_dup(&tmp.ret, &src->ret) == -1 ||
	    tmsg_set_payload(&tmp, src->payload, src->plen) == -1) {
		tmsg_clear(&tmp);
		return (-1);
	}
	tmsg_clear(dst);
	route_move(&dst->onward, &tmp.onward);
	route_move(&dst->ret, &tmp.ret);
	dst->payload = tmp.payload;
	dst->plen = tmp.plen;
	return (0);
}
