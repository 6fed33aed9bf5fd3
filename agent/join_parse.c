#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "json_strict.h"
#include "join_field.h"
#include "join_parse.h"
#include "payload.h"
#include "wg_device.h"
#include "wg_key.h"

#define JOIN_DEPTH 5         /* json-c counts the root as 1: root, peers, peer, list */
#define KEY_ACCEPTED WG_KEY_ACCEPTED

static const char *const root_fields[] = { "address", "listen_port", "mtu", "peers" };
static const char *const peer_fields[] = {
	"public_key", "endpoint", "allowed_ips", "persistent_keepalive", "preshared_key"
};

static int scan(const char *buf, size_t len, char *err, size_t errlen)
{
	const char *nul;

	if (len > JOIN_MAX_BYTES)
		return join_fail(err, errlen, "payload is %zu bytes, over the limit of %d bytes",
				 len, JOIN_MAX_BYTES);
	nul = memchr(buf, '\0', len);
	if (nul)
		return join_fail(err, errlen, "payload contains a NUL byte at offset %zu",
				 (size_t)(nul - buf));
	return 0;
}

static int tokenize(const char *buf, size_t len, struct json_object **out, char *err,
		    size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_object *root;
	size_t at;
	int ret;

	*out = NULL;
	ret = json_strict_parse(buf, len, JOIN_DEPTH, &root, &jerr, &at);
	if (ret == -ENOMEM)
		return -ENOMEM;
	if (ret)
		return join_fail(err, errlen, "payload is not valid JSON: %s at offset %zu",
				 json_tokener_error_desc(jerr), at);
	if (!json_object_is_type(root, json_type_object)) {
		ret = join_fail(err, errlen, "payload must be a JSON object, got %s", field_type(root));
		json_object_put(root);
		return ret;
	}
	*out = root;
	return 0;
}

static int field_unknown(const char *where, const char *key, size_t keylen,
			 const char *const *names, size_t n, char *err, size_t errlen)
{
	char q[QUOTE_LEN], list[128];
	size_t off = 0;

	for (size_t k = 0; k < n; k++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", k ? ", " : "",
					names[k]);
	payload_quote(q, sizeof(q), key, keylen < JSON_KEY_CAP ? keylen : JSON_KEY_CAP);
	return join_fail(err, errlen, "%s%sunknown field %s (accepted: %s)", where,
			 *where ? ": " : "", q, list);
}

static int fields_check(struct json_object *o, const char *where, const char *const *names,
			size_t n, char *err, size_t errlen)
{
	size_t k;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (k = 0; k < n && strcmp(key, names[k]); k++)
			;
		if (k == n)
			return field_unknown(where, key, strlen(key), names, n, err, errlen);
	}
	return 0;
}

struct raw_keys {
	char *err;
	size_t errlen;
};

/* After the schema walk only the root (depth 1) and the peers (depth 3) hold keys. */
static int raw_key_known(void *arg, const struct json_strict_key *k)
{
	const struct raw_keys *a = arg;
	const char *const *names = k->depth == 1 ? root_fields : peer_fields;
	size_t n = k->depth == 1 ? 4 : 5;

	if (k->depth != 1 && k->depth != 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == k->len && !memcmp(names[i], k->name, k->len))
			return 0;
	return field_unknown(k->path, k->name, k->len, names, n, a->err, a->errlen);
}

/*
 * The keys as written, which json-c hides: a key cut at an escaped NUL ("mtu\u0000x"
 * reads as "mtu") is unknown, and a key named twice in one object is refused.
 */
static int keys_check(const char *buf, size_t len, char *err, size_t errlen)
{
	struct raw_keys a = { err, errlen };
	char what[JSON_PATH_LEN + QUOTE_LEN];
	struct json_strict_dup dup;
	int ret;

	ret = json_strict_keys(buf, len, raw_key_known, &a, &dup);
	if (ret || !dup.found)
		return ret;
	json_strict_dup_describe(what, sizeof(what), &dup);
	return join_fail(err, errlen, "%s", what);
}

/* Optional and absent or null: *v = NULL. Present with another type: an error. */
static int member(struct json_object *o, const char *path, const char *name,
		  enum json_type type, bool required, const char *accepted,
		  struct json_object **v, char *err, size_t errlen)
{
	char got[QUOTE_LEN + 16];
	bool present;

	*v = NULL;
	present = json_object_object_get_ex(o, name, v);
	if (!present && required)
		return join_fail(err, errlen, "%s is required (accepted: %s)", path, accepted);
	if ((!*v && !required) || json_object_is_type(*v, type))
		return 0;
	field_describe(got, sizeof(got), *v);
	return join_fail(err, errlen, "%s must be %s, got %s", path,
			 type == json_type_int ? "an integer" :
			 type == json_type_string ? "a string" :
			 type == json_type_array ? "an array" : "an object", got);
}

static int integer(struct json_object *o, const char *path, const char *name, int64_t min,
		   int64_t max, uint16_t *out, char *err, size_t errlen)
{
	char accepted[48], got[QUOTE_LEN + 16];
	struct json_object *v;
	int64_t x;
	int ret;

	snprintf(accepted, sizeof(accepted), "%lld..%lld", (long long)min, (long long)max);
	ret = member(o, path, name, json_type_int, false, accepted, &v, err, errlen);
	if (ret || !v)
		return ret;
	x = json_object_get_int64(v);
	if (x >= min && x <= max) {
		*out = (uint16_t)x;
		return 0;
	}
	field_describe(got, sizeof(got), v);
	return join_fail(err, errlen, "%s %s is out of range (accepted: %s)", path,
			 got + strlen("number "), accepted);
}

static int key_field(struct json_object *o, const char *path, const char *name,
		     bool secret, bool *has, uint8_t key[WG_KEY_LEN], char *err, size_t errlen)
{
	struct json_object *v;
	char q[QUOTE_LEN];
	int ret;

	ret = member(o, path, name, json_type_string, !secret, KEY_ACCEPTED, &v, err, errlen);
	if (ret || !v)
		return ret;
	if (!wg_key_from_base64(key, json_object_get_string(v),
				(size_t)json_object_get_string_len(v))) {
		if (secret)
			return join_fail(err, errlen, "%s is not a WireGuard key (accepted: "
					 KEY_ACCEPTED ")", path);
		payload_quote(q, sizeof(q), json_object_get_string(v),
			      (size_t)json_object_get_string_len(v));
		return join_fail(err, errlen, "%s %s is not a WireGuard key (accepted: "
				 KEY_ACCEPTED ")", path, q);
	}
	if (has)
		*has = true;
	return 0;
}

static int allowed_parse(struct json_object *o, const char *where, struct wg_peer *p,
			 char *err, size_t errlen)
{
	char path[JOIN_PATH_LEN], got[QUOTE_LEN + 16];
	struct json_object *arr, *v;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "%s.allowed_ips", where);
	ret = member(o, path, "allowed_ips", json_type_array, true,
		     "array of networks, e.g. [\"10.50.0.0/24\"]", &arr, err, errlen);
	if (ret)
		return ret;
	n = json_object_array_length(arr);
	if (n > JOIN_MAX_ALLOWED)
		return join_fail(err, errlen, "%s has %zu entries, over the limit of %d", path, n,
				 JOIN_MAX_ALLOWED);
	p->allowed = n ? calloc(n, sizeof(*p->allowed)) : NULL;
	if (n && !p->allowed)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s.allowed_ips[%zu]", where, i);
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string)) {
			field_describe(got, sizeof(got), v);
			return join_fail(err, errlen, "%s must be a string, got %s", path, got);
		}
		ret = join_network_parse(path, json_object_get_string(v),
					 (size_t)json_object_get_string_len(v), &p->allowed[i],
					 err, errlen);
		if (ret)
			return ret;
		p->n_allowed = i + 1;
	}
	return 0;
}

static int peer_parse(struct json_object *o, size_t idx, struct wg_peer *p, char *err,
		      size_t errlen)
{
	char where[24], path[JOIN_PATH_LEN], got[QUOTE_LEN + 16];
	struct json_object *v;
	int ret;

	snprintf(where, sizeof(where), "peers[%zu]", idx);
	if (!json_object_is_type(o, json_type_object)) {
		field_describe(got, sizeof(got), o);
		return join_fail(err, errlen, "%s must be an object, got %s", where, got);
	}
	ret = fields_check(o, where, peer_fields, 5, err, errlen);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s.public_key", where);
	ret = key_field(o, path, "public_key", false, NULL, p->public_key, err, errlen);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s.endpoint", where);
	ret = member(o, path, "endpoint", json_type_string, false, ENDPOINT_ACCEPTED, &v, err,
		     errlen);
	if (!ret && v)
		ret = join_endpoint_parse(path, json_object_get_string(v),
					  (size_t)json_object_get_string_len(v), &p->endpoint,
					  err, errlen);
	if (!ret)
		ret = allowed_parse(o, where, p, err, errlen);
	snprintf(path, sizeof(path), "%s.persistent_keepalive", where);
	if (!ret)
		ret = integer(o, path, "persistent_keepalive", 0, 65535, &p->keepalive, err, errlen);
	snprintf(path, sizeof(path), "%s.preshared_key", where);
	if (!ret)
		ret = key_field(o, path, "preshared_key", true, &p->has_psk, p->preshared_key, err,
				errlen);
	return ret;
}

static int root_parse(struct json_object *root, struct wg_join *j, char *err, size_t errlen)
{
	struct json_object *v, *peers;
	size_t n;
	int ret;

	ret = fields_check(root, "", root_fields, 4, err, errlen);
	if (!ret)
		ret = member(root, "address", "address", json_type_string, true,
			     "IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24", &v, err,
			     errlen);
	if (!ret)
		ret = join_address_parse("address", json_object_get_string(v),
					 (size_t)json_object_get_string_len(v), &j->address, err,
					 errlen);
	if (!ret)
		ret = integer(root, "listen_port", "listen_port", 1, 65535, &j->listen_port, err,
			      errlen);
	if (!ret)
		ret = integer(root, "mtu", "mtu", JOIN_MTU_MIN, JOIN_MTU_MAX, &j->mtu, err, errlen);
	if (!ret)
		ret = member(root, "peers", "peers", json_type_array, true,
			     "array of peer objects, may be empty", &peers, err, errlen);
	if (ret)
		return ret;
	n = json_object_array_length(peers);
	if (n > JOIN_MAX_PEERS)
		return join_fail(err, errlen, "peers has %zu entries, over the limit of %d", n,
				 JOIN_MAX_PEERS);
	j->peers = n ? calloc(n, sizeof(*j->peers)) : NULL;
	if (n && !j->peers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		j->n_peers = i + 1;
		ret = peer_parse(json_object_array_get_idx(peers, i), i, &j->peers[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int join_parse(const char *buf, size_t len, struct wg_join *out, char *err, size_t errlen)
{
	struct json_object *root = NULL;
	struct wg_join j = { 0 };
	int ret;

	if (errlen)
		err[0] = '\0';
	if (!buf)
		buf = "";
	ret = scan(buf, len, err, errlen);
	if (!ret)
		ret = tokenize(buf, len, &root, err, errlen);
	if (!ret)
		ret = root_parse(root, &j, err, errlen);
	if (!ret)
		ret = keys_check(buf, len, err, errlen);
	if (!ret)
		ret = join_repeats_check(&j, err, errlen);
	if (ret == -ENOMEM)
		join_fail(err, errlen, "out of memory");
	json_object_put(root);
	if (ret) {
		wg_join_free(&j);
		return ret;
	}
	*out = j;
	return 0;
}
