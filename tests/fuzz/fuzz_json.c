/* libFuzzer: the strict JSON reader. What json-c accepts, the key walk must read without
 * trouble, and where it finds no repeat, json-c's objects must hold every key it saw. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

struct count {
	size_t keys;
};

static int count_key(void *arg, const struct json_strict_key *k)
{
	((struct count *)arg)->keys++;
	return 0;
}

static size_t tree_keys(struct json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_array))
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += tree_keys(json_object_array_get_idx(o, i));
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			n += 1 + tree_keys(val);
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum json_tokener_error jerr;
	struct json_object *root;
	struct count c = { 0 };
	struct json_strict_dup d;
	char text[512];
	size_t at;

	if (json_strict_parse((const char *)data, size, 8, &root, &jerr, &at))
		return 0;
	if (json_strict_keys((const char *)data, size, count_key, &c, &d))
		abort();
	if (d.found)
		json_strict_dup_describe(text, sizeof(text), &d);
	/* without a repeat, json-c's objects hold every key the walk saw */
	else if (tree_keys(root) != c.keys)
		abort();
	json_object_put(root);
	return 0;
}
