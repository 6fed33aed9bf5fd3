/*
 * The node's place in the WireGuard mesh: its key, the controller's join answer (and the
 * bus override edge/<node>/wireguard), and the interface kept equal to them by diffs.
 * Driven from the agent's poll loop; never blocks on the controller.
 */
#ifndef EDGE_MESH_H
#define EDGE_MESH_H

#include <poll.h>
#include <stdint.h>

#include "wg.h"

struct mesh_conf {
	const char *node_id;
	const char *ifname;
	const char *backend;            /* auto, kernel, userspace */
	const char *wg_go_path;         /* userspace: the wireguard-go program */
	const char *data_dir;
	const char *conf_path;          /* wg-quick file */
	const char *controller_url;     /* NULL: no join */
	const char *token;
	const char *ca_file;
	const char *endpoint;           /* advertised ip:port, or NULL */
	const struct cidr *network;     /* MESH_NETWORK; NULL: learned and pinned */
	unsigned refresh_s;             /* re-join this often after a success */
	const char *pst_table;          /* the preserve_source tunnel's table prefix; NULL: off */
};

struct mesh_peer_status {
	char public_key[WG_KEY_B64_LEN];
	char endpoint[64];
	int64_t latest_handshake;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
};

struct mesh_status {
	const char *backend;
	const char *ifname;
	char address[64];               /* "" until known */
	char public_key[WG_KEY_B64_LEN];
	unsigned listen_port;
	const char *source;             /* "bus", "controller", "cache" or "none" */
	const char *error;              /* "" when fine */
	struct mesh_peer_status *peers;
	size_t n_peers;
};

struct mesh;

/* Loads or creates the key, picks the backend, loads the caches and, when one exists,
 * brings the interface up at once. Starts the join when a controller is configured. */
int mesh_open(struct mesh **out, const struct mesh_conf *conf, char *err, size_t errlen);
void mesh_close(struct mesh *m);

int mesh_fds(struct mesh *m, struct pollfd *fds, int max);
/* Feeds poll results and runs timers (join retries, the periodic interface check). */
void mesh_handle(struct mesh *m, const struct pollfd *fds, int n, int64_t now_ms);
int64_t mesh_timeout_ms(const struct mesh *m, int64_t now_ms);

/* The retained edge/<node>/wireguard message; empty: drop the override. A message the
 * mesh policy refuses leaves the last good configuration live. */
int mesh_bus_update(struct mesh *m, const char *payload, size_t len, char *err, size_t errlen);

/* The pinned mesh network and the listen port, once known. */
bool mesh_network(const struct mesh *m, struct cidr *net, unsigned *listen_port);
/* Increments whenever the effective configuration or the join's error changes. */
unsigned mesh_generation(const struct mesh *m);
/* Fills st (peers owned by m until the next call). */
void mesh_status(struct mesh *m, struct mesh_status *st);

#endif
