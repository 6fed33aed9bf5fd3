#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "cidr.h"
#include "pst.h"

static struct cidr net(const char *s)
{
	struct cidr c;
	char err[128];

	cidr_parse(&c, s, strlen(s), err, sizeof(err));
	return c;
}

int main(void)
{
	struct cidr a_nets[] = { net("10.50.0.2/32"), net("192.168.5.0/24") };
	struct cidr b_nets[] = { net("10.50.0.4/32"), net("192.168.5.128/25") };
	struct cidr c_nets[] = { net("172.16.0.0/16") };
	struct cidr d_nets[] = { net("10.50.0.3/32") };
	struct wg_peer peers[] = {
		{ .allowed = a_nets, .n_allowed = 2 },
		{ .allowed = b_nets, .n_allowed = 2 },
		{ .allowed = c_nets, .n_allowed = 1 },
		{ .allowed = d_nets, .n_allowed = 1 },
	};
	struct wg_join j = { .address = net("10.50.0.3/32"), .peers = peers, .n_peers = 4 };
	struct cidr mesh = net("10.50.0.0/24");
	struct pst_plan p;
	struct strbuf sb;
	uint8_t mac[6];

	j.address.prefix = 24;          /* an interface address: host bits set */
	strbuf_init(&sb);
	CHECK("plan made", pst_plan_make(&j, &mesh, "wg0", &p) == 0);
	CHECK("a peer without a /32 in the mesh, and this node itself, are left out",
	      p.n_peers == 2 && p.peers[0].addr == 0x0a320002 && p.peers[1].addr == 0x0a320004);
	CHECK("the mesh network as mark/mask", p.net == 0x0a320000 && p.mask == 0xffffff00);
	CHECK("MTU: the mesh's (1420 by default) less the VXLAN headers", p.mtu == 1370);
	pst_mac(0x0a320002, mac);
	CHECK("MAC: 02:ea and the mesh address",
	      !memcmp(mac, (uint8_t[]){ 0x02, 0xea, 0x0a, 0x32, 0x00, 0x02 }, 6));

	CHECK("renders", pst_render(&sb, "edge_agent", &p) == 0);
	CHECK("replaces both tables first", !strncmp(sb.buf,
	      "table inet edge_agent_pst\ndelete table inet edge_agent_pst\n"
	      "table netdev edge_agent_pst\ndelete table netdev edge_agent_pst\n", 120));
	CHECK("new connections take the sender's address from its MAC",
	      strstr(sb.buf, "add element inet edge_agent_pst from_mac { 02:ea:0a:32:00:02 : 0x0a320002, "
			     "02:ea:0a:32:00:04 : 0x0a320004 }\n") != NULL);
	CHECK("replies go back to the MAC of their mark",
	      strstr(sb.buf, "add element netdev edge_agent_pst mark_mac { 0x0a320002 : 02:ea:0a:32:00:02, "
			     "0x0a320004 : 02:ea:0a:32:00:04 }\n") != NULL);
	CHECK("an edge's packets go to the peer whose allowed IPs hold the target; overlaps left out",
	      strstr(sb.buf, "add element netdev edge_agent_pst net_mac { 10.50.0.2/32 : 02:ea:0a:32:00:02, "
			     "192.168.5.0/24 : 02:ea:0a:32:00:02, 10.50.0.4/32 : 02:ea:0a:32:00:04 }\n") != NULL);
	CHECK("marks inside the mesh network are the tunnel's",
	      strstr(sb.buf, "ct mark and 0xffffff00 == 0x0a320000 meta mark set ct mark") != NULL);
	CHECK("unknown senders and other destinations are dropped",
	      strstr(sb.buf, "ct state new ct mark and 0xffffff00 != 0x0a320000 drop") &&
	      strstr(sb.buf, "ct state new fib daddr type != local drop"));
	CHECK("tunnel packets only from WireGuard",
	      strstr(sb.buf, "iifname != \"wg0\" udp dport 4789 @th,96,24 3749 drop") != NULL);
	CHECK("the encapsulated packet is routed without the mark",
	      strstr(sb.buf, "ether daddr set meta mark map @mark_mac meta mark set 0 accept") != NULL);
	pst_plan_free(&p);

	j.n_peers = 0;
	j.mtu = 1400;
	strbuf_reset(&sb);
	CHECK("no peers: tables without elements", pst_plan_make(&j, NULL, "wg0", &p) == 0 &&
	      p.mtu == 1350 && pst_render(&sb, "t", &p) == 0 && !strstr(sb.buf, "add element"));
	CHECK("without a pinned network, the address's own", p.net == 0x0a320000 && p.mask == 0xffffff00);
	pst_plan_free(&p);
	j.address = net("fd00::5/64");
	CHECK("an IPv6 mesh address: -EINVAL", pst_plan_make(&j, NULL, "wg0", &p) == -EINVAL);
	pst_plan_free(&p);
	strbuf_free(&sb);
	return CHECK_DONE();
}
