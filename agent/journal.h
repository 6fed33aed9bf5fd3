/*
 * DATA_DIR/state.journal: the cache's records appended since the last snapshot
 * (state.json), one fdatasync per batch, so what the agent reports as applied is on disk.
 * The sync runs on the syncer's thread from journal_start on; journal_sync waits for it.
 * The file ends in zeros written ahead: the records end at its first NUL byte.
 */
#ifndef EDGE_JOURNAL_H
#define EDGE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "syncer.h"

#define JOURNAL_NAME "state.journal"

struct journal {
	int fd;             /* -1: closed */
	size_t size;        /* bytes since the last snapshot */
	size_t alloc;       /* bytes in the file: size, then zeros */
	size_t synced;      /* of size, known on disk */
	size_t asked_size;  /* size when the last sync was asked */
	uint64_t asked;     /* its generation; 0: none (no thread: journal_sync syncs itself) */
	struct syncer syncer;
};

/* 0, 1 when a planted name (hard link, not a regular file) was replaced: snapshot now; -errno. */
int journal_open(struct journal *j, const char *dir, char *err, size_t errlen);
/* Appends buf (not yet durable). On failure the tail may be torn: reset next. */
int journal_write(struct journal *j, const void *buf, size_t len, char *err, size_t errlen);
/*
 * Starts putting what was written on disk, on the syncer's thread, while the caller goes
 * on (once per batch: a sync per write of a replay's slices cost 40% more CPU).
 */
void journal_start(struct journal *j);
/* Waits until everything written is on disk (started here if journal_start was not called). */
int journal_sync(struct journal *j, char *err, size_t errlen);
/* Something written is not known to be on disk yet. */
bool journal_pending(const struct journal *j);
/* Empties the journal (after a snapshot holding everything in it is on disk). */
int journal_reset(struct journal *j, char *err, size_t errlen);
void journal_close(struct journal *j);

#endif
