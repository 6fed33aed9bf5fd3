#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "payload.h"
#include "spec.h"
#include "table.h"
#include "topic.h"
#include "view.h"

static int rank_of(const struct ls_model *m, const char *source)
{
	if (!strcmp(source, m->node))
		return 0;
	for (size_t i = 0; i < m->ni.n_groups; i++)
		if (!strcmp(source, m->ni.groups[i]))
			return (int)i + 1;
	return MAX_SOURCES;
}

static int row_cmp(const void *a, const void *b)
{
	const struct ls_row *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->rank != y->rank ? (x->rank < y->rank ? -1 : 1) : strcmp(x->source, y->source);
}

static struct ls_row *row_new(struct ls_model *m, enum kind kind, const char *id,
			      const char *source)
{
	struct ls_row *r;

	r = array_grow(m->rows, &m->cap, m->n + 1, sizeof(*r), 32);
	if (!r)
		return NULL;
	m->rows = r;
	r = &m->rows[m->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->source, sizeof(r->source), "%s", source);
	r->rank = rank_of(m, source);
	return r;
}

static int row_desired(struct ls_model *m, enum kind kind, const char *id, const char *source,
		       const struct msg *msg, const struct policy *pol)
{
	struct ls_row *r = row_new(m, kind, id, source);
	char err[ERR_LEN];

	if (!r)
		return -ENOMEM;
	r->desired = msg;
	if (payload_parse(kind, id, msg->payload, msg->len, pol, &r->obj, err, sizeof(err))) {
		r->invalid = strdup(err);
		if (!r->invalid)
			return -ENOMEM;
	}
	return 0;
}

static int key_cmp(const struct ls_row *r, enum kind kind, const char *id)
{
	if (r->kind != kind)
		return r->kind < kind ? -1 : 1;
	return strcmp(r->id, id);
}

/* The first of the sorted rows [0, sorted) with this kind and id, or sorted. */
static size_t rows_lower(const struct ls_model *m, size_t sorted, enum kind kind, const char *id)
{
	size_t lo = 0, hi = sorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(&m->rows[mid], kind, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void row_status(struct ls_row *r, const struct msg *msg)
{
	r->status = msg;
	report_object_parse(&r->st, msg->payload, msg->len);
}

/* A status goes to every row of its id; one about a source without a row gets its own. */
static int attach_status(struct ls_model *m, size_t sorted, enum kind kind, const char *id,
			 const struct msg *msg)
{
	struct obj_status st = { 0 };
	struct ls_row *r;
	bool matched = false;

	report_object_parse(&st, msg->payload, msg->len);
	for (size_t i = rows_lower(m, sorted, kind, id);
	     i < sorted && !key_cmp(&m->rows[i], kind, id); i++) {
		row_status(&m->rows[i], msg);
		matched |= !strcmp(m->rows[i].source, st.source);
	}
	r = matched ? NULL : row_new(m, kind, id, st.source[0] ? st.source : "?");
	if (r)
		row_status(r, msg);
	report_object_free(&st);
	return matched || r ? 0 : -ENOMEM;
}

static void row_state(struct ls_row *r)
{
	if (r->status && !strcmp(r->st.source, r->source))
		r->state = r->st.state;
	else if (r->status && r->desired)
		r->state = "shadowed";
	else if (r->invalid)
		r->state = "invalid";
	else
		r->state = "pending";
}

int view_ls_build(struct ls_model *m, const char *prefix, const char *node,
		  const struct msglist *msgs)
{
	const struct msg **latest;
	struct policy pol;
	char name[ID_LEN], id[ID_LEN];
	const char *rest;
	enum kind kind;
	size_t n, sorted;
	int ret;

	memset(m, 0, sizeof(*m));
	snprintf(m->node, sizeof(m->node), "%s", node);
	latest = msglist_latest(msgs, &n);
	if (!latest)
		return -ENOMEM;
	ret = spec_policy(&pol);
	for (size_t i = 0; !ret && i < n; i++) {
		const struct msg *msg = latest[i];
		if (topic_split(msg->topic, prefix, name, &rest) && !strcmp(name, node) &&
		    !strcmp(rest, "status") && msg->len) {
			m->node_status = msg;
			report_node_parse(&m->ni, msg->payload, msg->len);
		}
	}
	for (size_t i = 0; !ret && i < n; i++) {
		const struct msg *msg = latest[i];
		if (msg->len && !payload_tombstone(msg->payload, msg->len) &&
		    topic_split(msg->topic, prefix, name, &rest) && topic_object(rest, &kind, id))
			ret = row_desired(m, kind, id, name, msg, &pol);
	}
	if (m->n)
		qsort(m->rows, m->n, sizeof(*m->rows), row_cmp);
	sorted = m->n;
	for (size_t i = 0; !ret && i < n; i++) {
		const struct msg *msg = latest[i];
		if (msg->len && topic_split(msg->topic, prefix, name, &rest) &&
		    !strcmp(name, node) && !strncmp(rest, "status/", 7) &&
		    topic_object(rest + 7, &kind, id))
			ret = attach_status(m, sorted, kind, id, msg);
	}
	if (m->n)
		qsort(m->rows, m->n, sizeof(*m->rows), row_cmp);
	for (size_t i = 0; !ret && i < m->n; i++)
		row_state(&m->rows[i]);
	spec_policy_free(&pol);
	free(latest);
	return ret;
}

void view_ls_free(struct ls_model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		object_unref(m->rows[i].obj);
		free(m->rows[i].invalid);
		report_object_free(&m->rows[i].st);
	}
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

static const char *row_error(const struct ls_row *r, char *buf, size_t len)
{
	if (!strcmp(r->state, "shadowed")) {
		snprintf(buf, len, "%s's %s %s takes precedence", r->st.source,
			 object_kind_name(r->kind), r->id);
		return buf;
	}
	if (r->status && r->st.error && !strcmp(r->st.source, r->source))
		return r->st.error;
	return r->invalid;
}

static const char *row_spec(const struct ls_row *r, char *buf, size_t len)
{
	if (r->obj) {
		spec_describe(r->obj, buf, len);
		return buf;
	}
	return r->desired ? "(invalid payload)" : "(no desired object)";
}

int view_ls_print_table(const struct ls_model *m, FILE *out)
{
	static const char *const header[] = { "KIND", "ID", "SOURCE", "STATE", "SPEC", "ERROR" };
	char spec[ERR_LEN], why[ERR_LEN];
	struct table t;
	int ret;

	fprintf(out, "node %s: %s", m->node, !m->ni.present ? "no status" :
		m->ni.online ? "online" : "offline");
	if (m->ni.online)
		fprintf(out, ", %s", m->ni.synced ? "synced" : "not synced");
	for (size_t i = 0; i < m->ni.n_groups; i++)
		fprintf(out, "%s%s", i ? ", " : "; groups ", m->ni.groups[i]);
	fprintf(out, "\n");
	ret = table_init(&t, 6, header);
	for (size_t i = 0; !ret && i < m->n; i++) {
		const struct ls_row *r = &m->rows[i];
		const char *row[] = { object_kind_name(r->kind), r->id, r->source, r->state,
				      row_spec(r, spec, sizeof(spec)), row_error(r, why, sizeof(why)) };
		ret = table_add(&t, row);
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static json_object *json_or_null(const struct msg *msg)
{
	json_object *o = msg ? json_tokener_parse(msg->payload) : NULL;

	if (msg && !o)
		o = json_object_new_string_len(msg->payload, (int)msg->len);
	return o;
}

json_object *view_ls_json(const struct ls_model *m)
{
	json_object *root = json_object_new_object(), *objs = json_object_new_array();
	char why[ERR_LEN];

	if (!root || !objs) {
		json_object_put(root);
		json_object_put(objs);
		return NULL;
	}
	json_object_object_add(root, "node", json_object_new_string(m->node));
	json_object_object_add(root, "status", json_or_null(m->node_status));
	for (size_t i = 0; i < m->n; i++) {
		const struct ls_row *r = &m->rows[i];
		json_object *o = json_object_new_object();
		const char *e = row_error(r, why, sizeof(why));

		json_object_object_add(o, "kind",
				       json_object_new_string(object_kind_name(r->kind)));
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "source", json_object_new_string(r->source));
		json_object_object_add(o, "state", json_object_new_string(r->state));
		json_object_object_add(o, "error", e ? json_object_new_string(e) : NULL);
		json_object_object_add(o, "desired", json_or_null(r->desired));
		json_object_object_add(o, "status", json_or_null(r->status));
		json_object_array_add(objs, o);
	}
	json_object_object_add(root, "objects", objs);
	return root;
}
