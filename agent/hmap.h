/* A string-keyed hash map (open addressing). Keys are borrowed: they must outlive the item. */
#ifndef EDGE_HMAP_H
#define EDGE_HMAP_H

#include <stddef.h>
#include <stdint.h>

/* No stored hash: 16 bytes an item (the table of 20,000 objects: 512 KiB). */
struct hmap_item {
	const char *key;
	void *val;
};

struct hmap {
	struct hmap_item *v;
	size_t cap;         /* power of two, or 0 */
	size_t n;
};

void *hmap_get(const struct hmap *m, const char *key);
int hmap_put(struct hmap *m, const char *key, void *val);
void *hmap_del(struct hmap *m, const char *key);
void hmap_free(struct hmap *m);

#define hmap_each(m, it) \
	for (struct hmap_item *it = (m)->v; (m)->v && it < (m)->v + (m)->cap; it++) \
		if (it->key)

#endif
