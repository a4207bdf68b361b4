/* SPDX-License-Identifier: ISC */
/*
 * vaultpoke: drive a real ockam-vaultd the way ockam-routed does
 * (fork+exec, socketpair on fd 3, "ockam-vaultd -P vault -d"), run one
 * scenario and print what happened, one result per line.
 *
 *	vaultpoke vaultd user dir scenario [name]
 *
 * dir "" gives the vault no key directory.  Scenarios:
 *
 *	normal		identities, ephemerals, DH and signatures, checked
 *			against libsodium computed here from public keys
 *	create | load	one identity (create=1 | 0): "identity NAME I<hex>"
 *			or "identity NAME status N"
 *	persist		the same identity across two vault runs
 *	nodir		no key storage: identities fail, DH works
 *	cap		VAULT_EPHEMERAL_MAX + 1 ephemeral keys
 *	exfil		no answer carries 8 bytes in a row of a private key
 *			file (read here) or of the Ed25519 secret scalar
 *	sandbox		IMSG_REGRESS_SANDBOX: the vault must die of SIGSYS
 *	early, late, twice, unknown, badsize, unterminated, freeid
 *			requests out of phase, repeated, of an unknown
 *			type, of the wrong size, an unterminated name, a
 *			FREE of an identity: the vault must exit 1
 *	hsflags, hsndh, hsnew, hsbyid, hsnoeph, hsident
 *			HANDSHAKE with unknown flags, too many DH, a new
 *			key and an old one, an ephemeral key named in dh[],
 *			no ephemeral key to use, an identity as the
 *			ephemeral key: the vault must exit 1
 *	pin		pins in the sandboxed vault: lookup, first pin,
 *			lookup again, another identifier refused, removal
 *	pinop, pinkey, pinid
 *			PIN with an unknown operation, a route with a
 *			space, a RECORD of a non-identifier: the vault must
 *			exit 1
 *	filter		the vault's seccomp filter in a child of ours, on
 *			dir: what is allowed, what fails, what kills
 *
 * Every run ends with "child exited: status N" or "child exited:
 * signal N".  The exit status is 1 when a check made here failed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"
#include "vault.h"

#include "common/poke.h"

#define TIMEOUT		10000	/* ms for READY or an answer */
#define EXFIL_WINDOW	8

static const char	*vaultd, *user, *dir;
static uint32_t		 reqid;
/* Every answer, for the exfiltration check. */
static unsigned char	*answers;
static size_t		 answerslen;

static void
spawn(void)
{
	char	*argv[] = { "ockam-vaultd", "-P", "vault", "-d", NULL };

	child_spawn("the vault", vaultd, argv);
}

/* Send a request, wait for its answer: 0, or -1 (printed). */
static int
request(uint32_t type, const void *req, size_t reqlen, void *ans,
    size_t anslen)
{
	uint32_t	 id = ++reqid;
	ssize_t		 n;

	child_send(type, id, req, reqlen);
	if ((n = child_answer(type, id, ans, anslen, TIMEOUT)) == -1)
		return (-1);
	if ((size_t)n != anslen) {
		printf("%s: answer of length %zd\n", imsg_type_name(type), n);
		failed = 1;
		return (-1);
	}
	if ((answers = realloc(answers, answerslen + anslen + 1)) == NULL)
		err(1, NULL);
	memcpy(answers + answerslen, ans, anslen);
	answerslen += anslen;
	answers[answerslen++] = 0;	/* no window spans two answers */
	return (0);
}

/*
 * CONF_PRIV, VAULT_CONF (unless dir is NULL), then the injection of
 * the early/twice scenarios, CONF_DONE; wait for READY.  0 or -1.
 */
static int
configure(const char *scenario)
{
	struct vault_conf	 vc;
	struct vault_identity_req req;

	memset(&vc, 0, sizeof(vc));
	strlcpy(vc.dir, dir, sizeof(vc.dir));
	limits_default(vc.limits);
	child_conf_priv(user);
	child_send(IMSG_VAULT_CONF, 0, &vc, sizeof(vc));
	if (strcmp(scenario, "twice") == 0)
		child_send(IMSG_VAULT_CONF, 0, &vc, sizeof(vc));
	if (strcmp(scenario, "early") == 0) {
		memset(&req, 0, sizeof(req));
		strlcpy(req.name, "early", sizeof(req.name));
		child_send(IMSG_VAULT_IDENTITY, 1, &req, sizeof(req));
	}
	child_send(IMSG_CONF_DONE, 0, NULL, 0);
	return (child_ready(TIMEOUT));
}

/* Where the vault runs: its root directory and uid, from /proc. */
static void
show_vault(void)
{
	char	 path[64], root[PATH_MAX], line[256];
	FILE	*f;
	ssize_t	 n;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)child.pid);
	if ((n = readlink(path, root, sizeof(root) - 1)) != -1) {
		root[n] = '\0';
		printf("vault root %s\n", root);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)child.pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Uid:", 4) == 0 ||
		    strncmp(line, "Seccomp:", 8) == 0)
			printf("vault %s", line);
	fclose(f);
}

static void
identifier(const uint8_t *pub, char *out, size_t outlen)
{
	uint8_t	 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pub, VAULT_PUBLEN);
	out[0] = 'I';
	sodium_bin2hex(out + 1, outlen - 1, h, sizeof(h));
}

/* Ask for identity name; print it.  The answer's status. */
static uint32_t
identity(const char *name, int create, struct vault_identity *vi)
{
	struct vault_identity_req	 req;
	char				 id[2 + 2 * crypto_hash_sha256_BYTES];

	memset(&req, 0, sizeof(req));
	strlcpy(req.name, name, sizeof(req.name));
	req.create = create;
	memset(vi, 0, sizeof(*vi));
	if (request(IMSG_VAULT_IDENTITY, &req, sizeof(req), vi,
	    sizeof(*vi)) == -1)
		return (UINT32_MAX);
	if (vi->status == VAULT_OK) {
		identifier(vi->sign_pub, id, sizeof(id));
		printf("identity %s %s\n", name, id);
	} else
		printf("identity %s status %u\n", name, vi->status);
	return (vi->status);
}

/* One VAULT_HANDSHAKE request; ans gets the answer. */
static uint32_t
handshake(const struct vault_hs_req *req, struct vault_hs *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (request(IMSG_VAULT_HANDSHAKE, req, sizeof(*req), ans,
	    sizeof(*ans)) == -1)
		return (UINT32_MAX);
	return (ans->status);
}

/* A new ephemeral key alone. */
static uint32_t
ephemeral(uint32_t *id, uint8_t *pub)
{
	struct vault_hs_req	 req;
	struct vault_hs		 ans;
	uint32_t		 st;

	memset(&req, 0, sizeof(req));
	req.flags = VAULT_HS_NEW;
	st = handshake(&req, &ans);
	*id = ans.eph;
	memcpy(pub, ans.eph_pub, VAULT_PUBLEN);
	return (st);
}

/* One DH of key id, an identity or an ephemeral key, with peer. */
static uint32_t
dh(uint32_t id, const uint8_t *peer, uint8_t *secret)
{
	struct vault_hs_req	 req;
	struct vault_hs		 ans;
	uint32_t		 st;

	memset(&req, 0, sizeof(req));
	if (id & VAULT_KEY_EPHEMERAL)
		req.eph = id;
	else
		req.dh[0].id = id;
	req.ndh = 1;
	memcpy(req.dh[0].peer, peer, VAULT_PUBLEN);
	st = handshake(&req, &ans);
	memcpy(secret, ans.secret[0], VAULT_PUBLEN);
	return (st);
}

static uint32_t
sign_static(uint32_t id, uint8_t *sig)
{
	struct vault_sign_req	 req;
	struct vault_sign	 ans;

	req.id = id;
	if (request(IMSG_VAULT_SIGN_STATIC, &req, sizeof(req), &ans,
	    sizeof(ans)) == -1)
		return (UINT32_MAX);
	memcpy(sig, ans.sig, VAULT_SIGLEN);
	return (ans.status);
}

static void
free_key(uint32_t id)
{
	struct vault_free_req	 req;

	req.id = id;
	child_send(IMSG_VAULT_FREE, ++reqid, &req, sizeof(req));
}

/* Everything routed will do, checked against local computation. */
static void
scenario_normal(void)
{
	struct vault_identity	 vi, vi2;
	struct vault_hs_req	 req;
	struct vault_hs		 ans;
	uint32_t		 e1, e2;
	uint8_t			 e1pub[32], e2pub[32];
	uint8_t			 psk[32], ppk[32], mine[32], theirs[32];
	uint8_t			 t2[32], sig[VAULT_SIGLEN], low[32];
	uint8_t			 msg[sizeof(VAULT_SIG_CONTEXT) - 1 + 32];

	check(identity("bob", 1, &vi) == VAULT_OK, "identity create");
	check(identity("bob", 0, &vi2) == VAULT_OK && vi2.id == vi.id &&
	    memcmp(vi.sign_pub, vi2.sign_pub, 32) == 0 &&
	    memcmp(vi.static_pub, vi2.static_pub, 32) == 0,
	    "identity again: same id and keys");
	check(identity("nobody", 0, &vi2) == VAULT_ERR_NOTFOUND,
	    "identity missing: NOTFOUND");
	check(identity("../etc", 1, &vi2) == VAULT_ERR_NAME &&
	    identity(".hidden", 1, &vi2) == VAULT_ERR_NAME,
	    "identity bad names: NAME");
	check(ephemeral(&e1, e1pub) == VAULT_OK &&
	    ephemeral(&e2, e2pub) == VAULT_OK &&
	    (e1 & VAULT_KEY_EPHEMERAL) && (e2 & VAULT_KEY_EPHEMERAL) &&
	    e1 != e2 && memcmp(e1pub, e2pub, 32) != 0,
	    "ephemerals: two distinct keys");

	randombytes_buf(psk, sizeof(psk));
	crypto_scalarmult_base(ppk, psk);
	check(dh(vi.id, ppk, mine) == VAULT_OK &&
	    crypto_scalarmult(theirs, psk, vi.static_pub) == 0 &&
	    memcmp(mine, theirs, 32) == 0, "dh static");
	check(dh(e1, ppk, mine) == VAULT_OK &&
	    crypto_scalarmult(theirs, psk, e1pub) == 0 &&
	    memcmp(mine, theirs, 32) == 0, "dh ephemeral");

	/* A responder's step: a new key, then DH of it and of s with ppk. */
	memset(&req, 0, sizeof(req));
	req.flags = VAULT_HS_NEW;
	req.ndh = 2;
	memcpy(req.dh[0].peer, ppk, 32);
	req.dh[1].id = vi.id;
	memcpy(req.dh[1].peer, ppk, 32);
	check(handshake(&req, &ans) == VAULT_OK &&
	    (ans.eph & VAULT_KEY_EPHEMERAL) && ans.eph != e1 &&
	    crypto_scalarmult(theirs, psk, ans.eph_pub) == 0 &&
	    memcmp(ans.secret[0], theirs, 32) == 0 &&
	    crypto_scalarmult(t2, psk, vi.static_pub) == 0 &&
	    memcmp(ans.secret[1], t2, 32) == 0,
	    "handshake: new key and two DH in one request");
	check(dh(ans.eph, ppk, mine) == VAULT_OK &&
	    memcmp(mine, theirs, 32) == 0, "handshake: its key lives on");
	/* A DH that fails: no secret, and the new key is not kept. */
	memset(low, 0, sizeof(low));
	memcpy(req.dh[1].peer, low, 32);
	check(handshake(&req, &ans) == VAULT_ERR_DH && ans.eph == 0 &&
	    sodium_is_zero(ans.secret[0], sizeof(ans.secret)),
	    "handshake: a low-order key fails it all, no key kept");

	check(dh(e1, low, mine) == VAULT_ERR_DH &&
	    sodium_is_zero(mine, 32), "dh all-zero peer refused");
	low[0] = 1;
	check(dh(vi.id, low, mine) == VAULT_ERR_DH, "dh low-order refused");
	check(dh(12345, ppk, mine) == VAULT_ERR_NOTFOUND &&
	    dh(VAULT_KEY_EPHEMERAL | 7, ppk, mine) == VAULT_ERR_NOTFOUND,
	    "dh unknown id: NOTFOUND");

	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, vi.static_pub, 32);
	check(sign_static(vi.id, sig) == VAULT_OK &&
	    crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    vi.sign_pub) == 0, "sign");
	check(sign_static(e1, sig) == VAULT_ERR_NOTFOUND,
	    "sign with an ephemeral id: NOTFOUND");

	free_key(e1);
	free_key(e1);	/* unknown now: logged and ignored */
	check(dh(e1, ppk, mine) == VAULT_ERR_NOTFOUND &&
	    dh(e2, ppk, mine) == VAULT_OK, "free");
}

/* The same identity after a restart of the vault. */
static void
scenario_persist(void)
{
	struct vault_identity	 a, b;

	check(identity("carol", 1, &a) == VAULT_OK, "first run: create");
	child_finish();
	spawn();
	if (configure("persist") == -1) {
		failed = 1;
		return;
	}
	check(identity("carol", 0, &b) == VAULT_OK &&
	    memcmp(a.sign_pub, b.sign_pub, 32) == 0 &&
	    memcmp(a.static_pub, b.static_pub, 32) == 0,
	    "second run: same keys");
}

static void
scenario_nodir(void)
{
	struct vault_identity	 vi;
	uint32_t		 e;
	uint8_t			 psk[32], ppk[32], epub[32], mine[32];
	uint8_t			 theirs[32];

	check(identity("bob", 1, &vi) == VAULT_ERR_IO, "nodir identity IO");
	randombytes_buf(psk, sizeof(psk));
	crypto_scalarmult_base(ppk, psk);
	check(ephemeral(&e, epub) == VAULT_OK && dh(e, ppk, mine) == VAULT_OK &&
	    crypto_scalarmult(theirs, psk, epub) == 0 &&
	    memcmp(mine, theirs, 32) == 0, "nodir dh");
}

static void
scenario_cap(void)
{
	uint32_t	 e, first = 0;
	uint8_t		 pub[32];
	int		 i, n = 0;

	for (i = 0; i < VAULT_EPHEMERAL_MAX; i++) {
		if (ephemeral(&e, pub) != VAULT_OK)
			break;
		if (i == 0)
			first = e;
		n++;
	}
	printf("cap: %d ephemerals\n", n);
	check(n == VAULT_EPHEMERAL_MAX, "cap: all of VAULT_EPHEMERAL_MAX");
	check(ephemeral(&e, pub) == VAULT_ERR_LIMIT, "cap: one more: LIMIT");
	free_key(first);
	check(ephemeral(&e, pub) == VAULT_OK && e != first,
	    "cap: after a FREE, a new key with a new id");
}

/* Does any EXFIL_WINDOW-byte run of secret occur in the answers? */
static int
leaked(const uint8_t *secret, size_t len)
{
	size_t	 i;

	for (i = 0; i + EXFIL_WINDOW <= len; i++)
		if (memmem(answers, answerslen, secret + i,
		    EXFIL_WINDOW) != NULL)
			return (1);
	return (0);
}

static int
read_key(const char *name, const char *kind, uint8_t *key)
{
	char	 path[PATH_MAX];
	int	 fd, n;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, kind);
	if ((fd = open(path, O_RDONLY)) == -1) {
		printf("cannot read %s: %s\n", path, strerror(errno));
		return (-1);
	}
	n = read(fd, key, 32);
	close(fd);
	return (n == 32 ? 0 : -1);
}

static void
scenario_exfil(void)
{
	uint8_t	 seed[32], xsk[32], h[64];
	int	 i;

	scenario_normal();
	for (i = 0; i < 8; i++)
		identity(i % 2 ? "bob" : "dave", 1,
		    &(struct vault_identity){ 0 });
	if (read_key("bob", "ed25519", seed) == -1 ||
	    read_key("bob", "x25519", xsk) == -1) {
		failed = 1;
		return;
	}
	/* The Ed25519 secret scalar is the first half of SHA-512(seed). */
	crypto_hash_sha512(h, seed, sizeof(seed));
	printf("exfil: %zu answer bytes searched\n", answerslen);
	check(!leaked(seed, 32) && !leaked(xsk, 32) && !leaked(h, 32),
	    "exfil: no private key bytes in any answer");
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(xsk, sizeof(xsk));
	sodium_memzero(h, sizeof(h));
}

#define PIN_ROUTE	"/ip4/127.0.0.1/tcp/4000/service/bob_listener"
#define PIN_ID1	"I11111111111111111111111111111111" \
	    "11111111111111111111111111111111"
#define PIN_ID2	"I22222222222222222222222222222222" \
	    "22222222222222222222222222222222"

/* One VAULT_PIN request; prints "pin OP status N id ID". */
static void
pin(uint32_t op, const char *key, const char *id)
{
	struct vault_pin_req	 req;
	struct vault_pin	 ans;

	memset(&req, 0, sizeof(req));
	req.op = op;
	strlcpy(req.key, key, sizeof(req.key));
	strlcpy(req.id, id, sizeof(req.id));
	memset(&ans, 0, sizeof(ans));
	if (request(IMSG_VAULT_PIN, &req, sizeof(req), &ans,
	    sizeof(ans)) == -1)
		return;
	ans.id[sizeof(ans.id) - 1] = '\0';
	printf("pin %s status %u id %s\n", op == VAULT_PIN_LOOKUP ? "lookup" :
	    op == VAULT_PIN_RECORD ? "record" : "remove", ans.status,
	    ans.id[0] != '\0' ? ans.id : "-");
}

static void
scenario_pin(void)
{
	pin(VAULT_PIN_LOOKUP, PIN_ROUTE, "");
	pin(VAULT_PIN_RECORD, PIN_ROUTE, PIN_ID1);
	pin(VAULT_PIN_LOOKUP, PIN_ROUTE, "");
	pin(VAULT_PIN_RECORD, PIN_ROUTE, PIN_ID2);
	pin(VAULT_PIN_REMOVE, PIN_ROUTE, "");
	pin(VAULT_PIN_LOOKUP, PIN_ROUTE, "");
	pin(VAULT_PIN_RECORD, PIN_ROUTE, PIN_ID1);
}

/* Requests the vault must die of, once it is READY. */
static void
scenario_fatal(const char *s)
{
	struct vault_identity_req	 req;
	struct vault_conf		 vc;
	struct vault_free_req		 fr;
	struct vault_hs_req		 hr;

	memset(&req, 0, sizeof(req));
	memset(&hr, 0, sizeof(hr));
	if (strcmp(s, "late") == 0) {
		memset(&vc, 0, sizeof(vc));
		child_send(IMSG_VAULT_CONF, 0, &vc, sizeof(vc));
	} else if (strcmp(s, "unknown") == 0)
		child_send(0x7fff, 1, NULL, 0);
	else if (strcmp(s, "badsize") == 0)
		child_send(IMSG_VAULT_HANDSHAKE, 1, &hr, sizeof(hr) - 1);
	else if (strncmp(s, "hs", 2) == 0) {
		/* HANDSHAKE requests routed would never send. */
		hr.ndh = 1;
		if (strcmp(s, "hsflags") == 0)
			hr.flags = 0x80 | VAULT_HS_NEW;
		else if (strcmp(s, "hsndh") == 0) {
			hr.flags = VAULT_HS_NEW;
			hr.ndh = VAULT_HS_DH_MAX + 1;
		} else if (strcmp(s, "hsnew") == 0) {
			hr.flags = VAULT_HS_NEW;
			hr.eph = VAULT_KEY_EPHEMERAL | 1;
		} else if (strcmp(s, "hsbyid") == 0) {
			hr.flags = VAULT_HS_NEW;
			hr.dh[0].id = VAULT_KEY_EPHEMERAL | 1;
		} else if (strcmp(s, "hsnoeph") == 0)
			hr.dh[0].id = 0;
		else if (strcmp(s, "hsident") == 0)
			hr.eph = 1;
		child_send(IMSG_VAULT_HANDSHAKE, 1, &hr, sizeof(hr));
	} else if (strcmp(s, "unterminated") == 0) {
		memset(req.name, 'a', sizeof(req.name));
		child_send(IMSG_VAULT_IDENTITY, 1, &req, sizeof(req));
	} else if (strcmp(s, "pinop") == 0)
		pin(9, PIN_ROUTE, "");
	else if (strcmp(s, "pinkey") == 0)
		pin(VAULT_PIN_LOOKUP, "/service/a b", "");
	else if (strcmp(s, "pinid") == 0)
		pin(VAULT_PIN_RECORD, PIN_ROUTE, "Ibad");
	else if (strcmp(s, "freeid") == 0) {
		identity("bob", 1, &(struct vault_identity){ 0 });
		fr.id = 1;
		child_send(IMSG_VAULT_FREE, 2, &fr, sizeof(fr));
	}
	child_drain(TIMEOUT);
}

struct filter_run {
	void	(*fn)(int, int);
	int	 dirfd, otherfd;
};

static void
filter_child(void *arg)
{
	struct filter_run	*f = arg;

	f->dirfd = sandbox_keep_dir(f->dirfd);
	sandbox_enter(SANDBOX_VAULT, NULL, 0);
	f->fn(f->dirfd, f->otherfd);
}

/* In a child: enter the vault's filter on dir, then run fn. */
static int
filtered(void (*fn)(int, int))
{
	struct filter_run	 f;
	int			 status;

	f.fn = fn;
	if ((f.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (f.otherfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "open");
	status = in_fork(filter_child, &f);
	close(f.dirfd);
	close(f.otherfd);
	return (status);
}

static void
filter_allowed(int dirfd, int otherfd)
{
	struct stat	 sb;
	int		 fd;

	fd = openat(dirfd, "f", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	check(fd != -1 && write(fd, "x", 1) == 1 && fsync(fd) == 0 &&
	    fdatasync(fd) == 0 && fstat(fd, &sb) == 0 && sb.st_size == 1 &&
	    close(fd) == 0, "filter: openat, fstat in dir");
	check(renameat(dirfd, "f", dirfd, "g") == 0 &&
	    renameat2(dirfd, "g", dirfd, "h", RENAME_NOREPLACE) == 0,
	    "filter: renameat in dir");
	check(unlinkat(dirfd, "h", 0) == 0 && fsync(dirfd) == 0,
	    "filter: unlinkat, fsync in dir");
	errno = 0;
	check(openat(AT_FDCWD, "x", O_RDONLY) == -1 && errno == EACCES,
	    "filter: openat(AT_FDCWD) EACCES");
	errno = 0;
	check(openat(otherfd, "etc/passwd", O_RDONLY) == -1 &&
	    errno == EACCES, "filter: openat(other dir) EACCES");
	errno = 0;
	check(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES,
	    "filter: open EACCES");
	errno = 0;
	check(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EACCES,
	    "filter: socket EACCES");
}

static void
filter_unlink_elsewhere(int dirfd, int otherfd)
{
	(void)dirfd;
	unlinkat(otherfd, "nonexistent-ockam-file", 0);
}

static void
filter_rename_out(int dirfd, int otherfd)
{
	renameat(dirfd, "nonexistent", otherfd, "tmp/nonexistent");
}

static void
filter_mkdir(int dirfd, int otherfd)
{
	(void)otherfd;
	mkdirat(dirfd, "d", 0700);
}

static void
filter_stat_path(int dirfd, int otherfd)
{
	struct stat	 sb;

	(void)dirfd;
	(void)otherfd;
	stat("/etc/hostname", &sb);
}

static void
filter_stat_dir(int dirfd, int otherfd)
{
	struct stat	 sb;

	(void)otherfd;
	fstatat(dirfd, "..", &sb, AT_EMPTY_PATH);
}

static void
filter_rmdir(int dirfd, int otherfd)
{
	(void)otherfd;
	unlinkat(dirfd, "d", AT_REMOVEDIR);
}

/* fn, under the filter, must be killed (SIGSYS). */
static void
filter_kills(void (*fn)(int, int), const char *what)
{
	int	 st;

	st = filtered(fn);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, what);
}

static void
scenario_filter(void)
{
	int	 st;

	st = filtered(filter_allowed);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "filter: allowed calls");
	filter_kills(filter_unlink_elsewhere,
	    "filter: unlinkat elsewhere kills");
	filter_kills(filter_rename_out, "filter: renameat out of dir kills");
	filter_kills(filter_mkdir, "filter: mkdirat kills");
	filter_kills(filter_rmdir, "filter: unlinkat AT_REMOVEDIR kills");
	filter_kills(filter_stat_path, "filter: stat of a path kills");
	filter_kills(filter_stat_dir,
	    "filter: fstatat from the key directory kills");
}

int
main(int argc, char *argv[])
{
	const char	*s;
	const char	*name = argc > 5 ? argv[5] : "bob";
	struct vault_identity vi;

	if (argc < 5)
		errx(1, "usage: vaultpoke vaultd user dir scenario [name]");
	vaultd = argv[1];
	user = argv[2];
	dir = argv[3];
	s = argv[4];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() == -1)
		errx(1, "sodium_init");
	log_init(1, LOG_DAEMON);
	log_procinit("vaultpoke");

	if (strcmp(s, "filter") == 0) {
		scenario_filter();
		return (failed);
	}
	spawn();
	if (configure(s) == -1) {
		child_finish();
		return (1);
	}
	show_vault();
	if (strcmp(s, "normal") == 0)
		scenario_normal();
	else if (strcmp(s, "create") == 0 || strcmp(s, "load") == 0)
		identity(name, s[0] == 'c', &vi);
	else if (strcmp(s, "persist") == 0)
		scenario_persist();
	else if (strcmp(s, "nodir") == 0)
		scenario_nodir();
	else if (strcmp(s, "cap") == 0)
		scenario_cap();
	else if (strcmp(s, "exfil") == 0)
		scenario_exfil();
	else if (strcmp(s, "pin") == 0)
		scenario_pin();
	else if (strcmp(s, "sandbox") == 0) {
		child_regress_sandbox(REGRESS_SB_EXEC);
		child_drain(TIMEOUT);
	} else
		scenario_fatal(s);
	child_finish();
	free(answers);
	return (failed);
}
