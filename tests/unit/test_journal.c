/* The state journal: records written over zeros ahead of them, read back to the first NUL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "journal.h"

static const char rec1[] = "{\"kind\":\"forward\",\"id\":\"a\",\"entries\":[]}\n";
static const char rec2[] = "{\"kind\":\"forward\",\"id\":\"b\",\"entries\":[]}\n";

static off_t size_of(const char *dir)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
	return stat(path, &st) ? -1 : st.st_size;
}

int main(void)
{
	char dir[] = "/tmp/edge-journal.XXXXXX", err[256];
	struct journal j = { .fd = -1 };
	char *buf = NULL;
	size_t len = 0;

	CHECK("temp dir", mkdtemp(dir) != NULL);
	CHECK("a new journal opens empty", journal_open(&j, dir, err, sizeof(err)) == 0 && j.size == 0);
	CHECK("a record is written, not yet on disk",
	      journal_write(&j, rec1, strlen(rec1), err, sizeof(err)) == 0 && !j.asked &&
	      journal_pending(&j));
	journal_start(&j);
	CHECK("its sync is asked of the syncer's thread", j.asked && j.asked_size == j.size);
	CHECK("... and waited for", journal_sync(&j, err, sizeof(err)) == 0 && j.size == strlen(rec1) &&
	      !journal_pending(&j));
	CHECK("zeros are written ahead of the next records",
	      size_of(dir) >= (off_t)(strlen(rec1) + 4096));
	CHECK("the next record overwrites them", journal_write(&j, rec2, strlen(rec2), err, sizeof(err)) == 0 &&
	      journal_sync(&j, err, sizeof(err)) == 0 && j.size == strlen(rec1) + strlen(rec2) &&
	      size_of(dir) == (off_t)j.alloc);
	CHECK("the records end at the first NUL", fileio_read(dir, JOURNAL_NAME, &buf, &len, 1 << 20) == 0 &&
	      strnlen(buf, len) == strlen(rec1) + strlen(rec2) && !strncmp(buf, rec1, strlen(rec1)));
	free(buf);
	buf = NULL;
	journal_close(&j);

	CHECK("a reopened journal continues after its records",
	      journal_open(&j, dir, err, sizeof(err)) == 0 && j.size == strlen(rec1) + strlen(rec2) &&
	      size_of(dir) == (off_t)j.size);
	CHECK("a reset empties it", journal_reset(&j, err, sizeof(err)) == 0 && j.size == 0 &&
	      size_of(dir) == 0);
	journal_close(&j);

	/* a torn record past the first NUL (a power cut inside an unsynced write) is dropped */
	{
		static const char torn[] = "{\"kind\":\"fo\0\0\0\0rd\",\"id\"";
		char path[512];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
		f = fopen(path, "w");
		fwrite(rec1, 1, strlen(rec1), f);
		fwrite(torn, 1, sizeof(torn), f);
		fclose(f);
	}
	CHECK("a reopen cuts what follows the first NUL",
	      journal_open(&j, dir, err, sizeof(err)) == 0 && j.size == strlen(rec1) + 11 &&
	      size_of(dir) == (off_t)j.size);
	journal_close(&j);
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
		unlink(path);
		rmdir(dir);
	}
	return CHECK_DONE();
}
