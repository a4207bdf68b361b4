/* SPDX-License-Identifier: ISC */
/*
 * A small imsg: framed messages over a UNIX stream socket between
 * the processes of one node, and between ockamctl and ockam-routed.
 *
 * Header (16 bytes, host byte order): type, len, peerid, pid.  len
 * counts the header; its top bit (IMSG_FD_MARK) says a descriptor
 * travels with the message.  Each channel has its own maximum size,
 * and fd passing is off unless imsgbuf_allow_fdpass() was called.
 *
 * A descriptor handed to imsg_compose() and friends belongs to the
 * imsgbuf from then on: it is closed once sent, and also when the
 * call fails.
 */
#ifndef OCKAM_IMSG_H
#define OCKAM_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>

#include "buf.h"

#define IMSG_HEADER_SIZE	16
#define IMSG_FD_MARK		0x80000000U
#define IMSG_MAXSIZE_DEFAULT	16384
#define IMSG_MAXFDS		4	/* received fds waiting for a message */

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;
	uint32_t	 peerid;
	uint32_t	 pid;
};

struct imsgbuf {
	TAILQ_HEAD(, ibuf)	 wq;
	size_t			 wqlen;		/* bytes queued to send */
	unsigned char		*rbuf;
	size_t			 rsize;
	size_t			 roff;		/* start of pending bytes */
	size_t			 rlen;		/* pending bytes */
	size_t			 maxsize;	/* payload, header excluded */
	int			 fds[IMSG_MAXFDS];
	int			 nfds;
	int			 fd;
	int			 fdpass;
	pid_t			 pid;
};

struct imsg {
	struct imsg_hdr		 hdr;
	unsigned char		*data;
	size_t			 len;		/* payload bytes */
	int			 fd;
};

int		 imsgbuf_init(struct imsgbuf *, int, size_t);
void		 imsgbuf_allow_fdpass(struct imsgbuf *);
void		 imsgbuf_clear(struct imsgbuf *);
int		 imsgbuf_read(struct imsgbuf *);
int		 imsgbuf_write(struct imsgbuf *);
int		 imsgbuf_flush(struct imsgbuf *);
size_t		 imsgbuf_queuelen(const struct imsgbuf *);
int		 imsgbuf_get(struct imsgbuf *, struct imsg *);

int		 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    int, const void *, size_t);
int		 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    int, const struct iovec *, int);
struct ibuf	*imsg_create(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    size_t);
int		 imsg_close(struct imsgbuf *, struct ibuf *);
int		 imsg_close_tail(struct imsgbuf *, struct ibuf *, void *,
		    size_t);
int		 imsg_close_part(struct imsgbuf *, struct ibuf *, void *,
		    size_t, size_t, size_t);
void		 imsg_free(struct imsg *);
void		 imsg_cursor(const struct imsg *, struct cursor *);

#endif /* OCKAM_IMSG_H */
