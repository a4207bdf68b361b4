/* SPDX-License-Identifier: ISC */
/*
 * ockamctl stream: talk to a hub's stream service by hand, for
 * debugging (doc/design.md 4.5).  Each command creates (or joins) the
 * stream, which tells the route of the stream's worker, then pushes to
 * or pulls from it.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "ockamctl.h"
#include "stream.h"

#define DEFAULT_TIMEOUT		10	/* seconds */
#define DEFAULT_SERVICE		"stream"
#define DEFAULT_LIMIT		8	/* Ockam's consumer pulls 8 */

struct stream_ctx {
	struct ockam_client	*c;
	char			 me[OCKAM_ADDR_MAX + 1];
	struct route		 worker;	/* the stream's worker */
	char			 name[STREAM_NAME_MAX + 1];
	long long		 timeout;
	int			 hex;
};

/*
 * Send payload b along to and wait for the reply of protocol want,
 * its message left in c (the reply in *m).  An `error' reply exits.
 */
static void
exchange(struct stream_ctx *s, const struct route *to, struct ibuf *b,
    struct tmsg *m, int want, struct cursor *cur)
{
	struct tmsg	 req;
	const char	*errstr;
	char		 reason[STREAM_REASON_MAX + 1];
	int		 proto, r;

	if (ibuf_error(b))
		usage_error("request too long");
	tmsg_init(&req);
	if (route_copy(&req.onward, to) == -1 ||
	    route_push_back(&req.ret, OCKAM_ADDR_LOCAL, s->me,
	    strlen(s->me)) == -1 ||
	    tmsg_set_payload(&req, ibuf_data(b), ibuf_size(b)) == -1)
		err(1, "request");
	ibuf_free(b);
	if (ockam_send(s->c, &req, OCKAM_SEND_REPORT) == -1)
		node_fail(s->c, "send");
	tmsg_clear(&req);
	tmsg_init(m);
	r = ockam_receive(s->c, m, s->timeout * 1000);
	if (r == 0)
		errx(1, "no reply within %lld seconds", s->timeout);
	if (r == -1)
		node_fail(s->c, "not delivered");
	if (stream_decode(m->payload, m->plen, &proto, cur, &errstr) == -1)
		errx(1, "malformed reply: %s", errstr);
	if (proto == STREAM_P_ERROR) {
		if (stream_dec_error(cur, reason, sizeof(reason),
		    &errstr) == -1)
			errx(1, "malformed error reply: %s", errstr);
		errx(1, "the hub says: %s", reason);
	}
	if (proto != want)
		errx(1, "unexpected reply: %s", stream_proto_name(proto));
}

static struct ibuf *
newbuf(void)
{
	struct ibuf	*b;

	if ((b = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
		err(1, NULL);
	return (b);
}

/* Create or join the stream: its name and its worker's route. */
static void
stream_open(struct stream_ctx *s, const char *hub, const char *service,
    const char *name)
{
	struct route		 to;
	struct stream_create	 init;
	struct tmsg		 m;
	struct cursor		 cur;
	struct ibuf		*b;
	const char		*errstr;

	route_init(&to);
	parse_route(hub, &to);
	if (route_push_back(&to, OCKAM_ADDR_LOCAL, service,
	    strlen(service)) == -1)
		usage_error("invalid service name \"%s\"", service);
	b = newbuf();
	if (stream_enc_create(b, name) == -1)
		usage_error("stream name too long");
	s->c = connect_node();
	if (ockam_worker_add(s->c, NULL, s->me, sizeof(s->me)) == -1)
		node_fail(s->c, "cannot register a worker");
	exchange(s, &to, b, &m, STREAM_P_CREATE, &cur);
	if (stream_dec_init(&cur, &init, &errstr) == -1)
		errx(1, "malformed Init: %s", errstr);
	strlcpy(s->name, init.name, sizeof(s->name));
	route_init(&s->worker);
	if (route_copy(&s->worker, &m.ret) == -1)
		err(1, "worker route");
	tmsg_clear(&m);
	route_clear(&to);
}

/* Raw bytes: vis(3) escaped text, or hex; with -j, "data" or "hex". */
static void
print_data(const void *data, size_t len, int hex)
{
	const unsigned char	*p = data;
	char			*v;
	size_t			 i;

	if (jflag && !hex) {
		json_bytes("data", data, len);
		return;
	}
	if (jflag) {
		json_hex("hex", data, len);
		return;
	}
	if (hex) {
		for (i = 0; i < len; i++)
			printf("%02x", p[i]);
		putchar('\n');
		return;
	}
	if ((v = malloc(4 * len + 1)) == NULL)
		err(1, NULL);
	strvisx(v, data, len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL |
	    VIS_NOSLASH);
	puts(v);
	free(v);
}

static void
stream_create(struct stream_ctx *s)
{
	char	 text[8192];

	if (multiaddr_print(&s->worker, text, sizeof(text)) == -1)
		errx(1, "the worker's route cannot be printed");
	if (jflag) {
		json_object(NULL);
		json_string("stream", s->name);
		json_string("route", text);
		json_end();
	} else
		printf("%s %s\n", s->name, text);
}

static void
stream_push(struct stream_ctx *s, const char *text)
{
	struct stream_push	 push;
	struct stream_confirm	 pc;
	struct tmsg		 m;
	struct cursor		 cur;
	struct ibuf		*b;
	unsigned char		*raw = NULL;
	const char		*errstr;

	memset(&push, 0, sizeof(push));
	if (s->hex) {
		if (hex_decode(text, &raw, &push.len) == -1)
			usage_error("bad hex message \"%.32s\"", text);
		push.data = raw;
	} else {
		push.data = text;
		push.len = strlen(text);
	}
	b = newbuf();
	stream_enc_push(b, &push);
	exchange(s, &s->worker, b, &m, STREAM_P_PUSH, &cur);
	if (stream_dec_confirm(&cur, &pc, &errstr) == -1)
		errx(1, "malformed PushConfirm: %s", errstr);
	if (pc.status != STREAM_OK)
		errx(1, "push refused by the hub");
	if (jflag) {
		json_object(NULL);
		json_string("stream", s->name);
		json_u64("index", pc.index);
		json_end();
	} else
		printf("%llu\n", (unsigned long long)pc.index);
	tmsg_clear(&m);
	free(raw);
}

static void
stream_pull(struct stream_ctx *s, uint64_t index, uint64_t limit)
{
	struct stream_pull	 pull;
	struct stream_pulled	 got;
	struct stream_msg	 sm;
	struct tmsg		 m;
	struct cursor		 cur;
	struct ibuf		*b;
	const char		*errstr;

	pull.request_id = 1;
	pull.index = index;
	pull.limit = limit;
	b = newbuf();
	stream_enc_pull(b, &pull);
	exchange(s, &s->worker, b, &m, STREAM_P_PULL, &cur);
	if (stream_dec_pulled(&cur, &got, &errstr) == -1)
		errx(1, "malformed PullResponse: %s", errstr);
	if (jflag) {
		json_object(NULL);
		json_string("stream", s->name);
		json_array("messages");
	}
	while (stream_pulled_next(&got, &sm, &errstr) == 1) {
		if (jflag) {
			json_object(NULL);
			json_u64("index", sm.index);
		} else
			printf("%llu ", (unsigned long long)sm.index);
		print_data(sm.data, sm.len, s->hex);
		if (jflag)
			json_end();
	}
	if (jflag) {
		json_end();
		json_end();
	}
	fflush(stdout);
	tmsg_clear(&m);
}

static int
streaminfo_decode(struct cursor *cur, char f[][FIELD_MAX])
{
	int	 i;

	cur_string(cur, f[0], STREAM_NAME_MAX + 1);
	cur_string(cur, f[1], OCKAM_ADDR_MAX + 1);
	cur_string(cur, f[2], 32);
	for (i = 3; i < 7; i++)
		snprintf(f[i], FIELD_MAX, "%llu",
		    (unsigned long long)cur_h64(cur));
	return (cur_end(cur));
}

static const struct column stream_cols[] = {
	{ "name",	"STREAM",	0, 32, 0 },
	{ "worker",	"WORKER",	1, 22, 0 },
	{ "messages",	"MESSAGES",	3, 10, COL_NUM | COL_RIGHT },
	{ "first",	"FIRST",	4, 10, COL_NUM | COL_RIGHT },
	{ "next",	NULL,		5, 0, COL_NUM },
	{ "bytes",	"BYTES",	6, 12, COL_NUM | COL_RIGHT },
	{ "backend",	"BACKEND",	2, 0, 0 },
};
static const struct listing stream_list = {
	"streams", CTL_SHOW_STREAMS, CTL_STREAM_INFO, stream_cols, 7, 7,
	streaminfo_decode, NULL
};

/* show streams: every stream in this hub's storage. */
int
cmd_show_streams(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&stream_list, NULL, 0, 0));
}

static uint64_t
parse_u64(const char *s, const char *what)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
		usage_error("%s \"%s\": not a number of 0 to 2^64-1", what,
		    s);
	return (v);
}

/*
 * stream create|push|pull: the options they share, then the stream
 * opened (created or joined) at the hub.
 */
static void
stream_begin(struct stream_ctx *s, int *argc, char ***argv,
    uint64_t *index, uint64_t *limit)
{
	const char	*service = DEFAULT_SERVICE;
	int		 ch;

	memset(s, 0, sizeof(*s));
	s->timeout = DEFAULT_TIMEOUT;
	while ((ch = verb_getopt(*argc, *argv)) != -1) {
		switch (ch) {
		case 'i':
			*index = parse_u64(optarg, "index");
			break;
		case 'l':
			*limit = parse_u64(optarg, "limit");
			break;
		case 'S':
			service = optarg;
			break;
		case 't':
			s->timeout = parse_timeout(optarg);
			break;
		case 'x':
			s->hex = 1;
			break;
		}
	}
	verb_operands(argc, argv);
	stream_open(s, (*argv)[0], service, *argc > 1 ? (*argv)[1] : NULL);
}

static int
stream_end(struct stream_ctx *s)
{
	route_clear(&s->worker);
	ockam_disconnect(s->c);
	return (0);
}

int
cmd_stream_create(int argc, char *argv[])
{
	struct stream_ctx	 s;
	uint64_t		 index = 0, limit = DEFAULT_LIMIT;

	stream_begin(&s, &argc, &argv, &index, &limit);
	stream_create(&s);
	return (stream_end(&s));
}

int
cmd_stream_push(int argc, char *argv[])
{
	struct stream_ctx	 s;
	uint64_t		 index = 0, limit = DEFAULT_LIMIT;

	stream_begin(&s, &argc, &argv, &index, &limit);
	stream_push(&s, argv[2]);
	return (stream_end(&s));
}

int
cmd_stream_pull(int argc, char *argv[])
{
	struct stream_ctx	 s;
	uint64_t		 index = 0, limit = DEFAULT_LIMIT;

	stream_begin(&s, &argc, &argv, &index, &limit);
	stream_pull(&s, index, limit);
	return (stream_end(&s));
}
