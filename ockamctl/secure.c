/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: identities and secure channels.
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "ockamctl.h"

/*
 * The trust options of secure-channel create and relay create: -A
 * (--trust-any), -P (--pin), -i (--identity), -T (--trust).
 */
void
trust_init(struct trust_opts *t)
{
	memset(t, 0, sizeof(*t));
	t->o.trust = t->trust;
}

/* 1 if ch is one of them (taken), 0 if not. */
int
trust_option(struct trust_opts *t, int ch, char *arg)
{
	switch (ch) {
	case 'A':
		t->o.flags |= OCKAM_TRUST_ANY;
		return (1);
	case 'P':
		t->o.flags |= OCKAM_TRUST_PIN;
		return (1);
	case 'i':
		t->o.identity = arg;
		return (1);
	case 'T':
		if (t->o.ntrust >= TRUST_MAX)
			usage_error("at most %d --trust", TRUST_MAX);
		t->trust[t->o.ntrust++] = arg;
		return (1);
	}
	return (0);
}

/* After the options: those that do not go together. */
void
trust_check(const struct trust_opts *t)
{
	if ((t->o.flags & OCKAM_TRUST_ANY) && (t->o.ntrust > 0 ||
	    (t->o.flags & OCKAM_TRUST_PIN)))
		usage_error("--trust-any goes with neither --trust nor --pin");
}

/* A create's one result: its text, or { key: text } with -j. */
void
print_result(const char *key, const char *text)
{
	if (jflag) {
		json_object(NULL);
		json_string(key, text);
		json_end();
	} else
		printf("%s\n", text);
}

static const struct column identity_cols[] = {
	{ "name",	"NAME",		0, 24, 0 },
	{ "identifier",	"IDENTIFIER",	1, 0, 0 },
};
static const struct listing identity_list = {
	"identities", CTL_IDENTITY_SHOW, CTL_IDENTITY_INFO, identity_cols,
	2, 2, NULL, NULL
};

/* identity create NAME */
int
cmd_identity_create(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	char			 out[256];

	verb_operands(&argc, &argv);
	if ((b = ibuf_open(64, 256)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argv[0]) == -1)
		usage_error("name too long");
	c = connect_node();
	if (ockam_request(c, CTL_IDENTITY_CREATE, ibuf_data(b),
	    ibuf_size(b), out, sizeof(out)) == -1)
		node_fail(c, NULL);
	if (jflag) {
		json_object(NULL);
		json_string("name", argv[0]);
		json_string("identifier", out);
		json_end();
	} else
		printf("%s\n", out);
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}

/* identity show [NAME]: with a name, its line without a header. */
int
cmd_identity_show(int argc, char *argv[])
{
	struct ibuf	*b;

	verb_operands(&argc, &argv);
	if ((b = ibuf_open(64, 256)) == NULL)
		err(1, NULL);
	if (ibuf_add_string(b, argc == 1 ? argv[0] : "") == -1)
		usage_error("name too long");
	show_listing(&identity_list, ibuf_data(b), ibuf_size(b),
	    argc == 1 ? LIST_NOHEAD : 0);
	ibuf_free(b);
	return (0);
}

int
cmd_sc_create(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct trust_opts	 t;
	struct route		 to;
	char			 out[256];
	int			 ch;

	trust_init(&t);
	while ((ch = verb_getopt(argc, argv)) != -1) {
		if (trust_option(&t, ch, optarg))
			continue;
		if (ch == 't')
			t.o.seconds = parse_timeout(optarg);
	}
	verb_operands(&argc, &argv);
	trust_check(&t);
	route_init(&to);
	parse_route(argv[0], &to);
	c = connect_node();
	if (ockam_secure_channel_create(c, &to, &t.o, out, sizeof(out)) == -1)
		node_fail(c, NULL);
	print_result("channel", out);
	route_clear(&to);
	ockam_disconnect(c);
	return (0);
}

/* secure-channel delete ADDRESS: /service/NAME or NAME */
int
cmd_sc_delete(int argc, char *argv[])
{
	struct ockam_client	*c;

	verb_operands(&argc, &argv);
	c = connect_node();
	if (ockam_secure_channel_delete(c, argv[0]) == -1)
		node_fail(c, NULL);
	if (jflag)
		print_result("deleted", argv[0]);
	ockam_disconnect(c);
	return (0);
}

/* secure-channel unpin ROUTE: prints the identifier that was pinned */
int
cmd_sc_unpin(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct route		 to;
	struct ibuf		*b;
	char			 out[256];

	verb_operands(&argc, &argv);
	route_init(&to);
	parse_route(argv[0], &to);
	if ((b = ibuf_open(256, CTL_IMSG_MAX)) == NULL)
		err(1, NULL);
	if (route_encode(b, &to) == -1)
		usage_error("route too long");
	c = connect_node();
	if (ockam_request(c, CTL_SC_UNPIN, ibuf_data(b), ibuf_size(b), out,
	    sizeof(out)) == -1)
		node_fail(c, NULL);
	print_result("identifier", out);
	ibuf_free(b);
	route_clear(&to);
	ockam_disconnect(c);
	return (0);
}

/* The channel's route, /service/ENCRYPTOR, as it is used. */
static int
channel_decode(struct cursor *cur, char f[][FIELD_MAX])
{
	char	 enc[FIELD_MAX];

	if (cur_fields(cur, f, 8) == -1)
		return (-1);
	strlcpy(enc, f[0], sizeof(enc));
	strlcpy(f[0], "/service/", FIELD_MAX);
	strlcat(f[0], enc, FIELD_MAX);
	return (0);
}

static void
channel_more(char *f[])
{
	printf("    identity %s, decryptor %s, remote %s\n    %s\n", f[5],
	    f[1], f[6], f[7]);
}

static const struct column channel_cols[] = {
	{ "channel",	"CHANNEL",	0, 42, 0 },
	{ "role",	"ROLE",		2, 9, 0 },
	{ "state",	"STATE",	3, 9, 0 },
	{ "peer",	"PEER",		4, 0, COL_DASH },
	{ "identity",	NULL,		5, 0, 0 },
	{ "decryptor",	NULL,		1, 0, 0 },
	{ "remote",	NULL,		6, 0, 0 },
	{ "counters",	NULL,		7, 0, 0 },
};
static const struct listing channel_list = {
	"channels", CTL_SHOW_CHANNELS, CTL_CHANNEL_INFO, channel_cols, 8, 8,
	channel_decode, channel_more
};

int
cmd_show_channels(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&channel_list, NULL, 0, 0));
}
