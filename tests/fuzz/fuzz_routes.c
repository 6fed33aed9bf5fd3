/*
 * libFuzzer: the route parsers of issue 16 and named sets. First byte: even, a route payload
 * (parsed with a named set "office" present); odd, a set payload. Invariants checked on
 * every accepted route: it renders, the file has no template delimiter, and its cache form
 * reads back to an equal object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "payload.h"
#include "route_json.h"
#include "sets.h"
#include "traefik.h"

static struct policy pol;
static struct sets sets;

static void policy_once(void)
{
	static int done;
	struct cidr_list office;
	char err[128];

	if (done++)
		return;
	cidr_list_parse(&pol.allowed, "10.0.0.0/8,fd00::/8", err, sizeof(err));
	cidr_list_parse(&pol.host, "10.0.0.1", err, sizeof(err));
	pol.entrypoint = "websecure";
	pol.http_entrypoint = "web";
	pol.max_payload = 65536;
	sets_init(&sets);
	cidr_list_parse(&office, "198.51.100.0/24,2001:db8::/32", err, sizeof(err));
	sets_put(&sets, 0, "office", &office, 1);
	pol.sets = &sets;
}

static void route_case(const char *buf, size_t len)
{
	struct object *o = NULL, *again = NULL;
	char err[ERR_LEN], **refs;
	struct strbuf sb, js;
	size_t n;

	if (payload_parse(KIND_ROUTE, "fuzz", buf, len, &pol, &o, err, sizeof(err))) {
		if (sets_refs_of(buf, len, &refs, &n) == 0)
			sets_ids_free(refs, n);
		return;
	}
	strbuf_init(&sb);
	strbuf_init(&js);
	if (traefik_render(&sb, "gw1", o) || sb.err)
		abort();
	if (strstr(sb.buf, "{{") || strstr(sb.buf, "}}"))
		abort();
	route_json(&js, &o->route);
	if (js.err || payload_parse(KIND_ROUTE, "fuzz", js.buf, js.len, &pol, &again, err,
				    sizeof(err)) || !object_equal(o, again))
		abort();
	object_unref(again);
	object_unref(o);
	strbuf_free(&sb);
	strbuf_free(&js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_list l;
	char err[ERR_LEN];

	policy_once();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (sets_parse("fuzz", (const char *)data + 1, size - 1, &l, err, sizeof(err)) == 0)
			cidr_list_free(&l);
		return 0;
	}
	route_case((const char *)data + 1, size - 1);
	return 0;
}
