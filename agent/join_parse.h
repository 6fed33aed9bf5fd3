/*
 * The controller's answer to a join (also DATA_DIR/join.json and the retained
 * edge/<node>/wireguard message): JSON <-> struct wg_join. Pure.
 */
#ifndef EDGE_JOIN_PARSE_H
#define EDGE_JOIN_PARSE_H

#include "wg.h"

#define JOIN_MAX_BYTES (1024 * 1024)
#define JOIN_MAX_PEERS 10000
#define JOIN_MAX_ALLOWED 1024       /* allowed_ips per peer */
#define JOIN_MTU_MIN 1280
#define JOIN_MTU_MAX 9000
#define JOIN_DEFAULT_PORT 51820
#define JOIN_DEFAULT_MTU 1420

/*
 * Returns 0 and fills *out (free with wg_join_free), or -EINVAL / -ENOMEM with one line
 * in err naming the field, the value and what is accepted:
 *   wireguard: peers[1].endpoint "x:1" is not host:port (accepted: IPv4:port or [IPv6]:port)
 * Preshared keys are never echoed.
 */
int join_parse(const char *buf, size_t len, struct wg_join *out, char *err, size_t errlen);

/* Canonical compact JSON with a final newline; *out is NUL-terminated, the caller frees. */
int join_render(const struct wg_join *j, char **out, size_t *len);

#endif
