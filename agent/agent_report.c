#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cache.h"
#include "cidr.h"
#include "coexist.h"
#include "health.h"
#include "host.h"
#include "log.h"
#include "mesh.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mqtt.h"
#include "nft_apply.h"
#include "nft_watch.h"
#include "payload.h"
#include "status.h"
#include "topic.h"
#include "agent_int.h"

/* ---- node status ---- */

void agent_report_node(struct agent *a)
{
	struct node_status ns = {
		.state = "online",
		.node = a->cfg.node_id,
		.synced = a->synced,
		.started_at = a->started_at,
		.updated_at = time(NULL),
		.groups = a->names + 1,
		.n_groups = a->n_names - 1,
		.held = a->held,
		.held_remove = a->held_remove,
		.held_total = a->held_total,
		.held_token = a->held_token,
	};
	const char *cx = a->coexist ? coexist_error(a->coexist) : NULL;
	const char *errs[] = { a->rc.nft_error, a->rc.routes_error, a->rc.persist_error, a->sysctl_error,
			       a->wg_error, a->mesh_error, cx ? cx : "" };
	struct mesh_status wg;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i][0] && ns.n_errors < NODE_ERRORS_MAX)
			ns.errors[ns.n_errors++] = errs[i];
	if (a->mesh) {
		mesh_status(a->mesh, &wg);
		ns.wg = &wg;
	}
	a->node_refresh_ms = a->now_ms + NODE_REFRESH_MS;
	reconcile_count(&a->store, ns.counts);
	a->node_dirty = false;
	a->node_due_ms = 0;
	health_write(a->cfg.data_dir, a->mqtt && mqtt_connected(a->mqtt), a->synced, ns.n_errors,
		     ns.updated_at);
	if (!a->mqtt || !mqtt_connected(a->mqtt))
		return;
	ns.broker = mqtt_broker(a->mqtt);
	if (status_node_render(&a->sb, &ns))
		return;
	mqtt_publish(a->mqtt, a->topic_status, a->sb.buf, a->sb.len, 1, true);
}

void agent_report_node_changed(struct agent *a)
{
	a->node_dirty = true;
	if (!a->node_due_ms)
		a->node_due_ms = a->now_ms + NODE_STATUS_DELAY_MS;
}

/* ---- metrics ---- */

/* What each forward refused (allow_from, limits), per port in refused_tcp/udp, by holder. */
static void report_refused(struct agent *a, const struct hmap *seen)
{
	struct fwd_counter *ref = NULL, *to;
	size_t n = 0;
	char cmd[96], key[32], *json = NULL;
	struct claim *c;

	for (int p = PROTO_TCP; a->nft && p <= PROTO_UDP; p++) {
		snprintf(cmd, sizeof(cmd), "list set inet %s refused_%s", a->cfg.nft_table,
			 object_proto_name((enum proto)p));
		if (nft_list_json(a->nft, cmd, &json) == 0)
			metrics_parse_counters(json, (enum proto)p, &ref, &n);
		free(json);
		json = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s/%u", object_proto_name(ref[i].proto), ref[i].port);
		c = hmap_get(&a->store.claims, key);
		if (c && c->holder && (to = hmap_get(seen, store_key(c->holder))))
			to->refused += ref[i].packets;
	}
	free(ref);
}

void agent_report_metrics(struct agent *a, bool prom)
{
	struct fwd_counter *fwd = NULL;
	struct hmap seen = { 0 };
	struct mesh_status wg;
	size_t k = 0;
	char cmd[96], *json = NULL;
	struct metrics m = {
		.node = a->cfg.node_id,
		.now = time(NULL),
		.applies = a->rc.applies,
		.apply_seconds = a->apply_seconds,
		.last_apply_seconds = a->last_apply_seconds,
		.messages = a->messages,
		.connected = a->mqtt && mqtt_connected(a->mqtt),
		.synced = a->synced,
	};

	for (int p = PROTO_TCP; a->nft && p <= PROTO_UDP; p++) {
		snprintf(cmd, sizeof(cmd), "list set inet %s cnt_%s", a->cfg.nft_table,
			 object_proto_name((enum proto)p));
		if (nft_list_json(a->nft, cmd, &json) == 0)
			metrics_parse_counters(json, (enum proto)p, &fwd, &m.n_fwd);
		free(json);
		json = NULL;
	}
	/* the port's holder names the forward; a range's ports add up under its first one */
	for (size_t i = 0; i < m.n_fwd; i++) {
		char key[32];
		struct claim *c;
		struct fwd_counter *to;
		snprintf(key, sizeof(key), "%s/%u", object_proto_name(fwd[i].proto), fwd[i].port);
		c = hmap_get(&a->store.claims, key);
		if (!c || !c->holder)
			continue;
		if ((to = hmap_get(&seen, store_key(c->holder)))) {
			to->packets += fwd[i].packets;
			to->bytes += fwd[i].bytes;
			continue;
		}
		fwd[k] = fwd[i];
		snprintf(fwd[k].id, sizeof(fwd[k].id), "%s", c->holder->id);
		if (hmap_put(&seen, store_key(c->holder), &fwd[k]))
			log_warn("metrics: out of memory summing a range's counters");
		k++;
	}
	m.n_fwd = k;
	report_refused(a, &seen);
	hmap_free(&seen);
	m.fwd = fwd;
	if (a->mesh) {
		mesh_status(a->mesh, &wg);
		m.wg = &wg;
	}
	reconcile_count(&a->store, m.objects);
	if (prom)
		metrics_render_prom(&a->sb, &m);
	else
		metrics_render_json(&a->sb, &m);
	free(json);
	free(fwd);
}

void agent_report_metrics_tick(struct agent *a)
{
	a->metrics_due_ms = a->now_ms + (int64_t)a->cfg.metrics_interval_s * 1000;
	if (!a->mqtt || !mqtt_connected(a->mqtt))
		return;
	agent_report_metrics(a, false);
	if (!a->sb.err)
		mqtt_publish(a->mqtt, a->topic_metrics, a->sb.buf, a->sb.len, 0, false);
}

