/* SPDX-License-Identifier: ISC */
/*
 * scsend: push many messages through a route and count the replies.
 *
 *	scsend socket route count [window]
 *		send count messages "msg N", at most window (default 64)
 *		waiting for their reply; every reply must be one of ours
 *		and arrive once.  Prints "sent N received M"; exit 0 when
 *		all came back within 60 seconds.
 *	scsend -r socket route hex count
 *		send count copies of a raw payload and do not wait.
 *	scsend -n socket route count
 *		send count 16 KiB messages and never read a reply: a
 *		client that does not read; waits 5 seconds, then leaves.
 *	scsend -c socket listener-route count
 *		create a secure channel to the listener and, the moment
 *		it is made, send count messages at once to the echoer
 *		behind it; as the first form.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"

static struct ockam_client	*c;
static struct tmsg		 msg;

static void
set_text(int i)
{
	struct ibuf	*b;
	char		 text[32];

	snprintf(text, sizeof(text), "msg %d", i);
	if ((b = ibuf_open(32, 64)) == NULL || ibuf_add_string(b, text) == -1 ||
	    tmsg_set_payload(&msg, ibuf_data(b), ibuf_size(b)) == -1)
		err(1, "payload");
	ibuf_free(b);
}

/* A channel to the listener at route s; msg goes to its echoer. */
static void
create_channel(const char *s)
{
	struct route	 to;
	struct ibuf	*b;
	char		 out[256], ebuf[512];

	route_init(&to);
	if (multiaddr_parse(s, &to, ebuf, sizeof(ebuf)) == -1)
		errx(1, "route: %s", ebuf);
	if ((b = ibuf_open(256, CTL_IMSG_MAX)) == NULL)
		err(1, NULL);
	ibuf_add_string(b, "");
	ibuf_add_h32(b, 0);			/* the default timeout */
	ibuf_add_h32(b, CTL_SC_TRUST_ANY);	/* a test's own responder */
	ibuf_add_h32(b, 0);			/* no identifiers */
	if (route_encode(b, &to) == -1 || ibuf_error(b))
		errx(1, "route too long");
	if (ockam_request(c, CTL_SC_CREATE, ibuf_data(b), ibuf_size(b), out,
	    sizeof(out)) == -1)
		errx(1, "secure-channel create: %s", ockam_error(c));
	strlcat(out, "/service/echoer", sizeof(out));
	if (multiaddr_parse(out, &msg.onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "channel route: %s", ebuf);
	ibuf_free(b);
	route_clear(&to);
}

static size_t
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t		 n = 0;
	unsigned int	 v;

	while (s[0] != '\0' && s[1] != '\0' && n < max &&
	    sscanf(s, "%2x", &v) == 1) {
		out[n++] = v;
		s += 2;
	}
	return (n);
}

int
main(int argc, char *argv[])
{
	static unsigned char	 raw[65536];
	struct tmsg		 reply;
	struct cursor		 cur;
	unsigned char		*seen;
	const char		*s;
	char			 me[OCKAM_ADDR_MAX + 1], ebuf[512], num[24];
	size_t			 len, rawlen;
	time_t			 deadline;
	int			 ch, rawmode = 0, noread = 0, create = 0;
	int			 count, window = 64;
	int			 sent = 0, got = 0, i, r;

	while ((ch = getopt(argc, argv, "cnr")) != -1) {
		if (ch == 'c')
			create = 1;
		else if (ch == 'r')
			rawmode = 1;
		else if (ch == 'n')
			noread = 1;
		else
			errx(1, "usage: scsend [-c | -n | -r] socket "
			    "route ...");
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		errx(1, "usage: scsend [-r] socket route ...");
	tmsg_init(&msg);
	if (!create &&
	    multiaddr_parse(argv[1], &msg.onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "route: %s", ebuf);
	if ((c = ockam_connect(argv[0], ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "%s", ockam_error(c));
	if (route_push_back(&msg.ret, OCKAM_ADDR_LOCAL, me, strlen(me)) == -1)
		errx(1, "return route");

	if (rawmode) {
		if (argc != 4)
			errx(1, "usage: scsend -r socket route hex count");
		rawlen = unhex(argv[2], raw, sizeof(raw));
		count = atoi(argv[3]);
		if (tmsg_set_payload(&msg, raw, rawlen) == -1)
			err(1, "payload");
		for (i = 0; i < count; i++)
			if (ockam_send(c, &msg, 0) == -1)
				errx(1, "send: %s", ockam_error(c));
		/*
		 * Take what comes back for a while before leaving: a client
		 * that closes with unread replies resets the connection,
		 * and the node may lose requests it has not read yet.
		 */
		deadline = time(NULL) + 2;
		while (time(NULL) < deadline) {
			tmsg_init(&reply);
			r = ockam_receive(c, &reply, 500);
			tmsg_clear(&reply);
			if (r == 1)
				got++;
		}
		printf("sent %d, %d answers\n", count, got);
		ockam_disconnect(c);
		return (0);
	}

	if (noread) {
		count = atoi(argv[2]);
		memset(raw, 'z', 16384);
		if (tmsg_set_payload(&msg, raw, 16384) == -1)
			err(1, "payload");
		for (i = 0; i < count; i++)
			if (ockam_send(c, &msg, 0) == -1)
				errx(1, "send: %s", ockam_error(c));
		printf("sent %d, reading nothing\n", count);
		fflush(stdout);
		sleep(5);
		return (0);
	}
	count = atoi(argv[2]);
	if (argc > 3)
		window = atoi(argv[3]);
	if (create) {
		create_channel(argv[1]);
		window = count;
	}
	if (count <= 0 || window <= 0 || (seen = calloc(count, 1)) == NULL)
		errx(1, "bad count or window");
	deadline = time(NULL) + 60;
	while (got < count && time(NULL) < deadline) {
		while (sent < count && sent - got < window) {
			set_text(sent);
			if (ockam_send(c, &msg, 0) == -1)
				errx(1, "send: %s", ockam_error(c));
			sent++;
		}
		tmsg_init(&reply);
		if ((r = ockam_receive(c, &reply, 5000)) != 1) {
			if (r == -1)
				warnx("%s", ockam_error(c));
			break;
		}
		cur_init(&cur, reply.payload, reply.plen);
		s = cur_bare(&cur, &len, reply.plen);
		if (cur_end(&cur) == -1 || len < 5 || len > 20 ||
		    strncmp(s, "msg ", 4) != 0)
			errx(1, "a reply that is not ours");
		memcpy(num, s + 4, len - 4);
		num[len - 4] = '\0';
		i = strtonum(num, 0, INT_MAX, NULL);
		if (i < 0 || i >= sent || seen[i])
			errx(1, "reply %d unexpected or twice", i);
		seen[i] = 1;
		got++;
		tmsg_clear(&reply);
	}
	printf("sent %d received %d\n", sent, got);
	free(seen);
	tmsg_clear(&msg);
	ockam_disconnect(c);
	return (got == count ? 0 : 1);
}
