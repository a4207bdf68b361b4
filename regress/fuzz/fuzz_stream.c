/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the stream and index protocols (lib/stream.c).
 *
 * The input is a ProtocolPayload from the network.  Each decoder of
 * its protocol either fails, saying why, or succeeds; what it decoded,
 * encoded again, must decode to the same values (the decoders accept
 * non-minimal varints, the encoders write minimal ones, so the bytes
 * may differ, the values may not).
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzzutil.h"
#include "route.h"
#include "stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_stream: invariant failed: %s\n", what);
		abort();
	}
}

/* The message of b's envelope, which must be of protocol want. */
static void
again(struct ibuf *b, int want, struct cursor *c)
{
	const char	*errstr = NULL;
	int		 proto = -1;

	check(ibuf_error(b) == 0, "encoding failed");
	check(stream_decode(ibuf_data(b), ibuf_size(b), &proto, c,
	    &errstr) == 0, "re-encoded envelope does not decode");
	check(proto == want, "re-encoded protocol changed");
}

static void
same_create(struct cursor *c, int init)
{
	struct stream_create	 a, b;
	struct cursor		 c2;
	struct ibuf		*buf;
	const char		*errstr = NULL;

	if ((init ? stream_dec_init(c, &a, &errstr) :
	    stream_dec_create(c, &a, &errstr)) == -1) {
		check(errstr != NULL, "create: no reason");
		return;
	}
	if ((buf = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
		abort();
	if (init)
		stream_enc_init(buf, a.name);
	else
		stream_enc_create(buf, a.has_name ? a.name : NULL);
	again(buf, STREAM_P_CREATE, &c2);
	check((init ? stream_dec_init(&c2, &b, &errstr) :
	    stream_dec_create(&c2, &b, &errstr)) == 0 &&
	    a.has_name == b.has_name && strcmp(a.name, b.name) == 0,
	    "create changed");
	ibuf_free(buf);
}

static void
same_push(struct cursor *c)
{
	struct stream_push	 a, b;
	struct stream_confirm	 ca, cb;
	struct cursor		 c2, c3;
	struct ibuf		*buf;
	const char		*errstr = NULL;

	c3 = *c;
	if (stream_dec_push(c, &a, &errstr) == 0) {
		if ((buf = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
			abort();
		stream_enc_push(buf, &a);
		again(buf, STREAM_P_PUSH, &c2);
		check(stream_dec_push(&c2, &b, &errstr) == 0 &&
		    a.request_id == b.request_id && a.len == b.len &&
		    memcmp(a.data, b.data, a.len) == 0, "push changed");
		ibuf_free(buf);
	} else
		check(errstr != NULL, "push: no reason");
	errstr = NULL;
	if (stream_dec_confirm(&c3, &ca, &errstr) == 0) {
		if ((buf = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
			abort();
		stream_enc_confirm(buf, &ca);
		again(buf, STREAM_P_PUSH, &c2);
		check(stream_dec_confirm(&c2, &cb, &errstr) == 0 &&
		    ca.request_id == cb.request_id &&
		    ca.status == cb.status && (ca.status != STREAM_OK ||
		    ca.index == cb.index), "confirm changed");
		ibuf_free(buf);
	} else
		check(errstr != NULL, "confirm: no reason");
}

static void
same_pull(struct cursor *c)
{
	struct stream_pull	 a, b;
	struct stream_pulled	 p;
	struct stream_msg	 m;
	struct cursor		 c2, c3;
	struct ibuf		*buf;
	const char		*errstr = NULL;
	uint64_t		 n = 0;

	c3 = *c;
	if (stream_dec_pull(c, &a, &errstr) == 0) {
		if ((buf = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
			abort();
		stream_enc_pull(buf, &a);
		again(buf, STREAM_P_PULL, &c2);
		check(stream_dec_pull(&c2, &b, &errstr) == 0 &&
		    memcmp(&a, &b, sizeof(a)) == 0, "pull changed");
		ibuf_free(buf);
	} else
		check(errstr != NULL, "pull: no reason");
	errstr = NULL;
	if (stream_dec_pulled(&c3, &p, &errstr) == -1) {
		check(errstr != NULL, "pulled: no reason");
		return;
	}
	while (stream_pulled_next(&p, &m, &errstr) == 1)
		n++;
	check(n == p.count, "pulled: not every message read");
}

static void
same_index(struct cursor *c, int reply)
{
	struct stream_index	 a, b;
	struct cursor		 c2;
	struct ibuf		*buf;
	const char		*errstr = NULL;

	if ((reply ? stream_dec_index_reply(c, &a, &errstr) :
	    stream_dec_index(c, &a, &errstr)) == -1) {
		check(errstr != NULL, "index: no reason");
		return;
	}
	if ((buf = ibuf_open(64, OCKAM_MSG_MAX)) == NULL)
		abort();
	stream_enc_index(buf, &a);
	again(buf, STREAM_P_INDEX, &c2);
	check((reply ? stream_dec_index_reply(&c2, &b, &errstr) :
	    stream_dec_index(&c2, &b, &errstr)) == 0 && a.op == b.op &&
	    a.has_index == b.has_index && (!a.has_index ||
	    a.index == b.index) && strcmp(a.name, b.name) == 0 &&
	    strcmp(a.client_id, b.client_id) == 0, "index changed");
	ibuf_free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cursor	 c, c2;
	const char	*errstr = NULL;
	char		 reason[STREAM_REASON_MAX + 1];
	int		 proto;

	if (stream_decode(data, len, &proto, &c, &errstr) == -1) {
		check(errstr != NULL, "envelope: no reason");
		return (0);
	}
	c2 = c;
	switch (proto) {
	case STREAM_P_CREATE:
		same_create(&c, 0);
		same_create(&c2, 1);
		break;
	case STREAM_P_PUSH:
		same_push(&c);
		break;
	case STREAM_P_PULL:
		same_pull(&c);
		break;
	case STREAM_P_INDEX:
		same_index(&c, 0);
		same_index(&c2, 1);
		break;
	case STREAM_P_ERROR:
		if (stream_dec_error(&c, reason, sizeof(reason),
		    &errstr) == -1)
			check(errstr != NULL, "error: no reason");
		break;
	default:
		check(0, "unknown protocol decoded");
	}
	return (0);
}
