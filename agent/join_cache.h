/* DATA_DIR/join.json: the last accepted join response, so a restart needs no controller. */
#ifndef EDGE_JOIN_CACHE_H
#define EDGE_JOIN_CACHE_H

#include "wg.h"

#define JOIN_CACHE_FILE "join.json"

/* Canonical JSON (join_render), mode 0600, written atomically. */
int join_cache_save(const char *data_dir, const struct wg_join *j, char *err, size_t errlen);
/* -ENOENT when there is none (err stays empty); -EINVAL with the parse error otherwise. */
int join_cache_load(const char *data_dir, struct wg_join *out, char *err, size_t errlen);

#endif
