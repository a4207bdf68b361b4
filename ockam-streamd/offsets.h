/* SPDX-License-Identifier: ISC */
/*
 * Consumers' saved offsets (streamd.h IMSG_STREAMD_SAVE and _GET), by
 * client id and stream name, kept in the file "offsets" of the data
 * directory, rewritten whole (a temporary file, fsync, rename, fsync of
 * the directory) by offsets_flush():
 *
 *	"OCKOFF1\n"  u32 count  count times: u8 client length, client,
 *	u8 name length, name, u64 index  u32 CRC32C of all before it
 *
 * integers little-endian.  A file that does not check is set aside as
 * "offsets.bad" and the node starts with no offsets (said): consumers
 * then read their streams again from the start, at least once.
 */
#ifndef OCKAM_STREAMD_OFFSETS_H
#define OCKAM_STREAMD_OFFSETS_H

#include <stdint.h>

int	offsets_init(int, uint32_t);
int	offsets_save(const char *, const char *, uint64_t);
int	offsets_get(const char *, const char *, uint64_t *);
int	offsets_dirty(void);
int	offsets_flush(void);
uint64_t offsets_size(void);
void	offsets_close(void);

#endif /* OCKAM_STREAMD_OFFSETS_H */
