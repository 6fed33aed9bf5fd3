/* Forwards beyond one port to one target: their chain, maps and sets as nft text; shared sets. */
#include <string.h>

#include "check.h"
#include "cidr.h"
#include "nft_forward.h"
#include "nft_sets.h"
#include "payload.h"

static struct policy pol;
static const struct nft_conf conf = { .table = "ea", .wg_iface = "wg0" };

static struct object *parse(const char *id, const char *json)
{
	char err[ERR_LEN];
	struct object *o = NULL;

	if (payload_parse(KIND_FORWARD, id, json, strlen(json), &pol, &o, err, sizeof(err)))
		printf("FAIL parse %s: %s\n", id, err);
	return o;
}

static void test_render(void)
{
	struct object *o = parse("web", "{\"public_port\":7000,\"targets\":[{\"ip\":\"10.0.0.1\","
				 "\"port\":80,\"weight\":2},{\"ip\":\"10.0.0.2\",\"port\":81}],"
				 "\"allow_from\":[\"192.0.2.0/24\",\"@office\"],\"limit\":"
				 "{\"connections_per_source\":4,\"new_per_source\":\"10/second\"},"
				 "\"preserve_source\":true}");
	struct object *r = parse("rng", "{\"public_port\":20000,\"public_port_end\":20002,"
				 "\"target_ip\":\"10.0.0.3\",\"target_port\":30000,\"proto\":\"udp\"}");
	struct object *a = parse("aff", "{\"public_port\":7001,\"public_port_end\":7009,"
				 "\"targets\":[{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.2\"}],"
				 "\"affinity\":\"source\"}");
	struct strbuf sb;

	strbuf_init(&sb);
	if (!o || !r || !a)
		goto out;
	nft_forward_add(&sb, &conf, o, 0);
	CHECK_STR("add: chain, sets, maps, rules, gate and keep elements", sb.buf,
		  "add chain inet ea f_web\n"
		  "add set inet ea a_web { type ipv4_addr; flags interval; auto-merge; elements = "
		  "{ 192.0.2.0/24 }; }\n"
		  "add set inet ea c_web { type ipv4_addr; size 65535; flags dynamic; }\n"
		  "add set inet ea r_web { type ipv4_addr; size 65535; flags dynamic,timeout; "
		  "timeout 10s; }\n"
		  "add map inet ea t_web { typeof numgen random mod 1 : ip daddr . th dport; }\n"
		  "add element inet ea t_web { 0 : 10.0.0.1 . 80, 1 : 10.0.0.1 . 80, 2 : 10.0.0.2 . 81 }\n"
		  "add rule inet ea f_web ip saddr != @a_web ip saddr != @s_office counter add "
		  "@refused_tcp { th dport } drop\n"
		  "add rule inet ea f_web add @c_web { ip saddr ct count over 4 } counter add "
		  "@refused_tcp { th dport } drop\n"
		  "add rule inet ea f_web update @r_web { ip saddr limit rate over 10/second burst "
		  "10 packets } counter add @refused_tcp { th dport } drop\n"
		  "add rule inet ea f_web meta l4proto tcp dnat ip to numgen random mod 3 map @t_web\n"
		  "add element inet ea gate_tcp { 7000 : goto f_web }\n"
		  "add element inet ea keep_tcp { 7000 }\n");
	strbuf_reset(&sb);
	nft_forward_del(&sb, &conf, o);
	CHECK_STR("del: in reverse, the chain flushed first", sb.buf,
		  "delete element inet ea gate_tcp { 7000 }\n"
		  "delete element inet ea keep_tcp { 7000 }\n"
		  "flush chain inet ea f_web\ndelete chain inet ea f_web\n"
		  "delete set inet ea a_web\ndelete set inet ea c_web\ndelete set inet ea r_web\n"
		  "delete map inet ea t_web\n");
	strbuf_reset(&sb);
	nft_forward_targets(&sb, &conf, o, 1);
	CHECK_STR("health: the down target's slots go to the other", sb.buf,
		  "flush map inet ea t_web\n"
		  "add element inet ea t_web { 0 : 10.0.0.2 . 81, 1 : 10.0.0.2 . 81, 2 : 10.0.0.2 . 81 }\n");
	strbuf_reset(&sb);
	nft_forward_targets(&sb, &conf, o, 3);
	CHECK("health: all down, all stay (fail open)", strstr(sb.buf, "0 : 10.0.0.1 . 80, 1 : "
	      "10.0.0.1 . 80, 2 : 10.0.0.2 . 81") != NULL);
	strbuf_reset(&sb);
	nft_forward_add(&sb, &conf, r, 0);
	CHECK_STR("range shifted: a port map", sb.buf,
		  "add chain inet ea f_rng\n"
		  "add map inet ea p_rng { type inet_service : ipv4_addr . inet_service; }\n"
		  "add element inet ea p_rng { 20000 : 10.0.0.3 . 30000, 20001 : 10.0.0.3 . 30001, "
		  "20002 : 10.0.0.3 . 30002 }\n"
		  "add rule inet ea f_rng meta l4proto udp dnat ip to udp dport map @p_rng\n"
		  "add element inet ea gate_udp { 20000-20002 : goto f_rng }\n");
	strbuf_reset(&sb);
	nft_forward_add(&sb, &conf, a, 0);
	CHECK("range of targets with affinity: addresses only, hashed on the source",
	      strstr(sb.buf, "typeof numgen random mod 1 : ip daddr; }\n") &&
	      strstr(sb.buf, "dnat ip to jhash ip saddr mod 2 seed 0x5eed map @t_aff\n") &&
	      strstr(sb.buf, "gate_tcp { 7001-7009 : goto f_aff }"));
	{
		struct fwd_change full[] = { { .new = a } };
		strbuf_reset(&sb);
		CHECK("full: renders", nft_render(&sb, &conf, full, 1, true) == 0);
		CHECK("full: chains before the table's maps", sb.buf && !strncmp(sb.buf,
		      "table inet ea\ndelete table inet ea\nadd table inet ea\nadd chain inet ea "
		      "f_aff\ntable inet ea {\n", 80));
		CHECK("full: ports in the counter set", strstr(sb.buf, "cnt_tcp { 7001, 7002, 7003, "
		      "7004, 7005, 7006, 7007, 7008, 7009 }") != NULL);
		CHECK("full: no plain map element", !strstr(sb.buf, "fwd_tcp {  7001"));
	}
out:
	object_unref(o);
	object_unref(r);
	object_unref(a);
	strbuf_free(&sb);
}

static void test_sets(void)
{
	struct object *u1 = parse("u1", "{\"public_port\":7100,\"target_ip\":\"10.0.0.1\","
				  "\"target_port\":80,\"allow_from\":[\"@office\"]}");
	struct object *u2 = parse("u2", "{\"public_port\":7101,\"target_ip\":\"10.0.0.1\","
				  "\"target_port\":80,\"allow_from\":[\"@office\"]}");
	struct nft_sets ns = { 0 };
	struct nft_sets_plan p;
	struct cidr_list l;
	struct strbuf sb;
	char err[128];

	strbuf_init(&sb);
	cidr_list_parse(&l, "192.0.2.0/24, 2001:db8::/32", err, sizeof(err));
	sets_put((struct sets *)pol.sets, 0, "office", &l, 1);
	{
		struct fwd_change c[] = { { .new = u1 } };
		CHECK("first user: plan", nft_sets_plan(&ns, pol.sets, c, 1, false, &p) == 0);
		CHECK("first user: the set is created", p.n_ops == 1 && p.ops[0].create &&
		      p.ops[0].nets && !strcmp(p.ops[0].id, "office"));
		nft_sets_render_put(&sb, &conf, &p.ops[0]);
		CHECK_STR("set: IPv4 networks only, rendered once", sb.buf,
			  "add set inet ea s_office { type ipv4_addr; flags interval; auto-merge; }\n"
			  "flush set inet ea s_office\nadd element inet ea s_office { 192.0.2.0/24 }\n");
		nft_sets_commit(&ns, &p);
		nft_sets_plan_free(&p);
	}
	{
		struct fwd_change c[] = { { .new = u2 } };
		CHECK("second user: nothing to do", nft_sets_plan(&ns, pol.sets, c, 1, false, &p) == 0 &&
		      p.n_ops == 0);
		nft_sets_commit(&ns, &p);
		nft_sets_plan_free(&p);
	}
	cidr_list_parse(&l, "198.51.100.0/24", err, sizeof(err));
	sets_put((struct sets *)pol.sets, 0, "office", &l, 1);
	ns.dirty = true;
	CHECK("set changed, no forward did: refilled", nft_sets_plan(&ns, pol.sets, NULL, 0, false,
	      &p) == 0 && p.n_ops == 1 && !p.ops[0].create && p.ops[0].nets);
	nft_sets_commit(&ns, &p);
	nft_sets_plan_free(&p);
	{
		struct fwd_change c[] = { { .old = u1 } };
		CHECK("one user left: kept", nft_sets_plan(&ns, pol.sets, c, 1, false, &p) == 0 &&
		      p.n_ops == 0);
		nft_sets_commit(&ns, &p);
		nft_sets_plan_free(&p);
	}
	{
		struct fwd_change c[] = { { .old = u2 } };
		CHECK("last user gone: deleted", nft_sets_plan(&ns, pol.sets, c, 1, false, &p) == 0 &&
		      p.n_ops == 1 && !p.ops[0].nets);
		nft_sets_commit(&ns, &p);
		nft_sets_plan_free(&p);
	}
	CHECK("nothing held", ns.have.n == 0);
	nft_sets_free(&ns);
	object_unref(u1);
	object_unref(u2);
	strbuf_free(&sb);
}

int main(void)
{
	static struct sets sets;
	struct cidr_list l;
	char err[128];

	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.max_payload = 65536;
	sets_init(&sets);
	cidr_list_parse(&l, "192.0.2.0/24", err, sizeof(err));
	sets_put(&sets, 0, "office", &l, 1);
	pol.sets = &sets;
	test_render();
	test_sets();
	sets_free(&sets);
	cidr_list_free(&pol.allowed);
	return CHECK_DONE();
}
