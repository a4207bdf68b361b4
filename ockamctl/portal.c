/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: show portals.
 */
#include <sys/types.h>

#include <stdio.h>

#include "buf.h"
#include "ctl.h"
#include "ockamctl.h"

static void
portal_more(char *f[])
{
	printf("    far side %s\n    %s\n", f[4], f[6]);
}

static const struct column portal_cols[] = {
	{ "side",	"SIDE",		0, 6, 0 },
	{ "portal",	"PORTAL",	1, 34, 0 },
	{ "state",	"STATE",	2, 8, 0 },
	{ "age",	"AGE",		5, 8, 0 },
	{ "where",	"WHERE",	3, 0, 0 },
	{ "far_side",	NULL,		4, 0, 0 },
	{ "detail",	NULL,		6, 0, 0 },
};
static const struct listing portal_list = {
	"portals", CTL_SHOW_PORTALS, CTL_PORTAL_INFO, portal_cols, 7, 7, NULL,
	portal_more
};

int
cmd_show_portals(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&portal_list, NULL, 0, 0));
}
