/* The node's wg-quick file (WG_CONF, default /etc/wireguard/<iface>.conf). */
#ifndef EDGE_WG_CONF_H
#define EDGE_WG_CONF_H

#include "wg.h"

#define WG_CONF_DIR "/etc/wireguard"

void wg_conf_default_path(char *buf, size_t len, const char *ifname);

/*
 * wg-quick text with the effective values (listen_port 0 and mtu 0 become the defaults
 * 51820 and 1420). *out is NUL-terminated and holds the private key: the caller wipes
 * and frees it. 0 or -ENOMEM.
 */
int wg_conf_render(const struct wg_join *j, const uint8_t priv[WG_KEY_LEN], char **out,
		   size_t *len);

/* Renders and writes path atomically, mode 0600; creates a missing directory (0700). */
int wg_conf_write(const char *path, const struct wg_join *j, const uint8_t priv[WG_KEY_LEN],
		  char *err, size_t errlen);

#endif
