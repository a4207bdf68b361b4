/* SPDX-License-Identifier: ISC */
/*
 * TLS with libtls (LibreTLS).  Every file is read at start-up, before
 * the chroot: a listener's certificate and key with tls_load_file(),
 * the key wiped as soon as the server context holds it
 * (tls_config_clear_keys, tls_unload_file); the CA file for outgoing
 * connections into memory.  Outgoing connections verify the peer's
 * certificate against that CA and the host of the peer name.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>

#include "log.h"
#include "tcpd.h"

static struct tls_config	*client_cfg;

void
tlsd_init(void)
{
	if (tls_init() == -1)
		fatalx("tls_init failed");
}

/* A server context for listener name (start-up, still root). */
struct tls *
tlsd_server(const char *name, const char *cert, const char *key)
{
	struct tls_config	*cfg;
	struct tls		*ctx;
	uint8_t			*c, *k;
	size_t			 clen, klen;

	if ((cfg = tls_config_new()) == NULL)
		fatal("tls_config_new");
	if ((c = tls_load_file(cert, &clen, NULL)) == NULL)
		fatal("listener %s: certificate %s", name, cert);
	if ((k = tls_load_file(key, &klen, NULL)) == NULL)
		fatal("listener %s: key %s", name, key);
	if (tls_config_set_keypair_mem(cfg, c, clen, k, klen) == -1)
		fatalx("listener %s: %s and %s: %s", name, cert, key,
		    tls_config_error(cfg));
	tls_unload_file(k, klen);
	tls_unload_file(c, clen);
	if ((ctx = tls_server()) == NULL)
		fatal("tls_server");
	if (tls_configure(ctx, cfg) == -1)
		fatalx("listener %s: %s", name, tls_error(ctx));
	/* The context holds the key now; the copy in cfg goes. */
	tls_config_clear_keys(cfg);
	tls_config_free(cfg);
	return (ctx);
}

#define CERT_BEGIN	"-----BEGIN CERTIFICATE-----"

/* The CA for outgoing TLS, read into memory (start-up). */
void
tlsd_ca(const char *path)
{
	uint8_t	*ca;
	size_t	 len;

	if ((client_cfg = tls_config_new()) == NULL)
		fatal("tls_config_new");
	if ((ca = tls_load_file(path, &len, NULL)) == NULL)
		fatal("CA file %s", path);
	/*
	 * libtls parses the CA only when a connection is verified; a file
	 * that holds no certificate at all is refused now, at start-up.
	 */
	if (memmem(ca, len, CERT_BEGIN, sizeof(CERT_BEGIN) - 1) == NULL)
		fatalx("CA file %s holds no PEM certificate", path);
	if (tls_config_set_ca_mem(client_cfg, ca, len) == -1)
		fatalx("CA file %s: %s", path, tls_config_error(client_cfg));
	tls_unload_file(ca, len);
	log_debug("CA for outgoing TLS from %s", path);
}

int
tlsd_have_ca(void)
{
	return (client_cfg != NULL);
}

/*
 * Build one client context before the sandbox, so that whatever libtls
 * and libcrypto set up on first use (and the CA parsing) is done while
 * files may still be read; a bad CA file shows here, at start-up.
 */
void
tlsd_prime(void)
{
	struct tls	*ctx;

	if (client_cfg == NULL)
		return;
	if ((ctx = tls_client()) == NULL)
		fatal("tls_client");
	if (tls_configure(ctx, client_cfg) == -1)
		fatalx("outgoing TLS: %s", tls_error(ctx));
	tls_free(ctx);
}

/*
 * A client context for connected socket fd, to verify host.  NULL
 * with why filled in when it cannot be made.
 */
struct tls *
tlsd_client(int fd, const char *host, char *why, size_t whylen)
{
	struct tls	*ctx;

	if (client_cfg == NULL) {
		snprintf(why, whylen, "no CA for outgoing TLS configured");
		return (NULL);
	}
	if ((ctx = tls_client()) == NULL) {
		snprintf(why, whylen, "tls_client: %s", strerror(errno));
		return (NULL);
	}
	if (tls_configure(ctx, client_cfg) == -1 ||
	    tls_connect_socket(ctx, fd, host) == -1) {
		snprintf(why, whylen, "TLS: %s", tlsd_error(ctx));
		tls_free(ctx);
		return (NULL);
	}
	return (ctx);
}

const char *
tlsd_error(struct tls *ctx)
{
	const char	*e;

	if (ctx == NULL || (e = tls_error(ctx)) == NULL)
		return ("unknown error");
	return (e);
}
