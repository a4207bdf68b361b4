/* SPDX-License-Identifier: ISC */
/*
 * imsg: framed messages with optional descriptor passing.  Written for
 * ockam-c after the design of OpenBSD's imsg(3); see imsg.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/*
 * Read at least this much at a time: about what a socketpair holds, so
 * that one recvmsg(2) takes a whole burst of messages (sixteen of 16
 * KiB) instead of four.
 */
#define IMSG_READ_MIN	(256 * 1024)

int
imsgbuf_init(struct imsgbuf *ib, int fd, size_t maxsize)
{
	memset(ib, 0, sizeof(*ib));
	if (maxsize == 0)
		maxsize = IMSG_MAXSIZE_DEFAULT;
	if (maxsize > (IMSG_FD_MARK - 1) - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return (-1);
	}
	ib->maxsize = maxsize;
	ib->rsize = maxsize + IMSG_HEADER_SIZE;
	if (ib->rsize < IMSG_READ_MIN)
		ib->rsize = IMSG_READ_MIN;
	if ((ib->rbuf = malloc(ib->rsize)) == NULL)
		return (-1);
	TAILQ_INIT(&ib->wq);
	ib->fd = fd;
	ib->pid = getpid();
	return (0);
}

void
imsgbuf_allow_fdpass(struct imsgbuf *ib)
{
	ib->fdpass = 1;
}

void
imsgbuf_clear(struct imsgbuf *ib)
{
	struct ibuf	*b;
	int		 i;

	while ((b = TAILQ_FIRST(&ib->wq)) != NULL) {
		TAILQ_REMOVE(&ib->wq, b, entry);
		ibuf_free(b);
	}
	ib->wqlen = 0;
	for (i = 0; i < ib->nfds; i++)
		close(ib->fds[i]);
	ib->nfds = 0;
	if (ib->rbuf != NULL) {
		explicit_bzero(ib->rbuf, ib->rsize);
		free(ib->rbuf);
		ib->rbuf = NULL;
	}
	ib->rlen = 0;
	ib->roff = 0;
}

size_t
imsgbuf_queuelen(const struct imsgbuf *ib)
{
	return (ib->wqlen);
}

/* Keep the descriptors that came with the data, in order. */
static void
imsgbuf_take_fds(struct imsgbuf *ib, struct msghdr *msg)
{
	struct cmsghdr	*cm;
	size_t		 i, n;
	int		 fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL;
	    cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(fd));
			if (ib->nfds < IMSG_MAXFDS)
				ib->fds[ib->nfds++] = fd;
			else
				close(fd);
		}
	}
}

/*
 * Returns 1 when data (or nothing, on EAGAIN) was read, 0 on EOF and
 * -1 on error.  A peer that sends descriptors on a channel that does
 * not take them is an error.
 */
int
imsgbuf_read(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IMSG_MAXFDS)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	/* Move what is pending to the front, once per read. */
	if (ib->roff > 0) {
		memmove(ib->rbuf, ib->rbuf + ib->roff, ib->rlen);
		ib->roff = 0;
	}
	if (ib->rlen >= ib->rsize) {
		errno = ENOBUFS;
		return (-1);
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ib->rbuf + ib->rlen;
	iov.iov_len = ib->rsize - ib->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

again:
	if ((n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (1);
		return (-1);
	}
	if (msg.msg_controllen > 0) {
		imsgbuf_take_fds(ib, &msg);
		if (!ib->fdpass || (msg.msg_flags & MSG_CTRUNC)) {
			/* Not wanted here: close them now. */
			while (ib->nfds > 0)
				close(ib->fds[--ib->nfds]);
			errno = EBADMSG;
			return (-1);
		}
	}
	if (n == 0)
		return (0);
	ib->rlen += n;
	return (1);
}

/*
 * Returns 1 and fills imsg when a whole message is buffered, 0 when
 * more data is needed and -1 (errno EBADMSG) when the header is bad:
 * the channel cannot be trusted any more.
 */
int
imsgbuf_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 len;

	memset(imsg, 0, sizeof(*imsg));
	imsg->fd = -1;
	if (ib->rlen < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, ib->rbuf + ib->roff, sizeof(hdr));
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE ||
	    len - IMSG_HEADER_SIZE > ib->maxsize) {
		errno = EBADMSG;
		return (-1);
	}
	if ((hdr.len & IMSG_FD_MARK) && !ib->fdpass) {
		errno = EBADMSG;
		return (-1);
	}
	if (ib->rlen < len)
		return (0);

	imsg->hdr = hdr;
	imsg->hdr.len = len;
	imsg->len = len - IMSG_HEADER_SIZE;
	if (imsg->len > 0) {
		if ((imsg->data = malloc(imsg->len)) == NULL)
			return (-1);
		memcpy(imsg->data, ib->rbuf + ib->roff + IMSG_HEADER_SIZE,
		    imsg->len);
	}
	if (hdr.len & IMSG_FD_MARK) {
		if (ib->nfds == 0) {
			/* The header promised a descriptor. */
			free(imsg->data);
			imsg->data = NULL;
			errno = EBADMSG;
			return (-1);
		}
		imsg->fd = ib->fds[0];
		ib->nfds--;
		memmove(ib->fds, ib->fds + 1, ib->nfds * sizeof(int));
	}
	ib->roff += len;
	ib->rlen -= len;
	return (1);
}

struct ibuf *
imsg_create(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;

	if (datalen > ib->maxsize) {
		errno = ERANGE;
		return (NULL);
	}
	if ((b = ibuf_open(IMSG_HEADER_SIZE + datalen,
	    IMSG_HEADER_SIZE + ib->maxsize)) == NULL)
		return (NULL);
	hdr.type = type;
	hdr.len = 0;
	hdr.peerid = peerid;
	hdr.pid = pid == 0 ? (uint32_t)ib->pid : (uint32_t)pid;
	if (ibuf_add(b, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(b);
		return (NULL);
	}
	return (b);
}

int
imsg_close(struct imsgbuf *ib, struct ibuf *b)
{
	return (imsg_close_tail(ib, b, NULL, 0));
}

/*
 * imsg_close() of a message that is b's bytes and then tail's (len of
 * them): tail is queued as it is, not copied, and taken over (wiped
 * and freed once written).  On failure b is freed and tail is not
 * taken.
 */
int
imsg_close_tail(struct imsgbuf *ib, struct ibuf *b, void *tail, size_t len)
{
	return (imsg_close_part(ib, b, tail, len, 0, len));
}

/*
 * imsg_close_tail() of the len bytes at off in tail, an allocation of
 * size bytes, all of which is wiped when it is freed.
 */
int
imsg_close_part(struct imsgbuf *ib, struct ibuf *b, void *tail, size_t size,
    size_t off, size_t len)
{
	struct ibuf	*t = NULL;
	uint32_t	 hlen;

	if (ibuf_error(b) || ibuf_size(b) > IMSG_HEADER_SIZE + ib->maxsize ||
	    len > IMSG_HEADER_SIZE + ib->maxsize - ibuf_size(b) ||
	    off > size || len > size - off) {
		ibuf_free(b);
		errno = ERANGE;
		return (-1);
	}
	hlen = ibuf_size(b) + len;
	if (b->fd != -1) {
		if (!ib->fdpass) {
			ibuf_free(b);
			errno = EINVAL;
			return (-1);
		}
		hlen |= IMSG_FD_MARK;
	}
	if (len > 0 && (t = ibuf_wrap(tail, size)) == NULL) {
		ibuf_free(b);
		return (-1);
	}
	ibuf_set_h32(b, offsetof(struct imsg_hdr, len), hlen);
	TAILQ_INSERT_TAIL(&ib->wq, b, entry);
	ib->wqlen += ibuf_size(b);
	if (t != NULL) {
		t->rpos = off;
		t->wpos = off + len;
		TAILQ_INSERT_TAIL(&ib->wq, t, entry);
		ib->wqlen += len;
	}
	return (0);
}

int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*b;
	size_t		 len = 0;
	int		 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - len) {
			len = SIZE_MAX;
			break;
		}
		len += iov[i].iov_len;
	}
	if ((b = imsg_create(ib, type, peerid, pid, len)) == NULL) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	for (i = 0; i < iovcnt; i++)
		ibuf_add(b, iov[i].iov_base, iov[i].iov_len);
	b->fd = fd;
	return (imsg_close(ib, b));
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	return (imsg_composev(ib, type, peerid, pid, fd, &iov,
	    len > 0 ? 1 : 0));
}

/*
 * One sendmsg() of as much of the queue as fits; a buffer that carries
 * a descriptor starts a new sendmsg() so that exactly one fd goes with
 * its first byte.  Returns 0 (maybe with data left) or -1.
 */
int
imsgbuf_write(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec	 iov[IOV_MAX < 64 ? IOV_MAX : 64];
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct ibuf	*b, *next;
	ssize_t		 n;
	size_t		 left;
	int		 i = 0, fd = -1;

	if (TAILQ_EMPTY(&ib->wq))
		return (0);
	TAILQ_FOREACH(b, &ib->wq, entry) {
		if (i >= (int)(sizeof(iov) / sizeof(iov[0])))
			break;
		if (i > 0 && b->fd != -1)
			break;
		if (i == 0 && b->rpos == 0)
			fd = b->fd;
		iov[i].iov_base = b->buf + b->rpos;
		iov[i].iov_len = b->wpos - b->rpos;
		i++;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = &cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
again:
	if ((n = sendmsg(ib->fd, &msg, MSG_NOSIGNAL)) == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return (0);
		return (-1);
	}
	if (fd != -1) {
		/* The descriptor went with the first byte. */
		b = TAILQ_FIRST(&ib->wq);
		close(b->fd);
		b->fd = -1;
	}
	for (b = TAILQ_FIRST(&ib->wq); b != NULL && n > 0; b = next) {
		next = TAILQ_NEXT(b, entry);
		left = b->wpos - b->rpos;
		if ((size_t)n >= left) {
			n -= left;
			ib->wqlen -= left;
			TAILQ_REMOVE(&ib->wq, b, entry);
			ibuf_free(b);
		} else {
			b->rpos += n;
			ib->wqlen -= n;
			n = 0;
		}
	}
	return (0);
}

/* Write until the queue is empty, waiting for the socket as needed. */
int
imsgbuf_flush(struct imsgbuf *ib)
{
	struct pollfd	 pfd;

	while (!TAILQ_EMPTY(&ib->wq)) {
		if (imsgbuf_write(ib) == -1)
			return (-1);
		if (TAILQ_EMPTY(&ib->wq))
			break;
		pfd.fd = ib->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
	return (0);
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->data != NULL) {
		explicit_bzero(imsg->data, imsg->len);
		free(imsg->data);
	}
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->data = NULL;
	imsg->fd = -1;
}

void
imsg_cursor(const struct imsg *imsg, struct cursor *c)
{
	cur_init(c, imsg->data, imsg->len);
}
