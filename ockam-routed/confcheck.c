/* SPDX-License-Identifier: ISC */
/*
 * ockam-routed -nn: what the file cannot say by itself, checked on
 * this system without starting anything: the users and the group
 * exist, the chroot is fit for one, the directories the node needs
 * exist, and the TLS files can be read.  Each problem is reported;
 * the count is returned.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privsep.h"
#include "streamd.h"

/* The directory that holds path, which must exist. */
static int
check_parent(const char *what, const char *path)
{
	struct stat	 sb;
	char		 buf[PATH_MAX], *dir;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		log_warnx("%s %s: path too long", what, path);
		return (1);
	}
	dir = dirname(buf);
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		log_warnx("%s %s: directory %s: %s", what, path, dir,
		    errno != 0 ? strerror(errno) : "not a directory");
		return (1);
	}
	return (0);
}

static int
check_readable(const char *what, const char *path)
{
	if (path != NULL && access(path, R_OK) == -1) {
		log_warnx("%s %s: %s", what, path, strerror(errno));
		return (1);
	}
	return (0);
}

/* The Redis password file, read as routed reads it at start-up. */
static int
check_redis_creds(struct ockam_conf *conf)
{
	char	 user[STREAMD_REDIS_CRED], pass[STREAMD_REDIS_CRED];
	int	 r;

	if (conf->stream == NULL || conf->stream->redis_auth == NULL)
		return (0);
	r = stream_redis_creds(conf->stream->redis_auth, conf->user, user,
	    pass, sizeof(pass));
	explicit_bzero(pass, sizeof(pass));
	return (r == -1);
}

int
config_check_system(struct ockam_conf *conf)
{
	struct privsep_ids	 ids;
	struct listen_conf	*lc;
	struct stat		 sb;
	char			 err[512];
	int			 n = 0;

	if (privsep_lookup(conf->user, conf->chroot, &ids, err,
	    sizeof(err)) == -1) {
		log_warnx("user %s: %s", conf->user, err);
		n++;
	}
	if (privsep_lookup(conf->vault_user, conf->chroot, &ids, err,
	    sizeof(err)) == -1) {
		log_warnx("vault user %s: %s", conf->vault_user, err);
		n++;
	}
	if (conf->csock_group != NULL && getgrnam(conf->csock_group) == NULL) {
		log_warnx("control socket group %s: no such group",
		    conf->csock_group);
		n++;
	}
	n += check_parent("control socket", conf->csock);
	if (conf->vault_dir != NULL) {
		errno = 0;
		if (stat(conf->vault_dir, &sb) == 0) {
			if (!S_ISDIR(sb.st_mode)) {
				log_warnx("vault directory %s: not a directory",
				    conf->vault_dir);
				n++;
			}
		} else
			/* The vault makes it, in a directory that exists. */
			n += check_parent("vault directory", conf->vault_dir);
	}
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		n += check_readable("tls certificate", lc->cert);
		n += check_readable("tls key", lc->key);
	}
	n += check_readable("tls ca", conf->tls_ca);
	n += check_redis_creds(conf);
	return (n);
}
