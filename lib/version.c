/* SPDX-License-Identifier: ISC */
/*
 * The version every program prints with -V: the file VERSION, and the
 * git revision when built from a checkout ("+" when it had changes),
 * made into version.h by the Makefile.
 */
#include "version.h"
#include "util.h"

const char *
ockam_version(void)
{
	return (OCKAM_VERSION);
}
