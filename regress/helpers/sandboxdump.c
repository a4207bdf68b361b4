/* SPDX-License-Identifier: ISC */
/*
 * sandboxdump: print a role's seccomp filter as libseccomp pseudo-code,
 * so that tests (and auditors) can read what each process may do.
 *
 *	sandboxdump routed | vault | tcpd
 */
#include <err.h>
#include <string.h>

#include "sandbox.h"

int
main(int argc, char *argv[])
{
	enum sandbox_role	 role;

	if (argc != 2)
		errx(1, "usage: sandboxdump routed | vault | tcpd");
	if (strcmp(argv[1], "routed") == 0)
		role = SANDBOX_ROUTED;
	else if (strcmp(argv[1], "vault") == 0)
		role = SANDBOX_VAULT;
	else if (strcmp(argv[1], "tcpd") == 0)
		role = SANDBOX_TCPD;
	else
		errx(1, "unknown role %s", argv[1]);
	if (sandbox_dump(role, 1) == -1)
		errx(1, "cannot export the filter");
	return (0);
}
