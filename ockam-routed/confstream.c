/* SPDX-License-Identifier: ISC */
/*
 * The stream statement of ockam.conf(5) (STREAMS), for parse.y:
 *
 *	stream service NAME index NAME storage embedded directory DIR
 *	    [retain size SIZE] [retain age TIME]
 *
 * One per node.  Its two names are worker addresses like any other;
 * the directory is where ockam-streamd keeps the streams, which routed
 * starts only for a node that has this statement.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "route.h"

#define RETAIN_AGE_MAX	(10U * 365 * 86400)	/* ten years */

static int
service_name(struct ockam_conf *conf, const char *what, const char *name)
{
	if (addr_valid(OCKAM_ADDR_LOCAL, name, strlen(name)) == -1) {
		yyerror("invalid %s address \"%s\"", what, name);
		return (-1);
	}
	if (config_name_taken(conf, name)) {
		yyerror("worker \"%s\" defined twice", name);
		return (-1);
	}
	return (0);
}

void
stream_service(struct ockam_conf *conf, const char *service,
    const char *index, const char *dir)
{
	struct stream_conf	*sc;

	if (conf->stream != NULL) {
		yyerror("stream service given twice");
		return;
	}
	if (service_name(conf, "stream service", service) == -1 ||
	    service_name(conf, "stream index", index) == -1)
		return;
	if (strcmp(service, index) == 0) {
		yyerror("stream service and index both \"%s\"", service);
		return;
	}
	if (strlen(dir) >= PATH_MAX) {
		yyerror("stream directory path too long");
		return;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL ||
	    (sc->dir = strdup(dir)) == NULL)
		fatal("%s", __func__);
	strlcpy(sc->service, service, sizeof(sc->service));
	strlcpy(sc->index, index, sizeof(sc->index));
	conf->stream = sc;
}

/* A number and a unit from units ("" is 1); -1 on anything else. */
static int
parse_units(const char *s, const char *const *units,
    const unsigned long long *mul, unsigned long long max,
    unsigned long long *v)
{
	unsigned long long	 n;
	char			*end;
	int			 i;

	if (s[0] < '0' || s[0] > '9')
		return (-1);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	for (i = 0; units[i] != NULL; i++)
		if (strcmp(end, units[i]) == 0)
			break;
	if (units[i] == NULL || n > max / mul[i])
		return (-1);
	*v = n * mul[i];
	return (0);
}

void
stream_retain_size(struct ockam_conf *conf, const char *s)
{
	static const char *const	 units[] = {
		"", "K", "M", "G", "T", NULL
	};
	static const unsigned long long	 mul[] = {
		1, 1ULL << 10, 1ULL << 20, 1ULL << 30, 1ULL << 40
	};
	unsigned long long		 v;

	if (conf->stream == NULL)
		return;		/* the statement failed: said already */
	if (conf->stream->retain_bytes != 0) {
		yyerror("retain size given twice");
		return;
	}
	if (parse_units(s, units, mul, 1ULL << 50, &v) == -1 || v < 65536) {
		yyerror("retain size \"%s\": a size of at least 64K, with K, "
		    "M, G or T", s);
		return;
	}
	conf->stream->retain_bytes = v;
}

void
stream_retain_age(struct ockam_conf *conf, const char *s)
{
	static const char *const	 units[] = {
		"", "s", "m", "h", "d", NULL
	};
	static const unsigned long long	 mul[] = {
		1, 1, 60, 3600, 86400
	};
	unsigned long long		 v;

	if (conf->stream == NULL)
		return;
	if (conf->stream->retain_age != 0) {
		yyerror("retain age given twice");
		return;
	}
	if (parse_units(s, units, mul, RETAIN_AGE_MAX, &v) == -1 || v < 60) {
		yyerror("retain age \"%s\": a time of at least 60 seconds, "
		    "in s, m, h or d, at most ten years", s);
		return;
	}
	conf->stream->retain_age = v;
}

int
stream_name_taken(struct ockam_conf *conf, const char *name)
{
	return (conf->stream != NULL &&
	    (strcmp(conf->stream->service, name) == 0 ||
	    strcmp(conf->stream->index, name) == 0));
}

void
print_stream(struct ockam_conf *conf)
{
	struct stream_conf	*sc = conf->stream;

	if (sc == NULL)
		return;
	printf("\nstream service ");
	print_string(sc->service);
	printf(" index ");
	print_string(sc->index);
	printf(" storage embedded directory ");
	print_string(sc->dir);
	if (sc->retain_bytes != 0)
		printf(" retain size %llu",
		    (unsigned long long)sc->retain_bytes);
	if (sc->retain_age != 0)
		printf(" retain age %us", sc->retain_age);
	printf("\n");
}

void
stream_conf_free(struct ockam_conf *conf)
{
	if (conf->stream == NULL)
		return;
	free(conf->stream->dir);
	free(conf->stream);
	conf->stream = NULL;
}
