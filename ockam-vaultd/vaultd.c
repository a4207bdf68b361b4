/* SPDX-License-Identifier: ISC */
/*
 * ockam-vaultd: the only process that will ever hold private keys.
 * Started by ockam-routed with its channel on fd 3; it answers routed
 * and nothing else, has no network and may not exec.  The protocol is
 * lib/vault.h; the keys are keystore.c's.
 *
 * Every request type is authorized by the table below (and the one
 * every child has, lib/child.c), per phase, in the manner of OpenSSH's
 * monitor: a request that is unknown, not allowed in the current phase,
 * repeated when it may come only once, or not of its exact size, is
 * fatal.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "landlock.h"
#include "limit.h"
#include "log.h"
#include "pins.h"
#include "privsep.h"
#include "sandbox.h"
#include "vault.h"

#define P(phase)	PRIVSEP_PHASE(phase)
#define REQ_ONCE	PRIVSEP_REQ_ONCE

static void	vault_conf(struct imsg *);
static void	vault_identity(struct imsg *);
static void	vault_handshake(struct imsg *);
static void	vault_sign_static(struct imsg *);
static void	vault_free(struct imsg *);
static void	vault_pin(struct imsg *);
static void	vault_init(void);
static void	vault_start(struct priv_conf *);
static void	vault_stop(void);

static struct imsgbuf	 ibuf;
static struct vault_conf vconf;
static struct keystore	*ks;

/* What routed may ask the vault, besides what every child takes. */
static const struct privsep_req vault_reqs[] = {
	{ IMSG_VAULT_CONF, P(PRIVSEP_START), REQ_ONCE,
	    sizeof(struct vault_conf), vault_conf },
	{ IMSG_VAULT_IDENTITY, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_identity_req), vault_identity },
	{ IMSG_VAULT_HANDSHAKE, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_hs_req), vault_handshake },
	{ IMSG_VAULT_SIGN_STATIC, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_sign_req), vault_sign_static },
	{ IMSG_VAULT_FREE, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_free_req), vault_free },
	{ IMSG_VAULT_PIN, P(PRIVSEP_RUN), 0,
	    sizeof(struct vault_pin_req), vault_pin },
};
#define NREQS	(sizeof(vault_reqs) / sizeof(vault_reqs[0]))

static int	 vault_used[NREQS];

static struct privsep_child vault_child = {
	.role = "vault",
	.prog = "ockam-vaultd",
	.title = "vault",
	.ibuf = &ibuf,
	.reqs = vault_reqs,
	.nreqs = NREQS,
	.used = vault_used,
	.dirfd = -1,
	.init = vault_init,
	.start = vault_start,
	.stop = vault_stop,
};

/* An answer: the request's type, echoing its peerid. */
static void
vault_answer(struct imsg *imsg, const void *ans, size_t len)
{
	if (imsg_compose(&ibuf, imsg->hdr.type, imsg->hdr.peerid, 0, -1,
	    ans, len) == -1)
		fatal("imsg_compose");
}

static void
vault_conf(struct imsg *imsg)
{
	memcpy(&vconf, imsg->data, sizeof(vconf));
	if (memchr(vconf.dir, '\0', sizeof(vconf.dir)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (limits_check(vconf.limits) == -1)
		imsg_bad("routed", imsg, "a limit out of its range");
	limits_set(vconf.limits);
}

static void
vault_identity(struct imsg *imsg)
{
	struct vault_identity_req	 req;
	struct vault_identity		 ans;

	memcpy(&req, imsg->data, sizeof(req));
	if (memchr(req.name, '\0', sizeof(req.name)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (req.create > 1)
		imsg_bad("routed", imsg, "create is neither 0 nor 1");
	memset(&ans, 0, sizeof(ans));
	ans.status = keystore_identity(ks, req.name, req.create, &ans.id,
	    ans.sign_pub, ans.static_pub);
	if (ans.status == VAULT_ERR_NAME)
		log_warnx("identity request: not a valid identity name");
	vault_answer(imsg, &ans, sizeof(ans));
}

/*
 * One handshake step (vault.h): a new ephemeral key and up to
 * VAULT_HS_DH_MAX DH, answered together.  A request that names keys
 * in a way routed never would is fatal; a key that does not exist or
 * a low-order peer key is a status.
 */
static void
vault_handshake(struct imsg *imsg)
{
	struct vault_hs_req	 req;
	struct vault_hs		 ans;
	uint32_t		 eph, i, id;

	memcpy(&req, imsg->data, sizeof(req));
	if ((req.flags & ~VAULT_HS_NEW) != 0)
		imsg_bad("routed", imsg, "unknown flags");
	if (req.ndh > VAULT_HS_DH_MAX)
		imsg_bad("routed", imsg, "too many DH");
	if ((req.flags & VAULT_HS_NEW) ? req.eph != 0 :
	    (req.eph != 0 && !(req.eph & VAULT_KEY_EPHEMERAL)))
		imsg_bad("routed", imsg, "not an ephemeral key");
	for (i = 0; i < req.ndh; i++) {
		id = req.dh[i].id;
		if (id & VAULT_KEY_EPHEMERAL)
			imsg_bad("routed", imsg, "ephemeral key named by id");
		if (id == 0 && req.eph == 0 && !(req.flags & VAULT_HS_NEW))
			imsg_bad("routed", imsg, "no ephemeral key");
	}
	memset(&ans, 0, sizeof(ans));
	eph = req.eph;
	if (req.flags & VAULT_HS_NEW)
		ans.status = keystore_ephemeral(ks, &eph, ans.eph_pub);
	for (i = 0; i < req.ndh && ans.status == VAULT_OK; i++)
		ans.status = keystore_dh(ks, req.dh[i].id != 0 ?
		    req.dh[i].id : eph, req.dh[i].peer, ans.secret[i]);
	if ((req.flags & VAULT_HS_NEW) && ans.status == VAULT_OK)
		ans.eph = eph;
	else if ((req.flags & VAULT_HS_NEW) && eph != 0)
		keystore_free(ks, eph);
	if (ans.status != VAULT_OK)
		sodium_memzero(ans.secret, sizeof(ans.secret));
	vault_answer(imsg, &ans, sizeof(ans));
	sodium_memzero(&ans, sizeof(ans));
}

static void
vault_sign_static(struct imsg *imsg)
{
	struct vault_sign_req	 req;
	struct vault_sign	 ans;

	memcpy(&req, imsg->data, sizeof(req));
	memset(&ans, 0, sizeof(ans));
	ans.status = keystore_sign_static(ks, req.id, ans.sig);
	vault_answer(imsg, &ans, sizeof(ans));
}

/* No answer.  Identities live as long as the vault. */
static void
vault_free(struct imsg *imsg)
{
	struct vault_free_req	 req;

	memcpy(&req, imsg->data, sizeof(req));
	if (!(req.id & VAULT_KEY_EPHEMERAL))
		imsg_bad("routed", imsg, "only ephemeral keys can be freed");
	if (keystore_free(ks, req.id) != VAULT_OK)
		log_warnx("FREE of unknown ephemeral key %u: ignored", req.id);
}

/*
 * A pin (vault.h): routed sends only keys and identifiers it checked,
 * so anything else is fatal.
 */
static void
vault_pin(struct imsg *imsg)
{
	struct vault_pin_req	 req;
	struct vault_pin	 ans;

	memcpy(&req, imsg->data, sizeof(req));
	if (memchr(req.key, '\0', sizeof(req.key)) == NULL ||
	    memchr(req.id, '\0', sizeof(req.id)) == NULL)
		imsg_bad("routed", imsg, "unterminated string");
	if (!pins_key_ok(req.key))
		imsg_bad("routed", imsg, "not a route text");
	memset(&ans, 0, sizeof(ans));
	switch (req.op) {
	case VAULT_PIN_LOOKUP:
		if (req.id[0] != '\0')
			imsg_bad("routed", imsg, "an identifier in a lookup");
		ans.status = pins_lookup(req.key, ans.id);
		break;
	case VAULT_PIN_RECORD:
		if (!pins_id_ok(req.id))
			imsg_bad("routed", imsg, "not an identifier");
		ans.status = pins_record(req.key, req.id, ans.id);
		break;
	case VAULT_PIN_REMOVE:
		if (req.id[0] != '\0')
			imsg_bad("routed", imsg, "an identifier in a removal");
		ans.status = pins_remove(req.key, ans.id);
		break;
	default:
		imsg_bad("routed", imsg, "unknown pin operation");
	}
	vault_answer(imsg, &ans, sizeof(ans));
}

static void
vault_init(void)
{
	umask(077);
	if (sodium_init() == -1)
		fatalx("sodium_init failed");
}

/* Configured: the key directory, the privilege drop, the sandbox. */
static void
vault_start(struct priv_conf *pc)
{
	int	 dirfd = -1;

	if (vconf.dir[0] != '\0')
		dirfd = sandbox_keep_dir(privsep_private_dir(pc->user,
		    vconf.dir, "vault directory", "the vault's user"));
	else
		log_debug("no vault directory: identities are unavailable");

	/* An empty network namespace, when root can have one. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == -1)
		log_debug("no network namespace of its own: %s",
		    strerror(errno));
	if (dirfd != -1)
		privsep_drop_private(pc->user, dirfd, vconf.dir);
	else
		privsep_drop(pc->user, pc->chroot);
	/* As the user that owns the keys; removes stale temporary files. */
	if ((ks = keystore_open(dirfd, vconf.dir)) == NULL)
		fatal("keystore");
	pins_init(dirfd, vconf.dir);
	/*
	 * Files: beneath the key directory only (none without one).  The
	 * chroot does that when started as root; Landlock does it either
	 * way, where the kernel has it (the filter cannot look at paths).
	 */
	if (landlock_confine_dir(dirfd) == -1)
		fatalx("cannot confine the vault to %s", vconf.dir);
	vault_child.dirfd = dirfd;
	sandbox_enter(SANDBOX_VAULT, NULL, 0);
}

static void
vault_stop(void)
{
	keystore_close(ks);
}

int
main(int argc, char *argv[])
{
	return (privsep_child_main(&vault_child, argc, argv));
}
