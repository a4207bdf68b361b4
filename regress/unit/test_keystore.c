/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ockam-vaultd/keystore.c in a temporary directory:
 * key files (atomic, 0600, 32 bytes, refusals), names, and the key
 * operations checked against libsodium computed here from the public
 * keys only.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../ockam-vaultd/keystore.h"
#include "log.h"
#include "vault.h"

struct fixture {
	char		 dir[64];
	int		 dirfd;
	struct keystore	*ks;
};

struct ident {
	uint32_t	 id;
	uint8_t		 sign_pub[VAULT_PUBLEN];
	uint8_t		 static_pub[VAULT_PUBLEN];
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (-1);
	strlcpy(f->dir, "/tmp/test_keystore.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL ||
	    (f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (f->ks = keystore_open(f->dirfd, f->dir)) == NULL)
		return (-1);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	DIR		*d;
	struct dirent	*de;

	keystore_close(f->ks);
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				unlinkat(f->dirfd, de->d_name, 0);
		closedir(d);
	}
	close(f->dirfd);
	rmdir(f->dir);
	free(f);
	return (0);
}

/* A fresh keystore on the same directory: a restarted vault. */
static void
reopen(struct fixture *f)
{
	keystore_close(f->ks);
	assert_non_null(f->ks = keystore_open(f->dirfd, f->dir));
}

static uint32_t
ident(struct fixture *f, const char *name, int create, struct ident *id)
{
	memset(id, 0, sizeof(*id));
	return (keystore_identity(f->ks, name, create, &id->id,
	    id->sign_pub, id->static_pub));
}

static void
make(struct fixture *f, const char *name, struct ident *id)
{
	assert_int_equal(ident(f, name, 1, id), VAULT_OK);
}

static int
dir_entries(struct fixture *f)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir(f->dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return (n);
}

static void
test_roundtrip(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;

	make(f, "alice", &a);
	assert_int_equal(a.id & VAULT_KEY_EPHEMERAL, 0);
	assert_int_equal(ident(f, "alice", 0, &b), VAULT_OK);
	assert_int_equal(b.id, a.id);
	reopen(f);
	assert_int_equal(ident(f, "alice", 0, &b), VAULT_OK);
	assert_memory_equal(a.sign_pub, b.sign_pub, VAULT_PUBLEN);
	assert_memory_equal(a.static_pub, b.static_pub, VAULT_PUBLEN);
	/* create=1 on an existing identity loads it, it does not replace. */
	reopen(f);
	assert_int_equal(ident(f, "alice", 1, &b), VAULT_OK);
	assert_memory_equal(a.sign_pub, b.sign_pub, VAULT_PUBLEN);
	assert_int_equal(ident(f, "bob", 0, &b), VAULT_ERR_NOTFOUND);
	assert_int_equal(dir_entries(f), 2);
}

static void
test_files(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a;
	struct stat	 sb;
	const char	*files[] = { "k.ed25519", "k.x25519" };
	size_t		 i;

	make(f, "k", &a);
	for (i = 0; i < 2; i++) {
		assert_int_equal(fstatat(f->dirfd, files[i], &sb,
		    AT_SYMLINK_NOFOLLOW), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_mode & 07777, 0600);
		assert_int_equal(sb.st_size, 32);
		assert_int_equal(sb.st_uid, geteuid());
	}
	/* Nothing else: no temporary file left behind. */
	assert_int_equal(dir_entries(f), 2);
}

static void
test_names(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a;
	char		 longest[VAULT_NAME_MAX], toolong[VAULT_NAME_MAX + 1];
	const char	*bad[] = { "", ".", "..", ".hidden", "a/b", "../x",
	    "a b", "a\nb", "caf\xc3\xa9", "x*", "a:b" };
	const char	*good[] = { "a", "A-b_c.d", "0", "node1.example",
	    "x..y", "-dash" };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(keystore_name_ok(bad[i]));
		assert_int_equal(ident(f, bad[i], 1, &a), VAULT_ERR_NAME);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(keystore_name_ok(good[i]));
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_true(keystore_name_ok(longest));
	make(f, longest, &a);
	memset(toolong, 'n', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	assert_false(keystore_name_ok(toolong));
	assert_int_equal(dir_entries(f), 2);
}

static void
test_loose_permissions(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;

	make(f, "p", &a);
	reopen(f);
	assert_int_equal(fchmodat(f->dirfd, "p.ed25519", 0640, 0), 0);
	assert_int_equal(ident(f, "p", 1, &b), VAULT_ERR_IO);
	assert_int_equal(fchmodat(f->dirfd, "p.ed25519", 0600, 0), 0);
	assert_int_equal(fchmodat(f->dirfd, "p.x25519", 0604, 0), 0);
	assert_int_equal(ident(f, "p", 1, &b), VAULT_ERR_IO);
	assert_int_equal(fchmodat(f->dirfd, "p.x25519", 0400, 0), 0);
	/* Refused, never replaced: the old keys are still there. */
	assert_int_equal(ident(f, "p", 0, &b), VAULT_OK);
	assert_memory_equal(a.static_pub, b.static_pub, VAULT_PUBLEN);
}

static void
test_owner(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;

	if (geteuid() != 0)
		skip();
	make(f, "o", &a);
	reopen(f);
	assert_int_equal(fchownat(f->dirfd, "o.x25519", 65534, 65534, 0), 0);
	assert_int_equal(ident(f, "o", 0, &b), VAULT_ERR_IO);
}

static void
test_wrong_size(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;
	int		 fd;

	make(f, "s", &a);
	reopen(f);
	assert_true((fd = openat(f->dirfd, "s.x25519", O_WRONLY)) != -1);
	assert_int_equal(ftruncate(fd, 31), 0);
	assert_int_equal(ident(f, "s", 0, &b), VAULT_ERR_IO);
	assert_int_equal(ftruncate(fd, 33), 0);
	assert_int_equal(ident(f, "s", 0, &b), VAULT_ERR_IO);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(ident(f, "s", 1, &b), VAULT_ERR_IO);
	close(fd);
}

static void
test_symlink(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;

	make(f, "real", &a);
	reopen(f);
	assert_int_equal(symlinkat("real.ed25519", f->dirfd, "link.ed25519"),
	    0);
	assert_int_equal(symlinkat("real.x25519", f->dirfd, "link.x25519"),
	    0);
	assert_int_equal(ident(f, "link", 1, &b), VAULT_ERR_IO);
	/* One link is enough to refuse. */
	assert_int_equal(unlinkat(f->dirfd, "link.x25519", 0), 0);
	assert_int_equal(linkat(f->dirfd, "real.x25519", f->dirfd,
	    "link.x25519", 0), 0);
	assert_int_equal(ident(f, "link", 1, &b), VAULT_ERR_IO);
	assert_int_equal(symlinkat("/etc/passwd", f->dirfd, "etc.ed25519"), 0);
	assert_int_equal(ident(f, "etc", 1, &b), VAULT_ERR_IO);
}

static void
test_not_regular(void **state)
{
	struct fixture	*f = *state;
	struct ident	 b;

	/* A FIFO must be refused, not block the vault. */
	assert_int_equal(mkfifoat(f->dirfd, "fifo.ed25519", 0600), 0);
	assert_int_equal(mkfifoat(f->dirfd, "fifo.x25519", 0600), 0);
	assert_int_equal(ident(f, "fifo", 1, &b), VAULT_ERR_IO);
	assert_int_equal(mkdirat(f->dirfd, "dir.ed25519", 0700), 0);
	assert_int_equal(ident(f, "dir", 1, &b), VAULT_ERR_IO);
	assert_int_equal(unlinkat(f->dirfd, "dir.ed25519", AT_REMOVEDIR), 0);
}

static void
test_half_identity(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;
	struct stat	 sb;

	make(f, "half", &a);
	make(f, "other", &b);
	reopen(f);
	assert_int_equal(unlinkat(f->dirfd, "half.ed25519", 0), 0);
	assert_int_equal(ident(f, "half", 1, &b), VAULT_ERR_IO);
	assert_int_equal(ident(f, "half", 0, &b), VAULT_ERR_IO);
	assert_int_equal(fstatat(f->dirfd, "half.ed25519", &sb, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(unlinkat(f->dirfd, "other.x25519", 0), 0);
	assert_int_equal(ident(f, "other", 1, &b), VAULT_ERR_IO);
	assert_int_equal(fstatat(f->dirfd, "other.x25519", &sb, 0), -1);
	assert_int_equal(dir_entries(f), 2);
}

static void
test_stale_temporary(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a;
	int		 fd;

	assert_true((fd = openat(f->dirfd, ".tmp.crash.ed25519",
	    O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_true((fd = openat(f->dirfd, ".tmp.crash.x25519",
	    O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	reopen(f);
	assert_int_equal(dir_entries(f), 0);
	make(f, "crash", &a);
	assert_int_equal(dir_entries(f), 2);
}

static void
test_dh(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a;
	uint8_t		 psk[32], ppk[32], ours[32], theirs[32], epub[32];
	uint32_t	 eid;

	make(f, "dh", &a);
	randombytes_buf(psk, sizeof(psk));
	assert_int_equal(crypto_scalarmult_base(ppk, psk), 0);

	assert_int_equal(keystore_dh(f->ks, a.id, ppk, ours), VAULT_OK);
	assert_int_equal(crypto_scalarmult(theirs, psk, a.static_pub), 0);
	assert_memory_equal(ours, theirs, 32);

	assert_int_equal(keystore_ephemeral(f->ks, &eid, epub), VAULT_OK);
	assert_true(eid & VAULT_KEY_EPHEMERAL);
	assert_int_equal(keystore_dh(f->ks, eid, ppk, ours), VAULT_OK);
	assert_int_equal(crypto_scalarmult(theirs, psk, epub), 0);
	assert_memory_equal(ours, theirs, 32);

	/* The same after a reload: the static key is the file's. */
	reopen(f);
	make(f, "dh", &a);
	assert_int_equal(keystore_dh(f->ks, a.id, ppk, ours), VAULT_OK);
	assert_int_equal(crypto_scalarmult(theirs, psk, a.static_pub), 0);
	assert_memory_equal(ours, theirs, 32);

	assert_int_equal(keystore_dh(f->ks, a.id + 1, ppk, ours),
	    VAULT_ERR_NOTFOUND);
	assert_int_equal(keystore_dh(f->ks, 0, ppk, ours),
	    VAULT_ERR_NOTFOUND);
	assert_int_equal(keystore_dh(f->ks, eid, ppk, ours),
	    VAULT_ERR_NOTFOUND);
}

static void
test_low_order(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a;
	/* u = 0, 1, and the points of order 8 (little-endian). */
	static const char *hex[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	};
	uint8_t		 peer[32], out[32], epub[32];
	uint32_t	 eid;
	size_t		 i, len;

	make(f, "low", &a);
	assert_int_equal(keystore_ephemeral(f->ks, &eid, epub), VAULT_OK);
	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		assert_int_equal(sodium_hex2bin(peer, sizeof(peer), hex[i],
		    64, NULL, &len, NULL), 0);
		assert_int_equal(len, 32);
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(keystore_dh(f->ks, a.id, peer, out),
		    VAULT_ERR_DH);
		assert_true(sodium_is_zero(out, sizeof(out)));
		assert_int_equal(keystore_dh(f->ks, eid, peer, out),
		    VAULT_ERR_DH);
		assert_true(sodium_is_zero(out, sizeof(out)));
	}
}

static void
test_sign(void **state)
{
	struct fixture	*f = *state;
	struct ident	 a, b;
	uint8_t		 sig[VAULT_SIGLEN], epub[32];
	uint8_t		 msg[sizeof(VAULT_SIG_CONTEXT) - 1 + VAULT_PUBLEN];
	uint32_t	 eid;

	make(f, "signer", &a);
	make(f, "other", &b);
	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, a.static_pub,
	    VAULT_PUBLEN);
	assert_int_equal(keystore_sign_static(f->ks, a.id, sig), VAULT_OK);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    a.sign_pub), 0);
	/* Not over the key alone, not with another identity's key. */
	assert_int_not_equal(crypto_sign_verify_detached(sig, a.static_pub,
	    VAULT_PUBLEN, a.sign_pub), 0);
	assert_int_not_equal(crypto_sign_verify_detached(sig, msg,
	    sizeof(msg), b.sign_pub), 0);
	/* The same after a reload. */
	reopen(f);
	make(f, "signer", &a);
	assert_int_equal(keystore_sign_static(f->ks, a.id, sig), VAULT_OK);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    a.sign_pub), 0);
	/* Ephemeral keys and unknown ids cannot sign. */
	assert_int_equal(keystore_ephemeral(f->ks, &eid, epub), VAULT_OK);
	assert_int_equal(keystore_sign_static(f->ks, eid, sig),
	    VAULT_ERR_NOTFOUND);
	assert_int_equal(keystore_sign_static(f->ks, 99, sig),
	    VAULT_ERR_NOTFOUND);
}

static void
test_ephemeral_cap(void **state)
{
	struct fixture	*f = *state;
	static uint32_t	 ids[VAULT_EPHEMERAL_MAX];
	uint8_t		 pub[32], peer[32], out[32];
	uint32_t	 id;
	size_t		 i;

	randombytes_buf(out, sizeof(out));
	crypto_scalarmult_base(peer, out);
	for (i = 0; i < VAULT_EPHEMERAL_MAX; i++) {
		assert_int_equal(keystore_ephemeral(f->ks, &ids[i], pub),
		    VAULT_OK);
		assert_true(ids[i] & VAULT_KEY_EPHEMERAL);
		if (i > 0)
			assert_int_not_equal(ids[i], ids[i - 1]);
	}
	assert_int_equal(keystore_ephemerals(f->ks), VAULT_EPHEMERAL_MAX);
	assert_int_equal(keystore_ephemeral(f->ks, &id, pub),
	    VAULT_ERR_LIMIT);
	assert_int_equal(keystore_free(f->ks, ids[17]), VAULT_OK);
	assert_int_equal(keystore_free(f->ks, ids[17]), VAULT_ERR_NOTFOUND);
	assert_int_equal(keystore_dh(f->ks, ids[17], peer, out),
	    VAULT_ERR_NOTFOUND);
	/* The slot is reused under a new id; the old one stays dead. */
	assert_int_equal(keystore_ephemeral(f->ks, &id, pub), VAULT_OK);
	assert_int_not_equal(id, ids[17]);
	assert_int_equal(keystore_dh(f->ks, ids[17], peer, out),
	    VAULT_ERR_NOTFOUND);
	assert_int_equal(keystore_dh(f->ks, id, peer, out), VAULT_OK);
	assert_int_equal(keystore_ephemeral(f->ks, &id, pub),
	    VAULT_ERR_LIMIT);
	for (i = 0; i < VAULT_EPHEMERAL_MAX; i++)
		if (i != 17)
			assert_int_equal(keystore_free(f->ks, ids[i]),
			    VAULT_OK);
	assert_int_equal(keystore_ephemerals(f->ks), 1);
	/* Identities are not freed this way. */
	assert_int_equal(keystore_free(f->ks, 1), VAULT_ERR_NOTFOUND);
}

static void
test_no_storage(void **state)
{
	struct keystore	*ks;
	uint8_t		 sp[32], xp[32], psk[32], ppk[32], out[32], ref[32];
	uint32_t	 id;

	(void)state;
	assert_non_null(ks = keystore_open(-1, ""));
	assert_int_equal(keystore_identity(ks, "x", 1, &id, sp, xp),
	    VAULT_ERR_IO);
	assert_int_equal(keystore_identity(ks, "../x", 1, &id, sp, xp),
	    VAULT_ERR_NAME);
	randombytes_buf(psk, sizeof(psk));
	crypto_scalarmult_base(ppk, psk);
	assert_int_equal(keystore_ephemeral(ks, &id, xp), VAULT_OK);
	assert_int_equal(keystore_dh(ks, id, ppk, out), VAULT_OK);
	assert_int_equal(crypto_scalarmult(ref, psk, xp), 0);
	assert_memory_equal(out, ref, 32);
	keystore_close(ks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loose_permissions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_half_identity, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_temporary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ephemeral_cap, setup,
		    teardown),
		cmocka_unit_test(test_no_storage),
	};

	if (sodium_init() == -1)
		return (1);
	log_init(1, LOG_DAEMON);
	log_procinit("test_keystore");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
