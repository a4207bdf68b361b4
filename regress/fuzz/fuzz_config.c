/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the configuration parser of ockam-routed
 * (ockam-routed/parse.y, config.c).
 *
 * The input is written to a file and parsed with parse_config().  A
 * configuration that parses is printed with print_config() (what
 * "ockam-routed -nv" shows); the printed text must parse again and
 * print the same, and every name in it must be found by the lookups.
 * config_free() frees what was parsed: the leak checker sees the rest.
 *
 * Files: the parser is compiled with fopen renamed to fuzz_conf_fopen
 * (see the Makefile), which opens only regular files in this target's
 * own directory (under $TMPDIR or /tmp), so an include can read the
 * few files put there to be included but nothing else.  parse.y
 * itself opens any path that is not a directory, a FIFO or /dev/zero
 * included; that is a finding of this target, not something it tests.
 *
 * Log lines go nowhere: log.c writes to stderr (log_init(1, ...)), and
 * stderr is pointed at /dev/null.  libFuzzer prints through the FILE
 * it saved before, the sanitizers through the file descriptor, so
 * their reports still reach the real standard error.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "multiaddr.h"
#include "route.h"

/* Files an include in the input may name, relative to it. */
static const struct {
	const char	*name;
	const char	*text;
} incfiles[] = {
	{ "inc.conf",
	    "echoer \"inc_echoer\"\nhop { \"inc_h1\", \"inc_h2\" }\n" },
	{ "macro.conf", "incmacro = \"from_include\"\n" },
	{ "nested.conf", "include \"inc.conf\"\n" },
	{ "broken.conf", "echoer\n\"unterminated\n" },
	{ "sub/up.conf", "include \"../inc.conf\"\nhop \"sub_hop\"\n" },
	{ "noeol.conf", "echoer \"no_newline\"" },
};

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
FILE	*fuzz_conf_fopen(const char *, const char *);

static void	 check(int, const char *);
static void	 fail(const char *);
static void	 mkpath(char *, size_t, const char *, const char *);
static void	 write_file(const char *, const void *, size_t);
static void	 cleanup(void);
static void	 print_to(struct ockam_conf *, FILE *);
static char	*slurp(FILE *, size_t *);
static void	 check_lookups(struct ockam_conf *);

static char	 base[PATH_MAX], indir[PATH_MAX], outdir[PATH_MAX];
static char	 inpath[PATH_MAX], outpath[2][PATH_MAX];
static const char *allowed;	/* the directory the parser may read */
static FILE	*errout;	/* the real standard error */
static FILE	*printed[2];
static int	 infd = -1;
static char	 dmacro[] = "dmacro=from_command_line";

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(errout, "fuzz_config: invariant failed: %s\n", what);
		abort();
	}
}

static void
fail(const char *what)
{
	fprintf(errout != NULL ? errout : stderr, "fuzz_config: %s: %s\n",
	    what, strerror(errno));
	abort();
}

static void
mkpath(char *dst, size_t dstsz, const char *dir, const char *name)
{
	if ((size_t)snprintf(dst, dstsz, "%s/%s", dir, name) >= dstsz) {
		errno = ENAMETOOLONG;
		fail(name);
	}
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, data, len) != (ssize_t)len || close(fd) == -1)
		fail(path);
}

/*
 * The parser's fopen: a regular file inside the allowed directory,
 * after symbolic links and ".." are resolved; anything else is EACCES.
 */
FILE *
fuzz_conf_fopen(const char *path, const char *mode)
{
	char		 real[PATH_MAX];
	struct stat	 st;
	size_t		 len;

	if (allowed == NULL || realpath(path, real) == NULL)
		return (NULL);
	len = strlen(allowed);
	if (strncmp(real, allowed, len) != 0 || real[len] != '/' ||
	    stat(real, &st) == -1 || !S_ISREG(st.st_mode)) {
		errno = EACCES;
		return (NULL);
	}
	return (fopen(real, mode));
}

static void
cleanup(void)
{
	size_t	 i;
	char	 path[PATH_MAX];

	if (base[0] == '\0')
		return;
	for (i = 0; i < sizeof(incfiles) / sizeof(incfiles[0]); i++) {
		mkpath(path, sizeof(path), indir, incfiles[i].name);
		unlink(path);
	}
	unlink(inpath);
	unlink(outpath[0]);
	unlink(outpath[1]);
	mkpath(path, sizeof(path), indir, "sub");
	rmdir(path);
	rmdir(indir);
	rmdir(outdir);
	rmdir(base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp;
	char		 path[PATH_MAX], real[PATH_MAX];
	size_t		 i;

	(void)argc;
	(void)argv;
	errout = stderr;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	mkpath(path, sizeof(path), tmp, "ockam-fuzz-config.XXXXXX");
	if (mkdtemp(path) == NULL)
		fail(path);
	/* Compared with realpath()'s answers: no link in the prefix. */
	if (realpath(path, real) == NULL)
		fail(path);
	strlcpy(base, real, sizeof(base));
	atexit(cleanup);
	mkpath(indir, sizeof(indir), base, "in");
	mkpath(outdir, sizeof(outdir), base, "out");
	mkpath(path, sizeof(path), indir, "sub");
	if (mkdir(indir, 0700) == -1 || mkdir(outdir, 0700) == -1 ||
	    mkdir(path, 0700) == -1)
		fail(base);
	for (i = 0; i < sizeof(incfiles) / sizeof(incfiles[0]); i++) {
		mkpath(path, sizeof(path), indir, incfiles[i].name);
		write_file(path, incfiles[i].text, strlen(incfiles[i].text));
	}
	mkpath(inpath, sizeof(inpath), indir, "fuzz.conf");
	if ((infd = open(inpath, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1)
		fail(inpath);
	for (i = 0; i < 2; i++) {
		mkpath(outpath[i], sizeof(outpath[i]), outdir,
		    i == 0 ? "a.conf" : "b.conf");
		if ((printed[i] = fopen(outpath[i], "w+")) == NULL)
			fail(outpath[i]);
	}

	/* A -D macro, as "ockam-routed -D dmacro=..." would set it. */
	if (cmdline_symset(dmacro) == -1)
		fail("cmdline_symset");
	log_init(1, LOG_DAEMON);
	log_procinit("fuzz_config");
	if ((stderr = fopen("/dev/null", "w")) == NULL) {
		stderr = errout;
		fail("/dev/null");
	}
	return (0);
}

/* print_config() writes to stdout: point it at f for the call. */
static void
print_to(struct ockam_conf *conf, FILE *f)
{
	FILE	*saved = stdout;

	if (fflush(f) == EOF || ftruncate(fileno(f), 0) == -1)
		fail("print_to");
	rewind(f);
	stdout = f;
	print_config(conf);
	stdout = saved;
	if (fflush(f) == EOF || ferror(f))
		fail("print_config");
}

static char *
slurp(FILE *f, size_t *len)
{
	struct stat	 st;
	char		*p;

	if (fstat(fileno(f), &st) == -1)
		fail("fstat");
	*len = st.st_size;
	if ((p = malloc(*len + 1)) == NULL)
		fail("malloc");
	if (pread(fileno(f), p, *len, 0) != (ssize_t)*len)
		fail("pread");
	p[*len] = '\0';
	return (p);
}

/* Whatever was parsed can be found again. */
static void
check_lookups(struct ockam_conf *conf)
{
	struct worker_conf	*w;
	struct identity_conf	*ic;
	struct sclistener_conf	*sl;
	struct relay_conf	*rc;
	struct name_entry	*n;
	struct route		 r;
	char			 err[256];

	check(conf->user != NULL && conf->csock != NULL,
	    "user and control socket are always set");
	TAILQ_FOREACH(w, &conf->workers, entry)
		check(config_find_worker(conf, w->name) == w &&
		    config_name_taken(conf, w->name), "a worker is found");
	TAILQ_FOREACH(ic, &conf->identities, entry)
		check(config_find_identity(conf, ic->name) == ic,
		    "an identity is found");
	TAILQ_FOREACH(sl, &conf->sclisteners, entry) {
		check(config_find_sclistener(conf, sl->name) == sl &&
		    config_find_identity(conf, sl->identity) != NULL,
		    "a listener and its identity are found");
		TAILQ_FOREACH(n, &sl->trust.ids, entry)
			check(identifier_valid(n->name) &&
			    trust_allows(&sl->trust, n->name),
			    "a trusted identifier is allowed");
	}
	TAILQ_FOREACH(rc, &conf->relays, entry) {
		check(config_find_relay(conf, rc->name) == rc,
		    "a relay is found");
		route_init(&r);
		check(multiaddr_parse(rc->to, &r, err, sizeof(err)) == 0,
		    "a relay's route parses");
		check(r.n == rc->route.n && r.n > 0,
		    "a relay's route is what it says");
		route_clear(&r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ockam_conf	*conf, *conf2;
	char			*p1, *p2;
	size_t			 len1, len2;

	if (ftruncate(infd, 0) == -1 ||
	    pwrite(infd, data, size, 0) != (ssize_t)size)
		fail(inpath);

	allowed = indir;
	conf = parse_config(inpath, OCKAM_OPT_VERBOSE);
	allowed = NULL;
	if (conf == NULL)
		return (0);
	check_lookups(conf);
	print_to(conf, printed[0]);
	config_free(conf);

	allowed = outdir;
	conf2 = parse_config(outpath[0], OCKAM_OPT_VERBOSE);
	allowed = NULL;
	p1 = slurp(printed[0], &len1);
	if (conf2 == NULL) {
		fprintf(errout, "fuzz_config: printed:\n%s", p1);
		check(0, "a printed configuration parses");
	}
	check_lookups(conf2);
	print_to(conf2, printed[1]);
	config_free(conf2);
	p2 = slurp(printed[1], &len2);
	if (len1 != len2 || memcmp(p1, p2, len1) != 0) {
		fprintf(errout, "fuzz_config: printed:\n%s\nthen:\n%s", p1,
		    p2);
		check(0, "a printed configuration prints the same");
	}
	free(p1);
	free(p2);
	return (0);
}
