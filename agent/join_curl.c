#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "join_curl.h"

#define SYM(field, name) { offsetof(struct join_curl, field), name }

static const struct {
	size_t off;
	const char *name;
} syms[] = {
	SYM(global_init, "curl_global_init"),
	SYM(global_cleanup, "curl_global_cleanup"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(multi_init, "curl_multi_init"),
	SYM(multi_setopt, "curl_multi_setopt"),
	SYM(multi_add_handle, "curl_multi_add_handle"),
	SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SYM(multi_socket_action, "curl_multi_socket_action"),
	SYM(multi_info_read, "curl_multi_info_read"),
	SYM(multi_cleanup, "curl_multi_cleanup"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
};

int join_curl_open(struct join_curl *c, char *err, size_t errlen)
{
	const char *why;
	void *p;

	memset(c, 0, sizeof(*c));
	c->lib = dlopen(JOIN_CURL_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!c->lib) {
		why = dlerror();
		snprintf(err, errlen, "cannot load %s (package libcurl4): %s", JOIN_CURL_LIB,
			 why ? why : "unknown error");
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		p = dlsym(c->lib, syms[i].name);
		if (!p) {
			snprintf(err, errlen, "%s has no %s", JOIN_CURL_LIB, syms[i].name);
			dlclose(c->lib);
			c->lib = NULL;
			return -ENOSYS;
		}
		memcpy((char *)c + syms[i].off, &p, sizeof(p));
	}
	if (c->global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(err, errlen, "curl_global_init failed");
		dlclose(c->lib);
		c->lib = NULL;
		return -ENOMEM;
	}
	return 0;
}

void join_curl_close(struct join_curl *c)
{
	if (!c->lib)
		return;
	c->global_cleanup();
	dlclose(c->lib);
	memset(c, 0, sizeof(*c));
}
