/*
 * The YAML the Traefik files are written with: a libyaml emitter with a sticky error, so a
 * render reads as the document it writes.
 */
#ifndef EDGE_EMIT_H
#define EDGE_EMIT_H

#include <yaml.h>

#include "strbuf.h"

struct emit {
	yaml_emitter_t e;
	struct strbuf *sb;
	int err;
};

int emit_begin(struct emit *em, struct strbuf *sb);
/* Ends the stream; returns the first error (0, -EINVAL, -ENOMEM). */
int emit_end(struct emit *em);

/* Keys are the schema's words, plain; every value from a user or operator is quoted. */
void emit_key(struct emit *em, const char *key);
void emit_value(struct emit *em, const char *s);
void emit_pair(struct emit *em, const char *key, const char *value);
/* Numbers and booleans: plain scalars the program formats itself. */
void emit_uint(struct emit *em, const char *key, unsigned long v);
void emit_true(struct emit *em, const char *key);
void emit_map(struct emit *em);
void emit_map_end(struct emit *em);
void emit_seq(struct emit *em);
void emit_seq_end(struct emit *em);
/* key: ["value"] */
void emit_list1(struct emit *em, const char *key, const char *value);

#endif
