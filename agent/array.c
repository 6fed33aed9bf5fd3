#include <stdint.h>
#include <stdlib.h>

#include "array.h"

void *array_grow(void *v, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : (first ? first : 1);
	void *p;

	if (need <= *cap && v)
		return v;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (!size || n > SIZE_MAX / size)
		return NULL;
	p = realloc(v, n * size);
	if (!p)
		return NULL;
	*cap = n;
	return p;
}

void *array_room(void *v, size_t n, size_t size)
{
	size_t cap = n;

	if (n & (n - 1))
		return v;
	return array_grow(v, &cap, n + 1, size, 1);
}
