#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "nonce.h"

int nonce_make(char *buf, size_t len, unsigned gen, size_t bytes)
{
	unsigned char r[32];
	ssize_t got;
	int n;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (bytes > sizeof(r))
		return -EIO;
	do
		got = getrandom(r, bytes, 0);     /* the kernel's CSPRNG */
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)bytes)
		return -EIO;
	n = snprintf(buf, len, "%u-", gen);
	for (size_t i = 0; i < bytes && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", r[i]);
	return 0;
}
