/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: talk to a running node over its control socket.
 */
#include <sys/types.h>

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

extern char		*__progname;
static const char	*csock = CTL_SOCKET;

__dead void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-V] [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "\tmessage send [-nx] [-t seconds] route text\n"
	    "\tmessage receive [-x] [-c count] [-t seconds] address\n"
	    "\tshow workers | channels | connections | listeners | relays |\n"
	    "\t    streams | portals\n"
	    "\ttcp-connection delete peer | id\n"
	    "\tidentity create name\n"
	    "\tidentity show [name]\n"
	    "\tsecure-channel create [-AP] [-i identity] [-T identifier] "
	    "[-t seconds] route\n"
	    "\tsecure-channel delete address\n"
	    "\tsecure-channel unpin route\n"
	    "\trelay create [-AP] [-i identity] [-T identifier] "
	    "[--heartbeat seconds]\n"
	    "\t    [--name alias] --to address hub-route\n"
	    "\trelay delete address | alias\n"
	    "\tstream create [-S service] [-t seconds] route [name]\n"
	    "\tstream push [-x] [-S service] [-t seconds] route name text\n"
	    "\tstream pull [-x] [-i index] [-l limit] [-S service] "
	    "[-t seconds] route name\n"
	    "\tstream client create --send stream --receive stream "
	    "--name address\n"
	    "\t    [--client-id id] [--interval ms] [--consumer address] "
	    "hub-route\n"
	    "\tlog brief | verbose\n"
	    "\treload\n", __progname);
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

/*
 * A listing: request type, each line of type info to item, whose arg
 * says whether the header was printed (what is returned).
 */
int
show_list(uint32_t type, uint32_t info, int (*item)(void *,
    struct cursor *), const char *what)
{
	struct ockam_client	*c;
	int			 header = 0;

	c = connect_node();
	if (ockam_list(c, type, NULL, 0, info, item, &header) == -1)
		errx(1, "%s: %s", what, ockam_error(c));
	ockam_disconnect(c);
	return (header);
}

/* A listing's line of n strings, and nothing after them; -1 if not. */
int
cur_fields(struct cursor *cur, char f[][FIELD_MAX], int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		cur_string(cur, f[i], FIELD_MAX);
	return (cur_end(cur));
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
	if (argc == 2 && strcmp(argv[1], "relays") == 0)
		return (cmd_show_relays());
	if (argc == 2 && strcmp(argv[1], "streams") == 0)
		return (cmd_show_streams());
	if (argc == 2 && strcmp(argv[1], "portals") == 0)
		return (cmd_show_portals());
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
	else if (strcmp(argv[2], "streamd") == 0)
		target = CTL_TARGET_STREAMD;
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
	while ((ch = getopt(argc, argv, "+s:V")) != -1) {
		switch (ch) {
		case 's':
			csock = optarg;
			break;
		case 'V':
			printf("ockamctl %s\n", ockam_version());
			exit(0);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	if (strcmp(argv[0], "message") == 0)
		return (cmd_message(argc, argv));
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
	if (strcmp(argv[0], "relay") == 0)
		return (cmd_relay(argc, argv));
	if (strcmp(argv[0], "stream") == 0 && argc > 1 &&
	    strcmp(argv[1], "client") == 0)
		return (cmd_stream_client(argc - 1, argv + 1));
	if (strcmp(argv[0], "stream") == 0)
		return (cmd_stream(argc, argv));
	if (strcmp(argv[0], "reload") == 0)
		return (cmd_reload(argc, argv));
	usage();
}
