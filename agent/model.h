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

struct cidr {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix;
};

struct cidr_list {
	struct cidr *v;
	size_t n;
};

#define ROUTE_TARGETS_MAX 64
#define ROUTE_HEADERS_MAX 32
#define ROUTE_USERS_MAX 64
#define ROUTE_ALLOW_MAX 64

/* Where the router's TLS comes from: its own tls section, the entrypoint's, or none (TCP). */
enum route_tls { ROUTE_TLS_ROUTER, ROUTE_TLS_ENTRYPOINT, ROUTE_TLS_PASSTHROUGH };

struct route_target {
	char *url;          /* canonical, as target_url */
	unsigned weight;    /* 0: not given */
};

struct route_header {
	char *name, *value;
};

struct route_headers {
	struct route_header *v;
	size_t n;
};

/* A route's rarer parts. Every one is absent when its pointer is NULL or its count is 0. */
struct route_extra {
	struct route_target *targets;
	size_t n_targets;
	char *health_path;
	unsigned health_interval_s, health_timeout_s;
	char **allow;       /* canonical CIDRs */
	size_t n_allow;
	char **allow_sets;  /* "@<set-id>" names, without the '@' */
	size_t n_allow_sets;
	struct cidr_list set_nets;  /* those sets' networks when parsed (policy sets) */
	char **users;       /* basic_auth "name:hash": secrets, never logged */
	size_t n_users;
	unsigned rate_average, rate_burst;
	struct route_headers req_headers, resp_headers;
	char *passthrough_target;   /* tls passthrough: canonical "ip:port" / "[ip6]:port" */
	unsigned proxy_protocol;    /* 0: off, 1 or 2 */
};

/*
 * What nearly every route has; the rest hangs off extra, NULL when the route has none of
 * it (read it through route_extra_of). A parsed route keeps these strings in its object's
 * own allocation (object_pack).
 */
struct route_spec {
	char *hostname;     /* lower-case ASCII, RFC 1123 */
	char *target_url;   /* canonical: scheme://ip[:port][/path]; NULL with targets */
	char *entrypoint;
	char *certresolver; /* NULL: none named */
	char *path_prefix;  /* canonical "/a/b" (no trailing '/'); NULL: the whole host */
	char *redirect_entrypoint;  /* redirect_https: the HTTP entrypoint, else NULL */
	struct route_extra *extra;
	enum route_tls tls;
	bool strip_prefix;
	bool sticky;
};

extern const struct route_extra route_extra_none;

/* The route's rarer parts: all absent (route_extra_none) when it has none. */
static inline const struct route_extra *route_extra_of(const struct route_spec *r)
{
	return r->extra ? r->extra : &route_extra_none;
}

#define FWD_ALLOW_MAX 1024
#define FWD_TARGETS_MAX 64
#define FWD_WEIGHT_MAX 100
#define FWD_RANGE_MAX 10000
#define FWD_CONN_MAX 1000000
#define FWD_RATE_MAX 1000000

struct fwd_target {
	struct in_addr ip;
	uint16_t port;      /* 0: the public port (ranges) */
	unsigned weight;    /* 1..FWD_WEIGHT_MAX; 0: not given (1) */
};

enum rate_unit { RATE_SECOND, RATE_MINUTE };

/* Active TCP connect checks of every target; interval_ms 0: none. */
struct fwd_health_spec {
	unsigned interval_ms, timeout_ms, unhealthy_after, healthy_after;
};

/*
 * A forward (pointers first, narrow fields last: one per object). Every optional part is
 * absent when its count or number is 0. With targets, target_ip/target_port are unused.
 * A range maps public_port..public_port_end to the same ports, or to
 * target_port + (port - public_port) when target_port is given.
 */
struct forward_spec {
	struct fwd_target *targets;
	struct cidr *allow;         /* IPv4 networks */
	char **allow_sets;          /* "@<set-id>" names, without the '@' */
	size_t n_allow_sets;
	struct fwd_health_spec health;
	unsigned conn_per_source;   /* limit.connections_per_source */
	unsigned new_rate;          /* limit.new_per_source, per rate_unit */
	struct in_addr target_ip;
	enum proto proto;
	enum rate_unit new_rate_unit;
	uint16_t public_port;
	uint16_t public_port_end;   /* == public_port without a range */
	uint16_t target_port;       /* 0: same ports (ranges only) */
	uint16_t n_targets;         /* at most FWD_TARGETS_MAX */
	uint16_t n_allow;           /* at most FWD_ALLOW_MAX */
	bool affinity;              /* "affinity": "source" */
	bool preserve_source;
};

/* The last public port (objects built by hand may leave public_port_end 0). */
static inline uint16_t fwd_last_port(const struct forward_spec *f)
{
	return f->public_port_end > f->public_port ? f->public_port_end : f->public_port;
}

/* A forward that needs its own chain: anything beyond one port to one target. */
static inline bool fwd_featured(const struct forward_spec *f)
{
	return f->n_targets || f->n_allow || f->n_allow_sets || f->conn_per_source ||
	       f->new_rate || f->preserve_source || fwd_last_port(f) != f->public_port;
}

/*
 * One validated desired object. Immutable once parsed; shared by refcount. Each kind is
 * allocated with its own part of the union only; id points just past it, or for a packed
 * route just past its strings.
 */
struct object {
	unsigned refs;
	enum kind kind;
	const char *id;     /* at most ID_LEN - 1 characters */
	union {
		struct route_spec route;
		struct forward_spec fwd;
	};
};

struct sets;

/* Ports local processes serve on a non-loopback address: one bit per port, by enum proto. */
struct port_set {
	uint8_t bits[2][65536 / 8];
};

static inline bool port_set_has(const struct port_set *s, enum proto p, uint16_t port)
{
	return s->bits[p][port / 8] & (1u << (port % 8));
}

/* What validation needs to know about the host and the operator's policy. */
struct policy {
	struct cidr_list allowed;   /* ALLOWED_TARGETS */
	struct cidr_list host;      /* the host's own addresses, always refused */
	uint16_t *reserved;         /* RESERVED_PORTS, sorted */
	size_t n_reserved;
	const struct port_set *listening;   /* refused as public ports; NULL: not checked */
	const char *entrypoint;     /* TRAEFIK_ENTRYPOINT */
	const char *certresolver;   /* TRAEFIK_CERTRESOLVER or NULL */
	enum route_tls tls;         /* TRAEFIK_TLS: router or entrypoint */
	const char *http_entrypoint;    /* TRAEFIK_HTTP_ENTRYPOINT */
	const struct sets *sets;    /* named sets; NULL: "@<set-id>" is checked for syntax only */
	size_t max_payload;
};

struct object *object_new(enum kind kind, const char *id);
/*
 * Moves a route's core strings into one allocation with the object, which replaces *o (not
 * shared yet); strings so packed are freed with it, never on their own. 0 or -ENOMEM.
 */
int object_pack(struct object **o);
struct object *object_ref(struct object *o);
void object_unref(struct object *o);
bool object_equal(const struct object *a, const struct object *b);

const char *object_kind_name(enum kind kind);      /* "route", "forward" */
const char *object_kind_plural(enum kind kind);    /* "routes", "forwards" */
const char *object_proto_name(enum proto proto);

#endif
