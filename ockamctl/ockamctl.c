/* SPDX-License-Identifier: ISC */
/*
 * ockamctl: talk to a running node over its control socket.  The
 * verbs are the table in verbs.c; this file finds the one asked for,
 * reads its options and operands, and says what was wrong with them.
 *
 * Exit status (ockamctl(8), EXIT STATUS): 0, EX_USAGE for a mistake
 * on the command line, EX_UNAVAILABLE when the node cannot be
 * reached, EX_NOPERM when it refused (the socket's permission, its
 * policy or a limit), EXIT_FAILED when the operation failed.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "ockamctl.h"

#define USAGE_COLUMNS	79

extern char		*__progname;
int			 jflag;
static const char	*csock = CTL_SOCKET;
static const struct verb *cur_verb;	/* the one running */

static const char	 global_usage[] =
    "[-jV] [-s socket] command [argument ...]";

/*
 * Print words to f, wrapped before USAGE_COLUMNS; the lines after the
 * first are indented by indent columns.
 */
void
print_wrapped(FILE *f, const char *first, const char *text, int indent)
{
	const char	*p = text, *e;
	int		 col, len, sep;

	fputs(first, f);
	col = strlen(first);
	sep = col > 0 && first[col - 1] != ' ' && first[col - 1] != '\t';
	if (first[0] == '\t')		/* a tab's 8 columns */
		col += 7;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = p;
		while (*e != '\0' && *e != ' ')
			e++;
		/* Keep an option with its argument: "[-t seconds]". */
		if (*p == '[' && memchr(p, ']', e - p) == NULL &&
		    (e = strchr(p, ']')) != NULL)
			e++;
		else if (*p == '-' && e[0] == ' ' && e[1] != '-' &&
		    e[1] != '[' && e[1] != '\0' && (e = strchr(e + 1, ' ')) ==
		    NULL)
			e = p + strlen(p);
		len = e - p;
		if (col > indent && col + 1 + len > USAGE_COLUMNS) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (sep) {
			fputc(' ', f);
			col++;
		}
		sep = 1;
		fprintf(f, "%.*s", len, p);
		col += len;
		p = e;
	}
	fputc('\n', f);
}

/*
 * One verb's usage: "usage: ockamctl show workers", or in the list of
 * verbs (lead "\t") without the program's name.
 */
static void
verb_usage(FILE *f, const struct verb *v, const char *lead)
{
	char	 first[128], text[512];
	int	 list = strcmp(lead, "\t") == 0;

	snprintf(first, sizeof(first), "%s%s%s%s%s%s", lead,
	    list ? "" : __progname, list ? "" : " ", v->name,
	    v->sub != NULL ? " " : "", v->sub != NULL ? v->sub : "");
	snprintf(text, sizeof(text), "%s%s%s", v->options != NULL ?
	    v->options : "", v->options != NULL && v->operands != NULL ?
	    " " : "", v->operands != NULL ? v->operands : "");
	print_wrapped(f, first, text, list ? 12 : (int)(strlen(lead) +
	    strlen(__progname) + strlen(v->name) + 2));
}

/* The usage of every verb called name (NULL: all of them). */
static int
verbs_usage(FILE *f, const char *name, const char *lead)
{
	const struct verb	*v;
	int			 n = 0;

	for (v = verbs; v->name != NULL; v++) {
		if ((v->flags & VERB_HIDDEN) || (name != NULL &&
		    strcmp(v->name, name) != 0))
			continue;
		verb_usage(f, v, n == 0 || name == NULL ? lead : "       ");
		n++;
	}
	return (n);
}

static void
general_usage(FILE *f)
{
	char	 first[64];

	snprintf(first, sizeof(first), "usage: %s ", __progname);
	print_wrapped(f, first, global_usage, strlen(first));
	fprintf(f, "       %s help [command]\ncommands:\n", __progname);
	verbs_usage(f, NULL, "\t");
}

/*
 * A mistake on the command line: what was wrong, on one line, then
 * the usage of the verb (or of all, before one was found).
 */
void
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	if (cur_verb != NULL)
		verb_usage(stderr, cur_verb, "usage: ");
	else
		general_usage(stderr);
	exit(EX_USAGE);
}

/* A group's mistake (show, stream): its verbs' usage. */
static __dead void
group_error(const char *name, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	verbs_usage(stderr, name, "usage: ");
	exit(EX_USAGE);
}

/*
 * The verb's next option, as getopt_long(3) with the table's options;
 * an unknown option, or one without its argument, is a usage error.
 * -j, JSON, may come after the verb too.
 */
int
verb_getopt(int argc, char *argv[])
{
	static const struct option	 none[] = { { NULL, 0, NULL, 0 } };
	char				 opts[64];
	int				 ch;

	if (optind == 0)
		opterr = 0;
	snprintf(opts, sizeof(opts), ":j%s", cur_verb->opts != NULL ?
	    cur_verb->opts : "");
	while ((ch = getopt_long(argc, argv, opts, cur_verb->longopts !=
	    NULL ? cur_verb->longopts : none, NULL)) == 'j')
		jflag = 1;
	if (ch == '?') {
		if (optopt != 0)
			usage_error("unknown option -%c", optopt);
		usage_error("unknown option %s", argv[optind - 1]);
	}
	if (ch == ':') {
		if (optopt != 0 && strncmp(argv[optind - 1], "--", 2) != 0)
			usage_error("option -%c needs an argument", optopt);
		usage_error("option %s needs an argument", argv[optind - 1]);
	}
	return (ch);
}

/*
 * After the options, the operands: as many as the table's operands
 * say ("route [name]": one or two; "text...": any number), or a usage
 * error naming the missing one or the first extra one.
 */
void
verb_operands(int *argc, char ***argv)
{
	const char	*p, *e;
	char		 name[64];
	int		 i, req = 0, max = 0, many = 0;

	/* getopt_long() was not called when a verb has no options. */
	if (optind == 0 && cur_verb->opts == NULL &&
	    cur_verb->longopts == NULL)
		while (verb_getopt(*argc, *argv) != -1)
			;
	*argc -= optind;
	*argv += optind;
	name[0] = '\0';
	p = cur_verb->operands != NULL ? cur_verb->operands : "";
	for (i = 0; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		if (e - p > 3 && strncmp(e - 3, "...", 3) == 0)
			many = 1;
		if (*p != '[')
			req++;
		max++;
		/* The first operand not given names what is missing. */
		if (i++ == *argc && name[0] == '\0')
			snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
	}
	if (*argc < req) {
		for (i = 0; name[i] != '\0'; i++)
			if (name[i] >= 'a' && name[i] <= 'z')
				name[i] -= 'a' - 'A';
		usage_error("missing %s", name);
	}
	if (*argc > max && !many)
		usage_error("extra argument \"%s\"", (*argv)[max]);
}

/* A --timeout: 1 to 3600 seconds, or a usage error saying why. */
long long
parse_timeout(const char *arg)
{
	const char	*errstr;
	long long	 t;

	t = strtonum(arg, 1, 3600, &errstr);
	if (errstr != NULL)
		usage_error("timeout %s is %s (1 to 3600 seconds)", arg,
		    errstr);
	return (t);
}

/* A route on the command line, or a usage error saying what is wrong. */
void
parse_route(const char *text, struct route *r)
{
	char	 ebuf[512];

	if (multiaddr_parse(text, r, ebuf, sizeof(ebuf)) == -1)
		usage_error("bad route \"%s\": %s", text, ebuf);
}

/* The node, or exit: EX_NOPERM when not allowed, else EX_UNAVAILABLE. */
struct ockam_client *
connect_node(void)
{
	struct ockam_client	*c;
	char			 err[512];

	if ((c = ockam_connect(csock, err, sizeof(err))) == NULL) {
		warnx("%s", err);
		exit(errno == EACCES || errno == EPERM ? EX_NOPERM :
		    EX_UNAVAILABLE);
	}
	return (c);
}

/* A request failed: say why (what: NULL, the verb), exit by its kind. */
void
node_fail(struct ockam_client *c, const char *what)
{
	if (what != NULL)
		warnx("%s: %s", what, ockam_error(c));
	else
		warnx("%s%s%s: %s", cur_verb->name, cur_verb->sub != NULL ?
		    " " : "", cur_verb->sub != NULL ? cur_verb->sub : "",
		    ockam_error(c));
	switch (ockam_failure(c)) {
	case OCKAM_FAIL_REFUSED:
		exit(EX_NOPERM);
	case OCKAM_FAIL_NODE:
		exit(EX_UNAVAILABLE);
	default:
		exit(EXIT_FAILED);
	}
}

/* The number of words of a verb's sub ("client create": 2). */
static int
sub_words(const struct verb *v, char *argv[], int argc)
{
	const char	*p = v->sub;
	size_t		 len;
	int		 n = 0;

	if (p == NULL)
		return (0);
	while (*p != '\0') {
		len = strcspn(p, " ");
		if (n + 1 >= argc || strlen(argv[n + 1]) != len ||
		    strncmp(argv[n + 1], p, len) != 0)
			return (-1);
		n++;
		p += len;
		p += strspn(p, " ");
	}
	return (n);
}

/*
 * The verb argv names and how many words after its name it took, or
 * NULL; *known: some verb has that name.
 */
static const struct verb *
verb_find(int argc, char *argv[], int *nsub, int *known)
{
	const struct verb	*v, *best = NULL;
	int			 n;

	*known = 0;
	for (v = verbs; v->name != NULL; v++) {
		if (strcmp(v->name, argv[0]) != 0)
			continue;
		*known = 1;
		if ((n = sub_words(v, argv, argc)) >= 0 && (best == NULL ||
		    n > *nsub)) {
			best = v;
			*nsub = n;
		}
	}
	return (best);
}

/*
 * help [command [sub ...]], or --help among a verb's words: that
 * verb's usage (all of a group's) to stdout, exit 0.
 */
static __dead void
help(int argc, char *argv[])
{
	const struct verb	*v;
	int			 nsub = 0, known;

	if (argc < 1) {
		general_usage(stdout);
		exit(0);
	}
	if ((v = verb_find(argc, argv, &nsub, &known)) != NULL)
		verb_usage(stdout, v, "usage: ");
	else if (known)
		verbs_usage(stdout, argv[0], "usage: ");
	else
		usage_error("unknown command \"%s\"", argv[0]);
	exit(0);
}

/* --help among a verb's words, before any "--". */
static int
asks_help(int argc, char *argv[])
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0)
			return (1);
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	const struct verb	*v;
	const char		*env;
	int			 ch, nsub = 0, known;

	if ((env = getenv("OCKAM_SOCKET")) != NULL && env[0] != '\0')
		csock = env;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+:js:V")) != -1) {
		switch (ch) {
		case 'j':
			jflag = 1;
			break;
		case 's':
			csock = optarg;
			break;
		case 'V':
			printf("ockamctl %s\n", ockam_version());
			exit(0);
		case ':':
			usage_error("option -%c needs an argument", optopt);
		default:
			usage_error("unknown option -%c", optopt);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("no command");
	if (strcmp(argv[0], "help") == 0)
		help(argc - 1, argv + 1);
	if (strcmp(argv[0], "--help") == 0)
		help(0, argv);
	if (asks_help(argc, argv))
		help(argc, argv);
	if ((v = verb_find(argc, argv, &nsub, &known)) == NULL) {
		if (!known)
			usage_error("unknown command \"%s\"", argv[0]);
		if (argc < 2)
			group_error(argv[0], "%s what?", argv[0]);
		group_error(argv[0], "unknown command \"%s %s\"", argv[0],
		    argv[1]);
	}
	cur_verb = v;
	/* GNU getopt starts afresh (permuting again) at optind 0. */
	optind = 0;
	return (v->run(argc - nsub, argv + nsub));
}
