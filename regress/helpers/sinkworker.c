/* SPDX-License-Identifier: ISC */
/*
 * sinkworker: register an app worker and take its messages without
 * ever replying, until killed.  Prints "ready" once registered and one
 * line per message received, with the identifier of the secure channel
 * peer it came from, if any.
 *
 *	sinkworker socket name
 */
#include <err.h>
#include <stdio.h>

#include "ockam.h"

int
main(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct tmsg		 m;
	char			 addr[OCKAM_ADDR_MAX + 1], ebuf[512];
	char			 peer[OCKAM_ADDR_MAX + 1];
	int			 r;

	if (argc != 3)
		errx(1, "usage: sinkworker socket name");
	if ((c = ockam_connect(argv[1], ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	if (ockam_worker_add(c, argv[2], addr, sizeof(addr)) == -1)
		errx(1, "%s", ockam_error(c));
	printf("ready %s\n", addr);
	fflush(stdout);
	for (;;) {
		tmsg_init(&m);
		if ((r = ockam_receive_from(c, &m, peer, sizeof(peer),
		    -1)) == -1)
			errx(1, "%s", ockam_error(c));
		printf("received %zu bytes from %s\n", m.plen,
		    peer[0] != '\0' ? peer : "this node");
		fflush(stdout);
		tmsg_clear(&m);
	}
}
