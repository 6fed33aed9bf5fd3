#include <stdio.h>

#include "payload.h"
#include "sha256.h"

void payload_digest(const void *buf, size_t len, char out[DIGEST_LEN])
{
	uint8_t md[SHA256_LEN];

	sha256(buf, len, md);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
