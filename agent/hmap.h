/*
 * A string-keyed hash map (open addressing). Keys are borrowed: they must outlive the item.
 * A map made with hmap_init_keyed finds each value's key through key_of and stores the
 * value alone: 8 bytes a bucket instead of 16 (the tables of 20,000 objects). Each bucket
 * also keeps 16 bits of its key's hash, so a probe reads a key only when they match.
 */
#ifndef EDGE_HMAP_H
#define EDGE_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_item {
	const char *key;
	void *val;
};

struct hmap {
	void *v;            /* cap buckets: struct hmap_item, or void * when keyed */
	uint16_t *tags;     /* cap hash tags, in v's allocation */
	size_t cap;         /* power of two, or 0 */
	size_t n;
	const char *(*key_of)(const void *val);     /* NULL: the key is stored */
};

/* A map whose values carry their keys; a zeroed map stores them instead. */
void hmap_init_keyed(struct hmap *m, const char *(*key_of)(const void *val));
void *hmap_get(const struct hmap *m, const char *key);
int hmap_put(struct hmap *m, const char *key, void *val);
void *hmap_del(struct hmap *m, const char *key);
void hmap_free(struct hmap *m);   /* keeps key_of */

struct hmap_iter {
	const struct hmap *m;
	size_t next;
	bool more;          /* false once the loop's body left by break */
	struct hmap_item item;
};
bool hmap_iter_next(struct hmap_iter *i);

/* Every item, as it->key and it->val; break and continue work as in any loop. */
#define hmap_each(map, it) \
	for (struct hmap_iter it##_iter = { (map), 0, true, { 0, 0 } }; \
	     hmap_iter_next(&it##_iter);) \
		for (struct hmap_item *it = &it##_iter.item; it; it = NULL, it##_iter.more = true)

#endif
