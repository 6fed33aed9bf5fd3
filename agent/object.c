#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define ROUTE_CORE 6

const struct route_extra route_extra_none = { 0 };

static size_t object_size(enum kind kind)
{
	return kind == KIND_FORWARD ? offsetof(struct object, fwd) + sizeof(struct forward_spec) :
				      offsetof(struct object, route) + sizeof(struct route_spec);
}

struct object *object_new(enum kind kind, const char *id)
{
	size_t n = strnlen(id, ID_LEN - 1), size = object_size(kind);
	struct object *o = calloc(1, size + n + 1);
	char *tail;

	if (!o)
		return NULL;
	o->refs = 1;
	o->kind = kind;
	tail = (char *)o + size;
	memcpy(tail, id, n);
	o->id = tail;
	return o;
}

struct object *object_ref(struct object *o)
{
	if (o)
		o->refs++;
	return o;
}

/* The route's own strings, the ones object_pack moves into the object's allocation. */
static void route_core(struct route_spec *r, char **v[ROUTE_CORE])
{
	v[0] = &r->hostname;
	v[1] = &r->target_url;
	v[2] = &r->entrypoint;
	v[3] = &r->certresolver;
	v[4] = &r->path_prefix;
	v[5] = &r->redirect_entrypoint;
}

/* Packed strings lie between the route part and the id; unpacked, that range is empty. */
static void route_core_free(struct object *o)
{
	uintptr_t lo = (uintptr_t)o + object_size(KIND_ROUTE), hi = (uintptr_t)o->id;
	char **core[ROUTE_CORE];

	route_core(&o->route, core);
	for (size_t i = 0; i < ROUTE_CORE; i++)
		if ((uintptr_t)*core[i] < lo || (uintptr_t)*core[i] >= hi)
			free(*core[i]);
}

int object_pack(struct object **op)
{
	size_t base = object_size(KIND_ROUTE), size = base, len[ROUTE_CORE], id_len;
	struct object *o = *op, *p;
	char **core[ROUTE_CORE], *tail;

	if (o->kind != KIND_ROUTE)
		return 0;
	route_core(&o->route, core);
	for (size_t i = 0; i < ROUTE_CORE; i++) {
		len[i] = *core[i] ? strlen(*core[i]) + 1 : 0;
		size += len[i];
	}
	id_len = strlen(o->id) + 1;
	p = malloc(size + id_len);
	if (!p)
		return -ENOMEM;
	memcpy(p, o, base);
	tail = (char *)p + base;
	route_core(&p->route, core);
	for (size_t i = 0; i < ROUTE_CORE; i++) {
		if (!len[i])
			continue;
		memcpy(tail, *core[i], len[i]);
		*core[i] = tail;
		tail += len[i];
	}
	memcpy(tail, o->id, id_len);
	p->id = tail;
	route_core_free(o);
	free(o);
	*op = p;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void headers_free(struct route_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
}

static void route_extra_free(struct route_extra *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_targets; i++)
		free(x->targets[i].url);
	free(x->targets);
	free(x->health_path);
	strv_free(x->allow, x->n_allow);
	strv_free(x->allow_sets, x->n_allow_sets);
	free(x->set_nets.v);
	strv_free(x->users, x->n_users);
	headers_free(&x->req_headers);
	headers_free(&x->resp_headers);
	free(x->passthrough_target);
	free(x);
}

static void fwd_free(struct forward_spec *f)
{
	free(f->targets);
	free(f->allow);
	strv_free(f->allow_sets, f->n_allow_sets);
}

void object_unref(struct object *o)
{
	if (!o || --o->refs)
		return;
	if (o->kind == KIND_ROUTE) {
		route_core_free(o);
		route_extra_free(o->route.extra);
	} else {
		fwd_free(&o->fwd);
	}
	free(o);
}

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool headers_equal(const struct route_headers *a, const struct route_headers *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

static bool route_extra_equal(const struct route_extra *a, const struct route_extra *b)
{
	if (a->n_targets != b->n_targets)
		return false;
	for (size_t i = 0; i < a->n_targets; i++)
		if (strcmp(a->targets[i].url, b->targets[i].url) ||
		    a->targets[i].weight != b->targets[i].weight)
			return false;
	return str_equal(a->health_path, b->health_path) &&
	       a->health_interval_s == b->health_interval_s &&
	       a->health_timeout_s == b->health_timeout_s &&
	       strv_equal(a->allow, a->n_allow, b->allow, b->n_allow) &&
	       strv_equal(a->allow_sets, a->n_allow_sets, b->allow_sets, b->n_allow_sets) &&
	       a->set_nets.n == b->set_nets.n && (!a->set_nets.n ||
	       !memcmp(a->set_nets.v, b->set_nets.v, a->set_nets.n * sizeof(*a->set_nets.v))) &&
	       strv_equal(a->users, a->n_users, b->users, b->n_users) &&
	       a->rate_average == b->rate_average && a->rate_burst == b->rate_burst &&
	       headers_equal(&a->req_headers, &b->req_headers) &&
	       headers_equal(&a->resp_headers, &b->resp_headers) &&
	       str_equal(a->passthrough_target, b->passthrough_target) &&
	       a->proxy_protocol == b->proxy_protocol;
}

static bool route_equal(const struct route_spec *a, const struct route_spec *b)
{
	return str_equal(a->hostname, b->hostname) && str_equal(a->target_url, b->target_url) &&
	       str_equal(a->entrypoint, b->entrypoint) &&
	       str_equal(a->certresolver, b->certresolver) && a->tls == b->tls &&
	       str_equal(a->path_prefix, b->path_prefix) && a->strip_prefix == b->strip_prefix &&
	       a->sticky == b->sticky &&
	       str_equal(a->redirect_entrypoint, b->redirect_entrypoint) &&
	       route_extra_equal(route_extra_of(a), route_extra_of(b));
}

static bool fwd_equal(const struct forward_spec *a, const struct forward_spec *b)
{
	if (a->n_targets != b->n_targets || a->n_allow != b->n_allow)
		return false;
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].ip.s_addr != b->targets[i].ip.s_addr ||
		    a->targets[i].port != b->targets[i].port ||
		    a->targets[i].weight != b->targets[i].weight)
			return false;
	for (size_t i = 0; i < a->n_allow; i++)
		if (memcmp(a->allow[i].addr, b->allow[i].addr, 4) ||
		    a->allow[i].prefix != b->allow[i].prefix)
			return false;
	return a->public_port == b->public_port && a->public_port_end == b->public_port_end &&
	       a->target_port == b->target_port && a->target_ip.s_addr == b->target_ip.s_addr &&
	       a->proto == b->proto && a->affinity == b->affinity &&
	       !memcmp(&a->health, &b->health, sizeof(a->health)) &&
	       strv_equal(a->allow_sets, a->n_allow_sets, b->allow_sets, b->n_allow_sets) &&
	       a->conn_per_source == b->conn_per_source && a->new_rate == b->new_rate &&
	       a->new_rate_unit == b->new_rate_unit && a->preserve_source == b->preserve_source;
}

bool object_equal(const struct object *a, const struct object *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || strcmp(a->id, b->id))
		return false;
	if (a->kind == KIND_FORWARD)
		return fwd_equal(&a->fwd, &b->fwd);
	return route_equal(&a->route, &b->route);
}

const char *object_kind_name(enum kind kind)
{
	return kind == KIND_ROUTE ? "route" : "forward";
}

const char *object_kind_plural(enum kind kind)
{
	return kind == KIND_ROUTE ? "routes" : "forwards";
}

const char *object_proto_name(enum proto proto)
{
	return proto == PROTO_UDP ? "udp" : "tcp";
}
