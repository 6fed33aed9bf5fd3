#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "nonce.h"

int nonce_make(char *buf, size_t len, unsigned gen, size_t bytes)
{
	unsigned char r[32];
	int n;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (bytes > sizeof(r) || RAND_bytes(r, (int)bytes) != 1)
		return -EIO;
	n = snprintf(buf, len, "%u-", gen);
	for (size_t i = 0; i < bytes && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", r[i]);
	return 0;
}
