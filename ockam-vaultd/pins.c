/* SPDX-License-Identifier: ISC */
/*
 * Pins of secure channel initiators (vault.h, IMSG_VAULT_PIN): which
 * responder identifier answered on a route, as ssh's known_hosts.  They
 * live in the file "pins" of the key directory, one a line:
 *
 *	ROUTE IDENTIFIER
 *
 * ROUTE is the route text ockam-routed was given, IDENTIFIER "I" and 64
 * lower-case hex digits.  Blank lines and lines starting with '#' are
 * ignored; an operator removes a pin by deleting its line.  The file is
 * read again for every request (the operator may edit it while the node
 * runs), must be a regular file of the vault's user with mode 0600 like
 * the keys, and holds at most LIMIT_PINS pins.  A new pin is appended
 * with one write() and fsync()ed; a pin is removed by writing the file
 * again and renaming it into place.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "limit.h"
#include "log.h"
#include "pins.h"
#include "util.h"

#define PINS_FILE	"pins"
#define PINS_TMP	".tmp.pins"	/* keystore_open() sweeps it */
#define PINS_LINE	(VAULT_PIN_KEY_MAX + VAULT_PIN_ID_MAX + 2)

static int		 pins_dirfd = -1;
static const char	*pins_dir = "";
static uid_t		 pins_uid;	/* owns the file */

/* Before the sandbox, as the user that owns the key directory. */
void
pins_init(int dirfd, const char *dir)
{
	pins_dirfd = dirfd;
	pins_dir = dir;
	pins_uid = geteuid();
}

/* What a key may hold (routed checks it so). */
int
pins_key_ok(const char *key)
{
	return (printable_word(key, VAULT_PIN_KEY_MAX));
}

/* "I" and 64 lower-case hex digits. */
int
pins_id_ok(const char *id)
{
	size_t	 i;

	if (strnlen(id, VAULT_PIN_ID_MAX) != VAULT_PIN_ID_MAX - 1 ||
	    id[0] != 'I')
		return (0);
	for (i = 1; i < VAULT_PIN_ID_MAX - 1; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return (0);
	return (1);
}

/*
 * One line, its newline gone: 1, a pin (line is cut to its key, *id
 * points at its identifier); 0, blank or a comment; -1, malformed.
 */
static int
pins_parse(char *line, char **id)
{
	char	*sp;

	if (line[0] == '\0' || line[0] == '#')
		return (0);
	if ((sp = strchr(line, ' ')) == NULL)
		return (-1);
	*sp++ = '\0';
	if (!pins_key_ok(line) || !pins_id_ok(sp))
		return (-1);
	*id = sp;
	return (1);
}

/*
 * Scan the file for key: the pinned id into id (or "" when none), the
 * number of pins into *count, whether it ends in a newline into *eol.
 * With copy, every line but key's pins (and those too long) is written
 * to it.  VAULT_OK, or VAULT_ERR_IO (logged).
 */
static uint32_t
pins_scan(const char *key, char *id, size_t *count, int *eol, FILE *copy)
{
	struct stat	 sb;
	FILE		*f;
	char		 line[PINS_LINE], orig[PINS_LINE], *nl, *pid;
	const char	*why = NULL;
	size_t		 bad = 0;
	int		 fd, r, werr = 0;

	id[0] = '\0';
	*count = 0;
	*eol = 1;
	if ((fd = openat(pins_dirfd, PINS_FILE, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (VAULT_OK);
		log_warn("pins file %s/%s", pins_dir, PINS_FILE);
		return (VAULT_ERR_IO);
	}
	if (fstat(fd, &sb) == -1)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sb.st_uid != pins_uid)
		why = "not owned by the vault's user";
	else if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		why = "group or others have access (must be mode 0600)";
	else if (sb.st_size > (off_t)limit(LIMIT_PINS) * PINS_LINE)
		why = "larger than limit pins allows";
	if (why != NULL || (f = fdopen(fd, "r")) == NULL) {
		log_warnx("pins file %s/%s: %s: refused", pins_dir, PINS_FILE,
		    why != NULL ? why : strerror(errno));
		close(fd);
		return (VAULT_ERR_IO);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		else if (!feof(f)) {
			/* Too long: skip the rest of it. */
			bad++;
			while (fgets(line, sizeof(line), f) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			continue;
		}
		*eol = nl != NULL;
		strlcpy(orig, line, sizeof(orig));
		if ((r = pins_parse(line, &pid)) == -1)
			bad++;
		else if (r == 1 && strcmp(line, key) == 0) {
			if (id[0] == '\0')
				strlcpy(id, pid, VAULT_PIN_ID_MAX);
			if (copy != NULL)
				continue;
		}
		if (r == 1)
			(*count)++;
		if (copy != NULL && fprintf(copy, "%s\n", orig) < 0)
			werr = 1;
	}
	if (ferror(f) || werr) {
		log_warn("pins file %s/%s: %s", pins_dir, PINS_FILE,
		    werr ? "write" : "read");
		fclose(f);
		return (VAULT_ERR_IO);
	}
	fclose(f);
	if (bad > 0)
		log_warnx("pins file %s/%s: %zu malformed lines ignored",
		    pins_dir, PINS_FILE, bad);
	return (VAULT_OK);
}

uint32_t
pins_lookup(const char *key, char *id)
{
	size_t		 count;
	uint32_t	 status;
	int		 eol;

	if (pins_dirfd == -1)
		return (VAULT_ERR_IO);
	if ((status = pins_scan(key, id, &count, &eol, NULL)) != VAULT_OK)
		return (status);
	return (id[0] != '\0' ? VAULT_OK : VAULT_ERR_NOTFOUND);
}

/* Pin id for key unless something is pinned already (into pinned). */
uint32_t
pins_record(const char *key, const char *id, char *pinned)
{
	char		 line[PINS_LINE + 1];
	size_t		 count, len, off = 0;
	ssize_t		 n;
	uint32_t	 status;
	int		 eol, fd;

	if (pins_dirfd == -1)
		return (VAULT_ERR_IO);
	if ((status = pins_scan(key, pinned, &count, &eol, NULL)) != VAULT_OK)
		return (status);
	if (pinned[0] != '\0')
		return (strcmp(pinned, id) == 0 ? VAULT_OK :
		    VAULT_ERR_CHANGED);
	if (count >= limit(LIMIT_PINS)) {
		log_warnx("pins file %s/%s: %zu pins, the limit: not pinning "
		    "%s", pins_dir, PINS_FILE, count, key);
		return (VAULT_ERR_LIMIT);
	}
	/* A line a crash cut short is ended first. */
	len = (size_t)snprintf(line, sizeof(line), "%s%s %s\n",
	    eol ? "" : "\n", key, id);
	if ((fd = openat(pins_dirfd, PINS_FILE, O_WRONLY | O_APPEND |
	    O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)) == -1) {
		log_warn("pins file %s/%s", pins_dir, PINS_FILE);
		return (VAULT_ERR_IO);
	}
	while (off < len) {
		if ((n = write(fd, line + off, len - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_warn("pins file %s/%s: write", pins_dir, PINS_FILE);
			close(fd);
			return (VAULT_ERR_IO);
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		log_warn("pins file %s/%s: fsync", pins_dir, PINS_FILE);
		return (VAULT_ERR_IO);
	}
	strlcpy(pinned, id, VAULT_PIN_ID_MAX);
	log_info("pinned %s for %s", id, key);
	return (VAULT_OK);
}

/*
 * Remove the pins of key (the identifier into removed): the file is
 * written again without them, to a temporary file renamed over it.
 * VAULT_OK, VAULT_ERR_NOTFOUND, or VAULT_ERR_IO (logged).
 */
uint32_t
pins_remove(const char *key, char *removed)
{
	FILE		*copy;
	size_t		 count;
	uint32_t	 status;
	int		 eol, fd;

	if (pins_dirfd == -1)
		return (VAULT_ERR_IO);
	if (unlinkat(pins_dirfd, PINS_TMP, 0) == -1 && errno != ENOENT)
		log_warn("cannot remove %s/%s", pins_dir, PINS_TMP);
	if ((fd = openat(pins_dirfd, PINS_TMP, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    (copy = fdopen(fd, "w")) == NULL) {
		log_warn("pins file %s/%s", pins_dir, PINS_TMP);
		if (fd != -1)
			close(fd);
		return (VAULT_ERR_IO);
	}
	status = pins_scan(key, removed, &count, &eol, copy);
	if (status == VAULT_OK && removed[0] == '\0')
		status = VAULT_ERR_NOTFOUND;
	if (status == VAULT_OK && (fflush(copy) == EOF ||
	    fsync(fileno(copy)) == -1)) {
		log_warn("pins file %s/%s: write", pins_dir, PINS_TMP);
		status = VAULT_ERR_IO;
	}
	if (fclose(copy) == EOF && status == VAULT_OK) {
		log_warn("pins file %s/%s: close", pins_dir, PINS_TMP);
		status = VAULT_ERR_IO;
	}
	if (status == VAULT_OK && renameat(pins_dirfd, PINS_TMP, pins_dirfd,
	    PINS_FILE) == -1) {
		log_warn("pins file %s/%s", pins_dir, PINS_FILE);
		status = VAULT_ERR_IO;
	}
	if (status != VAULT_OK) {
		if (unlinkat(pins_dirfd, PINS_TMP, 0) == -1)
			log_warn("cannot remove %s/%s", pins_dir, PINS_TMP);
		return (status);
	}
	if (fsync(pins_dirfd) == -1)
		log_warn("pins directory %s: fsync", pins_dir);
	log_info("unpinned %s for %s", removed, key);
	return (VAULT_OK);
}
