/* SPDX-License-Identifier: ISC */
/*
 * The many-hops guide (Ockam's get_started example 04) as a C program
 * against a running node: register an app worker, send "Hello Ockam!"
 * through hops h1, h2 and h3 to the echoer, print the reply.
 *
 *	many-hops [-s socket] [route]
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"

#define ROUTE	"/service/h1/service/h2/service/h3/service/echoer"

int
main(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct tmsg		 m, reply;
	struct cursor		 cur;
	struct ibuf		*b;
	const char		*sock = CTL_SOCKET, *route = ROUTE, *s;
	char			 me[OCKAM_ADDR_MAX + 1], ebuf[512];
	size_t			 len;
	int			 ch;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		default:
			fprintf(stderr, "usage: many-hops [-s socket] "
			    "[route]\n");
			return (1);
		}
	}
	if (optind < argc)
		route = argv[optind];

	/* Build the message: route, and the payload as a BARE string. */
	tmsg_init(&m);
	tmsg_init(&reply);
	if (multiaddr_parse(route, &m.onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "route: %s", ebuf);
	if ((b = ibuf_open(32, OCKAM_MSG_MAX)) == NULL ||
	    ibuf_add_string(b, "Hello Ockam!") == -1 ||
	    tmsg_set_payload(&m, ibuf_data(b), ibuf_size(b)) == -1)
		err(1, "payload");
	ibuf_free(b);

	/* Become a worker of the node, at a random address. */
	if ((c = ockam_connect(sock, ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "worker: %s", ockam_error(c));
	if (route_push_back(&m.ret, OCKAM_ADDR_LOCAL, me, strlen(me)) == -1)
		err(1, "return route");

	if (ockam_send(c, &m, OCKAM_SEND_REPORT) == -1)
		errx(1, "send: %s", ockam_error(c));
	switch (ockam_receive(c, &reply, 10 * 1000)) {
	case 0:
		errx(1, "no reply within 10 seconds");
	case -1:
		errx(1, "%s", ockam_error(c));
	}

	cur_init(&cur, reply.payload, reply.plen);
	s = cur_bare(&cur, &len, reply.plen);
	if (cur_end(&cur) == -1)
		errx(1, "the reply is not a string");
	printf("App Received: %.*s\n", (int)len, s);

	tmsg_clear(&m);
	tmsg_clear(&reply);
	ockam_disconnect(c);
	return (0);
}
