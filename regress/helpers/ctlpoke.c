/* SPDX-License-Identifier: ISC */
/*
 * ctlpoke: write raw bytes to a control socket, print what comes back.
 *
 *	ctlpoke [-c] [-w ms] socket hex [hex ...]
 *
 * Each hex argument is written as one chunk.  -c closes right after
 * writing (a client that leaves mid-request).  Replies are printed one
 * per line: "RESULT <status> <message>", "END", "OTHER <type>", and
 * "EOF" when the node closes the connection.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "imsg.h"

static size_t
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t		 n = 0;
	unsigned int	 v;

	while (s[0] != '\0' && s[1] != '\0' && n < max) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]) || sscanf(s, "%2x", &v) != 1)
			errx(1, "bad hex at \"%s\"", s);
		out[n++] = v;
		s += 2;
	}
	return (n);
}

int
main(int argc, char *argv[])
{
	static unsigned char	 buf[200000];
	struct sockaddr_un	 sun;
	struct imsgbuf		 ib;
	struct imsg		 imsg;
	struct cursor		 cur;
	struct pollfd		 pfd;
	char			 msg[512];
	uint32_t		 status;
	size_t			 n;
	int			 ch, fd, i, r, closeit = 0, wait = 2000;

	while ((ch = getopt(argc, argv, "cw:")) != -1) {
		switch (ch) {
		case 'c':
			closeit = 1;
			break;
		case 'w':
			wait = atoi(optarg);
			break;
		default:
			errx(1, "usage: ctlpoke [-c] [-w ms] socket hex ...");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		errx(1, "usage: ctlpoke [-c] [-w ms] socket hex ...");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, argv[0], sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", argv[0]);
	for (i = 1; i < argc; i++) {
		/* "big:N" is N bytes of 0x41, for oversized requests. */
		if (strncmp(argv[i], "big:", 4) == 0) {
			n = strtoul(argv[i] + 4, NULL, 10);
			if (n > sizeof(buf))
				n = sizeof(buf);
			memset(buf, 0x41, n);
		} else
			n = unhex(argv[i], buf, sizeof(buf));
		if (write(fd, buf, n) != (ssize_t)n)
			warn("write");
	}
	if (closeit) {
		close(fd);
		return (0);
	}
	if (imsgbuf_init(&ib, fd, CTL_IMSG_MAX) == -1)
		err(1, "imsgbuf_init");
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, wait) <= 0)
			break;
		if ((r = imsgbuf_read(&ib)) == -1)
			err(1, "read");
		while ((r == 1 || ib.rlen > 0) &&
		    imsgbuf_get(&ib, &imsg) == 1) {
			switch (imsg.hdr.type) {
			case CTL_RESULT:
				imsg_cursor(&imsg, &cur);
				status = cur_h32(&cur);
				if (cur_string(&cur, msg, sizeof(msg)) == -1)
					strlcpy(msg, "(malformed)",
					    sizeof(msg));
				printf("RESULT %u %s\n", status, msg);
				break;
			case CTL_END:
				printf("END\n");
				break;
			default:
				printf("OTHER %u\n", imsg.hdr.type);
				break;
			}
			imsg_free(&imsg);
		}
		if (r == 0) {
			printf("EOF\n");
			break;
		}
	}
	fflush(stdout);
	imsgbuf_clear(&ib);
	close(fd);
	return (0);
}
