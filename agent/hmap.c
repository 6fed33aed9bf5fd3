#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

static uint32_t hmap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static size_t hmap_bucket_size(const struct hmap *m)
{
	return m->key_of ? sizeof(void *) : sizeof(struct hmap_item);
}

/* Bucket i of the buckets v (m's layout) holds an item: found without reading its key. */
static bool hmap_used(const struct hmap *m, const void *v, size_t i)
{
	return m->key_of ? ((void *const *)v)[i] != NULL : ((const struct hmap_item *)v)[i].key != NULL;
}

static void *hmap_val_at(const struct hmap *m, const void *v, size_t i)
{
	return m->key_of ? ((void *const *)v)[i] : ((const struct hmap_item *)v)[i].val;
}

/* Bucket i's key, NULL when empty. */
static const char *hmap_key_at(const struct hmap *m, const void *v, size_t i)
{
	if (!hmap_used(m, v, i))
		return NULL;
	return m->key_of ? m->key_of(hmap_val_at(m, v, i)) : ((const struct hmap_item *)v)[i].key;
}

static uint16_t hmap_tag(uint32_t h)
{
	return (uint16_t)(h >> 16);
}

static void hmap_set(struct hmap *m, size_t i, const char *key, void *val, uint16_t tag)
{
	m->tags[i] = tag;
	if (m->key_of)
		((void **)m->v)[i] = val;
	else
		((struct hmap_item *)m->v)[i] = (struct hmap_item){ key, val };
}

/* The bucket holding key, or the empty one where it would go. */
static size_t hmap_find(const struct hmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	const char *k;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (!hmap_used(m, m->v, i))
			return i;
		if (m->tags[i] == hmap_tag(h) && (k = hmap_key_at(m, m->v, i)) && strcmp(k, key) == 0)
			return i;
	}
}

void hmap_init_keyed(struct hmap *m, const char *(*key_of)(const void *val))
{
	memset(m, 0, sizeof(*m));
	m->key_of = key_of;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	return hmap_val_at(m, m->v, hmap_find(m, key, hmap_hash(key)));
}

static int hmap_grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, oldcap = m->cap;
	void *old = m->v, *v = calloc(cap, hmap_bucket_size(m) + sizeof(*m->tags));
	const char *k;
	uint32_t h;

	if (!v)
		return -ENOMEM;
	m->v = v;
	m->tags = (uint16_t *)((char *)v + cap * hmap_bucket_size(m));
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!(k = hmap_key_at(m, old, i)))
			continue;
		h = hmap_hash(k);
		hmap_set(m, hmap_find(m, k, h), k, hmap_val_at(m, old, i), hmap_tag(h));
	}
	free(old);
	return 0;
}

int hmap_put(struct hmap *m, const char *key, void *val)
{
	uint32_t h = hmap_hash(key);
	size_t i;
	int ret;

	if ((m->n + 1) * 4 > m->cap * 3 && (ret = hmap_grow(m)))
		return ret;
	i = hmap_find(m, key, h);
	if (!hmap_key_at(m, m->v, i))
		m->n++;
	hmap_set(m, i, key, val, hmap_tag(h));
	return 0;
}

void *hmap_del(struct hmap *m, const char *key)
{
	size_t mask = m->cap - 1, i, j;
	const char *k;
	void *val;

	if (!m->cap)
		return NULL;
	i = hmap_find(m, key, hmap_hash(key));
	if (!hmap_key_at(m, m->v, i))
		return NULL;
	val = hmap_val_at(m, m->v, i);
	/* backward-shift deletion keeps every probe chain unbroken */
	for (j = (i + 1) & mask; (k = hmap_key_at(m, m->v, j)); j = (j + 1) & mask) {
		size_t home = hmap_hash(k) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			hmap_set(m, i, k, hmap_val_at(m, m->v, j), m->tags[j]);
			i = j;
		}
	}
	hmap_set(m, i, NULL, NULL, 0);
	m->n--;
	return val;
}

void hmap_free(struct hmap *m)
{
	free(m->v);
	hmap_init_keyed(m, m->key_of);
}

bool hmap_iter_next(struct hmap_iter *it)
{
	const struct hmap *m = it->m;

	if (!it->more)
		return false;
	it->more = false;
	for (; it->next < m->cap; it->next++) {
		if ((it->item.key = hmap_key_at(m, m->v, it->next))) {
			it->item.val = hmap_val_at(m, m->v, it->next++);
			return true;
		}
	}
	return false;
}
