#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "field.h"
#include "payload.h"

int field_fail(const struct field_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!c->errlen)
		return -EINVAL;
	k = snprintf(c->err, c->errlen, "%s %s: ", c->kind, c->id);
	if (k >= 0 && (size_t)k < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int field_nomem(const struct field_ctx *c)
{
	field_fail(c, "out of memory");
	return -ENOMEM;
}

const char *field_type(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return "boolean";
	case json_type_int:
	case json_type_double:
		return "number";
	case json_type_string:
		return "string";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	default:
		return "null";
	}
}

/* json-c clamps integers beyond 64 bits; print what it holds. */
static void field_int_text(char *buf, size_t len, struct json_object *v)
{
	int64_t x = json_object_get_int64(v);

	if (x == INT64_MAX)
		snprintf(buf, len, "%" PRIu64, json_object_get_uint64(v));
	else
		snprintf(buf, len, "%" PRId64, x);
}

void field_describe(char *buf, size_t len, struct json_object *v)
{
	const char *type = field_type(v);
	char q[QUOTE_LEN];

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		snprintf(buf, len, "%s %s", type, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		field_int_text(q, sizeof(q), v);
		snprintf(buf, len, "%s %s", type, q);
		break;
	case json_type_double:
		/* json-c keeps the number's source text */
		snprintf(buf, len, "%s %s", type,
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		break;
	case json_type_string:
		payload_quote(q, sizeof(q), json_object_get_string(v),
			      (size_t)json_object_get_string_len(v));
		snprintf(buf, len, "%s %s", type, q);
		break;
	default:
		snprintf(buf, len, "%s", type);
	}
}

const char *field_name(const struct field_ctx *c, const char *name, char *buf, size_t len)
{
	if (!c->at)
		return name;
	snprintf(buf, len, "%s%s", c->at, name);
	return buf;
}

int field_port(const struct field_ctx *c, struct json_object *root, const char *name,
	       uint16_t *out)
{
	char got[QUOTE_LEN + 16];
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(root, name, &v))
		return field_fail(c, "%s is required (accepted: " PORT_ACCEPTED ")", name);
	if (!json_object_is_type(v, json_type_int)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be an integer, got %s (accepted: " PORT_ACCEPTED ")",
				  name, got);
	}
	x = json_object_get_int64(v);
	if (x < 1 || x > 65535) {
		field_int_text(got, sizeof(got), v);
		return field_fail(c, "%s %s is out of range (accepted: 1..65535)", name, got);
	}
	*out = (uint16_t)x;
	return 0;
}

int field_string(const struct field_ctx *c, struct json_object *root, const char *key,
		 int flags, const char *accepted, const char **s, size_t *n)
{
	char got[QUOTE_LEN + 16], nb[128];
	const char *name = field_name(c, key, nb, sizeof(nb));
	struct json_object *v;

	*s = NULL;
	*n = 0;
	if (!json_object_object_get_ex(root, key, &v)) {
		if (flags & FIELD_REQUIRED)
			return field_fail(c, "%s is required (accepted: %s)", name, accepted);
		return 0;
	}
	if (!v && (flags & FIELD_NULLABLE)) {
		*s = "";
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		field_describe(got, sizeof(got), v);
		if (accepted)
			return field_fail(c, "%s must be a string, got %s (accepted: %s)", name, got,
					  accepted);
		return field_fail(c, "%s must be a string, got %s", name, got);
	}
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	return 0;
}

int field_id_match(const struct field_ctx *c, struct json_object *root, const char *name)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, name, 0, NULL, &s, &n);
	if (ret || !s)
		return ret;
	if (n != strlen(c->id) || memcmp(s, c->id, n)) {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "%s %s does not match the topic id \"%s\"", name, q, c->id);
	}
	return 0;
}

int field_bool(const struct field_ctx *c, struct json_object *root, const char *key, bool *out)
{
	char got[QUOTE_LEN + 16], nb[128];
	struct json_object *v;

	*out = false;
	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be a boolean, got %s (accepted: true, false)",
				  field_name(c, key, nb, sizeof(nb)), got);
	}
	*out = json_object_get_boolean(v);
	return 0;
}

int field_uint(const struct field_ctx *c, struct json_object *root, const char *key, int flags,
	       unsigned min, unsigned max, unsigned *out)
{
	char got[QUOTE_LEN + 16], nb[128];
	const char *name = field_name(c, key, nb, sizeof(nb));
	struct json_object *v;
	int64_t x;

	*out = 0;
	if (!json_object_object_get_ex(root, key, &v)) {
		if (flags & FIELD_REQUIRED)
			return field_fail(c, "%s is required (accepted: integer %u..%u)", name, min,
					  max);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be an integer, got %s (accepted: integer %u..%u)",
				  name, got, min, max);
	}
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		field_int_text(got, sizeof(got), v);
		return field_fail(c, "%s %s is out of range (accepted: %u..%u)", name, got, min,
				  max);
	}
	*out = (unsigned)x;
	return 0;
}

static int field_keys(const struct field_ctx *c, const char *name, struct json_object *v,
		      const char *const *keys, size_t n_keys)
{
	char q[QUOTE_LEN], list[256];
	size_t o = 0, i;

	json_object_object_foreach(v, key, val) {
		(void)val;
		for (i = 0; i < n_keys && strcmp(keys[i], key); i++)
			;
		if (i < n_keys)
			continue;
		list[0] = '\0';
		for (i = 0; i < n_keys && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
					      keys[i]);
		payload_quote(q, sizeof(q), key, strlen(key));
		return field_fail(c, "%s has an unknown field %s (accepted: %s)", name, q, list);
	}
	return 0;
}

int field_value_object(const struct field_ctx *c, const char *name, struct json_object *v,
		       const char *const *keys, size_t n_keys)
{
	char got[QUOTE_LEN + 16];

	if (!json_object_is_type(v, json_type_object)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be an object, got %s", name, got);
	}
	if (!json_object_object_length(v))
		return field_fail(c, "%s is an empty object (leave it out instead)", name);
	return n_keys ? field_keys(c, name, v, keys, n_keys) : 0;
}

int field_object(const struct field_ctx *c, struct json_object *root, const char *key,
		 const char *const *keys, size_t n_keys, struct json_object **out)
{
	char nb[128];
	struct json_object *v;
	int ret;

	*out = NULL;
	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	ret = field_value_object(c, field_name(c, key, nb, sizeof(nb)), v, keys, n_keys);
	if (!ret)
		*out = v;
	return ret;
}

int field_array(const struct field_ctx *c, struct json_object *root, const char *key,
		size_t max, struct json_object **out)
{
	char got[QUOTE_LEN + 16], nb[128];
	const char *name = field_name(c, key, nb, sizeof(nb));
	struct json_object *v;
	size_t n;

	*out = NULL;
	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be an array, got %s", name, got);
	}
	n = json_object_array_length(v);
	if (!n)
		return field_fail(c, "%s is an empty array (leave it out instead)", name);
	if (n > max)
		return field_fail(c, "%s has %zu entries, over the limit of %zu", name, n, max);
	*out = v;
	return 0;
}
