/* SPDX-License-Identifier: ISC */
/*
 * Bob of the guide "Securely connecting devices" as a C program
 * against his node (etc/hub-bob.conf: no listener, a secure channel
 * listener bob_secure_channel_listener whose channels may reach app):
 * register the app worker, keep a relay at the hub for the channel
 * listener, print the forwarding address Alice needs, then print
 * what comes to app out of a channel.  The relay is the node's: it
 * stays when the program ends (the echo Alice asked for may still be
 * on its way back through it), until "ockamctl relay delete".
 *
 *	hub-bob [-s socket] [-n alias] [-t seconds] [hub]
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"

#define HUB		"/ip4/127.0.0.1/tcp/4000"
#define LISTENER	"bob_secure_channel_listener"

int
main(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct tmsg		 m;
	struct cursor		 cur;
	const char		*sock = CTL_SOCKET, *hub = HUB, *alias = NULL;
	const char		*s, *errstr;
	char			 fwd[CTL_MSG_MAX], peer[OCKAM_ADDR_MAX + 1];
	char			 ebuf[512], *v;
	size_t			 len;
	int			 ch, seconds = 60, r;

	while ((ch = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (ch) {
		case 'n':
			alias = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			seconds = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(1, "seconds %s: %s", optarg, errstr);
			break;
		default:
			fprintf(stderr, "usage: hub-bob [-s socket] [-n alias] "
			    "[-t seconds] [hub]\n");
			return (1);
		}
	}
	if (optind < argc)
		hub = argv[optind];

	if ((c = ockam_connect(sock, ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	/* The app first: the relay may bring a message at once. */
	if (ockam_worker_add(c, "app", NULL, 0) == -1)
		errx(1, "worker app: %s", ockam_error(c));
	if (ockam_relay_create(c, hub, alias, LISTENER, NULL, fwd,
	    sizeof(fwd)) == -1)
		errx(1, "%s", ockam_error(c));
	printf("Forwarding address: %s\n", fwd);
	fflush(stdout);

	tmsg_init(&m);
	r = ockam_receive_from(c, &m, peer, sizeof(peer), seconds * 1000);
	if (r == 0)
		errx(1, "nothing came within %d seconds", seconds);
	if (r == -1)
		errx(1, "%s", ockam_error(c));
	cur_init(&cur, m.payload, m.plen);
	s = cur_bare(&cur, &len, m.plen);
	if (cur_end(&cur) == -1)
		errx(1, "the message is not a string");
	/* The node lets nothing reach app but out of a channel. */
	if (peer[0] == '\0')
		errx(1, "a message came outside a secure channel");
	/* It came from the network: printed through vis(3). */
	if ((v = malloc(4 * len + 1)) == NULL)
		err(1, NULL);
	strvisx(v, s, len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	printf("Bob Received: %s from Alice via secure channel\n", v);
	printf("Alice's identifier: %s\n", peer);
	free(v);
	tmsg_clear(&m);
	ockam_disconnect(c);
	return (0);
}
