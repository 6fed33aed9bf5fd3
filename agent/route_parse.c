#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "payload.h"
#include "payload_int.h"
#include "route_parse.h"

#define HOSTNAME_ACCEPTED "lower-case RFC 1123 host name"
#define URL_ACCEPTED "http:// or https:// URL with an IP address host"
#define NAME_ACCEPTED "[A-Za-z0-9][A-Za-z0-9_-]{0,62}"
#define TLS_ACCEPTED "router, entrypoint, passthrough"
#define WEIGHT_MAX 1000000

static const char *const route_fields[] = {
	"hostname", "target_url", "entrypoint", "certresolver", "route_id", "path_prefix",
	"strip_prefix", "targets", "health", "sticky", "allow_from", "basic_auth",
	"rate_limit", "headers", "redirect_https", "tls", "target", "proxy_protocol",
};

/* Fields that only an HTTP route has, and those that only a passthrough route has. */
static const char *const http_only[] = {
	"target_url", "targets", "certresolver", "path_prefix", "strip_prefix", "health",
	"sticky", "allow_from", "basic_auth", "rate_limit", "headers",
};
static const char *const passthrough_only[] = { "target", "proxy_protocol" };

static bool name_valid(const char *s, size_t n)
{
	if (n < 1 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
			continue;
		if (!i || (ch != '-' && ch != '_'))
			return false;
	}
	return true;
}

int route_dup(const struct field_ctx *c, const char *s, size_t n, char **out)
{
	*out = s ? strndup(s, n) : NULL;
	return s && !*out ? field_nomem(c) : 0;
}

int route_extra_alloc(const struct field_ctx *c, struct route_spec *r, struct route_extra **out)
{
	if (!r->extra)
		r->extra = calloc(1, sizeof(*r->extra));
	*out = r->extra;
	return r->extra ? 0 : field_nomem(c);
}

static int route_hostname(const struct field_ctx *c, struct json_object *root,
			  struct route_spec *r)
{
	enum hostname_fault fault;
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, "hostname", FIELD_REQUIRED, HOSTNAME_ACCEPTED, &s, &n);
	if (ret)
		return ret;
	fault = hostname_check(s, n);
	if (fault == HOSTNAME_OK)
		return route_dup(c, s, n, &r->hostname);
	payload_quote(q, sizeof(q), s, n);
	switch (fault) {
	case HOSTNAME_UPPER:
		return field_fail(c, "hostname %s must be lower case (accepted: "
				  HOSTNAME_ACCEPTED ")", q);
	case HOSTNAME_NON_ASCII:
		return field_fail(c, "hostname %s must be ASCII (accepted: punycode, e.g. xn--...)",
				  q);
	default:
		return field_fail(c, "hostname %s is not a valid RFC 1123 host name (accepted: "
				  "labels of 1-63 lower-case letters, digits and '-', separated "
				  "by '.', at most 253 characters)", q);
	}
}

static int route_targets(const struct field_ctx *c, struct json_object *root,
			 struct route_spec *r)
{
	static const char *const keys[] = { "url", "weight" };
	struct field_ctx tc = *c;
	struct route_extra *x;
	struct json_object *arr;
	char at[48], name[64];
	const char *s;
	size_t n;
	int ret;

	ret = field_array(c, root, "targets", ROUTE_TARGETS_MAX, &arr);
	if (!ret && arr)
		ret = route_extra_alloc(c, r, &x);
	if (ret || !arr)
		return ret;
	x->targets = calloc(json_object_array_length(arr), sizeof(*x->targets));
	if (!x->targets)
		return field_nomem(c);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i);
		struct route_target *rt = &x->targets[i];

		x->n_targets = i + 1;
		snprintf(at, sizeof(at), "targets[%zu]", i);
		ret = field_value_object(c, at, t, keys, 2);
		snprintf(name, sizeof(name), "%s.", at);
		tc.at = name;
		if (!ret)
			ret = field_string(&tc, t, "url", FIELD_REQUIRED, URL_ACCEPTED, &s, &n);
		if (!ret)
			ret = field_uint(&tc, t, "weight", 0, 1, WEIGHT_MAX, &rt->weight);
		snprintf(name, sizeof(name), "%s.url", at);
		if (!ret)
			ret = route_url_parse(c, name, s, n, &rt->url);
		if (ret)
			return ret;
	}
	return 0;
}

static int route_target(const struct field_ctx *c, struct json_object *root,
			struct route_spec *r)
{
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, "target_url", 0, URL_ACCEPTED, &s, &n);
	if (ret)
		return ret;
	if (s && json_object_object_get_ex(root, "targets", NULL))
		return field_fail(c, "target_url and targets exclude each other (accepted: one "
				  "of them)");
	if (s)
		return route_url_parse(c, "target_url", s, n, &r->target_url);
	if (!json_object_object_get_ex(root, "targets", NULL))
		return field_fail(c, "target_url is required (accepted: " URL_ACCEPTED
				  ", or targets: [{\"url\": ..., \"weight\": N}])");
	return route_targets(c, root, r);
}

/*
 * entrypoint and certresolver: absent takes the policy's default; certresolver may be
 * null or "" to ask for no resolver at all.
 */
static int route_name(const struct field_ctx *c, struct json_object *root, const char *name,
		      int flags, const char *dflt, char **out)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, name, flags, NULL, &s, &n);
	if (ret)
		return ret;
	if (!s) {
		s = dflt;
		n = dflt ? strlen(dflt) : 0;
		return route_dup(c, n || !(flags & FIELD_NULLABLE) ? s : NULL, n, out);
	}
	if (!n && (flags & FIELD_NULLABLE))
		return route_dup(c, NULL, 0, out);
	if (!name_valid(s, n)) {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "%s %s is not a valid name (accepted: " NAME_ACCEPTED ")",
				  name, q);
	}
	return route_dup(c, s, n, out);
}

static int route_tls(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	r->tls = c->pol->tls;
	ret = field_string(c, root, "tls", 0, TLS_ACCEPTED, &s, &n);
	if (ret || !s)
		return ret;
	if (n == 6 && !memcmp(s, "router", 6))
		r->tls = ROUTE_TLS_ROUTER;
	else if (n == 10 && !memcmp(s, "entrypoint", 10))
		r->tls = ROUTE_TLS_ENTRYPOINT;
	else if (n == 11 && !memcmp(s, "passthrough", 11))
		r->tls = ROUTE_TLS_PASSTHROUGH;
	else {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "tls %s is not supported (accepted: " TLS_ACCEPTED ")", q);
	}
	return 0;
}

static int route_exclude(const struct field_ctx *c, struct json_object *root,
			 const char *const *names, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(root, names[i], NULL))
			return field_fail(c, "%s is not accepted %s", names[i], why);
	return 0;
}

static int route_passthrough(const struct field_ctx *c, struct json_object *root,
			     struct route_spec *r)
{
	struct route_extra *x;
	const char *s;
	size_t n;
	int ret;

	ret = route_exclude(c, root, http_only, sizeof(http_only) / sizeof(http_only[0]),
			    "with tls \"passthrough\" (a TCP route forwards the TLS stream as is)");
	if (!ret)
		ret = field_string(c, root, "target", FIELD_REQUIRED,
				   "IP:PORT in the mesh, e.g. 10.50.0.12:8443", &s, &n);
	if (!ret)
		ret = route_extra_alloc(c, r, &x);
	if (!ret)
		ret = route_hostport_parse(c, "target", s, n, &x->passthrough_target);
	if (!ret)
		ret = field_uint(c, root, "proxy_protocol", 0, 1, 2, &x->proxy_protocol);
	return ret;
}

static int route_http(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	int ret;

	ret = route_exclude(c, root, passthrough_only,
			    sizeof(passthrough_only) / sizeof(passthrough_only[0]),
			    "without tls \"passthrough\" (HTTP routes use target_url or targets)");
	if (!ret)
		ret = route_target(c, root, r);
	if (!ret)
		ret = route_name(c, root, "certresolver", FIELD_NULLABLE, c->pol->certresolver,
				 &r->certresolver);
	if (!ret)
		ret = route_path_prefix(c, root, r);
	if (!ret)
		ret = route_health(c, root, r);
	if (!ret)
		ret = field_bool(c, root, "sticky", &r->sticky);
	if (!ret)
		ret = route_access(c, root, r);
	return ret;
}

/* The redirect router listens on the HTTP entrypoint: the route itself must not. */
static int route_redirect(const struct field_ctx *c, struct route_spec *r)
{
	const char *web = c->pol->http_entrypoint ? c->pol->http_entrypoint : "web";

	if (r->entrypoint && !strcmp(r->entrypoint, web))
		return field_fail(c, "redirect_https needs an entrypoint other than the HTTP "
				  "entrypoint \"%s\" (TRAEFIK_HTTP_ENTRYPOINT) the redirect listens on",
				  web);
	return route_dup(c, web, strlen(web), &r->redirect_entrypoint);
}

static int route_parse(const struct field_ctx *c, struct json_object *root, struct object *o)
{
	struct route_spec *r = &o->route;
	bool redirect;
	int ret;

	ret = route_hostname(c, root, r);
	if (!ret)
		ret = route_tls(c, root, r);
	if (!ret)
		ret = route_name(c, root, "entrypoint", 0, c->pol->entrypoint, &r->entrypoint);
	if (!ret)
		ret = r->tls == ROUTE_TLS_PASSTHROUGH ? route_passthrough(c, root, r) :
							route_http(c, root, r);
	if (!ret)
		ret = field_bool(c, root, "redirect_https", &redirect);
	if (!ret && redirect)
		ret = route_redirect(c, r);
	if (!ret)
		ret = field_id_match(c, root, "route_id");
	return ret;
}

const struct payload_schema route_schema = {
	route_fields, sizeof(route_fields) / sizeof(route_fields[0]), route_parse,
};
