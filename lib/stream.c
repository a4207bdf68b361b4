/* SPDX-License-Identifier: ISC */
/*
 * The stream and index protocols in BARE (stream.h, doc/design.md 4.5).
 * A message is encoded straight into the caller's buffer: its length,
 * which the envelope's data field needs first, is computed beforehand.
 */

#include <sys/queue.h>

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "stream.h"

static const char *const protos[STREAM_P_MAX] = {
	[STREAM_P_CREATE] = "stream_create",
	[STREAM_P_PUSH] = "stream_push",
	[STREAM_P_PULL] = "stream_pull",
	[STREAM_P_INDEX] = "stream_index",
	[STREAM_P_ERROR] = "error",
};

static size_t	 str_len(const char *);
static int	 head(struct ibuf *, int, size_t);
static int	 fail(struct cursor *, const char **, const char *);
static int	 done(struct cursor *, const char **);
static int	 dec_name(struct cursor *, char *, size_t, const char **,
		    const char *);
static int	 dec_option(struct cursor *, const char **);
static int	 dec_index_names(struct cursor *, struct stream_index *,
		    const char **);

const char *
stream_proto_name(int proto)
{
	if (proto < 0 || proto >= STREAM_P_MAX)
		return ("unknown");
	return (protos[proto]);
}

/* Encoded size of a BARE string. */
static size_t
str_len(const char *s)
{
	size_t	 n = strlen(s);

	return (uvarint_len(n) + n);
}

/* The envelope up to the message: protocol, then the data's length. */
static int
head(struct ibuf *b, int proto, size_t len)
{
	ibuf_add_string(b, protos[proto]);
	return (ibuf_add_uvarint(b, len));
}

int
stream_enc_create(struct ibuf *b, const char *name)
{
	if (name == NULL) {
		head(b, STREAM_P_CREATE, 1);
		return (ibuf_add_u8(b, 0));
	}
	if (strlen(name) > STREAM_NAME_MAX)
		return (-1);
	head(b, STREAM_P_CREATE, 1 + str_len(name));
	ibuf_add_u8(b, 1);
	return (ibuf_add_string(b, name));
}

int
stream_enc_init(struct ibuf *b, const char *name)
{
	if (strlen(name) > STREAM_NAME_MAX)
		return (-1);
	head(b, STREAM_P_CREATE, str_len(name));
	return (ibuf_add_string(b, name));
}

int
stream_enc_push(struct ibuf *b, const struct stream_push *p)
{
	head(b, STREAM_P_PUSH, uvarint_len(p->request_id) +
	    uvarint_len(p->len) + p->len);
	ibuf_add_uvarint(b, p->request_id);
	return (ibuf_add_bare(b, p->data, p->len));
}

int
stream_enc_confirm(struct ibuf *b, const struct stream_confirm *p)
{
	head(b, STREAM_P_PUSH, uvarint_len(p->request_id) + 1 +
	    uvarint_len(p->index));
	ibuf_add_uvarint(b, p->request_id);
	ibuf_add_uvarint(b, p->status == STREAM_OK ? 0 : 1);
	return (ibuf_add_uvarint(b, p->index));
}

int
stream_enc_pull(struct ibuf *b, const struct stream_pull *p)
{
	head(b, STREAM_P_PULL, uvarint_len(p->request_id) +
	    uvarint_len(p->index) + uvarint_len(p->limit));
	ibuf_add_uvarint(b, p->request_id);
	ibuf_add_uvarint(b, p->index);
	return (ibuf_add_uvarint(b, p->limit));
}

/* Encoded size of one StreamMessage. */
size_t
stream_msg_len(uint64_t index, size_t len)
{
	return (uvarint_len(index) + uvarint_len(len) + len);
}

int
stream_enc_pulled(struct ibuf *b, uint64_t request_id,
    const struct stream_msg *m, size_t n)
{
	size_t	 i, len;

	len = uvarint_len(request_id) + uvarint_len(n);
	for (i = 0; i < n; i++)
		len += stream_msg_len(m[i].index, m[i].len);
	head(b, STREAM_P_PULL, len);
	ibuf_add_uvarint(b, request_id);
	ibuf_add_uvarint(b, n);
	for (i = 0; i < n; i++) {
		ibuf_add_uvarint(b, m[i].index);
		ibuf_add_bare(b, m[i].data, m[i].len);
	}
	return (ibuf_error(b));
}

/* Get, Save (requests) or Index (the reply to a Get). */
int
stream_enc_index(struct ibuf *b, const struct stream_index *p)
{
	size_t	 len;

	if (strlen(p->client_id) > STREAM_CLIENT_MAX ||
	    strlen(p->name) > STREAM_NAME_MAX)
		return (-1);
	len = str_len(p->client_id) + str_len(p->name);
	switch (p->op) {
	case STREAM_INDEX_GET:
		head(b, STREAM_P_INDEX, 1 + len);
		ibuf_add_u8(b, 0);
		break;
	case STREAM_INDEX_SAVE:
		head(b, STREAM_P_INDEX, 1 + len + uvarint_len(p->index));
		ibuf_add_u8(b, 1);
		break;
	case STREAM_INDEX_REPLY:
		head(b, STREAM_P_INDEX, len + 1 +
		    (p->has_index ? uvarint_len(p->index) : 0));
		break;
	default:
		return (-1);
	}
	ibuf_add_string(b, p->client_id);
	ibuf_add_string(b, p->name);
	if (p->op == STREAM_INDEX_REPLY)
		ibuf_add_u8(b, p->has_index ? 1 : 0);
	if (p->op == STREAM_INDEX_SAVE ||
	    (p->op == STREAM_INDEX_REPLY && p->has_index))
		ibuf_add_uvarint(b, p->index);
	return (ibuf_error(b));
}

int
stream_enc_error(struct ibuf *b, const char *reason)
{
	if (strlen(reason) > STREAM_REASON_MAX)
		return (-1);
	head(b, STREAM_P_ERROR, str_len(reason));
	return (ibuf_add_string(b, reason));
}

static int
fail(struct cursor *c, const char **errstr, const char *why)
{
	c->err = 1;
	if (errstr != NULL)
		*errstr = why;
	return (-1);
}

/* The message must have been read whole. */
static int
done(struct cursor *c, const char **errstr)
{
	if (cur_ok(c) == -1)
		return (fail(c, errstr, "truncated or overflowing field"));
	if (cur_end(c) == -1)
		return (fail(c, errstr, "trailing bytes"));
	return (0);
}

/*
 * The envelope: the protocol goes to *proto and c is set on its data,
 * which must be all that follows.
 */
int
stream_decode(const void *buf, size_t len, int *proto, struct cursor *c,
    const char **errstr)
{
	struct cursor	 env;
	const char	*p, *d;
	size_t		 plen, dlen;
	int		 i;

	cur_init(&env, buf, len);
	p = cur_bare(&env, &plen, 64);
	d = cur_bare(&env, &dlen, len);
	cur_init(c, d, dlen);
	if (p == NULL || d == NULL || done(&env, errstr) == -1)
		return (fail(c, errstr, "malformed envelope"));
	for (i = 0; i < STREAM_P_MAX; i++) {
		if (strlen(protos[i]) == plen &&
		    memcmp(protos[i], p, plen) == 0) {
			*proto = i;
			return (0);
		}
	}
	return (fail(c, errstr, "unknown protocol"));
}

/* The tag of a BARE optional: 1 present, 0 absent, -1 anything else. */
static int
dec_option(struct cursor *c, const char **errstr)
{
	uint8_t	 tag;

	tag = cur_u8(c);
	if (cur_ok(c) == -1)
		return (done(c, errstr));
	if (tag > 1)
		return (fail(c, errstr, "bad optional tag"));
	return (tag);
}

/* A BARE string of at most max - 1 bytes without NUL, into dst. */
static int
dec_name(struct cursor *c, char *dst, size_t max, const char **errstr,
    const char *what)
{
	if (cur_ok(c) == -1)
		return (done(c, errstr));
	if (cur_string(c, dst, max) == -1)
		return (fail(c, errstr, what));
	return (0);
}

int
stream_dec_create(struct cursor *c, struct stream_create *p,
    const char **errstr)
{
	memset(p, 0, sizeof(*p));
	if ((p->has_name = dec_option(c, errstr)) == -1)
		return (-1);
	if (p->has_name && dec_name(c, p->name, sizeof(p->name), errstr,
	    "bad stream name") == -1)
		return (-1);
	return (done(c, errstr));
}

int
stream_dec_init(struct cursor *c, struct stream_create *p,
    const char **errstr)
{
	memset(p, 0, sizeof(*p));
	p->has_name = 1;
	if (dec_name(c, p->name, sizeof(p->name), errstr,
	    "bad stream name") == -1)
		return (-1);
	return (done(c, errstr));
}

int
stream_dec_push(struct cursor *c, struct stream_push *p,
    const char **errstr)
{
	memset(p, 0, sizeof(*p));
	p->request_id = cur_uvarint(c);
	p->data = cur_bare(c, &p->len, c->left);
	return (done(c, errstr));
}

int
stream_dec_confirm(struct cursor *c, struct stream_confirm *p,
    const char **errstr)
{
	uint64_t	 status;

	memset(p, 0, sizeof(*p));
	p->request_id = cur_uvarint(c);
	status = cur_uvarint(c);
	p->index = cur_uvarint(c);
	if (cur_ok(c) == 0 && status > STREAM_ERROR)
		return (fail(c, errstr, "bad status"));
	p->status = status;
	return (done(c, errstr));
}

int
stream_dec_pull(struct cursor *c, struct stream_pull *p,
    const char **errstr)
{
	memset(p, 0, sizeof(*p));
	p->request_id = cur_uvarint(c);
	p->index = cur_uvarint(c);
	p->limit = cur_uvarint(c);
	return (done(c, errstr));
}

/*
 * A PullResponse, checked whole here (every message, nothing after
 * the last) so that stream_pulled_next() cannot fail.
 */
int
stream_dec_pulled(struct cursor *c, struct stream_pulled *p,
    const char **errstr)
{
	struct cursor	 check;
	uint64_t	 i;

	memset(p, 0, sizeof(*p));
	p->request_id = cur_uvarint(c);
	p->count = cur_uvarint(c);
	if (cur_ok(c) == -1)
		return (done(c, errstr));
	/* Each message takes two bytes at least. */
	if (p->count > c->left / 2)
		return (fail(c, errstr, "message count beyond the data"));
	p->msgs = *c;
	check = *c;
	for (i = 0; i < p->count && cur_ok(&check) == 0; i++) {
		(void)cur_uvarint(&check);
		(void)cur_bare(&check, NULL, check.left);
	}
	*c = check;
	return (done(c, errstr));
}

/* The next message of a PullResponse: 1, or 0 after the last one. */
int
stream_pulled_next(struct stream_pulled *p, struct stream_msg *m,
    const char **errstr)
{
	if (p->seen >= p->count)
		return (0);
	m->index = cur_uvarint(&p->msgs);
	m->data = cur_bare(&p->msgs, &m->len, p->msgs.left);
	if (cur_ok(&p->msgs) == -1)
		return (fail(&p->msgs, errstr, "truncated message"));
	p->seen++;
	return (1);
}

/* The two names every index message starts with. */
static int
dec_index_names(struct cursor *c, struct stream_index *p,
    const char **errstr)
{
	if (dec_name(c, p->client_id, sizeof(p->client_id), errstr,
	    "bad client id") == -1)
		return (-1);
	return (dec_name(c, p->name, sizeof(p->name), errstr,
	    "bad stream name"));
}

/* A request to the index service: Get or Save. */
int
stream_dec_index(struct cursor *c, struct stream_index *p,
    const char **errstr)
{
	uint64_t	 op;

	memset(p, 0, sizeof(*p));
	op = cur_uvarint(c);
	if (cur_ok(c) == 0 && op > STREAM_INDEX_SAVE)
		return (fail(c, errstr, "bad index request variant"));
	p->op = op;
	if (dec_index_names(c, p, errstr) == -1)
		return (-1);
	if (p->op == STREAM_INDEX_SAVE) {
		p->has_index = 1;
		p->index = cur_uvarint(c);
	}
	return (done(c, errstr));
}

/* The index service's answer to a Get. */
int
stream_dec_index_reply(struct cursor *c, struct stream_index *p,
    const char **errstr)
{
	memset(p, 0, sizeof(*p));
	p->op = STREAM_INDEX_REPLY;
	if (dec_index_names(c, p, errstr) == -1)
		return (-1);
	if ((p->has_index = dec_option(c, errstr)) == -1)
		return (-1);
	if (p->has_index)
		p->index = cur_uvarint(c);
	return (done(c, errstr));
}

int
stream_dec_error(struct cursor *c, char *reason, size_t sz,
    const char **errstr)
{
	if (dec_name(c, reason, sz, errstr, "bad reason") == -1)
		return (-1);
	return (done(c, errstr));
}
