#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "fleet.h"
#include "topic.h"

void fleet_init(struct fleet *f, const struct ctl_args *a, const char *prefix,
		const char *payload, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->cmd = a->cmd;
	f->kind = a->kind;
	snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
	snprintf(f->group, sizeof(f->group), "%s", a->target);
	snprintf(f->id, sizeof(f->id), "%s", a->id);
	if (payload)
		payload_digest(payload, len, f->digest);
}

void fleet_free(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++)
		report_object_free(&f->v[i].st);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

int fleet_topics(struct fleet *f, char **topics)
{
	snprintf(f->topics[0], sizeof(f->topics[0]), "%s/+/status", f->prefix);
	snprintf(f->topics[1], sizeof(f->topics[1]), "%s/+/status/%s/%s", f->prefix,
		 object_kind_plural(f->kind), f->id);
	snprintf(f->topics[2], sizeof(f->topics[2]), "%s/_bridges/+", f->prefix);
	for (int i = 0; i < 3; i++)
		topics[i] = f->topics[i];
	return 3;
}

static struct member *member_get(struct fleet *f, const char *node)
{
	struct member *v;

	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].node, node))
			return &f->v[i];
	if (f->frozen)
		return NULL;
	v = array_grow(f->v, &f->cap, f->n + 1, sizeof(*v), 64);
	if (!v)
		return NULL;
	f->v = v;
	v = &f->v[f->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->node, sizeof(v->node), "%s", node);
	return v;
}

void fleet_feed(struct fleet *f, const struct msg *m)
{
	char node[ID_LEN];
	const char *rest;
	struct member *mb;

	if (report_bridges_note(&f->br, f->prefix, m->topic, m->payload, m->len))
		return;
	if (!topic_split(m->topic, f->prefix, node, &rest) || !(mb = member_get(f, node)))
		return;
	if (!strcmp(rest, "status"))
		report_node_parse(&mb->ni, m->payload, m->len);
	else
		report_object_parse(&mb->st, m->payload, m->len);
}

void fleet_freeze(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct member *m = &f->v[i];
		m->member = m->ni.online && report_node_follows(&m->ni, f->group);
		m->cut = m->member && report_bridges_cut(&f->br, &m->ni);
	}
	f->frozen = true;
}

enum member_state fleet_member_state(const struct fleet *f, const struct member *m)
{
	const struct obj_status *st = &m->st;

	if (f->cmd == CMD_RM)
		return !st->present || strcmp(st->source, f->group) ? M_REMOVED : M_WAIT;
	if (!st->present)
		return M_WAIT;
	if (strcmp(st->source, f->group))
		return M_SHADOWED;      /* the node's own object or an earlier group's wins */
	if (strcmp(st->digest, f->digest))
		return M_WAIT;
	return !strcmp(st->state, "applied") ? M_APPLIED : !strcmp(st->state, "failed") ?
	       M_FAILED : M_REJECTED;
}

void fleet_tally(const struct fleet *f, struct fleet_tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < f->n; i++) {
		const struct member *m = &f->v[i];
		if (!m->member)
			continue;
		t->members++;
		if (m->cut) {
			t->cut++;
			continue;
		}
		switch (fleet_member_state(f, m)) {
		case M_WAIT: t->waiting++; break;
		case M_APPLIED: t->applied++; break;
		case M_REMOVED: t->removed++; break;
		case M_REJECTED: t->rejected++; break;
		case M_FAILED: t->failed++; break;
		case M_SHADOWED: t->shadowed++; break;
		}
	}
}
