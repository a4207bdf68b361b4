/* SPDX-License-Identifier: ISC */
/*
 * taphop: an app worker that acts as a hop (it steps past itself and
 * adds itself to the return route) and writes every payload it carries
 * to a file, one hex line each, so that tests can see what a hop in
 * the middle sees.  It can also misbehave with the K-th message:
 *
 *	taphop socket name logfile [pass | tamper:K | replay:K | reorder:K]
 *
 * tamper flips the last byte, replay forwards it twice, reorder holds
 * it back until the next one has gone.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ockam.h"

static struct ockam_client	*c;

static void
forward(struct tmsg *m)
{
	if (ockam_send(c, m, 0) == -1)
		errx(1, "send: %s", ockam_error(c));
}

int
main(int argc, char *argv[])
{
	struct tmsg	 m, held;
	FILE		*log;
	char		 addr[OCKAM_ADDR_MAX + 1], ebuf[512], mode[16] = "pass";
	size_t		 i;
	int		 k = 0, n = 0, holding = 0;

	if (argc < 4 || argc > 5)
		errx(1, "usage: taphop socket name logfile [mode:K]");
	if (argc == 5 && strcmp(argv[4], "pass") != 0 &&
	    sscanf(argv[4], "%15[a-z]:%d", mode, &k) != 2)
		errx(1, "bad mode %s", argv[4]);
	if ((log = fopen(argv[3], "w")) == NULL)
		err(1, "%s", argv[3]);
	if ((c = ockam_connect(argv[1], ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	if (ockam_worker_add(c, argv[2], addr, sizeof(addr)) == -1)
		errx(1, "%s", ockam_error(c));
	printf("ready %s\n", addr);
	fflush(stdout);
	tmsg_init(&held);
	for (;;) {
		tmsg_init(&m);
		if (ockam_receive(c, &m, -1) != 1)
			errx(1, "receive: %s", ockam_error(c));
		n++;
		fprintf(log, "%d %zu ", n, m.plen);
		for (i = 0; i < m.plen; i++)
			fprintf(log, "%02x", m.payload[i]);
		fprintf(log, "\n");
		fflush(log);
		/* Step past ourselves; replies come back through us. */
		route_pop_front(&m.onward);
		if (route_push_front(&m.ret, OCKAM_ADDR_LOCAL, addr,
		    strlen(addr)) == -1)
			errx(1, "return route too long");
		if (n == k && strcmp(mode, "tamper") == 0 && m.plen > 0)
			m.payload[m.plen - 1] ^= 0x01;
		if (n == k && strcmp(mode, "reorder") == 0) {
			if (tmsg_copy(&held, &m) == -1)
				err(1, "copy");
			holding = 1;
			tmsg_clear(&m);
			continue;
		}
		forward(&m);
		if (n == k && strcmp(mode, "replay") == 0)
			forward(&m);
		if (holding && n == k + 1) {
			forward(&held);
			tmsg_clear(&held);
			holding = 0;
		}
		tmsg_clear(&m);
	}
}
