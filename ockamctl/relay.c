/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: relays at hubs (relay create, relay delete) and show
 * relays, which lists them and, on a hub, its forwarders.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

#define HEARTBEAT_MAX	3600

int
cmd_relay_create(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct trust_opts	 t;
	const char		*alias = NULL, *to = "", *errstr;
	char			 out[CTL_MSG_MAX];
	int			 ch;

	trust_init(&t);
	while ((ch = verb_getopt(argc, argv)) != -1) {
		if (trust_option(&t, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			t.o.seconds = strtonum(optarg, 1, HEARTBEAT_MAX,
			    &errstr);
			if (errstr != NULL)
				usage_error("heartbeat %s is %s (1 to %d "
				    "seconds)", optarg, errstr, HEARTBEAT_MAX);
			break;
		case 'n':
			alias = optarg;
			break;
		case 'o':
			to = optarg;
			break;
		}
	}
	verb_operands(&argc, &argv);
	if (to[0] == '\0')
		usage_error("--to ADDRESS is needed: what comes through the "
		    "relay goes there, or by the rest of its route");
	trust_check(&t);
	c = connect_node();
	if (ockam_relay_create(c, argv[0], alias, to, &t.o, out,
	    sizeof(out)) == -1)
		node_fail(c, NULL);
	if (jflag) {
		json_object(NULL);
		json_string("forwarding_address", out);
		json_string("hub", argv[0]);
		json_string("to", to);
		if (alias != NULL)
			json_string("alias", alias);
		json_end();
	} else
		printf("Forwarding address: %s\n", out);
	ockam_disconnect(c);
	return (0);
}

int
cmd_relay_delete(int argc, char *argv[])
{
	struct ockam_client	*c;

	verb_operands(&argc, &argv);
	c = connect_node();
	if (ockam_relay_delete(c, argv[0]) == -1)
		node_fail(c, NULL);
	if (jflag)
		print_result("deleted", argv[0]);
	ockam_disconnect(c);
	return (0);
}

static void
relay_more(char *f[])
{
	printf("    route %s\n    %s\n", f[4], f[6]);
}

static const struct column relay_cols[] = {
	{ "side",	"SIDE",		0, 6, 0 },
	{ "address",	"ADDRESS",	1, 32, 0 },
	{ "state",	"STATE",	2, 11, 0 },
	{ "since",	"SINCE",	5, 19, 0 },
	{ "remote",	"ALIAS / REMOTE", 3, 0, 0 },
	{ "route",	NULL,		4, 0, 0 },
	{ "detail",	NULL,		6, 0, 0 },
};
static const struct listing relay_list = {
	"relays", CTL_SHOW_RELAYS, CTL_RELAY_INFO, relay_cols, 7, 7, NULL,
	relay_more
};

int
cmd_show_relays(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&relay_list, NULL, 0, 0));
}
