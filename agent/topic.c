#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "topic.h"

void topic_format(char *buf, size_t len, const char *prefix, const char *node, const char *rest)
{
	snprintf(buf, len, "%s/%s/%s", prefix, node, rest);
}

static size_t level_len(const char *s)
{
	return strcspn(s, "/");
}

static bool level_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

bool topic_split(const char *topic, const char *prefix, char name[ID_LEN], const char **rest)
{
	size_t n = level_len(topic);
	const char *a = topic + n + 1;

	if (!level_is(topic, n, prefix) || topic[n] != '/')
		return false;
	n = level_len(a);
	if (a[n] != '/' || !payload_id_valid(a, n))
		return false;
	memcpy(name, a, n);
	name[n] = '\0';
	*rest = a + n + 1;
	return true;
}

bool topic_object(const char *rest, enum kind *kind, char id[ID_LEN])
{
	size_t n = level_len(rest);
	const char *s = rest + n + 1;

	if (!rest[n])
		return false;
	if (level_is(rest, n, "routes"))
		*kind = KIND_ROUTE;
	else if (level_is(rest, n, "forwards"))
		*kind = KIND_FORWARD;
	else
		return false;
	n = strlen(s);
	if (!payload_id_valid(s, n))
		return false;
	memcpy(id, s, n + 1);
	return true;
}

static enum topic_type status_parse(const char *rest, struct topic_ref *ref)
{
	enum kind kind;

	if (topic_object(rest, &kind, ref->id))
		ref->kind = kind;
	return TOPIC_STATUS;
}

enum topic_type topic_parse(const char *topic, const char *prefix,
			    const char *const *names, size_t n_names,
			    struct topic_ref *ref, char *err, size_t errlen)
{
	const char *p = topic, *src, *kind, *id, *what, *plural;
	bool set = false;
	size_t n, src_n, kind_n, id_n;
	char q[96];

	memset(ref, 0, sizeof(*ref));
	ref->source = -1;
	n = level_len(p);
	if (!level_is(p, n, prefix) || p[n] != '/')
		return ref->type = TOPIC_OTHER;
	src = p + n + 1;
	src_n = level_len(src);
	for (size_t i = 0; i < n_names; i++)
		if (level_is(src, src_n, names[i]))
			ref->source = (int)i;
	if (ref->source < 0 || src[src_n] != '/')
		return ref->type = TOPIC_OTHER;
	kind = src + src_n + 1;
	kind_n = level_len(kind);
	if (ref->source == 0 && level_is(kind, kind_n, "sync") && !kind[kind_n])
		return ref->type = TOPIC_SYNC;
	if (ref->source == 0 && level_is(kind, kind_n, "confirm") && !kind[kind_n])
		return ref->type = TOPIC_CONFIRM;
	if (ref->source == 0 && level_is(kind, kind_n, "wireguard") && !kind[kind_n])
		return ref->type = TOPIC_WIREGUARD;
	if (ref->source == 0 && level_is(kind, kind_n, "status") && kind[kind_n] == '/')
		return ref->type = status_parse(kind + kind_n + 1, ref);
	if (level_is(kind, kind_n, "routes"))
		ref->kind = KIND_ROUTE;
	else if (level_is(kind, kind_n, "forwards"))
		ref->kind = KIND_FORWARD;
	else if (level_is(kind, kind_n, "sets"))
		set = true;
	else
		return ref->type = TOPIC_OTHER;
	what = set ? "set" : object_kind_name(ref->kind);
	plural = set ? "sets" : object_kind_plural(ref->kind);
	if (!kind[kind_n]) {
		snprintf(err, errlen, "topic %s has no id (accepted: .../%s/<id>)", topic, plural);
		return ref->type = TOPIC_BAD;
	}
	id = kind + kind_n + 1;
	id_n = level_len(id);
	if (id[id_n]) {
		payload_quote(q, sizeof(q), topic, strlen(topic));
		snprintf(err, errlen, "topic %s is too deep (accepted: %s/<node or group>/%s/<id>)",
			 q, prefix, plural);
		return ref->type = TOPIC_BAD;
	}
	if (!payload_id_valid(id, id_n)) {
		payload_quote(q, sizeof(q), id, id_n);
		snprintf(err, errlen, "%s %s: id does not match [a-z0-9][a-z0-9_-]{0,62}", what, q);
		return ref->type = TOPIC_BAD;
	}
	memcpy(ref->id, id, id_n);
	ref->id[id_n] = '\0';
	return ref->type = set ? TOPIC_SET : TOPIC_OBJECT;
}
