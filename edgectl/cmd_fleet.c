#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "spec.h"

static const char *const state_names[] = {
	[M_WAIT] = "waiting", [M_APPLIED] = "applied", [M_REJECTED] = "rejected",
	[M_FAILED] = "failed", [M_REMOVED] = "removed", [M_SHADOWED] = "shadowed",
};

static void on_msg(void *arg, const struct msg *m)
{
	fleet_feed(arg, m);
}

struct goal {
	const struct ctl_args *a;
	struct fleet *f;
};

static bool reached(void *arg)
{
	const struct goal *g = arg;
	struct fleet_tally t;

	fleet_tally(g->f, &t);
	if (g->a->min_nodes)
		return t.applied + t.removed >= g->a->min_nodes || t.waiting == 0;
	return t.waiting == 0;
}

/* "gw1, gw2" of the members in state want (or cut ones), at most a line's worth */
static void names(const struct fleet *f, int want, bool cut, char *buf, size_t len)
{
	size_t at = 0, n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->n && at < len; i++) {
		const struct member *m = &f->v[i];
		if (!m->member || m->cut != cut || (!cut && (int)fleet_member_state(f, m) != want))
			continue;
		if (++n > 20) {
			snprintf(buf + at, len - at, ", ...");
			break;
		}
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", m->node);
	}
}

static int report(const struct ctl_args *a, const struct fleet *f, bool timed_out)
{
	const char *k = object_kind_name(a->kind), *did = a->cmd == CMD_RM ? "removed" : "applied";
	struct fleet_tally t;
	char list[1024];
	int code;

	fleet_tally(f, &t);
	if (t.rejected || t.failed)
		code = EXIT_REJECTED;
	else if (a->min_nodes ? t.applied + t.removed >= a->min_nodes : !t.waiting && !t.cut)
		code = EXIT_OK;
	else
		code = EXIT_TIMEOUT;
	if (a->json) {
		json_object *j = json_object_new_object(), *nodes = json_object_new_object();
		json_object_object_add(j, "kind", json_object_new_string(k));
		json_object_object_add(j, "id", json_object_new_string(a->id));
		json_object_object_add(j, "group", json_object_new_string(a->target));
		json_object_object_add(j, "members", json_object_new_int64((int64_t)t.members));
		json_object_object_add(j, did, json_object_new_int64((int64_t)(t.applied + t.removed)));
		for (size_t i = 0; i < f->n; i++)
			if (f->v[i].member)
				json_object_object_add(nodes, f->v[i].node, json_object_new_string(
					f->v[i].cut ? "unreachable" : state_names[fleet_member_state(f, &f->v[i])]));
		json_object_object_add(j, "nodes", nodes);
		json_object_object_add(j, "result", json_object_new_string(code == EXIT_OK ? did :
				       code == EXIT_REJECTED ? "rejected" : "incomplete"));
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		return code;
	}
	printf("%s %s: %s on %zu of %zu node(s) of group %s%s\n", k, a->id, did,
	       t.applied + t.removed, t.members, a->target,
	       a->min_nodes ? (code == EXIT_OK ? " (enough)" : " (not enough)") : "");
	for (int s = M_REJECTED; s <= M_SHADOWED; s++) {
		if (s == M_REMOVED)
			continue;
		names(f, s, false, list, sizeof(list));
		if (list[0])
			fprintf(stderr, "%s on: %s\n", state_names[s], list);
	}
	names(f, 0, true, list, sizeof(list));
	if (list[0])
		fprintf(stderr, "unreachable (the bridge from their broker is down; the %s applies "
			"when it returns): %s\n", a->cmd == CMD_RM ? "deletion" : k, list);
	names(f, M_WAIT, false, list, sizeof(list));
	if (list[0] && timed_out)
		fprintf(stderr, "no answer within %.1f s from: %s\n", a->timeout_ms / 1000.0, list);
	return code;
}

int cmd_put_fleet(const struct ctl_args *a, const struct config *cfg)
{
	char err[ERR_LEN], *payload = NULL, *topics[3], topic[256];
	struct bus *b = NULL;
	struct fleet f;
	struct goal g = { a, &f };
	struct fleet_tally t;
	bool timed_out = false;
	int ret, code;

	if (a->cmd == CMD_PUT && spec_build(a, &payload, err, sizeof(err))) {
		fprintf(stderr, "%s (refused before publishing: nothing was published)\n", err);
		return EXIT_REJECTED;
	}
	fleet_init(&f, a, cfg->topic_prefix, payload, payload ? strlen(payload) : 0);
	snprintf(topic, sizeof(topic), "%s/%s/%s/%s", cfg->topic_prefix, a->target,
		 object_kind_plural(a->kind), a->id);
	ret = bus_open(&b, cfg, on_msg, &f, clock_ms() + CONNECT_MS, err, sizeof(err));
	if (!ret)
		ret = bus_subscribe(b, topics, fleet_topics(&f, topics), clock_ms() + CONNECT_MS,
				    err, sizeof(err));
	if (!ret && bus_settle(b, clock_ms() + SETTLE_MS, err, sizeof(err)) == -ETIMEDOUT)
		fprintf(stderr, "warning: %s\n", err);
	fleet_freeze(&f);
	if (!ret)
		ret = cmd_put_publish(a, b, topic, payload, payload ? strlen(payload) : 0, err,
				      sizeof(err));
	fleet_tally(&f, &t);
	/* nothing to wait for, or never enough reachable nodes: say so at once */
	if (!ret && t.members && (!a->min_nodes || t.members - t.cut >= a->min_nodes)) {
		ret = bus_wait(b, clock_ms() + a->timeout_ms, reached, &g, err, sizeof(err));
		timed_out = ret == -ETIMEDOUT;
		if (timed_out)
			ret = 0;
	}
	bus_close(b);
	if (ret) {
		fprintf(stderr, "edgectl: %s\n", err);
		code = EXIT_ERROR;
	} else if (!t.members) {
		fprintf(stderr, "%s %s: published to %s; no online node follows group %s, so none "
			"was awaited\n", object_kind_name(a->kind), a->id, topic, a->target);
		code = EXIT_TIMEOUT;
	} else {
		code = report(a, &f, timed_out);
	}
	fleet_free(&f);
	free(payload);
	return code;
}
