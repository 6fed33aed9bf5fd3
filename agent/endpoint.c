#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "endpoint.h"

/* Decimal without sign or leading zero: false when not; *out saturates past max. */
static bool decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v > max ? v : v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

int endpoint_parse(const char *s, size_t n, int flags, struct wg_endpoint *out)
{
	const char *colon = n ? memrchr(s, ':', n) : NULL, *pct = NULL;
	size_t hn = colon ? (size_t)(colon - s) : 0, pn = colon ? n - hn - 1 : 0, an;
	uint64_t port, scope = 0;
	uint8_t addr[16];
	bool v6 = hn >= 2 && s[0] == '[' && s[hn - 1] == ']';

	memset(out, 0, sizeof(*out));
	if (v6) {
		an = hn - 2;
		pct = (flags & ENDPOINT_REPORTED) ? memchr(s + 1, '%', an) : NULL;
		if (pct && (!decimal(pct + 1, (size_t)(s + hn - 1 - pct - 1), UINT32_MAX, &scope) ||
			    scope > UINT32_MAX))
			return -EINVAL;
		if (pct)
			an = (size_t)(pct - s - 1);
		if (!address_parse_v6(s + 1, an, addr))
			return -EINVAL;
	} else if (!hn || !address_parse_v4(s, hn, addr)) {
		return -EINVAL;
	}
	if (!decimal(colon + 1, pn, 65535, &port))
		return -EINVAL;
	if (port > 65535 || (!port && !(flags & ENDPOINT_REPORTED)))
		return -ERANGE;
	if (v6) {
		out->family = out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons((uint16_t)port);
		out->in6.sin6_scope_id = (uint32_t)scope;
		memcpy(&out->in6.sin6_addr, addr, 16);
	} else {
		out->family = out->in4.sin_family = AF_INET;
		out->in4.sin_port = htons((uint16_t)port);
		memcpy(&out->in4.sin_addr, addr, 4);
	}
	return 0;
}

void endpoint_format(char *buf, size_t len, const struct wg_endpoint *ep)
{
	char text[INET6_ADDRSTRLEN];

	if (ep->family == AF_INET) {
		address_format(text, sizeof(text), AF_INET, (const uint8_t *)&ep->in4.sin_addr);
		snprintf(buf, len, "%s:%u", text, ntohs(ep->in4.sin_port));
	} else if (ep->family == AF_INET6 && ep->in6.sin6_scope_id) {
		address_format(text, sizeof(text), AF_INET6, ep->in6.sin6_addr.s6_addr);
		snprintf(buf, len, "[%s%%%u]:%u", text, ep->in6.sin6_scope_id,
			 ntohs(ep->in6.sin6_port));
	} else if (ep->family == AF_INET6) {
		address_format(text, sizeof(text), AF_INET6, ep->in6.sin6_addr.s6_addr);
		snprintf(buf, len, "[%s]:%u", text, ntohs(ep->in6.sin6_port));
	} else if (len) {
		buf[0] = '\0';
	}
}
