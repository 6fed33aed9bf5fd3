/*
 * Resolution: which source's object wins an id (the node, then groups in order), and
 * which id holds a public port+proto or a hostname. Incremental: only dirty slots are
 * looked at; releasing a claim wakes the slots waiting for it.
 *
 * A claim goes to the best rank: the source's precedence, then the arrival rank (when the
 * object first asked for that port or host name), then the id. Ranks are stored with the
 * objects, so the outcome never depends on the order slots are resolved in: not on a
 * replay's order, a restore or a repair. A holder keeps its claim while it serves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "store.h"

void store_claim_key(const struct object *o, char *buf, size_t len)
{
	if (o->kind == KIND_FORWARD && fwd_last_port(&o->fwd) != o->fwd.public_port)
		snprintf(buf, len, "%s/%u-%u", object_proto_name(o->fwd.proto), o->fwd.public_port,
			 fwd_last_port(&o->fwd));
	else if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "%s/%u", object_proto_name(o->fwd.proto), o->fwd.public_port);
	else
		snprintf(buf, len, "host/%s/%s%s", o->route.entrypoint ? o->route.entrypoint : "",
			 o->route.hostname, o->route.path_prefix ? o->route.path_prefix : "");
}

/*
 * A route with a path, or a TLS passthrough route, also claims its name alone
 * ("name/<entrypoint>/<hostname>"): HTTPS routes with paths share it, a passthrough route
 * holds it alone, since Traefik gives the name's connections to the HTTPS router.
 */
static bool route_name_claim(const struct object *o)
{
	return o->route.path_prefix || o->route.tls == ROUTE_TLS_PASSTHROUGH;
}

size_t store_claim_count(const struct object *o)
{
	if (o->kind == KIND_FORWARD)
		return fwd_last_port(&o->fwd) - o->fwd.public_port + 1u;
	return route_name_claim(o) ? 2 : 1;
}

void store_claim_key_at(const struct object *o, size_t i, char *buf, size_t len)
{
	if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "%s/%zu", object_proto_name(o->fwd.proto), o->fwd.public_port + i);
	else if (i == 1)
		snprintf(buf, len, "name/%s/%s", o->route.entrypoint ? o->route.entrypoint : "",
			 o->route.hostname);
	else
		store_claim_key(o, buf, len);
}

/* Claim i of o may be held together with others that share it. */
static bool claim_shared(const struct object *o, size_t i)
{
	return o->kind == KIND_ROUTE && i == 1 && o->route.tls != ROUTE_TLS_PASSTHROUGH;
}

/* How o asks for the claim key: -1 not at all, 0 alone, 1 shared. */
static int claim_mode(const struct object *o, const char *key)
{
	const char *proto = o->kind == KIND_FORWARD ? object_proto_name(o->fwd.proto) : NULL;
	char k[CLAIM_KEY_LEN], *end;
	size_t pn = proto ? strlen(proto) : 0;
	unsigned long port;

	if (!proto) {
		for (size_t i = 0; i < store_claim_count(o); i++) {
			store_claim_key_at(o, i, k, sizeof(k));
			if (strcmp(k, key) == 0)
				return claim_shared(o, i);
		}
		return -1;
	}
	if (strncmp(key, proto, pn) || key[pn] != '/' || key[pn + 1] < '0' || key[pn + 1] > '9')
		return -1;
	port = strtoul(key + pn + 1, &end, 10);
	return !*end && port >= o->fwd.public_port && port <= fwd_last_port(&o->fwd) ? 0 : -1;
}

/* c's sharers and waiters to read: none when it has no queue. */
static const struct claim_queue *claim_q(const struct claim *c)
{
	static const struct claim_queue none;

	return c->q ? c->q : &none;
}

/* c's queue to change, made when it has none; NULL: out of memory. */
static struct claim_queue *claim_q_make(struct claim *c)
{
	if (!c->q)
		c->q = calloc(1, sizeof(*c->q));
	return c->q;
}

void store_claim_free(struct claim *c)
{
	if (c->q) {
		free(c->q->waiters);
		free(c->q->sharers);
		free(c->q);
	}
	free(c);
}

static void claim_wake(struct store *st, const struct claim *c)
{
	const struct claim_queue *q = claim_q(c);

	for (size_t i = 0; i < q->n_waiters; i++)
		store_mark_dirty(st, q->waiters[i]);
}

static bool claim_shares(const struct claim *c, const struct slot *s)
{
	const struct claim_queue *q = claim_q(c);

	for (size_t i = 0; i < q->n_sharers; i++)
		if (q->sharers[i] == s)
			return true;
	return false;
}

static void claim_unshare(struct claim *c, const struct slot *s)
{
	struct claim_queue *q = c->q;

	for (size_t i = 0; q && i < q->n_sharers; i++) {
		if (q->sharers[i] == s) {
			q->sharers[i] = q->sharers[--q->n_sharers];
			return;
		}
	}
}

static bool claim_held_by(const struct claim *c, const struct slot *s)
{
	return c->holder == s || claim_shares(c, s);
}

static struct claim *claim_get(struct store *st, const char *key)
{
	struct claim *c = hmap_get(&st->claims, key);
	size_t n = strlen(key) + 1;

	if (c)
		return c;
	c = calloc(1, sizeof(*c) + n);
	if (!c)
		return NULL;
	memcpy(c->key, key, n);
	if (hmap_put(&st->claims, c->key, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static void claim_drop_if_unused(struct store *st, struct claim *c)
{
	if (c->holder || claim_q(c)->n_sharers || claim_q(c)->n_waiters)
		return;
	hmap_del(&st->claims, c->key);
	store_claim_free(c);
}

static void wait_stop(struct store *st, struct slot *s)
{
	struct claim *c = s->waiting;
	struct claim_queue *q = c ? c->q : NULL;

	if (!c)
		return;
	for (size_t i = 0; q && i < q->n_waiters; i++) {
		if (q->waiters[i] == s) {
			q->waiters[i] = q->waiters[--q->n_waiters];
			break;
		}
	}
	s->waiting = NULL;
	claim_drop_if_unused(st, c);
}

static int wait_start(struct slot *s, struct claim *c)
{
	struct claim_queue *q = claim_q_make(c);
	struct slot **v = q ? array_grow(q->waiters, &q->cap_waiters, q->n_waiters + 1, sizeof(*v), 4) :
			      NULL;

	if (!v)
		return -ENOMEM;
	q->waiters = v;
	q->waiters[q->n_waiters++] = s;
	s->waiting = c;
	return 0;
}

static void claim_let_go(struct store *st, struct claim *c, const struct slot *s)
{
	if (c->holder == s)
		c->holder = NULL;
	claim_unshare(c, s);
	claim_wake(st, c);
	claim_drop_if_unused(st, c);
}

/*
 * Gives up s's claims and wakes whoever waited for them. They stay waiters until each is
 * resolved, so the first one resolved still sees the others (better_waiter).
 */
static void claim_release(struct store *st, struct slot *s)
{
	struct claim *one = s->claims.one, **v = s->n_claims == 1 ? &one : s->claims.v;
	size_t n = s->n_claims;

	s->claims.v = NULL;
	s->n_claims = 0;
	for (size_t i = 0; i < n; i++)
		claim_let_go(st, v[i], s);
	if (n > 1)
		free(v);
}

static bool claims_have(struct claim *const *v, size_t n, const struct claim *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == c)
			return true;
	return false;
}

/* Room for s among the sharers of those of v that o shares, before anything changes. */
static int claim_reserve(const struct slot *s, struct claim **v, size_t n, const struct object *o)
{
	for (size_t i = 0; i < n; i++) {
		struct claim_queue *q;
		struct slot **w;
		if (!claim_shared(o, i) || claim_shares(v[i], s))
			continue;
		if (!(q = claim_q_make(v[i])) || !(w = array_room(q->sharers, q->n_sharers, sizeof(*w))))
			return -ENOMEM;
		q->sharers = w;
	}
	return 0;
}

/*
 * s takes the claims v (n of them, owned now) as object o asks for them, with room made by
 * claim_reserve; those it held and are not in v go.
 */
static void claim_take(struct store *st, struct slot *s, struct claim **v, size_t n,
		       const struct object *o)
{
	struct claim *const *had = store_claims(s);

	for (size_t i = 0; i < s->n_claims; i++)
		if (!claims_have(v, n, had[i]))
			claim_let_go(st, had[i], s);
	if (s->n_claims > 1)
		free(s->claims.v);
	s->n_claims = (uint16_t)n;
	if (n == 1) {
		s->claims.one = v[0];
		free(v);
		v = &s->claims.one;
	} else {
		s->claims.v = v;
	}
	for (size_t i = 0; i < n; i++) {
		if (!claim_shared(o, i)) {
			v[i]->holder = s;
			claim_unshare(v[i], s);         /* shared what it now holds alone */
			continue;
		}
		if (v[i]->holder == s)
			v[i]->holder = NULL;    /* held alone what it now shares */
		if (!claim_shares(v[i], s))
			v[i]->q->sharers[v[i]->q->n_sharers++] = s;     /* room: claim_reserve */
	}
}

static void loser_add(struct slot **losers, size_t *k, struct slot *l)
{
	size_t j;

	for (j = 0; j < *k && losers[j] != l; j++)
		;
	if (j == *k)
		losers[(*k)++] = l;
}

/*
 * Those holding any of v in a way o cannot share lose all they hold (a range every port).
 * s stands as the holder meanwhile, so no claim of v is freed on the way.
 */
static int claim_evict(struct store *st, struct slot *s, struct claim **v, size_t n,
		       const struct object *o)
{
	size_t k = 0, most = n;
	struct slot **losers;

	for (size_t i = 0; i < n; i++)
		most += claim_shared(o, i) ? 0 : claim_q(v[i])->n_sharers;
	if (!(losers = calloc(most, sizeof(*losers))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (v[i]->holder && v[i]->holder != s)
			loser_add(losers, &k, v[i]->holder);
		v[i]->holder = s;
		const struct claim_queue *q = claim_q(v[i]);
		for (size_t j = 0; !claim_shared(o, i) && j < q->n_sharers; j++)
			if (q->sharers[j] != s)
				loser_add(losers, &k, q->sharers[j]);
	}
	for (size_t i = 0; i < k; i++) {
		store_mark_dirty(st, losers[i]);
		claim_release(st, losers[i]);
	}
	free(losers);
	return 0;
}

static void slot_want(struct slot *s, struct object *o, int source, uint64_t seq)
{
	if (s->want != o) {
		if (!object_equal(s->want, o))
			s->down = 0;    /* other targets: their health is not known yet */
		object_unref(s->want);
		s->want = object_ref(o);
		s->saved = false;
	}
	if (s->want_source != (o ? source : -1) || s->want_seq != (o ? seq : 0))
		s->saved = false;
	s->want_source = o ? source : -1;
	s->want_seq = o ? seq : 0;
}

static bool rank_less(int sa, uint64_t qa, const char *ia, int sb, uint64_t qb, const char *ib)
{
	if (sa != sb)
		return sa < sb;
	if (qa != qb)
		return qa < qb;
	return strcmp(ia, ib) < 0;
}

static bool outranks(int source, uint64_t seq, const char *id, const struct slot *holder)
{
	return rank_less(source, seq, id, holder->want_source, holder->want_seq, holder->id);
}

/* The source whose object s would serve: the first with a good version (-1: none). */
static int slot_candidate(const struct slot *s)
{
	for (int i = 0; i < s->n_src; i++)
		if (s->src[i].good)
			return i;
	return -1;
}

/* The best of those holding c that s cannot hold it beside, or NULL. */
static struct slot *claim_rival(const struct claim *c, const struct slot *s, bool shared)
{
	const struct claim_queue *q = claim_q(c);
	struct slot *best = NULL;

	if (c->holder && c->holder != s)
		return c->holder;
	for (size_t i = 0; !shared && i < q->n_sharers; i++) {
		struct slot *h = q->sharers[i];
		if (h != s && (!best || rank_less(h->want_source, h->want_seq, h->id,
						  best->want_source, best->want_seq, best->id)))
			best = h;
	}
	return best;
}

/*
 * A free claim goes to the best of those asking for it, not to whichever is resolved
 * first: the best waiter (other than s) still asking for c in a way s cannot share, that
 * outranks s and those holding c it cannot share with, or NULL.
 */
static struct slot *better_waiter(const struct claim *c, const struct slot *s, int source,
				  uint64_t seq, bool shared)
{
	struct slot *best = NULL;
	int best_src = source;
	uint64_t best_seq = seq;
	const char *best_id = s->id;
	const struct claim_queue *q = claim_q(c);

	for (size_t i = 0; i < q->n_waiters; i++) {
		struct slot *w = q->waiters[i];
		int ws = slot_candidate(w);
		int mode;
		if (w == s || ws < 0)
			continue;
		struct slot *r;
		mode = claim_mode(w->src[ws].good, c->key);
		if (mode < 0 || (shared && mode == 1) ||
		    !rank_less(ws, w->src[ws].seq, w->id, best_src, best_seq, best_id))
			continue;
		r = claim_rival(c, w, mode == 1);
		if (r && r != s && !outranks(ws, w->src[ws].seq, w->id, r))
			continue;       /* it could not take c either */
		best = w;
		best_src = ws;
		best_seq = w->src[ws].seq;
		best_id = w->id;
	}
	return best;
}


static void conflict_error(char *buf, size_t len, const struct object *o, const struct slot *holder,
			   const struct store *st, const char *key)
{
	const char *slash = strchr(key, '/');

	int hs = holder->want ? holder->want_source : slot_candidate(holder);
	const char *src = hs >= 0 && st->names[hs] ? st->names[hs] : "?";

	if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "forward %s: public_port %s/%s is held by forward %s (source %s)",
			 o->id, slash ? slash + 1 : key, object_proto_name(o->fwd.proto), holder->id,
			 src);
	else
		snprintf(buf, len, "route %s: hostname \"%s\"%s%s%s on entrypoint %s is held by route "
			 "%s (source %s)%s", o->id, o->route.hostname,
			 o->route.path_prefix ? " path_prefix \"" : "",
			 o->route.path_prefix ? o->route.path_prefix : "",
			 o->route.path_prefix ? "\"" : "", o->route.entrypoint, holder->id, src,
			 holder->want && (holder->want->route.tls == ROUTE_TLS_PASSTHROUGH) !=
			 (o->route.tls == ROUTE_TLS_PASSTHROUGH) ? "; a TLS passthrough route and "
			 "an HTTPS route cannot share a name on one entrypoint" : "");
}

static void slot_resolve(struct store *st, struct slot *s)
{
	struct entry *top = NULL, *cand = NULL;
	int top_src = -1, cand_src = slot_candidate(s);
	enum obj_state old = s->status.state;
	char key[CLAIM_KEY_LEN], msg[ERR_LEN];
	struct slot *blocker = NULL, *rival;
	struct claim *c = NULL, **v;
	bool shared;
	size_t i, n;

	for (int k = 0; k < s->n_src && !top; k++) {
		top = store_entry(s, k);
		top_src = top ? k : -1;
	}
	cand = cand_src >= 0 ? &s->src[cand_src] : NULL;
	wait_stop(st, s);
	status_reset(&s->status);
	s->status.source = top_src;
	if (top && top->error) {
		s->status.state = ST_REJECTED;
		status_set_error(&s->status, top->error);
	} else {
		s->status.state = top ? ST_APPLIED : ST_NONE;
	}
	if (!cand) {
		claim_release(st, s);
		slot_want(s, NULL, -1, 0);
		goto out;
	}

	n = store_claim_count(cand->good);
	v = calloc(n, sizeof(*v));
	for (i = 0; v && i < n && !blocker; i++) {
		store_claim_key_at(cand->good, i, key, sizeof(key));
		if (!(c = v[i] = claim_get(st, key)))
			break;
		shared = claim_shared(cand->good, i);
		if (c->holder == s || (shared && claim_held_by(c, s)))
			continue;
		blocker = better_waiter(c, s, cand_src, cand->seq, shared);
		if (blocker)
			store_mark_dirty(st, blocker);  /* it outranks s: its turn first */
		/* the holder is named, and kept when a waiter comes first or it outranks s */
		rival = claim_rival(c, s, shared);
		if (rival && (blocker || !outranks(cand_src, cand->seq, s->id, rival)))
			blocker = rival;
	}
	if (!v || (i < n && !blocker) ||
	    (!blocker && (claim_reserve(s, v, n, cand->good) ||
			  claim_evict(st, s, v, n, cand->good)))) {
		free(v);
		s->status.state = ST_FAILED;
		status_set_error(&s->status, "out of memory");
		goto out;
	}
	if (!blocker) {
		/* a holder whose rank changed lets its waiters compare again */
		for (i = 0; i < n; i++)
			if (claim_held_by(v[i], s) &&
			    (s->want_source != cand_src || s->want_seq != cand->seq))
				claim_wake(st, v[i]);
		claim_take(st, s, v, n, cand->good);
		slot_want(s, cand->good, cand_src, cand->seq);
		goto out;
	}
	/* Taken by an id of equal or higher precedence: refuse, keep what is live if we can. */
	for (size_t k = 0; k + 1 < i; k++)
		claim_drop_if_unused(st, v[k]);
	free(v);
	s->status.state = ST_REJECTED;
	s->status.source = cand_src;
	conflict_error(msg, sizeof(msg), cand->good, blocker, st, c->key);
	status_set_error(&s->status, msg);
	/* what serves keeps serving, unless its source deleted it */
	if (!(s->n_claims && s->applied && s->applied_source >= 0 && s->want_source >= 0 &&
	      s->src[s->want_source].good)) {
		claim_release(st, s);
		slot_want(s, NULL, -1, 0);
	}
	if (wait_start(s, c))
		claim_drop_if_unused(st, c);
out:
	store_count_state(st, s, old);
	s->status.serving_previous = s->status.state == ST_REJECTED && s->want;
	if (s->want && s->kind == KIND_FORWARD && s->want->fwd.health.interval_ms) {
		s->status.checked = s->want;
		s->status.down = s->down;
	}
	if (s->status.source >= 0)
		s->status.digest = s->src[s->status.source].digest;
	if (!s->touched) {
		s->touched = true;
		s->next_touched = st->touched;
		st->touched = s;
	}
}

void store_resolve(struct store *st)
{
	while (st->dirty) {
		struct slot *s = st->dirty;
		st->dirty = s->next_dirty;
		s->dirty = false;
		slot_resolve(st, s);
	}
}

bool store_release(struct store *st, struct slot *s)
{
	for (int i = 0; i < s->n_src; i++)
		if (store_entry(s, i))
			return false;
	if (s->want || s->applied || s->dirty || s->touched || s->n_claims ||
	    s->published_state != ST_NONE)
		return false;
	wait_stop(st, s);
	hmap_del(&st->slots, store_key(s));
	st->counts[s->kind][s->status.state]--;
	status_reset(&s->status);
	free(s->fail);
	free(s);
	return true;
}

void store_pin_claims(struct store *st)
{
	char key[CLAIM_KEY_LEN];
	struct claim **v;
	size_t i, n;

	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		if (!s->want)
			continue;
		n = store_claim_count(s->want);
		v = calloc(n, sizeof(*v));
		for (i = 0; v && i < n; i++) {
			store_claim_key_at(s->want, i, key, sizeof(key));
			if (!(v[i] = claim_get(st, key)) || v[i]->holder ||
			    (!claim_shared(s->want, i) && claim_q(v[i])->n_sharers))
				break;
		}
		if (!v || i < n || claim_reserve(s, v, n, s->want)) {
			for (size_t k = 0; v && k <= i && k < n; k++)
				if (v[k])
					claim_drop_if_unused(st, v[k]);
			free(v);
			slot_want(s, NULL, -1, 0);
			continue;
		}
		claim_take(st, s, v, n, s->want);
		object_unref(s->applied);
		s->applied = object_ref(s->want);
		s->applied_source = s->want_source;
		store_mark_dirty(st, s);
	}
}
