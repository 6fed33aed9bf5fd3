#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "journal.h"

int journal_open(struct journal *j, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat sb;

	j->size = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
	j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (j->fd >= 0 && !fstat(j->fd, &sb) && (!S_ISREG(sb.st_mode) || sb.st_nlink != 1)) {
		/* a name planted to make the agent append to (and truncate) another file */
		journal_close(j);
		snprintf(err, errlen, "%s was not the agent's private file (%lu links); replaced",
			 path, (unsigned long)sb.st_nlink);
		if (unlink(path) == 0)
			j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC |
				     O_NOFOLLOW, 0600);
		if (j->fd >= 0)
			return 1;
	}
	if (j->fd < 0 || fstat(j->fd, &sb)) {
		int e = errno;
		snprintf(err, errlen, "open %s: %s", path, strerror(e));
		journal_close(j);
		return -e;
	}
	j->size = (size_t)sb.st_size;
	return 0;
}

int journal_write(struct journal *j, const void *buf, size_t len, char *err, size_t errlen)
{
	int ret = j->fd < 0 ? -EBADF : fileio_write_all(j->fd, buf, len);

	if (ret) {
		snprintf(err, errlen, "journal: %s", strerror(-ret));
		return ret;
	}
	j->size += len;
	return 0;
}

int journal_sync(struct journal *j, char *err, size_t errlen)
{
	if (j->fd < 0 || fdatasync(j->fd)) {
		int e = j->fd < 0 ? EBADF : errno;
		snprintf(err, errlen, "journal: sync: %s", strerror(e));
		return -e;
	}
	return 0;
}

int journal_reset(struct journal *j, char *err, size_t errlen)
{
	if (j->fd < 0 || ftruncate(j->fd, 0) || fsync(j->fd)) {
		int e = j->fd < 0 ? EBADF : errno;
		snprintf(err, errlen, "journal: truncate: %s", strerror(e));
		return -e;
	}
	j->size = 0;
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}
