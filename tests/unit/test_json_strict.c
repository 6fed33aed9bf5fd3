/* The strict JSON reader's key walk: repeats in any object, decoded as json-c decodes. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "json_strict.h"

static const char *dup_of(const char *doc)
{
	static char out[256];
	struct json_strict_dup d;

	if (json_strict_keys(doc, strlen(doc), NULL, NULL, &d))
		return "(error)";
	if (!d.found)
		return "(none)";
	json_strict_dup_describe(out, sizeof(out), &d);
	return out;
}

struct collect {
	char text[256];
	size_t n;
};

static int collect(void *arg, const struct json_strict_key *k)
{
	struct collect *c = arg;

	c->n += (size_t)snprintf(c->text + c->n, sizeof(c->text) - c->n, "%d:%s/%.*s ",
				 k->depth, k->path, (int)k->len, k->name);
	return 0;
}

static int stop_at_b(void *arg, const struct json_strict_key *k)
{
	return k->len == 1 && k->name[0] == 'b' ? -EINVAL : 0;
}

int main(void)
{
	const char *doc = "{\"a\":1,\"l\":[{\"x\":1},[{\"y\":{\"z\":2}}]],\"o\":{\"p\":\"{\\\"q\\\":1}\"}}";
	struct collect c = { .n = 0 };
	struct json_strict_dup d;

	CHECK_STR("no repeat", dup_of(doc), "(none)");
	CHECK_STR("root repeat", dup_of("{\"a\":1,\"b\":2,\"a\":3}"), "duplicate field \"a\"");
	CHECK_STR("escaped repeat", dup_of("{\"ab\":1,\"a\\u0062\":2}"), "duplicate field \"ab\"");
	CHECK_STR("single-quoted repeat", dup_of("{'a':1,\"a\":2}"), "duplicate field \"a\"");
	CHECK_STR("empty key repeat", dup_of("{\"\":1,\"\":2}"), "duplicate field \"\"");
	CHECK_STR("surrogate pair repeat", dup_of("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"),
		  "duplicate field \"\\xf0\\x9f\\x98\\x80\"");
	CHECK_STR("keys cut at an escaped NUL repeat as json-c merges them",
		  dup_of("{\"a\\u0000b\":1,\"a\\u0000c\":2}"), "duplicate field \"a\"");
	CHECK_STR("a key cut at an escaped NUL repeats the plain key",
		  dup_of("{\"mtu\":1,\"mtu\\u0000x\":2}"), "duplicate field \"mtu\"");
	CHECK_STR("nested repeat names its object",
		  dup_of("{\"peers\":[{\"k\":1},{\"k\":1,\"e\":2,\"e\":3}]}"),
		  "peers[1]: duplicate field \"e\"");
	CHECK_STR("same key in sibling objects is no repeat",
		  dup_of("{\"p\":[{\"k\":1},{\"k\":2}],\"q\":{\"k\":3}}"), "(none)");
	CHECK_STR("first repeat in document order wins",
		  dup_of("{\"a\":{\"x\":1,\"x\":2},\"b\":1,\"b\":2}"), "a: duplicate field \"x\"");
	CHECK_STR("root repeat before a nested one",
		  dup_of("{\"b\":1,\"b\":2,\"a\":{\"x\":1,\"x\":2}}"), "duplicate field \"b\"");
	CHECK_STR("third occurrence reports the second",
		  dup_of("{\"a\":1,\"c\":1,\"a\":2,\"c\":2,\"a\":3}"), "duplicate field \"a\"");
	CHECK_STR("a path shows no control characters or quotes",
		  dup_of("{\"a\\n\\\"\":{\"x\":1,\"x\":2}}"), "a??: duplicate field \"x\"");
	CHECK_STR("strings are not keys", dup_of("{\"a\":\"a\",\"b\":[\"a\",\"a\"]}"), "(none)");

	CHECK("walk", json_strict_keys(doc, strlen(doc), collect, &c, NULL) == 0);
	CHECK_STR("keys with depth and path", c.text,
		  "1:/a 1:/l 3:l[0]/x 4:l[1][0]/y 5:l[1][0].y/z 1:/o 2:o/p ");
	CHECK("callback stops the walk",
	      json_strict_keys("{\"a\":1,\"b\":2,\"b\":3}", 19, stop_at_b, NULL, &d) == -EINVAL);
	return CHECK_DONE();
}
