/* SPDX-License-Identifier: ISC */
/*
 * Peer names and addresses.  A peer name is "A.B.C.D:PORT",
 * "[IPv6]:PORT" or "HOST:PORT" (lib/tcp.h).  Host names are looked up
 * in a copy of /etc/hosts read at start-up, before the chroot: tcpd
 * has no file and no resolver afterwards, and the DNS is not asked
 * (ockam-tcpd.8 says why).  "localhost" is the loopback address even
 * when /etc/hosts does not say so.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "tcpd.h"

#define HOSTS_MAX	65536		/* entries kept from /etc/hosts */

struct host_entry {
	char			*name;
	int			 family;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 a;
};

static struct host_entry	*hosts;
static size_t			 nhosts, hostscap;

static int	 host_add(const char *, int, const void *);
static int	 host_name_ok(const char *);
static void	 sa_make(struct sockaddr_storage *, int, const void *,
		    uint16_t);

static int
host_add(const char *name, int family, const void *addr)
{
	struct host_entry	*h;

	if (nhosts == HOSTS_MAX)
		return (-1);
	if (nhosts == hostscap) {
		hostscap = hostscap == 0 ? 16 : hostscap * 2;
		if ((h = reallocarray(hosts, hostscap, sizeof(*hosts))) ==
		    NULL)
			fatal("hosts");
		hosts = h;
	}
	h = &hosts[nhosts];
	memset(h, 0, sizeof(*h));
	if ((h->name = strdup(name)) == NULL)
		fatal("hosts");
	h->family = family;
	if (family == AF_INET)
		memcpy(&h->a.v4, addr, sizeof(h->a.v4));
	else
		memcpy(&h->a.v6, addr, sizeof(h->a.v6));
	nhosts++;
	return (0);
}

/*
 * Read the hosts file into memory (start-up, before the chroot).  A
 * missing file leaves numeric addresses and "localhost".
 */
void
hosts_load(const char *path)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	FILE		*f;
	char		*line = NULL, *p, *tok, *save;
	size_t		 linesize = 0;
	int		 family;

	if ((f = fopen(path, "re")) == NULL) {
		log_warn("%s: only numeric addresses and localhost can be "
		    "connected", path);
		return;
	}
	while (getline(&line, &linesize, f) != -1) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		if ((tok = strtok_r(line, " \t\r\n", &save)) == NULL)
			continue;
		if (inet_pton(AF_INET, tok, &a4) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, tok, &a6) == 1)
			family = AF_INET6;
		else
			continue;	/* scoped or not an address */
		while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
			if (!host_name_ok(tok))
				continue;
			if (host_add(tok, family, family == AF_INET ?
			    (void *)&a4 : (void *)&a6) == -1) {
				log_warnx("%s: more than %d names, the rest "
				    "is ignored", path, HOSTS_MAX);
				goto done;
			}
		}
	}
	if (ferror(f))
		log_warn("%s", path);
 done:
	free(line);
	fclose(f);
	log_debug("%zu names from %s", nhosts, path);
}

/* Letters, digits, '-', '_' and '.', as names in /etc/hosts are. */
static int
host_name_ok(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len >= TCPD_HOST_MAX)
		return (0);
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return (0);
	return (1);
}

/*
 * Split a peer name into host and port.  A bracketed host must be an
 * IPv6 address; an unbracketed one may not contain ':'.
 */
int
peer_split(const char *name, char *host, size_t hostlen, uint16_t *port)
{
	struct in6_addr	 a6;
	const char	*colon, *errstr;
	size_t		 len;
	long long	 n;

	if (name[0] == '[') {
		if ((colon = strchr(name, ']')) == NULL || colon[1] != ':')
			return (-1);
		len = colon - (name + 1);
		colon++;
	} else {
		if ((colon = strrchr(name, ':')) == NULL)
			return (-1);
		len = colon - name;
	}
	if (len == 0 || len >= hostlen)
		return (-1);
	memcpy(host, name[0] == '[' ? name + 1 : name, len);
	host[len] = '\0';
	if (name[0] == '[' && inet_pton(AF_INET6, host, &a6) != 1)
		return (-1);
	if (name[0] != '[' && strchr(host, ':') != NULL)
		return (-1);
	if (!isdigit((unsigned char)colon[1]))
		return (-1);
	n = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL)
		return (-1);
	*port = (uint16_t)n;
	return (0);
}

static void
sa_make(struct sockaddr_storage *ss, int family, const void *addr,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
	}
}

/* A numeric address of family 4 or 6 (listeners).  0 or -1. */
int
addr_numeric(int family, const char *addr, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (family == 4 && inet_pton(AF_INET, addr, &a4) == 1)
		sa_make(ss, AF_INET, &a4, port);
	else if (family == 6 && inet_pton(AF_INET6, addr, &a6) == 1)
		sa_make(ss, AF_INET6, &a6, port);
	else
		return (-1);
	return (0);
}

/*
 * The addresses of host (numeric, or from /etc/hosts in its order),
 * at most max.  Returns how many, or -1 with why filled in.
 */
int
peer_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
    int max, char *why, size_t whylen)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 i;
	int		 n = 0;

	if (inet_pton(AF_INET, host, &a4) == 1) {
		sa_make(&ss[0], AF_INET, &a4, port);
		return (1);
	}
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		sa_make(&ss[0], AF_INET6, &a6, port);
		return (1);
	}
	if (!host_name_ok(host)) {
		snprintf(why, whylen, "not a host name");
		return (-1);
	}
	for (i = 0; i < nhosts && n < max; i++) {
		if (strcasecmp(hosts[i].name, host) != 0)
			continue;
		sa_make(&ss[n++], hosts[i].family, &hosts[i].a, port);
	}
	if (n == 0 && strcasecmp(host, "localhost") == 0 && max >= 2) {
		a4.s_addr = htonl(INADDR_LOOPBACK);
		sa_make(&ss[n++], AF_INET, &a4, port);
		sa_make(&ss[n++], AF_INET6, &in6addr_loopback, port);
	}
	if (n == 0) {
		snprintf(why, whylen, "no address for %s (tcpd resolves "
		    "from /etc/hosts only)", host);
		return (-1);
	}
	return (n);
}

socklen_t
sa_len(const struct sockaddr *sa)
{
	return (sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in));
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT". */
void
peer_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;
	char				 a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) ==
		    NULL)
			strlcpy(a, "?", sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		if (inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) == NULL)
			strlcpy(a, "?", sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	}
}
