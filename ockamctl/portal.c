/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: show portals.
 */
#include <sys/types.h>

#include <stdio.h>

#include "buf.h"
#include "ctl.h"
#include "ockamctl.h"

#define PORTAL_FIELDS	7

static int
portal_item(void *arg, struct cursor *cur)
{
	char	 f[PORTAL_FIELDS][FIELD_MAX];
	int	*header = arg;

	if (cur_fields(cur, f, PORTAL_FIELDS) == -1)
		return (-1);
	if (!*header) {
		printf("%-6s %-34s %-8s %-8s %s\n", "SIDE", "PORTAL", "STATE",
		    "AGE", "WHERE");
		*header = 1;
	}
	printf("%-6s %-34s %-8s %-8s %s\n", f[0], f[1], f[2], f[5], f[3]);
	printf("    far side %s\n    %s\n", f[4], f[6]);
	return (0);
}

int
cmd_show_portals(void)
{
	if (show_list(CTL_SHOW_PORTALS, CTL_PORTAL_INFO, portal_item,
	    "show portals") == 0)
		printf("none\n");
	return (0);
}
