/* The path parts of a route: path_prefix (+ strip_prefix) and the health check's path. */
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "route_parse.h"

#define PATH_MAX_LEN 256
#define PATH_ACCEPTED "'/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, " \
	"at most 256 bytes"
#define INTERVAL_MAX 3600

/* Rules put the path inside a Go backquoted literal: the charset keeps it inert. */
static const char *path_fault(const char *s, size_t n)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				 "0123456789._~/-";

	if (!n || s[0] != '/')
		return "does not start with '/'";
	if (n > PATH_MAX_LEN)
		return "is too long";
	for (size_t i = 0; i < n; i++) {
		if (!s[i] || !strchr(ok, s[i]))
			return "has a character outside [A-Za-z0-9._~/-]";
		if (s[i] != '/')
			continue;
		if (i + 1 < n && s[i + 1] == '/')
			return "has an empty segment ('//')";
		if (i + 1 < n && s[i + 1] == '.' && (i + 2 == n || s[i + 2] == '/'))
			return "has a '.' segment";
		if (i + 2 < n && s[i + 1] == '.' && s[i + 2] == '.' &&
		    (i + 3 == n || s[i + 3] == '/'))
			return "has a '..' segment";
	}
	return NULL;
}

static int path_read(const struct field_ctx *c, struct json_object *root, const char *key,
		     int flags, const char **s, size_t *n)
{
	char q[QUOTE_LEN], nb[128];
	const char *fault;
	int ret;

	ret = field_string(c, root, key, flags, PATH_ACCEPTED, s, n);
	if (ret || !*s)
		return ret;
	fault = path_fault(*s, *n);
	if (!fault)
		return 0;
	payload_quote(q, sizeof(q), *s, *n);
	return field_fail(c, "%s %s %s (accepted: " PATH_ACCEPTED ")",
			  field_name(c, key, nb, sizeof(nb)), q, fault);
}

int route_path_prefix(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	const char *s;
	size_t n;
	int ret;

	ret = path_read(c, root, "path_prefix", 0, &s, &n);
	if (!ret)
		ret = field_bool(c, root, "strip_prefix", &r->strip_prefix);
	if (ret)
		return ret;
	/* "/api/" and "/api" mean the same prefix; "/" is the whole host */
	while (s && n > 1 && s[n - 1] == '/')
		n--;
	if (s && n > 1)
		ret = route_dup(c, s, n, &r->path_prefix);
	if (!ret && r->strip_prefix && !r->path_prefix)
		return field_fail(c, "strip_prefix needs a path_prefix other than \"/\"");
	return ret;
}

int route_health(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	static const char *const keys[] = { "path", "interval_s", "timeout_s" };
	struct field_ctx hc = *c;
	struct route_extra *x;
	struct json_object *h;
	const char *s;
	size_t n;
	int ret;

	ret = field_object(c, root, "health", keys, 3, &h);
	if (ret || !h)
		return ret;
	hc.at = "health.";
	ret = path_read(&hc, h, "path", FIELD_REQUIRED, &s, &n);
	if (!ret)
		ret = route_extra_alloc(c, r, &x);
	if (!ret)
		ret = route_dup(c, s, n, &x->health_path);
	if (!ret)
		ret = field_uint(&hc, h, "interval_s", 0, 1, INTERVAL_MAX, &x->health_interval_s);
	if (!ret)
		ret = field_uint(&hc, h, "timeout_s", 0, 1, INTERVAL_MAX, &x->health_timeout_s);
	if (ret)
		return ret;
	if (x->health_timeout_s && x->health_timeout_s >= (x->health_interval_s ?
							       x->health_interval_s : 30))
		return field_fail(c, "health.timeout_s %u must be shorter than interval_s %u "
				  "(Traefik's default interval: 30)", x->health_timeout_s,
				  x->health_interval_s ? x->health_interval_s : 30);
	return 0;
}
