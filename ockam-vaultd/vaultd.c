/*
 * ockam-vaultd: the only process that will ever hold private keys.
 * Started by ockam-routed with its channel on fd 3; it answers routed
 * and nothing else, has no network and may not exec.  The protocol is
 * lib/vault.h; the keys are keystore.c's.
 *
 * Every request type is authorized by the table below, per phase, in
 * the manner of OpenSSH's monitor: a request that is unknown, not
 * allowed in the current phase, repeated when it may come only once,
 * or not of its exact size, is fatal.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
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

enum vault_phase {
	PHASE_CONFIG,		/* between CONF_PRIV and CONF_DONE */
	PHASE_RUN,		/* configured and sandboxed */
};

#define P(phase)	PRIVSEP_PHASE(phase)
#define REQ_ONCE	PRIVSEP_REQ_ONCE

static void	vault_conf(struct imsg *);
static void	vault_identity(struct imsg *);
static void	vault_handshake(struct imsg *);
static void	vault_sign_static(struct imsg *);
static void	vault_free(struct imsg *);
static void	vault_pin(struct imsg *);
static void	vault_verbose(struct imsg *);
static void	vault_regress_sandbox(struct imsg *);
static void	vault_regress_badimsg(struct imsg *);

static struct imsgbuf	 ibuf;
static enum vault_phase	 phase = PHASE_CONFIG;
static struct vault_conf vconf;
static struct keystore	*ks;
static int		 vault_dirfd = -1;	/* the key directory */

/*
 * CONF_PRIV and CONF_DONE are read by privsep_child_config() itself;
 * they are listed so that they are refused later.
 */
static const struct privsep_req vault_reqs[] = {
	{ IMSG_CONF_PRIV, P(PHASE_CONFIG), REQ_ONCE,
	    sizeof(struct priv_conf), NULL },
	{ IMSG_CONF_DONE, P(PHASE_CONFIG), REQ_ONCE, 0, NULL },
	{ IMSG_VAULT_CONF, P(PHASE_CONFIG), REQ_ONCE,
	    sizeof(struct vault_conf), vault_conf },
	{ IMSG_VAULT_IDENTITY, P(PHASE_RUN), 0,
	    sizeof(struct vault_identity_req), vault_identity },
	{ IMSG_VAULT_HANDSHAKE, P(PHASE_RUN), 0,
	    sizeof(struct vault_hs_req), vault_handshake },
	{ IMSG_VAULT_SIGN_STATIC, P(PHASE_RUN), 0,
	    sizeof(struct vault_sign_req), vault_sign_static },
	{ IMSG_VAULT_FREE, P(PHASE_RUN), 0,
	    sizeof(struct vault_free_req), vault_free },
	{ IMSG_VAULT_PIN, P(PHASE_RUN), 0,
	    sizeof(struct vault_pin_req), vault_pin },
	{ IMSG_CTL_VERBOSE, P(PHASE_RUN), 0, sizeof(int), vault_verbose },
	{ IMSG_REGRESS_SANDBOX, P(PHASE_RUN), 0, sizeof(uint32_t),
	    vault_regress_sandbox },
	{ IMSG_REGRESS_BADIMSG, P(PHASE_RUN), 0, sizeof(uint32_t),
	    vault_regress_badimsg },
};
#define NREQS	(sizeof(vault_reqs) / sizeof(vault_reqs[0]))

static int	 vault_used[NREQS];

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ockam-vaultd is started by ockam-routed\n");
	exit(1);
}

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
vault_verbose(struct imsg *imsg)
{
	int	 v;

	memcpy(&v, imsg->data, sizeof(v));
	log_setverbose(v);
}

static void
vault_regress_sandbox(struct imsg *imsg)
{
	privsep_regress_sandbox(imsg, vault_dirfd);
}

static void
vault_regress_badimsg(struct imsg *imsg)
{
	privsep_regress_badimsg(&ibuf, imsg);
}

static void
vault_dispatch(struct imsg *imsg)
{
	privsep_dispatch(vault_reqs, NREQS, vault_used, phase, imsg);
}

/* Start-up messages other than CONF_PRIV and CONF_DONE. */
static int
vault_config(struct imsg *imsg, void *arg)
{
	(void)arg;
	vault_dispatch(imsg);
	return (0);
}

/*
 * The key directory: created when missing (mode 0700, given to the
 * node user when we are root), then it must belong to the user the
 * vault runs as and to nobody else.  Returns its descriptor.
 */
static int
vault_keydir(const char *user, const char *dir)
{
	struct privsep_ids	 ids;
	struct stat		 sb;
	char			 err[512];
	int			 fd, created = 0;

	if (geteuid() == 0) {
		if (privsep_user(user, &ids, err, sizeof(err)) == -1)
			fatalx("%s", err);
	} else {
		ids.uid = geteuid();
		ids.gid = getegid();
	}
	if (mkdir(dir, 0700) == 0)
		created = 1;
	else if (errno != EEXIST)
		fatal("vault directory %s", dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("vault directory %s", dir);
	if (created && geteuid() == 0 && fchown(fd, ids.uid, ids.gid) == -1)
		fatal("vault directory %s: chown", dir);
	if (fstat(fd, &sb) == -1)
		fatal("vault directory %s", dir);
	if (!S_ISDIR(sb.st_mode))
		fatalx("vault directory %s: not a directory", dir);
	if (sb.st_uid != ids.uid)
		fatalx("vault directory %s is owned by uid %d: it must be "
		    "owned by %s (uid %d)", dir, (int)sb.st_uid,
		    geteuid() == 0 ? user : "the vault's user", (int)ids.uid);
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		fatalx("vault directory %s has mode %04o: group and others "
		    "must have no access (mode 0700)", dir,
		    (unsigned int)(sb.st_mode & 07777));
	if (created)
		log_info("created vault directory %s", dir);
	return (fd);
}

int
main(int argc, char *argv[])
{
	extern char		**environ;
	struct priv_conf	 pc;
	struct pollfd		 pfd;
	const char		*role = NULL;
	int			 ch, debug = 0, verbose = 0, dirfd = -1;

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt(argc, argv, "dP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'P':
			role = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (role == NULL || strcmp(role, "vault") != 0 || optind != argc)
		usage();

	umask(077);
	log_init(debug, LOG_DAEMON);
	log_procinit("vault");
	log_setverbose(verbose);
	privsep_child_init(&ibuf, "ockam-vaultd");
	if (sodium_init() == -1)
		fatalx("sodium_init failed");
	privsep_child_config(&ibuf, &pc, vault_config, NULL);

	if (vconf.dir[0] != '\0')
		dirfd = sandbox_keep_dir(vault_keydir(pc.user, vconf.dir));
	else
		log_debug("no vault directory: identities are unavailable");

	/* An empty network namespace, when root can have one. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == -1)
		log_debug("no network namespace of its own: %s",
		    strerror(errno));
	if (dirfd != -1)
		privsep_drop_private(pc.user, dirfd, vconf.dir);
	else
		privsep_drop(pc.user, pc.chroot);
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
	vault_dirfd = dirfd;
	sandbox_enter(SANDBOX_VAULT, NULL, 0);
	setproctitle("vault");
	phase = PHASE_RUN;
	if (imsg_compose(&ibuf, IMSG_READY, 0, 0, -1, NULL, 0) == -1)
		fatal("imsg_compose");

	for (;;) {
		pfd.fd = ibuf.fd;
		pfd.events = POLLIN;
		if (imsgbuf_queuelen(&ibuf) > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd.revents & POLLOUT) && imsgbuf_write(&ibuf) == -1)
			fatal("write to routed");
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (privsep_child_input(&ibuf, vault_dispatch) == 0)
			break;
		/* Answer what came at once, not after another poll. */
		if (imsgbuf_queuelen(&ibuf) > 0 && imsgbuf_write(&ibuf) == -1)
			fatal("write to routed");
	}
	log_debug("routed went away, exiting");
	keystore_close(ks);
	imsgbuf_clear(&ibuf);
	return (0);
}
