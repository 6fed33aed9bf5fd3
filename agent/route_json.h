/* A route back to its canonical payload: what the cache keeps and payload_parse reads. */
#ifndef EDGE_ROUTE_JSON_H
#define EDGE_ROUTE_JSON_H

#include "model.h"
#include "strbuf.h"

void route_json(struct strbuf *sb, const struct route_spec *r);

#endif
