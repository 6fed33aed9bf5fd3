#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "endpoint.h"
#include "wg_device.h"
#include "wg_uapi.h"

struct kv {
	const char *key, *val;
	size_t klen, vlen;
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool wg_uapi_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s, size_t n)
{
	uint8_t k[WG_KEY_LEN];

	if (n != 2 * WG_KEY_LEN)
		return false;
	for (size_t i = 0; i < WG_KEY_LEN; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, k, WG_KEY_LEN);
	return true;
}

static bool kv_is(const struct kv *kv, const char *key)
{
	return kv->klen == strlen(key) && !memcmp(kv->key, key, kv->klen);
}

static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_errno(const char *s, size_t n, int *out)
{
	uint64_t v;
	bool neg = n && s[0] == '-';

	if (!parse_u64(s + neg, n - neg, INT_MAX, &v))
		return false;
	*out = -(int)v;
	return true;
}

static bool parse_cidr(const char *s, size_t n, struct cidr *c)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', n);
	size_t hn = slash ? (size_t)(slash - s) : n;
	uint64_t prefix;

	if (!slash || hn >= sizeof(host))
		return false;
	memcpy(host, s, hn);
	host[hn] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->family = AF_INET6;
	else
		return false;
	if (!parse_u64(slash + 1, n - hn - 1, c->family == AF_INET ? 32 : 128, &prefix))
		return false;
	c->prefix = (uint8_t)prefix;
	return true;
}

static int add_peer(struct wg_device *d, const struct kv *kv)
{
	struct wg_peer *p = array_room(d->peers, d->n_peers, sizeof(*d->peers));

	if (!p)
		return -ENOMEM;
	d->peers = p;
	p = &d->peers[d->n_peers];
	memset(p, 0, sizeof(*p));
	if (!wg_uapi_key_from_hex(p->public_key, kv->val, kv->vlen))
		return -EPROTO;
	d->n_peers++;
	return 0;
}

static int peer_field(struct wg_peer *p, const struct kv *kv)
{
	struct cidr c, *a;
	uint64_t v;

	if (kv_is(kv, "preshared_key")) {
		if (!wg_uapi_key_from_hex(p->preshared_key, kv->val, kv->vlen))
			return -EPROTO;
		p->has_psk = false;
		for (size_t i = 0; i < WG_KEY_LEN; i++)
			p->has_psk |= p->preshared_key[i] != 0;
	} else if (kv_is(kv, "endpoint")) {
		if (endpoint_parse(kv->val, kv->vlen, ENDPOINT_REPORTED, &p->endpoint))
			return -EPROTO;
	} else if (kv_is(kv, "persistent_keepalive_interval")) {
		if (!parse_u64(kv->val, kv->vlen, UINT16_MAX, &v))
			return -EPROTO;
		p->keepalive = (uint16_t)v;
	} else if (kv_is(kv, "last_handshake_time_sec")) {
		if (!parse_u64(kv->val, kv->vlen, INT64_MAX, &v))
			return -EPROTO;
		p->last_handshake = (int64_t)v;
	} else if (kv_is(kv, "rx_bytes")) {
		if (!parse_u64(kv->val, kv->vlen, UINT64_MAX, &p->rx_bytes))
			return -EPROTO;
	} else if (kv_is(kv, "tx_bytes")) {
		if (!parse_u64(kv->val, kv->vlen, UINT64_MAX, &p->tx_bytes))
			return -EPROTO;
	} else if (kv_is(kv, "allowed_ip")) {
		if (!parse_cidr(kv->val, kv->vlen, &c))
			return -EPROTO;
		a = array_room(p->allowed, p->n_allowed, sizeof(*p->allowed));
		if (!a)
			return -ENOMEM;
		p->allowed = a;
		p->allowed[p->n_allowed++] = c;
	}
	return 0;
}

static int device_field(struct wg_device *d, const struct kv *kv)
{
	uint64_t v;

	if (kv_is(kv, "private_key")) {
		if (!wg_uapi_key_from_hex(d->private_key, kv->val, kv->vlen))
			return -EPROTO;
		d->has_private_key = true;
	} else if (kv_is(kv, "listen_port")) {
		if (!parse_u64(kv->val, kv->vlen, UINT16_MAX, &v))
			return -EPROTO;
		d->listen_port = (uint16_t)v;
		d->has_listen_port = true;
	} else if (kv_is(kv, "public_key")) {
		return add_peer(d, kv);
	} else if (d->n_peers) {
		return peer_field(&d->peers[d->n_peers - 1], kv);
	}
	return 0;
}

static bool line_split(const char *s, size_t n, struct kv *kv)
{
	const char *eq = memchr(s, '=', n);

	if (!eq || eq == s)
		return false;
	kv->key = s;
	kv->klen = (size_t)(eq - s);
	kv->val = eq + 1;
	kv->vlen = n - kv->klen - 1;
	return true;
}

size_t wg_uapi_reply_len(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
	return len == 1 && buf[0] == '\n' ? 1 : 0;
}

/* Walks the lines of one reply; calls fn for each until errno=N, which ends the walk. */
static int reply_walk(const char *buf, size_t len, int (*fn)(void *, const struct kv *),
		      void *arg)
{
	size_t end = wg_uapi_reply_len(buf, len);
	const char *p = buf, *stop = buf + end;
	struct kv kv;
	int ret, err;

	if (!end)
		return -EPROTO;
	while (p < stop && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(stop - p));

		if (!nl || !line_split(p, (size_t)(nl - p), &kv))
			return -EPROTO;
		if (kv_is(&kv, "errno")) {
			if (!parse_errno(kv.val, kv.vlen, &err))
				return -EPROTO;
			return err;
		}
		if (fn) {
			ret = fn(arg, &kv);
			if (ret)
				return ret;
		}
		p = nl + 1;
	}
	return -EPROTO;
}

static int parse_one(void *arg, const struct kv *kv)
{
	return device_field(arg, kv);
}

int wg_uapi_parse(const char *buf, size_t len, struct wg_device *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = reply_walk(buf, len, parse_one, out);
	if (ret)
		wg_device_free(out);
	return ret;
}

int wg_uapi_status(const char *buf, size_t len)
{
	return reply_walk(buf, len, NULL, NULL);
}
