/* FNV-1a, 64 bits: the one hash of byte strings kept to notice a change (never 0). */
#ifndef EDGE_FNV_H
#define EDGE_FNV_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t fnv_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 1469598103934665603ull;

	while (len--)
		h = (h ^ *p++) * 1099511628211ull;
	return h ? h : 1;
}

#endif
