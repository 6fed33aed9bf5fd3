/* A forward's optional parts: allow_from, limit, targets with affinity, health. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "forward_parse.h"
#include "payload.h"
#include "sets.h"

#define ALLOW_ACCEPTED "IPv4 CIDR such as 203.0.113.0/24, an address, or \"@<set-id>\""
#define RATE_ACCEPTED "\"<N>/second\" or \"<N>/minute\", N 1..1000000"

static int allow_one(const struct field_ctx *c, const char *name, struct json_object *v,
		     struct forward_spec *f)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	char why[ERR_LEN], got[QUOTE_LEN + 16];
	const struct cidr_list *set;
	struct cidr net;

	if (!json_object_is_type(v, json_type_string)) {
		field_describe(got, sizeof(got), v);
		return field_fail(c, "%s must be a string, got %s (accepted: " ALLOW_ACCEPTED ")",
				  name, got);
	}
	if (n && s[0] == '@')
		return sets_ref(c, name, s + 1, n - 1, f->allow_sets, &f->n_allow_sets, &set);
	if (cidr_parse(&net, s, n, why, sizeof(why)))
		return field_fail(c, "%s %s", name, why);
	if (net.family != AF_INET) {
		payload_quote(got, sizeof(got), s, n);
		return field_fail(c, "%s %s is IPv6 (accepted: " ALLOW_ACCEPTED "; forwards "
				  "are IPv4)", name, got);
	}
	f->allow[f->n_allow++] = net;
	return 0;
}

int forward_allow(const struct field_ctx *c, struct json_object *root, struct forward_spec *f)
{
	struct json_object *arr;
	char name[48];
	size_t n;
	int ret;

	ret = field_array(c, root, "allow_from", FWD_ALLOW_MAX, &arr);
	if (ret || !arr)
		return ret;
	n = json_object_array_length(arr);
	f->allow = calloc(n, sizeof(*f->allow));
	f->allow_sets = calloc(n, sizeof(*f->allow_sets));
	if (!f->allow || !f->allow_sets)
		return field_nomem(c);
	for (size_t i = 0; !ret && i < n; i++) {
		snprintf(name, sizeof(name), "allow_from[%zu]", i);
		ret = allow_one(c, name, json_object_array_get_idx(arr, i), f);
	}
	return ret;
}

static int limit_rate(const struct field_ctx *c, struct json_object *lim, struct forward_spec *f)
{
	unsigned long long r = 0;
	char q[QUOTE_LEN];
	const char *s, *slash;
	size_t n, digits;
	int ret;

	ret = field_string(c, lim, "new_per_source", 0, RATE_ACCEPTED, &s, &n);
	if (ret || !s)
		return ret;
	payload_quote(q, sizeof(q), s, n);
	slash = memchr(s, '/', n);
	digits = slash ? (size_t)(slash - s) : 0;
	for (size_t i = 0; i < digits && r <= FWD_RATE_MAX; i++)
		r = s[i] >= '0' && s[i] <= '9' ? r * 10 + (unsigned)(s[i] - '0') : FWD_RATE_MAX + 1ULL;
	if (!digits || digits > 7 || s[0] == '0' || r < 1 || r > FWD_RATE_MAX)
		return field_fail(c, "limit.new_per_source %s is not a rate (accepted: "
				  RATE_ACCEPTED ")", q);
	if (n - digits == sizeof("/second") - 1 && !memcmp(slash, "/second", n - digits))
		f->new_rate_unit = RATE_SECOND;
	else if (n - digits == sizeof("/minute") - 1 && !memcmp(slash, "/minute", n - digits))
		f->new_rate_unit = RATE_MINUTE;
	else
		return field_fail(c, "limit.new_per_source %s has an unknown unit (accepted: "
				  RATE_ACCEPTED ")", q);
	f->new_rate = (unsigned)r;
	return 0;
}

int forward_limit(const struct field_ctx *c, struct json_object *root, struct forward_spec *f)
{
	static const char *const keys[] = { "connections_per_source", "new_per_source" };
	struct field_ctx in = *c;
	struct json_object *lim;
	int ret;

	ret = field_object(c, root, "limit", keys, 2, &lim);
	if (ret || !lim)
		return ret;
	in.at = "limit.";
	ret = field_uint(&in, lim, "connections_per_source", 0, 1, FWD_CONN_MAX,
			 &f->conn_per_source);
	return ret ? ret : limit_rate(&in, lim, f);
}

static int target_one(const struct field_ctx *c, struct json_object *v, size_t i,
		      struct forward_spec *f)
{
	static const char *const keys[] = { "ip", "port", "weight" };
	struct fwd_target *t = &f->targets[i];
	char name[48], at[48];
	struct field_ctx in = *c;
	unsigned port;
	const char *s;
	size_t n;
	int ret;

	snprintf(name, sizeof(name), "targets[%zu]", i);
	snprintf(at, sizeof(at), "targets[%zu].", i);
	in.at = at;
	ret = field_value_object(c, name, v, keys, 3);
	if (!ret)
		ret = field_string(&in, v, "ip", FIELD_REQUIRED, "IPv4 address", &s, &n);
	if (!ret) {
		snprintf(name, sizeof(name), "targets[%zu].ip", i);
		ret = forward_ip(c, name, s, n, &t->ip);
	}
	if (ret)
		return ret;
	if (f->public_port_end != f->public_port) {
		if (json_object_object_get_ex(v, "port", NULL))
			return field_fail(c, "targets[%zu].port is not accepted with a port range "
					  "(targets of a range keep the public port)", i);
	} else {
		ret = field_uint(&in, v, "port", FIELD_REQUIRED, 1, 65535, &port);
		t->port = (uint16_t)port;
	}
	if (!ret)
		ret = field_uint(&in, v, "weight", 0, 1, FWD_WEIGHT_MAX, &t->weight);
	for (size_t k = 0; !ret && k < i; k++)
		if (f->targets[k].ip.s_addr == t->ip.s_addr && f->targets[k].port == t->port)
			ret = field_fail(c, "targets[%zu] repeats targets[%zu] (each ip and port "
					 "once)", i, k);
	return ret;
}

static int forward_affinity(const struct field_ctx *c, struct json_object *root,
			    struct forward_spec *f)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, "affinity", 0, "\"source\"", &s, &n);
	if (ret || !s)
		return ret;
	if (n != 6 || memcmp(s, "source", 6)) {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "affinity %s is not supported (accepted: \"source\")", q);
	}
	if (!f->n_targets)
		return field_fail(c, "affinity needs targets (one target_ip has nothing to "
				  "choose)");
	f->affinity = true;
	return 0;
}

int forward_targets(const struct field_ctx *c, struct json_object *root, struct forward_spec *f)
{
	struct json_object *arr;
	size_t n;
	int ret;

	ret = field_array(c, root, "targets", FWD_TARGETS_MAX, &arr);
	if (ret || !arr)
		return ret;
	n = json_object_array_length(arr);
	f->targets = calloc(n, sizeof(*f->targets));
	if (!f->targets)
		return field_nomem(c);
	for (size_t i = 0; !ret && i < n; i++, f->n_targets = i)
		ret = target_one(c, json_object_array_get_idx(arr, i), i, f);
	if (!ret)
		f->n_targets = n;
	return ret;
}

int forward_health(const struct field_ctx *c, struct json_object *root, struct forward_spec *f)
{
	static const char *const keys[] = {
		"interval_ms", "timeout_ms", "unhealthy_after", "healthy_after",
	};
	struct fwd_health_spec *h = &f->health;
	struct field_ctx in = *c;
	struct json_object *v;
	int ret;

	ret = forward_affinity(c, root, f);
	if (!ret)
		ret = field_object(c, root, "health", keys, 4, &v);
	if (ret || !v)
		return ret;
	if (!f->n_targets)
		return field_fail(c, "health needs targets (with one target_ip there is nothing "
				  "to fail over to)");
	if (f->proto != PROTO_TCP)
		return field_fail(c, "health is a TCP connect check (accepted with proto tcp "
				  "only)");
	in.at = "health.";
	ret = field_uint(&in, v, "interval_ms", FIELD_REQUIRED, 100, 3600000, &h->interval_ms);
	if (!ret)
		ret = field_uint(&in, v, "timeout_ms", 0, 10, 3600000, &h->timeout_ms);
	if (!ret && !h->timeout_ms)
		h->timeout_ms = h->interval_ms < 1000 ? h->interval_ms / 2 : 1000;
	if (!ret && h->timeout_ms >= h->interval_ms)
		ret = field_fail(c, "health.timeout_ms %u is not shorter than interval_ms %u "
				 "(accepted: 10..%u)", h->timeout_ms, h->interval_ms,
				 h->interval_ms - 1);
	if (!ret)
		ret = field_uint(&in, v, "unhealthy_after", 0, 1, 100, &h->unhealthy_after);
	if (!ret)
		ret = field_uint(&in, v, "healthy_after", 0, 1, 100, &h->healthy_after);
	if (!ret && !h->unhealthy_after)
		h->unhealthy_after = 3;
	if (!ret && !h->healthy_after)
		h->healthy_after = 2;
	return ret;
}
