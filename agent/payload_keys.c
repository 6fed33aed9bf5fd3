/* Top-level keys against the schema, and repeats, read by the strict JSON reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_strict.h"
#include "payload.h"
#include "payload_int.h"

struct keys_arg {
	const struct field_ctx *c;
	const struct payload_schema *sc;
};

static bool schema_has(const struct payload_schema *sc, const char *key, size_t n)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strlen(sc->fields[i]) == n && memcmp(sc->fields[i], key, n) == 0)
			return true;
	return false;
}

static int key_known(void *arg, const struct json_strict_key *k)
{
	const struct keys_arg *a = arg;
	char q[QUOTE_LEN], list[256];
	size_t o = 0;

	if (k->depth != 1 || schema_has(a->sc, k->name, k->len))
		return 0;
	payload_quote(q, sizeof(q), k->name, k->len < JSON_KEY_CAP ? k->len : JSON_KEY_CAP);
	list[0] = '\0';
	for (size_t i = 0; i < a->sc->n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				      a->sc->fields[i]);
	return field_fail(a->c, "unknown field %s (accepted: %s)", q, list);
}

int payload_keys_check(const struct field_ctx *c, const struct payload_schema *sc,
		       const char *buf, size_t len)
{
	struct keys_arg a = { c, sc };
	struct json_strict_dup dup;
	char what[JSON_PATH_LEN + QUOTE_LEN];
	int ret;

	ret = json_strict_keys(buf, len, key_known, &a, &dup);
	if (ret == -ENOMEM)
		return field_nomem(c);
	if (ret || !dup.found)
		return ret;
	json_strict_dup_describe(what, sizeof(what), &dup);
	return field_fail(c, "%s", what);
}
