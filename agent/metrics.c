#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "metrics.h"

int metrics_parse_counters(const char *json, enum proto proto, struct fwd_counter **out, size_t *n)
{
	json_object *root = json_tokener_parse(json), *list, *set, *elems, *v;
	struct fwd_counter *c;
	size_t len, cap;
	int ret = -EINVAL;

	if (!root || !json_object_object_get_ex(root, "nftables", &list) ||
	    !json_object_is_type(list, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "set", &set))
			continue;
		ret = 0;
		if (!json_object_object_get_ex(set, "elem", &elems) ||
		    !json_object_is_type(elems, json_type_array))
			break;
		len = json_object_array_length(elems);
		cap = *n;       /* appends to what the caller has, sized exactly */
		c = array_grow(*out, &cap, *n + len + 1, sizeof(*c), 16);
		if (!c) {
			ret = -ENOMEM;
			break;
		}
		*out = c;
		for (size_t k = 0; k < len; k++) {
			json_object *e, *cnt;
			struct fwd_counter *f = &c[*n];
			if (!json_object_object_get_ex(json_object_array_get_idx(elems, k), "elem", &e) ||
			    !json_object_object_get_ex(e, "val", &v) ||
			    !json_object_object_get_ex(e, "counter", &cnt))
				continue;
			memset(f, 0, sizeof(*f));
			f->proto = proto;
			f->port = (uint16_t)json_object_get_int(v);
			if (json_object_object_get_ex(cnt, "packets", &v))
				f->packets = (uint64_t)json_object_get_int64(v);
			if (json_object_object_get_ex(cnt, "bytes", &v))
				f->bytes = (uint64_t)json_object_get_int64(v);
			(*n)++;
		}
		break;
	}
out:
	json_object_put(root);
	return ret;
}

static json_object *counts(const size_t *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "applied", json_object_new_int64((int64_t)c[ST_APPLIED]));
	json_object_object_add(o, "rejected", json_object_new_int64((int64_t)c[ST_REJECTED]));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)c[ST_FAILED]));
	return o;
}

int metrics_render_json(struct strbuf *sb, const struct metrics *m)
{
	json_object *o = json_object_new_object(), *f, *a, *peers;
	char at[32];
	struct tm tm;

	if (!o)
		return -ENOMEM;
	gmtime_r(&m->now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "node", json_object_new_string(m->node));
	json_object_object_add(o, "at", json_object_new_string(at));
	f = json_object_new_object();
	for (size_t i = 0; i < m->n_fwd; i++) {
		json_object *c = json_object_new_object();
		json_object_object_add(c, "packets", json_object_new_int64((int64_t)m->fwd[i].packets));
		json_object_object_add(c, "bytes", json_object_new_int64((int64_t)m->fwd[i].bytes));
		if (m->fwd[i].refused)
			json_object_object_add(c, "refused",
					       json_object_new_int64((int64_t)m->fwd[i].refused));
		json_object_object_add(f, m->fwd[i].id, c);
	}
	json_object_object_add(o, "forwards", f);
	json_object_object_add(o, "objects", json_object_new_object());
	json_object_object_add(json_object_object_get(o, "objects"), "routes", counts(m->objects[KIND_ROUTE]));
	json_object_object_add(json_object_object_get(o, "objects"), "forwards", counts(m->objects[KIND_FORWARD]));
	a = json_object_new_object();
	json_object_object_add(a, "count", json_object_new_int64((int64_t)m->applies));
	json_object_object_add(a, "seconds_total", json_object_new_double(m->apply_seconds));
	json_object_object_add(a, "last_seconds", json_object_new_double(m->last_apply_seconds));
	json_object_object_add(o, "applies", a);
	json_object_object_add(o, "messages", json_object_new_int64((int64_t)m->messages));
	peers = json_object_new_array();
	for (size_t i = 0; m->wg && i < m->wg->n_peers; i++) {
		const struct mesh_peer_status *p = &m->wg->peers[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "public_key", json_object_new_string(p->public_key));
		json_object_object_add(j, "handshake_age_s", p->latest_handshake ?
				       json_object_new_int64(m->now - p->latest_handshake) : NULL);
		json_object_object_add(j, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes));
		json_object_object_add(j, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes));
		json_object_array_add(peers, j);
	}
	json_object_object_add(o, "wireguard_peers", peers);
	strbuf_reset(sb);
	strbuf_puts(sb, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return sb->err;
}

static void prom_head(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_render_prom(struct strbuf *sb, const struct metrics *m)
{
	static const char *const states[] = { NULL, "applied", "rejected", "failed" };

	strbuf_reset(sb);
	prom_head(sb, "edge_forward_packets_total", "counter", "Packets through a forward, both directions.");
	for (size_t i = 0; i < m->n_fwd; i++)
		strbuf_printf(sb, "edge_forward_packets_total{node=\"%s\",id=\"%s\"} %llu\n", m->node,
			      m->fwd[i].id, (unsigned long long)m->fwd[i].packets);
	prom_head(sb, "edge_forward_bytes_total", "counter", "Bytes through a forward, both directions.");
	for (size_t i = 0; i < m->n_fwd; i++)
		strbuf_printf(sb, "edge_forward_bytes_total{node=\"%s\",id=\"%s\"} %llu\n", m->node,
			      m->fwd[i].id, (unsigned long long)m->fwd[i].bytes);
	for (size_t i = 0, head = 0; i < m->n_fwd; i++) {
		if (!m->fwd[i].refused)
			continue;
		if (!head++)
			prom_head(sb, "edge_forward_refused_total", "counter",
				  "Packets a forward's allow_from and limits dropped.");
		strbuf_printf(sb, "edge_forward_refused_total{node=\"%s\",id=\"%s\"} %llu\n", m->node,
			      m->fwd[i].id, (unsigned long long)m->fwd[i].refused);
	}
	prom_head(sb, "edge_objects", "gauge", "Objects by kind and state.");
	for (int k = 0; k < KIND_COUNT; k++)
		for (int s = ST_APPLIED; s < ST_COUNT; s++)
			strbuf_printf(sb, "edge_objects{node=\"%s\",kind=\"%s\",state=\"%s\"} %zu\n", m->node,
				      object_kind_name((enum kind)k), states[s], m->objects[k][s]);
	prom_head(sb, "edge_applies_total", "counter", "nftables transactions and Traefik file batches.");
	strbuf_printf(sb, "edge_applies_total{node=\"%s\"} %lu\n", m->node, m->applies);
	prom_head(sb, "edge_apply_seconds_total", "counter", "Time spent reconciling.");
	strbuf_printf(sb, "edge_apply_seconds_total{node=\"%s\"} %.6f\n", m->node, m->apply_seconds);
	prom_head(sb, "edge_mqtt_messages_total", "counter", "Desired-state messages handled.");
	strbuf_printf(sb, "edge_mqtt_messages_total{node=\"%s\"} %lu\n", m->node, m->messages);
	prom_head(sb, "edge_broker_connected", "gauge", "1 while connected to the broker.");
	strbuf_printf(sb, "edge_broker_connected{node=\"%s\"} %d\n", m->node, m->connected);
	prom_head(sb, "edge_synced", "gauge", "1 once the retained replay is complete (node status synced).");
	strbuf_printf(sb, "edge_synced{node=\"%s\"} %d\n", m->node, m->synced);
	if (m->wg) {
		prom_head(sb, "edge_wireguard_handshake_age_seconds", "gauge", "Seconds since the peer's latest handshake.");
		for (size_t i = 0; i < m->wg->n_peers; i++)
			if (m->wg->peers[i].latest_handshake)
				strbuf_printf(sb, "edge_wireguard_handshake_age_seconds{node=\"%s\",peer=\"%s\"} %lld\n",
					      m->node, m->wg->peers[i].public_key,
					      (long long)(m->now - m->wg->peers[i].latest_handshake));
		prom_head(sb, "edge_wireguard_rx_bytes_total", "counter", "Bytes received from the peer.");
		for (size_t i = 0; i < m->wg->n_peers; i++)
			strbuf_printf(sb, "edge_wireguard_rx_bytes_total{node=\"%s\",peer=\"%s\"} %llu\n", m->node,
				      m->wg->peers[i].public_key, (unsigned long long)m->wg->peers[i].rx_bytes);
		prom_head(sb, "edge_wireguard_tx_bytes_total", "counter", "Bytes sent to the peer.");
		for (size_t i = 0; i < m->wg->n_peers; i++)
			strbuf_printf(sb, "edge_wireguard_tx_bytes_total{node=\"%s\",peer=\"%s\"} %llu\n", m->node,
				      m->wg->peers[i].public_key, (unsigned long long)m->wg->peers[i].tx_bytes);
	}
	return sb->err;
}
