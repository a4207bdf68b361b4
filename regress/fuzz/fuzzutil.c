/* SPDX-License-Identifier: ISC */
/*
 * What the fuzz targets share.
 */
#include <sys/queue.h>

#include <string.h>

#include "fuzzutil.h"

/* Same addresses in the same order; n agrees with the list. */
int
route_same(const struct route *a, const struct route *b)
{
	struct addr	*x, *y;
	size_t		 n = 0;

	if (a->n != b->n)
		return (0);
	x = TAILQ_FIRST(&a->q);
	y = TAILQ_FIRST(&b->q);
	while (x != NULL && y != NULL) {
		if (x->type != y->type || x->len != y->len ||
		    memcmp(x->val, y->val, x->len) != 0 ||
		    x->val[x->len] != '\0' || y->val[y->len] != '\0')
			return (0);
		x = TAILQ_NEXT(x, entry);
		y = TAILQ_NEXT(y, entry);
		n++;
	}
	return (x == NULL && y == NULL && n == a->n);
}
