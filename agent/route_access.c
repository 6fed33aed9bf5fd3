/* Who may use a route and what passes through: allow_from, basic_auth, rate_limit, headers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "payload.h"
#include "route_parse.h"
#include "sets.h"

#define CIDR_ACCEPTED "IPv4 or IPv6 CIDR such as 203.0.113.0/24, an address, or \"@<set-id>\""
#define USER_ACCEPTED "[A-Za-z0-9._@-]{1,64}"
#define HASH_ACCEPTED "bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}"
#define HEADER_NAME_ACCEPTED "[A-Za-z0-9][A-Za-z0-9-]{0,63}"
#define HEADER_VALUE_MAX 1024
#define RATE_MAX 1000000
#define DIGITS "0123456789"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS
#define CRYPT64 "./" ALNUM

/* Headers that would break HTTP framing, routing or the client address the backend sees. */
static const char *const header_forbidden[] = {
	"host", "content-length", "transfer-encoding", "connection", "upgrade", "keep-alive",
	"te", "trailer", "proxy-connection", "forwarded", "x-real-ip",
};

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

static int route_set_ref(const struct field_ctx *c, const char *name, const char *id, size_t n,
			 struct route_extra *x)
{
	const struct cidr_list *l;
	char q[QUOTE_LEN];
	int ret;

	ret = sets_ref(c, name, id, n, x->allow_sets, &x->n_allow_sets, &l);
	if (ret || !l)
		return ret;
	payload_quote(q, sizeof(q), id, n);
	if (l->n > SET_ROUTE_MAX)
		return field_fail(c, "%s set %s has %zu networks, over the limit of %d for a "
				  "route (larger sets serve forwards)", name, q, l->n, SET_ROUTE_MAX);
	for (size_t i = 0; i < l->n; i++)
		if (cidr_list_add(&x->set_nets, &l->v[i]))
			return field_nomem(c);
	return 0;
}

static int allow_one(const struct field_ctx *c, const char *name, const char *s, size_t n,
		     struct route_extra *x)
{
	char why[ERR_LEN], text[CIDR_TEXT_LEN];
	struct cidr net;

	if (n && s[0] == '@')
		return route_set_ref(c, name, s + 1, n - 1, x);
	if (cidr_parse(&net, s, n, why, sizeof(why)))
		return field_fail(c, "%s %s", name, why);
	cidr_format(text, sizeof(text), &net);
	return route_dup(c, text, strlen(text), &x->allow[x->n_allow++]);
}

static int route_allow(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	char name[48], got[QUOTE_LEN + 16];
	struct json_object *arr, *v;
	struct route_extra *x;
	int ret;

	ret = field_array(c, root, "allow_from", ROUTE_ALLOW_MAX, &arr);
	if (!ret && arr)
		ret = route_extra_alloc(c, r, &x);
	if (ret || !arr)
		return ret;
	x->allow = calloc(json_object_array_length(arr), sizeof(*x->allow));
	x->allow_sets = calloc(json_object_array_length(arr), sizeof(*x->allow_sets));
	if (!x->allow || !x->allow_sets)
		return field_nomem(c);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		snprintf(name, sizeof(name), "allow_from[%zu]", i);
		if (!json_object_is_type(v, json_type_string)) {
			field_describe(got, sizeof(got), v);
			return field_fail(c, "%s must be a string, got %s (accepted: " CIDR_ACCEPTED
					  ")", name, got);
		}
		ret = allow_one(c, name, json_object_get_string(v),
				(size_t)json_object_get_string_len(v), x);
		if (ret)
			return ret;
	}
	return 0;
}

/* Only the formats Traefik's basicAuth checks; anything else could be a plain password. */
static bool hash_valid(const char *h, size_t n)
{
	const char *d;
	int cost;

	if (n == 60 && !memcmp(h, "$2", 2) && h[2] && strchr("aby", h[2]) && h[3] == '$' &&
	    all_in(h + 4, 2, DIGITS) && h[6] == '$') {
		cost = (h[4] - '0') * 10 + (h[5] - '0');
		return cost >= 4 && cost <= 31 && all_in(h + 7, 53, CRYPT64);
	}
	if (n > 6 && !memcmp(h, "$apr1$", 6)) {
		d = memchr(h + 6, '$', n - 6);
		return d && d > h + 6 && d <= h + 14 && all_in(h + 6, (size_t)(d - h - 6), CRYPT64) &&
		       h + n - d - 1 == 22 && all_in(d + 1, 22, CRYPT64);
	}
	if (n == 33 && !memcmp(h, "{SHA}", 5))
		return all_in(h + 5, 27, "+/" ALNUM) && h[32] == '=';
	return false;
}

/* Errors name the entry and the user, never the hash: statuses are readable by many. */
static int auth_user(const struct field_ctx *c, struct json_object *arr, size_t i, char **out)
{
	struct json_object *v = json_object_array_get_idx(arr, i);
	const char *s, *colon;
	char q[QUOTE_LEN];
	size_t n, un;

	if (!json_object_is_type(v, json_type_string))
		return field_fail(c, "basic_auth.users[%zu] must be a string, got %s (accepted: "
				  "\"name:hash\")", i, field_type(v));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	colon = memchr(s, ':', n);
	if (!colon)
		return field_fail(c, "basic_auth.users[%zu] is not \"name:hash\" (the value is not "
				  "shown)", i);
	un = (size_t)(colon - s);
	payload_quote(q, sizeof(q), s, un);
	if (!un || un > 64 || !all_in(s, un, ALNUM "._@-"))
		return field_fail(c, "basic_auth.users[%zu] user %s is not a valid name (accepted: "
				  USER_ACCEPTED ")", i, q);
	if (!hash_valid(colon + 1, n - un - 1))
		return field_fail(c, "basic_auth.users[%zu] user %s: the password is not a "
				  "supported hash (accepted: " HASH_ACCEPTED "; plain passwords "
				  "are refused; the value is not shown)", i, q);
	for (size_t k = 0; k < i; k++) {
		const char *p = json_object_get_string(json_object_array_get_idx(arr, k));

		if (!strncmp(p, s, un + 1))
			return field_fail(c, "basic_auth.users[%zu] user %s is listed twice", i, q);
	}
	return route_dup(c, s, n, out);
}

static int route_auth(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	static const char *const keys[] = { "users" };
	struct field_ctx ac = *c;
	struct json_object *a, *arr;
	struct route_extra *x;
	int ret;

	ret = field_object(c, root, "basic_auth", keys, 1, &a);
	if (ret || !a)
		return ret;
	ac.at = "basic_auth.";
	ret = field_array(&ac, a, "users", ROUTE_USERS_MAX, &arr);
	if (!ret && !arr)
		ret = field_fail(c, "basic_auth.users is required (accepted: [\"name:hash\", ...])");
	if (!ret)
		ret = route_extra_alloc(c, r, &x);
	if (ret)
		return ret;
	x->users = calloc(json_object_array_length(arr), sizeof(*x->users));
	if (!x->users)
		return field_nomem(c);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		ret = auth_user(c, arr, i, &x->users[i]);
		if (ret)
			return ret;
		x->n_users = i + 1;
	}
	return 0;
}

static int route_rate(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	static const char *const keys[] = { "average", "burst" };
	struct field_ctx rc = *c;
	struct route_extra *x;
	struct json_object *o;
	int ret;

	ret = field_object(c, root, "rate_limit", keys, 2, &o);
	if (!ret && o)
		ret = route_extra_alloc(c, r, &x);
	if (ret || !o)
		return ret;
	rc.at = "rate_limit.";
	ret = field_uint(&rc, o, "average", FIELD_REQUIRED, 1, RATE_MAX, &x->rate_average);
	if (!ret)
		ret = field_uint(&rc, o, "burst", 0, 1, RATE_MAX, &x->rate_burst);
	return ret;
}

static bool header_forbidden_name(const char *s)
{
	if (!strncasecmp(s, "x-forwarded-", 12))
		return true;
	for (size_t i = 0; i < sizeof(header_forbidden) / sizeof(header_forbidden[0]); i++)
		if (!strcasecmp(s, header_forbidden[i]))
			return true;
	return false;
}

static int header_one(const struct field_ctx *c, const char *where, const char *key,
		      struct json_object *v, struct route_headers *h)
{
	size_t kn = strlen(key), n;
	char q[QUOTE_LEN], got[QUOTE_LEN + 16];
	struct route_header *e = &h->v[h->n];
	const char *s;

	payload_quote(q, sizeof(q), key, kn);
	if (!kn || kn > 64 || !all_in(key, kn, ALNUM "-") || key[0] == '-')
		return field_fail(c, "%s header name %s is not valid (accepted: "
				  HEADER_NAME_ACCEPTED ")", where, q);
	if (header_forbidden_name(key))
		return field_fail(c, "%s header %s may not be set (forbidden: Host, Content-Length, "
				  "Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, "
				  "Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)", where, q);
	for (size_t i = 0; i < h->n; i++)
		if (!strcasecmp(h->v[i].name, key))
			return field_fail(c, "%s header %s is given twice (names are "
					  "case-insensitive)", where, q);
	if (!json_object_is_type(v, json_type_string)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s.%s must be a string, got %s", where, key, got);
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > HEADER_VALUE_MAX || !all_in(s, n, " !\"#$%&'()*+,-./0123456789:;<=>?@"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
					    "abcdefghijklmnopqrstuvwxyz{|}~")) {
		payload_quote(got, sizeof(got), s, n);
		return field_fail(c, "%s.%s value %s is not accepted (accepted: printable ASCII, "
				  "at most %d bytes; \"\" removes the header)", where, key, got,
				  HEADER_VALUE_MAX);
	}
	if (route_dup(c, key, kn, &e->name) || route_dup(c, s, n, &e->value))
		return -ENOMEM;
	h->n++;
	return 0;
}

static int header_map(const struct field_ctx *c, struct json_object *hdrs, const char *key,
		      struct route_headers *h)
{
	struct field_ctx hc = *c;
	struct json_object *m;
	char where[48];
	int ret;

	hc.at = "headers.";
	ret = field_object(&hc, hdrs, key, NULL, 0, &m);
	if (ret || !m)
		return ret;
	snprintf(where, sizeof(where), "headers.%s", key);
	if (json_object_object_length(m) > ROUTE_HEADERS_MAX)
		return field_fail(c, "%s has %d headers, over the limit of %d", where,
				  json_object_object_length(m), ROUTE_HEADERS_MAX);
	h->v = calloc((size_t)json_object_object_length(m), sizeof(*h->v));
	if (!h->v)
		return field_nomem(c);
	json_object_object_foreach(m, name, v) {
		ret = header_one(c, where, name, v, h);
		if (ret)
			return ret;
	}
	return 0;
}

static int route_headers(const struct field_ctx *c, struct json_object *root,
			 struct route_spec *r)
{
	static const char *const keys[] = { "request", "response" };
	struct route_extra *x;
	struct json_object *h;
	int ret;

	ret = field_object(c, root, "headers", keys, 2, &h);
	if (!ret && h)
		ret = route_extra_alloc(c, r, &x);
	if (ret || !h)
		return ret;
	ret = header_map(c, h, "request", &x->req_headers);
	if (!ret)
		ret = header_map(c, h, "response", &x->resp_headers);
	return ret;
}

int route_access(const struct field_ctx *c, struct json_object *root, struct route_spec *r)
{
	int ret = route_allow(c, root, r);

	if (!ret)
		ret = route_auth(c, root, r);
	if (!ret)
		ret = route_rate(c, root, r);
	if (!ret)
		ret = route_headers(c, root, r);
	return ret;
}
