/*
 * The WireGuard diff: observed device + desired device -> the smallest delta for
 * wg_backend.set. Pure.
 *
 * A delta is a struct wg_device read this way:
 *  - private key / listen port: present only when they change;
 *  - a peer with remove=true: only its public key counts;
 *  - any other peer is new or changed and carries: keepalive always (0: off), the
 *    preshared key when has_psk (all zeros: clear it), the endpoint when family != 0,
 *    and, with replace_allowed, the full allowed-IP list;
 *  - a peer that did not change is not in the delta, so its session is never touched.
 */
#ifndef EDGE_WG_DIFF_H
#define EDGE_WG_DIFF_H

#include "wg.h"

/* have may be NULL (nothing observed yet). The caller frees delta with wg_device_free. */
int wg_diff(const struct wg_device *have, const struct wg_device *want,
	    struct wg_device *delta);
bool wg_delta_empty(const struct wg_device *delta);

#endif
