#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wg_device.h"

static unsigned cidr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

void wg_cidr_mask(struct cidr *c)
{
	unsigned bits = cidr_bits(c->family);

	for (unsigned bit = c->prefix; bit < bits; bit++)
		c->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	if (c->family == AF_INET)
		memset(c->addr + 4, 0, sizeof(c->addr) - 4);
}

int wg_cidr_cmp(const struct cidr *a, const struct cidr *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, cidr_bits(a->family) / 8);
	if (r)
		return r;
	return (int)a->prefix - (int)b->prefix;
}

bool wg_cidr_contains(const struct cidr *a, const struct cidr *b)
{
	struct cidr net;

	if (a->family != b->family || a->prefix > b->prefix)
		return false;
	net = *b;
	net.prefix = a->prefix;
	wg_cidr_mask(&net);
	return memcmp(net.addr, a->addr, cidr_bits(a->family) / 8) == 0;
}

static int cidr_qsort_cmp(const void *a, const void *b)
{
	return wg_cidr_cmp(a, b);
}

size_t wg_cidr_canon(struct cidr *v, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++)
		wg_cidr_mask(&v[i]);
	if (n)
		qsort(v, n, sizeof(*v), cidr_qsort_cmp);
	for (size_t i = 0; i < n; i++)
		if (!out || wg_cidr_cmp(&v[out - 1], &v[i]))
			v[out++] = v[i];
	return out;
}

int wg_peer_copy(struct wg_peer *dst, const struct wg_peer *src)
{
	*dst = *src;
	dst->allowed = NULL;
	if (!src->n_allowed)
		return 0;
	dst->allowed = malloc(src->n_allowed * sizeof(*dst->allowed));
	if (!dst->allowed) {
		dst->n_allowed = 0;
		return -ENOMEM;
	}
	memcpy(dst->allowed, src->allowed, src->n_allowed * sizeof(*dst->allowed));
	return 0;
}

bool wg_endpoint_equal(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	if (a->family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr));
	return true;
}

int wg_device_allowed_ips(const struct wg_device *d, struct cidr_list *out)
{
	size_t n = 0;
	struct cidr *v;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < d->n_peers; i++)
		if (!d->peers[i].remove)
			n += d->peers[i].n_allowed;
	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < d->n_peers; i++) {
		if (d->peers[i].remove || !d->peers[i].n_allowed)
			continue;
		memcpy(v + n, d->peers[i].allowed, d->peers[i].n_allowed * sizeof(*v));
		n += d->peers[i].n_allowed;
	}
	out->v = v;
	out->n = wg_cidr_canon(v, n);
	return 0;
}

void wg_peer_free(struct wg_peer *p)
{
	if (!p)
		return;
	free(p->allowed);
	explicit_bzero(p, sizeof(*p));
}

void wg_device_free(struct wg_device *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_peers; i++)
		wg_peer_free(&d->peers[i]);
	free(d->peers);
	explicit_bzero(d, sizeof(*d));
}

void wg_join_free(struct wg_join *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n_peers; i++)
		wg_peer_free(&j->peers[i]);
	free(j->peers);
	memset(j, 0, sizeof(*j));
}

static bool peer_equal(const struct wg_peer *a, const struct wg_peer *b)
{
	if (memcmp(a->public_key, b->public_key, WG_KEY_LEN) || a->has_psk != b->has_psk ||
	    (a->has_psk && memcmp(a->preshared_key, b->preshared_key, WG_KEY_LEN)) ||
	    !wg_endpoint_equal(&a->endpoint, &b->endpoint) || a->keepalive != b->keepalive ||
	    a->n_allowed != b->n_allowed)
		return false;
	for (size_t i = 0; i < a->n_allowed; i++)
		if (wg_cidr_cmp(&a->allowed[i], &b->allowed[i]))
			return false;
	return true;
}

bool wg_join_equal(const struct wg_join *a, const struct wg_join *b)
{
	if (wg_cidr_cmp(&a->address, &b->address) || a->listen_port != b->listen_port ||
	    a->mtu != b->mtu || a->n_peers != b->n_peers)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!peer_equal(&a->peers[i], &b->peers[i]))
			return false;
	return true;
}
