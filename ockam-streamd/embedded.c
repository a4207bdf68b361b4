/* SPDX-License-Identifier: ISC */
/*
 * The embedded log as a backend of streamd (backend.h): store.c's
 * streams and offsets.c's offsets, as they are.
 */
#include <string.h>

#include "backend.h"
#include "offsets.h"
#include "store.h"
#include "streamd.h"

/*
 * The answer is filled at once; store_commit() writes and makes it
 * durable, or takes it back (append_failed() in streamd.c).
 */
static void
embedded_append(uint32_t id, const void *data, size_t len,
    struct streamd_append *ans)
{
	ans->status = store_append(id, data, len, &ans->index);
	if (ans->status != STREAMD_OK)
		ans->index = 0;
}

const struct store_backend store_embedded = {
	.name = "embedded",
	.close = store_close,
	.open = store_open,
	.append = embedded_append,
	.commit = store_commit,
	.read = store_read,
	.stat = store_stat,
	.valid_id = store_valid_id,
	.list = store_list,
	.retain = store_retain,
	.save = offsets_save,
	.get = offsets_get,
	.dirty = offsets_dirty,
	.flush = offsets_flush,
	.offsets_size = offsets_size,
	.offsets_close = offsets_close,
};
