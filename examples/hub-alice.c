/* SPDX-License-Identifier: ISC */
/*
 * Alice of the guide "Securely connecting devices" as a C program
 * against her node (etc/hub-alice.conf): a secure channel to Bob's
 * listener through the hub by the forwarding route Bob printed, then
 * "Hello Ockam!" to Bob's app through it.  An echo from Bob's echoer
 * through the same channel says it went through: the channel keeps
 * the order of its messages.
 *
 *	hub-alice [-s socket] forwarding-route
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

#define HELLO	"Hello Ockam!"

/* m to CHANNEL/service/to: the route, and HELLO as a BARE string. */
static void
hello(struct tmsg *m, const char *channel, const char *to, const char *me)
{
	struct ibuf	*b;
	char		 route[512], ebuf[512];

	tmsg_init(m);
	snprintf(route, sizeof(route), "%s/service/%s", channel, to);
	if (multiaddr_parse(route, &m->onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "route %s: %s", route, ebuf);
	if (route_push_back(&m->ret, OCKAM_ADDR_LOCAL, me, strlen(me)) == -1)
		err(1, "return route");
	if ((b = ibuf_open(32, OCKAM_MSG_MAX)) == NULL ||
	    ibuf_add_string(b, HELLO) == -1 ||
	    tmsg_set_payload(m, ibuf_data(b), ibuf_size(b)) == -1)
		err(1, "payload");
	ibuf_free(b);
}

int
main(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct route		 fwd;
	struct tmsg		 m, echo, reply;
	const char		*sock = CTL_SOCKET;
	char			 me[OCKAM_ADDR_MAX + 1], channel[256];
	char			 ebuf[512];
	int			 ch;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc) {
 usage:
		fprintf(stderr, "usage: hub-alice [-s socket] "
		    "forwarding-route\n");
		return (1);
	}
	route_init(&fwd);
	if (multiaddr_parse(argv[optind], &fwd, ebuf, sizeof(ebuf)) == -1)
		errx(1, "forwarding route: %s", ebuf);

	if ((c = ockam_connect(sock, ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	/* Trust as the node's configuration says (a pin, for the guide). */
	if (ockam_secure_channel_create(c, &fwd, NULL, channel,
	    sizeof(channel)) == -1)
		errx(1, "secure channel: %s", ockam_error(c));
	printf("Secure channel: %s\n", channel);
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "worker: %s", ockam_error(c));

	hello(&m, channel, "app", me);
	hello(&echo, channel, "echoer", me);
	if (ockam_send(c, &m, OCKAM_SEND_REPORT) == -1 ||
	    ockam_send(c, &echo, OCKAM_SEND_REPORT) == -1)
		errx(1, "send: %s", ockam_error(c));
	tmsg_init(&reply);
	switch (ockam_receive(c, &reply, 10 * 1000)) {
	case 0:
		errx(1, "no echo within 10 seconds");
	case -1:
		errx(1, "%s", ockam_error(c));
	}
	if (reply.plen != echo.plen ||
	    memcmp(reply.payload, echo.payload, echo.plen) != 0)
		errx(1, "the echo differs from what was sent");
	printf("Sent %s to Bob's app through %s\n", HELLO, channel);

	if (ockam_secure_channel_delete(c, channel) == -1)
		warnx("channel delete: %s", ockam_error(c));
	tmsg_clear(&m);
	tmsg_clear(&echo);
	tmsg_clear(&reply);
	route_clear(&fwd);
	ockam_disconnect(c);
	return (0);
}
