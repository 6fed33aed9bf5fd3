/*
 * The WireGuard userspace API (wireguard.com/xplatform) as text: a pure codec over
 * buffers. Keys are lower-case hex; a reply ends with "errno=N" and a blank line.
 */
#ifndef EDGE_WG_UAPI_H
#define EDGE_WG_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "wg.h"

#define WG_KEY_HEX_LEN 65       /* 64 hex digits and a NUL */

void wg_uapi_key_to_hex(char out[WG_KEY_HEX_LEN], const uint8_t key[WG_KEY_LEN]);
bool wg_uapi_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s, size_t n);

/*
 * Parses the reply to "get=1" up to its blank line into out (the caller frees it with
 * wg_device_free). Returns 0, -N for "errno=N" (either sign), or -EPROTO for a reply
 * that is malformed or cut short; out is empty on error.
 */
int wg_uapi_parse(const char *buf, size_t len, struct wg_device *out);

/* The reply to "set=1": 0, -N for "errno=N", -EPROTO when there is no errno line. */
int wg_uapi_status(const char *buf, size_t len);

/* A whole "set=1" request for a delta (wg_diff.h), ending with the blank line. */
int wg_uapi_render(struct strbuf *sb, const struct wg_device *delta);

/* Length of a complete reply in buf (through its blank line), or 0 if more is needed. */
size_t wg_uapi_reply_len(const char *buf, size_t len);

#endif
