#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

static int broker_parse(struct broker *b, const char *s, size_t n)
{
	char buf[300], *rest, *colon, *end;
	size_t hostlen;
	unsigned long port;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strncmp(buf, "mqtt://", 7) == 0) {
		b->tls = false;
		rest = buf + 7;
	} else if (strncmp(buf, "mqtts://", 8) == 0) {
		b->tls = true;
		rest = buf + 8;
	} else {
		return -EINVAL;
	}
	n = strlen(rest);
	if (n && rest[n - 1] == '/')
		rest[--n] = '\0';
	if (rest[0] == '[') {
		end = strchr(rest, ']');
		if (!end || end == rest + 1 || (end[1] && end[1] != ':'))
			return -EINVAL;
		colon = end[1] ? end + 1 : NULL;
		*end = '\0';
		rest++;
		if (strchr(rest, '/') || strchr(rest, '@'))
			return -EINVAL;
	} else {
		colon = strrchr(rest, ':');
		if (colon && strchr(rest, ':') != colon)
			return -EINVAL;     /* an IPv6 literal needs brackets */
		if (colon)
			*colon = '\0';
	}
	hostlen = strlen(rest);
	if (hostlen == 0 || hostlen >= sizeof(b->host) || strpbrk(rest, "/@?# "))
		return -EINVAL;
	memcpy(b->host, rest, hostlen + 1);
	b->port = b->tls ? 8883 : 1883;
	if (colon) {
		colon++;
		if (*colon < '0' || *colon > '9')
			return -EINVAL;
		errno = 0;
		port = strtoul(colon, &end, 10);
		if (errno || *end || port < 1 || port > 65535)
			return -EINVAL;
		b->port = (int)port;
	}
	return 0;
}

static bool broker_same(const struct broker *a, const struct broker *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

int broker_list_parse(struct broker_list *l, const char *v, char *err, size_t errlen)
{
	const char *p = v, *end;
	struct broker b;
	size_t n;

	l->n = 0;
	for (;;) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0) {
			snprintf(err, errlen, "entry %zu is empty", l->n + 1);
			return -EINVAL;
		}
		if (broker_parse(&b, p, n)) {
			snprintf(err, errlen, "entry %zu \"%.*s\" is not mqtt://host[:port] or "
				 "mqtts://host[:port]", l->n + 1, (int)(n > 200 ? 200 : n), p);
			return -EINVAL;
		}
		if (l->n == MAX_BROKERS) {
			snprintf(err, errlen, "more than %d brokers", MAX_BROKERS);
			return -EINVAL;
		}
		if (l->n && b.tls != l->v[0].tls) {
			snprintf(err, errlen, "entry %zu mixes mqtt:// and mqtts:// (one TLS setting "
				 "serves all brokers)", l->n + 1);
			return -EINVAL;
		}
		for (size_t i = 0; i < l->n; i++) {
			if (broker_same(&l->v[i], &b)) {
				snprintf(err, errlen, "entry %zu repeats entry %zu", l->n + 1, i + 1);
				return -EINVAL;
			}
		}
		l->v[l->n++] = b;
		if (!end)
			return 0;
		p = end + 1;
	}
}

void broker_format(char *buf, size_t len, const struct broker *b)
{
	bool v6 = strchr(b->host, ':') != NULL;

	snprintf(buf, len, "%s://%s%s%s:%d", b->tls ? "mqtts" : "mqtt", v6 ? "[" : "", b->host,
		 v6 ? "]" : "", b->port);
}
