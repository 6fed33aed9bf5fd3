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

static struct hmap_item *hmap_find(const struct hmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct hmap_item *it = &m->v[i];
		if (!it->key)
			return it;
		if (strcmp(it->key, key) == 0)
			return it;
	}
}

void *hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_item *it;

	if (!m->cap)
		return NULL;
	it = hmap_find(m, key, hmap_hash(key));
	return it->key ? it->val : NULL;
}

static int hmap_grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct hmap_item *old = m->v;
	size_t oldcap = m->cap;

	m->v = calloc(cap, sizeof(*m->v));
	if (!m->v) {
		m->v = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*hmap_find(m, old[i].key, hmap_hash(old[i].key)) = old[i];
	free(old);
	return 0;
}

int hmap_put(struct hmap *m, const char *key, void *val)
{
	uint32_t h = hmap_hash(key);
	struct hmap_item *it;
	int ret;

	if ((m->n + 1) * 4 > m->cap * 3) {
		ret = hmap_grow(m);
		if (ret)
			return ret;
	}
	it = hmap_find(m, key, h);
	if (!it->key)
		m->n++;
	it->key = key;
	it->val = val;
	return 0;
}

void *hmap_del(struct hmap *m, const char *key)
{
	size_t mask = m->cap - 1, i, j;
	struct hmap_item *it;
	void *val;

	if (!m->cap)
		return NULL;
	it = hmap_find(m, key, hmap_hash(key));
	if (!it->key)
		return NULL;
	val = it->val;
	i = (size_t)(it - m->v);
	/* backward-shift deletion keeps every probe chain unbroken */
	for (j = (i + 1) & mask; m->v[j].key; j = (j + 1) & mask) {
		size_t home = hmap_hash(m->v[j].key) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->v[i] = m->v[j];
			i = j;
		}
	}
	memset(&m->v[i], 0, sizeof(m->v[i]));
	m->n--;
	return val;
}

void hmap_free(struct hmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
