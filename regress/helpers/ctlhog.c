/* SPDX-License-Identifier: ISC */
/*
 * ctlhog: hold on to a node's control socket the way a hostile local
 * client would.
 *
 *	ctlhog -f socket seconds
 *		flood: send `show workers' requests for that long and
 *		never read a reply.  Prints "sent N bytes" and "closed"
 *		when the node closed the connection meanwhile.
 *	ctlhog -i socket count
 *		idle: open count connections, print "ready", then wait
 *		for standard input to close.  Prints "N closed by the
 *		node" for those the node closed meanwhile.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "imsg.h"

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", path);
	return (fd);
}

/* Has the node closed fd?  Whatever it sent is left unread. */
static int
closed(int fd)
{
	struct pollfd	 pfd = { fd, 0, 0 };

	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)));
}

static void
flood(const char *path, int seconds)
{
	struct imsg_hdr	 hdr[256];
	unsigned long long sent = 0;
	time_t		 end = time(NULL) + seconds;
	ssize_t		 n;
	int		 fd, i;

	memset(hdr, 0, sizeof(hdr));
	for (i = 0; i < 256; i++) {
		hdr[i].type = CTL_SHOW_WORKERS;
		hdr[i].len = IMSG_HEADER_SIZE;
		hdr[i].peerid = i + 1;
	}
	fd = ctl_connect(path);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	while (time(NULL) < end) {
		if ((n = write(fd, hdr, sizeof(hdr))) == -1) {
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			if (errno != EAGAIN)
				err(1, "write");
			usleep(10000);
			continue;
		}
		sent += n;
		/* Whole requests only, so that the node sees no junk. */
		if (n % sizeof(hdr[0]) != 0) {
			if (fcntl(fd, F_SETFL, 0) == -1 ||
			    write(fd, (char *)hdr + n, sizeof(hdr[0]) -
			    n % sizeof(hdr[0])) == -1 ||
			    fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
				break;
			sent += sizeof(hdr[0]) - n % sizeof(hdr[0]);
		}
	}
	printf("sent %llu bytes\n", sent);
	if (closed(fd))
		printf("closed\n");
	close(fd);
}

static void
idle(const char *path, int count)
{
	char	 buf[16];
	int	*fds, i, n = 0;

	if ((fds = calloc(count, sizeof(*fds))) == NULL)
		err(1, NULL);
	for (i = 0; i < count; i++)
		fds[i] = ctl_connect(path);
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < count; i++) {
		n += closed(fds[i]);
		close(fds[i]);
	}
	printf("%d closed by the node\n", n);
	free(fds);
}

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "-f") == 0)
		flood(argv[2], atoi(argv[3]));
	else if (argc == 4 && strcmp(argv[1], "-i") == 0)
		idle(argv[2], atoi(argv[3]));
	else
		errx(1, "usage: ctlhog -f socket seconds | -i socket count");
	return (0);
}
