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

static void targets(struct strbuf *sb, const struct route_spec *r)
{
	if (!r->n_targets)
		return;
	key(sb, "targets");
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < r->n_targets; i++) {
		strbuf_puts(sb, i ? ",{\"url\":" : "{\"url\":");
		strbuf_json_str(sb, r->targets[i].url);
		if (r->targets[i].weight)
			strbuf_printf(sb, ",\"weight\":%u", r->targets[i].weight);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "]");
}

static void health(struct strbuf *sb, const struct route_spec *r)
{
	if (!r->health_path)
		return;
	key(sb, "health");
	strbuf_puts(sb, "{\"path\":");
	strbuf_json_str(sb, r->health_path);
	if (r->health_interval_s)
		strbuf_printf(sb, ",\"interval_s\":%u", r->health_interval_s);
	if (r->health_timeout_s)
		strbuf_printf(sb, ",\"timeout_s\":%u", r->health_timeout_s);
	strbuf_puts(sb, "}");
}

static void access(struct strbuf *sb, const struct route_spec *r)
{
	if (r->n_allow || r->n_allow_sets) {
		key(sb, "allow_from");
		strbuf_puts(sb, "[");
		for (size_t i = 0; i < r->n_allow; i++) {
			strbuf_puts(sb, i ? "," : "");
			strbuf_json_str(sb, r->allow[i]);
		}
		for (size_t i = 0; i < r->n_allow_sets; i++)
			strbuf_printf(sb, "%s\"@%s\"", i || r->n_allow ? "," : "", r->allow_sets[i]);
		strbuf_puts(sb, "]");
	}
	if (r->n_users) {
		key(sb, "basic_auth");
		strbuf_puts(sb, "{\"users\":");
		strv(sb, r->users, r->n_users);
		strbuf_puts(sb, "}");
	}
	if (r->rate_average) {
		key(sb, "rate_limit");
		strbuf_printf(sb, "{\"average\":%u", r->rate_average);
		if (r->rate_burst)
			strbuf_printf(sb, ",\"burst\":%u", r->rate_burst);
		strbuf_puts(sb, "}");
	}
	if (r->req_headers.n || r->resp_headers.n) {
		key(sb, "headers");
		strbuf_puts(sb, "{");
		headers(sb, "request", &r->req_headers, true);
		headers(sb, "response", &r->resp_headers, !r->req_headers.n);
		strbuf_puts(sb, "}");
	}
}

void route_json(struct strbuf *sb, const struct route_spec *r)
{
	bool pass = r->tls == ROUTE_TLS_PASSTHROUGH;

	strbuf_puts(sb, "{\"hostname\":");
	strbuf_json_str(sb, r->hostname);
	pair(sb, "target_url", r->target_url);
	targets(sb, r);
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
	health(sb, r);
	access(sb, r);
	pair(sb, "target", r->passthrough_target);
	if (r->proxy_protocol)
		strbuf_printf(sb, ",\"proxy_protocol\":%u", r->proxy_protocol);
	strbuf_puts(sb, "}");
}
