/* DATA_DIR/join.json: round trip, mode, absence and corruption. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "join_cache.h"
#include "join_parse.h"
#include "wg_device.h"

#define K1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

static const char resp[] =
	"{\"address\": \"10.50.0.5/24\", \"mtu\": 1420, \"peers\": [{\"public_key\": \"" K1 "\", "
	"\"endpoint\": \"203.0.113.10:51820\", \"allowed_ips\": [\"10.50.0.0/24\"]}]}";

int main(void)
{
	char dir[] = "/tmp/test_join_cache.XXXXXX", err[ERR_LEN] = "", want[ERR_LEN], *text = NULL;
	struct wg_join j = { 0 }, back = { 0 };
	struct stat sb;
	size_t len = 0;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir) || join_parse(resp, strlen(resp), &j, err, sizeof(err))) {
		CHECK("setup", false);
		return CHECK_DONE();
	}
	ret = join_cache_load(dir, &back, err, sizeof(err));
	CHECK("no cache: -ENOENT", ret == -ENOENT);
	CHECK_STR("no cache: no message", err, "");

	ret = join_cache_save(dir, &j, err, sizeof(err));
	CHECK("save returns 0", ret == 0);
	snprintf(want, sizeof(want), "%s/" JOIN_CACHE_FILE, dir);
	CHECK("saved with mode 0600", !stat(want, &sb) && (sb.st_mode & 07777) == 0600);
	CHECK_STR("saved in canonical form",
		  fileio_read(dir, JOIN_CACHE_FILE, &text, &len, 4096) ? "" : text,
		  "{\"address\":\"10.50.0.5/24\",\"mtu\":1420,\"peers\":[{\"public_key\":\"" K1 "\","
		  "\"endpoint\":\"203.0.113.10:51820\",\"allowed_ips\":[\"10.50.0.0/24\"]}]}\n");
	free(text);
	ret = join_cache_load(dir, &back, err, sizeof(err));
	CHECK("load returns 0", ret == 0);
	CHECK("load gives what was saved", wg_join_equal(&j, &back));
	wg_join_free(&back);

	ret = fileio_write_atomic(dir, JOIN_CACHE_FILE, "{\"address\":1}", 13, 0600, err,
				  sizeof(err));
	ret = join_cache_load(dir, &back, err, sizeof(err));
	snprintf(want, sizeof(want), "join cache: %s/join.json: wireguard: address must be a string, "
		 "got number 1", dir);
	CHECK_STR("a damaged cache is reported", err, want);
	CHECK("a damaged cache returns -EINVAL", ret == -EINVAL);

	snprintf(want, sizeof(want), "%s/" JOIN_CACHE_FILE, dir);
	unlink(want);
	rmdir(dir);
	ret = join_cache_save(dir, &j, err, sizeof(err));
	snprintf(want, sizeof(want), "join cache: open %s/join.json: No such file or directory", dir);
	CHECK_STR("save into a missing directory", err, want);
	CHECK("save into a missing directory returns -ENOENT", ret == -ENOENT);
	wg_join_free(&j);
	return CHECK_DONE();
}
