#include <stdio.h>
#include <string.h>

#include "address.h"
#include "forward_parse.h"
#include "payload.h"

static const char *const forward_fields[] = {
	"public_port", "public_port_end", "target_ip", "target_port", "targets", "affinity",
	"health", "proto", "allow_from", "limit", "preserve_source", "forward_id",
};

/* The first reserved port in first..last, or 0. */
static uint16_t range_reserved(const struct policy *pol, uint16_t first, uint16_t last)
{
	for (size_t i = 0; i < pol->n_reserved; i++)
		if (pol->reserved[i] >= first && pol->reserved[i] <= last)
			return pol->reserved[i];
	return 0;
}

static int forward_reserved(const struct field_ctx *c, const struct forward_spec *f)
{
	char list[ERR_LEN] = "";
	uint16_t hit = range_reserved(c->pol, f->public_port, f->public_port_end);
	size_t o = 0;

	if (!hit)
		return 0;
	for (size_t i = 0; i < c->pol->n_reserved && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%u", i ? ", " : "",
				      c->pol->reserved[i]);
	if (f->public_port_end == f->public_port)
		return field_fail(c, "public_port %u is reserved (reserved: %s)", hit, list);
	return field_fail(c, "public_port %u..%u includes reserved port %u (reserved: %s)",
			  f->public_port, f->public_port_end, hit, list);
}

static int forward_ports(const struct field_ctx *c, struct json_object *root,
			 struct forward_spec *f)
{
	unsigned end;
	int ret;

	ret = field_port(c, root, "public_port", &f->public_port);
	if (ret)
		return ret;
	f->public_port_end = f->public_port;
	ret = field_uint(c, root, "public_port_end", 0, 1, 65535, &end);
	if (ret)
		return ret;
	if (end && end < f->public_port)
		return field_fail(c, "public_port_end %u is below public_port %u (accepted: "
				  "%u..%u)", end, f->public_port, f->public_port,
				  f->public_port + FWD_RANGE_MAX - 1 > 65535 ? 65535 :
				  f->public_port + FWD_RANGE_MAX - 1);
	if (end && end - f->public_port + 1 > FWD_RANGE_MAX)
		return field_fail(c, "public_port_end %u makes a range of %u ports, over the "
				  "limit of %d (accepted: %u..%u)", end, end - f->public_port + 1,
				  FWD_RANGE_MAX, f->public_port, f->public_port + FWD_RANGE_MAX - 1);
	if (end)
		f->public_port_end = (uint16_t)end;
	return forward_reserved(c, f);
}

int forward_ip(const struct field_ctx *c, const char *name, const char *s, size_t n,
	       struct in_addr *out)
{
	char q[QUOTE_LEN];

	if (!address_parse_v4(s, n, (uint8_t *)out)) {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "%s %s is not an IPv4 address (accepted: dotted-quad IPv4)",
				  name, q);
	}
	return address_check(c, name, AF_INET, (const uint8_t *)out);
}

/* target_port: required for one port; with a range optional, and the range must fit. */
static int forward_target_port(const struct field_ctx *c, struct json_object *root,
			       struct forward_spec *f)
{
	unsigned span = f->public_port_end - f->public_port, port;
	int ret;

	if (!span)
		return field_port(c, root, "target_port", &f->target_port);
	ret = field_uint(c, root, "target_port", 0, 1, 65535, &port);
	if (ret || !port)
		return ret;
	if (port + span > 65535)
		return field_fail(c, "target_port %u shifts the range past port 65535 (accepted: "
				  "1..%u for %u ports)", port, 65535 - span, span + 1);
	f->target_port = (uint16_t)port;
	return 0;
}

static int forward_target(const struct field_ctx *c, struct json_object *root,
			  struct forward_spec *f)
{
	struct json_object *v;
	const char *s;
	size_t n;
	int ret;

	if (json_object_object_get_ex(root, "targets", &v)) {
		if (json_object_object_get_ex(root, "target_ip", &v))
			return field_fail(c, "target_ip is not accepted with targets (accepted: "
					  "one of target_ip/target_port and targets)");
		if (json_object_object_get_ex(root, "target_port", &v))
			return field_fail(c, "target_port is not accepted with targets (each "
					  "target has its own port)");
		return forward_targets(c, root, f);
	}
	ret = field_string(c, root, "target_ip", FIELD_REQUIRED,
			   "IPv4 address", &s, &n);
	if (!ret)
		ret = forward_ip(c, "target_ip", s, n, &f->target_ip);
	if (!ret)
		ret = forward_target_port(c, root, f);
	return ret;
}

static int forward_proto(const struct field_ctx *c, struct json_object *root,
			 struct forward_spec *f)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	f->proto = PROTO_TCP;
	ret = field_string(c, root, "proto", 0, NULL, &s, &n);
	if (ret || !s)
		return ret;
	if (n == 3 && !memcmp(s, "tcp", 3))
		return 0;
	if (n == 3 && !memcmp(s, "udp", 3)) {
		f->proto = PROTO_UDP;
		return 0;
	}
	payload_quote(q, sizeof(q), s, n);
	return field_fail(c, "proto %s is not supported (accepted: tcp, udp)", q);
}

static int forward_listening(const struct field_ctx *c, const struct forward_spec *f)
{
	for (unsigned p = f->public_port; c->pol->listening && p <= f->public_port_end; p++)
		if (port_set_has(c->pol->listening, f->proto, (uint16_t)p))
			return field_fail(c, "public_port %u/%s is in use by a local listener (a "
					  "process on this host serves it; a forward would hide it "
					  "from outside)", p, object_proto_name(f->proto));
	return 0;
}

static int forward_parse(const struct field_ctx *c, struct json_object *root,
			 struct object *o)
{
	struct forward_spec *f = &o->fwd;
	int ret;

	ret = forward_ports(c, root, f);
	if (!ret)
		ret = forward_proto(c, root, f);
	if (!ret)
		ret = forward_target(c, root, f);
	if (!ret)
		ret = forward_health(c, root, f);
	if (!ret)
		ret = forward_allow(c, root, f);
	if (!ret)
		ret = forward_limit(c, root, f);
	if (!ret)
		ret = field_bool(c, root, "preserve_source", &f->preserve_source);
	if (!ret)
		ret = forward_listening(c, f);
	if (!ret)
		ret = field_id_match(c, root, "forward_id");
	return ret;
}

const struct payload_schema forward_schema = {
	forward_fields, sizeof(forward_fields) / sizeof(forward_fields[0]), forward_parse,
};
