#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "payload.h"
#include "payload_field.h"

#define HOSTNAME_ACCEPTED "lower-case RFC 1123 host name"
#define URL_ACCEPTED "http:// or https:// URL with an IP address host"
#define NAME_ACCEPTED "[A-Za-z0-9][A-Za-z0-9_-]{0,62}"

static const char *const route_fields[] = {
	"hostname", "target_url", "entrypoint", "certresolver", "route_id",
};

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

static int route_dup(const struct field_ctx *c, const char *s, size_t n, char **out)
{
	*out = s ? strndup(s, n) : NULL;
	return s && !*out ? field_nomem(c) : 0;
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
	value_quote(q, sizeof(q), s, n);
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

static int route_target(const struct field_ctx *c, struct json_object *root,
			struct route_spec *r)
{
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, "target_url", FIELD_REQUIRED, URL_ACCEPTED, &s, &n);
	if (ret)
		return ret;
	return route_url_parse(c, s, n, &r->target_url);
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
		value_quote(q, sizeof(q), s, n);
		return field_fail(c, "%s %s is not a valid name (accepted: " NAME_ACCEPTED ")",
				  name, q);
	}
	return route_dup(c, s, n, out);
}

static int route_parse(const struct field_ctx *c, struct json_object *root, struct object *o)
{
	struct route_spec *r = &o->route;
	int ret;

	ret = route_hostname(c, root, r);
	if (!ret)
		ret = route_target(c, root, r);
	if (!ret)
		ret = route_name(c, root, "entrypoint", 0, c->pol->entrypoint, &r->entrypoint);
	if (!ret)
		ret = route_name(c, root, "certresolver", FIELD_NULLABLE, c->pol->certresolver,
				 &r->certresolver);
	if (!ret)
		ret = field_id_match(c, root, "route_id");
	return ret;
}

const struct payload_schema route_schema = {
	route_fields, sizeof(route_fields) / sizeof(route_fields[0]), route_parse,
};
