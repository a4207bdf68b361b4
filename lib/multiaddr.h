/* SPDX-License-Identifier: ISC */
/*
 * Multiaddr text for routes: /service/NAME, /secure/NAME,
 * /ip4/A.B.C.D/tcp/PORT, /ip6/ADDR/tcp/PORT, /dnsaddr/HOST/tcp/PORT.
 */
#ifndef OCKAM_MULTIADDR_H
#define OCKAM_MULTIADDR_H

#include <stddef.h>

struct addr;
struct route;

int	multiaddr_parse(const char *, struct route *, char *, size_t);
int	multiaddr_print(const struct route *, char *, size_t);
int	addr_print(const struct addr *, char *, size_t);

#endif /* OCKAM_MULTIADDR_H */
