#include <inttypes.h>
#include <stdio.h>

#include "payload.h"
#include "sha256.h"

uint64_t payload_digest64(const void *buf, size_t len)
{
	uint8_t md[SHA256_LEN];
	uint64_t d = 0;

	sha256(buf, len, md);
	for (int i = 0; i < 8; i++)
		d = d << 8 | md[i];
	return d;
}

void payload_digest_hex(uint64_t digest, char out[DIGEST_LEN])
{
	snprintf(out, DIGEST_LEN, "%016" PRIx64, digest);
}

void payload_digest(const void *buf, size_t len, char out[DIGEST_LEN])
{
	payload_digest_hex(payload_digest64(buf, len), out);
}
