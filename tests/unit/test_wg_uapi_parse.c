/* The UAPI codec: get replies as wireguard-go writes them, set requests from deltas. */
#include <arpa/inet.h>
#include <errno.h>

#include "check.h"
#include "wg_uapi.h"

#define K(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  /* 32 x */

static const char reply[] =
	"private_key=" K("a0") "\n"
	"listen_port=51820\n"
	"fwmark=0\n"
	"public_key=" K("b1") "\n"
	"preshared_key=" K("00") "\n"
	"protocol_version=1\n"
	"endpoint=192.168.77.2:51821\n"
	"last_handshake_time_sec=1700000123\n"
	"last_handshake_time_nsec=456\n"
	"tx_bytes=92\n"
	"rx_bytes=18446744073709551615\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.60.0.2/32\n"
	"allowed_ip=10.61.0.0/24\n"
	"public_key=" K("c2") "\n"
	"preshared_key=" K("5A") "\n"
	"endpoint=[fe80::1%3]:51822\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=fd00:60::/64\n"
	"some_future_key=whatever\n"
	"errno=0\n"
	"\n";

static void test_parse(void)
{
	struct wg_device d;
	char ip[INET6_ADDRSTRLEN] = "";
	const struct wg_peer *a, *b;

	CHECK("parse reply", wg_uapi_parse(reply, sizeof(reply) - 1, &d) == 0);
	CHECK("parse: device", d.has_private_key && d.private_key[0] == 0xa0 &&
	      d.private_key[31] == 0xa0 && d.has_listen_port && d.listen_port == 51820);
	CHECK("parse: two peers", d.n_peers == 2);
	if (d.n_peers != 2)
		goto out;
	a = &d.peers[0];
	b = &d.peers[1];
	CHECK("parse: peer key", a->public_key[0] == 0xb1 && b->public_key[31] == 0xc2);
	CHECK("parse: zero psk is no psk", !a->has_psk);
	CHECK("parse: psk in upper-case hex", b->has_psk && b->preshared_key[7] == 0x5a);
	inet_ntop(AF_INET, &a->endpoint.in4.sin_addr, ip, sizeof(ip));
	CHECK_STR("parse: IPv4 endpoint", ip, "192.168.77.2");
	CHECK("parse: IPv4 endpoint port", a->endpoint.family == AF_INET &&
	      ntohs(a->endpoint.in4.sin_port) == 51821);
	inet_ntop(AF_INET6, &b->endpoint.in6.sin6_addr, ip, sizeof(ip));
	CHECK_STR("parse: IPv6 endpoint", ip, "fe80::1");
	CHECK("parse: IPv6 endpoint port and zone", b->endpoint.family == AF_INET6 &&
	      ntohs(b->endpoint.in6.sin6_port) == 51822 && b->endpoint.in6.sin6_scope_id == 3);
	CHECK("parse: handshake and counters", a->last_handshake == 1700000123 &&
	      a->tx_bytes == 92 && a->rx_bytes == UINT64_MAX);
	CHECK("parse: keepalive", a->keepalive == 0 && b->keepalive == 25);
	CHECK("parse: allowed IPs", a->n_allowed == 2 && a->allowed[1].family == AF_INET &&
	      a->allowed[1].prefix == 24 && a->allowed[1].addr[1] == 61 &&
	      b->n_allowed == 1 && b->allowed[0].family == AF_INET6 &&
	      b->allowed[0].prefix == 64);
out:
	wg_device_free(&d);
}

static void parse_fails(const char *name, const char *text, int want)
{
	struct wg_device d;
	int ret = wg_uapi_parse(text, strlen(text), &d);

	CHECK(name, ret == want && d.n_peers == 0 && d.peers == NULL && !d.has_private_key);
	if (ret != want)
		printf("  got %d, want %d\n", ret, want);
	wg_device_free(&d);
}

static void test_parse_errors(void)
{
	parse_fails("errno=-22 is -EINVAL", "errno=-22\n\n", -EINVAL);
	parse_fails("errno=22 is -EINVAL too", "errno=22\n\n", -EINVAL);
	parse_fails("errno after a partial device", "private_key=" K("a0") "\n"
		    "public_key=" K("b1") "\nerrno=-5\n\n", -EIO);
	parse_fails("key too short", "private_key=abcd\nerrno=0\n\n", -EPROTO);
	parse_fails("key not hex", "public_key=" K("zz") "\nerrno=0\n\n", -EPROTO);
	parse_fails("line without =", "listen_port\nerrno=0\n\n", -EPROTO);
	parse_fails("port out of range", "listen_port=65536\nerrno=0\n\n", -EPROTO);
	parse_fails("bad allowed IP", "public_key=" K("b1") "\nallowed_ip=10.0.0.0/33\n"
		    "errno=0\n\n", -EPROTO);
	parse_fails("bad endpoint", "public_key=" K("b1") "\nendpoint=1.2.3.4\nerrno=0\n\n",
		    -EPROTO);
	parse_fails("cut short: no blank line", "listen_port=1\nerrno=0\n", -EPROTO);
	parse_fails("no errno line", "listen_port=1\n\n", -EPROTO);
	parse_fails("empty", "", -EPROTO);
}

static void test_status(void)
{
	CHECK("status errno=0", wg_uapi_status("errno=0\n\n", 10) == 0);
	CHECK("status errno=-22", wg_uapi_status("errno=-22\n\n", 12) == -EINVAL);
	CHECK("status without errno", wg_uapi_status("\n", 1) == -EPROTO);
	CHECK("reply length: complete", wg_uapi_reply_len("errno=0\n\nmore", 13) == 9);
	CHECK("reply length: incomplete", wg_uapi_reply_len("errno=0\n", 8) == 0);
}

static void test_hex(void)
{
	uint8_t k[WG_KEY_LEN], back[WG_KEY_LEN];
	char hex[WG_KEY_HEX_LEN];

	for (size_t i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(i * 9 + 250);
	wg_uapi_key_to_hex(hex, k);
	CHECK("hex round trip", wg_uapi_key_from_hex(back, hex, strlen(hex)) &&
	      !memcmp(k, back, WG_KEY_LEN));
	CHECK("hex is lower case, 64 digits", strlen(hex) == 64 && !strncmp(hex, "fa03", 4));
}

static void test_render(void)
{
	struct wg_peer peers[3] = { 0 };
	struct cidr allowed[2] = {
		{ .family = AF_INET, .addr = { 10, 60, 0, 4 }, .prefix = 32 },
		{ .family = AF_INET6, .addr = { 0xfd, 0, 0, 0x61 }, .prefix = 64 },
	};
	struct wg_device d = { .ifname = "wg-edge", .has_private_key = true,
			       .has_listen_port = true, .listen_port = 51820,
			       .peers = peers, .n_peers = 3 };
	struct strbuf sb;

	memset(d.private_key, 0xa0, WG_KEY_LEN);
	memset(peers[0].public_key, 0xb1, WG_KEY_LEN);
	peers[0].remove = true;
	peers[0].n_allowed = 1;          /* ignored for a removed peer */
	peers[0].allowed = allowed;
	memset(peers[1].public_key, 0xc2, WG_KEY_LEN);
	peers[1].has_psk = true;
	memset(peers[1].preshared_key, 0x5a, WG_KEY_LEN);
	peers[1].endpoint.family = AF_INET;
	peers[1].endpoint.in4.sin_family = AF_INET;
	peers[1].endpoint.in4.sin_port = htons(51822);
	inet_pton(AF_INET, "192.168.78.2", &peers[1].endpoint.in4.sin_addr);
	peers[1].keepalive = 25;
	peers[1].replace_allowed = true;
	peers[1].allowed = allowed;
	peers[1].n_allowed = 2;
	memset(peers[2].public_key, 0xd3, WG_KEY_LEN);
	peers[2].endpoint.family = AF_INET6;
	peers[2].endpoint.in6.sin6_family = AF_INET6;
	peers[2].endpoint.in6.sin6_port = htons(51823);
	peers[2].endpoint.in6.sin6_scope_id = 3;
	inet_pton(AF_INET6, "fe80::2", &peers[2].endpoint.in6.sin6_addr);

	strbuf_init(&sb);
	CHECK("render succeeds", wg_uapi_render(&sb, &d) == 0);
	CHECK_STR("render: a whole set request", sb.buf,
		  "set=1\n"
		  "private_key=" K("a0") "\n"
		  "listen_port=51820\n"
		  "public_key=" K("b1") "\n"
		  "remove=true\n"
		  "public_key=" K("c2") "\n"
		  "preshared_key=" K("5a") "\n"
		  "endpoint=192.168.78.2:51822\n"
		  "persistent_keepalive_interval=25\n"
		  "replace_allowed_ips=true\n"
		  "allowed_ip=10.60.0.4/32\n"
		  "allowed_ip=fd00:61::/64\n"
		  "public_key=" K("d3") "\n"
		  "endpoint=[fe80::2%3]:51823\n"
		  "persistent_keepalive_interval=0\n"
		  "\n");
	strbuf_reset(&sb);
	d.has_private_key = d.has_listen_port = false;
	d.n_peers = 0;
	d.replace_peers = true;
	wg_uapi_render(&sb, &d);
	CHECK_STR("render: replace all peers with none", sb.buf, "set=1\nreplace_peers=true\n\n");
	strbuf_free(&sb);
}

int main(void)
{
	test_parse();
	test_parse_errors();
	test_status();
	test_hex();
	test_render();
	return CHECK_DONE();
}
