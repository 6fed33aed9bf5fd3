/* Internal to forward parsing: the optional parts, read by forward_options.c. */
#ifndef EDGE_FORWARD_PARSE_H
#define EDGE_FORWARD_PARSE_H

#include "payload_int.h"

int forward_allow(const struct field_ctx *c, struct json_object *root, struct forward_spec *f);
int forward_limit(const struct field_ctx *c, struct json_object *root, struct forward_spec *f);
int forward_targets(const struct field_ctx *c, struct json_object *root, struct forward_spec *f);
int forward_health(const struct field_ctx *c, struct json_object *root, struct forward_spec *f);
/* An IPv4 target address named name, strictly parsed and checked against the policy. */
int forward_ip(const struct field_ctx *c, const char *name, const char *s, size_t n,
	       struct in_addr *out);

#endif
