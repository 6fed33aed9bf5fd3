/* Parsing and validation of desired-state payloads: pure functions over a buffer. */
#ifndef EDGE_PAYLOAD_H
#define EDGE_PAYLOAD_H

#include "model.h"

/*
 * Parses one retained payload for the object <id> of <kind> (id taken from the topic).
 * Returns 0 and a new object in *out (the caller owns it), or -EINVAL (bad input) /
 * -ENOMEM with a one-line message in err:
 *   "forward web-ssh: public_port 22 is reserved (reserved: 22, 80, 443, 51820)"
 * An empty payload is a delete and is not passed here.
 */
int payload_parse(enum kind kind, const char *id, const char *buf, size_t len,
		  const struct policy *pol, struct object **out, char *err, size_t errlen);

/*
 * The same from a JSON tree already read through the strict reader (no key named twice),
 * as the cache holds it: the object's own rendering, so unknown keys are not looked for.
 */
struct json_object;
int payload_parse_tree(enum kind kind, const char *id, struct json_object *root,
		       const struct policy *pol, struct object **out, char *err, size_t errlen);

/*
 * A tombstone: {"deleted": true}, optionally with "deleted_at" (a string). It deletes the
 * object like an empty payload, but stays retained (until its MQTT 5 message expiry), so
 * a broker that missed the empty-payload delete (a bridge outage, a lost session) is
 * corrected by the next retained copy it receives. Anything else is not a tombstone.
 */
#define TOMBSTONE_MAX 256
bool payload_tombstone(const char *buf, size_t len);

/* [a-z0-9][a-z0-9_-]{0,62}; len excludes any NUL. */
bool payload_id_valid(const char *s, size_t len);

/*
 * The "digest" of an object status: the first 8 bytes of the SHA-256 of the exact payload
 * the status is about, in lower-case hex, so a publisher (edgectl) can tell that the
 * status answers its message even when the state stays "applied".
 */
#define DIGEST_LEN 17
void payload_digest(const void *buf, size_t len, char out[DIGEST_LEN]);
/* The same 8 bytes as an integer (big-endian), and back to hex. */
uint64_t payload_digest64(const void *buf, size_t len);
void payload_digest_hex(uint64_t digest, char out[DIGEST_LEN]);

/* Copies s into buf as a quoted, printable, bounded rendition for error messages. */
void payload_quote(char *buf, size_t len, const char *s, size_t n);

#endif
