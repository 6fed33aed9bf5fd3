/* The one host:port for IP literals: "IPv4:port" or "[IPv6]:port", parsed and formatted. */
#ifndef EDGE_ENDPOINT_H
#define EDGE_ENDPOINT_H

#include <stddef.h>

#include "wg.h"

#define ENDPOINT_ACCEPTED "IPv4:port or [IPv6]:port"
#define ENDPOINT_LEN 64         /* "[IPv6%scope]:port" and a NUL */

/* As a WireGuard implementation reports one: "[fe80::1%3]:51820", port 0 allowed. */
#define ENDPOINT_REPORTED 1

/*
 * Strict: a dotted quad or a bracketed IPv6 literal, ':', a decimal port 1..65535
 * without sign or leading zero. 0; -EINVAL when it is not host:port; -ERANGE when only
 * the port is out of range.
 */
int endpoint_parse(const char *s, size_t n, int flags, struct wg_endpoint *out);
/* "1.2.3.4:51820", "[fd00::1]:51820" (with "%scope" when set); "" for no endpoint. */
void endpoint_format(char *buf, size_t len, const struct wg_endpoint *ep);

#endif
