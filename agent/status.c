#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "mesh.h"
#include "payload.h"
#include "status.h"

#ifndef EDGE_VERSION
#error "EDGE_VERSION comes from the VERSION file: build with make"
#endif

const char *status_state_name(enum obj_state s)
{
	static const char *const names[] = { "none", "applied", "rejected", "failed" };

	return s < ST_COUNT ? names[s] : "?";
}

void status_reset(struct status *st)
{
	free(st->error);
	memset(st, 0, sizeof(*st));
	st->source = -1;
}

void status_set_error(struct status *st, const char *msg)
{
	char *copy = strdup(msg);

	free(st->error);
	st->error = copy;
}

uint64_t status_hash(const struct status *st)
{
	uint64_t h = 1469598103934665603ull;
	const char *p = st->error ? st->error : "";

	h = (h ^ (uint64_t)st->state) * 1099511628211ull;
	h = (h ^ (uint64_t)(st->source + 1)) * 1099511628211ull;
	h = (h ^ (uint64_t)st->serving_previous) * 1099511628211ull;
	h = (h ^ st->down ^ (uint64_t)(st->checked != NULL) << 63) * 1099511628211ull;
	h = (h ^ st->digest) * 1099511628211ull;
	while (*p)
		h = (h ^ (uint8_t)*p++) * 1099511628211ull;
	return h;
}

uint64_t status_payload_hash(const char *payload, size_t len)
{
	static const char key[] = ",\"updated_at\":";
	size_t end = len;

	for (size_t i = len; i >= sizeof(key) - 1; i--)
		if (memcmp(payload + i - (sizeof(key) - 1), key, sizeof(key) - 1) == 0) {
			end = i - (sizeof(key) - 1);
			break;
		}
	return fnv_hash(payload, end);
}

void status_rfc3339(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_time(json_object *o, const char *k, time_t t)
{
	char buf[32];

	status_rfc3339(buf, sizeof(buf), t);
	add_str(o, k, buf);
}

static int emit(struct strbuf *sb, json_object *o)
{
	const char *s;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	strbuf_reset(sb);
	strbuf_puts(sb, s);
	json_object_put(o);
	return sb->err;
}

/* Each target's health; all down: all stay in rotation (fail open) and the forward is degraded. */
static void targets_json(json_object *o, const struct forward_spec *f, uint64_t down)
{
	json_object *arr = json_object_new_array();
	uint64_t all = f->n_targets >= 64 ? ~0ULL : (1ULL << f->n_targets) - 1;
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; arr && i < f->n_targets; i++) {
		json_object *t = json_object_new_object();
		inet_ntop(AF_INET, &f->targets[i].ip, ip, sizeof(ip));
		add_str(t, "ip", ip);
		if (f->targets[i].port)
			json_object_object_add(t, "port", json_object_new_int(f->targets[i].port));
		add_str(t, "health", down >> i & 1 ? "down" : "up");
		json_object_array_add(arr, t);
	}
	json_object_object_add(o, "targets", arr);
	if ((down & all) == all)
		json_object_object_add(o, "degraded", json_object_new_boolean(1));
}

int status_object_render(struct strbuf *sb, const struct status *s, const char *source, time_t now)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	add_str(o, "state", status_state_name(s->state));
	if (s->state != ST_APPLIED && s->error && s->error[0])
		add_str(o, "error", s->error);
	add_str(o, "source", source ? source : "");
	if (s->serving_previous)
		json_object_object_add(o, "serving_previous", json_object_new_boolean(1));
	if (s->digest) {
		char hex[DIGEST_LEN];
		payload_digest_hex(s->digest, hex);
		add_str(o, "digest", hex);
	}
	if (s->checked)
		targets_json(o, &s->checked->fwd, s->down);
	add_time(o, "updated_at", now);
	return emit(sb, o);
}

static json_object *counts_json(const size_t *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "applied", json_object_new_int64((int64_t)c[ST_APPLIED]));
	json_object_object_add(o, "rejected", json_object_new_int64((int64_t)c[ST_REJECTED]));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)c[ST_FAILED]));
	return o;
}

static json_object *wg_json(const struct mesh_status *w)
{
	json_object *o = json_object_new_object(), *peers = json_object_new_array();

	add_str(o, "backend", w->backend);
	add_str(o, "interface", w->ifname);
	add_str(o, "address", w->address);
	add_str(o, "public_key", w->public_key);
	json_object_object_add(o, "listen_port", json_object_new_int((int)w->listen_port));
	add_str(o, "config_source", w->source);
	if (w->error && w->error[0])
		add_str(o, "error", w->error);
	for (size_t i = 0; i < w->n_peers; i++) {
		const struct mesh_peer_status *p = &w->peers[i];
		json_object *j = json_object_new_object();
		add_str(j, "public_key", p->public_key);
		if (p->endpoint[0])
			add_str(j, "endpoint", p->endpoint);
		if (p->latest_handshake)
			add_time(j, "latest_handshake", (time_t)p->latest_handshake);
		else
			json_object_object_add(j, "latest_handshake", NULL);
		json_object_object_add(j, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes));
		json_object_object_add(j, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes));
		json_object_array_add(peers, j);
	}
	json_object_object_add(o, "peers", peers);
	return o;
}

int status_node_render(struct strbuf *sb, const struct node_status *ns)
{
	json_object *o = json_object_new_object(), *groups, *errors;

	if (!o)
		return -ENOMEM;
	add_str(o, "state", ns->state);
	add_str(o, "node", ns->node);
	add_str(o, "version", EDGE_VERSION);
	json_object_object_add(o, "synced", json_object_new_boolean(ns->synced));
	if (ns->broker)
		add_str(o, "broker", ns->broker);
	add_time(o, "started_at", ns->started_at);
	add_time(o, "updated_at", ns->updated_at);
	groups = json_object_new_array();
	for (size_t i = 0; i < ns->n_groups; i++)
		json_object_array_add(groups, json_object_new_string(ns->groups[i]));
	json_object_object_add(o, "groups", groups);
	json_object_object_add(o, "routes", counts_json(ns->counts[KIND_ROUTE]));
	json_object_object_add(o, "forwards", counts_json(ns->counts[KIND_FORWARD]));
	if (ns->held) {
		json_object *h = json_object_new_object();
		json_object_object_add(h, "remove", json_object_new_int64((int64_t)ns->held_remove));
		json_object_object_add(h, "of", json_object_new_int64((int64_t)ns->held_total));
		add_str(h, "token", ns->held_token);
		json_object_object_add(o, "held", h);
	}
	if (ns->wg)
		json_object_object_add(o, "wireguard", wg_json(ns->wg));
	errors = json_object_new_array();
	for (size_t i = 0; i < ns->n_errors; i++)
		json_object_array_add(errors, json_object_new_string(ns->errors[i]));
	json_object_object_add(o, "errors", errors);
	return emit(sb, o);
}

int status_offline_render(struct strbuf *sb, const char *node)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	add_str(o, "state", "offline");
	add_str(o, "node", node);
	add_str(o, "version", EDGE_VERSION);
	return emit(sb, o);
}

int status_error_render(struct strbuf *sb, const char *topic, const char *error, time_t now)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	add_str(o, "topic", topic);
	add_str(o, "error", error);
	add_time(o, "at", now);
	return emit(sb, o);
}
