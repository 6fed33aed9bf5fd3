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

static json_object *object_json(const struct object *o)
{
	json_object *j = json_object_new_object();
	char ip[INET_ADDRSTRLEN];

	if (!j)
		return NULL;
	if (o->kind == KIND_FORWARD) {
		inet_ntop(AF_INET, &o->fwd.target_ip, ip, sizeof(ip));
		json_object_object_add(j, "public_port", json_object_new_int(o->fwd.public_port));
		json_object_object_add(j, "target_ip", json_object_new_string(ip));
		json_object_object_add(j, "target_port", json_object_new_int(o->fwd.target_port));
		json_object_object_add(j, "proto", json_object_new_string(proto_name(o->fwd.proto)));
	} else {
		json_object_object_add(j, "hostname", json_object_new_string(o->route.hostname));
		json_object_object_add(j, "target_url", json_object_new_string(o->route.target_url));
		json_object_object_add(j, "entrypoint", json_object_new_string(o->route.entrypoint));
		json_object_object_add(j, "certresolver", o->route.certresolver ?
				       json_object_new_string(o->route.certresolver) : NULL);
	}
	return j;
}

int cache_render(struct strbuf *sb, const struct store *st, const char *node)
{
	json_object *root = json_object_new_object(), *sources = json_object_new_object();
	json_object *per[MAX_SOURCES][KIND_COUNT] = { { NULL } };
	int ret = 0;

	if (!root || !sources) {
		json_object_put(root);
		json_object_put(sources);
		return -ENOMEM;
	}
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "node", json_object_new_string(node));
	json_object_object_add(root, "sources", sources);
	for (size_t i = 0; i < st->n_sources; i++) {
		json_object *src = json_object_new_object();
		json_object_object_add(sources, st->names[i], src);
		for (int k = 0; k < KIND_COUNT; k++) {
			per[i][k] = json_object_new_object();
			json_object_object_add(src, kind_plural((enum kind)k), per[i][k]);
		}
	}
	hmap_each(&st->slots, it) {
		const struct slot *s = it->val;
		for (size_t i = 0; i < st->n_sources; i++) {
			json_object *j;
			if (!s->src[i] || !s->src[i]->good)
				continue;
			j = object_json(s->src[i]->good);
			if (!j) {
				ret = -ENOMEM;
				goto out;
			}
			json_object_object_add(per[i][s->kind], s->id, j);
		}
	}
	strbuf_reset(sb);
	strbuf_puts(sb, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_puts(sb, "\n");
	ret = sb->err;
out:
	json_object_put(root);
	return ret;
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
