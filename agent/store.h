/*
 * The desired state: one slot per (kind, id) holding what every source (the node, then
 * its groups in precedence order) last said, and what resolution decided. Pure data.
 */
#ifndef EDGE_STORE_H
#define EDGE_STORE_H

#include <stdint.h>

#include "hmap.h"
#include "model.h"
#include "status.h"

struct entry {
	struct object *good;    /* last accepted version from this source, NULL if none */
	char *error;            /* why the last message was rejected; NULL if accepted */
	uint64_t seq;           /* arrival rank of its claim (see store_resolve.c); 0 without good */
	uint64_t digest;        /* of the last message's payload (payload_digest64); 0: from the cache */
	unsigned gen;           /* sync generation that last delivered it (0: from cache) */
};

/* Those sharing a claim or waiting for it: most claims never have any. */
struct claim_queue {
	struct slot **sharers;          /* capacity: array_room's */
	size_t n_sharers;
	struct slot **waiters;
	size_t n_waiters;
	size_t cap_waiters;
};

/*
 * A public port+proto or an entrypoint+hostname(+path): one holder, others wait for it.
 * A route's name alone is held by one TLS passthrough route or shared by HTTPS routes.
 */
struct claim {
	struct slot *holder;
	struct claim_queue *q;          /* NULL: nobody shares it or waits for it */
	char key[];
};

/*
 * Pointers first, then the narrow fields: one is allocated per object (tens of thousands),
 * with its sources' entries and then its key in the same allocation.
 */
struct slot {
	const char *id;                 /* points into the key, after src */

	struct object *want;            /* what resolution wants live, NULL: nothing */
	uint64_t want_seq;              /* the arrival rank want claims with */
	union {
		struct claim *one;      /* n_claims == 1 */
		struct claim **v;       /* n_claims > 1 (owned) */
	} claims;                       /* the ports (a range: every one) or host it holds */
	struct claim *waiting;          /* the claim it waits for, rejected on conflict */

	struct object *applied;         /* what the kernel / directory has */
	uint64_t down;                  /* want's targets out of rotation (bit i: targets[i]) */
	uint64_t applied_down;          /* those the kernel has out of rotation */
	char *fail;                     /* last apply error (owned), NULL if none */

	struct status status;           /* what resolution and apply concluded */
	uint64_t published_hash;        /* of the status last published */
	uint64_t saved_hash;            /* of its record in DATA_DIR; 0: none there */
	struct slot *next_dirty;
	struct slot *next_touched;

	unsigned published_gen;         /* the sync generation it was last published in */
	uint16_t n_claims;              /* at most FWD_RANGE_MAX */
	uint8_t published_state;        /* enum obj_state */
	int8_t want_source;
	int8_t applied_source;
	uint8_t n_src;                  /* the store's n_sources */
	uint8_t kind;                   /* enum kind */
	bool ever_published;
	bool retained_seen;             /* the broker showed its status in this replay */
	bool dirty;
	bool touched;
	bool saved;                     /* its record in DATA_DIR is current (saved_hash) */
	struct entry src[];             /* one per source; then the key "r:<id>" or "f:<id>" */
};

/* What source i last said about s, NULL: nothing (or deleted). */
static inline struct entry *store_entry(const struct slot *s, int i)
{
	const struct entry *e = &s->src[i];

	return e->good || e->error ? (struct entry *)e : NULL;
}

/* The slots' key, "r:<id>" or "f:<id>". */
static inline const char *store_key(const struct slot *s)
{
	return s->id - 2;
}

/* The claims s holds (n_claims of them). */
static inline struct claim *const *store_claims(const struct slot *s)
{
	return s->n_claims == 1 ? &s->claims.one : s->claims.v;
}

struct store {
	struct hmap slots;
	struct hmap claims;
	struct slot *dirty;             /* to resolve */
	struct slot *touched;           /* resolved since the last store_take_touched */
	unsigned gen;                   /* current sync generation, starts at 1 */
	uint64_t seq;                   /* last arrival rank given out */
	uint64_t replay_seq;            /* the rank of objects first seen in this replay */
	size_t n_sources;
	const char *names[MAX_SOURCES]; /* source index -> node or group name (borrowed) */
	size_t counts[KIND_COUNT][ST_COUNT];    /* slots by kind and status state */
};

void store_init(struct store *st, const char *const *names, size_t n_sources);
/* s's status state was old and may have changed: st->counts follows. */
void store_count_state(struct store *st, const struct slot *s, enum obj_state old);
void store_free(struct store *st);
struct slot *store_get(struct store *st, enum kind kind, const char *id);

/*
 * A message for (kind, source, id): obj on success (reference taken), else error text.
 * obj keeps the arrival rank of the version it replaces if it claims the same port or host
 * name; otherwise it gets seq, or the next rank when seq is 0.
 */
int store_put(struct store *st, enum kind kind, int source, const char *id,
	      struct object *obj, const char *error, unsigned gen, uint64_t seq);
/* Records the digest of the payload store_put just took for (kind, source, id). */
void store_digest(struct store *st, enum kind kind, int source, const char *id, uint64_t digest);
/*
 * A payload this source sent before, unchanged (same digest, accepted, naming no set):
 * marks it delivered in generation gen and returns true; nothing else to do for it.
 */
bool store_seen(struct store *st, enum kind kind, int source, const char *id, uint64_t digest,
		unsigned gen);
/* An empty retained payload: forget what this source said about id. */
int store_delete(struct store *st, enum kind kind, int source, const char *id);
/* Drops every entry not delivered in generation gen (end of a resync). Returns how many. */
size_t store_sweep(struct store *st, unsigned gen);
/* How many entries a sweep of gen would drop, and how many there are. */
void store_sweep_count(const struct store *st, unsigned gen, size_t *stale, size_t *total);

void store_mark_dirty(struct store *st, struct slot *s);
/* Resolves every dirty slot: precedence between sources, then port/host claims. */
void store_resolve(struct store *st);
/* Hands over the list of slots resolve touched (linked by next_touched) and resets it. */
struct slot *store_take_touched(struct store *st);
/* Frees a slot that no source mentions and nothing is applied for; returns true if freed. */
bool store_release(struct store *st, struct slot *s);

/*
 * Restoring from DATA_DIR: what served id before (obj, reference taken; NULL: nothing).
 * store_pin_claims then hands each pinned slot its claim, as it was, before any resolve.
 */
void store_pin(struct store *st, enum kind kind, const char *id, struct object *obj, int source,
	       uint64_t seq);
void store_pin_claims(struct store *st);

#define CLAIM_KEY_LEN 640    /* "host/" entrypoint "/" hostname path_prefix */
/*
 * What an object asks for, as one key for its arrival rank: "tcp/22015", "tcp/20000-20999"
 * (a range), "udp/53", or "host/<entrypoint>/<hostname>".
 */
void store_claim_key(const struct object *o, char *buf, size_t len);
/*
 * The claims it takes: one per port of a forward ("tcp/<port>"), one for a route, and a
 * second, "name/<entrypoint>/<hostname>", for a route with a path or a passthrough route.
 */
size_t store_claim_count(const struct object *o);
void store_claim_key_at(const struct object *o, size_t i, char *buf, size_t len);

void store_slot_fail(struct slot *s, const char *msg);     /* NULL clears */
void store_claim_free(struct claim *c);

#endif
