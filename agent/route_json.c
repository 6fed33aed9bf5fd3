#include "route_json.h"

static const char *const tls_names[] = { "router", "entrypoint", "passthrough" };

static void key(struct strbuf *sb, const char *k)
{
	strbuf_printf(sb, ",\"%s\":", k);
}

static void pair(struct strbuf *sb, const char *k, const char *v)
{
	if (!v)
		return;
	key(sb, k);
	strbuf_json_str(sb, v);
}

static void strv(struct strbuf *sb, char *const *v, size_t n)
{
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < n; i++) {
		strbuf_puts(sb, i ? "," : "");
		strbuf_json_str(sb, v[i]);
	}
	strbuf_puts(sb, "]");
}

static void headers(struct strbuf *sb, const char *k, const struct route_headers *h, bool first)
{
	if (!h->n)
		return;
	strbuf_printf(sb, "%s\"%s\":{", first ? "" : ",", k);
	for (size_t i = 0; i < h->n; i++) {
		strbuf_puts(sb, i ? "," : "");
		strbuf_json_str(sb, h->v[i].name);
		strbuf_puts(sb, ":");
		strbuf_json_str(sb, h->v[i].value);
	}
	strbuf_puts(sb, "}");
}

static void targets(struct strbuf *sb, const struct route_extra *x)
{
	if (!x->n_targets)
		return;
	key(sb, "targets");
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < x->n_targets; i++) {
		strbuf_puts(sb, i ? ",{\"url\":" : "{\"url\":");
		strbuf_json_str(sb, x->targets[i].url);
		if (x->targets[i].weight)
			strbuf_printf(sb, ",\"weight\":%u", x->targets[i].weight);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "]");
}

static void health(struct strbuf *sb, const struct route_extra *x)
{
	if (!x->health_path)
		return;
	key(sb, "health");
	strbuf_puts(sb, "{\"path\":");
	strbuf_json_str(sb, x->health_path);
	if (x->health_interval_s)
		strbuf_printf(sb, ",\"interval_s\":%u", x->health_interval_s);
	if (x->health_timeout_s)
		strbuf_printf(sb, ",\"timeout_s\":%u", x->health_timeout_s);
	strbuf_puts(sb, "}");
}

static void access(struct strbuf *sb, const struct route_extra *x)
{
	if (x->n_allow || x->n_allow_sets) {
		key(sb, "allow_from");
		strbuf_puts(sb, "[");
		for (size_t i = 0; i < x->n_allow; i++) {
			strbuf_puts(sb, i ? "," : "");
			strbuf_json_str(sb, x->allow[i]);
		}
		for (size_t i = 0; i < x->n_allow_sets; i++)
			strbuf_printf(sb, "%s\"@%s\"", i || x->n_allow ? "," : "", x->allow_sets[i]);
		strbuf_puts(sb, "]");
	}
	if (x->n_users) {
		key(sb, "basic_auth");
		strbuf_puts(sb, "{\"users\":");
		strv(sb, x->users, x->n_users);
		strbuf_puts(sb, "}");
	}
	if (x->rate_average) {
		key(sb, "rate_limit");
		strbuf_printf(sb, "{\"average\":%u", x->rate_average);
		if (x->rate_burst)
			strbuf_printf(sb, ",\"burst\":%u", x->rate_burst);
		strbuf_puts(sb, "}");
	}
	if (x->req_headers.n || x->resp_headers.n) {
		key(sb, "headers");
		strbuf_puts(sb, "{");
		headers(sb, "request", &x->req_headers, true);
		headers(sb, "response", &x->resp_headers, !x->req_headers.n);
		strbuf_puts(sb, "}");
	}
}

void route_json(struct strbuf *sb, const struct route_spec *r)
{
	const struct route_extra *x = route_extra_of(r);
	bool pass = r->tls == ROUTE_TLS_PASSTHROUGH;

	strbuf_puts(sb, "{\"hostname\":");
	strbuf_json_str(sb, r->hostname);
	pair(sb, "target_url", r->target_url);
	targets(sb, x);
	pair(sb, "entrypoint", r->entrypoint);
	if (!pass) {
		key(sb, "certresolver");
		if (r->certresolver)
			strbuf_json_str(sb, r->certresolver);
		else
			strbuf_puts(sb, "null");
	}
	pair(sb, "tls", tls_names[r->tls]);
	pair(sb, "path_prefix", r->path_prefix);
	if (r->strip_prefix)
		strbuf_puts(sb, ",\"strip_prefix\":true");
	if (r->sticky)
		strbuf_puts(sb, ",\"sticky\":true");
	if (r->redirect_entrypoint)
		strbuf_puts(sb, ",\"redirect_https\":true");
	health(sb, x);
	access(sb, x);
	pair(sb, "target", x->passthrough_target);
	if (x->proxy_protocol)
		strbuf_printf(sb, ",\"proxy_protocol\":%u", x->proxy_protocol);
	strbuf_puts(sb, "}");
}
