/*
 * The preserve_source tunnel: how a forward's packets keep the client's address across
 * the mesh, and how the target sends each reply back through the edge it came from.
 *
 * WireGuard routes by destination and drops a packet whose source is not its peer's, so
 * a client's own address cannot travel in the mesh as is. Every node with the mesh up has
 * one VXLAN device, PST_IFNAME, whose UDP packets travel inside WireGuard between mesh
 * addresses. Its MAC is 02:ea followed by the node's mesh address; the forwarding
 * database maps each peer's MAC to that peer's mesh address.
 *
 * Edge: a preserve_source forward's packets are marked PST_EDGE_MARK (main table, chain
 * pst_mark); the rule of that mark looks up PST_TABLE_EDGE, which routes the peers'
 * allowed IPs into the device; its egress hook sets the destination MAC of the peer whose
 * allowed IPs hold the packet's destination. Targets outside the mesh miss that table and
 * are routed as before.
 * Target: a new connection arriving on the device keeps the sender's mesh address in its
 * conntrack mark; replies carry it as their packet mark, whose rule (the mesh network as
 * mark/mask) routes them into the device, and the egress hook sends them to that MAC.
 * The egress hook clears the mark, so the encapsulated packet is routed as usual.
 */
#ifndef EDGE_PST_H
#define EDGE_PST_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "wg.h"

#define PST_IFNAME "edge-pst"
#define PST_VNI 3749
#define PST_PORT 4789
#define PST_OVERHEAD 50                 /* outer IPv4, UDP, VXLAN and Ethernet headers */
#define PST_EDGE_MARK 0xea5u            /* in the packet mark's low 12 bits */
#define PST_EDGE_MASK 0xfffu
#define PST_TABLE_EDGE 3749
#define PST_TABLE_REPLY 3750
#define PST_RULE_PREF 5790              /* replies; PST_RULE_PREF + 1: the edge's packets */

struct pst_peer {
	uint32_t addr;                  /* the peer's mesh address, host order */
	const struct cidr *nets;        /* its allowed IPs (IPv4 ones are used) */
	size_t n_nets;
};

/* What the tunnel needs from the mesh; peers point into the join they came from. */
struct pst_plan {
	const char *wg_ifname;          /* the tunnel's packets arrive on this one only */
	uint32_t self;                  /* this node's mesh address, host order */
	uint32_t net, mask;             /* the mesh network, host order */
	unsigned mtu;
	struct pst_peer *peers;
	size_t n_peers;
};

/*
 * Pure: the plan for join j in the mesh network net (family 0: j's own address network).
 * A peer takes part through its first /32 allowed IP inside the network; others are left
 * out. -EINVAL when j's address is not IPv4, -ENOMEM.
 */
int pst_plan_make(const struct wg_join *j, const struct cidr *net, const char *wg_ifname,
		  struct pst_plan *out);
void pst_plan_free(struct pst_plan *p);
void pst_mac(uint32_t addr, uint8_t mac[6]);

/* Pure: the transaction that replaces the tunnel's two tables (inet and netdev <table>_pst). */
int pst_render(struct strbuf *sb, const char *table, const struct pst_plan *p);
/* The same tables deleted (nothing when absent). */
void pst_render_delete(struct strbuf *sb, const char *table);

struct pst;

/*
 * Makes the device, its forwarding database, address, routes, rules and tables equal to
 * the plan for j; cheap when nothing changed (one link lookup and one table check).
 * *ps is created on first use. 0 or -errno, with what failed in err.
 */
int pst_apply(struct pst **ps, const char *table, const char *wg_ifname,
	      const struct wg_join *j, const struct cidr *net, char *err, size_t errlen);
void pst_close(struct pst *ps);
/* Removes the device, the rules and the tables (edge-agent cleanup); -errno of the first failure. */
int pst_remove(const char *table, char *err, size_t errlen);

#endif
