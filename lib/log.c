/* SPDX-License-Identifier: ISC */
/*
 * Logging for all ockam-c processes, modelled on bgpd's log.c:
 * syslog by default, stderr in the foreground (-d).  Every line from
 * fatal() and fatalx() names the process role, so an operator reading
 * the log knows which of the three processes gave up.  In the
 * foreground under systemd (stderr is the journal: $JOURNAL_STREAM
 * names its device and inode), each line starts with "<N>", its
 * syslog priority, so the journal keeps the levels (sd-daemon(3)).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 debug;
static int		 verbose;
static int		 journal;	/* stderr is systemd's journal */

static int		 log_journal(void);
static const char	*procname = "ockam";
static void		(*tee)(int, const char *);	/* log_tee() */

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	verbose = n_debug;
	journal = debug && log_journal();
	log_procinit(procname);
	if (!debug)
		openlog(NULL, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/* Is stderr the stream $JOURNAL_STREAM ("DEV:INO") names? */
static int
log_journal(void)
{
	struct stat		 sb;
	const char		*js;
	unsigned long long	 dev, ino;
	char			 end;

	if ((js = getenv("JOURNAL_STREAM")) == NULL ||
	    sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &sb) == -1)
		return (0);
	return ((unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino);
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		procname = name;
}

const char *
log_procname(void)
{
	return (procname);
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return (verbose);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	buf[1024];
	int	saved_errno = errno;
	va_list	ap2;

	if (tee != NULL && pri <= LOG_WARNING) {
		va_copy(ap2, ap);
		vsnprintf(buf, sizeof(buf), fmt, ap2);
		va_end(ap2);
		tee(pri, buf);
	}
	if (debug) {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		if (journal)
			fprintf(stderr, "<%d>%s: %s\n", LOG_PRI(pri), procname,
			    buf);
		else
			fprintf(stderr, "%s: %s\n", procname, buf);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

/*
 * While fn is set, it also gets each warning and error, as written (a
 * reload gathers what the parser says, for ockamctl: reload.c).
 */
void
log_tee(void (*fn)(int, const char *))
{
	tee = fn;
}

void
log_warn(const char *emsg, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 saved_errno = errno;

	if (emsg == NULL)
		logit(LOG_ERR, "%s", strerror(saved_errno));
	else {
		va_start(ap, emsg);
		vsnprintf(buf, sizeof(buf), emsg, ap);
		va_end(ap);
		logit(LOG_ERR, "%s: %s", buf, strerror(saved_errno));
	}
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	 ap;

	if (verbose > 1) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static struct log_count	*counts;	/* that have logged */

static time_t
log_clock(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (ts.tv_sec);
}

static void
log_count_write(struct log_count *c, time_t now)
{
	if (c->n == 1)
		logit(c->pri, "%s: %s", c->what, c->detail);
	else
		logit(c->pri, "%s: %llu times in %llds, %llu in all (last: %s)",
		    c->what, (unsigned long long)c->n,
		    (long long)(now - c->last > 0 ? now - c->last : 1),
		    (unsigned long long)c->total, c->detail);
	c->n = 0;
	c->last = now;
}

/* One more event of cause c; fmt describes it (the newest is shown). */
void
log_count(struct log_count *c, const char *fmt, ...)
{
	va_list	 ap;
	time_t	 now;
	int	 saved_errno = errno;

	if (c->pri == LOG_DEBUG && verbose <= 1)
		return;
	now = log_clock();
	c->n++;
	c->total++;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!c->listed) {
		c->next = counts;
		counts = c;
		c->listed = 1;
		c->last = now - LOG_COUNT_INTERVAL;
	}
	if (now - c->last >= LOG_COUNT_INTERVAL)
		log_count_write(c, now);
	errno = saved_errno;
}

static int
log_count_flush_all(int all)
{
	struct log_count	*c;
	time_t			 now;
	int			 wait = -1;

	if (counts == NULL)
		return (-1);
	now = log_clock();
	for (c = counts; c != NULL; c = c->next) {
		if (c->n == 0)
			continue;
		if (all || now - c->last >= LOG_COUNT_INTERVAL)
			log_count_write(c, now);
		else
			wait = 1000;
	}
	return (wait);
}

/*
 * Write what was counted and not yet said, for each cause whose interval
 * has passed.  Returns the milliseconds until the next call is due, -1
 * when nothing waits.
 */
int
log_count_flush(void)
{
	return (log_count_flush_all(0));
}

/* At exit: everything counted and not yet said, now. */
void
log_count_final(void)
{
	log_count_flush_all(1);
}

static __dead void
vfatalc(int code, const char *emsg, va_list ap)
{
	char	 buf[1024];

	if (emsg != NULL)
		vsnprintf(buf, sizeof(buf), emsg, ap);
	else
		buf[0] = '\0';
	if (code != 0)
		logit(LOG_CRIT, "fatal in %s: %s%s%s", procname, buf,
		    buf[0] != '\0' ? ": " : "", strerror(code));
	else
		logit(LOG_CRIT, "fatal in %s: %s", procname, buf);
	exit(1);
}

void
fatal(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
	va_end(ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
	va_end(ap);
}
