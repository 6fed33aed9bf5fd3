/* DATA_DIR/state.json: the last desired state, so the data plane survives restarts. */
#ifndef EDGE_CACHE_H
#define EDGE_CACHE_H

#include "store.h"
#include "strbuf.h"

/*
 * One line per id: every source's accepted object with its arrival rank, and what serves
 * the id ("serving"), so a restore hands out the same claims whatever the order.
 */
void cache_record(struct strbuf *sb, const struct store *st, const struct slot *s);
/*
 * Renders the cache document: a version line, then a record for every id, and takes each
 * record as the saved one (slot->saved_hash). Pure.
 */
int cache_render(struct strbuf *sb, struct store *st, const char *node);
/*
 * Loads a cache document into the store as generation 0 (unconfirmed), re-validating
 * each object with pol. Objects that no longer pass are skipped with a warning. Pure;
 * store_pin_claims must follow the last document.
 */
int cache_parse(struct store *st, const char *buf, size_t len, const struct policy *pol,
		char *err, size_t errlen);
/* Applies journal records (no version line); a final line cut short is ignored. */
int cache_parse_journal(struct store *st, const char *buf, size_t len, const struct policy *pol,
			char *err, size_t errlen);

/*
 * Appends to sb the records of those slots whose record differs from what DATA_DIR holds
 * (slot->saved_hash), and takes them as saved. Slots marked saved are not looked at: the
 * store clears the mark whenever it changes what a record holds. Returns how many. Pure.
 */
size_t cache_changes(struct strbuf *sb, const struct store *st, struct slot **v, size_t n);

/* The file edge: atomic write of the snapshot (temp, fsync, rename, fsync dir). */
int cache_save(const char *dir, struct store *st, const char *node, size_t *bytes,
	       char *err, size_t errlen);
/*
 * Reads the snapshot, then the journal over it (journal.h), pins the claims; what was read
 * is taken as saved. -ENOENT: neither exists; other errors leave what could be read.
 */
int cache_load(const char *dir, struct store *st, const struct policy *pol, char *err, size_t errlen);

#endif
