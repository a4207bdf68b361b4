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

static int
sclient_create(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "client-id", required_argument, NULL, 'c' },
		{ "consumer", required_argument, NULL, 'C' },
		{ "interval", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "receive", required_argument, NULL, 'r' },
		{ "send", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct ockam_client	*c;
	const char		*names[4] = { NULL, NULL, NULL, NULL };
	const char		*consumers[CONSUMERS_MAX], *errstr;
	char			 out[CTL_MSG_MAX];
	uint32_t		 interval = 0, n = 0;
	int			 ch;

	verb_options(argv);
	while ((ch = getopt_long(argc, argv, "c:C:i:n:r:s:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			names[3] = optarg;
			break;
		case 'C':
			if (n >= CONSUMERS_MAX)
				errx(1, "at most %d --consumer", CONSUMERS_MAX);
			consumers[n++] = optarg;
			break;
		case 'i':
			interval = strtonum(optarg, 1, INTERVAL_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "interval %s is %s (1 to %d ms)",
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
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || names[0] == NULL || names[1] == NULL ||
	    names[2] == NULL)
		usage();
	c = connect_node();
	if (ockam_stream_client_create(c, argv[0], names, interval,
	    consumers, n, out, sizeof(out)) == -1)
		errx(1, "stream client create: %s", ockam_error(c));
	printf("%s\n", out);
	ockam_disconnect(c);
	return (0);
}

/* stream client create ... */
int
cmd_stream_client(int argc, char *argv[])
{
	if (argc < 2 || strcmp(argv[1], "create") != 0)
		usage();
	return (sclient_create(argc - 1, argv + 1));
}
