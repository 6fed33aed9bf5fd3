/*
 * DATA_DIR/state.journal: the cache's records appended since the last snapshot
 * (state.json), one fdatasync per batch, so what the agent reports as applied is on disk.
 * The file ends in zeros written ahead: the records end at its first NUL byte.
 */
#ifndef EDGE_JOURNAL_H
#define EDGE_JOURNAL_H

#include <stddef.h>

#define JOURNAL_NAME "state.journal"

struct journal {
	int fd;             /* -1: closed */
	size_t size;        /* bytes since the last snapshot */
	size_t alloc;       /* bytes in the file: size, then zeros */
};

/* 0, 1 when a planted name (hard link, not a regular file) was replaced: snapshot now; -errno. */
int journal_open(struct journal *j, const char *dir, char *err, size_t errlen);
/* Appends buf (not yet durable). On failure the tail may be torn: reset next. */
int journal_write(struct journal *j, const void *buf, size_t len, char *err, size_t errlen);
/* Waits until everything written is on disk (one fdatasync). */
int journal_sync(struct journal *j, char *err, size_t errlen);
/* Empties the journal (after a snapshot holding everything in it is on disk). */
int journal_reset(struct journal *j, char *err, size_t errlen);
void journal_close(struct journal *j);

#endif
