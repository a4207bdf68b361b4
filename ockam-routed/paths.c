/* SPDX-License-Identifier: ISC */
/*
 * Where ockam-routed looks for what it was installed with (the
 * Makefile's PREFIX, SYSCONFDIR and LIBEXECDIR, made into paths.h): its
 * configuration file, and the directory of ockam-vaultd and ockam-tcpd,
 * which is -X when given, else its own directory when both are there
 * (the build tree), else the libexec directory.
 */
#include <sys/types.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "routed.h"

const char *
default_conffile(void)
{
	return (OCKAM_CONFFILE);
}

static int
has_helpers(const char *dir)
{
	char	 p[PATH_MAX];
	int	 i;

	for (i = 0; i < CHILD_MAX; i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir,
		    children[i].prog) >= sizeof(p) || access(p, X_OK) == -1)
			return (0);
	}
	return (1);
}

void
helper_dir(const char *override, char *dir, size_t len)
{
	char	 path[PATH_MAX];
	ssize_t	 n;

	if (override != NULL) {
		if (strlcpy(dir, override, len) >= len)
			fatalx("-X %s: path too long", override);
		return;
	}
	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	path[n] = '\0';
	if (strlcpy(dir, dirname(path), len) >= len)
		fatalx("path of ockam-routed too long");
	if (!has_helpers(dir) && strlcpy(dir, OCKAM_LIBEXECDIR, len) >= len)
		fatalx("libexec directory path too long");
}
