/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: the node itself: show summary, show workers, log, and the
 * test-only regress requests.
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "ockam.h"
#include "ockamctl.h"

#define SUMMARY_LINES	256

static const struct column worker_cols[] = {
	{ "address",	"ADDRESS",	1, 34, 0 },
	{ "kind",	"KIND",		0, 8, 0 },
	{ "detail",	"DETAIL",	2, 0, 0 },
};
static const struct listing worker_list = {
	"workers", CTL_SHOW_WORKERS, CTL_WORKER_INFO, worker_cols, 3, 3,
	NULL, NULL
};

int
cmd_show_workers(int argc, char *argv[])
{
	verb_operands(&argc, &argv);
	return (show_listing(&worker_list, NULL, 0, 0));
}

/* The summary's lines: key, value, kind (CTL_SUM_*). */
struct summary {
	char	*key[SUMMARY_LINES];
	char	*val[SUMMARY_LINES];
	int	 kind[SUMMARY_LINES];
	int	 n;
};

static int
summary_item(void *arg, struct cursor *cur)
{
	struct summary	*s = arg;
	char		 key[64], val[FIELD_MAX];
	uint8_t		 kind;

	cur_string(cur, key, sizeof(key));
	cur_string(cur, val, sizeof(val));
	kind = cur_u8(cur);
	if (cur_end(cur) == -1 || kind > CTL_SUM_ITEM)
		return (-1);
	if (s->n >= SUMMARY_LINES)
		return (0);
	if ((s->key[s->n] = strdup(key)) == NULL ||
	    (s->val[s->n] = strdup(val)) == NULL)
		err(1, NULL);
	s->kind[s->n++] = kind;
	return (0);
}

/* Items of one key, from i: as a JSON array or "a, b". */
static int
summary_items(const struct summary *s, int i)
{
	int	 j, n;

	if (jflag)
		json_array(s->key[i]);
	else
		printf("%-12s ", s->key[i]);
	for (j = i, n = 0; j < s->n && s->kind[j] == CTL_SUM_ITEM &&
	    strcmp(s->key[j], s->key[i]) == 0; j++) {
		if (s->val[j][0] == '\0')	/* the list's start */
			continue;
		if (jflag)
			json_string(NULL, s->val[j]);
		else
			printf("%s%s", n > 0 ? ", " : "", s->val[j]);
		n++;
	}
	if (!jflag && n == 0)
		printf("none");
	if (jflag)
		json_end();
	else
		putchar('\n');
	return (j);
}

/* show summary: the node at a glance, one "key value" a line. */
int
cmd_show_summary(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct summary		 s;
	int			 i;

	verb_operands(&argc, &argv);
	memset(&s, 0, sizeof(s));
	c = connect_node();
	if (ockam_list(c, CTL_SHOW_SUMMARY, NULL, 0, CTL_SUMMARY_INFO,
	    summary_item, &s) == -1)
		node_fail(c, NULL);
	ockam_disconnect(c);
	if (jflag)
		json_object(NULL);
	for (i = 0; i < s.n; ) {
		if (s.kind[i] == CTL_SUM_ITEM) {
			i = summary_items(&s, i);
			continue;
		}
		if (jflag && s.kind[i] == CTL_SUM_NUMBER)
			json_number(s.key[i], s.val[i]);
		else if (jflag)
			json_string(s.key[i], s.val[i]);
		else
			printf("%-12s %s\n", s.key[i], s.val[i]);
		i++;
	}
	if (jflag)
		json_end();
	for (i = 0; i < s.n; i++) {
		free(s.key[i]);
		free(s.val[i]);
	}
	return (0);
}

/* log brief|verbose */
int
cmd_log(int argc, char *argv[])
{
	struct ockam_client	*c;
	uint32_t		 level;
	char			 out[128];

	verb_operands(&argc, &argv);
	if (strcmp(argv[0], "brief") == 0)
		level = 1;
	else if (strcmp(argv[0], "verbose") == 0)
		level = 2;
	else
		usage_error("unknown level \"%s\"", argv[0]);
	c = connect_node();
	if (ockam_request(c, CTL_VERBOSE, &level, sizeof(level), out,
	    sizeof(out)) == -1)
		node_fail(c, NULL);
	if (jflag)
		print_result("log", argv[0]);
	ockam_disconnect(c);
	return (0);
}

/*
 * regress sandbox|badimsg TARGET [VARIANT]: test-only requests; a node
 * built without OCKAM_REGRESS refuses them.
 */
int
cmd_regress(int argc, char *argv[])
{
	struct ockam_client	*c;
	struct ibuf		*b;
	uint32_t		 type, variant = 0;
	uint8_t			 target;
	int			 sandbox;

	sandbox = strcmp(argv[0], "sandbox") == 0;
	verb_operands(&argc, &argv);
	if (strcmp(argv[0], "routed") == 0)
		target = CTL_TARGET_ROUTED;
	else if (strcmp(argv[0], "vault") == 0)
		target = CTL_TARGET_VAULT;
	else if (strcmp(argv[0], "tcpd") == 0)
		target = CTL_TARGET_TCPD;
	else if (strcmp(argv[0], "streamd") == 0)
		target = CTL_TARGET_STREAMD;
	else
		usage_error("unknown target \"%s\"", argv[0]);
	if (sandbox) {
		type = CTL_REGRESS_SANDBOX;
		if (argc == 2)
			variant = strtonum(argv[1], 0, 255, NULL);
	} else {
		type = CTL_REGRESS_BADIMSG;
		variant = strtonum(argv[1], 1, 3, NULL);
	}
	if ((b = ibuf_open(16, 16)) == NULL)
		err(1, NULL);
	ibuf_add_u8(b, target);
	ibuf_add_h32(b, variant);
	c = connect_node();
	if (ockam_request(c, type, ibuf_data(b), ibuf_size(b), NULL, 0) == -1)
		node_fail(c, "regress");
	ibuf_free(b);
	ockam_disconnect(c);
	return (0);
}
