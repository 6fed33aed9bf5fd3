/* Small file helpers for the agent's own files. */
#ifndef EDGE_FILEIO_H
#define EDGE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes dir/name atomically: a temp file ".name.tmp" with mode, fsync, rename, fsync of
 * the directory. On failure the old file is intact and no temp remains.
 */
int fileio_write_atomic(const char *dir, const char *name, const void *buf, size_t len,
			mode_t mode, char *err, size_t errlen);
/* Writes all of buf to fd (retrying short writes and EINTR); 0 or -errno. */
int fileio_write_all(int fd, const void *buf, size_t len);
/* Reads dir/name into a new NUL-terminated buffer (the caller frees it). */
int fileio_read(const char *dir, const char *name, char **out, size_t *len, size_t max);

#endif
