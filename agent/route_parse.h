/* Internal to route parsing: the optional parts, each in its own file. */
#ifndef EDGE_ROUTE_PARSE_H
#define EDGE_ROUTE_PARSE_H

#include "field.h"

/* strndup that reports out of memory through c; a NULL s gives a NULL *out. */
int route_dup(const struct field_ctx *c, const char *s, size_t n, char **out);

/* r->extra, allocated on its first use: *out is it; 0 or -ENOMEM (reported through c). */
int route_extra_alloc(const struct field_ctx *c, struct route_spec *r, struct route_extra **out);

/* path_prefix, strip_prefix (route_path.c) */
int route_path_prefix(const struct field_ctx *c, struct json_object *root, struct route_spec *r);
/* health (route_path.c) */
int route_health(const struct field_ctx *c, struct json_object *root, struct route_spec *r);
/* allow_from, basic_auth, rate_limit, headers (route_access.c) */
int route_access(const struct field_ctx *c, struct json_object *root, struct route_spec *r);

/*
 * target_url, targets[].url (route_url.c): validates a URL named name ("target_url",
 * "targets[2].url"); on success *out is the canonical URL (caller frees).
 */
int route_url_parse(const struct field_ctx *c, const char *name, const char *s, size_t n,
		    char **out);
/* Validates "ip:port" / "[ip6]:port" in an allowed network; *out canonical (caller frees). */
int route_hostport_parse(const struct field_ctx *c, const char *name, const char *s, size_t n,
			 char **out);

#endif
