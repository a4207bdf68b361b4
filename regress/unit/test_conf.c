/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-routed/parse.y and config.c: the ockam.conf(5)
 * grammar, its error messages (as "file:line: message" on stderr),
 * macros, include, and print_config() read back by the parser.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

#define MAXFILES	256

static char	 tmpdir[] = "/tmp/test_conf.XXXXXX";
static char	*made[MAXFILES];
static int	 nmade;
static char	*errtext;		/* stderr of the last parse */
static char	 lastpath[1024];	/* the file of the last parse */

static char *
remember(char *path)
{
	assert_true(nmade < MAXFILES);
	made[nmade++] = path;
	return (path);
}

static void
write_all(int fd, const char *text)
{
	size_t	 len = strlen(text);
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, text, len);
		assert_true(n > 0);
		text += n;
		len -= n;
	}
}

/* A config file with a fresh name (mkstemp) in the test directory. */
static char *
conf_file(const char *text)
{
	char	*path;
	int	 fd;

	assert_true(asprintf(&path, "%s/conf.XXXXXX", tmpdir) != -1);
	assert_true((fd = mkstemp(path)) != -1);
	write_all(fd, text);
	close(fd);
	return (remember(path));
}

/* A config file with a given name, for include. */
static char *
named_file(const char *name, const char *text)
{
	char	*path;
	int	 fd;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) != -1);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) !=
	    -1);
	write_all(fd, text);
	close(fd);
	return (remember(path));
}

static char *
read_fd(int fd)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;

	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(buf = calloc(1, st.st_size + 1));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	if (st.st_size > 0) {
		n = read(fd, buf, st.st_size);
		assert_int_equal(n, st.st_size);
	}
	return (buf);
}

/* A file descriptor opened on a fresh unlinked temp file. */
static int
scratch_fd(void)
{
	char	 path[64];
	int	 fd;

	snprintf(path, sizeof(path), "%s/out.XXXXXX", tmpdir);
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	return (fd);
}

/* Parse a file; what it logs goes to errtext. */
static struct ockam_conf *
parse_path(const char *path, int opts)
{
	struct ockam_conf	*conf;
	int			 fd, saved;

	free(errtext);
	strlcpy(lastpath, path, sizeof(lastpath));
	fd = scratch_fd();
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	conf = parse_config(path, opts);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	errtext = read_fd(fd);
	close(fd);
	return (conf);
}

static struct ockam_conf *
parse_text(const char *text)
{
	return (parse_path(conf_file(text), 0));
}

/* The last parse printed a line "file:line: ...msg...". */
static int
logged(const char *path, int line, const char *msg)
{
	char	 prefix[1100];
	char	*p, *eol, *hit;
	size_t	 plen;

	plen = snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	for (p = errtext; (p = strstr(p, prefix)) != NULL; p += plen) {
		eol = strchr(p, '\n');
		hit = strstr(p + plen, msg);
		if (hit != NULL && (eol == NULL || hit < eol))
			return (1);
	}
	return (0);
}

static void
assert_logged(int line, const char *msg)
{
	if (!logged(lastpath, line, msg))
		fail_msg("expected \"%s:%d: ...%s\" in:\n%s", lastpath, line,
		    msg, errtext);
}

static void
assert_fails(const char *text, int line, const char *msg)
{
	struct ockam_conf	*conf;

	conf = parse_text(text);
	if (conf != NULL) {
		config_free(conf);
		fail_msg("accepted:\n%s", text);
	}
	assert_logged(line, msg);
}

static void
assert_worker(struct ockam_conf *conf, const char *name,
    enum worker_kind kind)
{
	struct worker_conf	*w;

	if ((w = config_find_worker(conf, name)) == NULL)
		fail_msg("no worker \"%s\"", name);
	assert_int_equal(w->kind, kind);
}

static int
count_workers(struct ockam_conf *conf)
{
	struct worker_conf	*w;
	int			 n = 0;

	TAILQ_FOREACH(w, &conf->workers, entry)
		n++;
	return (n);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	log_init(1, LOG_DAEMON);
	return (0);
}

static int
teardown(void **state)
{
	int	 i;

	(void)state;
	for (i = 0; i < nmade; i++) {
		unlink(made[i]);
		free(made[i]);
	}
	free(errtext);
	errtext = NULL;
	return (rmdir(tmpdir));
}

static int
test_teardown(void **state)
{
	(void)state;
	cmdline_symclear();
	return (0);
}

static void
test_full(void **state)
{
	struct ockam_conf	*conf;
	struct worker_conf	*w;
	const char		*order[] = { "echoer", "h1", "h2", "h3", "h4" };
	int			 i = 0;

	(void)state;
	conf = parse_text(
	    "# a node\n"
	    "user \"_ockamd\"   # trailing comment\n"
	    "chroot /var/empty\n"
	    "control socket \"/run/o/ockam.sock\" mode 0640 group ockam\n"
	    "\n"
	    "echoer \"echoer\"\n"
	    "hop \"h1\"\n"
	    "hop { \"h2\" h3,\n"
	    "    h4 }\n");
	assert_non_null(conf);
	assert_string_equal(errtext, "");
	assert_string_equal(conf->user, "_ockamd");
	assert_string_equal(conf->chroot, "/var/empty");
	assert_string_equal(conf->csock, "/run/o/ockam.sock");
	assert_string_equal(conf->csock_group, "ockam");
	assert_int_equal(conf->csock_mode, 0640);
	assert_int_equal(count_workers(conf), 5);
	TAILQ_FOREACH(w, &conf->workers, entry) {
		assert_string_equal(w->name, order[i]);
		assert_int_equal(w->kind, i == 0 ? WORKER_ECHOER : WORKER_HOP);
		i++;
	}
	assert_null(config_find_worker(conf, "h5"));
	config_free(conf);
}

static void
test_defaults(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	conf = parse_path(conf_file(""), OCKAM_OPT_NOACTION);
	assert_non_null(conf);
	assert_string_equal(conf->user, OCKAM_USER);
	assert_null(conf->chroot);
	assert_string_equal(conf->csock, OCKAM_SOCKET);
	assert_null(conf->csock_group);
	assert_int_equal(conf->csock_mode, OCKAM_SOCKET_MODE);
	assert_int_equal(conf->opts, OCKAM_OPT_NOACTION);
	assert_true(TAILQ_EMPTY(&conf->workers));
	config_free(conf);

	/* Only comments and blank lines; a socket without options. */
	conf = parse_text("# nothing\n\n   \t\n# here\ncontrol socket /x.sock");
	assert_non_null(conf);
	assert_string_equal(conf->csock, "/x.sock");
	assert_int_equal(conf->csock_mode, OCKAM_SOCKET_MODE);
	config_free(conf);
}

static void
test_lexer(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	/* No newline at the end, digits as names, escapes, keywords. */
	conf = parse_text(
	    "hop 1234\n"
	    "hop \"a\\\"b\\\\c\"\n"
	    "hop 'single'\n"
	    "echoer \"hop\"\n"
	    "hop { x1 \\\n"
	    "  x2 }\n"
	    "hop last");
	assert_non_null(conf);
	assert_worker(conf, "1234", WORKER_HOP);
	assert_worker(conf, "a\"b\\c", WORKER_HOP);
	assert_worker(conf, "single", WORKER_HOP);
	assert_worker(conf, "hop", WORKER_ECHOER);
	assert_worker(conf, "x1", WORKER_HOP);
	assert_worker(conf, "x2", WORKER_HOP);
	assert_worker(conf, "last", WORKER_HOP);
	config_free(conf);

	/* Lists over several lines, with and without commas. */
	conf = parse_text("hop {\n  a,\n  b\n  c, d\n}\necho_er = 1\n");
	assert_non_null(conf);
	assert_int_equal(count_workers(conf), 4);
	config_free(conf);
}

static void
test_missing_file(void **state)
{
	struct ockam_conf	*conf;
	char			 path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	conf = parse_path(path, 0);
	assert_null(conf);
	assert_non_null(strstr(errtext, path));
	assert_non_null(strstr(errtext, strerror(ENOENT)));

	/* A directory reads as an empty file: refuse it. */
	assert_null(parse_path(tmpdir, 0));
	assert_non_null(strstr(errtext, strerror(EISDIR)));
	assert_fails("include \"/\"\n", 1, "include \"/\": Is a directory");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	assert_fails("bogus\n", 1, "syntax error");
	assert_fails("user a\nuser b c\n", 2, "syntax error");
	assert_fails("hop\n", 1, "syntax error");
	assert_fails("hop { }\n", 1, "syntax error");
	assert_fails("control socket\n", 1, "syntax error");
	assert_fails("control socket /x mode\n", 1, "syntax error");
	assert_fails("control socket /x mode 0660 colour red\n", 1,
	    "syntax error");
	assert_fails("echoer echoer\n", 1, "syntax error");
	assert_fails("\n\nhop { a b\n", 3, "syntax error");
	assert_fails("hop a\x01\n", 1, "syntax error");
	assert_fails("hop a\nhop b\n\n  hop c d\n", 4, "syntax error");
}

static void
test_semantic_errors(void **state)
{
	struct ockam_conf	*conf;
	char			*text, long_path[200], long_str[9000];

	(void)state;
	assert_fails("hop h1\necho_er = x\nhop h1\n", 3,
	    "worker \"h1\" defined twice");
	assert_fails("echoer x\nhop { a b\n x }\n", 3,
	    "worker \"x\" defined twice");
	assert_fails("hop \"a b\"\n", 1, "invalid worker address \"a b\"");
	assert_fails("hop \"\"\n", 1, "worker address: empty string");
	assert_fails("user a\nuser b\n", 2, "user given twice");
	assert_fails("user \"\"\n", 1, "user: empty string");
	assert_fails("chroot /a\nchroot /b\n", 2, "chroot given twice");
	assert_fails("chroot \"\"\n", 1, "chroot: empty string");
	assert_fails("chroot var/empty\n", 1,
	    "chroot \"var/empty\": not an absolute path");
	assert_fails("control socket /a\ncontrol socket /b\n", 2,
	    "control socket given twice");
	assert_fails("control socket \"\"\n", 1,
	    "control socket: empty string");
	assert_fails("control socket run/o.sock\n", 1,
	    "control socket \"run/o.sock\": not an absolute path");
	assert_fails("control socket /a group \"\"\n", 1,
	    "control socket group: empty string");
	assert_fails("control socket /a group x group y\n", 1,
	    "control socket group given twice");
	assert_fails("control socket /a mode 0600 mode 0660\n", 1,
	    "control socket mode given twice");
	assert_fails("control socket /a mode 0666\n", 1,
	    "control socket mode 0666: gives access to other users");
	assert_fails("control socket /a mode 0661\n", 1,
	    "control socket mode 0661: gives access to other users");
	assert_fails("control socket /a mode 0668\n", 1,
	    "control socket mode 0668: not an octal number");
	assert_fails("control socket /a mode 01660\n", 1,
	    "control socket mode 01660: out of range");
	assert_fails("hop-list = x\n", 1, "invalid macro name \"hop-list\"");
	assert_fails("hop $nope\n", 1, "macro \"nope\" not defined");
	assert_fails("hop $\n", 1, "macro name expected");
	assert_fails("hop x\nuser \"_ockam\n", 2,
	    "unterminated quoted string");
	assert_fails("hop \"x", 1, "unterminated quoted string");
	assert_fails("include \"\"\n", 1, "include: empty string");

	/* sun_path holds 108 bytes with the NUL. */
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[108] = '\0';
	assert_true(asprintf(&text, "control socket \"%s\"\n", long_path) !=
	    -1);
	assert_fails(text, 1, "path too long");
	free(text);
	long_path[107] = '\0';
	assert_true(asprintf(&text, "control socket \"%s\"\n", long_path) !=
	    -1);
	assert_non_null(conf = parse_text(text));
	config_free(conf);
	free(text);

	/* A worker address longer than OCKAM_ADDR_MAX. */
	memset(long_str, 'w', sizeof(long_str));
	long_str[OCKAM_ADDR_MAX + 1] = '\0';
	assert_true(asprintf(&text, "hop %s\n", long_str) != -1);
	assert_fails(text, 1, "invalid worker address");
	free(text);

	/* A token longer than the lexer takes, quoted and bare. */
	memset(long_str, 'w', sizeof(long_str));
	long_str[sizeof(long_str) - 1] = '\0';
	assert_true(asprintf(&text, "hop x\nhop \"%s\"\n", long_str) != -1);
	assert_fails(text, 2, "string too long");
	free(text);
	assert_true(asprintf(&text, "hop x\n\nhop %s\n", long_str) != -1);
	assert_fails(text, 3, "string too long");
	free(text);
}

/* Every bad line is reported, each with its own number, once. */
static void
test_many_errors(void **state)
{
	(void)state;
	assert_fails(
	    "bogus\n"				/* 1 */
	    "hop ok1\n"				/* 2 */
	    "hop $undefined\n"			/* 3 */
	    "hop { a,\n"			/* 4 */
	    "  ok1 }\n"				/* 5 */
	    "user \"\n"				/* 6 */
	    "more bogus\n"			/* 7 */
	    "chroot rel\n"			/* 8 */
	    "hop ok2\n",			/* 9 */
	    1, "syntax error");
	assert_logged(3, "macro \"undefined\" not defined");
	assert_logged(5, "worker \"ok1\" defined twice");
	assert_logged(6, "unterminated quoted string");
	assert_logged(7, "syntax error");
	assert_logged(8, "not an absolute path");
	/* The macro error is not also reported as a syntax error. */
	assert_null(strstr(errtext, ":3: syntax error"));
	assert_null(strstr(errtext, ":6: syntax error"));
}

static void
test_macros(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	conf = parse_text(
	    "addr = \"echoer\"\n"
	    "hops = \"h1 h2, h3\"\n"
	    "sock = /run/ockam/x.sock\n"
	    "m = 0600\n"
	    "al = $addr\n"
	    "echoer $addr\n"
	    "hop { $hops }\n"
	    "control socket $sock mode $m\n"
	    "hop \"$al\"\n"
	    "hop $al-suffix\n");
	if (conf == NULL)
		fail_msg("%s", errtext);
	assert_worker(conf, "echoer", WORKER_ECHOER);
	assert_worker(conf, "h1", WORKER_HOP);
	assert_worker(conf, "h2", WORKER_HOP);
	assert_worker(conf, "h3", WORKER_HOP);
	assert_worker(conf, "$al", WORKER_HOP);
	assert_worker(conf, "echoer-suffix", WORKER_HOP);
	assert_string_equal(conf->csock, "/run/ockam/x.sock");
	assert_int_equal(conf->csock_mode, 0600);
	config_free(conf);

	/* File macros do not outlive their parse. */
	assert_fails("hop $addr\n", 1, "macro \"addr\" not defined");

	/* A word from a macro is never a keyword. */
	conf = parse_text("k = \"user\"\nhop $k\n");
	assert_non_null(conf);
	assert_worker(conf, "user", WORKER_HOP);
	config_free(conf);

	/* In a word, a macro's value goes on with the word. */
	conf = parse_text("p = 4000\nk = er\n"
	    "hop /ip4/127.0.0.1/tcp/$p/service/x$p\nhop us$k\n");
	if (conf == NULL)
		fail_msg("%s", errtext);
	assert_worker(conf, "/ip4/127.0.0.1/tcp/4000/service/x4000",
	    WORKER_HOP);
	assert_worker(conf, "user", WORKER_HOP);
	config_free(conf);
	assert_fails("hop tcp/$nope\n", 1, "macro \"nope\" not defined");
	assert_fails("hop tcp/$\n", 1, "macro name expected");

	/* Unused macros are reported in verbose mode only. */
	conf = parse_path(conf_file("unused = 1\n"), OCKAM_OPT_VERBOSE);
	assert_non_null(conf);
	assert_non_null(strstr(errtext, "macro \"unused\" not used"));
	config_free(conf);
}

static void
test_cmdline_macros(void **state)
{
	struct ockam_conf	*conf;
	char			 bad1[] = "noequals", bad2[] = "=x";
	char			 bad3[] = "a b=x";
	char			 d1[] = "addr=from-cmdline";
	char			 d2[] = "sock=/c.sock";

	(void)state;
	assert_int_equal(cmdline_symset(bad1), -1);
	assert_int_equal(cmdline_symset(bad2), -1);
	assert_int_equal(cmdline_symset(bad3), -1);
	assert_int_equal(cmdline_symset(d1), 0);
	assert_int_equal(cmdline_symset(d2), 0);

	conf = parse_text(
	    "addr = \"from-file\"\n"
	    "echoer $addr\n"
	    "control socket $sock\n");
	assert_non_null(conf);
	assert_worker(conf, "from-cmdline", WORKER_ECHOER);
	assert_null(config_find_worker(conf, "from-file"));
	assert_string_equal(conf->csock, "/c.sock");
	config_free(conf);

	/* -D macros last across parses (a reload) until cleared. */
	conf = parse_text("hop $addr\n");
	assert_non_null(conf);
	assert_worker(conf, "from-cmdline", WORKER_HOP);
	config_free(conf);
	cmdline_symclear();
	assert_fails("hop $addr\n", 1, "macro \"addr\" not defined");
}

static void
test_include(void **state)
{
	struct ockam_conf	*conf;
	char			*text, *inc;

	(void)state;
	named_file("inc-b.conf", "hop b1\nhop b2");	/* no final newline */
	inc = named_file("inc-a.conf",
	    "hop a1\n"
	    "include \"inc-b.conf\"\n"		/* relative to this file */
	    "hop a2\n");
	assert_true(asprintf(&text,
	    "user u\n"
	    "include \"%s\"\n"
	    "echoer e\n", inc) != -1);
	conf = parse_text(text);
	free(text);
	assert_non_null(conf);
	assert_string_equal(conf->user, "u");
	assert_worker(conf, "a1", WORKER_HOP);
	assert_worker(conf, "b1", WORKER_HOP);
	assert_worker(conf, "b2", WORKER_HOP);
	assert_worker(conf, "a2", WORKER_HOP);
	assert_worker(conf, "e", WORKER_ECHOER);
	assert_string_equal(TAILQ_FIRST(&conf->workers)->name, "a1");
	assert_string_equal(TAILQ_LAST(&conf->workers, worker_confs)->name,
	    "e");
	config_free(conf);

	/* Errors name the included file and its line; the parent resumes. */
	named_file("inc-bad.conf", "hop x\n\nbogus\n");
	conf = parse_path(named_file("inc-top.conf",
	    "include inc-bad.conf\n"
	    "hop x\n"
	    "junk\n"), 0);
	assert_null(conf);
	assert_true(asprintf(&text, "%s/inc-bad.conf:3: syntax error",
	    tmpdir) != -1);
	assert_non_null(strstr(errtext, text));
	free(text);
	assert_logged(2, "worker \"x\" defined twice");
	assert_logged(3, "syntax error");

	/* Macros of the including file are seen in the included one. */
	named_file("inc-m.conf", "hop $name\n");
	conf = parse_path(named_file("inc-m-top.conf",
	    "name = viamacro\ninclude inc-m.conf\n"), 0);
	assert_non_null(conf);
	assert_worker(conf, "viamacro", WORKER_HOP);
	config_free(conf);

	assert_fails("include \"/nonexistent/x.conf\"\n", 1,
	    "include \"/nonexistent/x.conf\": No such file or directory");
}

static void
test_include_loop(void **state)
{
	(void)state;
	named_file("loop-b.conf", "hop b\ninclude loop-a.conf\n");
	named_file("loop-a.conf", "include loop-b.conf\n");
	assert_null(parse_path(named_file("loop-top.conf",
	    "include loop-a.conf\n"), 0));
	assert_non_null(strstr(errtext,
	    "loop-b.conf:2: include \"loop-a.conf\": include loop"));

	assert_null(parse_path(named_file("self.conf",
	    "hop a\ninclude self.conf\n"), 0));
	assert_logged(2, "include \"self.conf\": include loop");
}

static void
test_include_depth(void **state)
{
	struct ockam_conf	*conf;
	char			 name[32], text[64];
	int			 i;

	(void)state;
	/* depth0.conf includes depth1.conf ... up to depth9.conf. */
	for (i = 0; i <= 9; i++) {
		snprintf(name, sizeof(name), "depth%d.conf", i);
		if (i < 9)
			snprintf(text, sizeof(text),
			    "hop d%d\ninclude depth%d.conf\n", i, i + 1);
		else
			snprintf(text, sizeof(text), "hop d%d\n", i);
		named_file(name, text);
	}
	/* Eight nested includes are fine. */
	snprintf(text, sizeof(text), "%s/depth1.conf", tmpdir);
	conf = parse_path(text, 0);
	assert_non_null(conf);
	assert_int_equal(count_workers(conf), 9);
	config_free(conf);
	/* Nine are not. */
	snprintf(text, sizeof(text), "%s/depth0.conf", tmpdir);
	assert_null(parse_path(text, 0));
	assert_non_null(strstr(errtext,
	    "depth8.conf:2: include \"depth9.conf\": nested too deeply"));
}

/* print_config() output parses back to the same configuration. */
static void
roundtrip(const char *text)
{
	struct ockam_conf	*a, *b;
	struct worker_conf	*wa, *wb;
	char			*out, *out2;
	int			 fd, saved;

	a = parse_text(text);
	assert_non_null(a);

	fd = scratch_fd();
	fflush(stdout);
	assert_true((saved = dup(STDOUT_FILENO)) != -1);
	assert_true(dup2(fd, STDOUT_FILENO) != -1);
	print_config(a);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) != -1);
	close(saved);
	out = read_fd(fd);
	close(fd);

	b = parse_text(out);
	if (b == NULL)
		fail_msg("printed config does not parse:\n%s\n%s", out,
		    errtext);
	assert_string_equal(a->user, b->user);
	if (a->chroot == NULL)
		assert_null(b->chroot);
	else
		assert_string_equal(a->chroot, b->chroot);
	assert_string_equal(a->csock, b->csock);
	if (a->csock_group == NULL)
		assert_null(b->csock_group);
	else
		assert_string_equal(a->csock_group, b->csock_group);
	assert_int_equal(a->csock_mode, b->csock_mode);
	wb = TAILQ_FIRST(&b->workers);
	TAILQ_FOREACH(wa, &a->workers, entry) {
		assert_non_null(wb);
		assert_int_equal(wa->kind, wb->kind);
		assert_string_equal(wa->name, wb->name);
		wb = TAILQ_NEXT(wb, entry);
	}
	assert_null(wb);

	/* Printing is canonical: the second print is the first. */
	fd = scratch_fd();
	fflush(stdout);
	assert_true((saved = dup(STDOUT_FILENO)) != -1);
	assert_true(dup2(fd, STDOUT_FILENO) != -1);
	print_config(b);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) != -1);
	close(saved);
	out2 = read_fd(fd);
	close(fd);
	assert_string_equal(out, out2);

	free(out);
	free(out2);
	config_free(a);
	config_free(b);
}

static void
test_print_roundtrip(void **state)
{
	(void)state;
	roundtrip("");
	roundtrip("echoer \"echoer\"\nhop { h1 h2 h3 }\n");
	roundtrip(
	    "user \"_o\"\n"
	    "chroot \"/var/empty\"\n"
	    "control socket \"/run/ockam/ockam.sock\" mode 0 group wheel\n"
	    "hop { \"q\\\"uote\" 'back\\\\slash' 123 }\n"
	    "echoer \"#not-a-comment\"\n"
	    "echoer \"$not-a-macro\"\n"
	    "echoer \"user\"\n");
	roundtrip(
	    "vault directory \"/v\"\nidentity \"bob\"\n"
	    "relay at \"/ip4/127.0.0.1/tcp/4000\" to \"l\"\n"
	    "relay at \"/ip4/127.0.0.1/tcp/4000\" alias \"bob\" "
	    "identity \"bob\" to \"l\" heartbeat 3 consumers { a b }\n"
	    "forwarding alias \"bob\" identity "
	    "\"I0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n");
	roundtrip(
	    "hop h1\n"
	    "stream service \"stream\" index stream_index storage embedded "
	    "directory \"/var/lib/ockam/hub\"\n"
	    "echoer e\n");
}

static void
test_stream(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	conf = parse_text("stream service \"stream\" index \"stream_index\" "
	    "storage embedded directory \"/var/lib/hub\"\n");
	assert_non_null(conf);
	assert_non_null(conf->stream);
	assert_string_equal(conf->stream->service, "stream");
	assert_string_equal(conf->stream->index, "stream_index");
	assert_string_equal(conf->stream->dir, "/var/lib/hub");
	assert_int_equal(conf->stream->storage, STREAM_STORAGE_EMBEDDED);
	assert_worker(conf, "stream", WORKER_STREAM_SERVICE);
	assert_worker(conf, "stream_index", WORKER_STREAM_INDEX);
	config_free(conf);

	assert_null(parse_text("echoer e\n"
	    "stream service s index i\n"));
	assert_true(strstr(errtext, "stream service \"s\": no storage "
	    "directory") != NULL);
	assert_fails("stream service s index i storage embedded directory "
	    "rel\n", 1, "stream storage directory \"rel\": not an absolute "
	    "path");
	assert_fails("stream service s index s storage embedded directory "
	    "/d\n", 1, "worker \"s\" defined twice");
	assert_fails("echoer s\nstream service s index i storage embedded "
	    "directory /d\n", 2, "worker \"s\" defined twice");
	assert_fails("stream service s index i storage embedded directory "
	    "/d\nstream service t index u storage embedded directory /d\n",
	    2, "stream service given twice");
}

/* Retention: a size and an age, with their units, once each. */
static void
test_stream_retain(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	conf = parse_text("stream service s index i retain size 2G "
	    "storage embedded directory /d retain age 7d\n");
	assert_non_null(conf);
	assert_int_equal(conf->stream->retain_bytes, 2ULL << 30);
	assert_int_equal(conf->stream->retain_age, 7 * 86400);
	config_free(conf);
	conf = parse_text("stream service s index i storage embedded "
	    "directory /d retain size 65536 retain age 90m\n");
	assert_non_null(conf);
	assert_int_equal(conf->stream->retain_bytes, 65536);
	assert_int_equal(conf->stream->retain_age, 5400);
	config_free(conf);
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain size 1000\n", 1, "retain size 1000: 64K to 1024T");
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain size 1P\n", 1, "retain size 1P:");
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain size 99999999999999999999K\n", 1, "retain size");
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain age 59\n", 1, "retain age 59: 60s to 3650d");
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain age 3651d\n", 1, "retain age 3651d:");
	assert_fails("stream service s index i storage embedded directory "
	    "/d retain age 1d retain age 2d\n", 1, "retain age given twice");
	roundtrip("stream service \"s\" index \"i\" storage embedded "
	    "directory \"/d\" retain size 1048576 retain age 3600s\n");
}

/* storage redis: an address and a port, a directory, a password file. */
static void
test_stream_redis(void **state)
{
	struct ockam_conf	*conf;

	(void)state;
	conf = parse_text("stream service s index i storage redis "
	    "127.0.0.1:6379 directory /d password-file /etc/ockam/redis\n");
	assert_non_null(conf);
	assert_int_equal(conf->stream->storage, STREAM_STORAGE_REDIS);
	assert_string_equal(conf->stream->redis_host, "127.0.0.1");
	assert_int_equal(conf->stream->redis_port, 6379);
	assert_string_equal(conf->stream->dir, "/d");
	assert_string_equal(conf->stream->redis_auth, "/etc/ockam/redis");
	config_free(conf);
	conf = parse_text("stream service s index i storage redis "
	    "[::1]:7000 directory /d\n");
	assert_non_null(conf);
	assert_string_equal(conf->stream->redis_host, "::1");
	assert_int_equal(conf->stream->redis_port, 7000);
	assert_null(conf->stream->redis_auth);
	config_free(conf);
	assert_fails("stream service s index i storage redis localhost:6379 "
	    "directory /d\n", 1, "not a numeric address and a port");
	assert_fails("stream service s index i storage redis 127.0.0.1 "
	    "directory /d\n", 1, "not a numeric address and a port");
	assert_fails("stream service s index i storage redis 127.0.0.1:0 "
	    "directory /d\n", 1, "not a numeric address and a port");
	assert_fails("stream service s index i storage redis ::1:6379 "
	    "directory /d\n", 1, "not a numeric address and a port");
	assert_fails("stream service s index i storage redis 127.0.0.1:1 "
	    "directory rel\n", 1, "not an absolute path");
	assert_fails("stream service s index i storage redis 127.0.0.1:1 "
	    "directory /d password-file rel\n", 1, "not an absolute path");
	assert_null(parse_text("stream service s index i storage redis "
	    "127.0.0.1:1 directory /d retain size 1M\n"));
	assert_true(strstr(errtext, "no retention with Redis") != NULL);
	assert_null(parse_text("stream service s index i storage embedded "
	    "directory /d password-file /p\n"));
	assert_true(strstr(errtext, "password-file without Redis") != NULL);
	assert_fails("stream service s index i storage redis 127.0.0.1:1 "
	    "directory /d storage embedded directory /e\n", 1,
	    "stream storage given twice");
	roundtrip("stream service \"s\" index \"i\" storage redis "
	    "127.0.0.1:6379 directory \"/d\" password-file \"/p\"\n");
	roundtrip("stream service \"s\" index \"i\" storage redis "
	    "[::1]:6379 directory \"/d\"\n");
}

/* relay at HUB (a relay at a hub) and forwarding alias: what is refused. */
static void
test_relays(void **state)
{
	struct ockam_conf	*conf;
	struct remote_conf	*rc;

	(void)state;
	conf = parse_text("relay at \"/ip4/10.0.0.1/tcp/4000\" to \"l\"\n");
	if (conf == NULL)
		fail_msg("%s", errtext);
	rc = TAILQ_FIRST(&conf->remotes);
	assert_non_null(rc);
	assert_int_equal(rc->heartbeat, RELAY_HEARTBEAT);
	assert_string_equal(rc->listener, RELAY_LISTENER);
	assert_true(names_find(&rc->consumers, "l"));
	config_free(conf);
	assert_fails("relay at \"/service/x\" to \"l\"\n", 1,
	    "the hub's TCP or TLS address, one hop");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1/service/x\" to \"l\"\n",
	    1, "one hop");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1\"\n", 1,
	    "no \"to\" and no consumers");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1\" alias \"a/b\" to l\n",
	    1, "invalid alias");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1\" alias \"..\" to l\n",
	    1, "invalid alias");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1\" alias bob to l\n", 1,
	    "has no identity");
	assert_fails("relay at \"/ip4/1.2.3.4/tcp/1\" to l heartbeat 0\n", 1,
	    "heartbeat 0 is too small");
	assert_fails("forwarding alias \"bob\" identity \"Ixyz\"\n", 1,
	    "invalid identifier");
	assert_fails("forwarding alias \"\" identity \"Ixyz\"\n", 1,
	    "invalid");
}

/* outlet and inlet (portalconf.c): what they make, what they refuse. */
static void
test_portals(void **state)
{
	struct ockam_conf	*conf;
	struct outlet_conf	*oc;
	struct inlet_conf	*ic;

	(void)state;
	conf = parse_text(
	    "vault directory /v\nidentity a\n"
	    "outlet \"db\" to \"127.0.0.1:5432\" consumers { l1, l2 }\n"
	    "outlet web to \"[::1]:80\"\n"
	    "inlet on 127.0.0.1 port 6000 via "
	    "\"/ip4/10.0.0.1/tcp/4000/service/l1\" to \"db\"\n"
	    "inlet on 0::1 port 6001 to \"/ip4/10.0.0.1/tcp/4000/service/web\"\n");
	if (conf == NULL)
		fail_msg("%s", errtext);
	oc = TAILQ_FIRST(&conf->outlets);
	assert_string_equal(oc->name, "db");
	assert_string_equal(oc->target, "127.0.0.1:5432");
	assert_true(names_find(&oc->consumers, "l2"));
	oc = TAILQ_NEXT(oc, entry);
	assert_string_equal(oc->target, "[::1]:80");
	assert_true(TAILQ_EMPTY(&oc->consumers));
	assert_true(config_name_taken(conf, "web"));
	ic = TAILQ_FIRST(&conf->inlets);
	assert_int_equal(ic->id, 1);
	assert_int_equal(ic->port, 6000);
	assert_int_equal(ic->via_route.n, 2);
	assert_int_equal(ic->to_route.n, 1);
	ic = TAILQ_NEXT(ic, entry);
	assert_int_equal(ic->id, 2);
	assert_int_equal(ic->family, 6);
	assert_string_equal(ic->addr, "::1");
	assert_null(ic->via);
	assert_int_equal(ic->to_route.n, 2);
	config_free(conf);

	assert_fails("outlet x to \"nohost\"\n", 1,
	    "outlet x: target \"nohost\" is not HOST:PORT");
	assert_fails("outlet x to \"h:0\"\n", 1, "is not HOST:PORT");
	assert_fails("outlet x to \"@1.2:80\"\n", 1, "is not HOST:PORT");
	assert_fails("hop x\noutlet x to \"h:1\"\n", 2,
	    "worker \"x\" defined twice");
	assert_fails("outlet x to \"h:1\"\nhop x\n", 2,
	    "worker \"x\" defined twice");
	assert_fails("inlet on host port 1 to x\n", 1,
	    "inlet on \"host\": not a numeric IPv4 or IPv6 address");
	assert_fails("inlet on 127.0.0.1 port 0 to x\n", 1, "port 0 is");
	assert_fails("inlet on 127.0.0.1 port 1 to \"/ip4/x\"\n", 1,
	    "inlet: bad route \"/ip4/x\"");
	assert_fails("inlet on 127.0.0.1 port 1 to x\n"
	    "inlet on 127.0.0.1 port 1 to y\n", 2,
	    "inlet on 127.0.0.1 port 1 given twice");
	assert_null(parse_text("inlet on 127.0.0.1 port 1 via x to y\n"));
	assert_non_null(strstr(errtext, "a channel (via) needs an identity"));
	roundtrip("vault directory /v\nidentity a\n"
	    "outlet \"db\" to \"127.0.0.1:5432\" consumers { l1 l2 }\n"
	    "inlet on 127.0.0.1 port 6000 via \"/service/l1\" to \"db\"\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_full, test_teardown),
		cmocka_unit_test_teardown(test_defaults, test_teardown),
		cmocka_unit_test_teardown(test_lexer, test_teardown),
		cmocka_unit_test_teardown(test_missing_file, test_teardown),
		cmocka_unit_test_teardown(test_syntax_errors, test_teardown),
		cmocka_unit_test_teardown(test_semantic_errors,
		    test_teardown),
		cmocka_unit_test_teardown(test_many_errors, test_teardown),
		cmocka_unit_test_teardown(test_macros, test_teardown),
		cmocka_unit_test_teardown(test_cmdline_macros,
		    test_teardown),
		cmocka_unit_test_teardown(test_include, test_teardown),
		cmocka_unit_test_teardown(test_include_loop, test_teardown),
		cmocka_unit_test_teardown(test_include_depth, test_teardown),
		cmocka_unit_test_teardown(test_relays, test_teardown),
		cmocka_unit_test_teardown(test_portals, test_teardown),
		cmocka_unit_test_teardown(test_print_roundtrip,
		    test_teardown),
		cmocka_unit_test_teardown(test_stream, test_teardown),
		cmocka_unit_test_teardown(test_stream_retain, test_teardown),
		cmocka_unit_test_teardown(test_stream_redis, test_teardown),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
