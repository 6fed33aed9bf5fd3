#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "json_strict.h"
#include "payload.h"
#include "payload_int.h"

#define PAYLOAD_MAX 65536   /* when the policy leaves max_payload at 0 */
#define PAYLOAD_DEPTH 4
#define QUOTE_MAX 64
#define PLAIN_KEY "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define ID_ACCEPTED "[a-z0-9][a-z0-9_-]{0,62}"

bool payload_id_valid(const char *s, size_t len)
{
	if (!s || len < 1 || len > ID_LEN - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			continue;
		if (!i || (ch != '-' && ch != '_'))
			return false;
	}
	return true;
}

static size_t quote_byte(char *e, unsigned char ch)
{
	static const char hex[] = "0123456789abcdef";

	if (ch == '"' || ch == '\\') {
		e[0] = '\\';
		e[1] = (char)ch;
		return 2;
	}
	if (ch >= 0x20 && ch < 0x7f) {
		e[0] = (char)ch;
		return 1;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hex[ch >> 4];
	e[3] = hex[ch & 0xf];
	return 4;
}

/* Always a whole quoted string: cut early, with `...`, when buf or QUOTE_MAX runs out. */
void payload_quote(char *buf, size_t len, const char *s, size_t n)
{
	size_t o = 0, k;
	bool cut = false;
	char e[4];

	if (len < sizeof("\"...\""))
		goto out;
	buf[o++] = '"';
	for (size_t i = 0; s && i < n; i++) {
		k = quote_byte(e, (unsigned char)s[i]);
		if (i == QUOTE_MAX || o + k + (i + 1 == n ? 2 : sizeof("...\"")) > len) {
			cut = true;
			break;
		}
		memcpy(buf + o, e, k);
		o += k;
	}
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
out:
	if (len)
		buf[o] = '\0';
}

static int payload_scan(const struct field_ctx *c, const char *buf, size_t len)
{
	size_t max = c->pol->max_payload ? c->pol->max_payload : PAYLOAD_MAX;
	const char *nul;

	if (max > INT_MAX)
		max = INT_MAX;
	if (len > max)
		return field_fail(c, "payload is %zu bytes, over the limit of %zu bytes", len, max);
	nul = memchr(buf, '\0', len);
	if (nul)
		return field_fail(c, "payload contains a NUL byte at offset %zu", (size_t)(nul - buf));
	return 0;
}

static const char *template_in(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((s[i] == '{' || s[i] == '}') && s[i + 1] == s[i])
			return s + i;
	return NULL;
}

static int template_fail(const struct field_ctx *c, const char *where, const char *at)
{
	return field_fail(c, "%s contains \"%c%c\" (Traefik template delimiters are not "
			  "accepted)", where, at[0], at[0]);
}

static int payload_templates(const struct field_ctx *c, struct json_object *v,
			     const char *where);

static int payload_templates_object(const struct field_ctx *c, struct json_object *v,
				    const char *where)
{
	char sub[4 * QUOTE_LEN], q[QUOTE_LEN];
	const char *at;
	int ret;

	json_object_object_foreach(v, key, val) {
		size_t kn = strlen(key);

		if (kn && strspn(key, PLAIN_KEY) == kn)
			snprintf(q, sizeof(q), "%s", key);
		else
			payload_quote(q, sizeof(q), key, kn);
		at = template_in(key, kn);
		snprintf(sub, sizeof(sub), "%s%s%s%s", where, *where ? " " : "",
			 at ? "field name " : "", q);
		if (at)
			return template_fail(c, sub, at);
		snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", q);
		ret = payload_templates(c, val, sub);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Traefik reads every file as a Go template: "{{" and "}}" may not appear in any string,
 * key or value, once decoded. The JSON structure itself ("{"a":{}}") is not text.
 */
static int payload_templates(const struct field_ctx *c, struct json_object *v,
			     const char *where)
{
	char sub[4 * QUOTE_LEN];
	const char *at;
	int ret = 0;

	switch (json_object_get_type(v)) {
	case json_type_string:
		at = template_in(json_object_get_string(v), (size_t)json_object_get_string_len(v));
		return at ? template_fail(c, where, at) : 0;
	case json_type_array:
		for (size_t i = 0; !ret && i < json_object_array_length(v); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			ret = payload_templates(c, json_object_array_get_idx(v, i), sub);
		}
		return ret;
	case json_type_object:
		return payload_templates_object(c, v, where);
	default:
		return 0;
	}
}

static int payload_json(const struct field_ctx *c, const char *buf, size_t len,
			struct json_object **out)
{
	enum json_tokener_error jerr;
	struct json_object *root;
	size_t at;
	int ret;

	*out = NULL;
	ret = json_strict_parse(buf, len, PAYLOAD_DEPTH, &root, &jerr, &at);
	if (ret == -ENOMEM)
		return field_nomem(c);
	if (ret)
		return field_fail(c, "payload is not valid JSON: %s at offset %zu",
				  json_tokener_error_desc(jerr), at);
	if (!json_object_is_type(root, json_type_object)) {
		ret = field_fail(c, "payload must be a JSON object, got %s", field_type(root));
		json_object_put(root);
		return ret;
	}
	*out = root;
	return 0;
}

bool payload_tombstone(const char *buf, size_t len)
{
	enum json_tokener_error jerr;
	struct json_object *root, *v;
	size_t at, n;
	bool ok;

	if (len < sizeof("{\"deleted\":true}") - 1 || len > TOMBSTONE_MAX || !memmem(buf, len, "deleted", 7) ||
	    json_strict_parse(buf, len, 2, &root, &jerr, &at))
		return false;
	ok = json_object_is_type(root, json_type_object) &&
	     json_object_object_get_ex(root, "deleted", &v) &&
	     json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	n = ok ? (size_t)json_object_object_length(root) : 0;
	if (ok && n == 2)
		ok = json_object_object_get_ex(root, "deleted_at", &v) &&
		     json_object_is_type(v, json_type_string);
	else if (ok)
		ok = n == 1;
	json_object_put(root);
	return ok;
}

/* Checks the call and the id; c is set up for the messages of kind and id. */
static int payload_begin(struct field_ctx *c, enum kind kind, const char *id,
			 const struct policy *pol, struct object **out, char *err, size_t errlen)
{
	char q[QUOTE_LEN];
	struct field_ctx quoted;

	*c = (struct field_ctx){ object_kind_name(kind), id, pol, err, errlen, NULL };
	if (errlen)
		err[0] = '\0';
	if (!out || !pol || (unsigned)kind >= KIND_COUNT) {
		if (errlen)
			snprintf(err, errlen, "payload_parse: invalid arguments");
		return -EINVAL;
	}
	*out = NULL;
	if (!payload_id_valid(id, id ? strnlen(id, ID_LEN) : 0)) {
		payload_quote(q, sizeof(q), id, id ? strnlen(id, QUOTE_MAX + 1) : 0);
		quoted = *c;
		quoted.id = q;
		return field_fail(&quoted, "id does not match " ID_ACCEPTED);
	}
	return 0;
}

/* The object root describes, built and packed into *out. */
static int payload_build(struct field_ctx *c, enum kind kind, const char *id,
			 struct json_object *root, struct object **out)
{
	const struct payload_schema *sc = kind == KIND_ROUTE ? &route_schema : &forward_schema;
	struct object *o = object_new(kind, id);
	int ret;

	if (!o)
		return field_nomem(c);
	ret = sc->parse(c, root, o);
	if (!ret && object_pack(&o))
		ret = field_nomem(c);
	if (ret) {
		object_unref(o);
		return ret;
	}
	*out = o;
	return 0;
}

int payload_parse(enum kind kind, const char *id, const char *buf, size_t len,
		  const struct policy *pol, struct object **out, char *err, size_t errlen)
{
	const struct payload_schema *sc = kind == KIND_ROUTE ? &route_schema : &forward_schema;
	struct json_object *root = NULL;
	struct field_ctx c;
	int ret;

	if ((ret = payload_begin(&c, kind, id, pol, out, err, errlen)))
		return ret;
	if (!buf && len)
		return field_fail(&c, "payload_parse: invalid arguments");
	if (!buf)
		buf = "";
	ret = payload_scan(&c, buf, len);
	if (!ret)
		ret = payload_json(&c, buf, len, &root);
	if (!ret)
		ret = payload_templates(&c, root, "");
	if (!ret)
		ret = payload_keys_check(&c, sc, buf, len);
	if (!ret)
		ret = payload_build(&c, kind, id, root, out);
	json_object_put(root);
	return ret;
}

int payload_parse_tree(enum kind kind, const char *id, struct json_object *root,
		       const struct policy *pol, struct object **out, char *err, size_t errlen)
{
	struct field_ctx c;
	int ret;

	if ((ret = payload_begin(&c, kind, id, pol, out, err, errlen)))
		return ret;
	if (!json_object_is_type(root, json_type_object))
		return field_fail(&c, "payload must be a JSON object, got %s", field_type(root));
	ret = payload_templates(&c, root, "");
	if (!ret)
		ret = payload_build(&c, kind, id, root, out);
	return ret;
}
