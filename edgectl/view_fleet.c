#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "topic.h"
#include "view.h"

static int msg_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct msg *const *)elem)->topic);
}

/* The latest message on topic, in the topic-ordered snapshot, or NULL. */
static const struct msg *find(const struct msg **latest, size_t n, const char *topic)
{
	const struct msg **m = bsearch(topic, latest, n, sizeof(*latest), msg_cmp);

	return m ? *m : NULL;
}

struct fleet_node {
	char node[ID_LEN];
	struct node_info ni;
};

/* Where one object stands on each node it is for. */
static void row_count(struct fleet_row *r, const char *prefix, const struct fleet_node *nodes,
		      size_t n_nodes, const struct bridges *br, const struct msg **latest, size_t n)
{
	char topic[320];
	struct obj_status st = { 0 };
	const struct msg *m;

	for (size_t i = 0; i < n_nodes; i++) {
		const struct fleet_node *fn = &nodes[i];
		if (strcmp(fn->node, r->source) &&
		    !(fn->ni.online && report_node_follows(&fn->ni, r->source)))
			continue;
		r->nodes++;
		if (fn->ni.online && report_bridges_cut(br, &fn->ni)) {
			r->cut++;
			continue;
		}
		snprintf(topic, sizeof(topic), "%s/%s/status/%s/%s", prefix, fn->node,
			 object_kind_plural(r->kind), r->id);
		m = find(latest, n, topic);
		report_object_parse(&st, m ? m->payload : "", m ? m->len : 0);
		if (!st.present || strcmp(st.source, r->source) ||
		    (st.digest[0] && strcmp(st.digest, r->digest)))
			r->pending++;   /* not there yet, an older version, or another source wins */
		else if (!strcmp(st.state, "applied"))
			r->applied++;
		else if (!strcmp(st.state, "failed"))
			r->failed++;
		else
			r->rejected++;
	}
	report_object_free(&st);
}

int view_fleet_build(struct fleet_view *v, const char *prefix, const struct msglist *msgs)
{
	const struct msg **latest;
	struct fleet_node *nodes;
	char name[ID_LEN], id[ID_LEN];
	const char *rest;
	enum kind kind;
	size_t n, n_nodes = 0;
	int ret = 0;

	memset(v, 0, sizeof(*v));
	latest = msglist_latest(msgs, &n);
	nodes = calloc(n ? n : 1, sizeof(*nodes));
	v->rows = calloc(n ? n : 1, sizeof(*v->rows));
	if (!latest || !nodes || !v->rows) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct msg *m = latest[i];
		report_bridges_note(&v->br, prefix, m->topic, m->payload, m->len);
		if (m->len && topic_split(m->topic, prefix, name, &rest) && !strcmp(rest, "status")) {
			snprintf(nodes[n_nodes].node, ID_LEN, "%s", name);
			report_node_parse(&nodes[n_nodes++].ni, m->payload, m->len);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct msg *m = latest[i];
		struct fleet_row *r = &v->rows[v->n];
		if (!m->len || payload_tombstone(m->payload, m->len) ||
		    !topic_split(m->topic, prefix, name, &rest) || !topic_object(rest, &kind, id))
			continue;
		r->kind = kind;
		snprintf(r->id, sizeof(r->id), "%s", id);
		snprintf(r->source, sizeof(r->source), "%s", name);
		payload_digest(m->payload, m->len, r->digest);
		row_count(r, prefix, nodes, n_nodes, &v->br, latest, n);
		v->n++;
	}
out:
	free(nodes);
	free(latest);
	return ret;
}

void view_fleet_free(struct fleet_view *v)
{
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

int view_fleet_print(const struct fleet_view *v, FILE *out)
{
	static const char *const header[] = { "KIND", "ID", "SOURCE", "NODES", "APPLIED", "REJECTED",
					      "FAILED", "PENDING", "UNREACHABLE" };
	char c[6][24];
	struct table t;
	int ret = table_init(&t, 9, header);

	for (size_t i = 0; !ret && i < v->n; i++) {
		const struct fleet_row *r = &v->rows[i];
		const char *row[] = { object_kind_name(r->kind), r->id, r->source, c[0], c[1], c[2],
				      c[3], c[4], c[5] };
		snprintf(c[0], sizeof(c[0]), "%zu", r->nodes);
		snprintf(c[1], sizeof(c[1]), "%zu", r->applied);
		snprintf(c[2], sizeof(c[2]), "%zu", r->rejected);
		snprintf(c[3], sizeof(c[3]), "%zu", r->failed);
		snprintf(c[4], sizeof(c[4]), "%zu", r->pending);
		snprintf(c[5], sizeof(c[5]), "%zu", r->cut);
		ret = table_add(&t, row);
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

json_object *view_fleet_json(const struct fleet_view *v)
{
	json_object *root = json_object_new_object(), *objs = json_object_new_array();

	if (!root || !objs) {
		json_object_put(root);
		json_object_put(objs);
		return NULL;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct fleet_row *r = &v->rows[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind",
				       json_object_new_string(object_kind_name(r->kind)));
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "source", json_object_new_string(r->source));
		json_object_object_add(o, "nodes", json_object_new_int64((int64_t)r->nodes));
		json_object_object_add(o, "applied", json_object_new_int64((int64_t)r->applied));
		json_object_object_add(o, "rejected", json_object_new_int64((int64_t)r->rejected));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)r->failed));
		json_object_object_add(o, "pending", json_object_new_int64((int64_t)r->pending));
		json_object_object_add(o, "unreachable", json_object_new_int64((int64_t)r->cut));
		json_object_array_add(objs, o);
	}
	json_object_object_add(root, "objects", objs);
	return root;
}
