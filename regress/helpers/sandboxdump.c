/* SPDX-License-Identifier: ISC */
/*
 * sandboxdump: print a role's seccomp filter as libseccomp pseudo-code,
 * so that tests (and auditors) can read what each process may do.
 *
 *	sandboxdump routed | vault | tcpd | streamd
 */
#include <err.h>
#include <string.h>

#include "common/poke.h"
#include "sandbox.h"

int
main(int argc, char *argv[])
{
	int	 role;

	if (argc != 2)
		errx(1, "usage: sandboxdump routed | vault | tcpd | streamd");
	if ((role = sandbox_role_of(argv[1])) == -1)
		errx(1, "unknown role %s", argv[1]);
	if (sandbox_dump(role, 1) == -1)
		errx(1, "cannot export the filter");
	return (0);
}
