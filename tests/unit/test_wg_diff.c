/* wg_diff (observed + desired -> delta) and rtnl_route_plan (the routes that follow). */
#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "rtnl.h"
#include "wg_device.h"
#include "wg_diff.h"

static struct cidr cidr_of(const char *s)
{
	struct cidr c = { 0 };
	char ip[64];
	const char *slash = strchr(s, '/');

	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
	c.family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	inet_pton(c.family, ip, c.addr);
	c.prefix = (uint8_t)atoi(slash + 1);
	return c;
}

/* key: every byte is k; allowed: "10.0.0.2/32,10.1.0.0/24" */
static struct wg_peer peer_of(uint8_t k, const char *allowed, const char *ep4, unsigned port)
{
	struct wg_peer p = { 0 };
	char list[256], *save = NULL;

	memset(p.public_key, k, WG_KEY_LEN);
	snprintf(list, sizeof(list), "%s", allowed);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		p.allowed = realloc(p.allowed, (p.n_allowed + 1) * sizeof(*p.allowed));
		p.allowed[p.n_allowed++] = cidr_of(t);
	}
	if (ep4) {
		p.endpoint.family = AF_INET;
		p.endpoint.in4.sin_family = AF_INET;
		p.endpoint.in4.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ep4, &p.endpoint.in4.sin_addr);
	}
	return p;
}

static void dev_init(struct wg_device *d, uint8_t key, uint16_t port)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "wg-test");
	d->has_private_key = true;
	memset(d->private_key, key, WG_KEY_LEN);
	d->private_key[0] &= 248;
	d->private_key[31] = (uint8_t)((d->private_key[31] & 127) | 64);
	d->has_listen_port = true;
	d->listen_port = port;
}

static void dev_add(struct wg_device *d, struct wg_peer p)
{
	d->peers = realloc(d->peers, (d->n_peers + 1) * sizeof(*d->peers));
	d->peers[d->n_peers++] = p;
}

static const struct wg_peer *find(const struct wg_device *d, uint8_t k)
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (d->peers[i].public_key[0] == k)
			return &d->peers[i];
	return NULL;
}

/* The two-peer device most cases start from: A and B, both live. */
static void base(struct wg_device *d)
{
	dev_init(d, 0x11, 51820);
	dev_add(d, peer_of(0xA1, "10.60.0.2/32", "192.168.77.2", 51821));
	dev_add(d, peer_of(0xB2, "10.60.0.3/32,10.61.0.0/24", "192.168.78.2", 51822));
	d->peers[1].keepalive = 25;
}

static void observed(struct wg_device *d)
{
	base(d);
	for (size_t i = 0; i < d->n_peers; i++) {
		d->peers[i].last_handshake = 1700000000;
		d->peers[i].rx_bytes = 1234;
		d->peers[i].tx_bytes = 5678;
	}
}

static void test_first_apply(void)
{
	struct wg_device want, delta;

	base(&want);
	CHECK("diff from nothing succeeds", wg_diff(NULL, &want, &delta) == 0);
	CHECK("diff from nothing: private key and port", delta.has_private_key &&
	      delta.private_key[1] == 0x11 && delta.has_listen_port && delta.listen_port == 51820);
	CHECK("diff from nothing: both peers, full lists", delta.n_peers == 2 &&
	      delta.peers[0].replace_allowed && delta.peers[1].n_allowed == 2 &&
	      !delta.peers[0].remove && delta.peers[1].keepalive == 25);
	CHECK_STR("diff keeps the interface name", delta.ifname, "wg-test");
	wg_device_free(&delta);
	wg_device_free(&want);
}

static void test_unchanged(void)
{
	struct wg_device have, want, delta;

	observed(&have);
	base(&want);
	/* the same set written differently: other order, host bits set */
	want.peers[1].allowed[0] = cidr_of("10.61.0.77/24");
	want.peers[1].allowed[1] = cidr_of("10.60.0.3/32");
	CHECK("unchanged: diff succeeds", wg_diff(&have, &want, &delta) == 0);
	CHECK("unchanged: delta is empty", wg_delta_empty(&delta));
	wg_device_free(&delta);

	/* a peer that roamed: no endpoint wanted, so the learned one stays */
	memset(&want.peers[0].endpoint, 0, sizeof(want.peers[0].endpoint));
	CHECK("roamed endpoint: diff succeeds", wg_diff(&have, &want, &delta) == 0);
	CHECK("roamed endpoint not wanted: delta is empty", wg_delta_empty(&delta));
	wg_device_free(&delta);

	/* listen port 0 means any: the device's port is not churned */
	want.listen_port = 0;
	wg_diff(&have, &want, &delta);
	CHECK("listen port 0 wanted: not in delta", wg_delta_empty(&delta));
	wg_device_free(&delta);
	wg_device_free(&want);
	wg_device_free(&have);
}

static void test_add_peer(void)
{
	struct wg_device have, want, delta;

	observed(&have);
	base(&want);
	dev_add(&want, peer_of(0xC3, "10.60.0.4/32", NULL, 0));
	CHECK("add peer: diff succeeds", wg_diff(&have, &want, &delta) == 0);
	CHECK("add peer: only the new peer is in the delta", delta.n_peers == 1 &&
	      find(&delta, 0xC3) && !find(&delta, 0xA1) && !find(&delta, 0xB2));
	CHECK("add peer: device fields untouched", !delta.has_private_key &&
	      !delta.has_listen_port && !delta.replace_peers);
	CHECK("add peer: new peer carries its list", delta.peers[0].n_allowed == 1 &&
	      delta.peers[0].replace_allowed && !delta.peers[0].endpoint.family);
	wg_device_free(&delta);
	wg_device_free(&want);
	wg_device_free(&have);
}

static void test_remove_peer(void)
{
	struct wg_device have, want, delta;

	observed(&have);
	dev_init(&want, 0x11, 51820);
	dev_add(&want, peer_of(0xB2, "10.60.0.3/32,10.61.0.0/24", "192.168.78.2", 51822));
	want.peers[0].keepalive = 25;
	CHECK("remove peer: diff succeeds", wg_diff(&have, &want, &delta) == 0);
	CHECK("remove peer: one entry, remove=true", delta.n_peers == 1 &&
	      delta.peers[0].public_key[0] == 0xA1 && delta.peers[0].remove &&
	      !delta.peers[0].n_allowed);
	wg_device_free(&delta);
	wg_device_free(&want);
	wg_device_free(&have);
}

static void test_change_peer(void)
{
	struct wg_device have, want, delta;
	const struct wg_peer *p;

	observed(&have);
	base(&want);
	/* drop one allowed IP: wireguard-go cannot remove one, so the full list is resent */
	want.peers[1].n_allowed = 1;
	CHECK("allowed change: diff succeeds", wg_diff(&have, &want, &delta) == 0);
	p = find(&delta, 0xB2);
	CHECK("allowed change: only that peer", delta.n_peers == 1 && p);
	CHECK("allowed change: replace with the full list", p && p->replace_allowed &&
	      p->n_allowed == 1 && p->allowed[0].prefix == 32 && p->keepalive == 25);
	CHECK("allowed change: endpoint and psk untouched", p && !p->endpoint.family &&
	      !p->has_psk);
	wg_device_free(&delta);

	want.peers[1].n_allowed = 2;
	want.peers[0].endpoint.in4.sin_port = htons(40000);
	wg_diff(&have, &want, &delta);
	p = find(&delta, 0xA1);
	CHECK("endpoint change: only the endpoint", delta.n_peers == 1 && p &&
	      p->endpoint.family == AF_INET && ntohs(p->endpoint.in4.sin_port) == 40000 &&
	      !p->replace_allowed && !p->n_allowed);
	wg_device_free(&delta);

	want.peers[0].endpoint.in4.sin_port = htons(51821);
	want.peers[0].keepalive = 15;
	wg_diff(&have, &want, &delta);
	p = find(&delta, 0xA1);
	CHECK("keepalive change", delta.n_peers == 1 && p && p->keepalive == 15 &&
	      !p->endpoint.family && !p->replace_allowed);
	wg_device_free(&delta);

	want.peers[0].keepalive = 0;
	have.peers[0].has_psk = true;
	memset(have.peers[0].preshared_key, 0x55, WG_KEY_LEN);
	wg_diff(&have, &want, &delta);
	p = find(&delta, 0xA1);
	CHECK("psk no longer wanted: cleared with zeros", delta.n_peers == 1 && p &&
	      p->has_psk && p->preshared_key[0] == 0 && p->preshared_key[31] == 0);
	wg_device_free(&delta);

	want.peers[0].has_psk = true;
	memset(want.peers[0].preshared_key, 0x55, WG_KEY_LEN);
	want.private_key[5] = 0x99;
	want.listen_port = 51900;
	wg_diff(&have, &want, &delta);
	CHECK("private key and port changes, peers not", delta.n_peers == 0 &&
	      delta.has_private_key && delta.private_key[5] == 0x99 &&
	      delta.has_listen_port && delta.listen_port == 51900);
	wg_device_free(&delta);

	/* the backends report the key clamped: an unclamped wanted key is the same key */
	memset(want.private_key, 0x11, WG_KEY_LEN);
	want.listen_port = 51820;
	wg_diff(&have, &want, &delta);
	CHECK("private key compared clamped", wg_delta_empty(&delta));
	wg_device_free(&delta);
	wg_device_free(&want);
	wg_device_free(&have);
}

/* One changed peer among n: the delta holds that one peer (bench/core_bench.c times it). */
static bool diff_many(unsigned n)
{
	struct wg_device have, want, delta;
	char ip[32];
	bool ok;

	dev_init(&have, 1, 51820);
	dev_init(&want, 1, 51820);
	for (unsigned i = 0; i < n; i++) {
		struct wg_peer p;

		snprintf(ip, sizeof(ip), "10.%u.%u.0/24", 64 + i / 256, i % 256);
		p = peer_of(0, ip, NULL, 0);
		p.public_key[0] = (uint8_t)(i * 37);
		p.public_key[1] = (uint8_t)(i >> 8);
		p.public_key[2] = (uint8_t)i;
		dev_add(&have, p);
		wg_peer_copy(&p, &have.peers[i]);
		dev_add(&want, p);
	}
	want.peers[n / 2].keepalive = 5;
	ok = wg_diff(&have, &want, &delta) == 0;
	ok = ok && delta.n_peers == 1 && delta.peers[0].keepalive == 5;
	if (ok)
		wg_device_free(&delta);
	wg_device_free(&want);
	wg_device_free(&have);
	return ok;
}

static void test_many(void)
{
	CHECK("2000 and 20000 peers, one changed: delta has that one peer",
	      diff_many(2000) && diff_many(20000));
}

static struct rtnl_route route(const char *dst, unsigned oif, uint8_t proto, uint32_t prio)
{
	struct rtnl_route r = { .dst = cidr_of(dst), .oif = oif, .protocol = proto,
				.priority = prio };
	return r;
}

static void test_route_plan(void)
{
	const unsigned wg = 7, eth = 2;
	struct rtnl_route have[] = {
		route("0.0.0.0/0", eth, 4, 0),                  /* default via eth, static */
		route("10.60.0.0/24", wg, 2, 0),                /* kernel: interface address */
		route("10.61.0.0/24", wg, RTNL_PROTO_EDGE, 0),  /* ours, still wanted */
		route("10.62.0.0/24", wg, RTNL_PROTO_EDGE, 0),  /* ours, no longer wanted */
		route("192.168.1.0/24", eth, 2, 0),             /* someone else's */
		route("10.63.0.0/24", eth, RTNL_PROTO_EDGE, 0), /* our protocol, other link */
		route("fd00:60::/64", wg, 2, 256),
	};
	struct cidr want[] = {
		cidr_of("10.60.0.2/32"),        /* covered by the kernel's /24 */
		cidr_of("10.61.0.9/24"),        /* present (host bits set) */
		cidr_of("10.64.0.0/16"),        /* new */
		cidr_of("192.168.1.0/24"),      /* conflict */
		cidr_of("fd00:61::/64"),        /* new, IPv6 */
		cidr_of("10.64.0.0/16"),        /* duplicate */
		cidr_of("0.0.0.0/0"),           /* never: it would carry the tunnel itself */
	};
	struct rtnl_route_plan p;
	char ip[64] = "";

	CHECK("route plan succeeds", rtnl_route_plan(wg, have, 7, want, 7, &p) == 0);
	CHECK("route plan: two to add", p.n_add == 2);
	if (p.n_add == 2) {
		inet_ntop(AF_INET, p.add[0].addr, ip, sizeof(ip));
		CHECK_STR("route plan: adds 10.64.0.0", ip, "10.64.0.0");
		CHECK("route plan: adds fd00:61::/64", p.add[1].family == AF_INET6 &&
		      p.add[1].prefix == 64);
	}
	CHECK("route plan: deletes only ours on this link", p.n_del == 1 &&
	      p.del[0].dst.addr[1] == 62 && p.del[0].oif == wg);
	CHECK("route plan: a default route and someone else's prefix are left alone",
	      p.n_conflict == 2 && p.conflict[0].prefix == 0 && p.conflict[1].addr[0] == 192);
	rtnl_route_plan_free(&p);

	CHECK("route plan, nothing wanted", rtnl_route_plan(wg, have, 7, NULL, 0, &p) == 0);
	CHECK("route plan, nothing wanted: both of ours go", p.n_del == 2 && p.n_add == 0);
	rtnl_route_plan_free(&p);
}

int main(void)
{
	test_first_apply();
	test_unchanged();
	test_add_peer();
	test_remove_peer();
	test_change_peer();
	test_many();
	test_route_plan();
	return CHECK_DONE();
}
