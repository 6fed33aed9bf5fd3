/* Named sets: parsing, precedence, change detection, users, the sweep, and routes using them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cidr.h"
#include "payload.h"
#include "route_json.h"
#include "sets.h"
#include "strbuf.h"
#include "traefik.h"

struct bad_set {
	const char *json;
	const char *want;
};

static const struct bad_set bad[] = {
	{ "", "set office: payload is not valid JSON: unexpected end of data at offset 0" },
	{ "[\"10.0.0.0/8\"]", "set office: payload must be an object, got array" },
	{ "{}", "set office: payload is an empty object (leave it out instead)" },
	{ "{\"cidr\":[\"10.0.0.0/8\"]}",
	  "set office: payload has an unknown field \"cidr\" (accepted: cidrs)" },
	{ "{\"cidrs\":[]}", "set office: cidrs is an empty array (leave it out instead)" },
	{ "{\"cidrs\":\"10.0.0.0/8\"}", "set office: cidrs must be an array, got string \"10.0.0.0/8\"" },
	{ "{\"cidrs\":[8]}", "set office: cidrs[0] must be a string, got number" },
	{ "{\"cidrs\":[\"10.0.0.0/8\",\"10.0.0.1/8\"]}",
	  "set office: cidrs[1] \"10.0.0.1/8\" has host bits set (accepted: network address, e.g. "
	  "10.0.0.0/8)" },
	{ "{\"cidrs\":[\"office.example.com\"]}",
	  "set office: cidrs[0] \"office.example.com\" is not an IP network (accepted: IPv4 or IPv6 "
	  "network, e.g. 10.0.0.0/8 or fd00::/8)" },
	{ "{\"cidrs\":[\"{{ .Env }}\"]}",
	  "set office: cidrs[0] \"{{ .Env }}\" is not an IP network (accepted: IPv4 or IPv6 "
	  "network, e.g. 10.0.0.0/8 or fd00::/8)" },
	{ "{\"cidrs\":[\"10.0.0.0/8\"]} x",
	  "set office: payload is not valid JSON: unexpected character at offset 25" },
};

static int put_text(struct sets *ss, int source, const char *id, const char *json, unsigned gen)
{
	char err[ERR_LEN];
	struct cidr_list l;
	int ret;

	if (!json)
		return sets_put(ss, source, id, NULL, gen);
	ret = sets_parse(id, json, strlen(json), &l, err, sizeof(err));
	if (ret) {
		printf("  %s\n", err);
		return ret;
	}
	ret = sets_put(ss, source, id, &l, gen);
	cidr_list_free(&l);
	return ret;
}

static void test_parse(void)
{
	char err[ERR_LEN], name[32], text[256];
	struct cidr_list l;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "set bad %zu", i);
		CHECK(name, sets_parse("office", bad[i].json, strlen(bad[i].json), &l, err,
				       sizeof(err)) == -EINVAL && !l.n && !l.v);
		CHECK_STR(name, err, bad[i].want);
	}
	const char *good = "{\"cidrs\":[\"203.0.113.0/24\",\"2001:db8::/32\",\"198.51.100.7\"]}";

	CHECK("set parses", sets_parse("office", good, strlen(good), &l, err, sizeof(err)) == 0);
	cidr_list_format(&l, text, sizeof(text));
	CHECK_STR("set networks, canonical", text, "203.0.113.0/24, 2001:db8::/32, 198.51.100.7/32");
	cidr_list_free(&l);
}

static void test_precedence(void)
{
	struct sets ss;
	char text[256];

	sets_init(&ss);
	CHECK("new set changes", put_text(&ss, 1, "office", "{\"cidrs\":[\"10.1.0.0/16\"]}", 1) == 1);
	CHECK("same content: no change", put_text(&ss, 1, "office", "{\"cidrs\":[\"10.1.0.0/16\"]}", 1) == 0);
	CHECK("the node's own set wins: change", put_text(&ss, 0, "office", "{\"cidrs\":[\"10.2.0.0/16\"]}", 1) == 1);
	cidr_list_format(sets_get(&ss, "office"), text, sizeof(text));
	CHECK_STR("the node's set is in effect", text, "10.2.0.0/16");
	CHECK("a group's change under the node's: no change", put_text(&ss, 1, "office",
	      "{\"cidrs\":[\"10.3.0.0/16\"]}", 1) == 0);
	CHECK("deleting the node's: the group's takes over", put_text(&ss, 0, "office", NULL, 1) == 1);
	cidr_list_format(sets_get(&ss, "office"), text, sizeof(text));
	CHECK_STR("the group's set is in effect", text, "10.3.0.0/16");
	CHECK("deleting the last: change", put_text(&ss, 1, "office", NULL, 1) == 1);
	CHECK("gone", sets_get(&ss, "office") == NULL);
	CHECK("deleting an unknown set: no change", put_text(&ss, 1, "office", NULL, 1) == 0);
	sets_free(&ss);
}

static void test_users_and_sweep(void)
{
	char *ids_a[] = { "office", "lab" }, *ids_b[] = { "lab" }, **changed, **refs;
	struct set_user **v;
	struct sets ss;
	size_t n, nc;

	sets_init(&ss);
	put_text(&ss, 0, "office", "{\"cidrs\":[\"10.1.0.0/16\"]}", 1);
	put_text(&ss, 0, "lab", "{\"cidrs\":[\"10.2.0.0/16\"]}", 1);
	CHECK("use a", sets_use(&ss, KIND_ROUTE, 0, "a", "{\"a\":1}", 7, ids_a, 2, 1) == 0);
	CHECK("use b", sets_use(&ss, KIND_ROUTE, 1, "b", "{\"b\":1}", 7, ids_b, 1, 1) == 0);
	CHECK("users of office: a only", sets_users_of(&ss, "office", &v, &n) == 0 && n == 1 &&
	      !strcmp(v[0]->id, "a") && v[0]->len == 7 && !strcmp(v[0]->payload, "{\"a\":1}") &&
	      v[0]->gen == 1);
	sets_users_free(v, n);
	CHECK("users of lab: a and b", sets_users_of(&ss, "lab", &v, &n) == 0 && n == 2);
	sets_users_free(v, n);
	CHECK("a stops using sets", sets_use(&ss, KIND_ROUTE, 0, "a", NULL, 0, NULL, 0, 1) == 0);
	CHECK("users of office: none", sets_users_of(&ss, "office", &v, &n) == 0 && n == 0);
	sets_users_free(v, n);

	/* generation 2 re-delivers lab and b only */
	put_text(&ss, 0, "lab", "{\"cidrs\":[\"10.2.0.0/16\"]}", 2);
	sets_use(&ss, KIND_ROUTE, 1, "b", "{\"b\":2}", 7, ids_b, 1, 2);
	sets_use(&ss, KIND_ROUTE, 0, "c", "{\"c\":1}", 7, ids_a, 2, 1);
	CHECK("sweep", sets_sweep(&ss, 2, &changed, &nc) == 0);
	CHECK("sweep: office changed (gone)", nc == 1 && !strcmp(changed[0], "office"));
	CHECK("sweep: office dropped, lab kept", !sets_get(&ss, "office") && sets_get(&ss, "lab"));
	sets_ids_free(changed, nc);
	CHECK("sweep: the stale user c is forgotten", sets_users_of(&ss, "lab", &v, &n) == 0 &&
	      n == 1 && !strcmp(v[0]->id, "b") && v[0]->gen == 2);
	sets_users_free(v, n);

	const char *failed = "{\"allow_from\":[\"@a\",\"10.0.0.0/8\",\"@b\",\"@a\",\"@B\",7]}";

	CHECK("refs of a failed payload", sets_refs_of(failed, strlen(failed), &refs, &n) == 0);
	CHECK("refs: each valid name once", n == 2 && !strcmp(refs[0], "a") && !strcmp(refs[1], "b"));
	sets_ids_free(refs, n);
	CHECK("refs of bad JSON: none", sets_refs_of("{", 1, &refs, &n) == 0 && n == 0);
	sets_free(&ss);
}

/* A route naming a set carries the set's networks; a set change gives a different object. */
static void test_route(void)
{
	const char *json = "{\"hostname\":\"a.example.com\",\"target_url\":\"http://10.0.0.2\","
			   "\"allow_from\":[\"203.0.113.0/24\",\"@office\"]}";
	struct object *o1 = NULL, *o2 = NULL, *o3 = NULL;
	struct policy pol = { 0 };
	char err[ERR_LEN];
	struct strbuf sb;
	struct sets ss;

	strbuf_init(&sb);
	sets_init(&ss);
	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.entrypoint = "websecure";
	pol.sets = &ss;
	CHECK("route with a missing set is refused", payload_parse(KIND_ROUTE, "web", json,
	      strlen(json), &pol, &o1, err, sizeof(err)) == -EINVAL);
	CHECK_STR("missing set error", err, "route web: allow_from[1] set \"office\" is not "
		  "published (expected on <prefix>/<node or group>/sets/office)");
	put_text(&ss, 2, "office", "{\"cidrs\":[\"198.51.100.0/24\"]}", 1);
	CHECK("route with the set parses", payload_parse(KIND_ROUTE, "web", json, strlen(json),
	      &pol, &o1, err, sizeof(err)) == 0);
	CHECK("same set: equal objects", payload_parse(KIND_ROUTE, "web", json, strlen(json),
	      &pol, &o2, err, sizeof(err)) == 0 && object_equal(o1, o2));
	put_text(&ss, 0, "office", "{\"cidrs\":[\"198.51.100.0/25\"]}", 1);
	CHECK("changed set: a different object", payload_parse(KIND_ROUTE, "web", json,
	      strlen(json), &pol, &o3, err, sizeof(err)) == 0 && !object_equal(o1, o3));
	CHECK("render", o3 && traefik_render(&sb, "gw1", o3) == 0);
	CHECK("rendered: explicit CIDR and the set's", sb.buf &&
	      strstr(sb.buf, "- \"203.0.113.0/24\"\n        - \"198.51.100.0/25\"\n"));
	strbuf_reset(&sb);
	route_json(&sb, &o3->route);
	CHECK("the cache form keeps the name, not the networks", sb.buf &&
	      strstr(sb.buf, "\"allow_from\":[\"203.0.113.0/24\",\"@office\"]") &&
	      !strstr(sb.buf, "198.51"));
	object_unref(o1);
	object_unref(o2);
	object_unref(o3);
	o1 = NULL;
	pol.sets = NULL;
	CHECK("without a set store the name is checked for syntax only", payload_parse(KIND_ROUTE,
	      "web", json, strlen(json), &pol, &o1, err, sizeof(err)) == 0);
	strbuf_reset(&sb);
	CHECK("...and such an object is never rendered open", o1 && traefik_render(&sb, "gw1", o1) == -EINVAL);
	object_unref(o1);
	strbuf_free(&sb);
	cidr_list_free(&pol.allowed);
	sets_free(&ss);
}

/* What DATA_DIR keeps: every source's version of every set, back as it was. */
static void test_dump_restore(void)
{
	static const char *const names[] = { "gw1", "eu", "all" };
	static const char *const fewer[] = { "gw1", "eu" };
	struct sets ss, back;
	struct strbuf sb, again;
	char text[256], err[256];

	sets_init(&ss);
	sets_init(&back);
	strbuf_init(&sb);
	strbuf_init(&again);
	put_text(&ss, 1, "office", "{\"cidrs\":[\"10.1.0.0/16\",\"2001:db8::/32\"]}", 4);
	put_text(&ss, 2, "office", "{\"cidrs\":[\"10.3.0.0/16\"]}", 4);
	put_text(&ss, 0, "lab", "{\"cidrs\":[\"192.0.2.7/32\"]}", 4);
	CHECK("dump", sets_dump(&ss, names, 3, &sb) == 0);
	CHECK("restore", sets_restore(&back, names, 3, sb.buf, sb.len, err, sizeof(err)) == 0);
	CHECK_STR("restore: nothing skipped", err, "");
	cidr_list_format(sets_get(&back, "office"), text, sizeof(text));
	CHECK_STR("restored: the better source's set is in effect", text, "10.1.0.0/16, 2001:db8::/32");
	cidr_list_format(sets_get(&back, "lab"), text, sizeof(text));
	CHECK_STR("restored: the node's own set", text, "192.0.2.7/32");
	CHECK("restored: the same dump", sets_dump(&back, names, 3, &again) == 0 &&
	      again.len == sb.len && !memcmp(again.buf, sb.buf, sb.len));
	CHECK("deleting the group's version uncovers the other group's",
	      put_text(&back, 1, "office", NULL, 5) == 1);
	cidr_list_format(sets_get(&back, "office"), text, sizeof(text));
	CHECK_STR("...restored with its source", text, "10.3.0.0/16");
	sets_free(&back);

	/* restored sets are from generation 0: a resync that does not deliver them drops them */
	sets_init(&back);
	sets_restore(&back, names, 3, sb.buf, sb.len, err, sizeof(err));
	{
		char **changed = NULL;
		size_t n = 0;

		CHECK("sweep of a resync that delivered none", sets_sweep(&back, 7, &changed, &n) == 0);
		CHECK("...drops both sets", n == 2 && !sets_get(&back, "office") && !sets_get(&back, "lab"));
		sets_ids_free(changed, n);
	}
	sets_free(&back);

	/* a group the node no longer follows is skipped and counted, the rest is restored */
	sets_init(&back);
	CHECK("restore with one source fewer", sets_restore(&back, fewer, 2, sb.buf, sb.len, err,
							   sizeof(err)) == 0);
	CHECK_STR("...says what it skipped", err, "1 set(s) of sources this node no longer follows skipped");
	cidr_list_format(sets_get(&back, "office"), text, sizeof(text));
	CHECK_STR("...keeps the rest", text, "10.1.0.0/16, 2001:db8::/32");
	sets_free(&back);

	sets_init(&back);
	CHECK("a damaged line is refused", sets_restore(&back, names, 3, "gw1 office\n", 11, err,
							sizeof(err)) == -EINVAL);
	CHECK_STR("...saying where", err, "line 1 is not \"source<TAB>id<TAB>set\"");
	CHECK("a bad set is refused with its error", sets_restore(&back, names, 3,
	      "gw1\toffice\t{\"cidrs\":[]}\n", 24, err, sizeof(err)) == -EINVAL);
	CHECK_STR("...the parser's error", err, "set office: cidrs is an empty array (leave it out instead)");
	sets_free(&back);
	strbuf_free(&sb);
	strbuf_free(&again);
	sets_free(&ss);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parse();
	test_precedence();
	test_users_and_sweep();
	test_route();
	test_dump_restore();
	return CHECK_DONE();
}
