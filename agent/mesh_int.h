/* Internal to mesh*.c: the state shared by the interface and join halves. */
#ifndef EDGE_MESH_INT_H
#define EDGE_MESH_INT_H

#include "join.h"
#include "mesh.h"
#include "model.h"

struct mesh {
	struct mesh_conf c;
	const struct wg_backend *be;
	uint8_t priv[WG_KEY_LEN];
	uint8_t pub[WG_KEY_LEN];

	struct cidr net;                /* the pinned mesh network; family 0: none yet */
	struct wg_join joined;          /* the controller's answer (or join.json) */
	bool has_joined;
	bool joined_live;               /* from the controller in this run */
	struct wg_join bus;             /* edge/<node>/wireguard: wins over joined */
	bool has_bus;
	unsigned gen;

	struct join *req;
	int64_t next_join_ms;
	int64_t join_backoff_ms;
	int64_t next_check_ms;
	int64_t check_ms;               /* CHECK_MS, doubled while the backend is wedged */
	bool wedged;                    /* the last apply hit the backend's deadline or cap */
	int64_t now_ms;

	char join_error[ERR_LEN];
	char apply_error[ERR_LEN];
	char pin_error[ERR_LEN];
	char pst_error[ERR_LEN];
	struct pst *pst;
	char error[4 * ERR_LEN + 16];
	struct mesh_peer_status *peers;
	size_t n_peers;
};

const struct wg_join *mesh_effective(const struct mesh *m);
/* Makes the interface equal to the effective configuration; 0 or -errno (apply_error). */
int mesh_apply(struct mesh *m);
void mesh_join_start(struct mesh *m);
/* mesh_pin.c: the pinned network, and the policy check every configuration passes. */
void mesh_pin_load(struct mesh *m);
int mesh_admit(struct mesh *m, const struct wg_join *j, char *err, size_t errlen);
void mesh_join_poll(struct mesh *m);

#endif
