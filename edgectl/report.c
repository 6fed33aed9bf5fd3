#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "payload.h"
#include "report.h"

static json_object *parse_object(const char *buf, size_t len)
{
	json_object *o;

	if (!len || len > 1 << 20)
		return NULL;
	o = json_tokener_parse(buf);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool get_true(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

void report_object_free(struct obj_status *st)
{
	free(st->error);
	memset(st, 0, sizeof(*st));
}

void report_object_parse(struct obj_status *st, const char *buf, size_t len)
{
	json_object *o;
	const char *s;

	report_object_free(st);
	if (!len)
		return;
	st->present = true;
	o = parse_object(buf, len);
	s = o ? get_string(o, "state") : NULL;
	snprintf(st->state, sizeof(st->state), "%s",
		 s && (!strcmp(s, "applied") || !strcmp(s, "rejected") || !strcmp(s, "failed")) ?
		 s : "invalid");
	s = o ? get_string(o, "source") : NULL;
	if (s && payload_id_valid(s, strlen(s)))
		snprintf(st->source, sizeof(st->source), "%s", s);
	s = o ? get_string(o, "digest") : NULL;
	if (s && strlen(s) == DIGEST_LEN - 1)
		snprintf(st->digest, sizeof(st->digest), "%s", s);
	s = o ? get_string(o, "error") : NULL;
	if (s)
		st->error = strdup(s);
	st->serving_previous = o && get_true(o, "serving_previous");
	json_object_put(o);
}

void report_node_parse(struct node_info *ni, const char *buf, size_t len)
{
	json_object *o = parse_object(buf, len), *g;
	const char *s;

	memset(ni, 0, sizeof(*ni));
	if (!len)
		return;
	ni->present = true;
	if (!o)
		return;
	s = get_string(o, "state");
	ni->online = s && !strcmp(s, "online");
	ni->synced = get_true(o, "synced");
	s = get_string(o, "broker");
	if (s) {
		struct broker_list l;
		char err[320];
		if (broker_list_parse(&l, s, err, sizeof(err)) == 0 && l.n == 1)
			snprintf(ni->broker_host, sizeof(ni->broker_host), "%s", l.v[0].host);
	}
	if (json_object_object_get_ex(o, "groups", &g) && json_object_is_type(g, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(g) && ni->n_groups < MAX_SOURCES - 1; i++) {
			s = json_object_get_string(json_object_array_get_idx(g, i));
			if (s && payload_id_valid(s, strlen(s)))
				snprintf(ni->groups[ni->n_groups++], ID_LEN, "%s", s);
		}
	}
	json_object_put(o);
}

bool report_node_follows(const struct node_info *ni, const char *group)
{
	for (size_t i = 0; i < ni->n_groups; i++)
		if (!strcmp(ni->groups[i], group))
			return true;
	return false;
}

bool report_bridges_note(struct bridges *b, const char *prefix, const char *topic,
			 const char *payload, size_t len)
{
	size_t pl = strlen(prefix), i;
	const char *host;

	if (strncmp(topic, prefix, pl) || strncmp(topic + pl, "/_bridges/", 10))
		return false;
	host = topic + pl + 10;
	if (!*host || strchr(host, '/') || strlen(host) >= sizeof(b->host[0]))
		return true;
	for (i = 0; i < b->n && strcmp(b->host[i], host); i++)
		;
	if (i == b->n) {
		if (b->n == BRIDGES_MAX)
			return true;
		snprintf(b->host[b->n++], sizeof(b->host[0]), "%s", host);
	}
	b->up[i] = !(len == 1 && payload[0] == '0');
	return true;
}

bool report_bridges_cut(const struct bridges *b, const struct node_info *ni)
{
	for (size_t i = 0; ni->broker_host[0] && i < b->n; i++)
		if (!strcmp(b->host[i], ni->broker_host))
			return !b->up[i];
	return false;
}
