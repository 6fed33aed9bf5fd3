/* array_grow / array_room: doubling, first size, and overflow refused with the array kept. */
#include <stdint.h>
#include <stdlib.h>

#include "array.h"
#include "check.h"

int main(void)
{
	size_t cap = 0, n;
	int *v = NULL, *w;

	v = array_grow(v, &cap, 1, sizeof(*v), 8);
	CHECK("first allocation takes the first size", v && cap == 8);
	w = array_grow(v, &cap, 8, sizeof(*v), 8);
	CHECK("room already there: same array", w == v && cap == 8);
	v = array_grow(v, &cap, 9, sizeof(*v), 8);
	CHECK("doubles", v && cap == 16);
	v = array_grow(v, &cap, 100, sizeof(*v), 8);
	CHECK("doubles until it fits", v && cap == 128);
	w = array_grow(v, &cap, SIZE_MAX / 2 + 2, sizeof(*v), 8);
	CHECK("count overflow refused, capacity kept", !w && cap == 128);
	w = array_grow(v, &cap, SIZE_MAX / 8, 16, 8);
	CHECK("byte size overflow refused, capacity kept", !w && cap == 128);
	v[127] = 7;
	CHECK("the array survives a refusal", v[127] == 7);
	free(v);

	v = NULL;
	for (n = 0; n < 100; n++) {
		w = array_room(v, n, sizeof(*v));
		if (!w)
			break;
		v = w;
		v[n] = (int)n;
	}
	CHECK("implicit capacity holds every element", n == 100 && v[99] == 99 && v[64] == 64);
	free(v);
	return CHECK_DONE();
}
