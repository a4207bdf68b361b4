/* SPDX-License-Identifier: ISC */
/*
 * Percentiles of round-trip samples, for bench.c and tcpecho.c: sort
 * them, and name the sample at a fraction of the way.
 */
#ifndef BENCH_PCTL_H
#define BENCH_PCTL_H

#include <stdlib.h>

static int
pctl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* Sort v (n > 0 samples); then pctl_at(v, n, 0.99) is the 99th. */
static void
pctl_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), pctl_cmp);
}

static double
pctl_at(const double *v, size_t n, double p)
{
	size_t	 i = (size_t)(p * (n - 1) + 0.5);

	return (v[i < n ? i : n - 1]);
}

#endif /* BENCH_PCTL_H */
