#include <arpa/inet.h>
#include <string.h>

#include "nft_forward.h"

#define ELEMS_PER_LINE 256
#define DYN_SIZE 65535      /* sources tracked per forward for its limits */
#define HASH_SEED 0x5eed

static const char *const l4[] = { [PROTO_TCP] = "tcp", [PROTO_UDP] = "udp" };

static bool fwd_range(const struct forward_spec *f)
{
	return fwd_last_port(f) != f->public_port;
}

static void ports(struct strbuf *sb, const struct forward_spec *f)
{
	if (fwd_range(f))
		strbuf_printf(sb, "%u-%u", f->public_port, f->public_port_end);
	else
		strbuf_printf(sb, "%u", f->public_port);
}

unsigned nft_forward_slots(const struct forward_spec *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_targets; i++)
		n += f->targets[i].weight ? f->targets[i].weight : 1;
	return n;
}

void nft_forward_assign(const struct forward_spec *f, uint64_t down, uint8_t *slot_target)
{
	uint64_t all = f->n_targets >= 64 ? ~0ULL : (1ULL << f->n_targets) - 1;
	unsigned s = 0, next = 0;
	size_t i, k;

	if ((down & all) == all)
		down = 0;   /* all down: all stay (fail open) */
	for (i = 0; i < f->n_targets; i++)
		for (k = 0; k < (f->targets[i].weight ? f->targets[i].weight : 1); k++)
			slot_target[s++] = (uint8_t)i;
	for (unsigned j = 0; j < s; j++) {
		if (!(down >> slot_target[j] & 1))
			continue;
		while (down >> (next % f->n_targets) & 1)
			next++;
		slot_target[j] = (uint8_t)(next++ % f->n_targets);
	}
}

static void target_elems(struct strbuf *sb, const struct nft_conf *conf, const struct object *o,
			 uint64_t down)
{
	const struct forward_spec *f = &o->fwd;
	uint8_t slot[FWD_TARGETS_MAX * FWD_WEIGHT_MAX];
	unsigned n = nft_forward_slots(f);
	char ip[INET_ADDRSTRLEN];

	nft_forward_assign(f, down, slot);
	for (unsigned j = 0; j < n; j++) {
		const struct fwd_target *t = &f->targets[slot[j]];
		if (j % ELEMS_PER_LINE == 0)
			strbuf_printf(sb, "%sadd element inet %s t_%s { ", j ? " }\n" : "",
				      conf->table, o->id);
		else
			strbuf_puts(sb, ", ");
		inet_ntop(AF_INET, &t->ip, ip, sizeof(ip));
		if (fwd_range(f))
			strbuf_printf(sb, "%u : %s", j, ip);
		else
			strbuf_printf(sb, "%u : %s . %u", j, ip, t->port);
	}
	if (n)
		strbuf_puts(sb, " }\n");
}

void nft_forward_targets(struct strbuf *sb, const struct nft_conf *conf, const struct object *o,
			 uint64_t down)
{
	strbuf_printf(sb, "flush map inet %s t_%s\n", conf->table, o->id);
	target_elems(sb, conf, o, down);
}

static void allow_elems(struct strbuf *sb, const struct nft_conf *conf, const struct object *o)
{
	const struct forward_spec *f = &o->fwd;
	char ip[INET_ADDRSTRLEN];

	strbuf_printf(sb, "add set inet %s a_%s { type ipv4_addr; flags interval; auto-merge; "
		      "elements = { ", conf->table, o->id);
	for (size_t i = 0; i < f->n_allow; i++) {
		inet_ntop(AF_INET, f->allow[i].addr, ip, sizeof(ip));
		strbuf_printf(sb, "%s%s/%u", i ? ", " : "", ip, f->allow[i].prefix);
	}
	strbuf_puts(sb, " }; }\n");
}

/* Port-by-port targets of a shifted range with one target. */
static void shift_elems(struct strbuf *sb, const struct nft_conf *conf, const struct object *o)
{
	const struct forward_spec *f = &o->fwd;
	char ip[INET_ADDRSTRLEN];
	unsigned k = 0;

	inet_ntop(AF_INET, &f->target_ip, ip, sizeof(ip));
	strbuf_printf(sb, "add map inet %s p_%s { type inet_service : ipv4_addr . inet_service; }\n",
		      conf->table, o->id);
	for (unsigned p = f->public_port; p <= f->public_port_end; p++, k++) {
		if (k % ELEMS_PER_LINE == 0)
			strbuf_printf(sb, "%sadd element inet %s p_%s { ", k ? " }\n" : "",
				      conf->table, o->id);
		else
			strbuf_puts(sb, ", ");
		strbuf_printf(sb, "%u : %s . %u", p, ip, f->target_port + (p - f->public_port));
	}
	strbuf_puts(sb, " }\n");
}

static void rule_dnat(struct strbuf *sb, const struct object *o)
{
	const struct forward_spec *f = &o->fwd;
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &f->target_ip, ip, sizeof(ip));
	if (f->n_targets && f->affinity)
		strbuf_printf(sb, "meta l4proto %s dnat ip to jhash ip saddr mod %u seed 0x%x map "
			      "@t_%s\n", l4[f->proto], nft_forward_slots(f), HASH_SEED, o->id);
	else if (f->n_targets)
		strbuf_printf(sb, "meta l4proto %s dnat ip to numgen random mod %u map @t_%s\n",
			      l4[f->proto], nft_forward_slots(f), o->id);
	else if (!fwd_range(f))
		strbuf_printf(sb, "meta l4proto %s dnat ip to %s:%u\n", l4[f->proto], ip,
			      f->target_port);
	else if (!f->target_port)
		strbuf_printf(sb, "dnat ip to %s\n", ip);
	else
		strbuf_printf(sb, "meta l4proto %s dnat ip to %s dport map @p_%s\n", l4[f->proto],
			      l4[f->proto], o->id);
}

/* What a forward refuses is counted twice: in its rule, and per port where metrics read it. */
static void rules(struct strbuf *sb, const struct nft_conf *conf, const struct object *o)
{
	const struct forward_spec *f = &o->fwd;
	const char *t = conf->table;
	unsigned r = f->new_rate;
	const char *refused = f->proto == PROTO_UDP ? "counter add @refused_udp { th dport }" :
				"counter add @refused_tcp { th dport }";

	if (f->n_allow || f->n_allow_sets) {
		strbuf_printf(sb, "add rule inet %s f_%s", t, o->id);
		if (f->n_allow)
			strbuf_printf(sb, " ip saddr != @a_%s", o->id);
		for (size_t i = 0; i < f->n_allow_sets; i++)
			strbuf_printf(sb, " ip saddr != @s_%s", f->allow_sets[i]);
		strbuf_printf(sb, " %s drop\n", refused);
	}
	if (f->conn_per_source)
		strbuf_printf(sb, "add rule inet %s f_%s add @c_%s { ip saddr ct count over %u } "
			      "%s drop\n", t, o->id, o->id, f->conn_per_source, refused);
	if (r)
		strbuf_printf(sb, "add rule inet %s f_%s update @r_%s { ip saddr limit rate over "
			      "%u/%s burst %u packets } %s drop\n", t, o->id, o->id, r,
			      f->new_rate_unit == RATE_MINUTE ? "minute" : "second", r, refused);
	strbuf_printf(sb, "add rule inet %s f_%s ", t, o->id);
	rule_dnat(sb, o);
}

void nft_forward_chain(struct strbuf *sb, const struct nft_conf *conf, const struct object *o)
{
	strbuf_printf(sb, "add chain inet %s f_%s\n", conf->table, o->id);
}

void nft_forward_add(struct strbuf *sb, const struct nft_conf *conf, const struct object *o,
		     uint64_t down)
{
	const struct forward_spec *f = &o->fwd;
	const char *t = conf->table;

	nft_forward_chain(sb, conf, o);
	if (f->n_allow)
		allow_elems(sb, conf, o);
	if (f->conn_per_source)
		strbuf_printf(sb, "add set inet %s c_%s { type ipv4_addr; size %d; flags dynamic; }\n",
			      t, o->id, DYN_SIZE);
	if (f->new_rate)
		strbuf_printf(sb, "add set inet %s r_%s { type ipv4_addr; size %d; flags "
			      "dynamic,timeout; timeout %s; }\n", t, o->id, DYN_SIZE,
			      f->new_rate_unit == RATE_MINUTE ? "2m" : "10s");
	if (f->n_targets) {
		strbuf_printf(sb, "add map inet %s t_%s { typeof numgen random mod 1 : ip daddr%s; }\n",
			      t, o->id, fwd_range(f) ? "" : " . th dport");
		target_elems(sb, conf, o, down);
	} else if (fwd_range(f) && f->target_port) {
		shift_elems(sb, conf, o);
	}
	rules(sb, conf, o);
	strbuf_printf(sb, "add element inet %s gate_%s { ", t, l4[f->proto]);
	ports(sb, f);
	strbuf_printf(sb, " : goto f_%s }\n", o->id);
	if (f->preserve_source) {
		strbuf_printf(sb, "add element inet %s keep_%s { ", t, l4[f->proto]);
		ports(sb, f);
		strbuf_puts(sb, " }\n");
	}
}

void nft_forward_del(struct strbuf *sb, const struct nft_conf *conf, const struct object *o)
{
	const struct forward_spec *f = &o->fwd;
	const char *t = conf->table;

	strbuf_printf(sb, "delete element inet %s gate_%s { ", t, l4[f->proto]);
	ports(sb, f);
	strbuf_puts(sb, " }\n");
	if (f->preserve_source) {
		strbuf_printf(sb, "delete element inet %s keep_%s { ", t, l4[f->proto]);
		ports(sb, f);
		strbuf_puts(sb, " }\n");
	}
	strbuf_printf(sb, "flush chain inet %s f_%s\ndelete chain inet %s f_%s\n", t, o->id, t,
		      o->id);
	if (f->n_allow)
		strbuf_printf(sb, "delete set inet %s a_%s\n", t, o->id);
	if (f->conn_per_source)
		strbuf_printf(sb, "delete set inet %s c_%s\n", t, o->id);
	if (f->new_rate)
		strbuf_printf(sb, "delete set inet %s r_%s\n", t, o->id);
	if (f->n_targets)
		strbuf_printf(sb, "delete map inet %s t_%s\n", t, o->id);
	else if (fwd_range(f) && f->target_port)
		strbuf_printf(sb, "delete map inet %s p_%s\n", t, o->id);
}
