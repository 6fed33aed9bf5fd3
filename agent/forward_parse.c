#include <stdio.h>
#include <string.h>

#include "address.h"
#include "payload.h"
#include "payload_int.h"

static const char *const forward_fields[] = {
	"public_port", "target_ip", "target_port", "proto", "forward_id",
};

static bool port_reserved(const struct policy *pol, uint16_t port)
{
	for (size_t i = 0; i < pol->n_reserved; i++)
		if (pol->reserved[i] == port)
			return true;
	return false;
}

static int forward_public_port(const struct field_ctx *c, struct json_object *root,
			       struct forward_spec *f)
{
	char list[ERR_LEN] = "";
	size_t o = 0;
	int ret;

	ret = field_port(c, root, "public_port", &f->public_port);
	if (ret || !port_reserved(c->pol, f->public_port))
		return ret;
	for (size_t i = 0; i < c->pol->n_reserved && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%u", i ? ", " : "",
				      c->pol->reserved[i]);
	return field_fail(c, "public_port %u is reserved (reserved: %s)", f->public_port, list);
}

static int forward_target_ip(const struct field_ctx *c, struct json_object *root,
			     struct forward_spec *f)
{
	char q[QUOTE_LEN];
	const char *s;
	size_t n;
	int ret;

	ret = field_string(c, root, "target_ip", FIELD_REQUIRED, "IPv4 address", &s, &n);
	if (ret)
		return ret;
	if (!address_parse_v4(s, n, (uint8_t *)&f->target_ip)) {
		payload_quote(q, sizeof(q), s, n);
		return field_fail(c, "target_ip %s is not an IPv4 address (accepted: dotted-quad "
				  "IPv4)", q);
	}
	return address_check(c, "target_ip", AF_INET, (const uint8_t *)&f->target_ip);
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

static int forward_parse(const struct field_ctx *c, struct json_object *root,
			 struct object *o)
{
	struct forward_spec *f = &o->fwd;
	int ret;

	ret = forward_public_port(c, root, f);
	if (!ret)
		ret = forward_target_ip(c, root, f);
	if (!ret)
		ret = field_port(c, root, "target_port", &f->target_port);
	if (!ret)
		ret = forward_proto(c, root, f);
	if (!ret && c->pol->listening && port_set_has(c->pol->listening, f->proto, f->public_port))
		ret = field_fail(c, "public_port %u/%s is in use by a local listener (a process on "
				 "this host serves it; a forward would hide it from outside)",
				 f->public_port, object_proto_name(f->proto));
	if (!ret)
		ret = field_id_match(c, root, "forward_id");
	return ret;
}

const struct payload_schema forward_schema = {
	forward_fields, sizeof(forward_fields) / sizeof(forward_fields[0]), forward_parse,
};
