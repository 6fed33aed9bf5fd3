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

int endpoint_split(const char *s, size_t n, struct endpoint_parts *out)
{
	const char *rb, *colon;

	memset(out, 0, sizeof(*out));
	out->host = s;
	out->host_n = n;
	if (n && s[0] == '[') {
		rb = memchr(s, ']', n);
		if (!rb || (rb + 1 < s + n && rb[1] != ':'))
			return -EINVAL;
		out->bracketed = true;
		out->host = s + 1;
		out->host_n = (size_t)(rb - s - 1);
		colon = rb + 1 < s + n ? rb + 1 : NULL;
	} else {
		colon = n ? memchr(s, ':', n) : NULL;
		if (colon && memchr(colon + 1, ':', (size_t)(s + n - colon - 1)))
			return -EINVAL;
		if (colon)
			out->host_n = (size_t)(colon - s);
	}
	if (colon) {
		out->port = colon + 1;
		out->port_n = (size_t)(s + n - colon - 1);
	}
	return 0;
}

void endpoint_join(char *buf, size_t len, const char *host, unsigned port)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

int endpoint_parse(const char *s, size_t n, int flags, struct wg_endpoint *out)
{
	struct endpoint_parts p;
	const char *pct = NULL;
	size_t an;
	uint64_t port, scope = 0;
	uint8_t addr[16];

	memset(out, 0, sizeof(*out));
	if (endpoint_split(s, n, &p) || !p.port)
		return -EINVAL;
	if (p.bracketed) {
		an = p.host_n;
		pct = (flags & ENDPOINT_REPORTED) ? memchr(p.host, '%', an) : NULL;
		if (pct && (!decimal(pct + 1, (size_t)(p.host + an - pct - 1), UINT32_MAX, &scope) ||
			    scope > UINT32_MAX))
			return -EINVAL;
		if (pct)
			an = (size_t)(pct - p.host);
		if (!address_parse_v6(p.host, an, addr))
			return -EINVAL;
	} else if (!p.host_n || !address_parse_v4(p.host, p.host_n, addr)) {
		return -EINVAL;
	}
	if (!decimal(p.port, p.port_n, 65535, &port))
		return -EINVAL;
	if (port > 65535 || (!port && !(flags & ENDPOINT_REPORTED)))
		return -ERANGE;
	if (p.bracketed) {
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
	char text[INET6_ADDRSTRLEN + 12];
	size_t k;

	if (ep->family == AF_INET) {
		address_format(text, sizeof(text), AF_INET, (const uint8_t *)&ep->in4.sin_addr);
		endpoint_join(buf, len, text, ntohs(ep->in4.sin_port));
	} else if (ep->family == AF_INET6) {
		address_format(text, sizeof(text), AF_INET6, ep->in6.sin6_addr.s6_addr);
		k = strlen(text);
		if (ep->in6.sin6_scope_id)
			snprintf(text + k, sizeof(text) - k, "%%%u", ep->in6.sin6_scope_id);
		endpoint_join(buf, len, text, ntohs(ep->in6.sin6_port));
	} else if (len) {
		buf[0] = '\0';
	}
}
