/*
 * The one strict JSON reader: a document from a buffer (UTF-8 checked, depth-limited,
 * nothing after it), and its keys read from the raw text, because json-c keeps the last
 * of duplicate keys and cuts a key at an escaped NUL.
 */
#ifndef EDGE_JSON_STRICT_H
#define EDGE_JSON_STRICT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define JSON_PATH_LEN 96
#define JSON_KEY_CAP 80     /* bytes of a key kept for messages */

/*
 * 0 and the root in *out (the caller owns it); -EINVAL with the tokener's error in *jerr
 * and the byte offset *at of the problem; -ENOMEM.
 */
int json_strict_parse(const char *buf, size_t len, int depth, struct json_object **out,
		      enum json_tokener_error *jerr, size_t *at);

/* One object key as json-c would decode it, escaped NULs kept. */
struct json_strict_key {
	const char *path;   /* the object holding it: "" (the root), "peers[1]", "a.b" */
	int depth;          /* 1: a key of the root object */
	const char *name;   /* the decoded key, not NUL-terminated: use len */
	size_t len;
	size_t at;          /* byte offset of the key in the document */
};

/* Returns nonzero to stop the walk; json_strict_keys then returns that value. */
typedef int (*json_strict_key_fn)(void *arg, const struct json_strict_key *k);

/* The first repeat, in document order, of a key within its object, keys compared as
 * json-c keys them (up to an escaped NUL, so "a\u0000b" repeats "a"). */
struct json_strict_dup {
	bool found;
	char path[JSON_PATH_LEN];
	char name[JSON_KEY_CAP];
	size_t len;         /* decoded length of the name (may exceed JSON_KEY_CAP) */
	size_t at;
};

/*
 * Walks a document json_strict_parse accepted: calls fn (if set) for each key in document
 * order, and with dup set finds the first key repeated in its object (dup->found).
 * Returns fn's nonzero value, -ENOMEM, or 0.
 */
int json_strict_keys(const char *buf, size_t len, json_strict_key_fn fn, void *arg,
		     struct json_strict_dup *dup);

/* "peers[1]: duplicate field \"endpoint\"" (no path for the root's keys). */
void json_strict_dup_describe(char *buf, size_t len, const struct json_strict_dup *d);

#endif
