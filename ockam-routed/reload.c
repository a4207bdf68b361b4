/* SPDX-License-Identifier: ISC */
/*
 * Reload (SIGHUP, ockamctl reload), all or nothing:
 *
 *	parse	the file again, through the descriptor of its directory
 *		that routed opened before its chroot (reload_init());
 *		errors at file:line, as at start-up
 *	check	that nothing that needs a restart changed, and give the
 *		listeners and inlets kept their ids (reloaddiff.c)
 *	bind	the new listeners and inlets: tcpd answers each; when
 *		one fails, those just bound are closed and the reload
 *		refused with tcpd's error
 *	apply	each module its part (reloadapply.c); the new
 *		configuration replaces the old, which is freed
 *
 * One reload at a time; the node keeps serving meanwhile.  Whoever
 * asked (a control client, or nobody for SIGHUP) hears how it went
 * once it is done, and the log has one line either way.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "control.h"
#include "ctl.h"
#include "limit.h"
#include "log.h"
#include "portals.h"
#include "reload.h"
#include "routed.h"
#include "sandbox.h"
#include "tcp.h"

struct rl_bind {
	struct reload		*r;
	int			 inlet;
	uint32_t		 id;
	int			 bound;
	char			 what[96];
};

struct reload {
	uint32_t		 client;	/* 0: SIGHUP */
	uint32_t		 reqid;
	struct ockam_conf	*conf;
	struct rl_bind		*binds;
	int			 nbinds;
	int			 waiting;	/* binds not answered */
	int			 failed;
	char			 why[CTL_MSG_MAX];
};

static struct ockam_conf	*live;
static struct reload		*cur;
static const char		*conffile;	/* as given */
static const char		*confbase;
static char			 confdir[PATH_MAX];	/* as given */
static char			 confreal[PATH_MAX];	/* resolved */
static char			*csock;		/* -s, or NULL */
static char			 user[64];	/* the node runs as */
static int			 confdirfd = -1;
static int			 confopts;
static char			 errs[CTL_MSG_MAX];	/* the parser's */
static int			 nerrs, errs_left;

static int	reload_open(const char *);
static const struct conf_reader reader = { reload_open, confreal };

/*
 * Start-up, before the chroot: keep the configuration's directory, the
 * only place a reload reads.  Without it reloads are refused.
 */
void
reload_init(struct ockam_conf *conf, const char *file, const char *sock)
{
	struct passwd	*pw;
	char		 buf[PATH_MAX];
	int		 fd;

	live = conf;
	conffile = file;
	confopts = conf->opts;
	if (sock != NULL && (csock = strdup(sock)) == NULL)
		fatal(NULL);
	strlcpy(buf, file, sizeof(buf));
	strlcpy(confdir, dirname(buf), sizeof(confdir));
	confbase = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
	if (realpath(confdir, confreal) == NULL)
		strlcpy(confreal, confdir, sizeof(confreal));
	if (geteuid() == 0)
		strlcpy(user, conf->user, sizeof(user));
	else if ((pw = getpwuid(getuid())) != NULL)
		strlcpy(user, pw->pw_name, sizeof(user));
	else
		snprintf(user, sizeof(user), "uid %u", (unsigned)getuid());
	if ((fd = open(confdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("%s: reload will be refused", confdir);
		return;
	}
	confdirfd = sandbox_keep_conf(fd);
}

int
reload_dirfd(void)
{
	return (confdirfd);
}

/* The configuration in force. */
struct ockam_conf *
reload_conf(void)
{
	return (live);
}

int
reload_busy(void)
{
	return (cur != NULL);
}

/* Names beneath the directory, without "..": its relative name. */
static const char *
reload_relative(const char *name)
{
	const char	*rel = NULL, *p;
	size_t		 len;

	if (strcmp(name, conffile) == 0)
		rel = confbase;
	else if (strchr(conffile, '/') == NULL && name[0] != '/')
		rel = name;
	else {
		len = strlen(confdir);
		if (strncmp(name, confdir, len) == 0 && name[len] == '/')
			rel = name + len + 1;
		len = strlen(confreal);
		if (rel == NULL && strncmp(name, confreal, len) == 0 &&
		    name[len] == '/')
			rel = name + len + 1;
	}
	if (rel == NULL || *rel == '\0' || *rel == '/')
		return (NULL);
	for (p = rel; p != NULL; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return (NULL);
	}
	return (rel);
}

/* The parser's opener: regular files beneath the directory alone. */
static int
reload_open(const char *name)
{
	struct stat	 st;
	const char	*rel;

	if (confdirfd == -1) {
		errno = EBADF;
		return (-1);
	}
	if ((rel = reload_relative(name)) == NULL) {
		errno = EXDEV;
		return (-1);
	}
	if (fstatat(confdirfd, rel, &st, 0) == -1)
		return (-1);
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return (-1);
	}
	return (openat(confdirfd, rel, O_RDONLY | O_CLOEXEC));
}

/* What the parser says goes to the log and to whoever asked. */
static void
reload_tee(int pri, const char *msg)
{
	size_t	 len = strlen(errs);

	(void)pri;
	if (errs_left || len + strlen(msg) + 2 > sizeof(errs) - 64) {
		errs_left++;
		return;
	}
	snprintf(errs + len, sizeof(errs) - len, "%s%s", len ? "\n" : "",
	    msg);
	nerrs++;
}

static void
reload_answer(uint32_t client, uint32_t reqid, uint32_t status,
    const char *msg)
{
	if (client != 0)
		control_report(client, reqid, status, msg);
	notify_ready();
}

static void
reload_free(struct reload *r)
{
	if (r->conf != NULL)
		config_free(r->conf);
	free(r->binds);
	free(r);
	if (cur == r)
		cur = NULL;
}

static void
reload_fail(struct reload *r, const char *why)
{
	log_warnx("reload of %s refused, the node keeps its configuration: "
	    "%s", conffile, why);
	reload_answer(r->client, r->reqid, CTL_ERR_CONFIG, why);
	reload_free(r);
}

static void
reload_done(struct reload *r)
{
	struct reload_sum	 sum;
	struct ockam_conf	*old = live;
	char			 msg[CTL_MSG_MAX];

	memset(&sum, 0, sizeof(sum));
	reload_apply(live, r->conf, &sum);
	live = r->conf;
	r->conf = NULL;
	config_free(old);
	strlcpy(msg, "reloaded: ", sizeof(msg));
	reload_summary(&sum, msg + strlen(msg), sizeof(msg) - strlen(msg));
	log_info("%s (%s)", msg, conffile);
	reload_answer(r->client, r->reqid, CTL_OK, msg);
	reload_free(r);
}

/* Every bind answered: undo them all if one failed, else apply. */
static void
reload_bound(struct reload *r)
{
	struct rl_bind	*b;
	int		 i;

	if (r->waiting > 0)
		return;
	if (!r->failed) {
		reload_done(r);
		return;
	}
	for (i = 0; i < r->nbinds; i++) {
		b = &r->binds[i];
		if (!b->bound)
			continue;
		if (b->inlet)
			inlet_stop(b->id);
		else {
			tcp_unbind(0, b->id);
			tcp_listener_gone(b->id);
		}
	}
	reload_fail(r, r->why);
}

static void
reload_bind_failed(struct rl_bind *b, const char *why)
{
	struct reload	*r = b->r;

	if (!r->failed)
		snprintf(r->why, sizeof(r->why), "%s: %s", b->what, why);
	r->failed = 1;
}

static void
reload_tcp_bound(void *arg, const struct tcp_bound *tb)
{
	struct rl_bind	*b = arg;

	b->r->waiting--;
	if (tb->error != 0)
		reload_bind_failed(b, strerror(tb->error));
	else {
		b->bound = 1;
		log_info("%s: bound to %s", b->what, tb->name);
	}
	reload_bound(b->r);
}

static void
reload_inlet_started(void *arg, int error, const char *msg)
{
	struct rl_bind	*b = arg;

	b->r->waiting--;
	if (error != 0)
		reload_bind_failed(b, msg != NULL ? msg : strerror(error));
	else
		b->bound = 1;
	reload_bound(b->r);
}

static int
conf_has_listener(struct ockam_conf *conf, uint32_t id)
{
	struct listen_conf	*lc;

	TAILQ_FOREACH(lc, &conf->listeners, entry)
		if (lc->id == id)
			return (1);
	return (0);
}

static int
conf_has_inlet(struct ockam_conf *conf, uint32_t id)
{
	struct inlet_conf	*ic;

	TAILQ_FOREACH(ic, &conf->inlets, entry)
		if (ic->id == id)
			return (1);
	return (0);
}

/* A listener the pending reload bound, before it applies. */
struct listen_conf *
reload_listener(uint32_t id)
{
	struct listen_conf	*lc;

	if (cur == NULL || cur->conf == NULL)
		return (NULL);
	TAILQ_FOREACH(lc, &cur->conf->listeners, entry)
		if (lc->id == id)
			return (lc);
	return (NULL);
}

static int
reload_bind_listener(struct reload *r, struct listen_conf *lc)
{
	struct rl_bind	*b = &r->binds[r->nbinds];
	struct tcp_listen tl;

	memset(&tl, 0, sizeof(tl));
	tl.id = lc->id;
	tl.family = lc->family;
	tl.port = lc->port;
	strlcpy(tl.addr, lc->addr, sizeof(tl.addr));
	b->r = r;
	b->id = lc->id;
	snprintf(b->what, sizeof(b->what), "listen on %s port %u", lc->addr,
	    lc->port);
	if (tcp_bind(0, &tl, reload_tcp_bound, b) == -1) {
		snprintf(r->why, sizeof(r->why), "%s: %s", b->what,
		    errno == EPERM ? "this node has \"listen static\": a new "
		    "listener needs a restart" : strerror(errno));
		return (-1);
	}
	r->nbinds++;
	r->waiting++;
	return (0);
}

/*
 * inlet_start() gives ic the inlet's id and calls back exactly once,
 * at once when it returns -1 (reload_inlet_started() then counts the
 * failure).
 */
static int
reload_bind_inlet(struct reload *r, struct inlet_conf *ic, int leaving)
{
	struct rl_bind	*b = &r->binds[r->nbinds];

	b->r = r;
	b->inlet = 1;
	snprintf(b->what, sizeof(b->what), "inlet on %s port %u", ic->addr,
	    ic->port);
	r->nbinds++;
	r->waiting++;
	if (inlet_start(ic, leaving, reload_inlet_started, b) == -1)
		return (-1);
	b->id = ic->id;
	return (0);
}

/* Ask tcpd for what is new; the answers come to reload_bound(). */
static void
reload_bind(struct reload *r)
{
	struct listen_conf	*lc;
	struct inlet_conf	*ic;
	int			 n = 0, leaving = 0;

	/* The inlets this reload removes: their places are taken. */
	TAILQ_FOREACH(ic, &live->inlets, entry)
		if (!conf_has_inlet(r->conf, ic->id))
			leaving++;
	TAILQ_FOREACH(lc, &r->conf->listeners, entry)
		n++;
	TAILQ_FOREACH(ic, &r->conf->inlets, entry)
		n++;
	if ((r->binds = calloc(n + 1, sizeof(*r->binds))) == NULL)
		fatal(NULL);
	/* waiting stays above 0 until every bind is asked. */
	r->waiting++;
	TAILQ_FOREACH(lc, &r->conf->listeners, entry)
		if (!conf_has_listener(live, lc->id) &&
		    reload_bind_listener(r, lc) == -1) {
			r->failed = 1;
			break;
		}
	TAILQ_FOREACH(ic, &r->conf->inlets, entry)
		if (!r->failed && !conf_has_inlet(live, ic->id) &&
		    reload_bind_inlet(r, ic, leaving) == -1) {
			r->failed = 1;
			break;
		}
	r->waiting--;
	reload_bound(r);
}

/* Read the file again, through the directory kept. */
static struct ockam_conf *
reload_parse(char *why, size_t len)
{
	struct ockam_conf	*conf;
	int			 fd, saved;

	if ((fd = reload_open(conffile)) == -1) {
		if (errno == EBADF)
			snprintf(why, len, "cannot read %s: its directory "
			    "was not open at start-up; restart the node",
			    conffile);
		else {
			saved = errno;
			snprintf(why, len, "cannot read %s as %s: %s",
			    conffile, user, strerror(saved));
			/* Landlock's refusal looks like the file's mode. */
			if (saved == EACCES) {
				strlcat(why, " (the node reads it as its user, "
				    "beneath ", len);
				strlcat(why, confdir, len);
				strlcat(why, " only: not through a link out of "
				    "it)", len);
			}
		}
		return (NULL);
	}
	close(fd);
	errs[0] = '\0';
	nerrs = errs_left = 0;
	log_tee(reload_tee);
	parse_reader(&reader);
	conf = parse_config(conffile, confopts);
	parse_reader(NULL);
	log_tee(NULL);
	if (conf == NULL) {
		if (errs_left)
			snprintf(why, len, "%s\n(%d more in the log)", errs,
			    errs_left);
		else
			snprintf(why, len, "%s", nerrs ? errs :
			    "the configuration has errors");
		return (NULL);
	}
	if (csock != NULL) {
		free(conf->csock);
		if ((conf->csock = strdup(csock)) == NULL)
			fatal(NULL);
	}
	return (conf);
}

/*
 * SIGHUP (client 0) or ockamctl reload: parse, check, bind, apply.
 * The answer comes when it is done.
 */
void
reload_request(uint32_t client, uint32_t reqid)
{
	struct reload	*r;

	if (cur != NULL) {
		log_warnx("reload of %s: one is in progress", conffile);
		if (client != 0)
			control_report(client, reqid, CTL_ERR_CONFIG,
			    "a reload is in progress");
		return;
	}
	notify_reloading();
	log_info("reloading %s", conffile);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal(NULL);
	r->client = client;
	r->reqid = reqid;
	cur = r;
	if ((r->conf = reload_parse(r->why, sizeof(r->why))) == NULL ||
	    reload_diff(live, r->conf, r->why, sizeof(r->why)) == -1 ||
	    reload_ids(live, r->conf, r->why, sizeof(r->why)) == -1 ||
	    reload_names(live, r->conf, r->why, sizeof(r->why)) == -1) {
		reload_fail(r, r->why);
		return;
	}
	reload_bind(r);
}

/* ockamctl reload: answered when it is done. */
void
ctl_reload(uint32_t conn, struct imsg *imsg, const char *arg)
{
	(void)arg;
	reload_request(conn, imsg->hdr.peerid);
}

/* The node stops: a reload waiting for tcpd is dropped. */
void
reload_shutdown(void)
{
	if (cur != NULL)
		reload_free(cur);
	if (confdirfd != -1)
		close(confdirfd);
	confdirfd = -1;
	free(csock);
	csock = NULL;
}
