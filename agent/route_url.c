#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "payload.h"
#include "payload_field.h"

#define URL_MAX 2048
#define PATH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~/%-"

/* Pieces point into the caller's string; port is NULL when none was given. */
struct url {
	const char *scheme, *host, *port, *path;
	size_t scheme_n, host_n, port_n, path_n;
	int family;
	uint8_t addr[16];
	unsigned port_num;
};

static bool in_set(char ch, const char *set)
{
	return ch && strchr(set, ch);
}

static bool is_hex(char ch)
{
	return in_set(ch, "0123456789abcdefABCDEF");
}

/* Splits "host[:port]"; host keeps its brackets and is the whole authority when bad. */
static bool url_host(struct url *u, const char *a, size_t n)
{
	const char *colon, *rb;
	size_t hn;

	u->host = a;
	u->host_n = n;
	if (n && a[0] == '[') {
		rb = memchr(a, ']', n);
		hn = rb ? (size_t)(rb - a) + 1 : 0;
		if (!rb || (hn < n && a[hn] != ':'))
			return false;
		u->host_n = hn;
		if (hn < n) {
			u->port = a + hn + 1;
			u->port_n = n - hn - 1;
		}
		u->family = AF_INET6;
		return address_parse_v6(a + 1, hn - 2, u->addr);
	}
	colon = memchr(a, ':', n);
	if (colon && !memchr(colon + 1, ':', n - (size_t)(colon + 1 - a))) {
		u->host_n = (size_t)(colon - a);
		u->port = colon + 1;
		u->port_n = n - u->host_n - 1;
	}
	u->family = AF_INET;
	return address_parse_v4(u->host, u->host_n, u->addr);
}

static int url_port(const struct field_ctx *c, struct url *u, const char *q)
{
	char p[QUOTE_LEN];
	size_t i;

	if (!u->port)
		return 0;
	value_quote(p, sizeof(p), u->port, u->port_n);
	for (i = 0; i < u->port_n && u->port[i] >= '0' && u->port[i] <= '9'; i++)
		if (u->port_num <= 65535)
			u->port_num = u->port_num * 10 + (unsigned)(u->port[i] - '0');
	if (!i || i < u->port_n)
		return field_fail(c, "target_url %s port %s is not a number (accepted: 1..65535)",
				  q, p);
	if (u->port_num < 1 || u->port_num > 65535)
		return field_fail(c, "target_url %s port %s is out of range (accepted: 1..65535)",
				  q, p);
	return 0;
}

static int url_path(const struct field_ctx *c, const struct url *u, const char *q)
{
	char p[QUOTE_LEN];

	value_quote(p, sizeof(p), u->path, u->path_n);
	for (size_t i = 0; i < u->path_n; i++) {
		if (!in_set(u->path[i], PATH_CHARS))
			return field_fail(c, "target_url %s path %s has characters outside "
					  "[A-Za-z0-9._~/%%-]", q, p);
		if (u->path[i] == '%' &&
		    (i + 2 >= u->path_n || !is_hex(u->path[i + 1]) || !is_hex(u->path[i + 2])))
			return field_fail(c, "target_url %s path %s has an invalid percent escape "
					  "(accepted: %%XX with two hex digits)", q, p);
	}
	return 0;
}

static int url_render(const struct field_ctx *c, const struct url *u, char **out)
{
	char host[INET6_ADDRSTRLEN], buf[URL_MAX + 64], port[8] = "";
	bool v6 = u->family == AF_INET6;

	address_format(host, sizeof(host), u->family, u->addr);
	if (u->port)
		snprintf(port, sizeof(port), ":%u", u->port_num);
	snprintf(buf, sizeof(buf), "%.*s://%s%s%s%s%.*s", (int)u->scheme_n, u->scheme,
		 v6 ? "[" : "", host, v6 ? "]" : "", port, (int)u->path_n, u->path);
	*out = strdup(buf);
	return *out ? 0 : field_nomem(c);
}

int route_url_parse(const struct field_ctx *c, const char *s, size_t n, char **out)
{
	struct url u = { .scheme = s };
	char q[QUOTE_LEN], part[QUOTE_LEN];
	const char *sep, *auth;
	size_t auth_n;
	int ret;

	*out = NULL;
	value_quote(q, sizeof(q), s, n);
	if (n > URL_MAX)
		return field_fail(c, "target_url %s is %zu bytes, over the limit of %d bytes", q, n,
				  URL_MAX);
	sep = memmem(s, n, "://", 3);
	if (!sep)
		return field_fail(c, "target_url %s has no scheme (accepted: http, https)", q);
	u.scheme_n = (size_t)(sep - s);
	if (!(u.scheme_n == 4 && !memcmp(s, "http", 4)) &&
	    !(u.scheme_n == 5 && !memcmp(s, "https", 5))) {
		value_quote(part, sizeof(part), s, u.scheme_n);
		return field_fail(c, "target_url %s has scheme %s (accepted: http, https)", q, part);
	}
	auth = sep + 3;
	for (auth_n = 0; auth + auth_n < s + n && !in_set(auth[auth_n], "/?#"); auth_n++)
		;
	if (memchr(auth, '@', auth_n))
		return field_fail(c, "target_url %s must not carry credentials", q);
	if (!url_host(&u, auth, auth_n)) {
		value_quote(part, sizeof(part), u.host, u.host_n);
		return field_fail(c, "target_url %s host %s is not an IP address "
				  "(accepted: IPv4 or [IPv6] literal)", q, part);
	}
	ret = url_port(c, &u, q);
	if (ret)
		return ret;
	u.path = auth + auth_n;
	u.path_n = (size_t)(s + n - u.path);
	if (memchr(u.path, '?', u.path_n) || memchr(u.path, '#', u.path_n))
		return field_fail(c, "target_url %s has a query or fragment "
				  "(accepted: scheme://ip[:port][/path])", q);
	ret = url_path(c, &u, q);
	if (!ret)
		ret = address_check(c, "target_url host", u.family, u.addr);
	if (!ret)
		ret = url_render(c, &u, out);
	return ret;
}
