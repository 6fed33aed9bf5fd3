/*
 * The WireGuard data model: plain structs shared by the join protocol, bus updates,
 * the diff and the two backends (kernel generic netlink, userspace UAPI).
 */
#ifndef EDGE_WG_H
#define EDGE_WG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define WG_KEY_LEN 32
#define WG_KEY_B64_LEN 45       /* 44 characters and a NUL */

struct wg_endpoint {
	int family;             /* 0: none, AF_INET, AF_INET6 */
	union {
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	};
};

struct wg_peer {
	uint8_t public_key[WG_KEY_LEN];
	bool has_psk;
	uint8_t preshared_key[WG_KEY_LEN];
	struct wg_endpoint endpoint;
	uint16_t keepalive;             /* seconds, 0: off */
	struct cidr *allowed;           /* allowed IPs (struct cidr from model.h) */
	size_t n_allowed;

	/* observed only (get): */
	int64_t last_handshake;         /* unix seconds, 0: never */
	uint64_t rx_bytes;
	uint64_t tx_bytes;

	/* in a delta for set: */
	bool remove;                    /* remove this peer */
	bool replace_allowed;           /* replace its allowed IPs with the list */
};

/* A device as configured or observed; also a delta for wg_backend.set. */
struct wg_device {
	char ifname[16];
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;           /* 0: not set / random */
	bool has_listen_port;
	struct wg_peer *peers;
	size_t n_peers;
	bool replace_peers;             /* in a delta: drop peers not listed */
};

/*
 * What the controller says (the /join response, DATA_DIR/join.json, and the retained
 * edge/<node>/wireguard message all share this schema).
 */
struct wg_join {
	struct cidr address;            /* interface address with prefix, e.g. 10.50.0.5/24 */
	uint16_t listen_port;           /* 0: default 51820 */
	uint16_t mtu;                   /* 0: default 1420 */
	struct wg_peer *peers;
	size_t n_peers;
};

void wg_peer_free(struct wg_peer *p);            /* frees members, not p */
void wg_device_free(struct wg_device *d);        /* frees members, not d */
void wg_join_free(struct wg_join *j);            /* frees members, not j */

/* A backend: kernel (generic netlink) or userspace (wireguard-go + UAPI socket). */
struct wg_backend {
	const char *name;               /* "kernel" or "userspace" */
	/* creates the interface if missing (userspace: starts the wireguard-go at wg_go); 0 or -errno */
	int (*ensure)(const char *ifname, const char *wg_go);
	/* reads the device (the caller frees with wg_device_free) */
	int (*get)(const char *ifname, struct wg_device *out);
	/* applies a delta (only what changes); 0 or -errno */
	int (*set)(const struct wg_device *delta);
};

#endif
