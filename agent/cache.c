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
#include "fileio.h"
#include "log.h"
#include "payload.h"

#define CACHE_NAME "state.json"

/* A JSON string: quotes, backslashes and control characters escaped, other bytes as they are. */
static void json_str(struct strbuf *sb, const char *s)
{
	const char *run = s;

	strbuf_add(sb, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			strbuf_printf(sb, "\\%c", c);
		else
			strbuf_printf(sb, "\\u%04x", c);
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
	strbuf_add(sb, "\"", 1);
}

static void object_json(struct strbuf *sb, const struct object *o)
{
	char ip[INET_ADDRSTRLEN], buf[160];
	int n;

	if (o->kind == KIND_FORWARD) {
		inet_ntop(AF_INET, &o->fwd.target_ip, ip, sizeof(ip));
		n = snprintf(buf, sizeof(buf), "{\"public_port\":%u,\"target_ip\":\"%s\","
			     "\"target_port\":%u,\"proto\":\"%s\"}", o->fwd.public_port, ip,
			     o->fwd.target_port, proto_name(o->fwd.proto));
		strbuf_add(sb, buf, (size_t)n);
		return;
	}
	strbuf_puts(sb, "{\"hostname\":");
	json_str(sb, o->route.hostname);
	strbuf_puts(sb, ",\"target_url\":");
	json_str(sb, o->route.target_url);
	strbuf_puts(sb, ",\"entrypoint\":");
	json_str(sb, o->route.entrypoint);
	strbuf_puts(sb, ",\"certresolver\":");
	if (o->route.certresolver)
		json_str(sb, o->route.certresolver);
	else
		strbuf_puts(sb, "null");
	strbuf_puts(sb, "}");
}

/*
 * Written directly rather than through a json-c tree: with tens of thousands of objects the
 * tree cost ~100 ms and tens of MiB on every debounced save. cache_parse reads it back.
 */
int cache_render(struct strbuf *sb, const struct store *st, const char *node)
{
	strbuf_reset(sb);
	strbuf_puts(sb, "{\"version\":1,\"node\":");
	json_str(sb, node);
	strbuf_puts(sb, ",\"sources\":{");
	for (size_t i = 0; i < st->n_sources; i++) {
		strbuf_puts(sb, i ? "," : "");
		json_str(sb, st->names[i]);
		strbuf_puts(sb, ":{");
		for (int k = 0; k < KIND_COUNT; k++) {
			bool first = true;
			strbuf_printf(sb, "%s\"%s\":{", k ? "," : "", kind_plural((enum kind)k));
			hmap_each(&st->slots, it) {
				const struct slot *s = it->val;
				if (s->kind != (enum kind)k || !s->src[i] || !s->src[i]->good)
					continue;
				strbuf_puts(sb, first ? "" : ",");
				first = false;
				json_str(sb, s->id);
				strbuf_puts(sb, ":");
				object_json(sb, s->src[i]->good);
			}
			strbuf_puts(sb, "}");
		}
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "}}\n");
	return sb->err;
}

static int cache_parse_kind(struct store *st, int source, enum kind kind, json_object *objs,
			    const struct policy *pol)
{
	char err[ERR_LEN];
	int skipped = 0;

	if (!json_object_is_type(objs, json_type_object))
		return 0;
	json_object_object_foreach(objs, id, val) {
		const char *text = json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
		struct object *o = NULL;
		int ret;

		if (!id_valid(id, strlen(id)) ||
		    payload_parse(kind, id, text, strlen(text), pol, &o, err, sizeof(err))) {
			log_warn("cache: dropping %s %s from source %s: %s", kind_name(kind), id,
				 st->names[source], err);
			skipped++;
			continue;
		}
		ret = store_put(st, kind, source, id, o, NULL, 0);
		if (ret)
			return ret;
	}
	return skipped;
}

int cache_parse(struct store *st, const char *buf, size_t len, const struct policy *pol,
		char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *sources, *version;
	int ret = 0;

	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_object_get_ex(root, "version", &version) ||
	    json_object_get_int(version) != 1 ||
	    !json_object_object_get_ex(root, "sources", &sources) ||
	    !json_object_is_type(sources, json_type_object)) {
		snprintf(err, errlen, "not a version 1 cache document");
		ret = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < st->n_sources; i++) {
		json_object *src, *objs;
		if (!json_object_object_get_ex(sources, st->names[i], &src))
			continue;
		for (int k = 0; k < KIND_COUNT; k++) {
			if (!json_object_object_get_ex(src, kind_plural((enum kind)k), &objs))
				continue;
			ret = cache_parse_kind(st, (int)i, (enum kind)k, objs, pol);
			if (ret < 0) {
				snprintf(err, errlen, "%s", strerror(-ret));
				goto out;
			}
		}
	}
	ret = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

int cache_save(const char *dir, const struct store *st, const char *node, char *err, size_t errlen)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	ret = cache_render(&sb, st, node);
	if (ret) {
		snprintf(err, errlen, "cache: %s", strerror(-ret));
		goto out;
	}
	ret = file_write_atomic(dir, CACHE_NAME, sb.buf, sb.len, 0600, err, errlen);
out:
	strbuf_free(&sb);
	return ret;
}

int cache_load(const char *dir, struct store *st, const struct policy *pol, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	char why[256];
	int ret;

	ret = file_read(dir, CACHE_NAME, &buf, &len, 64u << 20);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		snprintf(err, errlen, "read %s/%s: %s", dir, CACHE_NAME, strerror(-ret));
		return ret;
	}
	ret = cache_parse(st, buf, len, pol, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s/%s: %s", dir, CACHE_NAME, why);
	free(buf);
	return ret;
}
