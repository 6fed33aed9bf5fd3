/* Host names as routes accept them: lower-case ASCII RFC 1123, no wildcard, no final dot. */
#ifndef EDGE_HOSTNAME_H
#define EDGE_HOSTNAME_H

#include <stddef.h>

enum hostname_fault { HOSTNAME_OK, HOSTNAME_UPPER, HOSTNAME_NON_ASCII, HOSTNAME_INVALID };

/* The most specific fault first: upper case, then non-ASCII, then structure. */
enum hostname_fault hostname_check(const char *s, size_t n);

#endif
