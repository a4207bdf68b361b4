/*
 * routed's side of the vault protocol (lib/vault.h): one request at a
 * time, answered before anything else happens.  The vault only ever
 * speaks when asked, so anything but the answer we wait for means it
 * is broken: fatal.  A vault that goes away stops the node.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"
#include "privsep.h"
#include "routed.h"
#include "vault.h"

#define VAULT_TIMEOUT	5000	/* milliseconds for one answer */

static uint32_t		 vault_reqid;

/* Send a request and wait for its answer of exactly anslen bytes. */
static int
vault_request(uint32_t type, const void *req, size_t reqlen, void *ans,
    size_t anslen)
{
	struct child	*ch = &children[CHILD_VAULT];
	struct pollfd	 pfd;
	struct imsg	 imsg;
	uint32_t	 id;
	int		 n;

	if (!ch->connected)
		return (-1);
	if (++vault_reqid == 0)
		vault_reqid = 1;
	id = vault_reqid;
	if (imsg_compose(&ch->ibuf, type, id, 0, -1, req, reqlen) == -1)
		fatal("vault request");
	if (imsgbuf_flush(&ch->ibuf) == -1) {
		children_lost(CHILD_VAULT, strerror(errno));
		return (-1);
	}
	if (anslen == 0)
		return (0);
	for (;;) {
		if ((n = imsgbuf_get(&ch->ibuf, &imsg)) == -1)
			fatalx("malformed imsg header from vault");
		if (n == 1)
			break;
		pfd.fd = ch->ibuf.fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, VAULT_TIMEOUT)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (n == 0)
			fatalx("vault did not answer %s within %d ms",
			    imsg_type_name(type), VAULT_TIMEOUT);
		if ((n = imsgbuf_read(&ch->ibuf)) == -1 || n == 0) {
			children_lost(CHILD_VAULT, n == 0 ? "channel closed" :
			    strerror(errno));
			return (-1);
		}
	}
	if (imsg.hdr.type != type || imsg.hdr.peerid != id)
		imsg_bad("vault", &imsg, "not the answer asked for");
	if (imsg.len != anslen)
		imsg_bad("vault", &imsg, "size");
	memcpy(ans, imsg.data, anslen);
	imsg_free(&imsg);
	return (0);
}

void
vault_configure(const char *dir)
{
	struct vault_conf	 vc;

	memset(&vc, 0, sizeof(vc));
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
vault_ephemeral(uint32_t *id, uint8_t *pub)
{
	struct vault_ephemeral	 ve;

	if (vault_request(IMSG_VAULT_EPHEMERAL, NULL, 0, &ve,
	    sizeof(ve)) == -1)
		return (-1);
	if (ve.status != VAULT_OK) {
		log_warnx("vault: no ephemeral key: %s",
		    vault_strerror(ve.status));
		return (-1);
	}
	if ((ve.id & VAULT_KEY_EPHEMERAL) == 0)
		fatalx("vault answered an ephemeral key with id %u", ve.id);
	*id = ve.id;
	memcpy(pub, ve.pub, VAULT_PUBLEN);
	return (0);
}

int
vault_dh(uint32_t id, const uint8_t *peer, uint8_t *out)
{
	struct vault_dh_req	 req;
	struct vault_dh		 ans;
	int			 r = -1;

	req.id = id;
	memcpy(req.peer, peer, VAULT_PUBLEN);
	if (vault_request(IMSG_VAULT_DH, &req, sizeof(req), &ans,
	    sizeof(ans)) == 0 && ans.status == VAULT_OK) {
		memcpy(out, ans.secret, VAULT_PUBLEN);
		r = 0;
	}
	explicit_bzero(&ans, sizeof(ans));
	return (r);
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
	vault_request(IMSG_VAULT_FREE, &req, sizeof(req), NULL, 0);
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
	default:
		return ("unknown vault error");
	}
}
