/* SPDX-License-Identifier: ISC */
/*
 * ockam.conf(5): the configuration grammar of ockam-routed.
 *
 * The scaffolding follows the OpenBSD daemons: a stack of open files
 * for "include", macros (with -D on the command line taking
 * precedence), a keyword table searched with bsearch(3), one statement
 * per line and error recovery to the end of the line, so that every
 * error in a file is reported in one run as "file:line: message".
 *
 * Every string the lexer hands to the parser lives in a pool that is
 * released after the parse: yacc drops values on the floor during
 * error recovery, and the pool keeps that from leaking without the
 * non-POSIX %destructor.  Actions copy what they keep.
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "config.h"
#include "log.h"
#include "multiaddr.h"
#include "route.h"

#define MAXINCLUDE	8		/* nested include statements */
#define MAXSTRING	8192		/* one token */
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path))

struct file {
	TAILQ_ENTRY(file)	 entry;
	FILE			*stream;
	char			*name;
	dev_t			 dev;
	ino_t			 ino;
	int			 lineno;
	int			 eolpending;	/* count the line next token */
	int			 needeol;	/* last token was not '\n' */
	int			 starteol;	/* '\n' ending an include */
	int			 unget[4];
	int			 nunget;
	char			*expbuf;	/* a macro being expanded */
	size_t			 exppos;
};
TAILQ_HEAD(files, file);

struct sym {
	TAILQ_ENTRY(sym)	 entry;
	int			 used;
	int			 persist;	/* -D: wins over the file */
	char			*nam;
	char			*val;
};
TAILQ_HEAD(syms, sym);

struct pooled {
	SLIST_ENTRY(pooled)	 entry;
	char			 str[];
};
SLIST_HEAD(pool, pooled);

static struct files	 files = TAILQ_HEAD_INITIALIZER(files);
static struct syms	 symhead = TAILQ_HEAD_INITIALIZER(symhead);
static struct pool	 strpool = SLIST_HEAD_INITIALIZER(strpool);
static struct file	*file;
static struct ockam_conf *conf;
static int		 errors;
static int		 lexerror;	/* the lookahead is ERROR */
static char		 lastword[32];	/* the keyword just read */
static char		 lasttoken[80];	/* what a syntax error names */
static char		 firstword[80];	/* a line's first, when a string */
static int		 ntokens;	/* read on this line */
static int		 lastnl;	/* the last one ended a line */
static int		 csock_mode_set;
static enum worker_kind	 curkind;

int		 yyparse(void);
int		 yylex(void);
void		 yyerror(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));

static const struct conf_reader *reader;	/* reload: parse_reader() */
static struct file	*pushfile(const char *, int);
static void		 popfile(void);
static void		 include_file(const char *);
static int		 lgetc(int);
static void		 lungetc(int);
static int		 findeol(void);
static int		 lookup(const char *);
static int		 lex_macro(void);
static int		 symset(const char *, const char *, int);
static char		*symget(const char *);
static int		 valid_macro_name(const char *);
static char		*pool_strdup(const char *);
static void		 pool_free(void);
static int		 check_string(const char *, const char *);
static int		 check_path(const char *, const char *);
static void		 set_string(char **, const char *, const char *);
static void		 set_csock(const char *);
static void		 set_csock_mode(const char *);
static void		 add_worker(enum worker_kind, const char *);
%}

%union {
	char	*string;	/* from the pool */
}

%token	CHROOT CONSUMERS CONTROL DIRECTORY ECHOER EVERYONE GROUP HOP
%token	IDENTITY INCLUDE LISTENER MODE PIN SECURECHANNEL SOCKET TRUST USER
%token	VAULT FORWARDING SERVICE STATIC ALIAS AT HEARTBEAT
%token	CA CERTIFICATE KEY LIMIT LISTEN ON PORT RELAY TLS TO
%token	EMBEDDED INDEX STORAGE STREAM AGE RETAIN SIZE REDIS PASSWORDFILE
%token	INLET OUTLET VIA
%token	CLIENT CLIENTID INTERVAL RECEIVE SEND SENDER
%token	ERROR
%token	<string>	STRING NUMBER
%type	<string>	string

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar global '\n'
		| grammar control '\n'
		| grammar worker '\n'
		| grammar vault '\n'
		| grammar identity '\n'
		| grammar sclistener '\n'
		| grammar scinitiator '\n'
		| grammar listen '\n'
		| grammar tlsca '\n'
		| grammar relay '\n'
		| grammar portal '\n'
		| grammar limit '\n'
		| grammar stream '\n'
		| grammar error '\n'		{ errors++; yyerrok; }
		;

/* A word of digits is a NUMBER, but it is a fine string too. */
string		: STRING
		| NUMBER
		;

optnl		: /* empty */
		| optnl '\n'
		;

comma		: /* empty */
		| ',' optnl
		;

include		: INCLUDE string		{ include_file($2); }
		;

varset		: STRING '=' string		{
			if (!valid_macro_name($1))
				yyerror("invalid macro name \"%s\"", $1);
			else if (symset($1, $3, 0) == -1)
				fatal("symset");
		}
		;

global		: USER string			{
			set_string(&conf->user, "user", $2);
		}
		| CHROOT string			{
			if (check_path("chroot", $2) == 0)
				set_string(&conf->chroot, "chroot", $2);
		}
		;

control		: CONTROL SOCKET string		{ set_csock($3); }
		    csockopts
		;

csockopts	: /* empty */
		| csockopts csockopt
		;

csockopt	: MODE NUMBER			{ set_csock_mode($2); }
		| GROUP string			{
			set_string(&conf->csock_group, "control socket group",
			    $2);
		}
		;

worker		: workerkind workername
		| workerkind '{' optnl workerlist '}'
		;

workerkind	: ECHOER			{ curkind = WORKER_ECHOER; }
		| HOP				{ curkind = WORKER_HOP; }
		| FORWARDING SERVICE		{
			curkind = WORKER_FWD_SERVICE;
		}
		| STATIC FORWARDING SERVICE	{
			curkind = WORKER_FWD_STATIC;
		}
		;

workerlist	: workername optnl
		| workerlist comma workername optnl
		;

workername	: string			{ add_worker(curkind, $1); }
		;

vault		: VAULT USER string		{
			set_string(&conf->vault_user, "vault user", $3);
		}
		| VAULT DIRECTORY string	{
			if (strlen($3) >= PATH_MAX)
				yyerror("vault directory path too long");
			else if (check_path("vault directory", $3) == 0)
				set_string(&conf->vault_dir, "vault directory",
				    $3);
		}
		;

identity	: IDENTITY string		{ add_identity($2); }
		;

stream		: STREAM SERVICE string INDEX string	{
			if (new_stream($3, $5) == 0) {
				add_worker(WORKER_STREAM_SERVICE, $3);
				add_worker(WORKER_STREAM_INDEX, $5);
			}
		} streamopts
		| STREAM CLIENT AT string	{ new_sclient(conf, $4); }
		    sclientopts
		;

sclientopts	: /* empty */
		| sclientopts sclientopt
		;

sclientopt	: SEND string		{ sclient_opt(SCOPT_SEND, $2); }
		| RECEIVE string	{ sclient_opt(SCOPT_RECEIVE, $2); }
		| SENDER string		{ sclient_opt(SCOPT_NAME, $2); }
		| CLIENTID string	{ sclient_opt(SCOPT_CLIENT_ID, $2); }
		| INTERVAL NUMBER	{ sclient_opt(SCOPT_INTERVAL, $2); }
		| SERVICE string	{ sclient_opt(SCOPT_SERVICE, $2); }
		| INDEX string		{ sclient_opt(SCOPT_INDEX, $2); }
		| CONSUMERS sconsumer
		| CONSUMERS '{' optnl sconsumerlist '}'
		;

sconsumerlist	: sconsumer optnl
		| sconsumerlist comma sconsumer optnl
		;

sconsumer	: string			{ sclient_consumer($1); }
		;

streamopts	: /* empty */
		| streamopts streamopt
		;

streamopt	: STORAGE EMBEDDED DIRECTORY string	{
			if (check_path("stream storage directory", $4) == 0)
				stream_dir($4);
		}
		| STORAGE REDIS string DIRECTORY string	{
			if (check_string("redis address", $3) == 0 &&
			    check_path("stream storage directory", $5) == 0)
				stream_redis($3, $5);
		}
		| PASSWORDFILE string		{
			if (check_path("password-file", $2) == 0)
				stream_redis_auth($2);
		}
		| RETAIN SIZE string		{ stream_retain(0, $3); }
		| RETAIN AGE string		{ stream_retain(1, $3); }
		;

sclistener	: SECURECHANNEL LISTENER string	{ new_sclistener($3); }
		    scloptions
		;

/* Whom this node's initiators trust, whatever the route. */
scinitiator	: SECURECHANNEL TRUST		{ sc_initiator_trust(); }
		    sctrust
		| SECURECHANNEL PIN		{ sc_initiator_pin(); }
		;

sctrust		: EVERYONE			{ sc_trust_everyone(); }
		| trustid
		| '{' optnl trustlist '}'
		;

scloptions	: /* empty */
		| scloptions scloption
		;

listen		: LISTEN ON string PORT NUMBER	{ new_listen($3, $5); }
		    listenoptions
		| LISTEN STATIC			{ conf->listen_static = 1; }
		;

listenoptions	: /* empty */
		| listenoptions listenoption
		;

listenoption	: TLS CERTIFICATE string KEY string	{
			if (check_path("certificate", $3) == 0 &&
			    check_path("key", $5) == 0)
				listen_tls($3, $5);
		}
		| CONSUMERS lconsumer
		| CONSUMERS '{' optnl lconsumerlist '}'
		;

lconsumerlist	: lconsumer optnl
		| lconsumerlist comma lconsumer optnl
		;

lconsumer	: string			{ listen_consumer($1); }
		;

tlsca		: TLS CA string			{
			if (check_path("tls ca", $3) == 0)
				set_string(&conf->tls_ca, "tls ca", $3);
		}
		;

relay		: RELAY string TO string	{ add_relay($2, $4); }
		| RELAY AT string		{ new_remote($3); }
		    remoteopts
		| FORWARDING ALIAS string IDENTITY string {
			add_alias($3, $5);
		}
		;

remoteopts	: /* empty */
		| remoteopts remoteopt
		;

remoteopt	: ALIAS string			{ remote_alias($2); }
		| TO string			{ remote_to($2); }
		| IDENTITY string		{ remote_identity($2); }
		| LISTENER string		{ remote_listener($2); }
		| HEARTBEAT NUMBER		{ remote_heartbeat($2); }
		| CONSUMERS rconsumer
		| CONSUMERS '{' optnl rconsumerlist '}'
		;

rconsumerlist	: rconsumer optnl
		| rconsumerlist comma rconsumer optnl
		;

rconsumer	: string			{ remote_consumer($1); }
		;

limit		: LIMIT string string		{ set_limit($2, $3); }
		;

portal		: OUTLET string TO string	{ add_outlet($2, $4); }
		    outletopts
		| INLET ON string PORT NUMBER TO string {
			add_inlet($3, $5, NULL, $7);
		}
		| INLET ON string PORT NUMBER VIA string TO string {
			add_inlet($3, $5, $7, $9);
		}
		;

outletopts	: /* empty */
		| CONSUMERS oconsumer
		| CONSUMERS '{' optnl oconsumerlist '}'
		;

oconsumerlist	: oconsumer optnl
		| oconsumerlist comma oconsumer optnl
		;

oconsumer	: string			{ outlet_consumer($1); }
		;

scloption	: IDENTITY string		{ sc_identity($2); }
		| TRUST sctrust
		| CONSUMERS consumer
		| CONSUMERS '{' optnl consumerlist '}'
		;

trustlist	: trustid optnl
		| trustlist comma trustid optnl
		;

trustid		: string			{ add_trust($1); }
		;

consumerlist	: consumer optnl
		| consumerlist comma consumer optnl
		;

consumer	: string			{ add_consumer($1); }
		;

%%

struct keyword {
	const char	*name;
	int		 token;
};

void
yyerror(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	errors++;
	/*
	 * The lexer has already said what is wrong with this line; the
	 * parser's complaint about the ERROR token adds nothing.
	 */
	if (lexerror && strcmp(fmt, "syntax error") == 0)
		return;
	if (strcmp(fmt, "syntax error") == 0) {
		/* A line that starts with a word that is not a keyword. */
		if (ntokens == 2 && firstword[0] != '\0' &&
		    strcmp(lasttoken, "\"=\"") != 0)
			log_warnx("%s:%d: syntax error at %s: not a keyword",
			    file->name, file->lineno, firstword);
		else
			log_warnx("%s:%d: syntax error at %s", file->name,
			    file->lineno, lasttoken);
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	log_warnx("%s:%d: %s", file->name, file->lineno, msg);
	free(msg);
}

static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct keyword *)e)->name));
}

static int
lookup(const char *s)
{
	/* Sorted: bsearch(3) depends on it. */
	static const struct keyword	 keywords[] = {
		{ "age",		AGE },
		{ "alias",		ALIAS },
		{ "at",			AT },
		{ "ca",			CA },
		{ "certificate",	CERTIFICATE },
		{ "chroot",		CHROOT },
		{ "client",		CLIENT },
		{ "client-id",		CLIENTID },
		{ "consumers",		CONSUMERS },
		{ "control",		CONTROL },
		{ "directory",		DIRECTORY },
		{ "echoer",		ECHOER },
		{ "embedded",		EMBEDDED },
		{ "everyone",		EVERYONE },
		{ "forwarding",		FORWARDING },
		{ "group",		GROUP },
		{ "heartbeat",		HEARTBEAT },
		{ "hop",		HOP },
		{ "identity",		IDENTITY },
		{ "include",		INCLUDE },
		{ "index",		INDEX },
		{ "inlet",		INLET },
		{ "interval",		INTERVAL },
		{ "key",		KEY },
		{ "limit",		LIMIT },
		{ "listen",		LISTEN },
		{ "listener",		LISTENER },
		{ "mode",		MODE },
		{ "on",			ON },
		{ "outlet",		OUTLET },
		{ "password-file",	PASSWORDFILE },
		{ "pin",		PIN },
		{ "port",		PORT },
		{ "receive",		RECEIVE },
		{ "redis",		REDIS },
		{ "relay",		RELAY },
		{ "retain",		RETAIN },
		{ "secure-channel",	SECURECHANNEL },
		{ "send",		SEND },
		{ "sender",		SENDER },
		{ "service",		SERVICE },
		{ "size",		SIZE },
		{ "socket",		SOCKET },
		{ "static",		STATIC },
		{ "storage",		STORAGE },
		{ "stream",		STREAM },
		{ "tls",		TLS },
		{ "to",			TO },
		{ "trust",		TRUST },
		{ "user",		USER },
		{ "vault",		VAULT },
		{ "via",		VIA },
	};
	const struct keyword		*p;

	p = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	return (p != NULL ? p->token : STRING);
}

/*
 * The next character: from a macro being expanded, then from what was
 * pushed back, then from the file.  Outside quotes a backslash at the
 * end of a line joins it with the next one.
 */
static int
lgetc(int quoted)
{
	int	 c, next;

	if (file->expbuf != NULL) {
		c = (unsigned char)file->expbuf[file->exppos];
		if (c != '\0') {
			file->exppos++;
			return (c);
		}
		free(file->expbuf);
		file->expbuf = NULL;
	}
	if (file->nunget > 0)
		return (file->unget[--file->nunget]);

	while ((c = getc(file->stream)) == '\\' && !quoted) {
		if ((next = getc(file->stream)) != '\n') {
			if (next != EOF)
				ungetc(next, file->stream);
			break;
		}
		file->lineno++;
	}
	return (c);
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file->expbuf != NULL && file->exppos > 0) {
		file->exppos--;
		return;
	}
	if (file->nunget >= (int)(sizeof(file->unget) /
	    sizeof(file->unget[0])))
		fatalx("%s: pushback overflow", __func__);
	file->unget[file->nunget++] = c;
}

/* After an error in the lexer: skip the rest of the line. */
static int
findeol(void)
{
	int	 c;

	free(file->expbuf);
	file->expbuf = NULL;
	while ((c = lgetc(0)) != '\n' && c != EOF)
		;
	lungetc(c);
	return (ERROR);
}

static int
is_word_char(int c)
{
	return (c > ' ' && c < 0x7f && strchr("\"'#$,={}\\", c) == NULL);
}

static int
is_name_char(int c)
{
	return (isalnum(c) || c == '_');
}

static int
lex_quoted(int quote)
{
	char	 buf[MAXSTRING];
	size_t	 len = 0;
	int	 c, next;

	for (;;) {
		c = lgetc(1);
		if (c == EOF || c == '\n') {
			lungetc(c);
			yyerror("unterminated quoted string");
			return (findeol());
		}
		if (c == quote)
			break;
		if (c == '\0') {
			yyerror("NUL character in quoted string");
			return (findeol());
		}
		if (c == '\\') {
			next = lgetc(1);
			if (next == '\n') {
				file->lineno++;
				continue;
			}
			if (next == quote || next == '\\')
				c = next;
			else
				lungetc(next);
		}
		if (len + 1 >= sizeof(buf)) {
			yyerror("string too long");
			return (findeol());
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	yylval.string = pool_strdup(buf);
	return (STRING);
}

static int
lex_word(int c)
{
	char	 buf[MAXSTRING];
	size_t	 len = 0, i;
	int	 expanded, token;

	/* Words with a macro in them are values, never keywords. */
	expanded = (file->expbuf != NULL);
	do {
		if (c == '$') {
			/* In a word ("tcp/$port"): its value goes on. */
			if (lex_macro() != 0)
				return (ERROR);
			expanded = 1;
			continue;
		}
		if (len + 1 >= sizeof(buf)) {
			yyerror("string too long");
			return (findeol());
		}
		buf[len++] = c;
	} while (is_word_char(c = lgetc(0)) ||
	    (c == '$' && file->expbuf == NULL));
	lungetc(c);
	buf[len] = '\0';

	for (i = 0; i < len && isdigit((unsigned char)buf[i]); i++)
		;
	if (i == len)
		token = NUMBER;
	else if (expanded)
		token = STRING;
	else if ((token = lookup(buf)) != STRING) {
		/* Before '=', a keyword names a macro ("alias = ..."). */
		while ((c = lgetc(0)) == ' ' || c == '\t' || c == '\r')
			;
		lungetc(c);
		if (c != '=') {
			strlcpy(lastword, buf, sizeof(lastword));
			return (token);
		}
		token = STRING;
	}
	yylval.string = pool_strdup(buf);
	return (token);
}

/* $name: push the macro's value back into the input. */
static int
lex_macro(void)
{
	char	 name[MAXSTRING];
	char	*val;
	size_t	 len = 0;
	int	 c;

	while (is_name_char(c = lgetc(0))) {
		if (len + 1 >= sizeof(name)) {
			yyerror("macro name too long");
			return (findeol());
		}
		name[len++] = c;
	}
	lungetc(c);
	name[len] = '\0';
	if (len == 0) {
		yyerror("macro name expected after '$'");
		return (findeol());
	}
	if ((val = symget(name)) == NULL) {
		yyerror("macro \"%s\" not defined", name);
		return (findeol());
	}
	if ((file->expbuf = strdup(val)) == NULL)
		fatal("%s", __func__);
	file->exppos = 0;
	return (0);
}

static int
lex_token(void)
{
	int	 c, counted = 0;

top:
	if (file->starteol) {
		file->starteol = 0;
		return ('\n');
	}
	if (file->eolpending) {
		file->eolpending = 0;
		file->lineno++;
		counted = 1;
	}

	while ((c = lgetc(0)) == ' ' || c == '\t' || c == '\r')
		;
	if (c == '#')
		while ((c = lgetc(0)) != '\n' && c != EOF)
			;
	if (c == '$' && file->expbuf == NULL) {
		if ((c = lex_macro()) != 0)
			return (c);
		goto top;
	}

	switch (c) {
	case EOF:
		/* A last line without its newline still ends a statement. */
		if (file->needeol)
			return ('\n');
		if (TAILQ_PREV(file, files, entry) == NULL) {
			/* An error at the end belongs to the last line. */
			if (counted)
				file->lineno--;
			return (0);
		}
		popfile();
		goto top;
	case '\n':
		file->eolpending = 1;
		return ('\n');
	case '\0':
		yyerror("NUL character");
		return (findeol());
	case '"':
	case '\'':
		return (lex_quoted(c));
	}
	if (is_word_char(c))
		return (lex_word(c));
	return (c);
}

int
yylex(void)
{
	int	 token;

	lastword[0] = '\0';
	token = lex_token();
	file->needeol = (token != '\n' && token != 0);
	lexerror = (token == ERROR);
	/* What a syntax error names: the token the parser stopped at. */
	if (token == STRING || token == NUMBER)
		snprintf(lasttoken, sizeof(lasttoken), "\"%s\"",
		    yylval.string);
	else if (lastword[0] != '\0')
		snprintf(lasttoken, sizeof(lasttoken), "\"%s\"", lastword);
	else if (token == '\n' || token == 0)
		strlcpy(lasttoken, "the end of the line", sizeof(lasttoken));
	else
		snprintf(lasttoken, sizeof(lasttoken), "\"%c\"", token);
	if (ntokens > 0 && lastnl)
		ntokens = 0;
	if (ntokens++ == 0)
		strlcpy(firstword, token == STRING ? lasttoken : "",
		    sizeof(firstword));
	lastnl = (token == '\n');
	return (token);
}

static struct file *
pushfile(const char *name, int nested)
{
	struct file	*nfile;
	struct stat	 st;
	int		 fd;

	if ((nfile = calloc(1, sizeof(*nfile))) == NULL ||
	    (nfile->name = strdup(name)) == NULL)
		fatal("%s", __func__);
	/*
	 * Regular files only, checked before opening (a FIFO would block
	 * fopen, /dev/zero would never end) and again after.
	 */
	if (reader != NULL) {
		/* It checks what it opens as below. */
		if ((fd = reader->open(name)) == -1)
			goto fail;
		if ((nfile->stream = fdopen(fd, "r")) == NULL) {
			close(fd);
			goto fail;
		}
	} else if (stat(name, &st) == -1)
		goto fail;
	else if (!S_ISREG(st.st_mode)) {
		if (!S_ISDIR(st.st_mode))
			log_warnx("%s: not a regular file", name);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	} else if ((nfile->stream = fopen(name, "r")) == NULL)
		goto fail;
	if (fstat(fileno(nfile->stream), &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	nfile->dev = st.st_dev;
	nfile->ino = st.st_ino;
	nfile->lineno = 1;
	nfile->starteol = nested;
	TAILQ_INSERT_TAIL(&files, nfile, entry);
	return (nfile);

 fail:
	if (nfile->stream != NULL)
		fclose(nfile->stream);
	free(nfile->name);
	free(nfile);
	return (NULL);
}

static void
popfile(void)
{
	struct file	*prev;

	prev = TAILQ_PREV(file, files, entry);
	TAILQ_REMOVE(&files, file, entry);
	fclose(file->stream);
	free(file->expbuf);
	free(file->name);
	free(file);
	file = prev;
}

/*
 * include "path": a relative path is taken from the directory of the
 * including file.
 */
static void
include_file(const char *path)
{
	struct file	*f, *nfile;
	struct stat	 st;
	const char	*slash;
	char		*full;
	int		 depth = 0;

	if (check_string("include", path) == -1)
		return;
	TAILQ_FOREACH(f, &files, entry)
		depth++;
	if (depth > MAXINCLUDE) {
		yyerror("include \"%s\": nested too deeply (max %d)", path,
		    MAXINCLUDE);
		return;
	}
	if (path[0] != '/' && (slash = strrchr(file->name, '/')) != NULL) {
		if (asprintf(&full, "%.*s/%s", (int)(slash - file->name),
		    file->name, path) == -1)
			fatal("%s", __func__);
	} else if ((full = strdup(path)) == NULL)
		fatal("%s", __func__);

	if (reader == NULL && stat(full, &st) == 0) {
		TAILQ_FOREACH(f, &files, entry) {
			if (f->dev == st.st_dev && f->ino == st.st_ino) {
				yyerror("include \"%s\": include loop", path);
				free(full);
				return;
			}
		}
	}
	if ((nfile = pushfile(full, 1)) == NULL && reader != NULL &&
	    errno == EXDEV)
		yyerror("include %s: outside %s, read at start-up only; "
		    "restart the node", path, reader->dir);
	else if (nfile == NULL)
		yyerror("include \"%s\": %s", path, strerror(errno));
	else
		file = nfile;
	free(full);
}

struct ockam_conf *
parse_config(const char *path, int opts)
{
	struct sym	*sym, *next;

	if ((conf = config_new()) == NULL)
		fatal("%s", __func__);
	conf->opts = opts;
	errors = 0;
	lexerror = 0;
	csock_mode_set = 0;
	TAILQ_FOREACH(sym, &symhead, entry)
		sym->used = 0;

	if ((file = pushfile(path, 0)) == NULL) {
		log_warn("%s", path);
		config_free(conf);
		conf = NULL;
		return (NULL);
	}
	stmt_begin(conf, path);
	if (yyparse() != 0)
		errors++;
	if (errors == 0)
		errors += check_config();

	/* Left open only if the parser gave up in an included file. */
	while (file != NULL)
		popfile();
	pool_free();

	TAILQ_FOREACH_SAFE(sym, &symhead, entry, next) {
		if ((opts & OCKAM_OPT_VERBOSE) && !sym->used)
			log_warnx("warning: macro \"%s\" not used", sym->nam);
		if (!sym->persist) {
			TAILQ_REMOVE(&symhead, sym, entry);
			free(sym->nam);
			free(sym->val);
			free(sym);
		}
	}

	if (errors != 0) {
		config_free(conf);
		conf = NULL;
		return (NULL);
	}
	if (conf->user == NULL && (conf->user = strdup(OCKAM_USER)) == NULL)
		fatal("%s", __func__);
	if (conf->vault_user == NULL &&
	    (conf->vault_user = strdup(OCKAM_VAULT_USER)) == NULL)
		fatal("%s", __func__);
	if (conf->csock == NULL &&
	    (conf->csock = strdup(OCKAM_SOCKET)) == NULL)
		fatal("%s", __func__);
	if (!csock_mode_set)
		conf->csock_mode = OCKAM_SOCKET_MODE;
	return (conf);
}

static int
symset(const char *nam, const char *val, int persist)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(nam, sym->nam) == 0)
			break;
	if (sym != NULL) {
		if (sym->persist && !persist)
			return (0);
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}
	if ((sym = calloc(1, sizeof(*sym))) == NULL)
		return (-1);
	if ((sym->nam = strdup(nam)) == NULL ||
	    (sym->val = strdup(val)) == NULL) {
		free(sym->nam);
		free(sym);
		return (-1);
	}
	sym->persist = persist;
	TAILQ_INSERT_TAIL(&symhead, sym, entry);
	return (0);
}

static char *
symget(const char *nam)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry) {
		if (strcmp(nam, sym->nam) == 0) {
			sym->used = 1;
			return (sym->val);
		}
	}
	return (NULL);
}

static int
valid_macro_name(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!is_name_char((unsigned char)*s))
			return (0);
	return (1);
}

/* -D name=value */
int
cmdline_symset(char *s)
{
	char	*val, *nam;
	int	 ret;

	if ((val = strchr(s, '=')) == NULL)
		return (-1);
	if ((nam = strndup(s, val - s)) == NULL)
		return (-1);
	if (!valid_macro_name(nam)) {
		free(nam);
		errno = EINVAL;
		return (-1);
	}
	ret = symset(nam, val + 1, 1);
	free(nam);
	return (ret);
}

/*
 * Reload: files are opened by r->open (NULL: by name again), which
 * reaches r->dir alone; an include loop is then found by depth.
 */
void
parse_reader(const struct conf_reader *r)
{
	reader = r;
}

/* "file:line" of the statement being read, for whole-file checks. */
void
conf_where(char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d", file->name, file->lineno);
}

/* Forget the -D macros (tests, and a daemon that re-reads its flags). */
void
cmdline_symclear(void)
{
	struct sym	*sym;

	while ((sym = TAILQ_FIRST(&symhead)) != NULL) {
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}
}

static char *
pool_strdup(const char *s)
{
	struct pooled	*p;
	size_t		 len = strlen(s) + 1;

	if ((p = malloc(sizeof(*p) + len)) == NULL)
		fatal("%s", __func__);
	memcpy(p->str, s, len);
	SLIST_INSERT_HEAD(&strpool, p, entry);
	return (p->str);
}

static void
pool_free(void)
{
	struct pooled	*p;

	while ((p = SLIST_FIRST(&strpool)) != NULL) {
		SLIST_REMOVE_HEAD(&strpool, entry);
		free(p);
	}
}

static int
check_string(const char *what, const char *s)
{
	if (*s == '\0') {
		yyerror("%s: empty string", what);
		return (-1);
	}
	return (0);
}

static int
check_path(const char *what, const char *s)
{
	if (check_string(what, s) == -1)
		return (-1);
	if (s[0] != '/') {
		yyerror("%s \"%s\": not an absolute path", what, s);
		return (-1);
	}
	return (0);
}

/* A setting that may be given once. */
static void
set_string(char **dst, const char *what, const char *s)
{
	if (*dst != NULL) {
		yyerror("%s given twice", what);
		return;
	}
	if (check_string(what, s) == -1)
		return;
	if ((*dst = strdup(s)) == NULL)
		fatal("%s", __func__);
}

static void
set_csock(const char *path)
{
	if (conf->csock != NULL) {
		yyerror("control socket given twice");
		return;
	}
	if (check_path("control socket", path) == -1)
		return;
	if (strlen(path) >= SUN_PATH_MAX) {
		yyerror("control socket \"%s\": path too long (max %zu bytes)",
		    path, SUN_PATH_MAX - 1);
		return;
	}
	if ((conf->csock = strdup(path)) == NULL)
		fatal("%s", __func__);
}

/* An octal mode as chmod(1) takes it; "other" gets nothing. */
static void
set_csock_mode(const char *s)
{
	unsigned long	 mode = 0;
	const char	*p;

	if (csock_mode_set) {
		yyerror("control socket mode given twice");
		return;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7') {
			yyerror("control socket mode %s: not an octal number",
			    s);
			return;
		}
		if (mode <= 0777)
			mode = mode * 8 + (*p - '0');
	}
	if (mode > 0777) {
		yyerror("control socket mode %s: out of range (max 0777)", s);
		return;
	}
	if (mode & 0007) {
		yyerror("control socket mode %s: gives access to other users"
		    " (use group)", s);
		return;
	}
	conf->csock_mode = mode;
	csock_mode_set = 1;
}

static void
add_worker(enum worker_kind kind, const char *name)
{
	struct worker_conf	*w;

	if (check_string("worker address", name) == -1)
		return;
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid worker address \"%s\" (1 to %d printable"
		    " characters, no spaces)", name, OCKAM_ADDR_MAX);
		return;
	}
	if (config_name_taken(conf, name)) {
		yyerror("worker \"%s\" defined twice", name);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("%s", __func__);
	w->kind = kind;
	strlcpy(w->name, name, sizeof(w->name));
	TAILQ_INSERT_TAIL(&conf->workers, w, entry);
}
