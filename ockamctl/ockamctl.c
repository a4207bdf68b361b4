/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: talk to a running node over its control socket.
 */
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "ockamctl.h"

#define DEFAULT_TIMEOUT		10	/* seconds */

extern char		*__progname;
static const char	*csock = CTL_SOCKET;

__dead void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "\tmessage send [-x] [-t seconds] route text\n"
	    "\tshow workers | channels | connections | listeners\n"
	    "\ttcp-connection delete peer | id\n"
	    "\tidentity create name\n"
	    "\tidentity show [name]\n"
	    "\tsecure-channel create [-AP] [-i identity] [-T identifier] "
	    "[-t seconds] route\n"
	    "\tsecure-channel delete address\n"
	    "\tsecure-channel unpin route\n"
	    "\tlog brief | verbose\n", __progname);
	exit(1);
}

/*
 * Before a verb reads its options: GNU getopt starts afresh (permuting
 * again), and its complaints name ockamctl, not the verb.
 */
void
verb_options(char *argv[])
{
	optind = 0;
	argv[0] = __progname;
}

/* A --timeout: 1 to 3600 seconds, or exit with why. */
long long
parse_timeout(const char *arg)
{
	const char	*errstr;
	long long	 t;

	t = strtonum(arg, 1, 3600, &errstr);
	if (errstr != NULL)
		errx(1, "timeout %s is %s (1 to 3600 seconds)", arg, errstr);
	return (t);
}

/* A route on the command line, or exit saying what is wrong with it. */
void
parse_route(const char *text, struct route *r)
{
	char	 ebuf[512];

	if (multiaddr_parse(text, r, ebuf, sizeof(ebuf)) == -1)
		errx(1, "bad route \"%s\": %s", text, ebuf);
}

struct ockam_client *
connect_node(void)
{
	struct ockam_client	*c;
	char			 err[512];

	if ((c = ockam_connect(csock, err, sizeof(err))) == NULL)
		errx(1, "%s", err);
	return (c);
}

static int
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

/* Print a reply: a BARE string as text, anything else as hex. */
static void
print_payload(const unsigned char *p, size_t len, int hex)
{
	struct cursor	 cur;
	const char	*s;
	size_t		 slen, i;

	if (!hex) {
		cur_init(&cur, p, len);
		s = cur_bare(&cur, &slen, len);
		if (cur_end(&cur) == 0 && memchr(s, '\0', slen) == NULL) {
			fwrite(s, 1, slen, stdout);
			putchar('\n');
			return;
		}
		fprintf(stderr, "ockamctl: the reply is not a string; "
		    "printing it in hex\n");
	}
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int
cmd_message_send(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "hex", no_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct ockam_client	*c;
	struct tmsg		 m, reply;
	struct ibuf		*b;
	unsigned char		*raw = NULL;
	char			 me[OCKAM_ADDR_MAX + 1];
	size_t			 rawlen = 0;
	long long		 timeout = DEFAULT_TIMEOUT;
	int			 ch, hex = 0, r;

	verb_options(argv);
	while ((ch = getopt_long(argc, argv, "t:x", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			timeout = parse_timeout(optarg);
			break;
		case 'x':
			hex = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();

	tmsg_init(&m);
	tmsg_init(&reply);
	parse_route(argv[0], &m.onward);
	if (hex) {
		if (hex_decode(argv[1], &raw, &rawlen) == -1)
			errx(1, "bad hex payload");
		r = tmsg_set_payload(&m, raw, rawlen);
		free(raw);
	} else {
		if ((b = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
			err(1, NULL);
		if (ibuf_add_string(b, argv[1]) == -1)
			errx(1, "message too long");
		r = tmsg_set_payload(&m, ibuf_data(b), ibuf_size(b));
		ibuf_free(b);
	}
	if (r == -1)
		err(1, "payload");

	c = connect_node();
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "cannot register a worker: %s", ockam_error(c));
	if (route_push_back(&m.ret, OCKAM_ADDR_LOCAL, me, strlen(me)) == -1)
		err(1, "return route");
	if (ockam_send(c, &m, OCKAM_SEND_REPORT) == -1)
		errx(1, "send: %s", ockam_error(c));
	r = ockam_receive(c, &reply, timeout * 1000);
	if (r == 0)
		errx(1, "no reply from %s within %lld second%s", argv[0],
		    timeout, timeout == 1 ? "" : "s");
	if (r == -1)
		errx(1, "message not delivered: %s", ockam_error(c));
	print_payload(reply.payload, reply.plen, hex);
	tmsg_clear(&m);
	tmsg_clear(&reply);
	ockam_disconnect(c);
	return (0);
}

static void
show_worker(void *arg, const char *kind, const char *name, const char *detail)
{
	int	*header = arg;

	if (!*header) {
		printf("%-34s %-8s %s\n", "ADDRESS", "KIND", "DETAIL");
		*header = 1;
	}
	printf("%-34s %-8s %s\n", name, kind, detail);
}

static int
cmd_show(int argc, char *argv[])
{
	struct ockam_client	*c;
	int			 header = 0;

	if (argc == 2 && strcmp(argv[1], "channels") == 0)
		return (cmd_show_channels());
	if (argc == 2 && (strcmp(argv[1], "connections") == 0 ||
	    strcmp(argv[1], "listeners") == 0))
		return (cmd_show_transport(argv[1]));
	if (argc != 2 || strcmp(argv[1], "workers") != 0)
		usage();
	c = connect_node();
	if (ockam_show_workers(c, show_worker, &header) == -1)
		errx(1, "show workers: %s", ockam_error(c));
	ockam_disconnect(c);
	return (0);
}

static int
cmd_log(int argc, char *argv[])
{
	struct ockam_client	*c;
	uint32_t		 level;
	char			 out[128];

	if (argc != 2)
		usage();
	if (strcmp(argv[1], "brief") == 0)
		level = 1;
	else if (strcmp(argv[1], "verbose") == 0)
		level = 2;
	else
		usage();
	c = connect_node();
	if (ockam_request(c, CTL_VERBOSE, &level, sizeof(level), out,
	    sizeof(out)) == -1)
		errx(1, "log: %s", ockam_error(c));
	ockam_disconnect(c);
	return (0);
}

/* Test-only requests; a node built without OCKAM_REGRESS refuses them. */
static int
cmd_regress(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	uint32_t		 type, variant = 0;
	uint8_t			 target;

	if (argc < 3)
		usage();
	if (strcmp(argv[2], "routed") == 0)
		target = CTL_TARGET_ROUTED;
	else if (strcmp(argv[2], "vault") == 0)
		target = CTL_TARGET_VAULT;
	else if (strcmp(argv[2], "tcpd") == 0)
		target = CTL_TARGET_TCPD;
	else
		usage();
	if (strcmp(argv[1], "sandbox") == 0 && (argc == 3 || argc == 4)) {
		type = CTL_REGRESS_SANDBOX;
		if (argc == 4)
			variant = strtonum(argv[3], 0, 255, NULL);
	} else if (strcmp(argv[1], "badimsg") == 0 && argc == 4) {
		type = CTL_REGRESS_BADIMSG;
		variant = strtonum(argv[3], 1, 3, NULL);
	} else
		usage();
	if ((b = ibuf_open(16, 16)) == NULL)
		err(1, NULL);
	ibuf_add_u8(b, target);
	ibuf_add_h32(b, variant);
	c = connect_node();
	if (ockam_request(c, type, ibuf_data(b), ibuf_size(b), NULL, 0) == -1)
		errx(1, "regress: %s", ockam_error(c));
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}

int
main(int argc, char *argv[])
{
	const char	*env;
	int		 ch;

	if ((env = getenv("OCKAM_SOCKET")) != NULL && env[0] != '\0')
		csock = env;
	while ((ch = getopt(argc, argv, "+s:")) != -1) {
		switch (ch) {
		case 's':
			csock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	if (strcmp(argv[0], "message") == 0 && argc >= 2 &&
	    strcmp(argv[1], "send") == 0)
		return (cmd_message_send(argc - 1, argv + 1));
	if (strcmp(argv[0], "show") == 0)
		return (cmd_show(argc, argv));
	if (strcmp(argv[0], "log") == 0)
		return (cmd_log(argc, argv));
	if (strcmp(argv[0], "regress") == 0)
		return (cmd_regress(argc, argv));
	if (strcmp(argv[0], "identity") == 0)
		return (cmd_identity(argc, argv));
	if (strcmp(argv[0], "secure-channel") == 0)
		return (cmd_secure_channel(argc, argv));
	if (strcmp(argv[0], "tcp-connection") == 0)
		return (cmd_tcp_connection(argc, argv));
	usage();
}
