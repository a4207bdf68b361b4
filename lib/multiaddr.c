/* SPDX-License-Identifier: ISC */
/*
 * Multiaddr text for routes (doc/design.md 4.4):
 *
 *	/service/NAME, /secure/NAME	LOCAL NAME
 *	/ip4/A.B.C.D/tcp/PORT		TCP "A.B.C.D:PORT"
 *	/ip6/ADDR/tcp/PORT		TCP "[ADDR]:PORT"
 *	/dnsaddr/HOST/tcp/PORT		TCP "HOST:PORT"
 *	... /tls/PORT instead of /tcp/	the same, type OCKAM_ADDR_TLS
 *
 * Printing is the inverse.  An address with no multiaddr form prints
 * as /type/N/VALUE with unsafe bytes as %XX.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multiaddr.h"
#include "route.h"
#include "tcp.h"

#define MADDR_TEXT_MAX	4096	/* longest route text accepted */
#define HOST_MAX	253	/* a DNS name */
#define LABEL_MAX	63	/* one label of it */
#define PORT_STR_MAX	6	/* "65535" and a NUL */
#define QUOTE_MAX	64	/* user text echoed in an error */

struct maparse {
	char		**comp;		/* the components */
	size_t		  ncomp;
	size_t		  i;		/* next component to read */
	struct route	  r;		/* what was parsed so far */
	char		 *err;
	size_t		  errlen;
};

struct pbuf {
	char		*buf;
	size_t		 len;
	size_t		 off;
	int		 full;
};

static void	 ma_err(struct maparse *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static const char *quote(const char *, char *, size_t);
static int	 name_char(unsigned char);
static int	 name_valid(const char *, size_t);
static int	 host_valid(const char *, size_t);
static int	 port_parse(struct maparse *, const char *, char *, size_t);
static int	 ma_local(struct maparse *, const char *);
static int	 ma_tcp(struct maparse *, const char *);
static int	 ma_push(struct maparse *, uint8_t, const char *);
static int	 ma_split(struct maparse *, char *);
static void	 pb_add(struct pbuf *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 pb_escaped(struct pbuf *, const char *, size_t);
static int	 port_canonical(const char *);
static void	 addr_print1(struct pbuf *, const struct addr *);

static void
ma_err(struct maparse *mp, const char *fmt, ...)
{
	va_list	 ap;

	if (mp->err == NULL || mp->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(mp->err, mp->errlen, fmt, ap);
	va_end(ap);
}

/* A printable, length-limited copy of user text for error messages. */
static const char *
quote(const char *s, char *dst, size_t dstsz)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < dstsz; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			dst[i] = '?';
		else
			dst[i] = s[i];
	}
	dst[i] = '\0';
	if (s[i] != '\0' && i >= 3)
		memcpy(dst + i - 3, "...", 3);
	return (dst);
}

/*
 * Worker names: [A-Za-z0-9._:+@~-], plus '_' which Ockam's own names
 * use (secure_channel_listener, forward_to_NAME).
 */
static int
name_char(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return (1);
	return (ch != '\0' && strchr("._:+@~-_", ch) != NULL);
}

static int
name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > OCKAM_ADDR_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return (0);
	return (1);
}

/* Letters, digits, hyphens in dot-separated labels of 1..63 bytes. */
static int
host_valid(const char *s, size_t len)
{
	size_t	 i, label = 0;

	if (len == 0 || len > HOST_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return (0);
		if (++label > LABEL_MAX)
			return (0);
	}
	return (label > 0);
}

/* Decimal 1..65535, digits only; the canonical form goes to out. */
static int
port_parse(struct maparse *mp, const char *s, char *out, size_t outsz)
{
	char		 q[QUOTE_MAX];
	const char	*errstr;
	long long	 port;
	size_t		 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9') {
			ma_err(mp, "bad port '%s' at component %zu",
			    quote(s, q, sizeof(q)), mp->i);
			return (-1);
		}
	}
	port = strtonum(s, 1, 65535, &errstr);
	if (errstr != NULL) {
		ma_err(mp, "port '%s' out of range at component %zu",
		    quote(s, q, sizeof(q)), mp->i);
		return (-1);
	}
	snprintf(out, outsz, "%lld", port);
	return (0);
}

static int
ma_push(struct maparse *mp, uint8_t type, const char *val)
{
	if (route_push_back(&mp->r, type, val, strlen(val)) == -1) {
		if (errno == E2BIG)
			ma_err(mp, "route has more than %d addresses",
			    OCKAM_ROUTE_MAX);
		else if (errno == EINVAL)
			ma_err(mp, "bad address at component %zu", mp->i);
		else
			ma_err(mp, "out of memory");
		return (-1);
	}
	return (0);
}

/* /service/NAME or /secure/NAME */
static int
ma_local(struct maparse *mp, const char *proto)
{
	char		 q[QUOTE_MAX];
	const char	*name;
	size_t		 len;

	if (mp->i >= mp->ncomp) {
		ma_err(mp, "missing name after /%s", proto);
		return (-1);
	}
	name = mp->comp[mp->i++];
	len = strlen(name);
	if (len > OCKAM_ADDR_MAX) {
		ma_err(mp, "name '%s' is longer than %d bytes",
		    quote(name, q, sizeof(q)), OCKAM_ADDR_MAX);
		return (-1);
	}
	if (!name_valid(name, len)) {
		ma_err(mp, "name '%s' has invalid characters",
		    quote(name, q, sizeof(q)));
		return (-1);
	}
	return (ma_push(mp, OCKAM_ADDR_LOCAL, name));
}

/* /ip4/A/tcp/PORT, /ip6/A/tcp/PORT, /dnsaddr/HOST/tcp/PORT */
static int
ma_tcp(struct maparse *mp, const char *proto)
{
	char		 q[QUOTE_MAX], port[PORT_STR_MAX];
	char		 host[INET6_ADDRSTRLEN];
	char		 val[HOST_MAX + PORT_STR_MAX + 4];
	struct in6_addr	 in6;
	struct in_addr	 in4;
	const char	*a;
	uint8_t		 type;

	if (mp->i >= mp->ncomp) {
		ma_err(mp, "missing %s after /%s",
		    strcmp(proto, "dnsaddr") == 0 ? "host name" : "address",
		    proto);
		return (-1);
	}
	a = mp->comp[mp->i++];
	if (strcmp(proto, "ip4") == 0) {
		if (inet_pton(AF_INET, a, &in4) != 1 ||
		    inet_ntop(AF_INET, &in4, host, sizeof(host)) == NULL) {
			ma_err(mp, "bad IPv4 address '%s'",
			    quote(a, q, sizeof(q)));
			return (-1);
		}
	} else if (strcmp(proto, "ip6") == 0) {
		if (inet_pton(AF_INET6, a, &in6) != 1 ||
		    inet_ntop(AF_INET6, &in6, host, sizeof(host)) == NULL) {
			ma_err(mp, "bad IPv6 address '%s'",
			    quote(a, q, sizeof(q)));
			return (-1);
		}
	} else {
		if (!host_valid(a, strlen(a))) {
			ma_err(mp, "bad host name '%s'",
			    quote(a, q, sizeof(q)));
			return (-1);
		}
	}

	if (mp->i >= mp->ncomp || (strcmp(mp->comp[mp->i], "tcp") != 0 &&
	    strcmp(mp->comp[mp->i], "tls") != 0)) {
		ma_err(mp, "/%s must be followed by /tcp/PORT or /tls/PORT",
		    proto);
		return (-1);
	}
	type = strcmp(mp->comp[mp->i], "tls") == 0 ? OCKAM_ADDR_TLS :
	    OCKAM_ADDR_TCP;
	if (mp->i + 1 >= mp->ncomp) {
		ma_err(mp, "missing port after /%s", mp->comp[mp->i]);
		return (-1);
	}
	mp->i += 2;
	if (port_parse(mp, mp->comp[mp->i - 1], port, sizeof(port)) == -1)
		return (-1);

	if (strcmp(proto, "ip4") == 0)
		snprintf(val, sizeof(val), "%s:%s", host, port);
	else if (strcmp(proto, "ip6") == 0)
		snprintf(val, sizeof(val), "[%s]:%s", host, port);
	else
		snprintf(val, sizeof(val), "%s:%s", a, port);
	if (strlen(val) > OCKAM_ADDR_MAX) {
		ma_err(mp, "address '%s' is longer than %d bytes",
		    quote(val, q, sizeof(q)), OCKAM_ADDR_MAX);
		return (-1);
	}
	return (ma_push(mp, type, val));
}

/*
 * Split "/a/b/c" (in place) into its components, refusing empty
 * ones.  comp is sized for the worst case.
 */
static int
ma_split(struct maparse *mp, char *s)
{
	char	*p, *tok;
	size_t	 n = 1;

	for (p = s; *p != '\0'; p++)
		if (*p == '/')
			n++;
	if ((mp->comp = calloc(n, sizeof(*mp->comp))) == NULL) {
		ma_err(mp, "out of memory");
		return (-1);
	}
	p = s;
	while ((tok = strsep(&p, "/")) != NULL) {
		if (*tok == '\0') {
			if (p == NULL)
				ma_err(mp, "trailing '/' after component %zu",
				    mp->ncomp);
			else
				ma_err(mp, "empty component %zu ('//')",
				    mp->ncomp + 1);
			return (-1);
		}
		mp->comp[mp->ncomp++] = tok;
	}
	return (0);
}

/*
 * Parse text and append the addresses to r.  On failure r is as it
 * was and err holds a message naming the problem.
 */
int
multiaddr_parse(const char *text, struct route *r, char *err, size_t errlen)
{
	struct maparse	 mp;
	char		 q[QUOTE_MAX], *copy = NULL;
	const char	*proto;
	int		 rv = -1;

	memset(&mp, 0, sizeof(mp));
	route_init(&mp.r);
	mp.err = err;
	mp.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (text == NULL || text[0] == '\0' || strcmp(text, "/") == 0) {
		ma_err(&mp, "empty route");
		goto done;
	}
	if (strnlen(text, MADDR_TEXT_MAX + 1) > MADDR_TEXT_MAX) {
		ma_err(&mp, "route text longer than %d bytes", MADDR_TEXT_MAX);
		goto done;
	}
	if (text[0] != '/') {
		ma_err(&mp, "route '%s' does not start with '/'",
		    quote(text, q, sizeof(q)));
		goto done;
	}
	if ((copy = strdup(text + 1)) == NULL) {
		ma_err(&mp, "out of memory");
		goto done;
	}
	if (ma_split(&mp, copy) == -1)
		goto done;

	while (mp.i < mp.ncomp) {
		proto = mp.comp[mp.i++];
		if (strcmp(proto, "service") == 0 ||
		    strcmp(proto, "secure") == 0) {
			if (ma_local(&mp, proto) == -1)
				goto done;
		} else if (strcmp(proto, "ip4") == 0 ||
		    strcmp(proto, "ip6") == 0 ||
		    strcmp(proto, "dnsaddr") == 0) {
			if (ma_tcp(&mp, proto) == -1)
				goto done;
		} else if (strcmp(proto, "tcp") == 0 ||
		    strcmp(proto, "tls") == 0) {
			ma_err(&mp, "/%s at component %zu must follow "
			    "/ip4, /ip6 or /dnsaddr", proto, mp.i);
			goto done;
		} else {
			ma_err(&mp, "unknown protocol '%s' at component %zu",
			    quote(proto, q, sizeof(q)), mp.i);
			goto done;
		}
	}

	if (route_append(r, &mp.r) == -1) {
		if (errno == E2BIG)
			ma_err(&mp, "route has more than %d addresses",
			    OCKAM_ROUTE_MAX);
		else
			ma_err(&mp, "out of memory");
		goto done;
	}
	rv = 0;

 done:
	route_clear(&mp.r);
	free(mp.comp);
	free(copy);
	return (rv);
}

static void
pb_add(struct pbuf *pb, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (pb->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pb->buf + pb->off, pb->len - pb->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= pb->len - pb->off) {
		pb->full = 1;
		pb->off = pb->len - 1;
		return;
	}
	pb->off += n;
}

static void
pb_escaped(struct pbuf *pb, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (name_char((unsigned char)s[i]))
			pb_add(pb, "%c", s[i]);
		else
			pb_add(pb, "%%%02X", (unsigned char)s[i]);
	}
}

/* Digits only, no leading zero, 1..65535. */
static int
port_canonical(const char *s)
{
	const char	*errstr;
	size_t		 i;

	if (s[0] == '0')
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	strtonum(s, 1, 65535, &errstr);
	return (i > 0 && errstr == NULL);
}

static void
addr_print1(struct pbuf *pb, const struct addr *a)
{
	char		 host[OCKAM_ADDR_MAX + 1], norm[INET6_ADDRSTRLEN];
	struct in6_addr	 in6;
	struct in_addr	 in4;
	const char	*proto;
	char		*colon, *port;
	size_t		 hlen;

	if (a->type == OCKAM_ADDR_LOCAL && name_valid(a->val, a->len)) {
		pb_add(pb, "/service/%s", a->val);
		return;
	}
	if ((a->type == OCKAM_ADDR_TCP || a->type == OCKAM_ADDR_TLS) &&
	    strlen(a->val) == a->len &&
	    (colon = strrchr(a->val, ':')) != NULL) {
		proto = a->type == OCKAM_ADDR_TLS ? "tls" : "tcp";
		hlen = colon - a->val;
		memcpy(host, a->val, hlen);
		host[hlen] = '\0';
		port = colon + 1;
		if (!port_canonical(port))
			goto other;
		if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
			host[hlen - 1] = '\0';
			if (inet_pton(AF_INET6, host + 1, &in6) == 1 &&
			    inet_ntop(AF_INET6, &in6, norm,
			    sizeof(norm)) != NULL &&
			    strcmp(norm, host + 1) == 0) {
				pb_add(pb, "/ip6/%s/%s/%s", host + 1, proto,
				    port);
				return;
			}
			goto other;
		}
		if (inet_pton(AF_INET, host, &in4) == 1) {
			if (inet_ntop(AF_INET, &in4, norm,
			    sizeof(norm)) != NULL && strcmp(norm, host) == 0) {
				pb_add(pb, "/ip4/%s/%s/%s", host, proto, port);
				return;
			}
			goto other;
		}
		if (host_valid(host, hlen)) {
			pb_add(pb, "/dnsaddr/%s/%s/%s", host, proto, port);
			return;
		}
	}
 other:
	pb_add(pb, "/type/%u/", a->type);
	pb_escaped(pb, a->val, a->len);
}

int
addr_print(const struct addr *a, char *buf, size_t len)
{
	struct pbuf	 pb;

	if (buf == NULL || len == 0) {
		errno = ENOSPC;
		return (-1);
	}
	buf[0] = '\0';
	pb.buf = buf;
	pb.len = len;
	pb.off = 0;
	pb.full = 0;
	addr_print1(&pb, a);
	if (pb.full) {
		errno = ENOSPC;
		return (-1);
	}
	return (0);
}

/* The route as multiaddr text; an empty route is "". */
int
multiaddr_print(const struct route *r, char *buf, size_t len)
{
	struct pbuf	 pb;
	struct addr	*a;

	if (buf == NULL || len == 0) {
		errno = ENOSPC;
		return (-1);
	}
	buf[0] = '\0';
	pb.buf = buf;
	pb.len = len;
	pb.off = 0;
	pb.full = 0;
	TAILQ_FOREACH(a, &r->q, entry)
		addr_print1(&pb, a);
	if (pb.full) {
		errno = ENOSPC;
		return (-1);
	}
	return (0);
}
