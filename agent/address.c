#include <arpa/inet.h>
#include <string.h>

#include "address.h"
#include "cidr.h"
#include "field.h"

bool address_parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start;
		unsigned v = 0;

		if (part && (i >= n || s[i++] != '.'))
			return false;
		start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		out[part] = (uint8_t)v;
	}
	return i == n;
}

bool address_parse_v6(const char *s, size_t n, uint8_t out[16])
{
	char tmp[INET6_ADDRSTRLEN];

	if (n >= sizeof(tmp) || memchr(s, '\0', n))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1;
}

bool address_parse(const char *s, size_t n, int *family, uint8_t out[16])
{
	if (address_parse_v4(s, n, out)) {
		*family = AF_INET;
		return true;
	}
	if (address_parse_v6(s, n, out)) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

void address_format(char *buf, size_t len, int family, const uint8_t *addr)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len) && len)
		buf[0] = '\0';
}

static bool all_bytes(const uint8_t *a, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != v)
			return false;
	return true;
}

static bool v4_mapped(const uint8_t *a)
{
	return all_bytes(a, 10, 0) && a[10] == 0xff && a[11] == 0xff;
}

/* A v4-mapped IPv6 address reaches the IPv4 one: classify it as that. */
const char *address_class(int family, const uint8_t *a)
{
	if (family == AF_INET6 && v4_mapped(a))
		return address_class(AF_INET, a + 12);
	if (family == AF_INET) {
		if (a[0] == 127)
			return "loopback";
		if (a[0] == 169 && a[1] == 254)
			return "link-local";
		if (all_bytes(a, 4, 0))
			return "unspecified";
		if ((a[0] & 0xf0) == 224)
			return "multicast";
		if (all_bytes(a, 4, 0xff))
			return "broadcast";
		return NULL;
	}
	if (all_bytes(a, 15, 0) && a[15] == 1)
		return "loopback";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if (all_bytes(a, 16, 0))
		return "unspecified";
	if (a[0] == 0xff)
		return "multicast";
	return NULL;
}

static bool address_is_host(const struct policy *pol, int family, const uint8_t *a)
{
	if (cidr_list_contains(&pol->host, family, a))
		return true;
	return family == AF_INET6 && v4_mapped(a) && cidr_list_contains(&pol->host, AF_INET, a + 12);
}

int address_check(const struct field_ctx *c, const char *what, int family,
		  const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN], allowed[ERR_LEN];
	const char *cls = address_class(family, addr);

	address_format(text, sizeof(text), family, addr);
	if (cls)
		return field_fail(c, "%s %s is %s (never accepted)", what, text, cls);
	if (address_is_host(c->pol, family, addr))
		return field_fail(c, "%s %s is an address of this host (never accepted)", what, text);
	if (!cidr_list_contains(&c->pol->allowed, family, addr)) {
		cidr_list_format(&c->pol->allowed, allowed, sizeof(allowed));
		return field_fail(c, "%s %s is outside ALLOWED_TARGETS (allowed: %s)", what, text,
				  allowed[0] ? allowed : "none");
	}
	return 0;
}
