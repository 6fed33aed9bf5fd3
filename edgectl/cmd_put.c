#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "spec.h"
#include "status.h"
#include "watch.h"

struct outcome {
	const char *result;         /* applied rejected failed removed timeout published ... */
	int code;
	char msg[ERR_LEN * 2];
};

static void emit(const struct ctl_args *a, const struct watch *w, const struct outcome *o,
		 bool waited)
{
	json_object *j, *st;

	if (!a->json) {
		fprintf(o->code ? stderr : stdout, "%s\n", o->msg);
		return;
	}
	j = json_object_new_object();
	st = waited && w->st_raw ? json_tokener_parse(w->st_raw) : NULL;
	json_object_object_add(j, "kind", json_object_new_string(object_kind_name(a->kind)));
	json_object_object_add(j, "id", json_object_new_string(a->id));
	json_object_object_add(j, "topic", json_object_new_string(w->t_desired));
	json_object_object_add(j, "node", waited ? json_object_new_string(w->node) : NULL);
	json_object_object_add(j, "result", json_object_new_string(o->result));
	json_object_object_add(j, "message", json_object_new_string(o->msg));
	json_object_object_add(j, "status", st);
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

static void outcome_set(struct outcome *o, const char *result, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void outcome_set(struct outcome *o, const char *result, int code, const char *fmt, ...)
{
	va_list ap;

	o->result = result;
	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
	va_end(ap);
}

static void on_msg(void *arg, const struct msg *m)
{
	watch_feed(arg, m);
}

static bool answered(void *arg)
{
	return watch_verdict(arg) != V_WAIT;
}

static void conclude(const struct ctl_args *a, const struct watch *w, struct outcome *o)
{
	const char *k = object_kind_name(a->kind);
	const char *e = w->st.error ? w->st.error : "no error given";
	char why[ERR_LEN];

	switch (watch_verdict(w)) {
	case V_APPLIED:
		outcome_set(o, "applied", EXIT_OK, "%s %s: applied on %s", k, a->id, w->node);
		break;
	case V_REMOVED:
		outcome_set(o, "removed", EXIT_OK, "%s %s: removed from %s", k, a->id, w->node);
		break;
	case V_REJECTED:
		outcome_set(o, "rejected", EXIT_REJECTED, "%s %s: rejected on %s: %s%s", k, a->id,
			    w->node, e, w->st.serving_previous ?
			    " (the previous version is still served)" : "");
		break;
	case V_FAILED:
		outcome_set(o, "failed", EXIT_REJECTED, "%s %s: failed on %s: %s (the node retries)",
			    k, a->id, w->node, e);
		break;
	case V_WAIT:
		watch_why(w, why, sizeof(why));
		outcome_set(o, "timeout", EXIT_TIMEOUT, "%s %s: no answer from %s within %.1f s: %s; "
			    "the %s stays published", k, a->id, w->node, a->timeout_ms / 1000.0,
			    why, a->cmd == CMD_RM ? "deletion" : k);
		break;
	}
}

/* After the snapshot: whether and whom to wait for, or why not to publish at all. */
static bool plan(const struct ctl_args *a, struct watch *w, struct outcome *o)
{
	const char *k = object_kind_name(a->kind);
	char groups[MAX_SOURCES * ID_LEN] = "none", why[ERR_LEN];
	size_t at = 0;

	for (size_t i = 0; i < w->ni.n_groups; i++)
		at += (size_t)snprintf(groups + at, sizeof(groups) - at, "%s%s", i ? ", " : "",
				       w->ni.groups[i]);
	if (!a->node[0] && !w->ni.present) {
		outcome_set(o, "published", EXIT_OK, "%s %s: published to %s; not waiting: %s has no "
			    "node status, so it is taken as a group (--node N waits for node N)",
			    k, a->id, w->t_desired, a->target);
		return false;
	}
	if (strcmp(w->node, a->target) && w->ni.online && !report_node_follows(&w->ni, a->target)) {
		outcome_set(o, "error", EXIT_ERROR, "%s %s: node %s does not follow group %s "
			    "(its groups: %s); nothing published", k, a->id, w->node, a->target,
			    groups);
		return false;
	}
	if (watch_cut(w)) {
		watch_why(w, why, sizeof(why));
		outcome_set(o, "unreachable", EXIT_TIMEOUT, "%s %s: published to %s; not waiting: %s",
			    k, a->id, w->t_desired, why);
		return false;
	}
	if (a->cmd == CMD_PUT && w->node_own && strcmp(w->node, a->target))
		fprintf(stderr, "warning: %s's own %s %s takes precedence over %s's on %s\n",
			w->node, k, a->id, a->target, w->node);
	return true;
}

static int cmd_put_one(const struct ctl_args *a, const struct config *cfg);

/* A deletion that stays retained: {"deleted": true, "deleted_at": now}, with its expiry. */
static int tombstone_publish(const struct ctl_args *a, struct bus *b, const char *topic,
			     char *err, size_t errlen)
{
	char at[40], stone[TOMBSTONE_MAX];

	status_rfc3339(at, sizeof(at), time(NULL));
	snprintf(stone, sizeof(stone), "{\"deleted\":true,\"deleted_at\":\"%s\"}", at);
	if (a->tombstone_ttl_s && !bus_v5(b))
		fprintf(stderr, "warning: the broker speaks MQTT 3.1.1: the tombstone on %s stays "
			"retained without expiry\n", topic);
	return bus_publish(b, topic, stone, strlen(stone), a->tombstone_ttl_s,
			   clock_ms() + CONNECT_MS, err, errlen);
}

int cmd_put_publish(const struct ctl_args *a, struct bus *b, const char *topic,
		    const char *payload, size_t len, char *err, size_t errlen)
{
	if (a->cmd == CMD_RM && !a->empty_delete)
		return tombstone_publish(a, b, topic, err, errlen);
	return bus_publish(b, topic, payload ? payload : "", len, 0, clock_ms() + CONNECT_MS,
			   err, errlen);
}

int cmd_put(const struct ctl_args *a, const struct config *cfg)
{
	if (a->all || a->min_nodes)
		return cmd_put_fleet(a, cfg);
	return cmd_put_one(a, cfg);
}

static int cmd_put_one(const struct ctl_args *a, const struct config *cfg)
{
	char err[ERR_LEN], *payload = NULL, *topics[8];
	struct outcome o = { 0 };
	struct bus *b = NULL;
	struct watch w;
	bool wait = !a->no_wait, publish = true;
	int ret, n;

	if (a->cmd == CMD_PUT && spec_build(a, &payload, err, sizeof(err))) {
		watch_init(&w, a, cfg->topic_prefix, NULL, 0);
		wait = false;
		outcome_set(&o, "invalid", EXIT_REJECTED, "%s (refused before publishing: nothing "
			    "was published)", err);
		goto out;
	}
	watch_init(&w, a, cfg->topic_prefix, payload, payload ? strlen(payload) : 0);
	ret = bus_open(&b, cfg, on_msg, &w, clock_ms() + CONNECT_MS, err, sizeof(err));
	if (!ret && wait) {
		n = watch_topics(&w, topics);
		ret = bus_subscribe(b, topics, n, clock_ms() + CONNECT_MS, err, sizeof(err));
		if (!ret)
			ret = bus_settle(b, clock_ms() + SETTLE_MS, err, sizeof(err));
		if (ret == -ETIMEDOUT) {
			fprintf(stderr, "warning: %s\n", err);
			ret = 0;
		}
		if (!ret)
			wait = plan(a, &w, &o);
		publish = wait || o.code == EXIT_OK || o.code == EXIT_TIMEOUT;
	}
	if (!ret && publish)
		ret = cmd_put_publish(a, b, w.t_desired, payload, w.len, err, sizeof(err));
	if (ret) {
		outcome_set(&o, "error", EXIT_ERROR, "%s", err);
		wait = false;
	} else if (!wait && !o.result) {
		outcome_set(&o, "published", EXIT_OK, "%s %s: published to %s",
			    object_kind_name(a->kind), a->id, w.t_desired);
	}
	if (wait) {
		ret = bus_wait(b, clock_ms() + a->timeout_ms, answered, &w, err, sizeof(err));
		if (ret && ret != -ETIMEDOUT)
			outcome_set(&o, "error", EXIT_ERROR, "%s", err);
		else
			conclude(a, &w, &o);
	}
	bus_close(b);
out:
	emit(a, &w, &o, wait);
	watch_free(&w);
	free(payload);
	return o.code;
}
