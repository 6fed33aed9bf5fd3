#include <arpa/inet.h>
#include <errno.h>

#include "check.h"
#include "nft_render.h"

static struct object *fwd(const char *id, enum proto proto, unsigned port,
			  const char *ip, unsigned target_port)
{
	struct object *o = object_new(KIND_FORWARD, id);

	o->fwd.proto = proto;
	o->fwd.public_port = (uint16_t)port;
	o->fwd.target_port = (uint16_t)target_port;
	inet_pton(AF_INET, ip, &o->fwd.target_ip);
	return o;
}

static const char full_want[] =
	"table inet edge_agent\n"
	"delete table inet edge_agent\n"
	"table inet edge_agent {\n"
	"\tmap fwd_tcp {\n"
	"\t\ttype inet_service : ipv4_addr . inet_service\n"
	"\t}\n"
	"\tmap fwd_udp {\n"
	"\t\ttype inet_service : ipv4_addr . inet_service\n"
	"\t}\n"
	"\tset cnt_tcp {\n"
	"\t\ttype inet_service; counter;\n"
	"\t}\n"
	"\tset cnt_udp {\n"
	"\t\ttype inet_service; counter;\n"
	"\t}\n"
	"\tmap gate_tcp {\n"
	"\t\ttype inet_service : verdict; flags interval;\n"
	"\t}\n"
	"\tmap gate_udp {\n"
	"\t\ttype inet_service : verdict; flags interval;\n"
	"\t}\n"
	"\tset keep_tcp {\n"
	"\t\ttype inet_service; flags interval;\n"
	"\t}\n"
	"\tset keep_udp {\n"
	"\t\ttype inet_service; flags interval;\n"
	"\t}\n"
	"\tset refused_tcp {\n"
	"\t\ttype inet_service; size 65535; flags dynamic; counter;\n"
	"\t}\n"
	"\tset refused_udp {\n"
	"\t\ttype inet_service; size 65535; flags dynamic; counter;\n"
	"\t}\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tmeta nfproto ipv4 fib daddr type local tcp dport vmap @gate_tcp\n"
	"\t\tmeta nfproto ipv4 fib daddr type local udp dport vmap @gate_udp\n"
	"\t\tmeta nfproto ipv4 fib daddr type local dnat ip to tcp dport map @fwd_tcp\n"
	"\t\tmeta nfproto ipv4 fib daddr type local dnat ip to udp dport map @fwd_udp\n"
	"\t}\n"
	"\tchain pst_mark {\n"
	"\t\ttype filter hook prerouting priority -90; policy accept;\n"
	"\t\tct direction original ct status dnat meta l4proto tcp ct original proto-dst @keep_tcp meta mark set meta mark and 0xfffff000 or 0x00000ea5\n"
	"\t\tct direction original ct status dnat meta l4proto udp ct original proto-dst @keep_udp meta mark set meta mark and 0xfffff000 or 0x00000ea5\n"
	"\t}\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\toifname \"wg0\" tcp flags syn tcp option maxseg size set rt mtu\n"
	"\t\toifname \"edge-pst\" tcp flags syn tcp option maxseg size set rt mtu\n"
	"\t\tct status dnat meta l4proto tcp ct original proto-dst @cnt_tcp\n"
	"\t\tct status dnat meta l4proto udp ct original proto-dst @cnt_udp\n"
	"\t\tct status dnat accept\n"
	"\t}\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tct status dnat meta l4proto tcp ct original proto-dst @keep_tcp accept\n"
	"\t\tct status dnat meta l4proto udp ct original proto-dst @keep_udp accept\n"
	"\t\toifname \"wg0\" ct status dnat masquerade\n"
	"\t}\n"
	"}\n"
	"add element inet edge_agent fwd_tcp { 80 : 10.0.0.1 . 8080, 443 : 10.0.0.2 . 443 }\n"
	"add element inet edge_agent cnt_tcp { 80, 443 }\n"
	"add element inet edge_agent fwd_udp { 53 : 10.0.0.3 . 5353 }\n"
	"add element inet edge_agent cnt_udp { 53 }\n";

/* tcp/80 moves to udp/80, udp/53 goes, tcp/22 comes, tcp/443 changes target. */
static const char inc_want[] =
	"delete element inet edge_agent fwd_tcp { 80, 443 }\n"
	"delete element inet edge_agent cnt_tcp { 80, 443 }\n"
	"delete element inet edge_agent fwd_udp { 53 }\n"
	"delete element inet edge_agent cnt_udp { 53 }\n"
	"add element inet edge_agent fwd_tcp { 443 : 10.0.0.9 . 8443, 22 : 10.0.0.4 . 22 }\n"
	"add element inet edge_agent cnt_tcp { 443, 22 }\n"
	"add element inet edge_agent fwd_udp { 80 : 10.0.0.1 . 8080 }\n"
	"add element inet edge_agent cnt_udp { 80 }\n";

static void test_batching(const struct nft_conf *conf)
{
	struct fwd_change ch[600] = { { 0 } };
	struct strbuf sb;
	size_t i, lines = 0, commas = 0;
	const char *p;

	for (i = 0; i < 600; i++)
		ch[i].new = fwd("x", PROTO_TCP, 1000 + (unsigned)i, "10.1.2.3", 80);
	strbuf_init(&sb);
	CHECK("batch: renders", nft_render(&sb, conf, ch, 600, false) == 0);
	for (p = sb.buf; p && *p; p++) {
		lines += *p == '\n';
		commas += *p == ',';
	}
	/* 3 statements of map elements and 3 of counter-set elements */
	CHECK("batch: 600 elements in 3 statements per set", lines == 6 && commas == 2 * 597);
	CHECK("batch: 256 per statement",
	      sb.buf && strstr(sb.buf, "1255 : 10.1.2.3 . 80 }\nadd element inet edge_agent "
			       "fwd_tcp { 1256 : 10.1.2.3 . 80, "));
	for (i = 0; i < 600; i++)
		object_unref((struct object *)ch[i].new);
	strbuf_free(&sb);
}

int main(void)
{
	const struct nft_conf conf = { .table = "edge_agent", .wg_iface = "wg0" };
	struct object *tcp80 = fwd("web", PROTO_TCP, 80, "10.0.0.1", 8080);
	struct object *tcp443 = fwd("tls", PROTO_TCP, 443, "10.0.0.2", 443);
	struct object *udp53 = fwd("dns", PROTO_UDP, 53, "10.0.0.3", 5353);
	struct object *udp80 = fwd("web", PROTO_UDP, 80, "10.0.0.1", 8080);
	struct object *tcp443b = fwd("tls", PROTO_TCP, 443, "10.0.0.9", 8443);
	struct object *tcp22 = fwd("ssh", PROTO_TCP, 22, "10.0.0.4", 22);
	struct object *route = object_new(KIND_ROUTE, "r");
	struct fwd_change full[] = {
		{ .new = tcp80 }, { .old = udp80, .new = tcp443 }, { .new = udp53 },
	};
	struct fwd_change inc[] = {
		{ .old = tcp80, .new = udp80 }, { .old = udp53 },
		{ .old = tcp443, .new = tcp443b }, { .new = tcp22 },
	};
	struct fwd_change bad[] = { { .new = route } };
	struct strbuf sb;

	strbuf_init(&sb);
	CHECK("full: renders", nft_render(&sb, &conf, full, 3, true) == 0);
	CHECK_STR("full: text", sb.buf, full_want);

	strbuf_reset(&sb);
	CHECK("incremental: renders", nft_render(&sb, &conf, inc, 4, false) == 0);
	CHECK_STR("incremental: text", sb.buf, inc_want);

	strbuf_reset(&sb);
	CHECK("empty incremental: renders", nft_render(&sb, &conf, NULL, 0, false) == 0);
	CHECK("empty incremental: no text", sb.len == 0);

	strbuf_reset(&sb);
	CHECK("empty full: only the table",
	      nft_render(&sb, &conf, NULL, 0, true) == 0 && sb.buf &&
	      strncmp(sb.buf, full_want, sb.len) == 0 && !strstr(sb.buf, "add element") &&
	      !strstr(sb.buf, "add counter"));

	strbuf_reset(&sb);
	CHECK("route object: -EINVAL", nft_render(&sb, &conf, bad, 1, true) == -EINVAL);
	CHECK("route object: nothing rendered", sb.len == 0);

	test_batching(&conf);

	strbuf_free(&sb);
	object_unref(tcp80);
	object_unref(tcp443);
	object_unref(udp53);
	object_unref(udp80);
	object_unref(tcp443b);
	object_unref(tcp22);
	object_unref(route);
	return CHECK_DONE();
}
