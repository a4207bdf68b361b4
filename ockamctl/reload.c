/* SPDX-License-Identifier: ISC */
/*
 * ockamctl reload: the node reads its configuration again and applies
 * it, or refuses it whole; the answer comes once it is done.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

#define EXIT_REFUSED	3	/* the node refused the configuration */

int
cmd_reload(int argc, char *argv[])
{
	extern char		*__progname;
	struct ockam_client	*c;
	char			 out[CTL_MSG_MAX];

	(void)argv;
	if (argc != 1)
		usage();
	c = connect_node();
	if (ockam_request(c, CTL_RELOAD, NULL, 0, out, sizeof(out)) == -1) {
		fprintf(stderr, "%s: reload: %s\n", __progname,
		    ockam_error(c));
		exit(ockam_status(c) == CTL_ERR_CONFIG ? EXIT_REFUSED : 1);
	}
	printf("%s\n", out);
	ockam_disconnect(c);
	return (0);
}
