/*
 * The mesh policy: what the controller's /join answer and the retained
 * edge/<node>/wireguard message may set on this host. Pure: the host's networks come in
 * as data. Private space is RFC 1918, 100.64.0.0/10 (CGNAT) and fc00::/7 (ULA).
 */
#ifndef EDGE_MESH_POLICY_H
#define EDGE_MESH_POLICY_H

#include "wg.h"

#define MESH_PRIVATE "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 or fc00::/7"
#define MESH_PREFIX_MIN 8
#define MESH_PREFIX_MAX_V4 30
#define MESH_PREFIX_MAX_V6 126

struct mesh_bounds {
	struct cidr net;                /* the pinned mesh network; family 0: none yet */
	const struct cidr_list *host;   /* the host's addresses with their interface prefixes,
					   the mesh interface left out */
};

/* Whether net lies wholly in private space. */
bool mesh_policy_private(const struct cidr *net);

/* A network fit to be the mesh: private, /8 to /30 (IPv6 /8 to /126). what names it. */
int mesh_policy_network_check(const char *what, const struct cidr *net, char *err,
			      size_t errlen);

/* The network an interface address stands in: the address masked to its prefix. */
void mesh_policy_network_of(const struct cidr *address, struct cidr *net);

/*
 * 0 when j stays inside b, or -EINVAL with "wireguard: <field> <value> ... (accepted: ...)".
 * Without a pinned network, the one j's address implies must itself pass network_check.
 */
int mesh_policy_check(const struct mesh_bounds *b, const struct wg_join *j, char *err,
		      size_t errlen);

#endif
