/* Whole-document checks: peer keys and networks repeated across the document. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "join_field.h"
#include "wg_device.h"
#include "wg_key.h"

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
