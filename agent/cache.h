/* DATA_DIR/state.json: the last desired state, so the data plane survives restarts. */
#ifndef EDGE_CACHE_H
#define EDGE_CACHE_H

#include "store.h"
#include "strbuf.h"

/* Renders every accepted entry of the store as the cache document. Pure. */
int cache_render(struct strbuf *sb, const struct store *st, const char *node);
/*
 * Loads the cache document into the store as generation 0 (unconfirmed), re-validating
 * each object with pol. Objects that no longer pass are skipped with a warning. Pure.
 */
int cache_parse(struct store *st, const char *buf, size_t len, const struct policy *pol,
		char *err, size_t errlen);

/* The file edge: atomic write (temp, fsync, rename, fsync dir) and read. */
int cache_save(const char *dir, const struct store *st, const char *node, char *err, size_t errlen);
int cache_load(const char *dir, struct store *st, const struct policy *pol, char *err, size_t errlen);

#endif
