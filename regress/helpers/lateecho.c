/* SPDX-License-Identifier: ISC */
/*
 * lateecho: an app worker that echoes messages back along their return
 * routes, the first one late: it is held until a second message comes
 * (say, after the connection it came on has closed), then answered
 * before that one.  Prints "ready" once registered, and "replied" or
 * "not sent: why" for each.
 *
 *	lateecho socket name
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "ockam.h"

static struct ockam_client	*c;
static char			 addr[OCKAM_ADDR_MAX + 1];

static void
reply(const struct tmsg *m)
{
	struct tmsg	 r;

	tmsg_init(&r);
	if (route_copy(&r.onward, &m->ret) == -1 ||
	    route_push_back(&r.ret, OCKAM_ADDR_LOCAL, addr,
	    strlen(addr)) == -1 ||
	    tmsg_set_payload(&r, m->payload, m->plen) == -1)
		errx(1, "cannot make the reply");
	if (ockam_send(c, &r, 0) == -1)
		printf("not sent: %s\n", ockam_error(c));
	else
		printf("replied\n");
	tmsg_clear(&r);
}

int
main(int argc, char *argv[])
{
	struct tmsg	 m, first;
	char		 ebuf[512];
	int		 n = 0;

	if (argc != 3)
		errx(1, "usage: lateecho socket name");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((c = ockam_connect(argv[1], ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	if (ockam_worker_add(c, argv[2], addr, sizeof(addr)) == -1)
		errx(1, "%s", ockam_error(c));
	printf("ready %s\n", addr);
	tmsg_init(&first);
	for (;;) {
		tmsg_init(&m);
		if (ockam_receive(c, &m, -1) != 1)
			errx(1, "receive: %s", ockam_error(c));
		if (n++ == 0) {
			if (tmsg_copy(&first, &m) == -1)
				err(1, "copy");
			tmsg_clear(&m);
			printf("holding\n");
			continue;
		}
		if (n == 2)
			reply(&first);
		reply(&m);
		tmsg_clear(&m);
	}
}
