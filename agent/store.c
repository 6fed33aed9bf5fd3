#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *slot_key_of(const void *s)
{
	return store_key(s);
}

static const char *claim_key_of(const void *c)
{
	return ((const struct claim *)c)->key;
}

void store_init(struct store *st, const char *const *names, size_t n_sources)
{
	memset(st, 0, sizeof(*st));
	hmap_init_keyed(&st->slots, slot_key_of);
	hmap_init_keyed(&st->claims, claim_key_of);
	st->gen = 1;
	st->n_sources = n_sources < MAX_SOURCES ? n_sources : MAX_SOURCES;
	for (size_t i = 0; i < st->n_sources; i++)
		st->names[i] = names[i];
}

static void entry_clear(struct entry *e)
{
	object_unref(e->good);
	free(e->error);
	memset(e, 0, sizeof(*e));
}

static void slot_free(struct slot *s)
{
	for (int i = 0; i < s->n_src; i++)
		entry_clear(&s->src[i]);
	object_unref(s->want);
	object_unref(s->applied);
	status_reset(&s->status);
	if (s->n_claims > 1)
		free(s->claims.v);
	free(s->fail);
	free(s);
}

void store_slot_fail(struct slot *s, const char *msg)
{
	free(s->fail);
	s->fail = msg ? strdup(msg) : NULL;
}

void store_free(struct store *st)
{
	hmap_each(&st->slots, it)
		slot_free(it->val);
	hmap_each(&st->claims, it)
		store_claim_free(it->val);
	hmap_free(&st->slots);
	hmap_free(&st->claims);
	memset(st, 0, sizeof(*st));
}

static void slot_key(char *buf, size_t len, enum kind kind, const char *id)
{
	snprintf(buf, len, "%c:%s", kind == KIND_ROUTE ? 'r' : 'f', id);
}

struct slot *store_get(struct store *st, enum kind kind, const char *id)
{
	char key[ID_LEN + 2];

	slot_key(key, sizeof(key), kind, id);
	return hmap_get(&st->slots, key);
}

static struct slot *store_slot(struct store *st, enum kind kind, const char *id)
{
	struct slot *s = store_get(st, kind, id);
	size_t len, head;
	char *key;

	if (s)
		return s;
	len = 2 + strnlen(id, ID_LEN - 1) + 1;
	head = offsetof(struct slot, src) + st->n_sources * sizeof(struct entry);
	s = calloc(1, head + len);
	if (!s)
		return NULL;
	key = (char *)s + head;
	slot_key(key, len, kind, id);
	s->kind = kind;
	s->id = key + 2;
	s->n_src = (uint8_t)st->n_sources;
	s->want_source = -1;
	s->applied_source = -1;
	s->status.source = -1;
	if (hmap_put(&st->slots, key, s)) {
		free(s);
		return NULL;
	}
	st->counts[kind][ST_NONE]++;
	return s;
}

void store_count_state(struct store *st, const struct slot *s, enum obj_state old)
{
	st->counts[s->kind][old]--;
	st->counts[s->kind][s->status.state]++;
}

void store_mark_dirty(struct store *st, struct slot *s)
{
	if (s->dirty)
		return;
	s->dirty = true;
	s->next_dirty = st->dirty;
	st->dirty = s;
}

/* A claim's rank dates from when the object first asked for that port or host name. */
static uint64_t entry_seq(struct store *st, const struct slot *s, int source,
			  const struct entry *e, const struct object *obj, uint64_t seq)
{
	char key[CLAIM_KEY_LEN], was[CLAIM_KEY_LEN];

	store_claim_key(obj, key, sizeof(key));
	if (e->good && e->seq) {
		store_claim_key(e->good, was, sizeof(was));
		if (strcmp(key, was) == 0)
			return e->seq;
	}
	if (s->n_claims && s->want && s->want_source == source) {
		store_claim_key(s->want, was, sizeof(was));
		if (strcmp(key, was) == 0)
			return s->want_seq;
	}
	if (!seq)
		return ++st->seq;
	if (seq > st->seq)
		st->seq = seq;
	return seq;
}

int store_put(struct store *st, enum kind kind, int source, const char *id,
	      struct object *obj, const char *error, unsigned gen, uint64_t seq)
{
	struct slot *s;
	struct entry *e;

	if (source < 0 || (size_t)source >= st->n_sources)
		goto fail;
	s = store_slot(st, kind, id);
	if (!s)
		goto fail;
	e = &s->src[source];
	free(e->error);
	e->error = NULL;
	if (obj) {
		e->seq = entry_seq(st, s, source, e, obj, seq);
		object_unref(e->good);
		e->good = obj;
	} else {
		e->error = strdup(error ? error : "rejected");
	}
	e->gen = gen;
	s->saved = false;
	store_mark_dirty(st, s);
	return 0;
fail:
	object_unref(obj);
	return -ENOMEM;
}

void store_pin(struct store *st, enum kind kind, const char *id, struct object *obj, int source,
	       uint64_t seq)
{
	struct slot *s = obj ? store_slot(st, kind, id) : store_get(st, kind, id);

	if (obj && (!s || source < 0 || (size_t)source >= st->n_sources)) {
		object_unref(obj);
		obj = NULL;
	}
	if (!s)
		return;
	object_unref(s->want);
	s->want = obj;
	s->want_source = obj ? source : -1;
	s->want_seq = obj ? seq : 0;
	s->saved = false;
	if (seq > st->seq)
		st->seq = seq;
}

void store_digest(struct store *st, enum kind kind, int source, const char *id, uint64_t digest)
{
	struct slot *s = store_get(st, kind, id);

	if (s && source >= 0 && source < s->n_src && store_entry(s, source) &&
	    s->src[source].digest != digest) {
		s->src[source].digest = digest;
		s->saved = false;
	}
}

bool store_seen(struct store *st, enum kind kind, int source, const char *id, uint64_t digest,
		unsigned gen)
{
	struct slot *s = store_get(st, kind, id);
	struct entry *e = s && source >= 0 && source < s->n_src ? &s->src[source] : NULL;
	const struct object *o = e ? e->good : NULL;

	if (!o || e->error || !digest || e->digest != digest ||
	    (kind == KIND_ROUTE ? route_extra_of(&o->route)->n_allow_sets : o->fwd.n_allow_sets))
		return false;
	e->gen = gen;
	return true;
}

int store_delete(struct store *st, enum kind kind, int source, const char *id)
{
	struct slot *s = store_get(st, kind, id);

	if (!s || source < 0 || source >= s->n_src || !store_entry(s, source))
		return -ENOENT;
	entry_clear(&s->src[source]);
	s->saved = false;
	store_mark_dirty(st, s);
	return 0;
}

void store_sweep_count(const struct store *st, unsigned gen, size_t *stale, size_t *total)
{
	*stale = *total = 0;
	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		for (int i = 0; i < s->n_src; i++) {
			if (!store_entry(s, i))
				continue;
			(*total)++;
			if (s->src[i].gen < gen)
				(*stale)++;
		}
	}
}

size_t store_sweep(struct store *st, unsigned gen)
{
	size_t n = 0;

	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		for (int i = 0; i < s->n_src; i++) {
			if (store_entry(s, i) && s->src[i].gen < gen) {
				entry_clear(&s->src[i]);
				s->saved = false;
				store_mark_dirty(st, s);
				n++;
			}
		}
	}
	return n;
}

struct slot *store_take_touched(struct store *st)
{
	struct slot *list = st->touched;

	for (struct slot *s = list; s; s = s->next_touched)
		s->touched = false;
	st->touched = NULL;
	return list;
}
