/* SPDX-License-Identifier: ISC */
/*
 * ockamctl stream client create: a stream client on the node, as
 * "stream client at" in ockam.conf(5) makes one.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

#define CONSUMERS_MAX	64
#define INTERVAL_MAX	60000	/* ms */

int
cmd_stream_client_create(int argc, char *argv[])
{
	struct ockam_client	*c;
	const char		*names[4] = { NULL, NULL, NULL, NULL };
	const char		*consumers[CONSUMERS_MAX], *errstr;
	char			 out[CTL_MSG_MAX];
	uint32_t		 interval = 0, n = 0, i;
	int			 ch;

	while ((ch = verb_getopt(argc, argv)) != -1) {
		switch (ch) {
		case 'c':
			names[3] = optarg;
			break;
		case 'C':
			if (n >= CONSUMERS_MAX)
				usage_error("at most %d --consumer",
				    CONSUMERS_MAX);
			consumers[n++] = optarg;
			break;
		case 'i':
			interval = strtonum(optarg, 1, INTERVAL_MAX, &errstr);
			if (errstr != NULL)
				usage_error("interval %s is %s (1 to %d ms)",
				    optarg, errstr, INTERVAL_MAX);
			break;
		case 'n':
			names[2] = optarg;
			break;
		case 'r':
			names[1] = optarg;
			break;
		case 's':
			names[0] = optarg;
			break;
		}
	}
	verb_operands(&argc, &argv);
	for (i = 0; i < 3; i++)
		if (names[i] == NULL)
			usage_error("missing --%s", i == 0 ? "send" :
			    i == 1 ? "receive" : "name");
	c = connect_node();
	if (ockam_stream_client_create(c, argv[0], names, interval,
	    consumers, n, out, sizeof(out)) == -1)
		node_fail(c, NULL);
	if (jflag) {
		json_object(NULL);
		json_string("route", out);
		json_string("send", names[0]);
		json_string("receive", names[1]);
		json_string("name", names[2]);
		json_end();
	} else
		printf("%s\n", out);
	ockam_disconnect(c);
	return (0);
}
