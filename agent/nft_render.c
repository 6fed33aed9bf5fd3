#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft_forward.h"
#include "nft_sets.h"
#include "nft_render.h"
#include "pst.h"

/* Elements per add/delete element statement: keeps lines short, statements few. */
#define ELEMS_PER_LINE 256

static const char *const map_names[] = {
	[PROTO_TCP] = "fwd_tcp",
	[PROTO_UDP] = "fwd_udp",
};

/*
 * Per-forward counters: sets of public ports with per-element counters, looked up in the
 * forward chain. (Named counter objects would be loaded by libnftables on every command:
 * 10,000 of them turn a 0.15 ms update into 25 ms.)
 */
static const char *const cnt_names[] = {
	[PROTO_TCP] = "cnt_tcp",
	[PROTO_UDP] = "cnt_udp",
};

static bool fwd_valid(const struct object *o)
{
	return !o || (o->kind == KIND_FORWARD &&
		      (o->fwd.proto == PROTO_TCP || o->fwd.proto == PROTO_UDP));
}

/*
 * The forwarded ports are looked up in the counter sets, not the maps: Linux 6.1 (Debian
 * 12) refuses a map used as a set (EINVAL). That lookup counts each connection's first
 * packet once more in the forward's counter.
 *
 * The mark lives in the conntrack entry (set once, by the first packet, only when one of
 * our maps has the port) and is copied to every packet of the connection, both ways,
 * at priority mangle: before any filter-priority forward chain of another table runs.
 */
static void render_mark_pre(struct strbuf *sb, const struct nft_conf *conf)
{
	static const char *const protos[] = { "tcp", "udp" };

	if (!conf->mark_mask)
		return;
	for (int i = 0; i < 2; i++)
		strbuf_printf(sb, "\t\tmeta nfproto ipv4 fib daddr type local %s dport @cnt_%s "
			      "ct mark set ct mark and 0x%08x or 0x%08x\n", protos[i], protos[i],
			      ~conf->mark_mask, conf->mark);
}

static void render_mark_chain(struct strbuf *sb, const struct nft_conf *conf)
{
	if (!conf->mark_mask)
		return;
	strbuf_printf(sb,
		"\tchain forward_mark {\n"
		"\t\ttype filter hook forward priority mangle; policy accept;\n"
		"\t\tct mark and 0x%08x == 0x%08x meta mark set meta mark and 0x%08x or 0x%08x\n"
		"\t}\n",
		conf->mark_mask, conf->mark, ~conf->mark_mask, conf->mark);
}

/* nft 1.0.6 takes no quoted table names; interface names are strings and are quoted. */
static void render_table(struct strbuf *sb, const struct nft_conf *conf)
{
	strbuf_printf(sb,
		"table inet %1$s {\n"
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
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n",
		conf->table);
	render_mark_pre(sb, conf);
	strbuf_printf(sb,
		"\t\tmeta nfproto ipv4 fib daddr type local tcp dport vmap @gate_tcp\n"
		"\t\tmeta nfproto ipv4 fib daddr type local udp dport vmap @gate_udp\n"
		"\t\tmeta nfproto ipv4 fib daddr type local dnat ip to tcp dport map @fwd_tcp\n"
		"\t\tmeta nfproto ipv4 fib daddr type local dnat ip to udp dport map @fwd_udp\n"
		"\t}\n");
	render_mark_chain(sb, conf);
	strbuf_printf(sb,
		"\tchain pst_mark {\n"
		"\t\ttype filter hook prerouting priority -90; policy accept;\n"
		"\t\tct direction original ct status dnat meta l4proto tcp ct original proto-dst "
		"@keep_tcp meta mark set meta mark and 0x%2$08x or 0x%3$08x\n"
		"\t\tct direction original ct status dnat meta l4proto udp ct original proto-dst "
		"@keep_udp meta mark set meta mark and 0x%2$08x or 0x%3$08x\n"
		"\t}\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\toifname \"%1$s\" tcp flags syn tcp option maxseg size set rt mtu\n"
		"\t\toifname \"%4$s\" tcp flags syn tcp option maxseg size set rt mtu\n"
		"\t\tct status dnat meta l4proto tcp ct original proto-dst @cnt_tcp\n"
		"\t\tct status dnat meta l4proto udp ct original proto-dst @cnt_udp\n"
		"\t\tct status dnat accept\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\tct status dnat meta l4proto tcp ct original proto-dst @keep_tcp accept\n"
		"\t\tct status dnat meta l4proto udp ct original proto-dst @keep_udp accept\n"
		"\t\toifname \"%1$s\" ct status dnat masquerade\n"
		"\t}\n"
		"}\n",
		conf->wg_iface, ~PST_EDGE_MASK, PST_EDGE_MARK, PST_IFNAME);
}

/* Plain forwards' map elements, or every forward's ports in the counter sets. */
static size_t render_elem(struct strbuf *sb, const struct object *o, bool key_only,
			  bool counter, size_t k, const char *head)
{
	const struct forward_spec *f = &o->fwd;
	char ip[INET_ADDRSTRLEN];

	if (!counter && fwd_featured(f))
		return k;
	inet_ntop(AF_INET, &f->target_ip, ip, sizeof(ip));
	for (unsigned p = f->public_port; p <= fwd_last_port(f); p++, k++) {
		if (k % ELEMS_PER_LINE == 0)
			strbuf_printf(sb, "%s%s", k ? " }\n" : "", head);
		else
			strbuf_puts(sb, ", ");
		if (key_only || counter)
			strbuf_printf(sb, "%u", p);
		else
			strbuf_printf(sb, "%u : %s . %u", p, ip, f->target_port);
	}
	return k;
}

/* One proto's elements from one side (old: deletes by key, new: adds) in batched lines. */
static void render_elems(struct strbuf *sb, const struct nft_conf *conf,
			 const struct fwd_change *changes, size_t n,
			 enum proto proto, bool old, bool counter)
{
	char head[128];
	size_t i, k = 0;

	snprintf(head, sizeof(head), "%s element inet %s %s { ", old ? "delete" : "add",
		 conf->table, counter ? cnt_names[proto] : map_names[proto]);
	for (i = 0; i < n; i++) {
		const struct object *o = old ? changes[i].old : changes[i].new;

		if (!o || o->fwd.proto != proto || nft_render_health_only(&changes[i]))
			continue;
		k = render_elem(sb, o, old, counter, k, head);
	}
	if (k)
		strbuf_puts(sb, " }\n");
}

static void render_side(struct strbuf *sb, const struct nft_conf *conf,
			const struct fwd_change *changes, size_t n, bool old)
{
	for (int p = PROTO_TCP; p <= PROTO_UDP; p++) {
		render_elems(sb, conf, changes, n, (enum proto)p, old, false);
		render_elems(sb, conf, changes, n, (enum proto)p, old, true);
	}
	for (size_t i = 0; i < n; i++) {
		const struct fwd_change *c = &changes[i];
		const struct object *o = old ? c->old : c->new;

		if (!o || !fwd_featured(&o->fwd))
			continue;
		if (nft_render_health_only(c)) {
			if (!old)
				nft_forward_targets(sb, conf, o, c->new_down);
		} else if (old)
			nft_forward_del(sb, conf, o);
		else
			nft_forward_add(sb, conf, o, c->new_down);
	}
}

int nft_render(struct strbuf *sb, const struct nft_conf *conf,
	       const struct fwd_change *changes, size_t n, bool full)
{
	return nft_render_sets(sb, conf, changes, n, NULL, 0, full);
}

/*
 * Chains are declared before the table's maps in a full replace: a verdict map element
 * naming a chain created later in the same transaction is refused (ENOENT).
 */
int nft_render_sets(struct strbuf *sb, const struct nft_conf *conf,
		    const struct fwd_change *changes, size_t n,
		    const struct nft_set_op *sets, size_t n_sets, bool full)
{
	size_t i, k;

	if (!conf->table || !conf->wg_iface || (conf->mark & ~conf->mark_mask))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!fwd_valid(changes[i].new) || (!full && !fwd_valid(changes[i].old)))
			return -EINVAL;

	/* sets filled, element deletes, then adds, then sets deleted: one transaction */
	if (full) {
		strbuf_printf(sb, "table inet %1$s\ndelete table inet %1$s\n", conf->table);
		for (i = 0, k = 0; i < n; i++) {
			if (!changes[i].new || !fwd_featured(&changes[i].new->fwd))
				continue;
			if (!k++)
				strbuf_printf(sb, "add table inet %s\n", conf->table);
			nft_forward_chain(sb, conf, changes[i].new);
		}
		render_table(sb, conf);
	}
	for (i = 0; i < n_sets; i++)
		if (sets[i].nets)
			nft_sets_render_put(sb, conf, &sets[i]);
	if (!full)
		render_side(sb, conf, changes, n, true);
	render_side(sb, conf, changes, n, false);
	for (i = 0; i < n_sets; i++)
		if (!sets[i].nets && !full)
			nft_sets_render_del(sb, conf, sets[i].id);
	return sb->err;
}
