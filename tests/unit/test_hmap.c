/*
 * hmap in both layouts (key stored, key found through the value): put, get, replace,
 * delete keeping probe chains, growth, and hmap_each with break and continue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hmap.h"

#define N 5000

struct thing {
	char name[16];
	int n;
};

static const char *thing_key(const void *t)
{
	return ((const struct thing *)t)->name;
}

static void exercise(const char *layout, struct hmap *m, struct thing *t)
{
	char what[128];
	size_t seen = 0, threes = 0, kept = 0;
	long sum = 0;
	bool all = true;

	for (int i = 0; i < N; i++) {
		snprintf(t[i].name, sizeof(t[i].name), "k%d", i);
		t[i].n = i;
		all = all && hmap_put(m, t[i].name, &t[i]) == 0;
	}
	snprintf(what, sizeof(what), "%s: %d puts, every one found", layout, N);
	for (int i = 0; i < N; i++)
		all = all && hmap_get(m, t[i].name) == &t[i];
	CHECK(what, all && m->n == N);
	snprintf(what, sizeof(what), "%s: a key not put is not found", layout);
	CHECK(what, !hmap_get(m, "k-1") && !hmap_get(m, "") && !hmap_del(m, "nope"));
	snprintf(what, sizeof(what), "%s: put of a present key replaces, no new item", layout);
	CHECK(what, hmap_put(m, t[7].name, &t[7]) == 0 && m->n == N);

	for (int i = 0; i < N; i += 2)
		all = all && hmap_del(m, t[i].name) == &t[i];
	snprintf(what, sizeof(what), "%s: half deleted, the other half still found", layout);
	for (int i = 0; i < N; i++)
		all = all && hmap_get(m, t[i].name) == (i % 2 ? &t[i] : NULL);
	CHECK(what, all && m->n == N / 2);

	hmap_each(m, it) {
		struct thing *x = it->val;
		seen++;
		sum += x->n;
		if (strcmp(it->key, x->name))
			all = false;
		if (x->n % 4 == 1)
			continue;
		threes++;
	}
	snprintf(what, sizeof(what), "%s: hmap_each visits each item once, key beside value",
		 layout);
	CHECK(what, all && seen == N / 2 && sum == (long)(N / 2) * (N / 2));
	snprintf(what, sizeof(what), "%s: continue goes on to the next item", layout);
	CHECK(what, threes == N / 4);
	hmap_each(m, it) {
		if (++kept == 10)
			break;
	}
	snprintf(what, sizeof(what), "%s: break leaves the loop", layout);
	CHECK(what, kept == 10);
	hmap_free(m);
	snprintf(what, sizeof(what), "%s: empty after hmap_free, and usable again", layout);
	CHECK(what, m->n == 0 && !hmap_get(m, "k1") && hmap_put(m, t[1].name, &t[1]) == 0 &&
	      hmap_get(m, "k1") == &t[1]);
	hmap_free(m);
}

int main(void)
{
	struct thing *t = calloc(N, sizeof(*t));
	struct hmap stored = { 0 }, keyed;

	if (!t)
		return 1;
	exercise("key stored", &stored, t);
	hmap_init_keyed(&keyed, thing_key);
	exercise("key from the value", &keyed, t);
	CHECK("hmap_free keeps the keyed layout", keyed.key_of == thing_key);
	free(t);
	return CHECK_DONE();
}
