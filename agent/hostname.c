#include <stdbool.h>

#include "hostname.h"

#define HOSTNAME_MAX 253
#define LABEL_MAX 63

static bool label_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

enum hostname_fault hostname_check(const char *s, size_t n)
{
	bool upper = false, high = false, bad = n < 1 || n > HOSTNAME_MAX;
	size_t label = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		upper |= ch >= 'A' && ch <= 'Z';
		high |= ch >= 0x80;
		if (ch == '.') {
			bad |= label == 0 || s[i - 1] == '-';
			label = 0;
			continue;
		}
		if (!label_char(ch) || (label == 0 && ch == '-'))
			bad = true;
		if (++label > LABEL_MAX)
			bad = true;
	}
	bad |= label == 0 || (n && s[n - 1] == '-');
	if (upper)
		return HOSTNAME_UPPER;
	if (high)
		return HOSTNAME_NON_ASCII;
	return bad ? HOSTNAME_INVALID : HOSTNAME_OK;
}
