/* SPDX-License-Identifier: ISC */
/*
 * A small bounded set of names, least recently used out first.
 */
#ifndef OCKAM_RECENT_H
#define OCKAM_RECENT_H

#include "route.h"

#define RECENT_MAX		32

struct recent {
	int			 n;
	int			 cap;
	char			**names;	/* cap of them, once one */
};

void	recent_init(struct recent *, int);
void	recent_clear(struct recent *);
int	recent_note(struct recent *, const char *);
int	recent_has(const struct recent *, const char *);

#endif /* OCKAM_RECENT_H */
