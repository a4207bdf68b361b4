/* SPDX-License-Identifier: ISC */
/*
 * Consumers' saved offsets (offsets.h): a tree in memory, a file on
 * disk.  SAVE has no answer in Ockam's protocol, so an offset is on
 * disk shortly after it was saved, not before anything is answered;
 * losing the last ones to a crash only makes a consumer read a few
 * records again.
 */
#include <sys/types.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "offsets.h"
#include "store.h"
#include "streamd.h"

#define OFF_MAGIC	"OCKOFF1\n"
#define OFF_FILE	"offsets"
#define OFF_TMP		".offsets.tmp"
#define OFF_BAD		"offsets.bad"

struct offent {
	RB_ENTRY(offent)	 entry;
	uint64_t		 index;
	char			 client[STREAMD_CLIENT_MAX];
	char			 name[STREAMD_NAME_MAX];
};

static int
offent_cmp(struct offent *a, struct offent *b)
{
	int	 r;

	if ((r = strcmp(a->client, b->client)) != 0)
		return (r);
	return (strcmp(a->name, b->name));
}

RB_HEAD(offtree, offent);
RB_PROTOTYPE(offtree, offent, entry, offent_cmp);
RB_GENERATE(offtree, offent, entry, offent_cmp);

static struct offtree	 offs = RB_INITIALIZER(&offs);
static uint32_t		 noffs, offs_max;
static int		 offs_dirfd = -1, dirty;
static uint64_t		 offs_size;	/* bytes of the last file written */
static struct log_count	 lc_full = LOG_COUNT_INIT(LOG_WARNING,
			    "offset not saved: limit stream-offsets reached");

static struct offent *
off_find(const char *client, const char *name)
{
	struct offent	 key;

	if (strlcpy(key.client, client, sizeof(key.client)) >=
	    sizeof(key.client) ||
	    strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return (NULL);
	return (RB_FIND(offtree, &offs, &key));
}

static struct offent *
off_insert(const char *client, const char *name, uint64_t index)
{
	struct offent	*o;

	if (noffs >= offs_max) {
		log_count(&lc_full, "client %s, stream %s", client, name);
		return (NULL);
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		log_warn("offset");
		return (NULL);
	}
	strlcpy(o->client, client, sizeof(o->client));
	strlcpy(o->name, name, sizeof(o->name));
	o->index = index;
	RB_INSERT(offtree, &offs, o);
	noffs++;
	return (o);
}

/* Read a file written by offsets_flush(); -1 when it does not check. */
static int
off_load(FILE *f)
{
	uint8_t		 magic[8], b4[4], b8[8], len;
	char		 client[STREAMD_CLIENT_MAX], name[STREAMD_NAME_MAX];
	uint32_t	 crc, count, i;
	uint64_t	 index;

#define RD(p, n)	do {						\
	if (fread((p), 1, (n), f) != (size_t)(n))			\
		return (-1);						\
	crc = crc32c(crc, (p), (n));					\
} while (0)
	crc = 0;
	RD(magic, sizeof(magic));
	if (memcmp(magic, OFF_MAGIC, sizeof(magic)) != 0)
		return (-1);
	RD(b4, 4);
	count = b4[0] | b4[1] << 8 | b4[2] << 16 | (uint32_t)b4[3] << 24;
	for (i = 0; i < count; i++) {
		RD(&len, 1);
		if (len == 0 || len >= sizeof(client))
			return (-1);
		RD(client, len);
		client[len] = '\0';
		if (memchr(client, '\0', len) != NULL)
			return (-1);
		RD(&len, 1);
		if (len == 0 || len >= sizeof(name))
			return (-1);
		RD(name, len);
		name[len] = '\0';
		if (!streamd_name_valid(name, len))
			return (-1);
		RD(b8, 8);
		index = 0;
		for (len = 8; len > 0; len--)
			index = index << 8 | b8[len - 1];
		if (off_find(client, name) == NULL &&
		    off_insert(client, name, index) == NULL)
			break;	/* more than the limit: the rest dropped */
	}
	if (i < count)
		return (0);
	if (fread(b4, 1, 4, f) != 4 || (b4[0] | b4[1] << 8 | b4[2] << 16 |
	    (uint32_t)b4[3] << 24) != crc)
		return (-1);
#undef RD
	return (0);
}

int
offsets_init(int dirfd, uint32_t max)
{
	struct offent	*o;
	FILE		*f;
	int		 fd;

	offs_dirfd = dirfd;
	offs_max = max;
	if ((fd = openat(dirfd, OFF_FILE, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return (-1);
	}
	if (off_load(f) == -1) {
		log_warnx("%s does not check: set aside as %s, no offsets "
		    "are kept", OFF_FILE, OFF_BAD);
		while ((o = RB_MIN(offtree, &offs)) != NULL) {
			RB_REMOVE(offtree, &offs, o);
			free(o);
		}
		noffs = 0;
		if (renameat(dirfd, OFF_FILE, dirfd, OFF_BAD) == -1)
			log_warn("rename %s", OFF_FILE);
	} else if (ftell(f) > 0)
		offs_size = ftell(f);
	fclose(f);
	log_debug("%u offsets", noffs);
	return (0);
}

/* Keep the larger; a new pair over the limit is dropped (logged). */
int
offsets_save(const char *client, const char *name, uint64_t index)
{
	struct offent	*o;

	if ((o = off_find(client, name)) == NULL) {
		if (off_insert(client, name, index) == NULL)
			return (-1);
		dirty = 1;
	} else if (index > o->index) {
		o->index = index;
		dirty = 1;
	}
	return (0);
}

int
offsets_get(const char *client, const char *name, uint64_t *index)
{
	struct offent	*o;

	if ((o = off_find(client, name)) == NULL)
		return (0);
	*index = o->index;
	return (1);
}

int
offsets_dirty(void)
{
	return (dirty);
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	int	 i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

/* Write every offset to a new file and rename it over the old one. */
int
offsets_flush(void)
{
	struct offent	*o;
	uint8_t		 b[8], len;
	uint32_t	 crc = 0;
	uint64_t	 size;
	FILE		*f;
	int		 fd, err = 0;

#define WR(p, n)	do {						\
	if (fwrite((p), 1, (n), f) != (size_t)(n))			\
		err = 1;						\
	crc = crc32c(crc, (p), (n));					\
} while (0)
	if (!dirty)
		return (0);
	if ((fd = openat(offs_dirfd, OFF_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1)
		goto fail;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto fail;
	}
	size = 8 + 4 + 4;
	WR(OFF_MAGIC, 8);
	put_le(b, noffs, 4);
	WR(b, 4);
	RB_FOREACH(o, offtree, &offs) {
		len = strlen(o->client);
		WR(&len, 1);
		WR(o->client, len);
		len = strlen(o->name);
		WR(&len, 1);
		WR(o->name, len);
		put_le(b, o->index, 8);
		WR(b, 8);
		size += 2 + strlen(o->client) + strlen(o->name) + 8;
	}
	put_le(b, crc, 4);
	if (fwrite(b, 1, 4, f) != 4)
		err = 1;
#undef WR
	if (fflush(f) == EOF || err || fsync(fileno(f)) == -1) {
		fclose(f);
		goto fail;
	}
	if (fclose(f) == EOF ||
	    renameat(offs_dirfd, OFF_TMP, offs_dirfd, OFF_FILE) == -1 ||
	    fsync(offs_dirfd) == -1)
		goto fail;
	dirty = 0;
	offs_size = size;
	return (0);
fail:
	log_warn("offsets not written");
	return (-1);
}

/* The size of the file last written, which sets how often it is. */
uint64_t
offsets_size(void)
{
	return (offs_size);
}

void
offsets_close(void)
{
	struct offent	*o;

	offsets_flush();
	while ((o = RB_MIN(offtree, &offs)) != NULL) {
		RB_REMOVE(offtree, &offs, o);
		free(o);
	}
	noffs = 0;
}
