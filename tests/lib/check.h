/* Minimal unit-test helpers: each CHECK prints PASS/FAIL lines the runner counts. */
#ifndef EDGE_CHECK_H
#define EDGE_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(name, cond) do { \
	if (cond) { printf("PASS %s\n", (name)); } \
	else { printf("FAIL %s (%s:%d: %s)\n", (name), __FILE__, __LINE__, #cond); \
	       check_failures++; } \
} while (0)

#define CHECK_STR(name, got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) { printf("PASS %s\n", (name)); } \
	else { printf("FAIL %s\n  got:  %s\n  want: %s\n", (name), g_ ? g_ : "(null)", \
		      w_ ? w_ : "(null)"); check_failures++; } \
} while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
