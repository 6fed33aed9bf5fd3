/* One strict JSON document from a buffer: UTF-8 checked, depth-limited, nothing after it. */
#ifndef EDGE_JSON_STRICT_H
#define EDGE_JSON_STRICT_H

#include <json-c/json.h>
#include <stddef.h>

/*
 * 0 and the root in *out (the caller owns it); -EINVAL with the tokener's error in *jerr
 * and the byte offset *at of the problem; -ENOMEM.
 */
int json_strict_parse(const char *buf, size_t len, int depth, struct json_object **out,
		      enum json_tokener_error *jerr, size_t *at);

#endif
