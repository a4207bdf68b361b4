/*
 * A small bounded set of names, least recently used first out: the
 * local senders an initiator channel admits replies for, and the
 * return-route heads admitted back over a connection this node opened.
 */
#include <string.h>

#include "recent.h"

void
recent_init(struct recent *r, int cap)
{
	r->n = 0;
	r->cap = cap > RECENT_MAX ? RECENT_MAX : cap;
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

/* Remember name as the most recent; the least recent goes when full. */
void
recent_note(struct recent *r, const char *name)
{
	int	 i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			break;
	if (i == r->n) {
		if (r->n < r->cap) {
			strlcpy(r->names[r->n++], name, sizeof(r->names[0]));
			return;
		}
		i = 0;		/* full: the least recent goes */
	}
	memmove(r->names[i], r->names[i + 1],
	    sizeof(r->names[0]) * (r->n - 1 - i));
	strlcpy(r->names[r->n - 1], name, sizeof(r->names[0]));
}
