/* SPDX-License-Identifier: ISC */
/*
 * aeadbench: the channel's AES-256-GCM alone (lib/aead.c), by libsodium
 * and by OpenSSL in the same run: MB per CPU second of messages sealed
 * then opened in place with a key set up once, as routed does, for
 * 64 B, 1 KiB and 16 KiB messages.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "aead.h"

/*
 * MB per CPU second of len-byte messages, each sealed and opened, for
 * 0.5 s of this process's CPU time (other load on the machine does not
 * count).
 */
static double
rate(enum aead_impl impl, size_t len)
{
	struct aead	 tx, rx;
	struct timespec	 ts;
	uint8_t		 key[AEAD_KEYLEN], nonce[AEAD_NONCELEN] = { 0 };
	uint8_t		 tag[AEAD_TAGLEN], *p;
	double		 t0 = -1, t = 0;
	long		 n = 0;
	int		 i;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	if ((p = calloc(1, len)) == NULL)
		err(1, NULL);
	randombytes_buf(key, sizeof(key));
	if (aead_key(&tx, impl, 1, key) == -1 ||
	    aead_key(&rx, impl, 0, key) == -1)
		errx(1, "%s: cannot set a key", aead_name(impl));
	while (t < 0.5) {
		for (i = 0; i < 256; i++) {
			nonce[11] = i;
			if (aead_seal(&tx, nonce, p, len, tag) == -1 ||
			    aead_open(&rx, nonce, p, len, tag) == -1)
				errx(1, "%s: seal or open", aead_name(impl));
		}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		if (t0 < 0)
			t0 = ts.tv_sec + ts.tv_nsec / 1e9;	/* warm now */
		else
			n += 256;
		t = ts.tv_sec + ts.tv_nsec / 1e9 - t0;
	}
	aead_clear(&tx);
	aead_clear(&rx);
	free(p);
	return (n * (double)len / t / 1e6);
}

int
main(void)
{
	static const size_t	 sizes[] = { 64, 1024, 16384 };
	double			 s, o;
	size_t			 i;

	if (sodium_init() == -1 || aead_init(NULL) == -1 ||
	    !crypto_aead_aes256gcm_is_available())
		errx(1, "no AES-256-GCM here");
	printf("\n%-44s %10s %10s %8s\n", "AES-256-GCM alone, seal + open",
	    "libsodium", "OpenSSL", "OpenSSL");
	printf("%-44s %10s %10s %8s\n", "(MB per CPU second)", "MB/s", "MB/s",
	    "/ sodium");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s = rate(AEAD_SODIUM, sizes[i]);
		o = rate(AEAD_OPENSSL, sizes[i]);
		printf("%-44s %10.0f %10.0f %7.2fx\n", sizes[i] < 1024 ?
		    "64 B messages" : sizes[i] < 16384 ? "1 KiB messages" :
		    "16 KiB messages", s, o, o / s);
	}
	aead_done();
	return (0);
}
