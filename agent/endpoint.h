/*
 * The one host:port: split and joined for any host (names too), and for IP literals
 * ("IPv4:port" or "[IPv6]:port") parsed and formatted.
 */
#ifndef EDGE_ENDPOINT_H
#define EDGE_ENDPOINT_H

#include <stdbool.h>
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

/* Pointers into the text split: the host without brackets, the port (NULL: none). */
struct endpoint_parts {
	const char *host;
	size_t host_n;
	const char *port;
	size_t port_n;
	bool bracketed;
};

/*
 * "host", "host:port", "[host]" or "[host]:port", the host unchecked (a name or a literal;
 * empty when the text is). -EINVAL when a '[' is not closed, something other than ':port'
 * follows the ']', or a host without brackets has more than one ':'.
 */
int endpoint_split(const char *s, size_t n, struct endpoint_parts *out);
/* "host:port", the host in brackets when it holds a ':' (IPv6). */
void endpoint_join(char *buf, size_t len, const char *host, unsigned port);

#endif
