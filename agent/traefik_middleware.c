/* A route's middlewares: IP allow-list, rate limit, basic auth, headers, strip, redirect. */
#include <stdbool.h>
#include <stdio.h>

#include "cidr.h"
#include "emit.h"
#include "model.h"
#include "traefik.h"

struct middleware {
	const char *suffix;
	bool (*has)(const struct route_spec *r);
	void (*emit)(struct emit *em, const struct route_spec *r);
};

static bool has_allow(const struct route_spec *r)
{
	return route_extra_of(r)->n_allow || route_extra_of(r)->set_nets.n;
}

static void emit_allow(struct emit *em, const struct route_spec *r)
{
	const struct route_extra *x = route_extra_of(r);
	char text[CIDR_TEXT_LEN];

	emit_key(em, "ipAllowList");
	emit_map(em);
	emit_key(em, "sourceRange");
	emit_seq(em);
	for (size_t i = 0; i < x->n_allow; i++)
		emit_value(em, x->allow[i]);
	for (size_t i = 0; i < x->set_nets.n; i++) {
		cidr_format(text, sizeof(text), &x->set_nets.v[i]);
		emit_value(em, text);
	}
	emit_seq_end(em);
	emit_map_end(em);
}

static bool has_rate(const struct route_spec *r)
{
	return route_extra_of(r)->rate_average;
}

static void emit_rate(struct emit *em, const struct route_spec *r)
{
	const struct route_extra *x = route_extra_of(r);

	emit_key(em, "rateLimit");
	emit_map(em);
	emit_uint(em, "average", x->rate_average);
	if (x->rate_burst)
		emit_uint(em, "burst", x->rate_burst);
	emit_map_end(em);
}

static bool has_auth(const struct route_spec *r)
{
	return route_extra_of(r)->n_users;
}

static void emit_auth(struct emit *em, const struct route_spec *r)
{
	const struct route_extra *x = route_extra_of(r);

	emit_key(em, "basicAuth");
	emit_map(em);
	emit_key(em, "users");
	emit_seq(em);
	for (size_t i = 0; i < x->n_users; i++)
		emit_value(em, x->users[i]);
	emit_seq_end(em);
	/* the backend never sees the edge's credentials */
	emit_true(em, "removeHeader");
	emit_map_end(em);
}

static bool has_headers(const struct route_spec *r)
{
	return route_extra_of(r)->req_headers.n || route_extra_of(r)->resp_headers.n;
}

static void emit_header_map(struct emit *em, const char *key, const struct route_headers *h)
{
	if (!h->n)
		return;
	emit_key(em, key);
	emit_map(em);
	for (size_t i = 0; i < h->n; i++) {
		emit_value(em, h->v[i].name);
		emit_value(em, h->v[i].value);
	}
	emit_map_end(em);
}

static void emit_headers(struct emit *em, const struct route_spec *r)
{
	emit_key(em, "headers");
	emit_map(em);
	emit_header_map(em, "customRequestHeaders", &route_extra_of(r)->req_headers);
	emit_header_map(em, "customResponseHeaders", &route_extra_of(r)->resp_headers);
	emit_map_end(em);
}

static bool has_strip(const struct route_spec *r)
{
	return r->strip_prefix && r->path_prefix;
}

static void emit_strip(struct emit *em, const struct route_spec *r)
{
	emit_key(em, "stripPrefix");
	emit_map(em);
	emit_list1(em, "prefixes", r->path_prefix);
	emit_map_end(em);
}

static bool has_redirect(const struct route_spec *r)
{
	return r->redirect_entrypoint;
}

static void emit_redirect(struct emit *em, const struct route_spec *r)
{
	emit_key(em, "redirectScheme");
	emit_map(em);
	emit_pair(em, "scheme", "https");
	emit_true(em, "permanent");
	emit_map_end(em);
}

/* In the order a request meets them: refuse early, rewrite last. */
static const struct middleware middlewares[] = {
	{ ".allow", has_allow, emit_allow },
	{ ".rate", has_rate, emit_rate },
	{ ".auth", has_auth, emit_auth },
	{ ".headers", has_headers, emit_headers },
	{ ".strip", has_strip, emit_strip },
	{ TRAEFIK_REDIRECT, has_redirect, emit_redirect },
};

#define N_MW (sizeof(middlewares) / sizeof(middlewares[0]))

static void mw_name(char *buf, size_t len, const char *name, const struct middleware *m)
{
	snprintf(buf, len, "%s%s", name, m->suffix);
}

void traefik_middleware_refs(struct emit *em, const char *name, const struct route_spec *r)
{
	char full[2 * ID_LEN + 16];
	bool any = false;

	/* the last entry is the redirect router's own */
	for (size_t i = 0; i + 1 < N_MW; i++) {
		if (!middlewares[i].has(r))
			continue;
		if (!any) {
			emit_key(em, "middlewares");
			emit_seq(em);
			any = true;
		}
		mw_name(full, sizeof(full), name, &middlewares[i]);
		emit_value(em, full);
	}
	if (any)
		emit_seq_end(em);
}

void traefik_middleware_defs(struct emit *em, const char *name, const struct route_spec *r)
{
	char full[2 * ID_LEN + 16];
	bool any = false;

	for (size_t i = 0; i < N_MW; i++) {
		if (!middlewares[i].has(r))
			continue;
		if (!any) {
			emit_key(em, "middlewares");
			emit_map(em);
			any = true;
		}
		mw_name(full, sizeof(full), name, &middlewares[i]);
		emit_value(em, full);
		emit_map(em);
		middlewares[i].emit(em, r);
		emit_map_end(em);
	}
	if (any)
		emit_map_end(em);
}
