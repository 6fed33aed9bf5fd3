#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "join_cache.h"
#include "join_parse.h"

int join_cache_save(const char *data_dir, const struct wg_join *j, char *err, size_t errlen)
{
	char *text = NULL, why[512];
	size_t len = 0;
	int ret;

	ret = join_render(j, &text, &len);
	if (ret) {
		snprintf(err, errlen, "join cache: cannot render " JOIN_CACHE_FILE ": %s",
			 strerror(-ret));
		return ret;
	}
	ret = fileio_write_atomic(data_dir, JOIN_CACHE_FILE, text, len, 0600, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "join cache: %s", why);
	explicit_bzero(text, len);
	free(text);
	return ret;
}

int join_cache_load(const char *data_dir, struct wg_join *out, char *err, size_t errlen)
{
	char *text = NULL, why[ERR_LEN];
	size_t len = 0;
	int ret;

	if (errlen)
		err[0] = '\0';
	ret = fileio_read(data_dir, JOIN_CACHE_FILE, &text, &len, JOIN_MAX_BYTES);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		snprintf(err, errlen, "join cache: cannot read %s/" JOIN_CACHE_FILE ": %s", data_dir,
			 ret == -EFBIG ? "over 1 MiB" : strerror(-ret));
		return ret;
	}
	ret = join_parse(text, len, out, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "join cache: %s/" JOIN_CACHE_FILE ": %s", data_dir, why);
	explicit_bzero(text, len);
	free(text);
	return ret;
}
