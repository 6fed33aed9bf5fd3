/* X25519 (RFC 7748): the public key of a WireGuard private key, without libcrypto. */
#ifndef EDGE_X25519_H
#define EDGE_X25519_H

#include <stdint.h>

/* pub = X25519(priv, 9); priv is clamped as RFC 7748 decodes a scalar. */
void x25519_public(uint8_t pub[32], const uint8_t priv[32]);

#endif
