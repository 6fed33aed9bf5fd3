/* A forward back to its canonical payload: what the cache keeps and payload_parse reads. */
#ifndef EDGE_FORWARD_JSON_H
#define EDGE_FORWARD_JSON_H

#include "model.h"
#include "strbuf.h"

void forward_json(struct strbuf *sb, const struct forward_spec *f);

#endif
