/* SPDX-License-Identifier: ISC */
/*
 * ockamctl message: send a message along a route (and print its
 * reply), or take the messages that come to an address.
 */
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "buf.h"
#include "ockam.h"
#include "ockamctl.h"

#define DEFAULT_TIMEOUT		10	/* seconds */
#define EXIT_TIMEOUT		2	/* receive: nothing came in time */

/* Hex digits to bytes (*out allocated); -1 when they are not. */
int
hex_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t		 i, n = strlen(s);
	unsigned int	 v;

	if (n % 2 != 0)
		return (-1);
	if ((*out = malloc(n / 2 + 1)) == NULL)
		err(1, NULL);
	for (i = 0; i < n / 2; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(*out);
			return (-1);
		}
		(*out)[i] = v;
	}
	*outlen = n / 2;
	return (0);
}

/*
 * Print a payload, flushed: a BARE string as text, anything else as
 * hex.  what names it in the note that says so ("reply", "message").
 * The text is the network's: what is not printable ASCII goes out as
 * vis(3) escapes, never as bytes a terminal would obey.  With -j, a
 * value in the JSON document: { "text": ... } or { "hex": ... }.
 */
static void
print_payload(const unsigned char *p, size_t len, int hex, const char *what)
{
	struct cursor	 cur;
	const char	*s = NULL;
	char		*v;
	size_t		 slen = 0, i;

	if (!hex) {
		cur_init(&cur, p, len);
		s = cur_bare(&cur, &slen, len);
		if (cur_end(&cur) == -1 || memchr(s, '\0', slen) != NULL)
			s = NULL;
	}
	if (jflag) {
		json_object(what);
		if (s != NULL)
			json_bytes("text", s, slen);
		else
			json_hex("hex", p, len);
		json_end();
		return;
	}
	if (s != NULL) {
		if ((v = malloc(4 * slen + 1)) == NULL)
			err(1, NULL);
		strvisx(v, s, slen, VIS_CSTYLE | VIS_OCTAL | VIS_TAB |
		    VIS_NL | VIS_NOSLASH);
		puts(v);
		fflush(stdout);
		free(v);
		return;
	}
	if (!hex)
		fprintf(stderr, "ockamctl: the %s is not a string; "
		    "printing it in hex\n", what);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	putchar('\n');
	fflush(stdout);
}

/* The payload from the command line: a BARE string, or raw hex. */
static void
set_payload(struct tmsg *m, const char *text, int hex)
{
	struct ibuf	*b;
	unsigned char	*raw = NULL;
	size_t		 rawlen = 0;
	int		 r;

	if (hex) {
		if (hex_decode(text, &raw, &rawlen) == -1)
			usage_error("bad hex payload \"%.32s\"", text);
		r = tmsg_set_payload(m, raw, rawlen);
		free(raw);
	} else {
		if ((b = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
			err(1, NULL);
		if (ibuf_add_string(b, text) == -1)
			usage_error("message too long");
		r = tmsg_set_payload(m, ibuf_data(b), ibuf_size(b));
		ibuf_free(b);
	}
	if (r == -1)
		err(1, "payload");
}

/*
 * --no-reply: wait until routed has taken the message's first hop.
 * A probe to a worker of our own, queued behind it, comes back only
 * once the message left the queue, after any report that it was
 * dropped (both come down this one control connection, in order).
 * A reply to the message may come first: it is not waited for.
 */
static void
send_barrier(struct ockam_client *c, const char *route)
{
	struct tmsg	 probe, back;
	char		 pw[OCKAM_ADDR_MAX + 1];
	int		 r;

	if (ockam_worker_add(c, NULL, pw, sizeof(pw)) == -1)
		node_fail(c, "cannot register a worker");
	tmsg_init(&probe);
	if (route_push_back(&probe.onward, OCKAM_ADDR_LOCAL, pw,
	    strlen(pw)) == -1)
		err(1, "probe route");
	if (ockam_send(c, &probe, OCKAM_SEND_REPORT) == -1)
		node_fail(c, "send");
	do {
		tmsg_init(&back);
		r = ockam_receive(c, &back, DEFAULT_TIMEOUT * 1000);
		if (r == 0)
			errx(1, "the node did not take the message to %s "
			    "within %d seconds", route, DEFAULT_TIMEOUT);
		if (r == -1)
			node_fail(c, "message not delivered");
		r = route_head(&back.onward) != NULL &&
		    strcmp(route_head(&back.onward)->val, pw) == 0;
		tmsg_clear(&back);
	} while (!r);
	tmsg_clear(&probe);
}

int
cmd_message_send(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct tmsg		 m, reply;
	char			 me[OCKAM_ADDR_MAX + 1];
	long long		 timeout = DEFAULT_TIMEOUT;
	int			 ch, hex = 0, noreply = 0, r;

	while ((ch = verb_getopt(argc, argv)) != -1) {
		switch (ch) {
		case 'n':
			noreply = 1;
			break;
		case 't':
			timeout = parse_timeout(optarg);
			break;
		case 'x':
			hex = 1;
			break;
		}
	}
	verb_operands(&argc, &argv);

	tmsg_init(&m);
	tmsg_init(&reply);
	parse_route(argv[0], &m.onward);
	set_payload(&m, argv[1], hex);

	c = connect_node();
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		node_fail(c, "cannot register a worker");
	if (route_push_back(&m.ret, OCKAM_ADDR_LOCAL, me,
	    strlen(me)) == -1)
		err(1, "return route");
	if (ockam_send(c, &m, OCKAM_SEND_REPORT) == -1)
		node_fail(c, "send");
	if (noreply) {
		send_barrier(c, argv[0]);
		if (jflag) {
			json_object(NULL);
			json_bool("sent", 1);
			json_end();
		}
	} else {
		r = ockam_receive(c, &reply, timeout * 1000);
		if (r == 0)
			errx(1, "no reply from %s within %lld second%s",
			    argv[0], timeout, timeout == 1 ? "" : "s");
		if (r == -1)
			node_fail(c, "message not delivered");
		if (jflag)
			json_object(NULL);
		print_payload(reply.payload, reply.plen, hex, "reply");
		if (jflag)
			json_end();
	}
	tmsg_clear(&m);
	tmsg_clear(&reply);
	ockam_disconnect(c);
	return (0);
}

static long long
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Register an app worker at an address and print what comes to it,
 * until count messages came or the timeout passed.  Exit 0 when at
 * least one came, EXIT_TIMEOUT when none did.
 */
int
cmd_message_receive(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct tmsg		 m;
	const char		*errstr;
	char			 me[OCKAM_ADDR_MAX + 1], what[64];
	long long		 count = 0, got = 0, timeout = 0, deadline = 0;
	long long		 left;
	int			 ch, hex = 0, r;

	while ((ch = verb_getopt(argc, argv)) != -1) {
		switch (ch) {
		case 'c':
			count = strtonum(optarg, 1, LLONG_MAX, &errstr);
			if (errstr != NULL)
				usage_error("count %s is %s", optarg, errstr);
			break;
		case 't':
			timeout = parse_timeout(optarg);
			break;
		case 'x':
			hex = 1;
			break;
		}
	}
	verb_operands(&argc, &argv);
	if (argv[0][0] == '\0')
		usage_error("empty ADDRESS");

	c = connect_node();
	if (ockam_worker_add(c, argv[0], me, sizeof(me)) == -1) {
		snprintf(what, sizeof(what), "cannot register a worker at %s",
		    argv[0]);
		node_fail(c, what);
	}
	if (jflag) {
		json_object(NULL);
		json_string("address", me);
		json_array("messages");
	}
	if (timeout > 0)
		deadline = mono_ms() + timeout * 1000;
	while (count == 0 || got < count) {
		left = -1;
		if (timeout > 0 && (left = deadline - mono_ms()) < 0)
			left = 0;
		tmsg_init(&m);
		if ((r = ockam_receive(c, &m, (int)left)) == -1)
			node_fail(c, "receive");
		if (r == 0)
			break;
		print_payload(m.payload, m.plen, hex, jflag ? NULL :
		    "message");
		tmsg_clear(&m);
		got++;
	}
	ockam_disconnect(c);
	if (jflag) {
		json_end();
		json_end();
	}
	if (got == 0) {
		warnx("nothing came to %s within %lld second%s", me,
		    timeout, timeout == 1 ? "" : "s");
		return (EXIT_TIMEOUT);
	}
	return (0);
}
