/* The agent's capabilities: what it holds, and what the wireguard-go it starts inherits. */
#ifndef EDGE_CAPS_H
#define EDGE_CAPS_H

#include <stdbool.h>

/*
 * Makes CAP_NET_ADMIN and CAP_NET_RAW ambient when they are permitted, so that a program
 * the agent starts (wireguard-go) holds them even when the agent got them from a file
 * capability (a container without ambient support). Returns whether CAP_NET_ADMIN is
 * effective.
 */
bool caps_share(void);

#endif
