#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "endpoint.h"
#include "payload.h"
#include "route_parse.h"

#define URL_MAX 2048
#define PATH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~/%-"

/* Pieces point into the caller's string; port is NULL when none was given. */
struct url {
	const char *name;
	const char *text, *scheme, *host, *port, *path;
	size_t text_n, scheme_n, host_n, port_n, path_n;
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
	struct endpoint_parts p;

	u->host = a;
	u->host_n = n;
	if (endpoint_split(a, n, &p))
		return false;
	u->host = p.bracketed ? p.host - 1 : p.host;
	u->host_n = p.bracketed ? p.host_n + 2 : p.host_n;
	u->port = p.port;
	u->port_n = p.port_n;
	u->family = p.bracketed ? AF_INET6 : AF_INET;
	if (p.bracketed)
		return address_parse_v6(p.host, p.host_n, u->addr);
	return address_parse_v4(p.host, p.host_n, u->addr);
}

/* "<name> <url> [<label> <part>] <what>", the url and part quoted. */
static int url_fail(const struct field_ctx *c, const struct url *u, const char *label,
		    const char *part, size_t part_n, const char *what)
{
	char q[QUOTE_LEN], p[QUOTE_LEN];

	payload_quote(q, sizeof(q), u->text, u->text_n);
	if (!label)
		return field_fail(c, "%s %s %s", u->name, q, what);
	payload_quote(p, sizeof(p), part, part_n);
	return field_fail(c, "%s %s %s %s %s", u->name, q, label, p, what);
}

static int url_port(const struct field_ctx *c, struct url *u)
{
	size_t i;

	if (!u->port)
		return 0;
	for (i = 0; i < u->port_n && u->port[i] >= '0' && u->port[i] <= '9'; i++)
		if (u->port_num <= 65535)
			u->port_num = u->port_num * 10 + (unsigned)(u->port[i] - '0');
	if (!i || i < u->port_n)
		return url_fail(c, u, "port", u->port, u->port_n,
				"is not a number (accepted: 1..65535)");
	if (u->port_num < 1 || u->port_num > 65535)
		return url_fail(c, u, "port", u->port, u->port_n,
				"is out of range (accepted: 1..65535)");
	return 0;
}

static int url_path(const struct field_ctx *c, const struct url *u)
{
	for (size_t i = 0; i < u->path_n; i++) {
		if (!in_set(u->path[i], PATH_CHARS))
			return url_fail(c, u, "path", u->path, u->path_n,
					"has characters outside [A-Za-z0-9._~/%-]");
		if (u->path[i] == '%' &&
		    (i + 2 >= u->path_n || !is_hex(u->path[i + 1]) || !is_hex(u->path[i + 2])))
			return url_fail(c, u, "path", u->path, u->path_n, "has an invalid percent "
					"escape (accepted: %XX with two hex digits)");
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

int route_url_parse(const struct field_ctx *c, const char *name, const char *s, size_t n,
		    char **out)
{
	struct url u = { .name = name, .text = s, .text_n = n, .scheme = s };
	char where[128];
	const char *sep, *auth;
	size_t auth_n;
	int ret;

	*out = NULL;
	if (n > URL_MAX) {
		char q[QUOTE_LEN];

		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "%s %s is %zu bytes, over the limit of %d bytes", name, q, n,
				  URL_MAX);
	}
	sep = memmem(s, n, "://", 3);
	if (!sep)
		return url_fail(c, &u, NULL, NULL, 0, "has no scheme (accepted: http, https)");
	u.scheme_n = (size_t)(sep - s);
	if (!(u.scheme_n == 4 && !memcmp(s, "http", 4)) &&
	    !(u.scheme_n == 5 && !memcmp(s, "https", 5)))
		return url_fail(c, &u, "has scheme", s, u.scheme_n, "(accepted: http, https)");
	auth = sep + 3;
	for (auth_n = 0; auth + auth_n < s + n && !in_set(auth[auth_n], "/?#"); auth_n++)
		;
	if (memchr(auth, '@', auth_n))
		return url_fail(c, &u, NULL, NULL, 0, "must not carry credentials");
	if (!url_host(&u, auth, auth_n))
		return url_fail(c, &u, "host", u.host, u.host_n,
				"is not an IP address (accepted: IPv4 or [IPv6] literal)");
	ret = url_port(c, &u);
	if (ret)
		return ret;
	u.path = auth + auth_n;
	u.path_n = (size_t)(s + n - u.path);
	if (memchr(u.path, '?', u.path_n) || memchr(u.path, '#', u.path_n))
		return url_fail(c, &u, NULL, NULL, 0, "has a query or fragment "
				"(accepted: scheme://ip[:port][/path])");
	ret = url_path(c, &u);
	snprintf(where, sizeof(where), "%s host", name);
	if (!ret)
		ret = address_check(c, where, u.family, u.addr);
	if (!ret)
		ret = url_render(c, &u, out);
	return ret;
}

int route_hostport_parse(const struct field_ctx *c, const char *name, const char *s, size_t n,
			 char **out)
{
	struct url u = { .name = name, .text = s, .text_n = n };
	char host[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16], where[128];
	int ret;

	*out = NULL;
	if (n > 64 || !url_host(&u, s, n))
		return url_fail(c, &u, NULL, NULL, 0, "is not IP:PORT (accepted: e.g. "
				"10.50.0.12:8443 or [fd00::12]:8443)");
	if (!u.port)
		return url_fail(c, &u, NULL, NULL, 0, "has no port (accepted: IP:PORT)");
	ret = url_port(c, &u);
	snprintf(where, sizeof(where), "%s host", name);
	if (!ret)
		ret = address_check(c, where, u.family, u.addr);
	if (ret)
		return ret;
	address_format(host, sizeof(host), u.family, u.addr);
	endpoint_join(buf, sizeof(buf), host, u.port_num);
	*out = strdup(buf);
	return *out ? 0 : field_nomem(c);
}
