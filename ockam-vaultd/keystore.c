/* SPDX-License-Identifier: ISC */
/*
 * Key files and key memory of ockam-vaultd (keystore.h).
 *
 * Private keys live only in sodium_malloc() memory: guard pages, locked
 * when the system allows it, left out of core dumps, PROT_NONE between
 * two operations and wiped when released.  Key files are reached only
 * relative to the key directory's descriptor, the one place where the
 * vault's sandbox lets it open, rename or remove anything.
 *
 * Writing a key is atomic: a temporary file created exclusively with
 * mode 0600, written in full, fsync()ed, renamed into place without
 * replacing anything, then the directory fsync()ed.  Temporary files
 * start with a dot, which no identity name does; those left over by a
 * crash are removed by keystore_open().
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "log.h"

#define KS_PATHLEN	(sizeof(KEYSTORE_TMP_PREFIX) + VAULT_NAME_MAX + 16)
#define KS_EPH_SLOTS	VAULT_EPHEMERAL_MAX
/* An ephemeral id: the flag, then generation * KS_EPH_SLOTS + slot. */
#define KS_EPH_GENMAX	((VAULT_KEY_EPHEMERAL / KS_EPH_SLOTS) - 1)

_Static_assert(KS_EPH_SLOTS > 0 && KS_EPH_SLOTS <= VAULT_KEY_EPHEMERAL / 4,
    "too many ephemeral slots for the id space");
_Static_assert(KEYSTORE_KEYLEN == VAULT_PUBLEN &&
    KEYSTORE_KEYLEN == crypto_scalarmult_BYTES &&
    KEYSTORE_KEYLEN == crypto_sign_SEEDBYTES, "key sizes");

enum ks_kind {
	KS_ED25519,
	KS_X25519,
};

static const char *ks_suffix[] = {
	[KS_ED25519] = ".ed25519",
	[KS_X25519] = ".x25519",
};

/* sodium_malloc() memory, PROT_NONE when not in use. */
struct ks_secret {
	uint8_t		 seed[crypto_sign_SEEDBYTES];
	uint8_t		 sign_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t		 x_sk[crypto_scalarmult_SCALARBYTES];
};

struct ks_identity {
	char			 name[VAULT_NAME_MAX];
	uint8_t			 sign_pub[VAULT_PUBLEN];
	uint8_t			 static_pub[VAULT_PUBLEN];
	struct ks_secret	*sec;
};

struct keystore {
	int			 dirfd;		/* -1: no key storage */
	char			*dir;		/* for messages */
	uid_t			 uid;		/* owns the key files */
	struct ks_identity	 ids[KEYSTORE_IDENTITY_MAX];
	size_t			 nids;		/* id = index + 1 */
	uint8_t			*eph;		/* KS_EPH_SLOTS private keys */
	uint32_t		 ephid[KS_EPH_SLOTS];	/* 0: free */
	uint32_t		 ephgen[KS_EPH_SLOTS];
	size_t			 neph;
	size_t			 ephnext;
};

static void
ks_access(void *p, int writable)
{
	int	 r;

	r = writable ? sodium_mprotect_readwrite(p) :
	    sodium_mprotect_readonly(p);
	if (r == -1)
		fatal("sodium_mprotect");
}

static void
ks_noaccess(void *p)
{
	if (sodium_mprotect_noaccess(p) == -1)
		fatal("sodium_mprotect_noaccess");
}

/*
 * Every key file name is made here, and every one is a plain name in
 * the key directory: no "/", so neither absolute nor through "..",
 * and no leading dot but the temporary prefix's.  The filter checks
 * only the directory descriptor of openat(): this check, the chroot
 * and Landlock keep the vault's files beneath the key directory
 * (ockam-vaultd(8)).
 */
static void
ks_path(char *buf, const char *prefix, const char *name, enum ks_kind kind)
{
	if (name[0] == '.' || name[0] == '\0' || strchr(name, '/') != NULL)
		fatalx("key name \"%s\" is not a plain name", name);
	if ((size_t)snprintf(buf, KS_PATHLEN, "%s%s%s", prefix, name,
	    ks_suffix[kind]) >= KS_PATHLEN)
		fatalx("key file name too long");	/* names are checked */
}

/* Temporary files of an interrupted creation: remove them. */
static void
ks_sweep(struct keystore *ks)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((fd = openat(ks->dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("key directory %s", ks->dir);
		return;
	}
	if ((d = fdopendir(fd)) == NULL) {
		log_warn("key directory %s", ks->dir);
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, KEYSTORE_TMP_PREFIX,
		    strlen(KEYSTORE_TMP_PREFIX)) != 0)
			continue;
		if (unlinkat(ks->dirfd, de->d_name, 0) == -1)
			log_warn("cannot remove %s/%s", ks->dir, de->d_name);
		else
			log_info("removed %s/%s, left over from an "
			    "interrupted key creation", ks->dir, de->d_name);
	}
	closedir(d);
}

/*
 * The key directory (its descriptor stays the caller's), or -1 for a
 * vault without key storage.  dir names it in messages.  Call it as
 * the user the vault runs as: key files must belong to that user.
 */
struct keystore *
keystore_open(int dirfd, const char *dir)
{
	struct keystore	*ks;

	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return (NULL);
	ks->dirfd = dirfd;
	ks->uid = geteuid();
	if ((ks->dir = strdup(dir != NULL ? dir : "")) == NULL ||
	    (ks->eph = sodium_malloc(KS_EPH_SLOTS * KEYSTORE_KEYLEN)) ==
	    NULL) {
		free(ks->dir);
		free(ks);
		return (NULL);
	}
	/*
	 * The ephemeral arena stays read-write: toggling its protection
	 * around every use cost a TLB shootdown per operation, a fifth of
	 * the node's handshake rate, for keys that live one handshake.
	 * It keeps its guard pages and lock, and is wiped slot by slot.
	 */
	sodium_memzero(ks->eph, KS_EPH_SLOTS * KEYSTORE_KEYLEN);
	if (dirfd != -1)
		ks_sweep(ks);
	return (ks);
}

/* Wipe and release every key. */
void
keystore_close(struct keystore *ks)
{
	size_t	 i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->nids; i++)
		sodium_free(ks->ids[i].sec);	/* wipes */
	sodium_free(ks->eph);
	free(ks->dir);
	sodium_memzero(ks, sizeof(*ks));
	free(ks);
}

/* 1 to 63 of [A-Za-z0-9_.-], not starting with a dot. */
int
keystore_name_ok(const char *name)
{
	size_t	 i, len;
	char	 c;

	len = strnlen(name, VAULT_NAME_MAX);
	if (len == 0 || len >= VAULT_NAME_MAX || name[0] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return (0);
	}
	return (1);
}

/*
 * Read a key file into key: 0, 1 when it does not exist, -1 when it
 * exists but may not be used (logged).
 */
static int
ks_read(struct keystore *ks, const char *file, uint8_t *key)
{
	struct stat	 sb;
	const char	*why = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, r = -1;

	/* O_NONBLOCK: a FIFO in the key's place must not hang us. */
	if ((fd = openat(ks->dirfd, file, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (1);
		if (errno == ELOOP)
			log_warnx("key file %s/%s is a symbolic link: "
			    "refused", ks->dir, file);
		else
			log_warn("key file %s/%s", ks->dir, file);
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		log_warn("key file %s/%s", ks->dir, file);
		goto out;
	}
	if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sb.st_uid != ks->uid)
		why = "not owned by the vault's user";
	else if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		why = "group or others have access (must be mode 0600)";
	else if (sb.st_size != KEYSTORE_KEYLEN)
		why = "not exactly 32 bytes";
	if (why != NULL) {
		log_warnx("key file %s/%s: %s: refused", ks->dir, file, why);
		goto out;
	}
	while (off < KEYSTORE_KEYLEN) {
		if ((n = read(fd, key + off, KEYSTORE_KEYLEN - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("key file %s/%s: read", ks->dir, file);
			goto out;
		}
		if (n == 0) {
			log_warnx("key file %s/%s: short read", ks->dir,
			    file);
			goto out;
		}
		off += (size_t)n;
	}
	r = 0;
 out:
	close(fd);
	return (r);
}

/* Create the temporary file tmp holding key, synced; -1 logged. */
static int
ks_write(struct keystore *ks, const char *tmp, const uint8_t *key)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(ks->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		log_warn("key file %s/%s", ks->dir, tmp);
		return (-1);
	}
	while (off < KEYSTORE_KEYLEN) {
		if ((n = write(fd, key + off, KEYSTORE_KEYLEN - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_warn("key file %s/%s: write", ks->dir, tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		log_warn("key file %s/%s: fsync", ks->dir, tmp);
		goto fail;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		log_warn("key file %s/%s: close", ks->dir, tmp);
		goto fail;
	}
	return (0);
 fail:
	if (fd != -1)
		close(fd);
	if (unlinkat(ks->dirfd, tmp, 0) == -1)
		log_warn("cannot remove %s/%s", ks->dir, tmp);
	return (-1);
}

/* Rename without ever replacing a key file. */
static int
ks_rename(struct keystore *ks, const char *from, const char *to)
{
	if (renameat2(ks->dirfd, from, ks->dirfd, to, RENAME_NOREPLACE) == 0)
		return (0);
	/* A file system that cannot: the caller checked that to is free. */
	if (errno == EINVAL &&
	    renameat(ks->dirfd, from, ks->dirfd, to) == 0)
		return (0);
	log_warn("key file %s/%s", ks->dir, to);
	return (-1);
}

static void
ks_unlink(struct keystore *ks, const char *file)
{
	if (unlinkat(ks->dirfd, file, 0) == -1 && errno != ENOENT)
		log_warn("cannot remove %s/%s", ks->dir, file);
}

/* New keys for identity name, written to its two files. */
static uint32_t
ks_create(struct keystore *ks, const char *name, struct ks_secret *sec)
{
	char	 etmp[KS_PATHLEN], xtmp[KS_PATHLEN];
	char	 efile[KS_PATHLEN], xfile[KS_PATHLEN];

	ks_path(etmp, KEYSTORE_TMP_PREFIX, name, KS_ED25519);
	ks_path(xtmp, KEYSTORE_TMP_PREFIX, name, KS_X25519);
	ks_path(efile, "", name, KS_ED25519);
	ks_path(xfile, "", name, KS_X25519);
	randombytes_buf(sec->seed, sizeof(sec->seed));
	randombytes_buf(sec->x_sk, sizeof(sec->x_sk));

	if (ks_write(ks, xtmp, sec->x_sk) == -1)
		return (VAULT_ERR_IO);
	if (ks_write(ks, etmp, sec->seed) == -1) {
		ks_unlink(ks, xtmp);
		return (VAULT_ERR_IO);
	}
	if (ks_rename(ks, xtmp, xfile) == -1) {
		ks_unlink(ks, xtmp);
		ks_unlink(ks, etmp);
		return (VAULT_ERR_IO);
	}
	if (ks_rename(ks, etmp, efile) == -1) {
		/* Never leave half an identity: xfile is ours. */
		ks_unlink(ks, etmp);
		ks_unlink(ks, xfile);
		return (VAULT_ERR_IO);
	}
	if (fsync(ks->dirfd) == -1) {
		log_warn("key directory %s: fsync", ks->dir);
		return (VAULT_ERR_IO);
	}
	log_info("created identity %s in %s", name, ks->dir);
	return (VAULT_OK);
}

/* Load identity name's two files; VAULT_ERR_NOTFOUND: neither exists. */
static uint32_t
ks_load(struct keystore *ks, const char *name, struct ks_secret *sec)
{
	char	 efile[KS_PATHLEN], xfile[KS_PATHLEN];
	int	 re, rx;

	ks_path(efile, "", name, KS_ED25519);
	ks_path(xfile, "", name, KS_X25519);
	re = ks_read(ks, efile, sec->seed);
	rx = ks_read(ks, xfile, sec->x_sk);
	if (re == -1 || rx == -1)
		return (VAULT_ERR_IO);
	if (re == 1 && rx == 1)
		return (VAULT_ERR_NOTFOUND);
	if (re == 1 || rx == 1) {
		log_warnx("identity %s in %s is incomplete: %s is missing; "
		    "refusing to use or replace it (remove %s to start over)",
		    name, ks->dir, re == 1 ? efile : xfile,
		    re == 1 ? xfile : efile);
		return (VAULT_ERR_IO);
	}
	return (VAULT_OK);
}

/*
 * The identity called name: loaded once, then known by its id.  With
 * create, new keys are made when neither of its files exists.
 */
uint32_t
keystore_identity(struct keystore *ks, const char *name, int create,
    uint32_t *id, uint8_t *sign_pub, uint8_t *static_pub)
{
	struct ks_identity	*ki;
	struct ks_secret	*sec = NULL;
	uint32_t		 st;
	size_t			 i;

	if (!keystore_name_ok(name))
		return (VAULT_ERR_NAME);
	for (i = 0; i < ks->nids; i++) {
		ki = &ks->ids[i];
		if (strcmp(ki->name, name) == 0)
			goto found;
	}
	if (ks->dirfd == -1) {
		log_warnx("identity %s: the vault has no key directory",
		    name);
		return (VAULT_ERR_IO);
	}
	if (ks->nids == KEYSTORE_IDENTITY_MAX) {
		log_warnx("identity %s: %d identities loaded already", name,
		    KEYSTORE_IDENTITY_MAX);
		return (VAULT_ERR_LIMIT);
	}
	if ((sec = sodium_malloc(sizeof(*sec))) == NULL) {
		log_warn("identity %s: sodium_malloc", name);
		return (VAULT_ERR_LIMIT);
	}
	st = ks_load(ks, name, sec);
	if (st == VAULT_ERR_NOTFOUND && create)
		st = ks_create(ks, name, sec);
	if (st != VAULT_OK)
		goto fail;

	ki = &ks->ids[ks->nids];
	if (crypto_sign_seed_keypair(ki->sign_pub, sec->sign_sk,
	    sec->seed) != 0 ||
	    crypto_scalarmult_base(ki->static_pub, sec->x_sk) != 0) {
		log_warnx("identity %s: unusable keys", name);
		st = VAULT_ERR_IO;
		goto fail;
	}
	strlcpy(ki->name, name, sizeof(ki->name));
	ks_noaccess(sec);
	ki->sec = sec;
	i = ks->nids++;
	log_debug("identity %s loaded as id %zu", name, i + 1);
 found:
	*id = (uint32_t)i + 1;
	memcpy(sign_pub, ki->sign_pub, VAULT_PUBLEN);
	memcpy(static_pub, ki->static_pub, VAULT_PUBLEN);
	return (VAULT_OK);
 fail:
	sodium_free(sec);	/* wipes */
	return (st);
}

static struct ks_identity *
ks_identity_byid(struct keystore *ks, uint32_t id)
{
	if (id == 0 || (id & VAULT_KEY_EPHEMERAL) || id > ks->nids)
		return (NULL);
	return (&ks->ids[id - 1]);
}

/* The slot of ephemeral key id, or -1. */
static long
ks_eph_slot(const struct keystore *ks, uint32_t id)
{
	uint32_t	 slot;

	if (!(id & VAULT_KEY_EPHEMERAL))
		return (-1);
	slot = (id & ~VAULT_KEY_EPHEMERAL) % KS_EPH_SLOTS;
	if (ks->ephid[slot] != id)
		return (-1);
	return ((long)slot);
}

/* A new X25519 key pair: its id and public key. */
uint32_t
keystore_ephemeral(struct keystore *ks, uint32_t *id, uint8_t *pub)
{
	uint8_t		*priv;
	uint32_t	 gen, eid;
	size_t		 i, slot = 0;
	int		 r;

	if (ks->neph >= KS_EPH_SLOTS) {
		log_warnx("%d ephemeral keys alive: refusing another",
		    VAULT_EPHEMERAL_MAX);
		return (VAULT_ERR_LIMIT);
	}
	for (i = 0; i < KS_EPH_SLOTS; i++) {
		slot = (ks->ephnext + i) % KS_EPH_SLOTS;
		if (ks->ephid[slot] == 0)
			break;
	}
	if (i == KS_EPH_SLOTS)
		fatalx("ephemeral key table inconsistent");
	/* A slot's next id differs from its last: stale ids miss. */
	gen = ks->ephgen[slot] + 1;
	if (gen > KS_EPH_GENMAX)
		gen = 1;
	eid = VAULT_KEY_EPHEMERAL | (gen * KS_EPH_SLOTS + (uint32_t)slot);

	priv = ks->eph + slot * KEYSTORE_KEYLEN;
	randombytes_buf(priv, KEYSTORE_KEYLEN);
	if ((r = crypto_scalarmult_base(pub, priv)) != 0)
		sodium_memzero(priv, KEYSTORE_KEYLEN);
	if (r != 0)
		return (VAULT_ERR_DH);

	ks->ephgen[slot] = gen;
	ks->ephid[slot] = eid;
	ks->neph++;
	ks->ephnext = (slot + 1) % KS_EPH_SLOTS;
	*id = eid;
	return (VAULT_OK);
}

/*
 * X25519 of key id (an identity's static key, or an ephemeral key)
 * with peer.  A low-order peer key (all-zero result) is refused.
 */
uint32_t
keystore_dh(struct keystore *ks, uint32_t id, const uint8_t *peer,
    uint8_t *out)
{
	struct ks_identity	*ki;
	const uint8_t		*priv;
	void			*region;
	long			 slot;
	int			 r;

	if (id & VAULT_KEY_EPHEMERAL) {
		if ((slot = ks_eph_slot(ks, id)) == -1)
			return (VAULT_ERR_NOTFOUND);
		region = NULL;	/* always accessible, see above */
		priv = ks->eph + (size_t)slot * KEYSTORE_KEYLEN;
	} else {
		if ((ki = ks_identity_byid(ks, id)) == NULL)
			return (VAULT_ERR_NOTFOUND);
		region = ki->sec;
		priv = ki->sec->x_sk;
	}
	if (region != NULL)
		ks_access(region, 0);
	r = crypto_scalarmult(out, priv, peer);
	if (region != NULL)
		ks_noaccess(region);
	if (r != 0) {
		sodium_memzero(out, VAULT_PUBLEN);
		log_debug("DH with key %u: low-order peer key refused", id);
		return (VAULT_ERR_DH);
	}
	return (VAULT_OK);
}

/*
 * The one thing the vault signs: VAULT_SIG_CONTEXT followed by the
 * identity's own X25519 static public key.
 */
uint32_t
keystore_sign_static(struct keystore *ks, uint32_t id, uint8_t *sig)
{
	struct ks_identity	*ki;
	uint8_t			 msg[sizeof(VAULT_SIG_CONTEXT) - 1 +
				    VAULT_PUBLEN];
	int			 r;

	if ((ki = ks_identity_byid(ks, id)) == NULL)
		return (VAULT_ERR_NOTFOUND);
	memcpy(msg, VAULT_SIG_CONTEXT, sizeof(VAULT_SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(VAULT_SIG_CONTEXT) - 1, ki->static_pub,
	    VAULT_PUBLEN);
	ks_access(ki->sec, 0);
	r = crypto_sign_detached(sig, NULL, msg, sizeof(msg),
	    ki->sec->sign_sk);
	ks_noaccess(ki->sec);
	if (r != 0)
		fatalx("crypto_sign_detached failed");
	return (VAULT_OK);
}

/* Wipe ephemeral key id; VAULT_ERR_NOTFOUND when there is none. */
uint32_t
keystore_free(struct keystore *ks, uint32_t id)
{
	long	 slot;

	if ((slot = ks_eph_slot(ks, id)) == -1)
		return (VAULT_ERR_NOTFOUND);
	sodium_memzero(ks->eph + (size_t)slot * KEYSTORE_KEYLEN,
	    KEYSTORE_KEYLEN);
	ks->ephid[slot] = 0;
	ks->neph--;
	return (VAULT_OK);
}

size_t
keystore_ephemerals(const struct keystore *ks)
{
	return (ks->neph);
}
