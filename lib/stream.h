/* SPDX-License-Identifier: ISC */
/*
 * The stream and index protocols of Ockam's 2021 hub, in BARE
 * (doc/design.md 4.5).  Every payload is a ProtocolPayload
 *
 *	protocol:	string ("stream_create", "stream_push", ...)
 *	data:		data, the BARE encoding of the message
 *
 * and every integer in a message is a BARE uint: full 64 bits, a value
 * that would need more is an error.  Decoders check a message whole
 * (nothing may follow it) and point into the input for data fields.
 */
#ifndef OCKAM_STREAM_H
#define OCKAM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct ibuf;

#define STREAM_NAME_MAX		255	/* bytes in a stream name */
#define STREAM_CLIENT_MAX	255	/* bytes in an index client id */
#define STREAM_REASON_MAX	255	/* bytes in an error reason */

/*
 * The most a ProtocolPayload of a pull reply may need besides its
 * records, and the most one record may need besides its data: with
 * them a service sizes its replies to one frame.
 */
#define STREAM_PULL_FIXED	(1 + 11 + 3 + 10 + 10)
#define STREAM_MSG_FIXED	(10 + 3)

enum stream_proto {
	STREAM_P_CREATE,	/* CreateStreamRequest, Init */
	STREAM_P_PUSH,		/* PushRequest, PushConfirm */
	STREAM_P_PULL,		/* PullRequest, PullResponse */
	STREAM_P_INDEX,		/* Get or Save, Index */
	STREAM_P_ERROR,		/* { reason } */
	STREAM_P_MAX
};

enum stream_status {
	STREAM_OK,
	STREAM_ERROR
};

enum stream_index_op {
	STREAM_INDEX_GET,	/* union variant 0 */
	STREAM_INDEX_SAVE,	/* union variant 1 */
	STREAM_INDEX_REPLY	/* the service's answer to a Get */
};

/* CreateStreamRequest (has_name 0: the service picks one), Init. */
struct stream_create {
	int		 has_name;
	char		 name[STREAM_NAME_MAX + 1];
};

struct stream_push {
	uint64_t	 request_id;
	const void	*data;
	size_t		 len;
};

struct stream_confirm {
	uint64_t	 request_id;
	int		 status;	/* enum stream_status */
	uint64_t	 index;
};

struct stream_pull {
	uint64_t	 request_id;
	uint64_t	 index;
	uint64_t	 limit;
};

/* One StreamMessage of a PullResponse. */
struct stream_msg {
	uint64_t	 index;
	const void	*data;
	size_t		 len;
};

/* A PullResponse: its messages are read with stream_pulled_next(). */
struct stream_pulled {
	uint64_t	 request_id;
	uint64_t	 count;
	uint64_t	 seen;
	struct cursor	 msgs;
};

struct stream_index {
	int		 op;		/* enum stream_index_op */
	char		 client_id[STREAM_CLIENT_MAX + 1];
	char		 name[STREAM_NAME_MAX + 1];
	int		 has_index;	/* Save: 1; Index: 0 when absent */
	uint64_t	 index;
};

const char	*stream_proto_name(int);

/* Encoders: each writes one whole ProtocolPayload to the buffer. */
int	 stream_enc_create(struct ibuf *, const char *);
int	 stream_enc_init(struct ibuf *, const char *);
int	 stream_enc_push(struct ibuf *, const struct stream_push *);
int	 stream_enc_confirm(struct ibuf *, const struct stream_confirm *);
int	 stream_enc_pull(struct ibuf *, const struct stream_pull *);
int	 stream_enc_pulled(struct ibuf *, uint64_t, const struct stream_msg *,
	    size_t);
int	 stream_enc_index(struct ibuf *, const struct stream_index *);
int	 stream_enc_error(struct ibuf *, const char *);
size_t	 stream_msg_len(uint64_t, size_t);

/*
 * Decoders.  stream_decode() reads the envelope: the protocol, and a
 * cursor on its data for the decoder of that protocol and direction.
 * Each returns 0, or -1 with *errstr saying why.
 */
int	 stream_decode(const void *, size_t, int *, struct cursor *,
	    const char **);
int	 stream_dec_create(struct cursor *, struct stream_create *,
	    const char **);
int	 stream_dec_init(struct cursor *, struct stream_create *,
	    const char **);
int	 stream_dec_push(struct cursor *, struct stream_push *,
	    const char **);
int	 stream_dec_confirm(struct cursor *, struct stream_confirm *,
	    const char **);
int	 stream_dec_pull(struct cursor *, struct stream_pull *,
	    const char **);
int	 stream_dec_pulled(struct cursor *, struct stream_pulled *,
	    const char **);
int	 stream_pulled_next(struct stream_pulled *, struct stream_msg *,
	    const char **);
int	 stream_dec_index(struct cursor *, struct stream_index *,
	    const char **);
int	 stream_dec_index_reply(struct cursor *, struct stream_index *,
	    const char **);
int	 stream_dec_error(struct cursor *, char *, size_t, const char **);

#endif /* OCKAM_STREAM_H */
