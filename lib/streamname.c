/* SPDX-License-Identifier: ISC */
/*
 * The one rule for a stream name (streamd.h): routed checks a name from
 * the network with it before it asks ockam-streamd anything, and
 * streamd checks it again before the name becomes a file name.
 */
#include <stddef.h>

#include "streamd.h"

int
streamd_name_valid(const char *name, size_t len)
{
	size_t	 i;
	char	 c;

	if (len == 0 || len >= STREAMD_NAME_MAX || name[0] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		c = name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.')
			continue;
		return (0);
	}
	return (1);
}
