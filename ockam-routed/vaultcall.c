/* SPDX-License-Identifier: ISC */
/*
 * routed's side of the vault protocol (lib/vault.h).  Requests are
 * calls: queued in the order they were sent, which is the order the
 * vault answers them (it does one thing at a time), so an answer that
 * is not for the oldest call, or not of its size, means the vault is
 * broken: fatal.  An answer is kept until vault_run() hands it to its
 * caller from the main loop, never from inside another handler.
 *
 * Handshakes use calls (many in flight, the vault working while routed
 * does the rest); identities are loaded synchronously, rarely: the
 * wait keeps the answers to earlier calls for vault_run().  A vault
 * that goes away stops the node; one that does not answer within
 * VAULT_TIMEOUT is fatal.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "channel.h"
#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "vault.h"

#define VAULT_TIMEOUT	5	/* seconds for one answer */
#define VAULT_ANS_MAX	sizeof(struct vault_hs)

struct vault_call {
	TAILQ_ENTRY(vault_call)	 entry;
	uint32_t		 reqid;
	uint32_t		 type;
	size_t			 anslen;
	void			(*done)(void *, const void *);
						/* NULL: cancelled, or sync */
	void			*arg;
	int			 answered;
	time_t			 sent;
	uint8_t			 ans[VAULT_ANS_MAX];
};

_Static_assert(sizeof(struct vault_identity) <= VAULT_ANS_MAX &&
    sizeof(struct vault_sign) <= VAULT_ANS_MAX &&
    sizeof(struct vault_pin) <= VAULT_ANS_MAX, "answer buffer");

static TAILQ_HEAD(, vault_call)	 calls = TAILQ_HEAD_INITIALIZER(calls);
static uint32_t			 vault_reqid;

static void
call_free(struct vault_call *vc)
{
	TAILQ_REMOVE(&calls, vc, entry);
	sodium_memzero(vc, sizeof(*vc));
	free(vc);
}

/* The oldest call still waiting for its answer, or NULL. */
static struct vault_call *
call_waiting(void)
{
	struct vault_call	*vc;

	TAILQ_FOREACH(vc, &calls, entry)
		if (!vc->answered)
			break;
	return (vc);
}

/* Send a request; its answer, of anslen bytes, goes to done(arg). */
struct vault_call *
vault_call(uint32_t type, const void *req, size_t reqlen, size_t anslen,
    void (*done)(void *, const void *), void *arg)
{
	struct child		*ch = &children[CHILD_VAULT];
	struct vault_call	*vc;

	if (!ch->connected || anslen > VAULT_ANS_MAX)
		return (NULL);
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return (NULL);
	if (++vault_reqid == 0)
		vault_reqid = 1;
	vc->reqid = vault_reqid;
	vc->type = type;
	vc->anslen = anslen;
	vc->done = done;
	vc->arg = arg;
	vc->sent = monotime();
	if (imsg_compose(&ch->ibuf, type, vc->reqid, 0, -1, req,
	    reqlen) == -1)
		fatal("vault request");
	TAILQ_INSERT_TAIL(&calls, vc, entry);
	return (vc);
}

/* The caller is gone: its answer will be dropped (and a new key freed). */
void
vault_cancel(struct vault_call *vc)
{
	vc->done = NULL;
	vc->arg = NULL;
}

/*
 * An answer from the vault, of its type's size (children.c's table):
 * for the oldest call waiting.
 */
void
vault_imsg(struct imsg *imsg)
{
	struct vault_call	*vc;

	if ((vc = call_waiting()) == NULL)
		imsg_bad("vault", imsg, "an answer nobody asked for");
	if (imsg->hdr.type != vc->type || imsg->hdr.peerid != vc->reqid)
		imsg_bad("vault", imsg, "not the answer asked for");
	if (imsg->len != vc->anslen)
		imsg_bad("vault", imsg, "size");
	memcpy(vc->ans, imsg->data, vc->anslen);
	vc->answered = 1;
}

/* Hand the answers that came to their callers, in order. */
void
vault_run(void)
{
	struct vault_call	*vc;
	struct vault_hs		*hs;

	while ((vc = TAILQ_FIRST(&calls)) != NULL && vc->answered) {
		if (vc->done != NULL)
			vc->done(vc->arg, vc->ans);
		else if (vc->type == IMSG_VAULT_HANDSHAKE) {
			hs = (struct vault_hs *)vc->ans;
			if (hs->status == VAULT_OK && hs->eph != 0)
				vault_free(hs->eph);
		}
		call_free(vc);
	}
}

/* Once a second: a vault that stopped answering cannot be worked with. */
void
vault_tick(void)
{
	struct vault_call	*vc = call_waiting();

	if (vc != NULL && monotime() - vc->sent > VAULT_TIMEOUT)
		fatalx("vault did not answer %s within %d s",
		    imsg_type_name(vc->type), VAULT_TIMEOUT);
}

void
vault_shutdown(void)
{
	struct vault_call	*vc;

	while ((vc = TAILQ_FIRST(&calls)) != NULL)
		call_free(vc);
}

/*
 * A request answered before anything else happens: for the rare ones
 * (identities).  Answers to earlier calls are kept for vault_run().
 */
static int
vault_request(uint32_t type, const void *req, size_t reqlen, void *ans,
    size_t anslen)
{
	struct child		*ch = &children[CHILD_VAULT];
	struct vault_call	*vc;
	struct pollfd		 pfd;
	struct imsg		 imsg;
	int			 n;

	if ((vc = vault_call(type, req, reqlen, anslen, NULL, NULL)) == NULL)
		return (-1);
	if (imsgbuf_flush(&ch->ibuf) == -1) {
		children_lost(CHILD_VAULT, strerror(errno));
		return (-1);
	}
	while (!vc->answered) {
		if (privsep_get(&ch->ibuf, &imsg, "vault") == 1) {
			children_imsg(CHILD_VAULT, &imsg);
			imsg_free(&imsg);
			continue;
		}
		pfd.fd = ch->ibuf.fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, VAULT_TIMEOUT * 1000)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (n == 0)
			fatalx("vault did not answer %s within %d s",
			    imsg_type_name(type), VAULT_TIMEOUT);
		if ((n = imsgbuf_read(&ch->ibuf)) == -1 || n == 0) {
			children_lost(CHILD_VAULT, n == 0 ? "channel closed" :
			    strerror(errno));
			return (-1);
		}
	}
	memcpy(ans, vc->ans, anslen);
	call_free(vc);
	return (0);
}

void
vault_configure(const char *dir, const uint32_t *limits)
{
	struct vault_conf	 vc;

	memset(&vc, 0, sizeof(vc));
	memcpy(vc.limits, limits, sizeof(vc.limits));
	if (dir != NULL && strlcpy(vc.dir, dir, sizeof(vc.dir)) >=
	    sizeof(vc.dir))
		fatalx("vault directory path too long: %s", dir);
	if (imsg_compose(&children[CHILD_VAULT].ibuf, IMSG_VAULT_CONF, 0, 0,
	    -1, &vc, sizeof(vc)) == -1)
		fatal("imsg_compose");
}

int
vault_identity(const char *name, int create, struct vault_identity *vi)
{
	struct vault_identity_req	 req;

	memset(&req, 0, sizeof(req));
	if (strlcpy(req.name, name, sizeof(req.name)) >= sizeof(req.name)) {
		vi->status = VAULT_ERR_NAME;
		return (-1);
	}
	req.create = create ? 1 : 0;
	if (vault_request(IMSG_VAULT_IDENTITY, &req, sizeof(req), vi,
	    sizeof(*vi)) == -1)
		return (-1);
	return (vi->status == VAULT_OK ? 0 : -1);
}

int
vault_sign_static(uint32_t id, uint8_t *sig)
{
	struct vault_sign_req	 req;
	struct vault_sign	 ans;

	req.id = id;
	if (vault_request(IMSG_VAULT_SIGN_STATIC, &req, sizeof(req), &ans,
	    sizeof(ans)) == -1 || ans.status != VAULT_OK)
		return (-1);
	memcpy(sig, ans.sig, VAULT_SIGLEN);
	return (0);
}

void
vault_free(uint32_t id)
{
	struct vault_free_req	 req;

	if (id == 0)
		return;
	req.id = id;
	children_send(CHILD_VAULT, IMSG_VAULT_FREE, &req, sizeof(req));
}

const char *
vault_strerror(uint32_t status)
{
	switch (status) {
	case VAULT_OK:
		return ("ok");
	case VAULT_ERR_NOTFOUND:
		return ("no such identity or key");
	case VAULT_ERR_IO:
		return ("the key files cannot be used (see the node's log)");
	case VAULT_ERR_LIMIT:
		return ("too many keys");
	case VAULT_ERR_DH:
		return ("low-order point");
	case VAULT_ERR_NAME:
		return ("invalid identity name");
	case VAULT_ERR_CHANGED:
		return ("another identifier is pinned");
	default:
		return ("unknown vault error");
	}
}
