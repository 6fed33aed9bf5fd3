/* Internal to payload parsing: the per-kind schemas and the check of top-level keys. */
#ifndef EDGE_PAYLOAD_INT_H
#define EDGE_PAYLOAD_INT_H

#include "field.h"

struct payload_schema {
	const char *const *fields;  /* accepted names, in check order */
	size_t n;
	int (*parse)(const struct field_ctx *c, struct json_object *root, struct object *o);
};

extern const struct payload_schema route_schema;
extern const struct payload_schema forward_schema;

/* Rejects top-level keys outside the schema, then duplicates, scanning the raw text. */
int payload_keys_check(const struct field_ctx *c, const struct payload_schema *sc,
		       const char *buf, size_t len);

#endif
