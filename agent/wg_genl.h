/* The kernel backend's generic netlink plumbing, shared by its get and set halves. */
#ifndef EDGE_WG_GENL_H
#define EDGE_WG_GENL_H

#include "nl.h"

#include "wg.h"

/* A generic netlink socket and the id of the "wireguard" family (-ENOENT: no module). */
int wg_genl_open(struct mnl_socket **nl, uint16_t *family);
/* Starts a WireGuard request for ifname in buf (NL_MSG_SIZE bytes, zeroed). */
struct nlmsghdr *wg_genl_msg(char *buf, uint16_t family, uint8_t cmd, uint16_t flags,
			     const char *ifname);

int wg_genl_get(const char *ifname, struct wg_device *out);

#endif
