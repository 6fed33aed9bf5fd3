/* The syncer's thread: generations, one sync answering earlier asks, sticky errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "syncer.h"

int main(void)
{
	char path[] = "/tmp/edge-syncer.XXXXXX";
	struct syncer s = { 0 };
	uint64_t g1 = 0, g2, g3;
	int fd = mkstemp(path), p[2];

	CHECK("temp file", fd >= 0);
	CHECK("a first ask starts the thread", write(fd, "a", 1) == 1 && (g1 = syncer_ask(&s, fd)) == 1 &&
	      s.up);
	CHECK("its wait returns 0", syncer_wait(&s, g1) == 0);
	g2 = syncer_ask(&s, fd);
	g3 = syncer_ask(&s, fd);
	CHECK("generations grow", g2 == 2 && g3 == 3);
	CHECK("the later wait covers both", syncer_wait(&s, g3) == 0 && s.done >= g2);
	/* fdatasync on a pipe fails (EINVAL): the error is kept for every later wait */
	CHECK("pipe", pipe(p) == 0);
	g1 = syncer_ask(&s, p[1]);
	CHECK("a failed sync is reported", syncer_wait(&s, g1) == -EINVAL);
	g2 = syncer_ask(&s, fd);
	CHECK("... and stays reported after a good one (the data may be lost)",
	      syncer_wait(&s, g2) == -EINVAL);
	syncer_clear(&s);
	g3 = syncer_ask(&s, fd);
	CHECK("cleared once the file is replaced", syncer_wait(&s, g3) == 0);
	syncer_stop(&s);
	CHECK("stopped", !s.up);
	syncer_stop(&s);
	CHECK("a second stop is harmless", !s.up);
	close(p[0]);
	close(p[1]);
	close(fd);
	unlink(path);
	return CHECK_DONE();
}
