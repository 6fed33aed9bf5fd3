/* Internal to payload parsing: the error context, field readers and per-kind schemas. */
#ifndef EDGE_PAYLOAD_FIELD_H
#define EDGE_PAYLOAD_FIELD_H

#include <json-c/json.h>

#include "model.h"

#define QUOTE_LEN 272       /* value_quote of 64 bytes, each up to \xNN, plus `..."` */
#define PORT_ACCEPTED "integer 1..65535"

enum field_flags { FIELD_REQUIRED = 1, FIELD_NULLABLE = 2 };

struct field_ctx {
	const char *kind;   /* "route", "forward" */
	const char *id;
	const struct policy *pol;
	char *err;
	size_t errlen;
};

struct payload_schema {
	const char *const *fields;  /* accepted names, in check order */
	size_t n;
	int (*parse)(const struct field_ctx *c, struct json_object *root, struct object *o);
};

extern const struct payload_schema route_schema;
extern const struct payload_schema forward_schema;

/* Writes "<kind> <id>: <message>" and returns -EINVAL. */
int field_fail(const struct field_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int field_nomem(const struct field_ctx *c);

/* "string \"x\"", "number 1.5", "boolean true", "null", "object", "array". */
void field_describe(char *buf, size_t len, struct json_object *v);
const char *field_type(struct json_object *v);

int field_port(const struct field_ctx *c, struct json_object *root, const char *name,
	       uint16_t *out);
/*
 * Reads a string field. Absent and optional: *s = NULL. JSON null with FIELD_NULLABLE:
 * *s = "". The string may hold NUL bytes: always use *n.
 */
int field_string(const struct field_ctx *c, struct json_object *root, const char *name,
		 int flags, const char *accepted, const char **s, size_t *n);
/* An optional "<kind>_id" that must equal the topic id. */
int field_id_match(const struct field_ctx *c, struct json_object *root, const char *name);

/* Rejects top-level keys outside the schema, then duplicates, scanning the raw text. */
int payload_keys_check(const struct field_ctx *c, const struct payload_schema *sc,
		       const char *buf, size_t len);

/* Validates target_url; on success *out is the canonical URL (caller frees). */
int route_url_parse(const struct field_ctx *c, const char *s, size_t n, char **out);

#endif
