/* The data model: plain structs shared by the pure core and the edges. */
#ifndef EDGE_MODEL_H
#define EDGE_MODEL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_LEN 64           /* [a-z0-9][a-z0-9_-]{0,62} plus NUL */
#define MAX_SOURCES 9       /* the node itself plus up to 8 groups */
#define ERR_LEN 512

enum kind { KIND_ROUTE, KIND_FORWARD, KIND_COUNT };
enum proto { PROTO_TCP, PROTO_UDP };

struct route_spec {
	char *hostname;     /* lower-case ASCII, RFC 1123 */
	char *target_url;   /* canonical: scheme://ip[:port][/path] */
	char *entrypoint;
	char *certresolver; /* NULL: tls {} with the default certificate */
};

struct forward_spec {
	uint16_t public_port;
	uint16_t target_port;
	struct in_addr target_ip;
	enum proto proto;
};

/* One validated desired object. Immutable once parsed; shared by refcount. */
struct object {
	unsigned refs;
	enum kind kind;
	union {
		struct route_spec route;
		struct forward_spec fwd;
	};
	char id[];          /* at most ID_LEN - 1 characters; sized to fit */
};

struct cidr {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix;
};

struct cidr_list {
	struct cidr *v;
	size_t n;
};

/* What validation needs to know about the host and the operator's policy. */
struct policy {
	struct cidr_list allowed;   /* ALLOWED_TARGETS */
	struct cidr_list host;      /* the host's own addresses, always refused */
	uint16_t *reserved;         /* RESERVED_PORTS, sorted */
	size_t n_reserved;
	const char *entrypoint;     /* TRAEFIK_ENTRYPOINT */
	const char *certresolver;   /* TRAEFIK_CERTRESOLVER or NULL */
	size_t max_payload;
};

struct object *object_new(enum kind kind, const char *id);
struct object *object_ref(struct object *o);
void object_unref(struct object *o);
bool object_equal(const struct object *a, const struct object *b);

const char *kind_name(enum kind kind);      /* "route", "forward" */
const char *kind_plural(enum kind kind);    /* "routes", "forwards" */
const char *proto_name(enum proto proto);

#endif
