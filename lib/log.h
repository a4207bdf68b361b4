/* SPDX-License-Identifier: ISC */
/*
 * Logging in the style of bgpd's log.c: syslog, or stderr when
 * running in the foreground.  fatal() and fatalx() name the process.
 */
#ifndef OCKAM_LOG_H
#define OCKAM_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

void	log_init(int, int);
void	log_procinit(const char *);
const char *log_procname(void);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_warn(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_tee(void (*)(int, const char *));
void	logit(int, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	vlog(int, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));
/*
 * A cause of log lines that a peer can repeat at will (a dropped frame,
 * a bound reached): its first event is logged at once, later ones are
 * counted and written as one line per cause at most every
 * LOG_COUNT_INTERVAL seconds, by log_count() itself or by
 * log_count_flush(), which the main loops call.
 */
#define LOG_COUNT_INTERVAL	1
struct log_count {
	const char		*what;
	int			 pri;
	int			 listed;
	uint64_t		 n;		/* not yet written */
	uint64_t		 total;
	time_t			 last;		/* a line was written */
	char			 detail[160];	/* of the newest event */
	struct log_count	*next;
};
#define LOG_COUNT_INIT(pri, what)	{ (what), (pri), 0, 0, 0, 0, "", NULL }

void	log_count(struct log_count *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	log_count_flush(void);
void	log_count_final(void);
__dead void fatal(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
__dead void fatalx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));

#endif /* OCKAM_LOG_H */
