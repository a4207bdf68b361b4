/* SPDX-License-Identifier: ISC */
/*
 * What the fuzz targets share (fuzzutil.c, linked into each of them).
 */
#ifndef OCKAM_FUZZUTIL_H
#define OCKAM_FUZZUTIL_H

#include "route.h"

int	route_same(const struct route *, const struct route *);

#endif /* OCKAM_FUZZUTIL_H */
