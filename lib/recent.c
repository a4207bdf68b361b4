/* SPDX-License-Identifier: ISC */
/*
 * A small bounded set of names, least recently used first out: the
 * local senders an initiator channel admits replies for, and the
 * return-route heads admitted back over a connection this node opened.
 * Names, and their array once the first is noted, are kept on the
 * heap, so that a set costs what it holds (an initiator usually has
 * one sender, and an open channel end none), not RECENT_MAX full
 * addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "recent.h"

void
recent_init(struct recent *r, int cap)
{
	r->n = 0;
	r->cap = cap > RECENT_MAX ? RECENT_MAX : cap;
	r->names = NULL;
}

void
recent_clear(struct recent *r)
{
	while (r->n > 0)
		free(r->names[--r->n]);
	free(r->names);
	r->names = NULL;
}

int
recent_has(const struct recent *r, const char *name)
{
	int	 i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return (1);
	return (0);
}

/*
 * Remember name as the most recent; the least recent goes when full.
 * -1: out of memory, nothing changed.
 */
int
recent_note(struct recent *r, const char *name)
{
	char	*p;
	int	 i;

	if (r->names == NULL && (r->cap < 1 ||
	    (r->names = calloc(r->cap, sizeof(*r->names))) == NULL))
		return (-1);
	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			break;
	if (i < r->n)
		p = r->names[i];
	else {
		if ((p = strndup(name, OCKAM_ADDR_MAX + 8)) == NULL)
			return (-1);
		if (r->n < r->cap) {
			r->names[r->n++] = p;
			return (0);
		}
		i = 0;		/* full: the least recent goes */
		free(r->names[0]);
	}
	memmove(&r->names[i], &r->names[i + 1],
	    sizeof(r->names[0]) * (r->n - 1 - i));
	r->names[r->n - 1] = p;
	return (0);
}
