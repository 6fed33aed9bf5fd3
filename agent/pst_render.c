#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "pst.h"

static uint32_t ip4(const struct cidr *c)
{
	uint32_t a;

	memcpy(&a, c->addr, 4);
	return ntohl(a);
}

static uint32_t mask4(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* The peer's address in the tunnel: its first /32 allowed IP inside the mesh network. */
static bool peer_addr(const struct wg_peer *p, uint32_t net, uint32_t mask, uint32_t *addr)
{
	for (size_t i = 0; i < p->n_allowed; i++) {
		const struct cidr *c = &p->allowed[i];

		if (c->family == AF_INET && c->prefix == 32 && (ip4(c) & mask) == net) {
			*addr = ip4(c);
			return true;
		}
	}
	return false;
}

int pst_plan_make(const struct wg_join *j, const struct cidr *net, const char *wg_ifname,
		  struct pst_plan *out)
{
	const struct cidr *n = net && net->family == AF_INET ? net : &j->address;

	memset(out, 0, sizeof(*out));
	if (j->address.family != AF_INET || n->family != AF_INET || n->prefix < 8)
		return -EINVAL;
	out->wg_ifname = wg_ifname;
	out->self = ip4(&j->address);
	out->mask = mask4(n->prefix);
	out->net = ip4(n) & out->mask;
	out->mtu = (j->mtu ? j->mtu : 1420) - PST_OVERHEAD;
	out->peers = calloc(j->n_peers ? j->n_peers : 1, sizeof(*out->peers));
	if (!out->peers)
		return -ENOMEM;
	for (size_t i = 0; i < j->n_peers; i++) {
		struct pst_peer *p = &out->peers[out->n_peers];

		if (!peer_addr(&j->peers[i], out->net, out->mask, &p->addr) || p->addr == out->self)
			continue;
		p->nets = j->peers[i].allowed;
		p->n_nets = j->peers[i].n_allowed;
		out->n_peers++;
	}
	return 0;
}

void pst_plan_free(struct pst_plan *p)
{
	free(p->peers);
	memset(p, 0, sizeof(*p));
}

void pst_mac(uint32_t addr, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0xea;
	mac[2] = (uint8_t)(addr >> 24);
	mac[3] = (uint8_t)(addr >> 16);
	mac[4] = (uint8_t)(addr >> 8);
	mac[5] = (uint8_t)addr;
}

static void put_mac(struct strbuf *sb, uint32_t addr)
{
	uint8_t m[6];

	pst_mac(addr, m);
	strbuf_printf(sb, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_ip(struct strbuf *sb, uint32_t addr)
{
	strbuf_printf(sb, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
		      addr & 255);
}

/* An interval map takes no overlaps: a network overlapping an earlier one is left out. */
static bool net_seen(const struct pst_plan *p, size_t peer, size_t net)
{
	const struct cidr *c = &p->peers[peer].nets[net];

	for (size_t i = 0; i <= peer; i++)
		for (size_t n = 0; n < (i == peer ? net : p->peers[i].n_nets); n++)
			if (p->peers[i].nets[n].family == AF_INET && cidr_overlap(c, &p->peers[i].nets[n]))
				return true;
	return false;
}

/* One map's elements, "key : mac" per peer (by_net: every IPv4 allowed IP as the key). */
static void elements(struct strbuf *sb, const struct pst_plan *p, const char *map, bool by_net,
		     bool by_mac)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n_peers; i++) {
		const struct pst_peer *e = &p->peers[i];

		for (size_t n = 0; n < (by_net ? e->n_nets : 1); n++) {
			if (by_net && (e->nets[n].family != AF_INET || net_seen(p, i, n)))
				continue;
			strbuf_puts(sb, k++ ? ", " : map);
			if (by_mac) {
				put_mac(sb, e->addr);
				strbuf_printf(sb, " : 0x%08x", e->addr);
				continue;
			}
			if (by_net) {
				put_ip(sb, ip4(&e->nets[n]));
				strbuf_printf(sb, "/%u", e->nets[n].prefix);
			} else {
				strbuf_printf(sb, "0x%08x", e->addr);
			}
			strbuf_puts(sb, " : ");
			put_mac(sb, e->addr);
		}
	}
	if (k)
		strbuf_puts(sb, " }\n");
}

void pst_render_delete(struct strbuf *sb, const char *table)
{
	strbuf_printf(sb, "table inet %1$s_pst\ndelete table inet %1$s_pst\n"
		      "table netdev %1$s_pst\ndelete table netdev %1$s_pst\n", table);
}

/*
 * A connection's conntrack mark is the edge's mesh address: a mark inside the mesh network
 * (mark/mask) is ours. A new connection from an unknown MAC, or to an address that is not
 * this node's, is dropped: the tunnel carries clients' addresses to this node only. The
 * packets arriving carry the mark too, so the reverse-path check (src_valid_mark) finds
 * the client behind the tunnel, whatever the node's own routes and rp_filter say.
 */
int pst_render(struct strbuf *sb, const char *table, const struct pst_plan *p)
{
	char in[64], nd[64];

	pst_render_delete(sb, table);
	strbuf_printf(sb,
		"table inet %1$s_pst {\n"
		"\tmap from_mac {\n"
		"\t\ttype ether_addr : mark\n"
		"\t}\n"
		"\tchain prerouting {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n"
		"\t\tiifname \"%2$s\" ct state new ct mark set ether saddr map @from_mac\n"
		"\t\tiifname \"%2$s\" ct state new ct mark and 0x%3$08x != 0x%4$08x drop\n"
		"\t\tiifname \"%2$s\" ct state new fib daddr type != local drop\n"
		"\t\tct mark and 0x%3$08x == 0x%4$08x meta mark set ct mark\n"
		"\t}\n"
		"\tchain output {\n"
		"\t\ttype route hook output priority mangle; policy accept;\n"
		"\t\tct direction reply ct mark and 0x%3$08x == 0x%4$08x meta mark set ct mark\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype filter hook postrouting priority mangle; policy accept;\n"
		"\t\toifname \"%2$s\" tcp flags syn tcp option maxseg size set rt mtu\n"
		"\t}\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname != \"%7$s\" udp dport %5$u @th,96,24 %6$u drop\n"
		"\t}\n"
		"}\n"
		"table netdev %1$s_pst {\n"
		"\tmap mark_mac {\n"
		"\t\ttype mark : ether_addr\n"
		"\t}\n"
		"\tmap net_mac {\n"
		"\t\ttype ipv4_addr : ether_addr; flags interval;\n"
		"\t}\n"
		"\tchain egress {\n"
		"\t\ttype filter hook egress device \"%2$s\" priority filter; policy accept;\n"
		"\t\tether daddr set meta mark map @mark_mac meta mark set 0 accept\n"
		"\t\tether daddr set ip daddr map @net_mac meta mark set 0\n"
		"\t}\n"
		"}\n",
		table, PST_IFNAME, p->mask, p->net, PST_PORT, PST_VNI, p->wg_ifname);
	snprintf(in, sizeof(in), "add element inet %s_pst from_mac { ", table);
	elements(sb, p, in, false, true);
	snprintf(nd, sizeof(nd), "add element netdev %s_pst mark_mac { ", table);
	elements(sb, p, nd, false, false);
	snprintf(nd, sizeof(nd), "add element netdev %s_pst net_mac { ", table);
	elements(sb, p, nd, true, false);
	return sb->err;
}
