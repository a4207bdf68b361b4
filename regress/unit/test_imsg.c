/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/imsg.c over real AF_UNIX stream socketpairs:
 * framing, partial arrival, header checks, descriptor passing,
 * back-pressure and cleanup.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imsg.h"
#include "privsep.h"

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static size_t
put_hdr(unsigned char *p, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid)
{
	struct imsg_hdr	 h = { type, len, peerid, pid };

	memcpy(p, &h, sizeof(h));
	return (sizeof(h));
}

static void
raw_write(int fd, const void *p, size_t len)
{
	assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* Send len bytes with nfd descriptors attached, as a hostile peer. */
static void
raw_sendfds(int sock, const void *p, size_t len, const int *fds, int nfd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 8)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfd);
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)len);
}

struct chan {
	int		 sv[2];		/* sv[0] writes, sv[1] reads */
	struct imsgbuf	 w, r;
};

static void
chan_open(struct chan *c, size_t maxsize, int fdpass)
{
	/* Both ends non-blocking: a test never hangs on a missing byte. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
	    0, c->sv), 0);
	assert_int_equal(imsgbuf_init(&c->w, c->sv[0], maxsize), 0);
	assert_int_equal(imsgbuf_init(&c->r, c->sv[1], maxsize), 0);
	if (fdpass) {
		imsgbuf_allow_fdpass(&c->w);
		imsgbuf_allow_fdpass(&c->r);
	}
}

static void
chan_close(struct chan *c)
{
	imsgbuf_clear(&c->w);
	imsgbuf_clear(&c->r);
	if (c->sv[0] != -1)
		close(c->sv[0]);
	close(c->sv[1]);
}

/* Read until one whole message is there; fails the test on EOF/error. */
static void
recv_one(struct imsgbuf *ib, struct imsg *imsg)
{
	struct pollfd	 pfd;
	int		 i, r;

	for (i = 0; i < 1000; i++) {
		if ((r = imsgbuf_get(ib, imsg)) == 1)
			return;
		assert_int_equal(r, 0);
		pfd.fd = ib->fd;
		pfd.events = POLLIN;
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		assert_int_equal(imsgbuf_read(ib), 1);
	}
	fail_msg("no message");
}

static void
test_roundtrip(void **state)
{
	struct chan	 c;
	struct imsg	 m;

	(void)state;
	chan_open(&c, 0, 0);
	assert_int_equal(imsg_compose(&c.w, 10, 0xdeadbeef, 4242, -1,
	    "hello", 5), 0);
	assert_int_equal(imsg_compose(&c.w, 11, 1, 0, -1, NULL, 0), 0);
	assert_int_equal(imsgbuf_queuelen(&c.w), 2 * IMSG_HEADER_SIZE + 5);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	assert_int_equal(imsgbuf_queuelen(&c.w), 0);

	/* One read takes both. */
	assert_int_equal(imsgbuf_read(&c.r), 1);
	assert_int_equal(imsgbuf_get(&c.r, &m), 1);
	assert_int_equal(m.hdr.type, 10);
	assert_int_equal(m.hdr.peerid, 0xdeadbeef);
	assert_int_equal(m.hdr.pid, 4242);
	assert_int_equal(m.hdr.len, IMSG_HEADER_SIZE + 5);
	assert_int_equal(m.len, 5);
	assert_int_equal(m.fd, -1);
	assert_memory_equal(m.data, "hello", 5);
	imsg_free(&m);

	assert_int_equal(imsgbuf_get(&c.r, &m), 1);
	assert_int_equal(m.hdr.type, 11);
	assert_int_equal(m.hdr.pid, (uint32_t)getpid());	/* pid 0 */
	assert_int_equal(m.hdr.len, IMSG_HEADER_SIZE);
	assert_int_equal(m.len, 0);
	assert_null(m.data);
	imsg_free(&m);

	assert_int_equal(imsgbuf_get(&c.r, &m), 0);
	/* Nothing to read on a non-blocking socket is not an error. */
	assert_int_equal(imsgbuf_read(&c.r), 1);
	assert_int_equal(c.r.rlen, 0);
	chan_close(&c);
}

static void
test_composev_create(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	struct iovec	 iov[4];
	struct ibuf	*b;
	struct cursor	 cur;
	char		 s[16];

	(void)state;
	chan_open(&c, 64, 0);
	iov[0].iov_base = "ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = "cdef";
	iov[2].iov_len = 4;
	iov[3].iov_base = "g";
	iov[3].iov_len = 1;
	assert_int_equal(imsg_composev(&c.w, 5, 6, 7, -1, iov, 4), 0);

	/* The imsg_create size is a hint: the buffer grows to maxsize. */
	assert_non_null(b = imsg_create(&c.w, 20, 21, 22, 4));
	assert_int_equal(ibuf_add_h32(b, 0x01020304), 0);
	assert_int_equal(ibuf_add_string(b, "tcp"), 0);
	assert_int_equal(ibuf_add_u8(b, 0xff), 0);
	assert_int_equal(imsg_close(&c.w, b), 0);

	/* Overfilling past maxsize is caught at imsg_close. */
	assert_non_null(b = imsg_create(&c.w, 30, 0, 0, 0));
	assert_non_null(ibuf_reserve(b, 64));
	assert_int_equal(ibuf_add_u8(b, 1), -1);
	errno = 0;
	assert_int_equal(imsg_close(&c.w, b), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(imsgbuf_queuelen(&c.w),
	    2 * IMSG_HEADER_SIZE + 7 + 9);

	assert_int_equal(imsgbuf_flush(&c.w), 0);
	recv_one(&c.r, &m);
	assert_int_equal(m.hdr.type, 5);
	assert_int_equal(m.len, 7);
	assert_memory_equal(m.data, "abcdefg", 7);
	imsg_free(&m);
	recv_one(&c.r, &m);
	assert_int_equal(m.hdr.type, 20);
	assert_int_equal(m.hdr.peerid, 21);
	assert_int_equal(m.hdr.pid, 22);
	assert_int_equal(m.len, 9);
	imsg_cursor(&m, &cur);
	assert_int_equal(cur_h32(&cur), 0x01020304);
	assert_int_equal(cur_string(&cur, s, sizeof(s)), 0);
	assert_string_equal(s, "tcp");
	assert_int_equal(cur_u8(&cur), 0xff);
	assert_int_equal(cur_end(&cur), 0);
	imsg_free(&m);
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);
	chan_close(&c);
}

/* A message in two parts, the second queued without a copy. */
static void
test_close_tail(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*b;
	char		*tail;

	(void)state;
	chan_open(&c, 64, 0);
	assert_non_null(b = imsg_create(&c.w, 40, 41, 0, 3));
	assert_int_equal(ibuf_add(b, "abc", 3), 0);
	assert_non_null(tail = strdup("defgh"));
	assert_int_equal(imsg_close_tail(&c.w, b, tail, 5), 0);
	assert_int_equal(imsgbuf_queuelen(&c.w), IMSG_HEADER_SIZE + 8);

	/* No tail: imsg_close(). */
	assert_non_null(b = imsg_create(&c.w, 42, 0, 0, 1));
	assert_int_equal(ibuf_add_u8(b, 'x'), 0);
	assert_int_equal(imsg_close_tail(&c.w, b, NULL, 0), 0);

	/* Past maxsize together: refused, and the tail stays the caller's. */
	assert_non_null(b = imsg_create(&c.w, 43, 0, 0, 60));
	assert_non_null(ibuf_reserve(b, 60));
	assert_non_null(tail = strdup("12345"));
	errno = 0;
	assert_int_equal(imsg_close_tail(&c.w, b, tail, 5), -1);
	assert_int_equal(errno, ERANGE);
	free(tail);
	assert_int_equal(imsgbuf_queuelen(&c.w), 2 * IMSG_HEADER_SIZE + 9);

	assert_int_equal(imsgbuf_flush(&c.w), 0);
	recv_one(&c.r, &m);
	assert_int_equal(m.hdr.type, 40);
	assert_int_equal(m.hdr.peerid, 41);
	assert_int_equal(m.len, 8);
	assert_memory_equal(m.data, "abcdefgh", 8);
	imsg_free(&m);
	recv_one(&c.r, &m);
	assert_int_equal(m.hdr.type, 42);
	assert_int_equal(m.len, 1);
	imsg_free(&m);
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);

	/* A tail still queued is freed with the imsgbuf. */
	assert_non_null(b = imsg_create(&c.w, 44, 0, 0, 1));
	assert_int_equal(ibuf_add_u8(b, 'y'), 0);
	assert_non_null(tail = strdup("queued"));
	assert_int_equal(imsg_close_tail(&c.w, b, tail, 6), 0);
	chan_close(&c);
}

/* A tail's slice: only its bytes go, the whole of it is freed. */
static void
test_close_part(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*b;
	char		*tail;

	(void)state;
	chan_open(&c, 64, 0);
	assert_non_null(b = imsg_create(&c.w, 50, 0, 0, 2));
	assert_int_equal(ibuf_add(b, "ab", 2), 0);
	assert_non_null(tail = strdup("xxcdefyy"));
	assert_int_equal(imsg_close_part(&c.w, b, tail, 8, 2, 4), 0);
	assert_int_equal(imsgbuf_queuelen(&c.w), IMSG_HEADER_SIZE + 6);
	/* A slice past the tail: refused, the tail stays the caller's. */
	assert_non_null(b = imsg_create(&c.w, 51, 0, 0, 1));
	assert_int_equal(ibuf_add_u8(b, 'z'), 0);
	assert_non_null(tail = strdup("1234"));
	assert_int_equal(imsg_close_part(&c.w, b, tail, 4, 2, 3), -1);
	assert_int_equal(errno, ERANGE);
	free(tail);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	recv_one(&c.r, &m);
	assert_int_equal(m.hdr.type, 50);
	assert_int_equal(m.len, 6);
	assert_memory_equal(m.data, "abcdef", 6);
	imsg_free(&m);
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);
	chan_close(&c);
}

static void
test_partial_arrival(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 s[2 * IMSG_HEADER_SIZE + 40 + 3], got[sizeof(s)];
	size_t		 n, end1, k;

	(void)state;
	n = put_hdr(s, 3, IMSG_HEADER_SIZE + 40, 77, 88);
	for (k = 0; k < 40; k++)
		s[n++] = 'A' + k % 26;
	end1 = n;
	n += put_hdr(s + n, 4, IMSG_HEADER_SIZE + 3, 0, 1);
	memcpy(s + n, "xyz", 3);
	n += 3;
	assert_int_equal(n, sizeof(s));

	/* What compose puts on the wire is exactly the documented header. */
	chan_open(&c, 0, 0);
	assert_int_equal(imsg_compose(&c.w, 3, 77, 88, -1,
	    s + IMSG_HEADER_SIZE, 40), 0);
	assert_int_equal(imsg_compose(&c.w, 4, 0, 1, -1, "xyz", 3), 0);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	assert_int_equal(read(c.sv[1], got, sizeof(got)), (ssize_t)n);
	assert_memory_equal(got, s, n);

	/* The same bytes one at a time: no message before its last byte. */
	for (k = 1; k <= n; k++) {
		raw_write(c.sv[0], s + k - 1, 1);
		assert_int_equal(imsgbuf_read(&c.r), 1);
		assert_int_equal(imsgbuf_get(&c.r, &m), k == end1 || k == n);
		if (k == end1) {
			assert_int_equal(m.hdr.type, 3);
			assert_int_equal(m.hdr.peerid, 77);
			assert_int_equal(m.hdr.pid, 88);
			assert_int_equal(m.len, 40);
			assert_memory_equal(m.data, s + IMSG_HEADER_SIZE, 40);
			imsg_free(&m);
		} else if (k == n) {
			assert_int_equal(m.hdr.type, 4);
			assert_int_equal(m.len, 3);
			assert_memory_equal(m.data, "xyz", 3);
			imsg_free(&m);
		}
	}
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);
	chan_close(&c);
}

/*
 * Feed a raw header (and nothing else: no payload, no descriptor) to a
 * fresh channel; return what imsgbuf_get says.
 */
static int
get_after_hdr(uint32_t len, size_t maxsize, int fdpass)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 h[IMSG_HEADER_SIZE];
	int		 ret;

	chan_open(&c, maxsize, fdpass);
	put_hdr(h, 1, len, 0, 0);
	raw_write(c.sv[0], h, sizeof(h));
	assert_int_equal(imsgbuf_read(&c.r), 1);
	errno = 0;
	if ((ret = imsgbuf_get(&c.r, &m)) == -1) {
		assert_int_equal(errno, EBADMSG);
		assert_null(m.data);
		assert_int_equal(m.fd, -1);
		/* The channel stays broken. */
		assert_int_equal(imsgbuf_get(&c.r, &m), -1);
	} else if (ret == 1)
		imsg_free(&m);
	chan_close(&c);
	return (ret);
}

static void
test_bad_header(void **state)
{
	(void)state;
	assert_int_equal(get_after_hdr(0, 100, 0), -1);
	assert_int_equal(get_after_hdr(IMSG_HEADER_SIZE - 1, 100, 0), -1);
	assert_int_equal(get_after_hdr(IMSG_HEADER_SIZE, 100, 0), 1);
	/* Exactly maxsize waits for the payload; one more is refused. */
	assert_int_equal(get_after_hdr(IMSG_HEADER_SIZE + 100, 100, 0), 0);
	assert_int_equal(get_after_hdr(IMSG_HEADER_SIZE + 101, 100, 0), -1);
	/* Refused at once, not after waiting for 2 GiB. */
	assert_int_equal(get_after_hdr(0x7fffffff, 100, 0), -1);
	assert_int_equal(get_after_hdr(0xffffffff, 100, 1), -1);
	assert_int_equal(get_after_hdr(IMSG_FD_MARK | 3, 100, 1), -1);
	/* FD_MARK without fd passing, before the payload is there. */
	assert_int_equal(get_after_hdr((IMSG_HEADER_SIZE + 10) |
	    IMSG_FD_MARK, 100, 0), -1);
	assert_int_equal(get_after_hdr((IMSG_HEADER_SIZE + 10) |
	    IMSG_FD_MARK, 100, 1), 0);
	/* FD_MARK on an fdpass channel but no descriptor came. */
	assert_int_equal(get_after_hdr(IMSG_HEADER_SIZE | IMSG_FD_MARK,
	    100, 1), -1);
}

static void
test_limits(void **state)
{
	struct chan	 c;
	struct iovec	 iov[2];
	unsigned char	 big[101];
	int		 p[2], q[2];

	(void)state;
	assert_int_equal(imsgbuf_init(&c.w, -1, 0), 0);
	assert_int_equal(c.w.maxsize, IMSG_MAXSIZE_DEFAULT);
	assert_int_equal(c.w.fdpass, 0);
	imsgbuf_clear(&c.w);
	imsgbuf_clear(&c.w);		/* twice is harmless */
	errno = 0;
	assert_int_equal(imsgbuf_init(&c.w, -1,
	    (IMSG_FD_MARK - 1) - IMSG_HEADER_SIZE + 1), -1);
	assert_int_equal(errno, ERANGE);

	memset(big, 'b', sizeof(big));
	chan_open(&c, 100, 0);
	errno = 0;
	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, -1, big, 101), -1);
	assert_int_equal(errno, ERANGE);
	iov[0].iov_base = big;
	iov[0].iov_len = 60;
	iov[1].iov_base = big;
	iov[1].iov_len = 41;
	errno = 0;
	assert_int_equal(imsg_composev(&c.w, 1, 0, 0, -1, iov, 2), -1);
	assert_int_equal(errno, ERANGE);
	/* iov lengths that wrap around size_t must not slip through. */
	iov[0].iov_len = SIZE_MAX;
	iov[1].iov_len = 2;
	assert_int_equal(imsg_composev(&c.w, 1, 0, 0, -1, iov, 2), -1);
	errno = 0;
	assert_null(imsg_create(&c.w, 1, 0, 0, 101));
	assert_int_equal(errno, ERANGE);
	/* A descriptor on a channel without fd passing is refused. */
	assert_int_equal(pipe(p), 0);
	errno = 0;
	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, p[1], "x", 1), -1);
	assert_int_equal(errno, EINVAL);
	/* The descriptor was handed over: closed even though it failed. */
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	/* The same when the payload is too large. */
	assert_int_equal(pipe(q), 0);
	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, q[1], big, 101), -1);
	assert_int_equal(fcntl(q[1], F_GETFD), -1);
	close(q[0]);
	close(p[0]);
	assert_int_equal(imsgbuf_queuelen(&c.w), 0);
	assert_true(TAILQ_EMPTY(&c.w.wq));

	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, -1, big, 100), 0);
	assert_int_equal(imsgbuf_queuelen(&c.w), IMSG_HEADER_SIZE + 100);
	chan_close(&c);
}

static void
check_pipe(int wfd, int rfd, char ch)
{
	char	 got;

	assert_int_equal(write(wfd, &ch, 1), 1);
	assert_int_equal(read(rfd, &got, 1), 1);
	assert_int_equal(got, ch);
}

static void
test_fdpass(void **state)
{
	struct chan	 c;
	struct imsg	 m1, m2, m3;
	int		 p[2], q[2];

	(void)state;
	chan_open(&c, 0, 1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, p[1], "pfd", 3), 0);
	assert_int_equal(imsg_compose(&c.w, 2, 0, 0, -1, "none", 4), 0);
	assert_int_equal(imsg_compose(&c.w, 3, 0, 0, q[1], "qfd", 3), 0);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	/* The sender's copies are gone once sent. */
	errno = 0;
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(fcntl(q[1], F_GETFD), -1);
	assert_int_equal(errno, EBADF);

	recv_one(&c.r, &m1);
	recv_one(&c.r, &m2);
	recv_one(&c.r, &m3);
	assert_int_equal(m1.hdr.type, 1);
	assert_int_equal(m1.hdr.len, IMSG_HEADER_SIZE + 3);	/* no mark */
	assert_int_not_equal(m1.fd, -1);
	assert_true(fcntl(m1.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(m2.fd, -1);
	assert_memory_equal(m2.data, "none", 4);
	assert_int_not_equal(m3.fd, -1);
	/* Each descriptor went with its own message. */
	check_pipe(m1.fd, p[0], 'p');
	check_pipe(m3.fd, q[0], 'q');
	assert_int_equal(c.r.nfds, 0);
	imsg_free(&m1);
	imsg_free(&m2);
	imsg_free(&m3);
	close(p[0]);
	close(q[0]);
	chan_close(&c);
}

/*
 * A peer sends nfd copies of a pipe end with each of `sends' headers.
 * Refused or dropped descriptors must not leak.
 */
static void
fds_refused(int fdpass, int nfd, int sends)
{
	struct chan	 c;
	unsigned char	 s[IMSG_HEADER_SIZE];
	int		 p[2], fds[8], base, i, rv;

	chan_open(&c, 0, fdpass);
	base = count_fds();
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < nfd; i++)
		fds[i] = p[1];
	put_hdr(s, 1, IMSG_HEADER_SIZE, 0, 0);
	for (i = 0; i < sends; i++)
		raw_sendfds(c.sv[0], s, sizeof(s), fds, nfd);
	close(p[1]);
	for (i = 0; i < sends; i++) {
		errno = 0;
		rv = imsgbuf_read(&c.r);
		if (!fdpass || nfd > IMSG_MAXFDS) {
			assert_int_equal(rv, -1);
			assert_int_equal(errno, EBADMSG);
			break;
		}
		assert_int_equal(rv, 1);
		assert_true(c.r.nfds <= IMSG_MAXFDS);
	}
	imsgbuf_clear(&c.r);
	close(p[0]);
	assert_int_equal(count_fds(), base);
	chan_close(&c);
}

static void
test_fd_leaks(void **state)
{
	(void)state;
	fds_refused(0, 1, 1);		/* channel without fd passing */
	fds_refused(0, 3, 1);
	fds_refused(1, IMSG_MAXFDS + 1, 1);	/* control truncated */
	fds_refused(1, 1, IMSG_MAXFDS + 3);	/* more than are kept */
}

static void
test_eof(void **state)
{
	struct chan	 c;
	struct imsg	 m;

	(void)state;
	chan_open(&c, 0, 0);
	assert_int_equal(imsg_compose(&c.w, 9, 0, 0, -1, "last", 4), 0);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	close(c.sv[0]);
	c.sv[0] = -1;
	/* Data sent before the close still arrives, then EOF. */
	assert_int_equal(imsgbuf_read(&c.r), 1);
	assert_int_equal(imsgbuf_get(&c.r, &m), 1);
	assert_memory_equal(m.data, "last", 4);
	imsg_free(&m);
	assert_int_equal(imsgbuf_read(&c.r), 0);
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);

	/* Writing to a closed peer fails (EPIPE, no SIGPIPE). */
	assert_int_equal(imsg_compose(&c.r, 9, 0, 0, -1, "gone", 4), 0);
	errno = 0;
	assert_int_equal(imsgbuf_write(&c.r), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(imsgbuf_flush(&c.r), -1);
	chan_close(&c);
}

/* Payload of message seq: a pattern that starts with seq itself. */
static void
fill(unsigned char *p, size_t len, uint32_t seq)
{
	size_t	 j;

	for (j = 0; j < len; j++)
		p[j] = (unsigned char)(seq * 31 + j * 7);
	if (len >= sizeof(seq))
		memcpy(p, &seq, sizeof(seq));
}

static void
check_msg(const struct imsg *m, uint32_t seq, size_t len)
{
	unsigned char	*want;

	assert_int_equal(m->hdr.peerid, seq);
	assert_int_equal(m->len, len);
	if (len == 0) {
		assert_null(m->data);
		return;
	}
	assert_non_null(want = malloc(len));
	fill(want, len, seq);
	assert_memory_equal(m->data, want, len);
	free(want);
}

#define BP_PAYLOAD	16000
#define BP_COUNT	(4 * 1024 * 1024 / BP_PAYLOAD + 1)

static void
test_backpressure(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 buf[BP_PAYLOAD];
	uint32_t	 seq, next = 0;
	size_t		 total, prev;
	int		 rounds = 0, rv;

	(void)state;
	chan_open(&c, 0, 0);
	for (seq = 0; seq < BP_COUNT; seq++) {
		fill(buf, sizeof(buf), seq);
		assert_int_equal(imsg_compose(&c.w, 1, seq, 0, -1, buf,
		    sizeof(buf)), 0);
	}
	total = BP_COUNT * (size_t)(IMSG_HEADER_SIZE + BP_PAYLOAD);
	assert_int_equal(imsgbuf_queuelen(&c.w), total);

	/* Write until the socket is full: then a write sends nothing. */
	do {
		prev = imsgbuf_queuelen(&c.w);
		assert_int_equal(imsgbuf_write(&c.w), 0);
	} while (imsgbuf_queuelen(&c.w) < prev);
	assert_true(prev > 0 && prev < total);

	while (next < BP_COUNT) {
		assert_true(++rounds < 100000);
		assert_int_equal(imsgbuf_read(&c.r), 1);
		while ((rv = imsgbuf_get(&c.r, &m)) == 1) {
			check_msg(&m, next++, BP_PAYLOAD);
			imsg_free(&m);
		}
		assert_int_equal(rv, 0);
		assert_int_equal(imsgbuf_write(&c.w), 0);
		assert_true(imsgbuf_queuelen(&c.w) <= prev);
		prev = imsgbuf_queuelen(&c.w);
	}
	assert_int_equal(imsgbuf_queuelen(&c.w), 0);
	assert_true(TAILQ_EMPTY(&c.w.wq));
	chan_close(&c);
}

static void
test_free_clear(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 hb[IMSG_HEADER_SIZE + 2];
	int		 p[2], q[2], fd, base;

	(void)state;
	chan_open(&c, 0, 1);
	base = count_fds();

	/* imsg_free closes a descriptor nobody claimed. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(imsg_compose(&c.w, 1, 0, 0, p[1], "secret", 6), 0);
	assert_int_equal(imsgbuf_flush(&c.w), 0);
	recv_one(&c.r, &m);
	fd = m.fd;
	assert_int_not_equal(fd, -1);
	imsg_free(&m);
	assert_null(m.data);
	assert_int_equal(m.fd, -1);
	errno = 0;
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	imsg_free(&m);			/* twice is harmless */
	close(p[0]);
	assert_int_equal(count_fds(), base);

	/*
	 * r holds a descriptor whose message is still half on its way;
	 * w has a descriptor and data queued: clear frees and closes all.
	 */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	put_hdr(hb, 2, (IMSG_HEADER_SIZE + 4) | IMSG_FD_MARK, 0, 0);
	memcpy(hb + IMSG_HEADER_SIZE, "ab", 2);	/* "cd" never comes */
	raw_sendfds(c.sv[0], hb, sizeof(hb), &p[1], 1);
	close(p[1]);
	assert_int_equal(imsgbuf_read(&c.r), 1);
	assert_int_equal(imsgbuf_get(&c.r, &m), 0);
	assert_int_equal(c.r.nfds, 1);
	assert_int_equal(imsg_compose(&c.w, 3, 0, 0, q[1], "x", 1), 0);
	assert_int_equal(imsg_compose(&c.w, 4, 0, 0, -1, "yz", 2), 0);
	imsgbuf_clear(&c.w);
	imsgbuf_clear(&c.r);
	assert_int_equal(imsgbuf_queuelen(&c.w), 0);
	assert_int_equal(c.r.nfds, 0);
	assert_null(c.r.rbuf);
	close(p[0]);
	close(q[0]);
	assert_int_equal(count_fds(), base);
	chan_close(&c);
}

/* xorshift32: the same sequence on every platform. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

#define RND_MAX		3000
#define RND_COUNT	600

static void
test_random(void **state)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*s;
	uint32_t	 seed = 0x0cca3c, types[RND_COUNT], sizes[RND_COUNT];
	size_t		 n = 0, off, chunk;
	int		 avail, got = 0, i, rv;

	(void)state;
	assert_non_null(s = malloc(RND_COUNT *
	    (size_t)(IMSG_HEADER_SIZE + RND_MAX)));
	for (i = 0; i < RND_COUNT; i++) {
		types[i] = rnd(&seed);
		sizes[i] = i < 2 ? i * (uint32_t)RND_MAX :
		    rnd(&seed) % (RND_MAX + 1);
		n += put_hdr(s + n, types[i], IMSG_HEADER_SIZE + sizes[i],
		    i, ~types[i]);
		fill(s + n, sizes[i], i);
		n += sizes[i];
	}

	chan_open(&c, RND_MAX, 0);
	for (off = 0; off < n; off += chunk) {
		/* A quarter of the writes are tiny, the rest up to 6000. */
		chunk = rnd(&seed) % 4 == 0 ? rnd(&seed) % 8 + 1 :
		    rnd(&seed) % 6000 + 1;
		if (chunk > n - off)
			chunk = n - off;
		raw_write(c.sv[0], s + off, chunk);
		do {
			assert_int_equal(imsgbuf_read(&c.r), 1);
			while ((rv = imsgbuf_get(&c.r, &m)) == 1) {
				assert_true(got < RND_COUNT);
				assert_int_equal(m.hdr.type, types[got]);
				assert_int_equal(m.hdr.pid, ~types[got]);
				check_msg(&m, got, sizes[got]);
				imsg_free(&m);
				got++;
			}
			assert_int_equal(rv, 0);
			assert_int_equal(ioctl(c.sv[1], FIONREAD, &avail), 0);
		} while (avail > 0);
	}
	assert_int_equal(got, RND_COUNT);
	assert_int_equal(c.r.rlen, 0);
	free(s);
	chan_close(&c);
}

/*
 * Every sibling message type has a name of its own (the array's size is
 * checked against the enum when lib/privsep.c is compiled; a gap in it
 * is found here), and a type past the enum is said to be unknown.
 */
static void
test_type_names(void **state)
{
	char		 seen[IMSG_MAX][32];
	const char	*name;
	uint32_t	 i, j;

	(void)state;
	for (i = 0; i < IMSG_MAX; i++) {
		name = imsg_type_name(i);
		assert_non_null(name);
		assert_true(strncmp(name, "unknown", 7) != 0);
		assert_true(strlen(name) < sizeof(seen[i]));
		strlcpy(seen[i], name, sizeof(seen[i]));
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[j], name);
	}
	snprintf(seen[0], sizeof(seen[0]), "unknown type %u", IMSG_MAX);
	assert_string_equal(imsg_type_name(IMSG_MAX), seen[0]);
	assert_string_equal(imsg_type_name(0x7fff), "unknown type 32767");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_composev_create),
		cmocka_unit_test(test_close_tail),
		cmocka_unit_test(test_partial_arrival),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fdpass),
		cmocka_unit_test(test_fd_leaks),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_free_clear),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_close_part),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
