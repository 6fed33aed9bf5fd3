/* The agent's capabilities: what it holds, and what the wireguard-go it starts inherits. */
#ifndef EDGE_CAPS_H
#define EDGE_CAPS_H

#include <stdbool.h>

/*
 * Makes CAP_NET_ADMIN and CAP_NET_RAW effective and ambient when they are permitted: a
 * file capability may grant them permitted only (so the binary still runs where they are
 * not in the bounding set), and a program the agent starts (wireguard-go) then holds them
 * too. Returns whether CAP_NET_ADMIN is effective.
 */
bool caps_share(void);

#endif
