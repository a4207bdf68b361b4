/* SPDX-License-Identifier: ISC */
/*
 * The control socket: the node's only management interface.  Created
 * before the privilege drop with a tight umask; every peer's
 * credentials are checked (SO_PEERCRED).  A malformed request gets an
 * error reply and, when the framing itself is broken, the connection
 * is closed; the node keeps serving everyone else.  What one client
 * may hold is bounded (ctlpeer.c).  What a client may ask is the table
 * ctl_requests below: a request's body is checked there before its
 * handler (nodectl.c, chanctl.c, tcpctl.c) runs.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "channel.h"
#include "control.h"
#include "ctl.h"
#include "ctlconn.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "sandbox.h"
#include "tcp.h"

#define SUN_PATH_MAX		sizeof(((struct sockaddr_un *)0)->sun_path)

static TAILQ_HEAD(, ctl_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static int			 nconns;
static uint32_t			 next_id = 1;
static int			 ctl_sock = -1;
static int			 ctl_dirfd = -1;
static char			 ctl_name[SUN_PATH_MAX];
static char			 ctl_path[SUN_PATH_MAX];
static uid_t			 ctl_uid;
static gid_t			 ctl_gid;
static int			 ctl_has_gid;
static int			 ctl_listen_pfd = -1;

static struct log_count	 log_refused = LOG_COUNT_INIT(LOG_WARNING,
			    "control: refused");
static struct log_count	 log_full = LOG_COUNT_INIT(LOG_INFO,
			    "control: a client is not reading its replies");
static struct log_count	 log_overflow = LOG_COUNT_INIT(LOG_WARNING,
			    "control: closed a client whose queue overflowed");

/*
 * The control surface: every request a client may send, the shape of
 * its body, checked here before its handler runs (control.h), and the
 * answer to a body of another shape.  Any other type is answered
 * "unknown request type N", as is a regress-only request in a build
 * without OCKAM_REGRESS.  A size counts the bytes of the payload in
 * lib/ctl.h that come first: SEND's u32 flags, VERBOSE's u32, a
 * REGRESS's u8 and u32, SC_CREATE's string (one byte when empty) and
 * three u32s, UNPIN's route (its count), RELAY_CREATE's four strings
 * and three u32s, STREAM_CLIENT_CREATE's five strings and two u32s,
 * TCP_INLET_CREATE's three strings.
 */
enum ctl_body {
	BODY_EMPTY,		/* nothing */
	BODY_STRING,		/* one string, its NUL included at most size */
	BODY_FIXED,		/* size bytes, decoded by the handler */
	BODY_MIN,		/* size bytes or more, decoded by the handler */
	BODY_IGNORED		/* not read */
};
#define REQ_WAITS	0x01	/* answered later: the client is not idle */
#define REQ_REGRESS	0x02	/* only with OCKAM_REGRESS */
#define CTL_STRING_MAX	(OCKAM_ADDR_MAX + 1)	/* the longest BODY_STRING */

struct ctl_request {
	uint32_t	 type;
	enum ctl_body	 body;
	size_t		 size;
	int		 flags;
	void		(*handler)(uint32_t, struct imsg *, const char *);
	const char	*malformed;
};

static const struct ctl_request ctl_requests[] = {
	/*
	 * type			body		size		flags
	 *   handler			answer to a body of another shape
	 */
	{ CTL_SEND,		BODY_MIN,	4,		0,
	    control_send,		"malformed send request" },
	{ CTL_WORKER_ADD,	BODY_STRING,	OCKAM_ADDR_MAX + 1, 0,
	    control_worker_add,		"malformed worker request" },
	{ CTL_WORKER_DEL,	BODY_STRING,	OCKAM_ADDR_MAX + 1, 0,
	    control_worker_del,		"malformed worker request" },
	{ CTL_SHOW_WORKERS,	BODY_EMPTY,	0,		0,
	    control_show_workers,	"malformed show request" },
	{ CTL_VERBOSE,		BODY_FIXED,	4,		0,
	    control_verbose,		"malformed verbose request" },
	{ CTL_IDENTITY_CREATE,	BODY_STRING,	OCKAM_NAME_MAX,	REQ_WAITS,
	    ctl_identity_create,	"malformed identity request" },
	{ CTL_IDENTITY_SHOW,	BODY_STRING,	OCKAM_NAME_MAX,	0,
	    ctl_identity_show,		"malformed identity request" },
	{ CTL_SC_CREATE,	BODY_MIN,	13,		REQ_WAITS,
	    ctl_sc_create,		"malformed secure channel request" },
	{ CTL_SC_DELETE,	BODY_STRING,	OCKAM_ADDR_MAX + 1, 0,
	    ctl_sc_delete,		"malformed delete request" },
	{ CTL_SC_UNPIN,		BODY_MIN,	1,		0,
	    ctl_sc_unpin,		"malformed route: empty" },
	{ CTL_SHOW_CHANNELS,	BODY_EMPTY,	0,		0,
	    ctl_show_channels,		"malformed show request" },
	{ CTL_SHOW_CONNECTIONS,	BODY_IGNORED,	0,		0,
	    ctl_show_connections,	NULL },
	{ CTL_TCP_DELETE,	BODY_STRING,	TCP_PEER_MAX,	0,
	    ctl_tcp_delete,		"malformed request" },
	{ CTL_SHOW_LISTENERS,	BODY_IGNORED,	0,		0,
	    ctl_show_listeners,		NULL },
	{ CTL_RELAY_CREATE,	BODY_MIN,	16,		REQ_WAITS,
	    ctl_relay_create,		"malformed relay request" },
	{ CTL_RELAY_DELETE,	BODY_STRING,	OCKAM_ADDR_MAX + 1, 0,
	    ctl_relay_delete,		"malformed delete request" },
	{ CTL_SHOW_RELAYS,	BODY_EMPTY,	0,		0,
	    ctl_show_relays,		"malformed show request" },
	{ CTL_SHOW_STREAMS,	BODY_EMPTY,	0,		REQ_WAITS,
	    ctl_show_streams,		"malformed show request" },
	{ CTL_STREAM_CLIENT_CREATE, BODY_MIN,	13,		0,
	    ctl_sclient_create,		"malformed stream client request" },
	{ CTL_SHOW_PORTALS,	BODY_EMPTY,	0,		0,
	    ctl_show_portals,		"malformed show request" },
	{ CTL_TCP_INLET_CREATE,	BODY_MIN,	3,		REQ_WAITS,
	    ctl_tcp_inlet_create,	"malformed inlet request" },
	{ CTL_TCP_INLET_DELETE,	BODY_STRING,	TCP_PEER_MAX,	0,
	    ctl_tcp_inlet_delete,	"malformed inlet request" },
	{ CTL_SHOW_SUMMARY,	BODY_EMPTY,	0,		0,
	    ctl_show_summary,		"malformed show request" },
	{ CTL_RELOAD,		BODY_EMPTY,	0,		REQ_WAITS,
	    ctl_reload,			"malformed reload request" },
	{ CTL_REGRESS_SANDBOX,	BODY_FIXED,	5,		REQ_REGRESS,
	    control_regress,		"malformed regress request" },
	{ CTL_REGRESS_BADIMSG,	BODY_FIXED,	5,		REQ_REGRESS,
	    control_regress,		"malformed regress request" },
};

static void	control_result(struct ctl_conn *, uint32_t, uint32_t,
		    const char *);

/*
 * A socket already at the path: if a node answers there, refuse to
 * start; if nobody does, it is stale and goes.
 */
static int
control_stale(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd, r;

	if (lstat(path, &sb) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISSOCK(sb.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket",
		    path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0) {
		log_warnx("control socket %s is in use: is another node "
		    "running?", path);
		return (-1);
	}
	log_info("removing stale control socket %s", path);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("unlink %s", path);
		return (-1);
	}
	return (0);
}

#ifdef OCKAM_REGRESS
/*
 * Test-only: what a user who can write in the socket's directory could
 * do between bind() and the mode change, put a symbolic link to
 * $OCKAM_REGRESS_CSOCK_LINK in the socket's place.
 */
static void
control_regress_link(void)
{
	const char	*target;

	if ((target = getenv("OCKAM_REGRESS_CSOCK_LINK")) == NULL)
		return;
	log_warnx("regress: control socket replaced by a link to %s",
	    target);
	if (unlinkat(ctl_dirfd, ctl_name, 0) == -1 ||
	    symlinkat(target, ctl_dirfd, ctl_name) == -1)
		log_warn("regress: link");
}
#endif

int
control_init(struct ockam_conf *conf, uid_t owner)
{
	struct sockaddr_un	 sun;
	struct group		*gr;
	char			 dir[sizeof(sun.sun_path)];
	char			 base[sizeof(sun.sun_path)];
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, conf->csock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", conf->csock);
		return (-1);
	}
	strlcpy(ctl_path, conf->csock, sizeof(ctl_path));
	strlcpy(dir, conf->csock, sizeof(dir));
	strlcpy(base, conf->csock, sizeof(base));
	strlcpy(ctl_name, basename(base), sizeof(ctl_name));
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("control socket directory %s", dir);
		return (-1);
	}
	/* Kept across the chroot, for unlinkat() at exit alone. */
	ctl_dirfd = sandbox_keep_dir(fd);
	ctl_uid = owner;
	if (conf->csock_group != NULL) {
		if ((gr = getgrnam(conf->csock_group)) == NULL) {
			log_warnx("control socket group \"%s\" does not exist",
			    conf->csock_group);
			return (-1);
		}
		ctl_gid = gr->gr_gid;
		ctl_has_gid = 1;
	}
	if (control_stale(conf->csock) == -1)
		return (-1);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return (-1);
	}
	old = umask(S_IXUSR | S_IRWXG | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", conf->csock);
		umask(old);
		close(fd);
		return (-1);
	}
	umask(old);
#ifdef OCKAM_REGRESS
	control_regress_link();
#endif
	/*
	 * Through the directory, never following a symbolic link put in
	 * the socket's place: the group first, then the mode (glibc
	 * changes the mode of a socket through an O_PATH descriptor).
	 */
	if ((ctl_has_gid && fchownat(ctl_dirfd, ctl_name, -1, ctl_gid,
	    AT_SYMLINK_NOFOLLOW) == -1) || fchmodat(ctl_dirfd, ctl_name,
	    conf->csock_mode, AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("control socket %s permissions", conf->csock);
		unlinkat(ctl_dirfd, ctl_name, 0);
		close(fd);
		return (-1);
	}
	if (listen(fd, 16) == -1) {
		log_warn("listen %s", conf->csock);
		unlinkat(ctl_dirfd, ctl_name, 0);
		close(fd);
		return (-1);
	}
	ctl_sock = fd;
	return (0);
}

int
control_fd(void)
{
	return (ctl_sock);
}

/* The socket's directory, kept for its removal at exit. */
int
control_dirfd(void)
{
	return (ctl_dirfd);
}

void
control_closeall(void)
{
	struct ctl_conn	*c;

	while ((c = TAILQ_FIRST(&conns)) != NULL)
		control_close(c);
	if (ctl_sock != -1) {
		close(ctl_sock);
		ctl_sock = -1;
	}
}

/*
 * Remove the socket.  The directory was opened before the chroot; when
 * the node runs unprivileged the directory must be writable by its
 * user for this to work (ockam-routed(8)).
 */
void
control_cleanup(void)
{
	control_closeall();
	if (ctl_dirfd == -1)
		return;
	if (unlinkat(ctl_dirfd, ctl_name, 0) == -1 && errno != ENOENT)
		log_warn("cannot remove control socket %s", ctl_path);
	close(ctl_dirfd);
	ctl_dirfd = -1;
}

/* Walk the clients: control_next(NULL) is the first. */
struct ctl_conn *
control_next(struct ctl_conn *c)
{
	return (c == NULL ? TAILQ_FIRST(&conns) : TAILQ_NEXT(c, entry));
}

struct ctl_conn *
control_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id && !c->closing)
			return (c);
	return (NULL);
}

/*
 * Tell a client that is not allowed so (CTL_ERR_REFUSED, request id
 * 0), once, without waiting, and close it.
 */
static void
control_refuse(int fd)
{
	struct imsgbuf	 ibuf;
	struct ibuf	*b;

	if (imsgbuf_init(&ibuf, fd, CTL_IMSG_MAX) == 0) {
		if ((b = imsg_create(&ibuf, CTL_RESULT, 0, 0, 64)) != NULL) {
			ibuf_add_h32(b, CTL_ERR_REFUSED);
			ibuf_add_string(b, "permission denied: this user may "
			    "not use the control socket");
			if (imsg_close(&ibuf, b) == 0)
				(void)imsgbuf_write(&ibuf);
		}
		imsgbuf_clear(&ibuf);
	}
	close(fd);
}

void
control_accept(void)
{
	struct ucred	 cred;
	struct ctl_conn	*c;
	socklen_t	 len = sizeof(cred);
	int		 fd;

	if ((fd = accept4(ctl_sock, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != ctl_uid && !(ctl_has_gid &&
	    (cred.gid == ctl_gid || peer_in_group(fd, ctl_gid)))) {
		log_count(&log_refused, "uid %d gid %d pid %d",
		    (int)cred.uid, (int)cred.gid, (int)cred.pid);
		control_refuse(fd);
		return;
	}
	if (nconns >= (int)limit(LIMIT_CONTROL_CLIENTS))
		control_evict();
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    imsgbuf_init(&c->ibuf, fd, CTL_IMSG_MAX) == -1) {
		log_warn("control: new connection");
		free(c);
		close(fd);
		return;
	}
	c->id = next_id++;
	if (next_id == 0 || (next_id & ORIGIN_INTERNAL))
		next_id = 1;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->pfd = -1;
	c->active = monotime();
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	log_debug("control: client %u connected (uid %d pid %d)", c->id,
	    (int)c->uid, (int)c->pid);
}

void
control_close(struct ctl_conn *c)
{
	log_debug("control: client %u gone", c->id);
	worker_del_owner(c->id);
	channel_client_gone(c->id);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	close(c->ibuf.fd);
	imsgbuf_clear(&c->ibuf);
	free(c);
}

static void
control_result(struct ctl_conn *c, uint32_t reqid, uint32_t status,
    const char *msg)
{
	struct ibuf	*b;

	control_answered(c);
	if ((b = imsg_create(&c->ibuf, CTL_RESULT, reqid, 0,
	    8 + strlen(msg))) == NULL)
		goto fail;
	ibuf_add_h32(b, status);
	ibuf_add_string(b, msg);
	if (imsg_close(&c->ibuf, b) == -1)
		goto fail;
	return;
fail:
	log_warn("control: client %u: cannot queue a reply", c->id);
	c->closing = 1;
}

/*
 * The status of a failure whose text is err: a bound of limit.c says
 * "(limit NAME)", and a request refused by one is CTL_ERR_REFUSED.
 */
uint32_t
control_err_status(const char *err)
{
	return (strstr(err, "(limit ") != NULL ? CTL_ERR_REFUSED : CTL_ERR);
}

/* Any reply to a client, by connection id; -1 if it is gone. */
int
control_reply(uint32_t id, uint32_t type, uint32_t reqid, const void *data,
    size_t len)
{
	struct ctl_conn	*c;

	if ((c = control_find(id)) == NULL)
		return (-1);
	control_answered(c);
	if (imsg_compose(&c->ibuf, type, reqid, 0, -1, data, len) == -1) {
		log_warn("control: client %u: cannot queue a reply", c->id);
		c->closing = 1;
		return (-1);
	}
	return (0);
}

void
control_report(uint32_t id, uint32_t reqid, uint32_t status, const char *msg)
{
	struct ctl_conn	*c;

	if ((id & ORIGIN_PORTAL) == ORIGIN_PORTAL)
		portal_report(id, reqid, status, msg);
	else if (id & ORIGIN_RELAYC)
		relayc_report(id, reqid, status, msg);
	else if (id & ORIGIN_CHANNEL)
		channel_report(id & ~ORIGIN_CHANNEL, msg);
	else if ((c = control_find(id)) != NULL)
		control_result(c, reqid, status, msg);
}

/*
 * Hand a message to the client that owns its worker.  Its payload goes
 * to the client's queue as it is: m keeps none when this succeeds.
 */
int
control_deliver(uint32_t id, struct message *m)
{
	struct ctl_conn	*c;
	struct ibuf	*b;

	if ((c = control_find(id)) == NULL)
		return (-1);
	if (control_full(c)) {
		log_count(&log_full, "client %u, %zu bytes queued", c->id,
		    imsgbuf_queuelen(&c->ibuf));
		return (-1);
	}
	if ((b = imsg_create(&c->ibuf, CTL_DELIVER, 0, 0,
	    1 + strlen(m->peer) + tmsg_encoded_len(&m->tm) - m->tm.plen)) ==
	    NULL)
		return (-1);
	/* Local info first: who sent it, when it came out of a channel. */
	ibuf_add_string(b, m->peer);
	if (tmsg_encode_head(b, &m->tm) == -1) {
		ibuf_free(b);
		return (-1);
	}
	/* The payload goes as it is, after the rest. */
	if (imsg_close_tail(&c->ibuf, b, m->tm.payload, m->tm.plen) == -1)
		return (-1);
	m->tm.payload = NULL;
	m->tm.plen = 0;
	return (0);
}

static const struct ctl_request *
control_request(uint32_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(ctl_requests) / sizeof(ctl_requests[0]); i++) {
		if (ctl_requests[i].type != type)
			continue;
#ifndef OCKAM_REGRESS
		if (ctl_requests[i].flags & REQ_REGRESS)
			return (NULL);
#endif
		return (&ctl_requests[i]);
	}
	return (NULL);
}

/* Does the body have the shape the table says?  A string into str. */
static int
control_body(const struct ctl_request *r, struct imsg *imsg, char *str)
{
	struct cursor	 cur;

	switch (r->body) {
	case BODY_EMPTY:
		return (imsg->len == 0);
	case BODY_STRING:
		if (r->size > CTL_STRING_MAX)
			fatalx("%s: type %u: string size", __func__, r->type);
		imsg_cursor(imsg, &cur);
		return (cur_string(&cur, str, r->size) == 0 &&
		    cur_end(&cur) == 0);
	case BODY_FIXED:
		return (imsg->len == r->size);
	case BODY_MIN:
		return (imsg->len >= r->size);
	case BODY_IGNORED:
		return (1);
	}
	return (0);
}

/* One request: its type and body by the table, then its handler. */
static void
control_handle(struct ctl_conn *c, struct imsg *imsg)
{
	const struct ctl_request	*r;
	char				 str[CTL_STRING_MAX], buf[64];

	if ((r = control_request(imsg->hdr.type)) == NULL) {
		snprintf(buf, sizeof(buf), "unknown request type %u",
		    imsg->hdr.type);
		log_warnx("control: client %u: %s", c->id, buf);
		control_result(c, imsg->hdr.peerid, CTL_ERR_PROTO, buf);
		return;
	}
	if (r->flags & REQ_WAITS)
		c->waiting = 1;
	if (!control_body(r, imsg, str)) {
		control_result(c, imsg->hdr.peerid, CTL_ERR_PROTO,
		    r->malformed);
		return;
	}
	r->handler(c->id, imsg, r->body == BODY_STRING ? str : NULL);
}

/*
 * The requests already read, while the client's queue is below the
 * mark; the rest wait in the read buffer until it drains.
 */
static void
control_requests(struct ctl_conn *c)
{
	struct imsg	 imsg;
	int		 n;

	while (!c->closing && !control_full(c)) {
		if ((n = imsgbuf_get(&c->ibuf, &imsg)) == -1) {
			log_warnx("control: client %u: malformed or oversized "
			    "request, closing", c->id);
			control_result(c, 0, CTL_ERR_PROTO,
			    "malformed or oversized request");
			c->closing = 1;
			break;
		}
		if (n == 0)
			break;
		control_handle(c, &imsg);
		imsg_free(&imsg);
	}
}

static void
control_input(struct ctl_conn *c)
{
	int	 n;

	if ((n = imsgbuf_read(&c->ibuf)) == -1 || n == 0) {
		if (n == -1)
			log_warn("control: client %u: read", c->id);
		else if (c->ibuf.rlen > 0)
			log_info("control: client %u left in the middle of "
			    "a request", c->id);
		control_close(c);
		return;
	}
	c->active = monotime();
	control_requests(c);
}

/*
 * Write what is queued for c.  -1: c is gone (a write error, or more
 * than CTL_QUEUE_CLOSE times the mark queued).  Requests held back by
 * a full queue are taken up once it has drained.
 */
static int
control_write(struct ctl_conn *c)
{
	size_t	 before = imsgbuf_queuelen(&c->ibuf);

	if (before > CTL_QUEUE_CLOSE * (size_t)limit(LIMIT_CONTROL_QUEUE)) {
		log_count(&log_overflow, "client %u (uid %d pid %d), %zu bytes "
		    "queued", c->id, (int)c->uid, (int)c->pid, before);
		control_close(c);
		return (-1);
	}
	if (before > 0 && imsgbuf_write(&c->ibuf) == -1) {
		control_close(c);
		return (-1);
	}
	if (imsgbuf_queuelen(&c->ibuf) < before)
		c->active = monotime();
	if (before > 0 && c->ibuf.rlen > 0)
		control_requests(c);
	return (0);
}

/* Is c's queue past the mark?  Its requests wait; logged once a stall. */
static int
control_stalled(struct ctl_conn *c)
{
	if (!control_full(c)) {
		c->stalled = 0;
		return (0);
	}
	if (!c->stalled)
		log_count(&log_full, "client %u (uid %d pid %d), %zu bytes "
		    "queued: its requests wait", c->id, (int)c->uid,
		    (int)c->pid, imsgbuf_queuelen(&c->ibuf));
	c->stalled = 1;
	return (1);
}

/* Fill pollfds: the listening socket first, then each connection. */
int
control_pollfds(struct pollfd *pfd, int max)
{
	struct ctl_conn	*c;
	int		 n = 0, paused;

	paused = tcp_backlogged();
	ctl_listen_pfd = -1;
	/* Always: a newcomer takes the place of the longest idle. */
	if (ctl_sock != -1 && n < max) {
		pfd[n].fd = ctl_sock;
		pfd[n].events = POLLIN;
		ctl_listen_pfd = n++;
	}
	TAILQ_FOREACH(c, &conns, entry) {
		c->pfd = -1;
		if (n >= max)
			continue;
		pfd[n].fd = c->ibuf.fd;
		pfd[n].events = c->closing || paused || control_stalled(c) ?
		    0 : POLLIN;
		if (imsgbuf_queuelen(&c->ibuf) > 0)
			pfd[n].events |= POLLOUT;
		c->pfd = n++;
	}
	return (n);
}

void
control_dispatch(struct pollfd *pfd, int n)
{
	struct ctl_conn	*c, *next;
	short		 rev;

	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->pfd == -1 || c->pfd >= n)
			continue;
		rev = pfd[c->pfd].revents;
		if ((rev & POLLOUT) && control_write(c) == -1)
			continue;
		if (rev & (POLLIN | POLLHUP | POLLERR)) {
			if (c->closing && !(rev & POLLIN)) {
				control_close(c);
				continue;
			}
			control_input(c);
			continue;
		}
		if (c->closing && imsgbuf_queuelen(&c->ibuf) == 0)
			control_close(c);
	}
	if (ctl_listen_pfd != -1 && ctl_listen_pfd < n &&
	    (pfd[ctl_listen_pfd].revents & POLLIN))
		control_accept();
}

/* Write what is queued for each client, without waiting for poll. */
void
control_flush(void)
{
	struct ctl_conn	*c, *next;

	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (control_write(c) == -1)
			continue;
		/* A connection being closed goes once its replies are out. */
		if (c->closing && imsgbuf_queuelen(&c->ibuf) == 0)
			control_close(c);
	}
}
