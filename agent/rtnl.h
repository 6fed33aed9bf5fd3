/*
 * rtnetlink over libmnl: the WireGuard interface's link, address and routes.
 *
 * Routes the agent adds carry rtm_protocol RTNL_PROTO_EDGE (237, unassigned in
 * /etc/iproute2/rt_protos; `ip route show proto 237` lists them). Only routes with that
 * protocol on the agent's own interface are ever replaced or removed.
 */
#ifndef EDGE_RTNL_H
#define EDGE_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "nl.h"

#define RTNL_PROTO_EDGE 237
/* ifindex and kind ("wireguard", "tun", "" when none) of a link; -ENODEV if missing. */
int rtnl_link_get(const char *ifname, unsigned *ifindex, char *kind, size_t kindlen);
/* -EEXIST when a link of that name exists. */
int rtnl_link_create(const char *ifname, const char *kind);
int rtnl_link_delete(const char *ifname);
/* Sets the MTU (0: leave it) and brings the link up. */
int rtnl_link_up(unsigned ifindex, unsigned mtu);

/*
 * Makes addr (with its prefix, e.g. 10.50.0.5/24) the only global address of the
 * interface: other global addresses (ours from an earlier join) are removed first,
 * link-local ones are kept. Idempotent.
 */
int rtnl_addr_set(unsigned ifindex, const struct cidr *addr);

struct rtnl_route {
	struct cidr dst;
	unsigned oif;
	uint8_t protocol;
	uint32_t priority;
};

struct rtnl_route_plan {
	struct cidr *add;               /* to add or refresh (NLM_F_REPLACE) */
	size_t n_add;
	struct rtnl_route *del;         /* ours, no longer wanted */
	size_t n_del;
	struct cidr *conflict;          /* someone else's prefix, or a /0: left alone */
	size_t n_conflict;
};

/*
 * Pure: from the main table's routes (have) and the prefixes that should go through
 * ifindex (want), what to add and what to delete. A wanted prefix already covered by a
 * route on the interface that is not ours (the kernel's route for the interface
 * address) needs no route of its own.
 */
int rtnl_route_plan(unsigned ifindex, const struct rtnl_route *have, size_t n_have,
		    const struct cidr *want, size_t n_want, struct rtnl_route_plan *out);
void rtnl_route_plan_free(struct rtnl_route_plan *p);

/* Routes want through ifindex (main table, protocol RTNL_PROTO_EDGE); removes ours that
 * are no longer wanted. Conflicts are logged and left alone. */
int rtnl_routes_sync(unsigned ifindex, const struct cidr *want, size_t n_want);

#endif
