/* The join response: parsing, precise errors, canonical rendering, equality. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "endpoint.h"
#include "join_parse.h"
#include "strbuf.h"
#include "wg_device.h"

#define K1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define K2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define K3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="
#define PSK "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU="

static const char example[] =
	"{\"address\": \"10.50.0.5/24\", \"listen_port\": 51820, \"mtu\": 1420, \"peers\": [\n"
	"  {\"public_key\": \"" K1 "\", \"endpoint\": \"203.0.113.10:51820\",\n"
	"   \"allowed_ips\": [\"10.50.0.0/24\"], \"persistent_keepalive\": 25,\n"
	"   \"preshared_key\": \"" PSK "\"},\n"
	"  {\"public_key\": \"" K2 "\", \"endpoint\": \"[2001:db8::1]:4500\",\n"
	"   \"allowed_ips\": [\"10.50.0.2/32\", \"fd00:50::/64\"]}\n"
	"]}";

static const char example_canonical[] =
	"{\"address\":\"10.50.0.5/24\",\"listen_port\":51820,\"mtu\":1420,\"peers\":["
	"{\"public_key\":\"" K1 "\",\"endpoint\":\"203.0.113.10:51820\","
	"\"allowed_ips\":[\"10.50.0.0/24\"],\"persistent_keepalive\":25,"
	"\"preshared_key\":\"" PSK "\"},"
	"{\"public_key\":\"" K2 "\",\"endpoint\":\"[2001:db8::1]:4500\","
	"\"allowed_ips\":[\"10.50.0.2/32\",\"fd00:50::/64\"]}]}\n";

struct bad {
	const char *name;
	const char *json;
	const char *err;
};

#define PEER(extra) "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1 \
	"\",\"allowed_ips\":[]" extra "}]}"
#define ROOT(extra) "{\"address\":\"10.50.0.5/24\",\"peers\":[]" extra "}"

static const struct bad bads[] = {
	{ "empty", "", "wireguard: payload is not valid JSON: unexpected end of data at offset 0" },
	{ "not json", "hello", "wireguard: payload is not valid JSON: unexpected character at offset 0" },
	{ "trailing garbage", ROOT("") " x", "wireguard: payload is not valid JSON: unexpected character at offset 38" },
	{ "array root", "[]", "wireguard: payload must be a JSON object, got array" },
	{ "nul byte", "{\"address\"\0}", "wireguard: payload contains a NUL byte at offset 10" },
	{ "unknown root field", ROOT(",\"name\":\"x\""),
	  "wireguard: unknown field \"name\" (accepted: address, listen_port, mtu, peers)" },
	{ "address missing", "{\"peers\":[]}",
	  "wireguard: address is required (accepted: IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24)" },
	{ "address number", "{\"address\":5,\"peers\":[]}",
	  "wireguard: address must be a string, got number 5" },
	{ "address null", "{\"address\":null,\"peers\":[]}",
	  "wireguard: address must be a string, got null" },
	{ "address no prefix", "{\"address\":\"10.50.0.5\",\"peers\":[]}",
	  "wireguard: address \"10.50.0.5\" is not an address with prefix length (accepted: IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24)" },
	{ "address name", "{\"address\":\"node.example/24\",\"peers\":[]}",
	  "wireguard: address \"node.example/24\" is not an address with prefix length (accepted: IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24)" },
	{ "address prefix 33", "{\"address\":\"10.50.0.5/33\",\"peers\":[]}",
	  "wireguard: address \"10.50.0.5/33\" has an invalid prefix length (accepted: 1..32)" },
	{ "address prefix v6", "{\"address\":\"fd00::5/129\",\"peers\":[]}",
	  "wireguard: address \"fd00::5/129\" has an invalid prefix length (accepted: 1..128)" },
	{ "address network", "{\"address\":\"10.50.0.0/24\",\"peers\":[]}",
	  "wireguard: address \"10.50.0.0/24\" is the network address, not a host address (accepted: IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24)" },
	{ "address broadcast", "{\"address\":\"10.50.0.255/24\",\"peers\":[]}",
	  "wireguard: address \"10.50.0.255/24\" is the broadcast address, not a host address (accepted: IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24)" },
	{ "listen_port 0", ROOT(",\"listen_port\":0"),
	  "wireguard: listen_port 0 is out of range (accepted: 1..65535)" },
	{ "listen_port string", ROOT(",\"listen_port\":\"51820\""),
	  "wireguard: listen_port must be an integer, got string \"51820\"" },
	{ "mtu low", ROOT(",\"mtu\":1279"), "wireguard: mtu 1279 is out of range (accepted: 1280..9000)" },
	{ "mtu high", ROOT(",\"mtu\":9001"), "wireguard: mtu 9001 is out of range (accepted: 1280..9000)" },
	{ "mtu float", ROOT(",\"mtu\":1420.0"), "wireguard: mtu must be an integer, got number 1420.0" },
	{ "mtu huge", ROOT(",\"mtu\":99999999999999999999"),
	  "wireguard: mtu 18446744073709551615 is out of range (accepted: 1280..9000)" },
	{ "peers missing", "{\"address\":\"10.50.0.5/24\"}",
	  "wireguard: peers is required (accepted: array of peer objects, may be empty)" },
	{ "peers object", "{\"address\":\"10.50.0.5/24\",\"peers\":{}}",
	  "wireguard: peers must be an array, got object" },
	{ "peer string", "{\"address\":\"10.50.0.5/24\",\"peers\":[\"x\"]}",
	  "wireguard: peers[0] must be an object, got string \"x\"" },
	{ "peer unknown field", PEER(",\"name\":\"a\""),
	  "wireguard: peers[0]: unknown field \"name\" (accepted: public_key, endpoint, allowed_ips, persistent_keepalive, preshared_key)" },
	{ "public_key missing", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"allowed_ips\":[]}]}",
	  "wireguard: peers[0].public_key is required (accepted: 44 base64 characters ending in one '=')" },
	{ "public_key short", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"abc=\",\"allowed_ips\":[]}]}",
	  "wireguard: peers[0].public_key \"abc=\" is not a WireGuard key (accepted: 44 base64 characters ending in one '=')" },
	{ "public_key noncanonical", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":"
	  "\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=\",\"allowed_ips\":[]}]}",
	  "wireguard: peers[0].public_key \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=\" is not a WireGuard key (accepted: 44 base64 characters ending in one '=')" },
	{ "preshared_key bad, not echoed", PEER(",\"preshared_key\":\"secret\""),
	  "wireguard: peers[0].preshared_key is not a WireGuard key (accepted: 44 base64 characters ending in one '=')" },
	{ "endpoint name", PEER(",\"endpoint\":\"x:1\""),
	  "wireguard: peers[0].endpoint \"x:1\" is not host:port (accepted: IPv4:port or [IPv6]:port)" },
	{ "endpoint no port", PEER(",\"endpoint\":\"203.0.113.10\""),
	  "wireguard: peers[0].endpoint \"203.0.113.10\" is not host:port (accepted: IPv4:port or [IPv6]:port)" },
	{ "endpoint v6 unbracketed", PEER(",\"endpoint\":\"2001:db8::1:51820\""),
	  "wireguard: peers[0].endpoint \"2001:db8::1:51820\" is not host:port (accepted: IPv4:port or [IPv6]:port)" },
	{ "endpoint port 0", PEER(",\"endpoint\":\"203.0.113.10:0\""),
	  "wireguard: peers[0].endpoint \"203.0.113.10:0\" has a port out of range (accepted: 1..65535)" },
	{ "endpoint port 65536", PEER(",\"endpoint\":\"[2001:db8::1]:65536\""),
	  "wireguard: peers[0].endpoint \"[2001:db8::1]:65536\" has a port out of range (accepted: 1..65535)" },
	{ "endpoint number", PEER(",\"endpoint\":51820"),
	  "wireguard: peers[0].endpoint must be a string, got number 51820" },
	{ "allowed_ips missing", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1 "\"}]}",
	  "wireguard: peers[0].allowed_ips is required (accepted: array of networks, e.g. [\"10.50.0.0/24\"])" },
	{ "allowed_ips string", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":\"10.0.0.0/8\"}]}",
	  "wireguard: peers[0].allowed_ips must be an array, got string \"10.0.0.0/8\"" },
	{ "allowed_ips host bits", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":[\"10.50.0.1/24\"]}]}",
	  "wireguard: peers[0].allowed_ips[0] \"10.50.0.1/24\" has host bits set (accepted: network address, e.g. 10.50.0.0/24)" },
	{ "allowed_ips not network", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":[\"10.0.0.0/8\",\" 10.1.0.0/16\"]}]}",
	  "wireguard: peers[0].allowed_ips[1] \" 10.1.0.0/16\" is not an IP network (accepted: IPv4 or IPv6 network, e.g. 10.0.0.0/8 or fd00::/8)" },
	{ "allowed_ips prefix", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":[\"10.0.0.0/40\"]}]}",
	  "wireguard: peers[0].allowed_ips[0] \"10.0.0.0/40\" has an invalid prefix length (accepted: 0..32)" },
	{ "allowed_ips element number", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":[7]}]}",
	  "wireguard: peers[0].allowed_ips[0] must be a string, got number 7" },
	{ "keepalive negative", PEER(",\"persistent_keepalive\":-1"),
	  "wireguard: peers[0].persistent_keepalive -1 is out of range (accepted: 0..65535)" },
	{ "keepalive bool", PEER(",\"persistent_keepalive\":true"),
	  "wireguard: peers[0].persistent_keepalive must be an integer, got boolean true" },
	{ "duplicate peer key", "{\"address\":\"10.50.0.5/24\",\"peers\":["
	  "{\"public_key\":\"" K1 "\",\"allowed_ips\":[]},{\"public_key\":\"" K2 "\",\"allowed_ips\":[]},"
	  "{\"public_key\":\"" K1 "\",\"allowed_ips\":[]}]}",
	  "wireguard: peers[2].public_key \"" K1 "\" repeats peers[0].public_key" },
	{ "duplicate allowed ip", "{\"address\":\"10.50.0.5/24\",\"peers\":["
	  "{\"public_key\":\"" K1 "\",\"allowed_ips\":[\"10.50.0.2/32\"]},"
	  "{\"public_key\":\"" K2 "\",\"allowed_ips\":[\"10.50.0.3/32\",\"10.50.0.2/32\"]}]}",
	  "wireguard: peers[1].allowed_ips[1] \"10.50.0.2/32\" repeats peers[0].allowed_ips[0] (accepted: each network in one place)" },
	{ "duplicate root field", "{\"address\":\"10.50.0.5/24\",\"mtu\":1400,\"peers\":[],\"mtu\":1420}",
	  "wireguard: duplicate field \"mtu\"" },
	{ "duplicate escaped root field", "{\"address\":\"10.50.0.5/24\",\"peers\":[],\"pe\\u0065rs\":[]}",
	  "wireguard: duplicate field \"peers\"" },
	{ "root field repeated behind an escaped NUL",
	  "{\"address\":\"10.50.0.5/24\",\"mtu\":1400,\"peers\":[],\"mtu\\u0000x\":9000}",
	  "wireguard: unknown field \"mtu\\x00x\" (accepted: address, listen_port, mtu, peers)" },
	{ "field cut at an escaped NUL is unknown, not the field json-c reads",
	  "{\"address\":\"10.50.0.5/24\",\"mt\\u0075\\u0000x\":9000,\"peers\":[]}",
	  "wireguard: unknown field \"mtu\\x00x\" (accepted: address, listen_port, mtu, peers)" },
	{ "peer field cut at an escaped NUL", PEER(",\"endpoint\\u0000\":\"1.2.3.4:5\""),
	  "wireguard: peers[0]: unknown field \"endpoint\\x00\" (accepted: public_key, endpoint, "
	  "allowed_ips, persistent_keepalive, preshared_key)" },
	{ "duplicate peer field", "{\"address\":\"10.50.0.5/24\",\"peers\":["
	  "{\"public_key\":\"" K1 "\",\"allowed_ips\":[]},"
	  "{\"public_key\":\"" K2 "\",\"allowed_ips\":[],\"endpoint\":\"1.2.3.4:5\",\"endp\\u006fint\":\"1.2.3.4:6\"}]}",
	  "wireguard: peers[1]: duplicate field \"endpoint\"" },
	{ "too deep", "{\"address\":\"10.50.0.5/24\",\"peers\":[{\"public_key\":\"" K1
	  "\",\"allowed_ips\":[[\"10.0.0.0/8\"]]}]}",
	  "wireguard: payload is not valid JSON: nesting too deep at offset 112" },
};

static void test_example(void)
{
	struct wg_join j = { 0 }, k = { 0 };
	char err[ERR_LEN] = "", ep[64];
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = join_parse(example, sizeof(example) - 1, &j, err, sizeof(err));
	CHECK_STR("example parses", err, "");
	CHECK("example returns 0", ret == 0);
	CHECK("example address", j.address.family == AF_INET && j.address.prefix == 24 &&
	      j.address.addr[3] == 5);
	CHECK("example port and mtu", j.listen_port == 51820 && j.mtu == 1420);
	CHECK("example peers", j.n_peers == 2 && j.peers[0].keepalive == 25 &&
	      j.peers[0].has_psk && !j.peers[1].has_psk && j.peers[1].n_allowed == 2);
	CHECK("example psk bytes", j.n_peers == 2 && j.peers[0].preshared_key[0] == 0x55);
	if (j.n_peers != 2)
		return;
	endpoint_format(ep, sizeof(ep), &j.peers[1].endpoint);
	CHECK_STR("example v6 endpoint", ep, "[2001:db8::1]:4500");
	ret = join_render(&j, &text, &len);
	CHECK("render returns 0", ret == 0);
	CHECK_STR("render is canonical", text, example_canonical);
	CHECK("render length", text && len == strlen(text));
	ret = join_parse(text, len, &k, err, sizeof(err));
	CHECK("canonical text parses", ret == 0);
	CHECK("round trip is equal", wg_join_equal(&j, &k));
	k.peers[1].keepalive = 5;
	CHECK("keepalive change is not equal", !wg_join_equal(&j, &k));
	k.peers[1].keepalive = 0;
	k.peers[0].preshared_key[31] ^= 1;
	CHECK("psk change is not equal", !wg_join_equal(&j, &k));
	k.peers[0].preshared_key[31] ^= 1;
	k.peers[1].allowed[1].prefix = 63;
	CHECK("allowed ip change is not equal", !wg_join_equal(&j, &k));
	k.peers[1].allowed[1].prefix = 64;
	k.peers[1].endpoint.in6.sin6_port = htons(4501);
	CHECK("endpoint change is not equal", !wg_join_equal(&j, &k));
	k.peers[1].endpoint.in6.sin6_port = htons(4500);
	CHECK("restored is equal", wg_join_equal(&j, &k));
	free(text);
	wg_join_free(&j);
	wg_join_free(&k);
}

static void test_minimal(void)
{
	const char *in = "{\"peers\":[{\"allowed_ips\":[\"10.0.0.1\"],\"public_key\":\"" K3 "\","
			 "\"endpoint\":null,\"preshared_key\":null,\"persistent_keepalive\":0}],"
			 "\"m\\u0074u\":1280,\"address\":\"fd00:50::7/64\"}";
	struct wg_join j = { 0 };
	char err[ERR_LEN] = "", *text = NULL;
	size_t len;
	int ret;

	ret = join_parse(in, strlen(in), &j, err, sizeof(err));
	CHECK_STR("minimal parses", err, "");
	CHECK("minimal returns 0", ret == 0);
	CHECK("minimal defaults", j.listen_port == 0 && j.mtu == 1280 && j.n_peers == 1 &&
	      !j.peers[0].endpoint.family && !j.peers[0].has_psk);
	CHECK("minimal bare address is /32", j.n_peers == 1 && j.peers[0].allowed[0].prefix == 32);
	ret = join_render(&j, &text, &len);
	CHECK_STR("minimal render", ret ? "" : text,
		  "{\"address\":\"fd00:50::7/64\",\"mtu\":1280,\"peers\":[{\"public_key\":\"" K3
		  "\",\"allowed_ips\":[\"10.0.0.1/32\"]}]}\n");
	free(text);
	wg_join_free(&j);

	in = "{\"address\":\"10.50.0.1/31\",\"peers\":[]}";
	ret = join_parse(in, strlen(in), &j, err, sizeof(err));
	CHECK("/31 address is accepted", ret == 0 && j.n_peers == 0 && !j.peers);
	wg_join_free(&j);
}

static void test_bad(void)
{
	char err[ERR_LEN], name[160];
	struct wg_join j;
	size_t len;
	int ret;

	CHECK("at least 25 bad responses", sizeof(bads) / sizeof(bads[0]) >= 25);
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = strlen(bads[i].json);
		if (!strcmp(bads[i].name, "nul byte"))
			len = 12;
		memset(&j, 0xa5, sizeof(j));
		err[0] = '\0';
		ret = join_parse(bads[i].json, len, &j, err, sizeof(err));
		snprintf(name, sizeof(name), "bad: %s", bads[i].name);
		CHECK_STR(name, err, bads[i].err);
		snprintf(name, sizeof(name), "bad: %s returns -EINVAL", bads[i].name);
		CHECK(name, ret == -EINVAL);
	}
}

static void big(size_t n, struct strbuf *sb)
{
	strbuf_puts(sb, "{\"address\":\"10.50.0.1/16\",\"peers\":[");
	for (size_t i = 0; i < n; i++) {
		uint8_t key[32] = { 0 };
		char b64[64];

		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		/* base64 of the key: only the first 3 digits vary */
		static const char d[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		snprintf(b64, sizeof(b64), "%c%c%cA%s", d[key[0] >> 2],
			 d[(key[0] & 3) << 4 | key[1] >> 4], d[(key[1] & 15) << 2],
			 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
		strbuf_printf(sb, "%s{\"public_key\":\"%s\",\"allowed_ips\":[\"10.%zu.%zu.0/24\"]}",
			      i ? "," : "", b64, 60 + i / 256, i % 256);
	}
	strbuf_puts(sb, "]}");
}

static void test_limits(void)
{
	struct wg_join j = { 0 };
	struct strbuf sb;
	char err[ERR_LEN] = "";
	int ret;

	strbuf_init(&sb);
	big(JOIN_MAX_PEERS, &sb);
	ret = join_parse(sb.buf, sb.len, &j, err, sizeof(err));
	CHECK_STR("10000 peers parse", err, "");
	CHECK("10000 peers", ret == 0 && j.n_peers == JOIN_MAX_PEERS);
	wg_join_free(&j);
	strbuf_reset(&sb);
	big(JOIN_MAX_PEERS + 1, &sb);
	ret = join_parse(sb.buf, sb.len, &j, err, sizeof(err));
	CHECK_STR("10001 peers rejected", err,
		  "wireguard: peers has 10001 entries, over the limit of 10000");
	CHECK("10001 peers returns -EINVAL", ret == -EINVAL);
	strbuf_reset(&sb);
	strbuf_puts(&sb, "{\"address\":\"10.50.0.5/24\",\"peers\":[]}");
	while (sb.len <= JOIN_MAX_BYTES)
		strbuf_puts(&sb, "                                                ");
	ret = join_parse(sb.buf, sb.len, &j, err, sizeof(err));
	snprintf(sb.buf, sb.cap, "wireguard: payload is %zu bytes, over the limit of 1048576 bytes",
		 sb.len);
	CHECK_STR("over 1 MiB rejected", err, sb.buf);
	strbuf_free(&sb);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_example();
	test_minimal();
	test_bad();
	test_limits();
	return CHECK_DONE();
}
