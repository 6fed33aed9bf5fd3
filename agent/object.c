#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct object *object_new(enum kind kind, const char *id)
{
	size_t n = strnlen(id, ID_LEN - 1);
	struct object *o = calloc(1, sizeof(*o) + n + 1);

	if (!o)
		return NULL;
	o->refs = 1;
	o->kind = kind;
	memcpy(o->id, id, n);
	return o;
}

struct object *object_ref(struct object *o)
{
	if (o)
		o->refs++;
	return o;
}

void object_unref(struct object *o)
{
	if (!o || --o->refs)
		return;
	if (o->kind == KIND_ROUTE) {
		free(o->route.hostname);
		free(o->route.target_url);
		free(o->route.entrypoint);
		free(o->route.certresolver);
	}
	free(o);
}

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool object_equal(const struct object *a, const struct object *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || strcmp(a->id, b->id))
		return false;
	if (a->kind == KIND_FORWARD)
		return a->fwd.public_port == b->fwd.public_port &&
		       a->fwd.target_port == b->fwd.target_port &&
		       a->fwd.target_ip.s_addr == b->fwd.target_ip.s_addr &&
		       a->fwd.proto == b->fwd.proto;
	return str_equal(a->route.hostname, b->route.hostname) &&
	       str_equal(a->route.target_url, b->route.target_url) &&
	       str_equal(a->route.entrypoint, b->route.entrypoint) &&
	       str_equal(a->route.certresolver, b->route.certresolver);
}

const char *kind_name(enum kind kind)
{
	return kind == KIND_ROUTE ? "route" : "forward";
}

const char *kind_plural(enum kind kind)
{
	return kind == KIND_ROUTE ? "routes" : "forwards";
}

const char *proto_name(enum proto proto)
{
	return proto == PROTO_UDP ? "udp" : "tcp";
}
