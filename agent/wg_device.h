/* Helpers over the WireGuard data model (wg.h): destructors, copies, allowed-IP sets. Pure. */
#ifndef EDGE_WG_DEVICE_H
#define EDGE_WG_DEVICE_H

#include "wg.h"

/* Clears the host bits: 10.50.0.5/24 becomes 10.50.0.0/24. */
void wg_cidr_mask(struct cidr *c);
/* Total order over masked CIDRs (family, address, prefix); 0 when equal. */
int wg_cidr_cmp(const struct cidr *a, const struct cidr *b);
/* a contains b: same family, a's prefix no longer than b's, b's network inside a. */
bool wg_cidr_contains(const struct cidr *a, const struct cidr *b);

/* Sorts a list of CIDRs after masking them and drops duplicates; returns the new count. */
size_t wg_cidr_canon(struct cidr *v, size_t n);

/* Deep copy of a peer (its allowed IPs too); the caller frees with wg_peer_free. */
int wg_peer_copy(struct wg_peer *dst, const struct wg_peer *src);

bool wg_endpoint_equal(const struct wg_endpoint *a, const struct wg_endpoint *b);
/* Same address, port, MTU and the same peers in the same order. */
bool wg_join_equal(const struct wg_join *a, const struct wg_join *b);

/*
 * Every allowed IP of every peer not being removed, masked, sorted, without duplicates:
 * the routes the interface needs. The caller frees out->v.
 */
int wg_device_allowed_ips(const struct wg_device *d, struct cidr_list *out);

#endif
