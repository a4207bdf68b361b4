/* SPDX-License-Identifier: ISC */
/*
 * ockamctl's verbs: one row each, in the order help lists them.  A
 * new verb is a row here and its handler (ockamctl.h): the handler
 * reads the row's options with verb_getopt(), then its operands with
 * verb_operands(), and prints its result as text or, with -j, JSON.
 */
#include <sys/types.h>

#include <getopt.h>
#include <stddef.h>

#include "ockamctl.h"

static const struct option lo_send[] = {
	{ "hex", no_argument, NULL, 'x' },
	{ "no-reply", no_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_receive[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "hex", no_argument, NULL, 'x' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_sc_create[] = {
	TRUST_LONGOPTS,
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_relay_create[] = {
	TRUST_LONGOPTS,
	{ "heartbeat", required_argument, NULL, 'h' },
	{ "name", required_argument, NULL, 'n' },
	{ "to", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_inlet[] = {
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 'o' },
	{ "via", required_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_stream[] = {
	{ "hex", no_argument, NULL, 'x' },
	{ "index", required_argument, NULL, 'i' },
	{ "limit", required_argument, NULL, 'l' },
	{ "service", required_argument, NULL, 'S' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};
static const struct option lo_sclient[] = {
	{ "client-id", required_argument, NULL, 'c' },
	{ "consumer", required_argument, NULL, 'C' },
	{ "interval", required_argument, NULL, 'i' },
	{ "name", required_argument, NULL, 'n' },
	{ "receive", required_argument, NULL, 'r' },
	{ "send", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 }
};

const struct verb verbs[] = {
	/*
	 * name		sub		opts		longopts
	 *   options in the usage		operands
	 *   handler			flags
	 */
	{ "message",	"send",		"nt:x",		lo_send,
	    "[-nx] [-t seconds]",		"route text",
	    cmd_message_send,		0 },
	{ "message",	"receive",	"c:t:x",	lo_receive,
	    "[-x] [-c count] [-t seconds]",	"address",
	    cmd_message_receive,	0 },
	{ "show",	"summary",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_summary,		0 },
	{ "show",	"workers",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_workers,		0 },
	{ "show",	"channels",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_channels,		0 },
	{ "show",	"connections",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_connections,	0 },
	{ "show",	"listeners",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_listeners,		0 },
	{ "show",	"relays",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_relays,		0 },
	{ "show",	"streams",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_streams,		0 },
	{ "show",	"portals",	NULL,		NULL,
	    NULL,				NULL,
	    cmd_show_portals,		0 },
	{ "tcp-connection", "delete",	NULL,		NULL,
	    NULL,				"peer|id",
	    cmd_tcp_connection_delete,	0 },
	{ "tcp-inlet",	"create",	"f:o:v:",	lo_inlet,
	    "--from address:port [--via route] --to route", NULL,
	    cmd_tcp_inlet_create,	0 },
	{ "tcp-inlet",	"delete",	NULL,		NULL,
	    NULL,				"id|address:port",
	    cmd_tcp_inlet_delete,	0 },
	{ "identity",	"create",	NULL,		NULL,
	    NULL,				"name",
	    cmd_identity_create,	0 },
	{ "identity",	"show",		NULL,		NULL,
	    NULL,				"[name]",
	    cmd_identity_show,		0 },
	{ "secure-channel", "create",	"Ai:PT:t:",	lo_sc_create,
	    "[-AP] [-i identity] [-T identifier] [-t seconds]", "route",
	    cmd_sc_create,		0 },
	{ "secure-channel", "delete",	NULL,		NULL,
	    NULL,				"address",
	    cmd_sc_delete,		0 },
	{ "secure-channel", "unpin",	NULL,		NULL,
	    NULL,				"route",
	    cmd_sc_unpin,		0 },
	{ "relay",	"create",	"Ah:i:n:o:PT:",	lo_relay_create,
	    "[-AP] [-i identity] [-T identifier] [--heartbeat seconds] "
	    "[--name alias] --to address",	"hub-route",
	    cmd_relay_create,		0 },
	{ "relay",	"delete",	NULL,		NULL,
	    NULL,				"address|alias",
	    cmd_relay_delete,		0 },
	{ "stream",	"create",	"S:t:",		lo_stream,
	    "[-S service] [-t seconds]",	"route [name]",
	    cmd_stream_create,		0 },
	{ "stream",	"push",		"S:t:x",	lo_stream,
	    "[-x] [-S service] [-t seconds]",	"route name text",
	    cmd_stream_push,		0 },
	{ "stream",	"pull",		"i:l:S:t:x",	lo_stream,
	    "[-x] [-i index] [-l limit] [-S service] [-t seconds]",
	    "route name",
	    cmd_stream_pull,		0 },
	{ "stream",	"client create", "c:C:i:n:r:s:", lo_sclient,
	    "--send stream --receive stream --name address "
	    "[--client-id id] [--interval ms] [--consumer address]",
	    "hub-route",
	    cmd_stream_client_create,	0 },
	{ "reload",	NULL,		NULL,		NULL,
	    NULL,				NULL,
	    cmd_reload,			0 },
	{ "log",	NULL,		NULL,		NULL,
	    NULL,				"brief|verbose",
	    cmd_log,			0 },
	{ "regress",	"sandbox",	NULL,		NULL,
	    NULL,				"target [variant]",
	    cmd_regress,		VERB_HIDDEN },
	{ "regress",	"badimsg",	NULL,		NULL,
	    NULL,				"target variant",
	    cmd_regress,		VERB_HIDDEN },
	{ NULL }
};
