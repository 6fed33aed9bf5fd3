/* Facts about the host: its own addresses, and forwarding being on. */
#ifndef EDGE_HOST_H
#define EDGE_HOST_H

#include "model.h"

/* Replaces list with every address configured on this host's interfaces. */
int host_addresses(struct cidr_list *list);
/* Each address with its interface's prefix length; the interfaces named in skip left out. */
int host_networks(struct cidr_list *list, const char *const *skip, size_t n_skip);
/*
 * Fills set from /proc/net/{tcp,tcp6,udp,udp6} of this network namespace: TCP sockets in
 * LISTEN and unconnected bound UDP sockets, except those bound to a loopback address.
 */
int host_listening(struct port_set *set);
/* Writes 1 to /proc/sys/net/ipv4/ip_forward unless it already is; err says why not. */
int host_ip_forward(char *err, size_t errlen);
/* Writes value to the sysctl file at path (under /proc/sys); 0 or -errno. */
int host_sysctl(const char *path, const char *value);

#endif
