/*
 * The two WireGuard backends behind struct wg_backend (wg.h) and the one place that
 * picks between them.
 *
 * userspace: ensure starts `wireguard-go IFNAME`, which daemonizes, so tunnels outlive an
 *   agent restart; the agent re-attaches through /var/run/wireguard/IFNAME.sock. The
 *   UAPI does not report the device public key: get derives it from the private key.
 * kernel: generic netlink (family "wireguard"); ensure creates the link over rtnetlink.
 *
 * Both set calls apply a delta in several steps (lines, messages): a failure can leave
 * part of it applied, so the caller re-reads the device and diffs again.
 */
#ifndef EDGE_WG_BACKEND_H
#define EDGE_WG_BACKEND_H

#include "wg.h"

#define WG_UAPI_DIR "/var/run/wireguard"

extern const struct wg_backend wg_backend_userspace;
extern const struct wg_backend wg_backend_kernel;

/* The wireguard genl family resolves (the kernel may autoload the module to answer). */
bool wg_kernel_available(void);

/* mode: "auto" (kernel when available, else userspace), "kernel", "userspace". */
int wg_backend_pick(const char *mode, const struct wg_backend **out);

#endif
