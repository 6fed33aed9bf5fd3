#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wg_device.h"
#include "wg_diff.h"

static const uint8_t zero_key[WG_KEY_LEN];

/* Both backends store a private key clamped for Curve25519 and report it that way. */
static void key_clamp(uint8_t out[WG_KEY_LEN], const uint8_t in[WG_KEY_LEN])
{
	memcpy(out, in, WG_KEY_LEN);
	out[0] &= 248;
	out[31] = (uint8_t)((out[31] & 127) | 64);
}

static int key_cmp(const void *a, const void *b)
{
	const struct wg_peer *const *pa = a, *const *pb = b;

	return memcmp((*pa)->public_key, (*pb)->public_key, WG_KEY_LEN);
}

/* Peers sorted by public key, for lookups in O(log n). */
static int index_peers(const struct wg_device *d, const struct wg_peer ***out)
{
	const struct wg_peer **v;

	*out = NULL;
	if (!d || !d->n_peers)
		return 0;
	v = malloc(d->n_peers * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_peers; i++)
		v[i] = &d->peers[i];
	qsort(v, d->n_peers, sizeof(*v), key_cmp);
	*out = v;
	return 0;
}

static const struct wg_peer *find_peer(const struct wg_peer **index, size_t n,
				       const struct wg_peer *key)
{
	const struct wg_peer *const *hit;

	if (!n)
		return NULL;
	hit = bsearch(&key, index, n, sizeof(*index), key_cmp);
	return hit ? *hit : NULL;
}

static const uint8_t *psk_of(const struct wg_peer *p)
{
	return p->has_psk ? p->preshared_key : zero_key;
}

/* The peer's allowed IPs as a canonical (masked, sorted, unique) copy. */
static int canon_allowed(const struct wg_peer *p, struct cidr **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!p->n_allowed)
		return 0;
	*out = malloc(p->n_allowed * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, p->allowed, p->n_allowed * sizeof(**out));
	*n = wg_cidr_canon(*out, p->n_allowed);
	return 0;
}

static int add_new(const struct wg_peer *w, struct wg_peer *d)
{
	int ret = wg_peer_copy(d, w);

	if (ret)
		return ret;
	d->n_allowed = wg_cidr_canon(d->allowed, d->n_allowed);
	d->replace_allowed = true;
	d->remove = false;
	d->has_psk = memcmp(psk_of(w), zero_key, WG_KEY_LEN) != 0;
	d->last_handshake = 0;
	d->rx_bytes = d->tx_bytes = 0;
	return 0;
}

/* Fills d with what differs between h and w; *changed says whether anything does. */
static int add_changed(const struct wg_peer *h, const struct wg_peer *w, struct wg_peer *d,
		       bool *changed)
{
	struct cidr *ha = NULL, *wa = NULL;
	size_t hn, wn;
	int ret;

	memset(d, 0, sizeof(*d));
	memcpy(d->public_key, w->public_key, WG_KEY_LEN);
	d->keepalive = w->keepalive;
	*changed = h->keepalive != w->keepalive;
	if (memcmp(psk_of(h), psk_of(w), WG_KEY_LEN)) {
		d->has_psk = true;
		memcpy(d->preshared_key, psk_of(w), WG_KEY_LEN);
		*changed = true;
	}
	if (w->endpoint.family && !wg_endpoint_equal(&h->endpoint, &w->endpoint)) {
		d->endpoint = w->endpoint;
		*changed = true;
	}
	ret = canon_allowed(h, &ha, &hn);
	if (!ret)
		ret = canon_allowed(w, &wa, &wn);
	if (ret)
		goto out;
	if (hn != wn || (wn && memcmp(ha, wa, wn * sizeof(*wa)))) {
		d->replace_allowed = true;
		d->allowed = wa;
		d->n_allowed = wn;
		wa = NULL;
		*changed = true;
	}
out:
	free(ha);
	free(wa);
	return ret;
}

int wg_diff(const struct wg_device *have, const struct wg_device *want,
	    struct wg_device *delta)
{
	const struct wg_peer **hidx = NULL, **widx = NULL;
	size_t hn = have ? have->n_peers : 0, n = 0;
	uint8_t key[WG_KEY_LEN];
	bool changed;
	int ret;

	memset(delta, 0, sizeof(*delta));
	memcpy(delta->ifname, want->ifname, sizeof(delta->ifname));
	key_clamp(key, want->private_key);
	if (want->has_private_key &&
	    (!have || !have->has_private_key || memcmp(have->private_key, key, WG_KEY_LEN))) {
		delta->has_private_key = true;
		memcpy(delta->private_key, key, WG_KEY_LEN);
		memcpy(delta->public_key, want->public_key, WG_KEY_LEN);
	}
	explicit_bzero(key, sizeof(key));
	/* port 0 means "any": a port the device already has is never churned */
	if (want->has_listen_port && want->listen_port &&
	    (!have || !have->has_listen_port || have->listen_port != want->listen_port)) {
		delta->has_listen_port = true;
		delta->listen_port = want->listen_port;
	}
	ret = index_peers(have, &hidx);
	if (!ret)
		ret = index_peers(want, &widx);
	if (ret)
		goto out;
	if (hn + want->n_peers) {
		delta->peers = calloc(hn + want->n_peers, sizeof(*delta->peers));
		if (!delta->peers) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < hn; i++) {
		if (find_peer(widx, want->n_peers, &have->peers[i]))
			continue;
		memcpy(delta->peers[n].public_key, have->peers[i].public_key, WG_KEY_LEN);
		delta->peers[n++].remove = true;
		delta->n_peers = n;
	}
	for (size_t i = 0; i < want->n_peers; i++) {
		const struct wg_peer *w = &want->peers[i], *h = find_peer(hidx, hn, w);

		if (!h) {
			ret = add_new(w, &delta->peers[n]);
			changed = true;
		} else {
			ret = add_changed(h, w, &delta->peers[n], &changed);
		}
		if (ret)
			goto out;
		if (changed)
			delta->n_peers = ++n;
		else
			wg_peer_free(&delta->peers[n]);
	}
out:
	free(hidx);
	free(widx);
	if (ret)
		wg_device_free(delta);
	return ret;
}

bool wg_delta_empty(const struct wg_device *delta)
{
	return !delta->has_private_key && !delta->has_listen_port && !delta->replace_peers &&
	       !delta->n_peers;
}
