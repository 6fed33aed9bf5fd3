/*
 * Driver for the WireGuard edges (backends, diff, rtnl) against a real interface. Touches
 * the network, so it only runs inside a namespace or VM made by tests/integration/wg_*.sh
 * (the runner skips *_kernel binaries). Modes:
 *
 *   apply BACKEND IF PRIVHEX PORT ADDR/PREFIX MTU [PEER...]
 *       the reconcile the agent does: ensure, get, diff, set (delta only), link up with
 *       MTU, address, routes for the allowed IPs. Prints "delta: ..." (what was sent).
 *       PEER: pub=HEX[,ep=IPV4:PORT][,ips=CIDR+CIDR...][,ka=SECONDS][,psk=HEX]
 *   show BACKEND IF       prints the device as get returns it
 *   bulk BACKEND IF NPEERS NIPS
 *       sets NPEERS peers, the first with NIPS allowed IPs (the kernel backend must split
 *       this over many messages), reads it back and checks that the diff is empty.
 *   pick MODE             prints the backend wg_backend_pick chooses
 * BACKEND: auto, kernel or userspace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "rtnl.h"
#include "wg_backend.h"
#include "wg_device.h"
#include "wg_diff.h"
#include "wg_uapi.h"

/* the userspace backend runs wireguard-go by absolute path, as the agent does (WG_GO_PATH) */
static const char *wg_go_path(void)
{
	const char *p = getenv("WG_GO_PATH");

	return p && *p ? p : "/usr/bin/wireguard-go";
}

static int parse_cidr(const char *s, struct cidr *c)
{
	char ip[64];
	const char *slash = strchr(s, '/');

	memset(c, 0, sizeof(*c));
	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
	c->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(c->family, ip, c->addr) != 1)
		return -EINVAL;
	c->prefix = (uint8_t)atoi(slash + 1);
	return 0;
}

static int parse_peer(char *spec, struct wg_peer *p)
{
	char *save = NULL, *ips_save = NULL, *colon;
	bool has_key = false;

	memset(p, 0, sizeof(*p));
	for (char *f = strtok_r(spec, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (!strncmp(f, "pub=", 4)) {
			has_key = wg_uapi_key_from_hex(p->public_key, f + 4, strlen(f + 4));
		} else if (!strncmp(f, "psk=", 4)) {
			p->has_psk = wg_uapi_key_from_hex(p->preshared_key, f + 4, strlen(f + 4));
		} else if (!strncmp(f, "ka=", 3)) {
			p->keepalive = (uint16_t)atoi(f + 3);
		} else if (!strncmp(f, "ep=", 3) && (colon = strrchr(f, ':'))) {
			*colon = '\0';
			p->endpoint.family = p->endpoint.in4.sin_family = AF_INET;
			p->endpoint.in4.sin_port = htons((uint16_t)atoi(colon + 1));
			if (inet_pton(AF_INET, f + 3, &p->endpoint.in4.sin_addr) != 1)
				return -EINVAL;
		} else if (!strncmp(f, "ips=", 4)) {
			for (char *c = strtok_r(f + 4, "+", &ips_save); c;
			     c = strtok_r(NULL, "+", &ips_save)) {
				p->allowed = realloc(p->allowed, (p->n_allowed + 1) * sizeof(*p->allowed));
				if (!p->allowed || parse_cidr(c, &p->allowed[p->n_allowed++]))
					return -EINVAL;
			}
		} else {
			return -EINVAL;
		}
	}
	return has_key ? 0 : -EINVAL;
}

static void key_short(char out[9], const uint8_t *key)
{
	char hex[WG_KEY_HEX_LEN];

	wg_uapi_key_to_hex(hex, key);
	memcpy(out, hex, 8);
	out[8] = '\0';
}

static bool has_peer(const struct wg_device *d, const uint8_t *key)
{
	for (size_t i = 0; d && i < d->n_peers; i++)
		if (!memcmp(d->peers[i].public_key, key, WG_KEY_LEN))
			return true;
	return false;
}

static void print_delta(const struct wg_device *have, const struct wg_device *delta)
{
	char k[9];

	printf("delta:");
	if (wg_delta_empty(delta))
		printf(" empty");
	if (delta->has_private_key)
		printf(" private_key");
	if (delta->has_listen_port)
		printf(" listen_port=%u", delta->listen_port);
	for (size_t i = 0; i < delta->n_peers; i++) {
		const struct wg_peer *p = &delta->peers[i];

		key_short(k, p->public_key);
		if (p->remove) {
			printf(" -%s", k);
			continue;
		}
		printf(" %c%s(", has_peer(have, p->public_key) ? '~' : '+', k);
		printf("ka=%u%s%s%s)", p->keepalive, p->endpoint.family ? ",endpoint" : "",
		       p->has_psk ? ",psk" : "", p->replace_allowed ? ",allowed" : "");
	}
	printf("\n");
}

static int apply(const struct wg_backend *be, struct wg_device *want, const char *addr,
		 unsigned mtu)
{
	struct wg_device have, delta;
	struct cidr_list routes = { 0 };
	struct cidr a;
	unsigned ifindex;
	int ret;

	ret = parse_cidr(addr, &a);
	if (!ret)
		ret = be->ensure(want->ifname, wg_go_path());
	if (ret) {
		fprintf(stderr, "ensure %s: %s\n", want->ifname, strerror(-ret));
		return ret;
	}
	ret = be->get(want->ifname, &have);
	if (ret)
		return ret;
	ret = wg_diff(&have, want, &delta);
	if (!ret) {
		print_delta(&have, &delta);
		if (!wg_delta_empty(&delta))
			ret = be->set(&delta);
	}
	if (!ret)
		ret = rtnl_link_get(want->ifname, &ifindex, NULL, 0);
	if (!ret)
		ret = rtnl_link_up(ifindex, mtu);
	if (!ret)
		ret = rtnl_addr_set(ifindex, &a);
	if (!ret)
		ret = wg_device_allowed_ips(want, &routes);
	if (!ret)
		ret = rtnl_routes_sync(ifindex, routes.v, routes.n);
	free(routes.v);
	wg_device_free(&delta);
	wg_device_free(&have);
	if (ret)
		fprintf(stderr, "apply %s: %s\n", want->ifname, strerror(-ret));
	return ret;
}

static int show(const struct wg_backend *be, const char *ifname)
{
	struct wg_device d;
	char k[9], ip[INET6_ADDRSTRLEN];
	int ret = be->get(ifname, &d);

	if (ret)
		return ret;
	key_short(k, d.public_key);
	printf("device %s public=%s port=%u peers=%zu\n", d.ifname, k, d.listen_port, d.n_peers);
	for (size_t i = 0; i < d.n_peers; i++) {
		const struct wg_peer *p = &d.peers[i];

		key_short(k, p->public_key);
		printf("peer %s handshake=%lld rx=%llu tx=%llu ka=%u allowed=", k,
		       (long long)p->last_handshake, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_bytes, p->keepalive);
		for (size_t j = 0; j < p->n_allowed; j++) {
			inet_ntop(p->allowed[j].family, p->allowed[j].addr, ip, sizeof(ip));
			printf("%s%s/%u", j ? "+" : "", ip, p->allowed[j].prefix);
		}
		printf("\n");
	}
	wg_device_free(&d);
	return 0;
}

static int bulk(const struct wg_backend *be, const char *ifname, size_t npeers, size_t nips)
{
	struct wg_device want = { 0 }, have, delta;
	int ret;

	snprintf(want.ifname, sizeof(want.ifname), "%s", ifname);
	want.has_private_key = true;
	memset(want.private_key, 0x42, WG_KEY_LEN);
	want.has_listen_port = true;
	want.listen_port = 51999;
	want.peers = calloc(npeers, sizeof(*want.peers));
	want.n_peers = npeers;
	for (size_t i = 0; i < npeers; i++) {
		struct wg_peer *p = &want.peers[i];
		size_t n = i ? 1 : nips;

		memset(p->public_key, 0x99, WG_KEY_LEN);
		p->public_key[0] = (uint8_t)(i >> 8);
		p->public_key[1] = (uint8_t)i;
		if (i % 3 == 0) {
			p->endpoint.family = p->endpoint.in4.sin_family = AF_INET;
			p->endpoint.in4.sin_port = htons((uint16_t)(1024 + i));
			p->endpoint.in4.sin_addr.s_addr = htonl(0xc0000200 | (i & 0xff));
		}
		p->replace_allowed = true;
		p->allowed = calloc(n, sizeof(*p->allowed));
		p->n_allowed = n;
		for (size_t j = 0; j < n; j++) {
			size_t v = i ? 65536 + i : j;

			p->allowed[j].family = AF_INET;
			p->allowed[j].prefix = 32;
			p->allowed[j].addr[0] = 10;
			p->allowed[j].addr[1] = (uint8_t)(v >> 16);
			p->allowed[j].addr[2] = (uint8_t)(v >> 8);
			p->allowed[j].addr[3] = (uint8_t)v;
		}
	}
	want.replace_peers = true;
	ret = be->ensure(ifname, wg_go_path());
	CHECK("bulk: ensure", ret == 0);
	if (!ret)
		ret = be->set(&want);
	CHECK("bulk: set", ret == 0);
	if (!ret)
		ret = be->get(ifname, &have);
	CHECK("bulk: get", ret == 0);
	if (!ret) {
		printf("bulk: %zu peers, first with %zu allowed IPs\n", npeers, nips);
		CHECK("bulk: every peer read back", have.n_peers == npeers);
		for (size_t i = 0; i < have.n_peers; i++)
			if (!memcmp(have.peers[i].public_key, want.peers[0].public_key, WG_KEY_LEN))
				CHECK("bulk: the long list read back whole (coalesced)",
				      have.peers[i].n_allowed == nips);
		ret = wg_diff(&have, &want, &delta);
		CHECK("bulk: diff against what was set is empty", !ret && wg_delta_empty(&delta));
		if (!ret) {
			if (!wg_delta_empty(&delta))
				print_delta(&have, &delta);
			wg_device_free(&delta);
		}
		wg_device_free(&have);
	}
	wg_device_free(&want);
	return CHECK_DONE();
}

static const struct wg_backend *backend(const char *mode)
{
	const struct wg_backend *be;

	if (wg_backend_pick(mode, &be)) {
		fprintf(stderr, "no backend for %s\n", mode);
		exit(2);
	}
	return be;
}

static int usage(void)
{
	fprintf(stderr, "usage: test_wg_kernel apply|show|bulk|pick ... (see the source)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct wg_device want = { 0 };
	int ret;

	if (argc == 3 && !strcmp(argv[1], "pick")) {
		printf("%s\n", backend(argv[2])->name);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "show"))
		return show(backend(argv[2]), argv[3]) ? 1 : 0;
	if (argc == 6 && !strcmp(argv[1], "bulk"))
		return bulk(backend(argv[2]), argv[3], strtoul(argv[4], NULL, 10),
			    strtoul(argv[5], NULL, 10));
	if (argc < 8 || strcmp(argv[1], "apply"))
		return usage();
	snprintf(want.ifname, sizeof(want.ifname), "%s", argv[3]);
	want.has_private_key = wg_uapi_key_from_hex(want.private_key, argv[4], strlen(argv[4]));
	want.has_listen_port = true;
	want.listen_port = (uint16_t)atoi(argv[5]);
	want.n_peers = (size_t)(argc - 8);
	want.peers = calloc(want.n_peers + 1, sizeof(*want.peers));
	for (size_t i = 0; i < want.n_peers; i++)
		if (parse_peer(argv[8 + i], &want.peers[i])) {
			fprintf(stderr, "bad peer %s\n", argv[8 + i]);
			wg_device_free(&want);
			return 2;
		}
	ret = apply(backend(argv[2]), &want, argv[6], (unsigned)atoi(argv[7]));
	wg_device_free(&want);
	return ret ? 1 : 0;
}
