/* SPDX-License-Identifier: ISC */
/*
 * The Redis ACL user and password of a hub's stream storage
 * (ockam.conf(5) password-file), read by routed at start-up, before
 * it drops its privileges, and sent to ockam-streamd with its
 * configuration.  The file must be a regular file owned by root or by
 * the node's user, with no access for group and others (0600), and
 * hold one line: "USER PASSWORD", or "PASSWORD" alone for Redis's
 * default user.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define CREDS_FILE_MAX	1024

/*
 * Read path into user and pass (size bytes each): 0, or -1 with the
 * reason logged.
 */
int
stream_redis_creds(const char *path, const char *nodeuser, char *user,
    char *pass, size_t size)
{
	struct passwd	*pw;
	struct stat	 sb;
	char		 buf[CREDS_FILE_MAX + 1], *nl, *sp, *pw_part;
	ssize_t		 n;
	int		 fd, r = -1;

	user[0] = pass[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("password-file %s", path);
		return (-1);
	}
	pw = getpwnam(nodeuser);
	if (fstat(fd, &sb) == -1) {
		log_warn("password-file %s", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		log_warnx("password-file %s: must be a regular file of mode "
		    "0600", path);
		goto out;
	}
	if (sb.st_uid != 0 && (pw == NULL || sb.st_uid != pw->pw_uid)) {
		log_warnx("password-file %s: must be owned by root or %s",
		    path, nodeuser);
		goto out;
	}
	if ((n = read(fd, buf, sizeof(buf))) == -1) {
		log_warn("password-file %s", path);
		goto out;
	}
	if (n > CREDS_FILE_MAX) {
		log_warnx("password-file %s: over %d bytes", path,
		    CREDS_FILE_MAX);
		goto out;
	}
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	if (strlen(buf) != (size_t)n - (nl != NULL)) {
		log_warnx("password-file %s: one line, no NUL", path);
		goto out;
	}
	pw_part = buf;
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp = '\0';
		pw_part = sp + 1;
		if (strlcpy(user, buf, size) >= size || buf[0] == '\0') {
			log_warnx("password-file %s: user name empty or too "
			    "long", path);
			goto out;
		}
	}
	if (pw_part[0] == '\0' || strlcpy(pass, pw_part, size) >= size) {
		log_warnx("password-file %s: password empty or too long",
		    path);
		goto out;
	}
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (r == -1) {
		explicit_bzero(user, size);
		explicit_bzero(pass, size);
	}
	close(fd);
	return (r);
}
