/* Reading payload fields: the error context and typed readers whose errors name the field. */
#ifndef EDGE_FIELD_H
#define EDGE_FIELD_H

#include <json-c/json.h>

#include "model.h"

#define QUOTE_LEN 272       /* payload_quote of 64 bytes, each up to \xNN, plus `..."` */
#define PORT_ACCEPTED "integer 1..65535"

enum field_flags { FIELD_REQUIRED = 1, FIELD_NULLABLE = 2 };

struct field_ctx {
	const char *kind;   /* "route", "forward" */
	const char *id;
	const struct policy *pol;
	char *err;
	size_t errlen;
	const char *at;     /* prefix of field names inside a nested object ("health."), or NULL */
};

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
/* c->at followed by name, for messages. */
const char *field_name(const struct field_ctx *c, const char *name, char *buf, size_t len);
/* Optional boolean: absent is false. */
int field_bool(const struct field_ctx *c, struct json_object *root, const char *name, bool *out);
/* Integer in min..max; absent: *out = 0, or an error with FIELD_REQUIRED. */
int field_uint(const struct field_ctx *c, struct json_object *root, const char *name, int flags,
	       unsigned min, unsigned max, unsigned *out);
/*
 * An object whose keys must be among keys[] (none given: any key), or an array of 1..max
 * elements. Absent: *out = NULL. Neither may be empty.
 */
int field_object(const struct field_ctx *c, struct json_object *root, const char *name,
		 const char *const *keys, size_t n_keys, struct json_object **out);
/* The same checks on a value already in hand (an array element), named name. */
int field_value_object(const struct field_ctx *c, const char *name, struct json_object *v,
		       const char *const *keys, size_t n_keys);
int field_array(const struct field_ctx *c, struct json_object *root, const char *name,
		size_t max, struct json_object **out);

/* An optional "<kind>_id" that must equal the topic id. */
int field_id_match(const struct field_ctx *c, struct json_object *root, const char *name);

#endif
