#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "cidr.h"
#include "endpoint.h"
#include "join_field.h"
#include "payload.h"

#define ADDRESS_ACCEPTED "IPv4 or IPv6 address with prefix length, e.g. 10.50.0.5/24"
#define NETWORK_ACCEPTED "IPv4 or IPv6 network, e.g. 10.0.0.0/8 or fd00::/8"
#define QUOTED_LEN 272

int join_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!errlen)
		return -EINVAL;
	k = snprintf(err, errlen, "wireguard: ");
	if (k >= 0 && (size_t)k < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal without sign or leading zero; false past max. */
static bool decimal_parse(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!n || n > 5 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return v <= max;
}

static bool host_bits_all(const struct cidr *c, bool ones)
{
	for (unsigned bit = c->prefix; bit < 32; bit++)
		if (!(c->addr[bit / 8] & (0x80 >> (bit % 8))) == ones)
			return false;
	return true;
}

int join_address_parse(const char *path, const char *s, size_t n, struct cidr *out,
		       char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', n);
	unsigned max, prefix;
	char q[QUOTED_LEN];

	payload_quote(q, sizeof(q), s, n);
	memset(out, 0, sizeof(*out));
	if (!slash || !address_parse(s, (size_t)(slash - s), &out->family, out->addr))
		return join_fail(err, errlen, "%s %s is not an address with prefix length "
				 "(accepted: " ADDRESS_ACCEPTED ")", path, q);
	max = out->family == AF_INET ? 32 : 128;
	if (!decimal_parse(slash + 1, n - (size_t)(slash - s) - 1, max, &prefix) || !prefix)
		return join_fail(err, errlen, "%s %s has an invalid prefix length (accepted: 1..%u)",
				 path, q, max);
	out->prefix = (uint8_t)prefix;
	if (out->family == AF_INET && prefix <= 30 && host_bits_all(out, false))
		return join_fail(err, errlen, "%s %s is the network address, not a host address "
				 "(accepted: " ADDRESS_ACCEPTED ")", path, q);
	if (out->family == AF_INET && prefix <= 30 && host_bits_all(out, true))
		return join_fail(err, errlen, "%s %s is the broadcast address, not a host address "
				 "(accepted: " ADDRESS_ACCEPTED ")", path, q);
	return 0;
}

int join_endpoint_parse(const char *path, const char *s, size_t n, struct wg_endpoint *out,
			char *err, size_t errlen)
{
	char q[QUOTED_LEN];
	int ret = endpoint_parse(s, n, 0, out);

	if (!ret)
		return 0;
	payload_quote(q, sizeof(q), s, n);
	if (ret == -ERANGE)
		return join_fail(err, errlen, "%s %s has a port out of range (accepted: 1..65535)",
				 path, q);
	return join_fail(err, errlen, "%s %s is not host:port (accepted: " ENDPOINT_ACCEPTED ")",
			 path, q);
}

int join_network_parse(const char *path, const char *s, size_t n, struct cidr *out,
		       char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN + 5], q[QUOTED_LEN], why[ERR_LEN];
	struct cidr_list l = { 0 };
	int ret;

	if (!n || n >= sizeof(text) || strspn(s, "0123456789abcdefABCDEF.:/") != n) {
		payload_quote(q, sizeof(q), s, n);
		return join_fail(err, errlen, "%s %s is not an IP network (accepted: "
				 NETWORK_ACCEPTED ")", path, q);
	}
	memcpy(text, s, n);
	text[n] = '\0';
	ret = cidr_list_parse(&l, text, why, sizeof(why));
	if (ret == -EINVAL)
		return join_fail(err, errlen, "%s %s", path, why);
	if (!ret && l.n == 1)
		*out = l.v[0];
	else if (!ret)
		ret = -EINVAL;
	cidr_list_free(&l);
	return ret;
}
