/* SHA-256 (FIPS 180-4), one call over a buffer: the payload digest needs nothing more. */
#ifndef EDGE_SHA256_H
#define EDGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *buf, size_t len, uint8_t out[SHA256_LEN]);

#endif
