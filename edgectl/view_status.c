#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "topic.h"
#include "view.h"

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node_row *)a)->node, ((const struct node_row *)b)->node);
}

static json_object *node_object(const struct msg *msg, const char *name)
{
	json_object *o = json_tokener_parse(msg->payload);

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	if (!o) {
		o = json_object_new_object();
		if (o)
			json_object_object_add(o, "state", json_object_new_string("invalid"));
	}
	if (o && !json_object_object_get_ex(o, "node", NULL))
		json_object_object_add(o, "node", json_object_new_string(name));
	return o;
}

int view_status_build(struct status_model *m, const char *prefix, const struct msglist *msgs)
{
	const struct msg **latest;
	char name[ID_LEN];
	const char *rest;
	size_t n;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	latest = msglist_latest(msgs, &n);
	if (!latest)
		return -ENOMEM;
	m->rows = calloc(n ? n : 1, sizeof(*m->rows));
	if (!m->rows)
		ret = -ENOMEM;
	for (size_t i = 0; i < n; i++)
		report_bridges_note(&m->br, prefix, latest[i]->topic, latest[i]->payload,
				    latest[i]->len);
	for (size_t i = 0; !ret && i < n; i++) {
		struct node_row *r = &m->rows[m->n];
		struct node_info ni;
		if (!latest[i]->len || !topic_split(latest[i]->topic, prefix, name, &rest) ||
		    strcmp(rest, "status"))
			continue;
		snprintf(r->node, sizeof(r->node), "%s", name);
		r->j = node_object(latest[i], name);
		report_node_parse(&ni, latest[i]->payload, latest[i]->len);
		r->cut = ni.online && report_bridges_cut(&m->br, &ni);
		if (!r->j)
			ret = -ENOMEM;
		else
			m->n++;
	}
	if (m->n)
		qsort(m->rows, m->n, sizeof(*m->rows), row_cmp);
	free(latest);
	return ret;
}

void view_status_free(struct status_model *m)
{
	for (size_t i = 0; i < m->n; i++)
		json_object_put(m->rows[i].j);
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void counts(json_object *o, const char *key, char *buf, size_t len)
{
	json_object *c = get(o, key);

	if (!c) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%lld/%lld/%lld", (long long)json_object_get_int64(get(c, "applied")),
		 (long long)json_object_get_int64(get(c, "rejected")),
		 (long long)json_object_get_int64(get(c, "failed")));
}

static const char *synced(json_object *o)
{
	json_object *s = get(o, "synced");

	if (get(o, "held"))
		return "held";
	if (!s)
		return "-";
	return json_object_get_boolean(s) ? "yes" : "no";
}

static void details(json_object *o, const char *prefix, const char *node, FILE *out)
{
	json_object *groups = get(o, "groups"), *held = get(o, "held"), *wg = get(o, "wireguard");
	json_object *errors = get(o, "errors");
	size_t n;

	if (groups && json_object_is_type(groups, json_type_array) &&
	    (n = json_object_array_length(groups))) {
		fprintf(out, "groups:");
		for (size_t i = 0; i < n; i++)
			fprintf(out, " %s", json_object_get_string(json_object_array_get_idx(groups, i)));
		fprintf(out, "\n");
	}
	if (held)
		fprintf(out, "held: removal of %lld of %lld objects waits for confirmation: "
			"mosquitto_pub -t %s/%s/confirm -m '%s'\n",
			(long long)json_object_get_int64(get(held, "remove")),
			(long long)json_object_get_int64(get(held, "of")), prefix, node,
			get_str(held, "token") ? get_str(held, "token") : "?");
	if (wg) {
		json_object *peers = get(wg, "peers");
		fprintf(out, "wireguard: %s %s, address %s, %zu peer(s)%s%s\n",
			get_str(wg, "backend") ? get_str(wg, "backend") : "?",
			get_str(wg, "interface") ? get_str(wg, "interface") : "?",
			get_str(wg, "address") && *get_str(wg, "address") ? get_str(wg, "address") : "none",
			peers && json_object_is_type(peers, json_type_array) ?
			json_object_array_length(peers) : 0,
			get_str(wg, "error") ? "; error: " : "",
			get_str(wg, "error") ? get_str(wg, "error") : "");
	}
	if (errors && json_object_is_type(errors, json_type_array))
		for (size_t i = 0; i < json_object_array_length(errors); i++)
			fprintf(out, "error: %s\n",
				json_object_get_string(json_object_array_get_idx(errors, i)));
}

struct fleet_counts {
	size_t online, unreachable, offline, synced, with_errors;
};

static void fleet_count(const struct status_model *m, struct fleet_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < m->n; i++) {
		json_object *o = m->rows[i].j, *e = get(o, "errors"), *s = get(o, "synced");
		const char *st = get_str(o, "state");
		if (m->rows[i].cut)
			c->unreachable++;
		else if (st && !strcmp(st, "online"))
			c->online++;
		else
			c->offline++;
		c->synced += !m->rows[i].cut && s && json_object_get_boolean(s);
		c->with_errors += e && json_object_is_type(e, json_type_array) &&
				  json_object_array_length(e) > 0;
	}
}

/* The fleet at a glance, under the table. */
static void status_summary(const struct status_model *m, FILE *out)
{
	struct fleet_counts c;

	fleet_count(m, &c);
	fprintf(out, "%zu node(s): %zu online, %zu unreachable, %zu offline or invalid; "
		"%zu synced; %zu with errors\n", m->n, c.online, c.unreachable, c.offline, c.synced,
		c.with_errors);
}

int view_status_print_table(const struct status_model *m, const char *prefix, bool detail,
			    FILE *out)
{
	static const char *const header[] = { "NODE", "STATE", "SYNCED", "BROKER", "ROUTES(A/R/F)",
					      "FORWARDS(A/R/F)", "ERRORS", "UPDATED" };
	char routes[64], fwds[64], nerr[24];
	struct table t;
	int ret = table_init(&t, 8, header);

	for (size_t i = 0; !ret && i < m->n; i++) {
		json_object *o = m->rows[i].j, *e = get(o, "errors");
		const char *row[] = { m->rows[i].node, m->rows[i].cut ? "unreachable" : get_str(o, "state"),
				      synced(o), get_str(o, "broker"), routes, fwds, nerr,
				      get_str(o, "updated_at") };
		counts(o, "routes", routes, sizeof(routes));
		counts(o, "forwards", fwds, sizeof(fwds));
		snprintf(nerr, sizeof(nerr), "%zu", e && json_object_is_type(e, json_type_array) ?
			 json_object_array_length(e) : 0);
		ret = table_add(&t, row);
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	if (!ret && detail && m->n == 1)
		details(m->rows[0].j, prefix, m->rows[0].node, out);
	if (!ret && m->rows && m->n == 1 && m->rows[0].cut)
		fprintf(out, "unreachable: the bridge from its broker %s to this one is down "
			"(%s/_bridges/<host> is \"0\"); the status above is the last one it sent\n",
			get_str(m->rows[0].j, "broker"), prefix);
	if (!ret && !detail)
		status_summary(m, out);
	return ret;
}

json_object *view_status_json(const struct status_model *m)
{
	json_object *root = json_object_new_object(), *nodes = json_object_new_array();

	if (!root || !nodes) {
		json_object_put(root);
		json_object_put(nodes);
		return NULL;
	}
	struct fleet_counts c;
	json_object *sum = json_object_new_object();

	for (size_t i = 0; i < m->n; i++) {
		json_object *o = json_object_get(m->rows[i].j);
		if (m->rows[i].cut)
			json_object_object_add(o, "unreachable", json_object_new_boolean(true));
		json_object_array_add(nodes, o);
	}
	json_object_object_add(root, "nodes", nodes);
	fleet_count(m, &c);
	json_object_object_add(sum, "nodes", json_object_new_int64((int64_t)m->n));
	json_object_object_add(sum, "online", json_object_new_int64((int64_t)c.online));
	json_object_object_add(sum, "unreachable", json_object_new_int64((int64_t)c.unreachable));
	json_object_object_add(sum, "offline", json_object_new_int64((int64_t)c.offline));
	json_object_object_add(sum, "synced", json_object_new_int64((int64_t)c.synced));
	json_object_object_add(sum, "with_errors", json_object_new_int64((int64_t)c.with_errors));
	json_object_object_add(root, "summary", sum);
	return root;
}
