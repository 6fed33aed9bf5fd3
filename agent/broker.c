#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "endpoint.h"

/* Digits only (leading zeros allowed, as in URLs), 1..65535. */
static int port_parse(const char *s, size_t n, int *out)
{
	unsigned long v = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v > 65535 ? v : v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int broker_parse(struct broker *b, const char *s, size_t n)
{
	struct endpoint_parts p;

	if (n >= BROKER_URL_MAX)
		return -EINVAL;
	if (n >= 7 && strncmp(s, "mqtt://", 7) == 0) {
		b->tls = false;
		s += 7;
		n -= 7;
	} else if (n >= 8 && strncmp(s, "mqtts://", 8) == 0) {
		b->tls = true;
		s += 8;
		n -= 8;
	} else {
		return -EINVAL;
	}
	if (n && s[n - 1] == '/')
		n--;
	if (endpoint_split(s, n, &p) || !p.host_n || p.host_n >= sizeof(b->host))
		return -EINVAL;
	for (size_t i = 0; i < p.host_n; i++)
		if (strchr("/@?# ", p.host[i]))
			return -EINVAL;
	memcpy(b->host, p.host, p.host_n);
	b->host[p.host_n] = '\0';
	b->port = b->tls ? 8883 : 1883;
	return p.port ? port_parse(p.port, p.port_n, &b->port) : 0;
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
	char hostport[BROKER_URL_MAX];

	endpoint_join(hostport, sizeof(hostport), b->host, (unsigned)b->port);
	snprintf(buf, len, "%s://%s", b->tls ? "mqtts" : "mqtt", hostport);
}
