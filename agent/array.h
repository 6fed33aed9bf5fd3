/* Growing arrays: one overflow-checked place for the doubling every list needs. */
#ifndef EDGE_ARRAY_H
#define EDGE_ARRAY_H

#include <stddef.h>

/*
 * Makes room for at least `need` elements of `size` bytes in v, whose capacity is *cap:
 * doubles from `first`. Returns the (possibly moved) array, or NULL (v untouched and
 * still owned by the caller) on overflow or allocation failure.
 */
void *array_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);
/* Room for element n of an array whose capacity is implicit: n rounded up to a power of two. */
void *array_room(void *v, size_t n, size_t size);

#endif
