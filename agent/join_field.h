/* Internal to join parsing: the error helper, value parsers and whole-document checks. */
#ifndef EDGE_JOIN_FIELD_H
#define EDGE_JOIN_FIELD_H

#include <json-c/json.h>

#include "endpoint.h"
#include "wg.h"

#define JOIN_PATH_LEN 64

/* Writes "wireguard: <message>" and returns -EINVAL. */
int join_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Each validates one string value; path names the field in the message. */
int join_address_parse(const char *path, const char *s, size_t n, struct cidr *out,
		       char *err, size_t errlen);
int join_endpoint_parse(const char *path, const char *s, size_t n, struct wg_endpoint *out,
			char *err, size_t errlen);
int join_network_parse(const char *path, const char *s, size_t n, struct cidr *out,
		       char *err, size_t errlen);

/* Peer public keys and allowed IPs must not repeat across the document. */
int join_repeats_check(const struct wg_join *j, char *err, size_t errlen);


#endif
