/* SPDX-License-Identifier: ISC */
/*
 * The client side of the control protocol (ctl.h): ockamctl and the
 * examples are built on it.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "imsg.h"
#include "ockam.h"

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct imsg		 imsg;
};

struct ockam_client {
	struct imsgbuf		 ibuf;
	uint32_t		 reqid;
	TAILQ_HEAD(, pending)	 pending;	/* arrived while waiting */
	char			 err[CTL_MSG_MAX];
	int			 fail;		/* OCKAM_FAIL_* */
	uint32_t		 status;	/* of the last CTL_RESULT */
};

static void
client_err(struct ockam_client *c, const char *fmt, ...)
{
	va_list	 ap;

	c->fail = OCKAM_FAIL_OP;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

const char *
ockam_error(const struct ockam_client *c)
{
	return (c->err);
}

int
ockam_failure(const struct ockam_client *c)
{
	return (c->fail);
}

/* A failure of the connection itself. */
static void
client_lost(struct ockam_client *c, const char *fmt, const char *why)
{
	client_err(c, fmt, why);
	c->fail = OCKAM_FAIL_NODE;
}

/* The status of the last result (CTL_OK, CTL_ERR...: lib/ctl.h). */
uint32_t
ockam_status(const struct ockam_client *c)
{
	return (c->status);
}

struct ockam_client *
ockam_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct ockam_client	*c;
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return (NULL);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "connect %s: %s%s", path,
		    strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
		    " (is ockam-routed running?)" : "");
		saved = errno;
		close(fd);
		errno = saved;
		return (NULL);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    imsgbuf_init(&c->ibuf, fd, CTL_IMSG_MAX) == -1) {
		snprintf(err, errlen, "out of memory");
		free(c);
		close(fd);
		errno = ENOMEM;
		return (NULL);
	}
	TAILQ_INIT(&c->pending);
	return (c);
}

void
ockam_disconnect(struct ockam_client *c)
{
	struct pending	*p;

	if (c == NULL)
		return;
	while ((p = TAILQ_FIRST(&c->pending)) != NULL) {
		TAILQ_REMOVE(&c->pending, p, entry);
		imsg_free(&p->imsg);
		free(p);
	}
	close(c->ibuf.fd);
	imsgbuf_clear(&c->ibuf);
	free(c);
}

static int
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
}

/*
 * The next message from routed: 1 got one, 0 timed out (timeout < 0
 * waits for ever), -1 error.
 */
static int
client_next(struct ockam_client *c, struct imsg *imsg, int timeout)
{
	struct pollfd	 pfd;
	int		 n, deadline = now_ms() + timeout, left;

	/*
	 * A node that closed the connection (it refused this client) may
	 * have said why first: that is still to be read.
	 */
	if (imsgbuf_flush(&c->ibuf) == -1 && errno != EPIPE &&
	    errno != ECONNRESET) {
		client_lost(c, "write to node: %s", strerror(errno));
		return (-1);
	}
	for (;;) {
		if ((n = imsgbuf_get(&c->ibuf, imsg)) == -1) {
			client_err(c, "malformed reply from the node");
			return (-1);
		}
		if (n == 1)
			return (1);
		left = timeout < 0 ? -1 : deadline - now_ms();
		if (timeout >= 0 && left <= 0)
			return (0);
		pfd.fd = c->ibuf.fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, left)) == -1) {
			if (errno == EINTR)
				continue;
			client_err(c, "poll: %s", strerror(errno));
			return (-1);
		}
		if (n == 0)
			return (0);
		if ((n = imsgbuf_read(&c->ibuf)) == -1) {
			client_lost(c, "read from node: %s", strerror(errno));
			return (-1);
		}
		if (n == 0) {
			client_lost(c, "%s", "the node closed the connection");
			return (-1);
		}
	}
}

/* Keep a message that is not the answer we wait for. */
static int
client_keep(struct ockam_client *c, struct imsg *imsg)
{
	struct pending	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		imsg_free(imsg);
		client_err(c, "out of memory");
		return (-1);
	}
	p->imsg = *imsg;
	TAILQ_INSERT_TAIL(&c->pending, p, entry);
	return (0);
}

static int
client_result(struct ockam_client *c, struct imsg *imsg, char *out,
    size_t outlen)
{
	struct cursor	 cur;
	uint32_t	 status;
	char		 msg[CTL_MSG_MAX];

	imsg_cursor(imsg, &cur);
	status = cur_h32(&cur);
	c->status = status;
	if (cur_string(&cur, msg, sizeof(msg)) == -1 || cur_end(&cur) == -1) {
		client_err(c, "malformed result from the node");
		return (-1);
	}
	if (status != CTL_OK) {
		client_err(c, "%s", msg);
		if (status == CTL_ERR_REFUSED)
			c->fail = OCKAM_FAIL_REFUSED;
		return (-1);
	}
	if (out != NULL && strlcpy(out, msg, outlen) >= outlen) {
		client_err(c, "reply too long");
		return (-1);
	}
	return (0);
}

static uint32_t
client_compose(struct ockam_client *c, uint32_t type, const void *data,
    size_t len)
{
	if (++c->reqid == 0)
		c->reqid = 1;
	if (imsg_compose(&c->ibuf, type, c->reqid, 0, -1, data, len) == -1) {
		client_err(c, "request too large");
		return (0);
	}
	return (c->reqid);
}

/*
 * Send a request and wait for its CTL_RESULT; out (if not NULL) gets
 * the result's text.  Deliveries that arrive meanwhile are kept.
 */
int
ockam_request(struct ockam_client *c, uint32_t type, const void *data,
    size_t len, char *out, size_t outlen)
{
	struct imsg	 imsg;
	uint32_t	 id;
	int		 n, r;

	if ((id = client_compose(c, type, data, len)) == 0)
		return (-1);
	for (;;) {
		if ((n = client_next(c, &imsg, -1)) != 1)
			return (-1);
		if (imsg.hdr.type == CTL_RESULT && (imsg.hdr.peerid == id ||
		    imsg.hdr.peerid == 0)) {
			r = client_result(c, &imsg, out, outlen);
			imsg_free(&imsg);
			return (r);
		}
		if (client_keep(c, &imsg) == -1)
			return (-1);
	}
}

/* A request whose body is one string; out gets the result's text. */
static int
request_string(struct ockam_client *c, uint32_t type, const char *s,
    char *out, size_t outlen)
{
	struct ibuf	*b;
	int		 r;

	if ((b = ibuf_open(64, CTL_IMSG_MAX)) == NULL) {
		client_err(c, "out of memory");
		return (-1);
	}
	if (ibuf_add_string(b, s) == -1) {
		client_err(c, "\"%.64s...\" too long", s);
		ibuf_free(b);
		return (-1);
	}
	r = ockam_request(c, type, ibuf_data(b), ibuf_size(b), out, outlen);
	ibuf_free(b);
	return (r);
}

int
ockam_worker_add(struct ockam_client *c, const char *name, char *addr,
    size_t len)
{
	return (request_string(c, CTL_WORKER_ADD, name == NULL ? "" : name,
	    addr, len));
}

int
ockam_worker_del(struct ockam_client *c, const char *name)
{
	return (request_string(c, CTL_WORKER_DEL, name, NULL, 0));
}

/* Queue a message for the node to route; returns at once. */
int
ockam_send(struct ockam_client *c, const struct tmsg *m, int flags)
{
	struct ibuf	*b;
	uint32_t	 f = 0;
	int		 r = 0;

	if (flags & OCKAM_SEND_REPORT)
		f |= CTL_SEND_REPORT;
	if ((b = ibuf_open(64 + tmsg_encoded_len(m), CTL_IMSG_MAX)) == NULL) {
		client_err(c, "out of memory");
		return (-1);
	}
	ibuf_add_h32(b, f);
	if (tmsg_encode(b, m) == -1) {
		client_err(c, "message too large or malformed");
		r = -1;
	} else if (client_compose(c, CTL_SEND, ibuf_data(b),
	    ibuf_size(b)) == 0)
		r = -1;
	ibuf_free(b);
	if (r == 0 && imsgbuf_flush(&c->ibuf) == -1) {
		client_lost(c, "write to node: %s", strerror(errno));
		r = -1;
	}
	return (r);
}

/*
 * The next message for one of our workers.  1: *m is filled; 0: none
 * within timeout milliseconds; -1: error, or the node reported that a
 * message we sent was dropped (ockam_error() says why).
 */
int
ockam_receive(struct ockam_client *c, struct tmsg *m, int timeout)
{
	return (ockam_receive_from(c, m, NULL, 0, timeout));
}

/*
 * The same, and peer gets the identifier of the secure channel peer
 * the message came from (empty when it did not come out of one).
 */
int
ockam_receive_from(struct ockam_client *c, struct tmsg *m, char *peer,
    size_t peerlen, int timeout)
{
	struct pending	*p;
	struct imsg	 imsg;
	struct cursor	 cur;
	const char	*errstr = "truncated";
	char		 from[OCKAM_ADDR_MAX + 1];
	int		 n, r, deadline = now_ms() + timeout, left;

	for (;;) {
		if ((p = TAILQ_FIRST(&c->pending)) != NULL) {
			TAILQ_REMOVE(&c->pending, p, entry);
			imsg = p->imsg;
			free(p);
		} else {
			left = timeout < 0 ? -1 : deadline - now_ms();
			if (timeout >= 0 && left < 0)
				left = 0;
			if ((n = client_next(c, &imsg, left)) != 1)
				return (n);
		}
		switch (imsg.hdr.type) {
		case CTL_DELIVER:
			imsg_cursor(&imsg, &cur);
			r = cur_string(&cur, from, sizeof(from));
			if (r == 0)
				r = tmsg_decode(m, cur.p, cur.left, &errstr);
			if (r == 0 && peer != NULL &&
			    strlcpy(peer, from, peerlen) >= peerlen)
				r = -1;
			if (r == -1)
				client_err(c, "malformed message from the "
				    "node: %s", errstr);
			imsg_free(&imsg);
			return (r == 0 ? 1 : -1);
		case CTL_RESULT:
			r = client_result(c, &imsg, NULL, 0);
			imsg_free(&imsg);
			if (r == -1)
				return (-1);
			break;
		default:
			imsg_free(&imsg);
			break;
		}
	}
}

/*
 * The options of a channel (ctl.h, CTL_SC_CREATE and CTL_RELAY_CREATE
 * end alike): identity, seconds, flags, the trusted identifiers.
 */
static void
sc_opts_encode(struct ibuf *b, const struct ockam_sc_opts *o)
{
	uint32_t	 f = 0;
	size_t		 i;

	if (o == NULL) {
		ibuf_add_string(b, "");
		ibuf_add_h32(b, 0);
		ibuf_add_h32(b, 0);
		ibuf_add_h32(b, 0);
		return;
	}
	if (o->flags & OCKAM_TRUST_ANY)
		f |= CTL_SC_TRUST_ANY;
	if (o->flags & OCKAM_TRUST_PIN)
		f |= CTL_SC_PIN;
	ibuf_add_string(b, o->identity == NULL ? "" : o->identity);
	ibuf_add_h32(b, o->seconds < 0 ? 0 : o->seconds);
	ibuf_add_h32(b, f);
	ibuf_add_h32(b, o->ntrust);
	for (i = 0; i < o->ntrust; i++)
		ibuf_add_string(b, o->trust[i]);
}

/* Send the request in b (freed) and wait for its result. */
static int
request_ibuf(struct ockam_client *c, uint32_t type, struct ibuf *b,
    char *out, size_t outlen)
{
	int	 r = -1;

	if (b == NULL)
		client_err(c, "out of memory");
	else if (ibuf_error(b))
		client_err(c, "request too long");
	else
		r = ockam_request(c, type, ibuf_data(b), ibuf_size(b), out,
		    outlen);
	ibuf_free(b);
	return (r);
}

/*
 * A secure channel from the node along route to a listener; out gets
 * its route (/service/ENCRYPTOR) once the responder confirmed it.
 */
int
ockam_secure_channel_create(struct ockam_client *c, const struct route *to,
    const struct ockam_sc_opts *o, char *out, size_t outlen)
{
	struct ibuf	*b;

	if ((b = ibuf_open(256, CTL_IMSG_MAX)) != NULL) {
		sc_opts_encode(b, o);
		route_encode(b, to);	/* an error sticks in b */
	}
	return (request_ibuf(c, CTL_SC_CREATE, b, out, outlen));
}

/* Close a channel: its route (/service/ENCRYPTOR) or encryptor. */
int
ockam_secure_channel_delete(struct ockam_client *c, const char *ch)
{
	if (strncmp(ch, "/service/", 9) == 0)
		ch += 9;
	else if (strncmp(ch, "/secure/", 8) == 0)
		ch += 8;
	return (request_string(c, CTL_SC_DELETE, ch, NULL, 0));
}

/*
 * A relay at a hub (multiaddr text, one TCP or TLS hop): the node
 * registers a forwarder there, at a random address or, with an alias,
 * at forward_to_ALIAS (through a secure channel to the hub made as o
 * says), and keeps it.  What comes through it goes to the local
 * address to, or by the rest of its route.  out gets the forwarding
 * route senders use (multiaddr text) once the hub answered.
 */
int
ockam_relay_create(struct ockam_client *c, const char *hub,
    const char *alias, const char *to, const struct ockam_sc_opts *o,
    char *out, size_t outlen)
{
	struct ibuf	*b;

	if ((b = ibuf_open(256, CTL_IMSG_MAX)) != NULL) {
		ibuf_add_string(b, hub);
		ibuf_add_string(b, alias == NULL ? "" : alias);
		ibuf_add_string(b, to);
		sc_opts_encode(b, o);
	}
	return (request_ibuf(c, CTL_RELAY_CREATE, b, out, outlen));
}

/*
 * A stream client at hub: names[] is the send stream, the receive
 * stream, the sender address and the client id (NULL: the sender's);
 * interval in ms (0: the node's default); n consumers.
 */
int
ockam_stream_client_create(struct ockam_client *c, const char *hub,
    const char *names[], uint32_t interval, const char **consumers,
    uint32_t n, char *out, size_t outlen)
{
	struct ibuf	*b;
	uint32_t	 i;

	if ((b = ibuf_open(256, CTL_IMSG_MAX)) != NULL) {
		ibuf_add_string(b, hub);
		for (i = 0; i < 4; i++)
			ibuf_add_string(b, names[i] == NULL ? "" : names[i]);
		ibuf_add_h32(b, interval);
		ibuf_add_h32(b, n);
		for (i = 0; i < n; i++)
			ibuf_add_string(b, consumers[i]);
	}
	return (request_ibuf(c, CTL_STREAM_CLIENT_CREATE, b, out, outlen));
}

/* Remove a relay: its address on the node, its alias or its remote. */
int
ockam_relay_delete(struct ockam_client *c, const char *what)
{
	return (request_string(c, CTL_RELAY_DELETE, what, NULL, 0));
}

/*
 * A listing: send type with data, hand each reply of type item to cb
 * as a cursor over its payload, until CTL_END.
 */
int
ockam_list(struct ockam_client *c, uint32_t type, const void *data,
    size_t len, uint32_t item, int (*cb)(void *, struct cursor *), void *arg)
{
	struct imsg	 imsg;
	struct cursor	 cur;
	uint32_t	 id;
	int		 r;

	if ((id = client_compose(c, type, data, len)) == 0)
		return (-1);
	for (;;) {
		if (client_next(c, &imsg, -1) != 1)
			return (-1);
		/* Request id 0: about the connection, e.g. its refusal. */
		if (imsg.hdr.peerid != id && !(imsg.hdr.peerid == 0 &&
		    imsg.hdr.type == CTL_RESULT)) {
			if (client_keep(c, &imsg) == -1)
				return (-1);
			continue;
		}
		if (imsg.hdr.type == item) {
			imsg_cursor(&imsg, &cur);
			r = cb(arg, &cur);
			imsg_free(&imsg);
			if (r == -1) {
				client_err(c, "malformed listing");
				return (-1);
			}
			continue;
		}
		switch (imsg.hdr.type) {
		case CTL_END:
			imsg_free(&imsg);
			return (0);
		case CTL_RESULT:
			r = client_result(c, &imsg, NULL, 0);
			imsg_free(&imsg);
			return (r == 0 ? 0 : -1);
		default:
			imsg_free(&imsg);
			client_err(c, "unexpected reply from the node");
			return (-1);
		}
	}
}

/* ockam_show_workers() through ockam_list(). */
struct show_workers {
	void	(*cb)(void *, const char *, const char *, const char *);
	void	*arg;
};

static int
show_worker_item(void *arg, struct cursor *cur)
{
	struct show_workers	*sw = arg;
	char			 name[OCKAM_ADDR_MAX + 1], detail[256];
	char			 kind[32];

	cur_string(cur, kind, sizeof(kind));
	cur_string(cur, name, sizeof(name));
	cur_string(cur, detail, sizeof(detail));
	if (cur_end(cur) == -1)
		return (-1);
	sw->cb(sw->arg, kind, name, detail);
	return (0);
}

int
ockam_show_workers(struct ockam_client *c,
    void (*cb)(void *, const char *, const char *, const char *), void *arg)
{
	struct show_workers	 sw = { cb, arg };

	return (ockam_list(c, CTL_SHOW_WORKERS, NULL, 0, CTL_WORKER_INFO,
	    show_worker_item, &sw));
}
