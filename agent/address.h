/* IP literals: strict parsing, formatting and the checks every target address must pass. */
#ifndef EDGE_ADDRESS_H
#define EDGE_ADDRESS_H

#include "model.h"

struct field_ctx;

/* Dotted quad: exactly 4 parts of 0..255, no leading zeros. */
bool address_parse_v4(const char *s, size_t n, uint8_t out[4]);
/* IPv6 without brackets or zone. */
bool address_parse_v6(const char *s, size_t n, uint8_t out[16]);
/* Either of the above; sets *family to AF_INET or AF_INET6. */
bool address_parse(const char *s, size_t n, int *family, uint8_t out[16]);
void address_format(char *buf, size_t len, int family, const uint8_t *addr);
/* "loopback", "link-local", "unspecified", "multicast", "broadcast" or NULL. */
const char *address_class(int family, const uint8_t *addr);

/*
 * Refuses loopback, link-local, unspecified, multicast, broadcast, the host's own
 * addresses and anything outside ALLOWED_TARGETS; what names the field in the message.
 */
int address_check(const struct field_ctx *c, const char *what, int family,
		  const uint8_t *addr);

#endif
