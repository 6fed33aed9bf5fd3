#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "array.h"
#include "cache.h"
#include "cidr.h"
#include "fileio.h"
#include "coexist.h"
#include "health.h"
#include "host.h"
#include "log.h"
#include "mesh.h"
#include "mesh_policy.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mqtt.h"
#include "nft_apply.h"
#include "nonce.h"
#include "nft_watch.h"
#include "payload.h"
#include "status.h"
#include "topic.h"
#include "agent_int.h"

/* ---- reconcile and its follow-ups ---- */

static void sets_save(struct agent *a);

void agent_sync_reconcile(struct agent *a)
{
	int ret;

	int64_t t0 = clock_ms();

	a->need_reconcile = false;
	if (a->sets_dirty)
		sets_save(a);
	ret = reconcile_run(&a->rc, &a->store);
	a->last_apply_seconds = (double)(clock_ms() - t0) / 1000.0;
	a->apply_seconds += a->last_apply_seconds;
	if (ret < 0) {
		log_error("reconcile: %s", strerror(-ret));
		a->rc.retry = true;
	}
	if (ret > 0 && a->synced)
		a->idle_trim_ms = a->now_ms + IDLE_TRIM_MS;
	if (a->rc.retry && !a->retry_due_ms) {
		a->retry_due_ms = a->now_ms + a->retry_backoff_ms;
		a->retry_backoff_ms = a->retry_backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
				      a->retry_backoff_ms * 2;
	} else if (!a->rc.retry) {
		a->retry_backoff_ms = RETRY_MIN_MS;
	}
	agent_report_node_changed(a);
}

static int sweep_file(void *arg, const char *source, const char *id)
{
	struct agent *a = arg;
	struct slot *s = store_get(&a->store, KIND_ROUTE, id);
	struct traefik_op op = { .source = source, .id = id };

	if (s && s->applied && s->applied_source >= 0 && strcmp(a->names[s->applied_source], source) == 0)
		return 0;
	if (s && s->want && s->want_source >= 0 && strcmp(a->names[s->want_source], source) == 0)
		return 0;
	log_info("traefik: removing stale file of route %s (source %s)", id, source);
	traefik_commit(&a->traefik, &op, 1, NULL);
	return 0;
}

/* The mass-deletion guard: a broker that came back empty must not wipe the node. */
static bool sync_guard(struct agent *a)
{
	size_t stale, total;

	store_sweep_count(&a->store, a->store.gen, &stale, &total);
	a->held_recheck = false;
	if (stale <= a->cfg.guard_min || stale * 100 <= (size_t)a->cfg.guard_percent * total) {
		a->held = false;
		return false;
	}
	if (!a->held || stale != a->held_remove) {
		if (nonce_make(a->held_token, sizeof(a->held_token), a->store.gen, 8))
			log_error("sync: no random token (getrandom failed); the hold "
				  "cannot be confirmed until the next resync");
		log_warn("sync: the broker no longer has %zu of %zu objects; keeping them until "
			 "confirmed: publish \"%s\" to %s", stale, total, a->held_token, a->topic_confirm);
	}
	a->held = true;
	a->held_remove = stale;
	a->held_total = total;
	agent_report_node(a);
	return true;
}

/*
 * After a start, no status goes out before the first replay showed the retained ones: a
 * restart that changed nothing publishes none (not one per object), and statuses keep the
 * updated_at of their last change.
 */
static void statuses_send(struct agent *a)
{
	if (!a->statuses_unsent)
		return;
	a->statuses_unsent = false;
	reconcile_publish_all(&a->rc, &a->store);
}

/* s's status, never published by this process, is what the broker retains: adopt it. */
static void status_adopt(struct agent *a, struct slot *s, uint64_t retained)
{
	if (!a->statuses_unsent || s->ever_published || s->status.state == ST_NONE)
		return;
	if (agent_status_render(a, s) == 0 &&
	    status_payload_hash(a->sb.buf, a->sb.len) == retained)
		reconcile_adopt(&a->store, s);
}

/*
 * The retained statuses the replay showed under the node's status topic: those that
 * describe no object the agent knows (deleted while it had no cache of them, or never an
 * object's) are cleared; known objects whose status the broker no longer has (it lost
 * its retained messages) get it again; after a start, those the broker retains as they
 * stand are not sent again. Swept objects are cleared by reconcile.
 */
static void sync_statuses(struct agent *a)
{
	struct topic_ref ref;
	struct slot *s;
	char err[ERR_LEN];
	size_t cleared = 0;

	if (!mqtt_own_granted(a->mqtt)) {
		strbuf_reset(&a->replay_statuses);
		statuses_send(a);
		return;
	}
	for (size_t at = 0; at < a->replay_statuses.len;) {
		const char *topic = a->replay_statuses.buf + at;
		const char *hash = topic + strlen(topic) + 1;

		at += (size_t)(hash - topic) + strlen(hash) + 1;
		if (topic_parse(topic, a->cfg.topic_prefix, a->names, a->n_names, &ref, err,
				sizeof(err)) != TOPIC_STATUS)
			continue;
		if (ref.id[0] && (s = store_get(&a->store, ref.kind, ref.id))) {
			s->retained_seen = true;
			status_adopt(a, s, strtoull(hash, NULL, 16));
			continue;
		}
		if (mqtt_publish(a->mqtt, topic, "", 0, 1, true) == 0)
			cleared++;
	}
	a->statuses_unsent = false;
	reconcile_republish_unseen(&a->rc, &a->store);
	if (cleared)
		log_info("sync: cleared %zu retained status(es) of objects this node does not have",
			 cleared);
	strbuf_free(&a->replay_statuses);
	mqtt_unsubscribe(a->mqtt, a->topic_own_status);
}

static void sets_replay(struct agent *a, const char *set_id);

#define SETS_FILE "sets.txt"
#define SETS_FILE_MAX (64u << 20)

/*
 * The sets are kept in DATA_DIR: a batch that changed any is written once, at the start of
 * the reconcile (so before the "applied" of the objects naming them), so that those objects
 * come back on a boot without the broker. The whole file is written each time.
 */
static void sets_save(struct agent *a)
{
	struct strbuf sb;
	char err[ERR_LEN];
	int ret;

	strbuf_init(&sb);
	ret = sets_dump(&a->sets, a->names, a->n_names, &sb);
	if (!ret)
		ret = fileio_write_atomic(a->cfg.data_dir, SETS_FILE, sb.buf ? sb.buf : "", sb.len,
					  0600, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	if (ret)
		log_error("sets: cannot keep the sets in %s: %s", a->cfg.data_dir, err);
	a->sets_dirty = ret != 0;    /* retried with the next reconcile */
	strbuf_free(&sb);
}

void agent_sync_sets_load(struct agent *a)
{
	char err[ERR_LEN], *buf = NULL;
	size_t len = 0;
	int ret;

	ret = fileio_read(a->cfg.data_dir, SETS_FILE, &buf, &len, SETS_FILE_MAX);
	if (ret == -ENOENT)
		return;
	if (!ret)
		ret = sets_restore(&a->sets, a->names, a->n_names, buf, len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	if (ret)
		log_error("sets: cannot restore %s/%s: %s; objects naming sets wait for the broker",
			  a->cfg.data_dir, SETS_FILE, err);
	else if (err[0])
		log_info("sets: %s", err);
	free(buf);
}

/* Sets the broker no longer has are dropped; the objects that used them are read again. */
static void sets_sweep_replay(struct agent *a)
{
	char **changed;
	size_t n;

	if (sets_sweep(&a->sets, a->store.gen, &changed, &n)) {
		log_error("sets: out of memory in the sweep");
		return;
	}
	if (n) {
		reconcile_set_changed(&a->rc);
		a->sets_dirty = true;
	}
	for (size_t i = 0; i < n; i++)
		sets_replay(a, changed[i]);
	sets_ids_free(changed, n);
}

void agent_sync_complete(struct agent *a, bool confirmed)
{
	size_t dropped;

	if (a->cfg.sync_sweep && !confirmed && sync_guard(a)) {
		statuses_send(a);
		return;
	}
	a->held = false;
	if (a->cfg.sync_sweep) {
		sets_sweep_replay(a);
		dropped = store_sweep(&a->store, a->store.gen);
		log_info("sync: retained replay complete; %zu object(s) no longer published are "
			 "removed", dropped);
	} else {
		log_info("sync: retained replay complete (SYNC_SWEEP=off: objects it did not "
			 "re-deliver stay until deleted)");
	}
	agent_sync_reconcile(a);
	sync_statuses(a);       /* after the replay's last objects are resolved */
	traefik_scan(&a->traefik, sweep_file, a);
	host_addresses(&a->pol.host);
	a->synced = true;
	a->reparse = false;
	agent_report_node(a);
	/* the replay's statuses are freed as the broker acknowledges them: trim after that */
	a->trim_due_ms = a->now_ms + TRIM_LATEST_MS;
	a->idle_trim_ms = a->now_ms + IDLE_TRIM_MS;     /* and fold what the replay journaled */
}

/*
 * When the replay may be declared complete. The quiet period guards deletions against a
 * broker that returns the marker before the retained messages (aedes does); when the
 * marker came after retained messages and the sweep would remove nothing, waiting
 * protects nothing, and a warm restart is synced as soon as the marker is back.
 */
int64_t agent_sync_due_ms(const struct agent *a)
{
	return a->sync_early ? a->last_replay_ms : a->last_replay_ms + a->cfg.sync_quiet_ms;
}

static bool sync_nothing_stale(struct agent *a)
{
	size_t stale, total;

	store_sweep_count(&a->store, a->store.gen, &stale, &total);
	return stale == 0;
}

/* ---- MQTT handlers ---- */

/* A fresh retained replay: after every (re)connect and when the policy changed. */
static void sync_start(struct agent *a)
{
	a->store.gen++;
	a->store.replay_seq = ++a->store.seq;
	a->subscribed = false;
	a->marker_seen = false;
	a->synced = false;
	a->held = false;
	a->last_replay_ms = a->now_ms;
	a->replay_before_marker = 0;
	a->sync_early = false;
	strbuf_reset(&a->replay_statuses);
	if (mqtt_subscribe(a->mqtt, a->subs, a->n_subs) ||
	    mqtt_subscribe_own(a->mqtt, a->topic_own_status))
		log_error("mqtt: subscribe failed");
	agent_report_node(a);
}

static void on_connected(void *arg)
{
	struct agent *a = arg;

	sync_start(a);
	if (!a->statuses_unsent)
		reconcile_publish_all(&a->rc, &a->store);
}

static bool port_reserved(const struct policy *pol, unsigned port)
{
	for (size_t i = 0; i < pol->n_reserved; i++)
		if (pol->reserved[i] == port)
			return true;
	return false;
}

/*
 * The mesh teaches the policy: without ALLOWED_TARGETS the targets are the pinned mesh
 * network (never wider than private space), and the listen port is reserved. Returns
 * true when the policy changed.
 */
bool agent_sync_policy_refresh(struct agent *a)
{
	struct cidr net;
	unsigned port;
	bool changed = false;

	if (!a->mesh || !mesh_network(a->mesh, &net, &port) || !mesh_policy_private(&net))
		return false;
	if (!a->cfg.allowed_set && !(a->pol.allowed.n == 1 &&
	    !memcmp(&a->pol.allowed.v[0], &net, sizeof(net)))) {
		cidr_list_free(&a->pol.allowed);
		cidr_list_add(&a->pol.allowed, &net);
		changed = true;
	}
	if (!a->cfg.reserved_set && !port_reserved(&a->pol, port)) {
		size_t i, cap = a->pol.n_reserved;   /* config.c sizes it exactly */
		uint16_t *v = array_grow(a->pol.reserved, &cap, cap + 1, sizeof(*v), 8);

		if (v) {
			for (i = a->pol.n_reserved; i > 0 && v[i - 1] > port; i--)
				v[i] = v[i - 1];
			v[i] = (uint16_t)port;
			a->pol.reserved = v;
			a->pol.n_reserved++;
			changed = true;
		}
	}
	return changed;
}

/* The local listeners, read again when a forward arrives and the last read is old. */
void agent_sync_listening_refresh(struct agent *a)
{
	int ret;

	if (a->pol.listening && a->now_ms - a->listening_ms < LISTENING_MAX_AGE_MS)
		return;
	ret = host_listening(&a->listening);
	if (ret) {
		log_warn("policy: cannot read the local listeners (/proc/net): %s", strerror(-ret));
		a->pol.listening = NULL;
		return;
	}
	a->pol.listening = &a->listening;
	a->listening_ms = a->now_ms;
}

/* After the mesh changed: a new policy re-reads every object under it. */
void agent_sync_mesh_changed(struct agent *a)
{
	if (!a->mesh || mesh_generation(a->mesh) == a->mesh_gen)
		return;
	a->mesh_gen = mesh_generation(a->mesh);
	agent_report_node_changed(a);
	if (!agent_sync_policy_refresh(a))
		return;
	log_info("policy: allowed targets and reserved ports follow the mesh; re-reading all objects");
	a->reparse = true;      /* until a replay completes */
	if (a->mqtt && mqtt_connected(a->mqtt))
		sync_start(a);
}

static void on_disconnected(void *arg)
{
	struct agent *a = arg;

	a->synced = false;
	a->subscribed = false;
	agent_report_node(a);        /* cannot reach the broker, but health.json says "degraded" now */
}

static void on_subscribed(void *arg)
{
	struct agent *a = arg;

	a->subscribed = true;
	if (nonce_make(a->nonce, sizeof(a->nonce), a->store.gen, 12)) {
		log_error("sync: no random nonce (getrandom failed); the replay "
			  "cannot complete until the next reconnect");
		return;
	}
	mqtt_publish(a->mqtt, a->topic_sync, a->nonce, strlen(a->nonce), 0, false);
}

static void report_error(struct agent *a, const char *topic, const char *error)
{
	log_warn("%s", error);
	if (status_error_render(&a->sb, topic, error, time(NULL)) == 0)
		mqtt_publish(a->mqtt, a->topic_errors, a->sb.buf, a->sb.len, 0, false);
}

/* What the agent remembers to replay this message when a set it names changes. */
static void object_sets(struct agent *a, enum kind kind, int source, const char *id,
			const void *payload, size_t len, const struct object *o, unsigned gen)
{
	char **ids = NULL;
	size_t n = 0;
	int ret;

	if (o && kind == KIND_ROUTE)
		ret = sets_use(&a->sets, kind, source, id, payload, len,
			       route_extra_of(&o->route)->allow_sets,
			       route_extra_of(&o->route)->n_allow_sets, gen);
	else if (o)
		ret = sets_use(&a->sets, kind, source, id, payload, len, o->fwd.allow_sets,
			       o->fwd.n_allow_sets, gen);
	else if (!o && len && !(ret = sets_refs_of(payload, len, &ids, &n)))
		ret = sets_use(&a->sets, kind, source, id, payload, len, ids, n, gen);
	else
		ret = sets_use(&a->sets, kind, source, id, NULL, 0, NULL, 0, gen);
	sets_ids_free(ids, n);
	if (ret)
		log_error("sets: %s", strerror(-ret));
}

/* One object message, from the bus or replayed after a set it names changed. */
static void object_message(struct agent *a, enum kind kind, int source, const char *id,
			   const void *payload, size_t len, unsigned gen, uint64_t seq)
{
	struct object *o = NULL;
	char err[ERR_LEN];
	uint64_t digest;
	int ret;

	a->held_recheck = true;
	if (len == 0 || payload_tombstone(payload, len)) {
		if (store_delete(&a->store, kind, source, id) == -ENOENT)
			log_debug("delete of unknown %s %s from %s", object_kind_name(kind), id,
				  a->names[source]);
		object_sets(a, kind, source, id, NULL, 0, NULL, gen);
	} else {
		digest = payload_digest64(payload, len);
		/*
		 * A replay (after a start from the cache, a reconnect) brings back mostly what
		 * is known and was checked under this policy: such a payload is not parsed again.
		 */
		if (!a->synced && !a->reparse && store_seen(&a->store, kind, source, id, digest, gen)) {
			a->need_reconcile = true;
			return;
		}
		if (kind == KIND_FORWARD)
			agent_sync_listening_refresh(a);
		ret = payload_parse(kind, id, payload, len, &a->pol, &o, err, sizeof(err));
		if (ret)
			log_warn("%s (source %s)", err, a->names[source]);
		object_sets(a, kind, source, id, payload, len, o, gen);
		ret = store_put(&a->store, kind, source, id, o, ret ? err : NULL, gen, seq);
		if (ret)
			log_error("store: %s", strerror(-ret));
		store_digest(&a->store, kind, source, id, digest);
	}
	a->need_reconcile = true;
}

/* A new object beyond MAX_OBJECTS: refused where its sender sees it, nothing stored. */
static void over_count(struct agent *a, const char *topic, enum kind kind, const char *id)
{
	char err[ERR_LEN];

	snprintf(err, sizeof(err), "%s %s: not accepted: the node already holds MAX_OBJECTS=%zu "
		 "objects (routes and forwards); delete some or raise MAX_OBJECTS",
		 object_kind_name(kind), id, a->cfg.max_objects);
	report_error(a, topic, err);
}

/* A set changed: every object that names it is read again, so exactly those are rewritten. */
static void sets_replay(struct agent *a, const char *set_id)
{
	struct set_user **v;
	size_t n;

	if (sets_users_of(&a->sets, set_id, &v, &n)) {
		log_error("sets: out of memory replaying the users of set %s", set_id);
		return;
	}
	log_info("set %s changed: re-reading %zu object(s) that use it", set_id, n);
	for (size_t i = 0; i < n; i++)
		object_message(a, v[i]->kind, v[i]->source, v[i]->id, v[i]->payload, v[i]->len,
			       v[i]->gen, 0);
	sets_users_free(v, n);
}

static void set_message(struct agent *a, const char *topic, int source, const char *id,
			const void *payload, size_t len)
{
	struct cidr_list l;
	char err[ERR_LEN];
	int changed;

	if (!len || payload_tombstone(payload, len)) {
		changed = sets_put(&a->sets, source, id, NULL, a->store.gen);
	} else if (sets_parse(id, payload, len, &l, err, sizeof(err))) {
		/* a bad set is refused; the objects keep what they were built with */
		report_error(a, topic, err);
		return;
	} else {
		changed = sets_put(&a->sets, source, id, &l, a->store.gen);
		cidr_list_free(&l);
	}
	if (changed < 0)
		log_error("sets: %s", strerror(-changed));
	if (changed > 0) {
		a->sets_dirty = true;
		reconcile_set_changed(&a->rc);
		a->need_reconcile = true;
		sets_replay(a, id);
	}
}

static void on_message(void *arg, const char *topic, const void *payload, size_t len, bool retained)
{
	struct agent *a = arg;
	struct topic_ref ref;
	char err[ERR_LEN];

	a->messages++;
	switch (topic_parse(topic, a->cfg.topic_prefix, a->names, a->n_names, &ref, err, sizeof(err))) {
	case TOPIC_SYNC:
		if (a->nonce[0] && len == strlen(a->nonce) && memcmp(payload, a->nonce, len) == 0) {
			a->marker_seen = true;
			a->last_replay_ms = a->now_ms;
			a->sync_early = a->replay_before_marker && sync_nothing_stale(a);
			log_debug("sync: marker back after %zu retained object(s)%s",
				  a->replay_before_marker, a->sync_early ? "; nothing stale" : "");
		}
		return;
	case TOPIC_CONFIRM:
		if (a->held && a->held_token[0] && !retained && len == strlen(a->held_token) &&
		    memcmp(payload, a->held_token, len) == 0) {
			log_warn("sync: removal of %zu object(s) confirmed", a->held_remove);
			agent_sync_complete(a, true);
		} else {
			report_error(a, topic, a->held ? "confirm: payload does not match the held token "
					 "(read it from the node status; retained confirmations are ignored)" :
					 "confirm: nothing is held");
		}
		return;
	case TOPIC_WIREGUARD:
		if (!a->mesh) {
			report_error(a, topic, "wireguard: this node does not manage WireGuard (see the node status errors)");
			return;
		}
		if (mesh_bus_update(a->mesh, payload, len, err, sizeof(err))) {
			snprintf(a->wg_error, sizeof(a->wg_error), "%s", err);
			report_error(a, topic, err);
		} else {
			a->wg_error[0] = '\0';
		}
		agent_report_node_changed(a);
		agent_sync_mesh_changed(a);
		return;
	case TOPIC_STATUS:
		if (retained && len && !a->synced) {
			char hex[20];

			strbuf_add(&a->replay_statuses, topic, strlen(topic) + 1);
			snprintf(hex, sizeof(hex), "%" PRIx64, status_payload_hash(payload, len));
			strbuf_add(&a->replay_statuses, hex, strlen(hex) + 1);
		}
		return;
	case TOPIC_BAD:
		report_error(a, topic, err);
		return;
	case TOPIC_OTHER:
		return;
	case TOPIC_SET:
	case TOPIC_OBJECT:
		break;
	}
	if (retained) {
		a->last_replay_ms = a->now_ms;
		a->replay_before_marker += !a->marker_seen;
	}
	if (ref.type == TOPIC_SET)
		set_message(a, topic, ref.source, ref.id, payload, len);
	else if (len && !store_get(&a->store, ref.kind, ref.id) &&
		 a->store.slots.n >= a->cfg.max_objects)
		over_count(a, topic, ref.kind, ref.id);
	else
		object_message(a, ref.kind, ref.source, ref.id, payload, len, a->store.gen,
			       retained ? a->store.replay_seq : 0);
}

const struct mqtt_handlers agent_sync_handlers = {
	.connected = on_connected,
	.disconnected = on_disconnected,
	.subscribed = on_subscribed,
	.message = on_message,
};

