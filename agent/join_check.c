/*
 * Whole-document checks. json-c keeps the last of duplicate keys, so keys are counted in
 * the raw text: they run after the schema walk, when the root holds only known fields
 * and the peers array is the only container holding objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "join_field.h"
#include "wg_device.h"
#include "wg_key.h"

#define SEEN_MAX 8
#define NAME_MAX_LEN 24

typedef void (*key_fn)(void *arg, long obj, const char *tok, size_t n);

static size_t string_end(const char *buf, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (buf[i] == '\\')
			i++;
		else if (buf[i] == '"')
			return i;
	}
	return len - 1;
}

/* Calls fn for each key token (quotes included) of the root (obj -1) and of peers[obj]. */
static void keys_walk(const char *buf, size_t len, key_fn fn, void *arg)
{
	char stack[8];
	size_t depth = 0, end;
	bool want_key = false;
	long peer = -1;

	for (size_t i = 0; i < len; i++) {
		switch (buf[i]) {
		case '"':
			end = string_end(buf, len, i);
			if (want_key && (depth == 1 || (depth == 3 && stack[1] == '[')))
				fn(arg, depth == 1 ? -1 : peer, buf + i, end - i + 1);
			want_key = false;
			i = end;
			break;
		case '{':
		case '[':
			if (depth == sizeof(stack))
				return;
			stack[depth++] = buf[i];
			want_key = buf[i] == '{';
			if (depth == 3 && buf[i] == '{' && stack[1] == '[')
				peer++;
			break;
		case '}':
		case ']':
			depth -= depth > 0;
			want_key = false;
			break;
		case ',':
			want_key = depth && stack[depth - 1] == '{';
			break;
		}
	}
}

struct key_count {
	size_t root;
	size_t *peer;
	size_t n_peers;
};

static void key_count(void *arg, long obj, const char *tok, size_t n)
{
	struct key_count *kc = arg;

	if (obj < 0)
		kc->root++;
	else if ((size_t)obj < kc->n_peers)
		kc->peer[obj]++;
}

struct key_dup {
	long target;
	char seen[SEEN_MAX][NAME_MAX_LEN];
	size_t n_seen;
	char dup[NAME_MAX_LEN];
};

/* json-c's own decoding, so "m\u0074u" and "mtu" are the same key, as json-c saw them. */
static void key_decode(const char *tok, size_t n, char out[NAME_MAX_LEN])
{
	struct json_tokener *t = json_tokener_new();
	struct json_object *s = t ? json_tokener_parse_ex(t, tok, (int)n) : NULL;

	snprintf(out, NAME_MAX_LEN, "%s", s ? json_object_get_string(s) : "");
	json_object_put(s);
	if (t)
		json_tokener_free(t);
}

static void key_dup(void *arg, long obj, const char *tok, size_t n)
{
	struct key_dup *kd = arg;
	char name[NAME_MAX_LEN];

	if (obj != kd->target || kd->dup[0] || kd->n_seen == SEEN_MAX)
		return;
	key_decode(tok, n, name);
	for (size_t i = 0; i < kd->n_seen; i++)
		if (!strcmp(kd->seen[i], name))
			memcpy(kd->dup, name, sizeof(name));
	memcpy(kd->seen[kd->n_seen++], name, sizeof(name));
}

static int keys_dup_report(const char *buf, size_t len, long target, char *err,
			   size_t errlen)
{
	struct key_dup kd = { .target = target };

	keys_walk(buf, len, key_dup, &kd);
	if (target < 0)
		return join_fail(err, errlen, "duplicate field \"%s\"", kd.dup);
	return join_fail(err, errlen, "peers[%ld]: duplicate field \"%s\"", target, kd.dup);
}

int join_keys_check(const char *buf, size_t len, struct json_object *root, char *err,
		    size_t errlen)
{
	struct json_object *peers = NULL;
	struct key_count kc = { 0 };
	int ret = 0;

	json_object_object_get_ex(root, "peers", &peers);
	kc.n_peers = json_object_array_length(peers);
	kc.peer = kc.n_peers ? calloc(kc.n_peers, sizeof(*kc.peer)) : NULL;
	if (kc.n_peers && !kc.peer)
		return -ENOMEM;
	keys_walk(buf, len, key_count, &kc);
	if (kc.root != (size_t)json_object_object_length(root)) {
		ret = keys_dup_report(buf, len, -1, err, errlen);
		goto out;
	}
	for (size_t i = 0; i < kc.n_peers; i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);

		if (kc.peer[i] != (size_t)json_object_object_length(p)) {
			ret = keys_dup_report(buf, len, (long)i, err, errlen);
			goto out;
		}
	}
out:
	free(kc.peer);
	return ret;
}

struct key_ref {
	const uint8_t *key;
	size_t peer;
};

struct net_ref {
	const struct cidr *c;
	size_t peer, idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int d = memcmp(x->key, y->key, WG_KEY_LEN);

	return d ? d : (x->peer > y->peer) - (x->peer < y->peer);
}

static int net_ref_cmp(const void *a, const void *b)
{
	const struct net_ref *x = a, *y = b;
	int d = wg_cidr_cmp(x->c, y->c);

	if (d)
		return d;
	if (x->peer != y->peer)
		return x->peer < y->peer ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Of all repeats, the one whose second occurrence comes first in the document. */
static int keys_repeat(const struct wg_join *j, char *err, size_t errlen)
{
	struct key_ref *v = j->n_peers ? calloc(j->n_peers, sizeof(*v)) : NULL;
	size_t first = 0, a = 0, b = SIZE_MAX;
	char text[WG_KEY_B64_LEN];

	if (j->n_peers && !v)
		return -ENOMEM;
	for (size_t i = 0; i < j->n_peers; i++)
		v[i] = (struct key_ref){ j->peers[i].public_key, i };
	if (j->n_peers > 1)
		qsort(v, j->n_peers, sizeof(*v), key_ref_cmp);
	for (size_t i = 1; i < j->n_peers; i++) {
		if (memcmp(v[i].key, v[i - 1].key, WG_KEY_LEN))
			first = i;
		else if (v[i].peer < b)
			a = v[first].peer, b = v[i].peer;
	}
	free(v);
	if (b == SIZE_MAX)
		return 0;
	wg_key_to_base64(text, j->peers[b].public_key);
	return join_fail(err, errlen, "peers[%zu].public_key \"%s\" repeats peers[%zu].public_key",
			 b, text, a);
}

static int nets_repeat(const struct wg_join *j, char *err, size_t errlen)
{
	const struct net_ref *a = NULL, *b = NULL;
	struct net_ref *v;
	size_t n = 0, k = 0, first = 0;
	char text[64];
	int ret = 0;

	for (size_t i = 0; i < j->n_peers; i++)
		n += j->peers[i].n_allowed;
	v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		return -ENOMEM;
	for (size_t i = 0; i < j->n_peers; i++)
		for (size_t x = 0; x < j->peers[i].n_allowed; x++)
			v[k++] = (struct net_ref){ &j->peers[i].allowed[x], i, x };
	if (n > 1)
		qsort(v, n, sizeof(*v), net_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		if (wg_cidr_cmp(v[i].c, v[i - 1].c))
			first = i;
		else if (!b || v[i].peer < b->peer || (v[i].peer == b->peer && v[i].idx < b->idx))
			a = &v[first], b = &v[i];
	}
	if (b) {
		address_format(text, sizeof(text), b->c->family, b->c->addr);
		ret = join_fail(err, errlen, "peers[%zu].allowed_ips[%zu] \"%s/%u\" repeats "
				"peers[%zu].allowed_ips[%zu] (accepted: each network in one place)",
				b->peer, b->idx, text, b->c->prefix, a->peer, a->idx);
	}
	free(v);
	return ret;
}

int join_repeats_check(const struct wg_join *j, char *err, size_t errlen)
{
	int ret = keys_repeat(j, err, errlen);

	return ret ? ret : nets_repeat(j, err, errlen);
}
