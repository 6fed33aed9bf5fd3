#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "array.h"
#include "cidr.h"
#include "payload.h"

#define CIDR_ACCEPTED "IPv4 or IPv6 network, e.g. 10.0.0.0/8 or fd00::/8"

static size_t family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static bool prefix_match(const uint8_t *net, const uint8_t *a, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	if (memcmp(net, a, full))
		return false;
	return !rest || ((net[full] ^ a[full]) & mask) == 0;
}

static void cidr_mask(struct cidr *c)
{
	for (unsigned bit = c->prefix; bit < family_bits(c->family); bit++)
		c->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
}

static int cidr_fail(char *err, size_t errlen, const char *s, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int cidr_fail(char *err, size_t errlen, const char *s, size_t n, const char *fmt, ...)
{
	char q[ERR_LEN];
	va_list ap;
	int k;

	payload_quote(q, sizeof(q), s, n);
	k = snprintf(err, errlen, "%s ", q);
	if (k >= 0 && (size_t)k < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cidr_parse(struct cidr *c, const char *s, size_t n, char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n, digits = slash ? n - an - 1 : 0;
	char text[INET6_ADDRSTRLEN], example[INET6_ADDRSTRLEN + 4];
	unsigned prefix = 0;
	struct cidr net;

	memset(c, 0, sizeof(*c));
	if (!address_parse(s, an, &c->family, c->addr))
		return cidr_fail(err, errlen, s, n, "is not an IP network (accepted: " CIDR_ACCEPTED ")");
	c->prefix = (uint8_t)family_bits(c->family);
	if (!slash)
		return 0;
	for (size_t i = 0; i < digits && digits <= 3; i++) {
		if (slash[1 + i] < '0' || slash[1 + i] > '9') {
			digits = 0;
			break;
		}
		prefix = prefix * 10 + (unsigned)(slash[1 + i] - '0');
	}
	if (digits < 1 || digits > 3 || (digits > 1 && slash[1] == '0') ||
	    prefix > family_bits(c->family))
		return cidr_fail(err, errlen, s, n, "has an invalid prefix length (accepted: %s)",
				 c->family == AF_INET ? "0..32" : "0..128");
	net = *c;
	net.prefix = (uint8_t)prefix;
	cidr_mask(&net);
	if (memcmp(net.addr, c->addr, sizeof(net.addr))) {
		address_format(text, sizeof(text), net.family, net.addr);
		snprintf(example, sizeof(example), "%s/%u", text, prefix);
		return cidr_fail(err, errlen, s, n,
				 "has host bits set (accepted: network address, e.g. %s)", example);
	}
	*c = net;
	return 0;
}

static bool list_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

int cidr_list_parse(struct cidr_list *out, const char *text, char *err, size_t errlen)
{
	struct cidr_list l = { 0 };
	const char *p = text ? text : "";
	struct cidr c;
	int ret = 0;

	if (!p[strspn(p, " \t")])
		goto out;
	for (;;) {
		size_t len = strcspn(p, ","), n = len;
		const char *s = p;

		while (n && list_space(*s)) {
			s++;
			n--;
		}
		while (n && list_space(s[n - 1]))
			n--;
		if (!n) {
			snprintf(err, errlen, "empty element (accepted: comma-separated networks, "
				 "e.g. 10.0.0.0/8, fd00::/8)");
			ret = -EINVAL;
			goto out;
		}
		ret = cidr_parse(&c, s, n, err, errlen);
		if (!ret)
			ret = cidr_list_add(&l, &c);
		if (ret || !p[len])
			goto out;
		p += len + 1;
	}
out:
	if (ret)
		cidr_list_free(&l);
	*out = l;
	return ret;
}

/* Capacity is implicit (array_room). */
int cidr_list_add(struct cidr_list *l, const struct cidr *c)
{
	struct cidr *v;

	if ((c->family != AF_INET && c->family != AF_INET6) ||
	    c->prefix > family_bits(c->family))
		return -EINVAL;
	v = array_room(l->v, l->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *c;
	return 0;
}

void cidr_list_free(struct cidr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool cidr_list_contains(const struct cidr_list *l, int family, const void *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == family && prefix_match(l->v[i].addr, addr, l->v[i].prefix))
			return true;
	return false;
}

bool cidr_within(const struct cidr *inner, const struct cidr *outer)
{
	return inner->family == outer->family && inner->prefix >= outer->prefix &&
	       prefix_match(outer->addr, inner->addr, outer->prefix);
}

bool cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	return cidr_within(a, b) || cidr_within(b, a);
}

void cidr_format(char *buf, size_t len, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	address_format(text, sizeof(text), c->family, c->addr);
	snprintf(buf, len, "%s/%u", text, c->prefix);
}

void cidr_list_format(const struct cidr_list *l, char *buf, size_t len)
{
	char text[CIDR_TEXT_LEN];
	size_t o = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n && o < len; i++) {
		cidr_format(text, sizeof(text), &l->v[i]);
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", text);
	}
}
