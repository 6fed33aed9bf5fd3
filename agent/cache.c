#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "fnv.h"
#include "fileio.h"
#include "forward_json.h"
#include "journal.h"
#include "json_strict.h"
#include "log.h"
#include "payload.h"
#include "route_json.h"

#define CACHE_NAME "state.json"
#define CACHE_DEPTH 8       /* version 1: root, sources, source, kind, objects, object, value */

static void object_json(struct strbuf *sb, const struct object *o)
{
	if (o->kind == KIND_FORWARD)
		forward_json(sb, &o->fwd);
	else
		route_json(sb, &o->route);
}

static void source_render(struct strbuf *sb, const struct store *st, int source, uint64_t seq,
			  uint64_t digest, const struct object *spec)
{
	char hex[DIGEST_LEN];

	strbuf_printf(sb, "{\"source\":");
	strbuf_json_str(sb, st->names[source]);
	strbuf_printf(sb, ",\"seq\":%llu", (unsigned long long)seq);
	if (digest) {
		payload_digest_hex(digest, hex);
		strbuf_printf(sb, ",\"digest\":\"%s\"", hex);
	}
	if (spec) {
		strbuf_puts(sb, ",\"spec\":");
		object_json(sb, spec);
	}
	strbuf_puts(sb, "}");
}

void cache_record(struct strbuf *sb, const struct store *st, const struct slot *s)
{
	const struct entry *e;
	bool first = true;

	strbuf_printf(sb, "{\"kind\":\"%s\",\"id\":", object_kind_name(s->kind));
	strbuf_json_str(sb, s->id);
	strbuf_puts(sb, ",\"entries\":[");
	for (size_t i = 0; i < st->n_sources; i++) {
		if (!(e = &s->src[i])->good)
			continue;
		strbuf_puts(sb, first ? "" : ",");
		first = false;
		/* the digest is good's only while no later message was rejected */
		source_render(sb, st, (int)i, e->seq, e->error ? 0 : e->digest, e->good);
	}
	strbuf_puts(sb, "]");
	if (s->want && s->want_source >= 0) {
		e = &s->src[s->want_source];
		strbuf_puts(sb, ",\"serving\":");
		source_render(sb, st, s->want_source, s->want_seq, 0,
			      e->good == s->want ? NULL : s->want);
	}
	strbuf_puts(sb, "}\n");
}

static bool slot_cached(const struct store *st, const struct slot *s)
{
	for (size_t i = 0; i < st->n_sources; i++)
		if (s->src[i].good)
			return true;
	return s->want != NULL;
}

size_t cache_changes(struct strbuf *sb, const struct store *st, struct slot **v, size_t n)
{
	size_t changed = 0;

	for (size_t i = 0; i < n; i++) {
		struct slot *s = v[i];
		size_t at = sb->len;
		uint64_t h = 0;
		if (s->saved)
			continue;
		if (slot_cached(st, s) || s->saved_hash) {
			cache_record(sb, st, s);
			h = slot_cached(st, s) && !sb->err ? fnv_hash(sb->buf + at, sb->len - at) : 0;
		}
		if (sb->err)
			continue;
		s->saved = true;
		if (h == s->saved_hash) {
			sb->len = at;
			continue;
		}
		s->saved_hash = h;
		changed++;
	}
	return changed;
}

/*
 * Written directly rather than through a json-c tree: with tens of thousands of objects the
 * tree cost ~100 ms and tens of MiB on every save. One line per id, the same records as
 * the journal, so cache_parse reads both.
 */
int cache_render(struct strbuf *sb, struct store *st, const char *node)
{
	strbuf_reset(sb);
	strbuf_puts(sb, "{\"version\":2,\"node\":");
	strbuf_json_str(sb, node);
	strbuf_puts(sb, "}\n");
	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		size_t at = sb->len;
		s->saved_hash = 0;      /* nothing cached */
		if (slot_cached(st, s))
			cache_record(sb, st, s);
		if (sb->len > at && !sb->err)
			s->saved_hash = fnv_hash(sb->buf + at, sb->len - at);
		s->saved = true;
	}
	return sb->err;
}

static int source_index(const struct store *st, json_object *rec)
{
	json_object *v;

	if (!json_object_object_get_ex(rec, "source", &v) || !json_object_is_type(v, json_type_string))
		return -1;
	for (size_t i = 0; i < st->n_sources; i++)
		if (strcmp(st->names[i], json_object_get_string(v)) == 0)
			return (int)i;
	return -1;
}

static uint64_t record_seq(json_object *rec)
{
	json_object *v;

	if (!json_object_object_get_ex(rec, "seq", &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

/* The spec of a source record, re-validated under pol; NULL (with a warning) if refused. */
static struct object *record_spec(const struct store *st, enum kind kind, const char *id,
				  int source, json_object *rec, const struct policy *pol)
{
	char err[ERR_LEN];
	struct object *o = NULL;
	json_object *spec;

	if (!json_object_object_get_ex(rec, "spec", &spec))
		return NULL;
	if (payload_parse_tree(kind, id, spec, pol, &o, err, sizeof(err))) {
		log_warn("cache: dropping %s %s from source %s: %s", object_kind_name(kind), id,
			 st->names[source], err);
		return NULL;
	}
	return o;
}

/* The digest of the payload an entry came from; 0: not recorded (earlier versions). */
static uint64_t record_digest(json_object *rec)
{
	json_object *v;
	const char *hex;
	char *end;
	uint64_t d;

	if (!json_object_object_get_ex(rec, "digest", &v) || !json_object_is_type(v, json_type_string))
		return 0;
	hex = json_object_get_string(v);
	d = strtoull(hex, &end, 16);
	return strlen(hex) == DIGEST_LEN - 1 && !*end ? d : 0;
}

/*
 * A record replaces everything known about its id; line_hash is the hash of the line it
 * was read from, which a render of the slot reproduces: the slot is saved as it is.
 */
static int record_apply(struct store *st, json_object *rec, const struct policy *pol,
			uint64_t line_hash)
{
	json_object *v, *entries, *serving;
	struct object *o;
	struct slot *s;
	enum kind kind;
	const char *id;
	int source, ret;

	if (!json_object_object_get_ex(rec, "kind", &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	if (strcmp(json_object_get_string(v), object_kind_name(KIND_ROUTE)) == 0)
		kind = KIND_ROUTE;
	else if (strcmp(json_object_get_string(v), object_kind_name(KIND_FORWARD)) == 0)
		kind = KIND_FORWARD;
	else
		return -EINVAL;
	if (!json_object_object_get_ex(rec, "id", &v) || !json_object_is_type(v, json_type_string) ||
	    !payload_id_valid(json_object_get_string(v), strlen(json_object_get_string(v))))
		return -EINVAL;
	id = json_object_get_string(v);
	if (store_get(st, kind, id)) {          /* a journal record over an earlier one */
		for (size_t i = 0; i < st->n_sources; i++)
			store_delete(st, kind, (int)i, id);
		store_pin(st, kind, id, NULL, -1, 0);
	}
	if (json_object_object_get_ex(rec, "entries", &entries) &&
	    json_object_is_type(entries, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(entries); i++) {
			json_object *e = json_object_array_get_idx(entries, i);
			if ((source = source_index(st, e)) < 0 ||
			    !(o = record_spec(st, kind, id, source, e, pol)))
				continue;
			ret = store_put(st, kind, source, id, o, NULL, 0, record_seq(e));
			if (ret)
				return ret;
			store_digest(st, kind, source, id, record_digest(e));
		}
	}
	s = store_get(st, kind, id);
	if (json_object_object_get_ex(rec, "serving", &serving) &&
	    (source = source_index(st, serving)) >= 0) {
		if (json_object_object_get_ex(serving, "spec", &v))
			o = record_spec(st, kind, id, source, serving, pol);
		else
			o = s ? object_ref(s->src[source].good) : NULL;
		if (o)
			store_pin(st, kind, id, o, source, record_seq(serving));
	}
	if (s) {
		s->saved_hash = slot_cached(st, s) ? line_hash : 0;
		s->saved = true;
	}
	return 0;
}

/* The earlier format: one document of every source's objects, without ranks. */
static int cache_parse_v1(struct store *st, json_object *root, const struct policy *pol)
{
	json_object *sources;

	if (!json_object_object_get_ex(root, "sources", &sources) ||
	    !json_object_is_type(sources, json_type_object))
		return -EINVAL;
	for (size_t i = 0; i < st->n_sources; i++) {
		json_object *src, *objs;
		if (!json_object_object_get_ex(sources, st->names[i], &src))
			continue;
		for (int k = 0; k < KIND_COUNT; k++) {
			if (!json_object_object_get_ex(src, object_kind_plural((enum kind)k),
						       &objs) ||
			    !json_object_is_type(objs, json_type_object))
				continue;
			json_object_object_foreach(objs, id, val) {
				json_object *rec = json_object_new_object();
				int ret;
				if (!rec)
					return -ENOMEM;
				json_object_object_add(rec, "source", json_object_new_string(st->names[i]));
				json_object_object_add(rec, "spec", json_object_get(val));
				char quoted[3 * ID_LEN];
				struct object *o = payload_id_valid(id, strlen(id)) ?
					record_spec(st, (enum kind)k, id, (int)i, rec, pol) : NULL;
				if (!payload_id_valid(id, strlen(id)))
					log_warn("cache: dropping %s %s from source %s: the id does not "
						 "match [a-z0-9][a-z0-9_-]{0,62}",
						 object_kind_name((enum kind)k),
						 log_quote(quoted, sizeof(quoted), id), st->names[i]);
				json_object_put(rec);
				if (o && (ret = store_put(st, (enum kind)k, (int)i, id, o, NULL, 0, 0)))
					return ret;
			}
		}
	}
	return 0;
}

/* One line through the strict reader: a key named twice makes it unreadable. */
static int record_read(const char *p, size_t n, json_object **rec)
{
	enum json_tokener_error jerr;
	struct json_strict_dup dup;
	size_t at;
	int ret;

	ret = json_strict_parse(p, n, CACHE_DEPTH, rec, &jerr, &at);
	if (!ret)
		ret = json_strict_keys(p, n, NULL, NULL, &dup);
	if (!ret && dup.found)
		ret = -EINVAL;
	if (ret) {
		json_object_put(*rec);
		*rec = NULL;
	}
	return ret;
}

/* Applies each complete line; a line without its newline is a write cut short, ignored. */
static int lines_parse(struct store *st, const char *buf, size_t len, const struct policy *pol,
		       bool snapshot, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t bad = 0, lineno = 0;
	int ret = 0;

	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		json_object *rec = NULL, *version = NULL;

		ret = record_read(p, (size_t)(nl - p), &rec);
		if (ret == -ENOMEM)
			break;
		if (ret || !json_object_is_type(rec, json_type_object))
			ret = -EINVAL;
		else if (snapshot && !lineno++ &&
			 !json_object_object_get_ex(rec, "version", &version))
			ret = -EINVAL;
		else if (version && json_object_get_int(version) == 1)
			ret = cache_parse_v1(st, rec, pol);
		else if (!version)
			ret = record_apply(st, rec, pol, fnv_hash(p, (size_t)(nl - p) + 1));
		else if (json_object_get_int(version) != 2)
			ret = -EINVAL;
		json_object_put(rec);
		if (ret == -EINVAL && !(snapshot && lineno <= 1)) {
			bad++;
			ret = 0;
		}
		if (ret)
			break;
	}
	if (!ret && snapshot && !lineno)
		ret = -EINVAL;
	if (ret == -EINVAL)
		snprintf(err, errlen, "not a cache document (version 1 or 2)");
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	else if (bad)
		log_warn("cache: %zu unreadable record(s) skipped", bad);
	return ret;
}

int cache_parse(struct store *st, const char *buf, size_t len, const struct policy *pol,
		char *err, size_t errlen)
{
	return lines_parse(st, buf, len, pol, true, err, errlen);
}

int cache_parse_journal(struct store *st, const char *buf, size_t len, const struct policy *pol,
			char *err, size_t errlen)
{
	return lines_parse(st, buf, strnlen(buf, len), pol, false, err, errlen);
}

int cache_save(const char *dir, struct store *st, const char *node, size_t *bytes,
	       char *err, size_t errlen)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	ret = cache_render(&sb, st, node);
	if (ret) {
		snprintf(err, errlen, "cache: %s", strerror(-ret));
		goto out;
	}
	ret = fileio_write_atomic(dir, CACHE_NAME, sb.buf, sb.len, 0600, err, errlen);
	if (!ret && bytes)
		*bytes = sb.len;
out:
	strbuf_free(&sb);
	return ret;
}

static int load_file(const char *dir, const char *name, struct store *st, const struct policy *pol,
		     bool snapshot, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	char why[256];
	int ret;

	ret = fileio_read(dir, name, &buf, &len, 256u << 20);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		snprintf(err, errlen, "read %s/%s: %s", dir, name, strerror(-ret));
		return ret;
	}
	ret = snapshot ? cache_parse(st, buf, len, pol, why, sizeof(why)) :
			 cache_parse_journal(st, buf, len, pol, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s/%s: %s", dir, name, why);
	free(buf);
	return ret;
}

int cache_load(const char *dir, struct store *st, const struct policy *pol, char *err, size_t errlen)
{
	int ret = load_file(dir, CACHE_NAME, st, pol, true, err, errlen);
	int jret = ret && ret != -ENOENT ? ret : load_file(dir, JOURNAL_NAME, st, pol, false, err, errlen);

	store_pin_claims(st);
	if (jret && jret != -ENOENT)
		return jret;
	return ret == -ENOENT && jret == -ENOENT ? -ENOENT : 0;
}
