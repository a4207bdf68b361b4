/* SPDX-License-Identifier: ISC */
/*
 * ockamctl reload: the node reads its configuration again and applies
 * it, or refuses it whole; the answer comes once it is done.
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

int
cmd_reload(int argc, char *argv[])
{
	struct ockam_client	*c;
	char			 out[CTL_MSG_MAX];

	verb_operands(&argc, &argv);
	c = connect_node();
	if (ockam_request(c, CTL_RELOAD, NULL, 0, out, sizeof(out)) == -1) {
		if (ockam_status(c) != CTL_ERR_CONFIG)
			node_fail(c, NULL);
		warnx("reload: %s", ockam_error(c));
		exit(EXIT_CONFIG);
	}
	if (jflag) {
		json_object(NULL);
		json_string("result", out);
		json_end();
	} else
		printf("%s\n", out);
	ockam_disconnect(c);
	return (0);
}
