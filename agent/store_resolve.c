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

size_t store_claim_count(const struct object *o)
{
	return o->kind == KIND_FORWARD ? fwd_last_port(&o->fwd) - o->fwd.public_port + 1u : 1;
}

void store_claim_key_at(const struct object *o, size_t i, char *buf, size_t len)
{
	if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "%s/%zu", object_proto_name(o->fwd.proto), o->fwd.public_port + i);
	else
		store_claim_key(o, buf, len);
}

/* o asks for the claim key (one of its ports, or its host name). */
static bool claim_asks(const struct object *o, const char *key)
{
	const char *proto = o->kind == KIND_FORWARD ? object_proto_name(o->fwd.proto) : NULL;
	char k[CLAIM_KEY_LEN], *end;
	size_t pn = proto ? strlen(proto) : 0;
	unsigned long port;

	if (!proto) {
		store_claim_key(o, k, sizeof(k));
		return strcmp(k, key) == 0;
	}
	if (strncmp(key, proto, pn) || key[pn] != '/' || key[pn + 1] < '0' || key[pn + 1] > '9')
		return false;
	port = strtoul(key + pn + 1, &end, 10);
	return !*end && port >= o->fwd.public_port && port <= fwd_last_port(&o->fwd);
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
	if (c->holder || c->n_waiters)
		return;
	hmap_del(&st->claims, c->key);
	free(c->waiters);
	free(c);
}

static void wait_stop(struct store *st, struct slot *s)
{
	struct claim *c = s->waiting;

	if (!c)
		return;
	for (size_t i = 0; i < c->n_waiters; i++) {
		if (c->waiters[i] == s) {
			c->waiters[i] = c->waiters[--c->n_waiters];
			break;
		}
	}
	s->waiting = NULL;
	claim_drop_if_unused(st, c);
}

static int wait_start(struct slot *s, struct claim *c)
{
	struct slot **v = array_grow(c->waiters, &c->cap_waiters, c->n_waiters + 1, sizeof(*v), 4);

	if (!v)
		return -ENOMEM;
	c->waiters = v;
	c->waiters[c->n_waiters++] = s;
	s->waiting = c;
	return 0;
}

static void claim_let_go(struct store *st, struct claim *c, const struct slot *s)
{
	if (c->holder == s)
		c->holder = NULL;
	for (size_t i = 0; i < c->n_waiters; i++)
		store_mark_dirty(st, c->waiters[i]);
	claim_drop_if_unused(st, c);
}

/*
 * Gives up s's claims and wakes whoever waited for them. They stay waiters until each is
 * resolved, so the first one resolved still sees the others (better_waiter).
 */
static void claim_release(struct store *st, struct slot *s)
{
	struct claim **v = s->claims;
	size_t n = s->n_claims;

	s->claims = NULL;
	s->n_claims = 0;
	for (size_t i = 0; i < n; i++)
		claim_let_go(st, v[i], s);
	free(v);
}

static bool claims_have(struct claim *const *v, size_t n, const struct claim *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == c)
			return true;
	return false;
}

/* s takes the claims v (n of them, owned now); those it held and are not in v go. */
static void claim_take(struct store *st, struct slot *s, struct claim **v, size_t n)
{
	for (size_t i = 0; i < s->n_claims; i++)
		if (!claims_have(v, n, s->claims[i]))
			claim_let_go(st, s->claims[i], s);
	free(s->claims);
	s->claims = v;
	s->n_claims = n;
	for (size_t i = 0; i < n; i++)
		v[i]->holder = s;
}

/* Those holding any of v lose all they hold (a range every port); s holds v after. */
static int claim_evict(struct store *st, struct slot *s, struct claim **v, size_t n)
{
	struct slot **losers = calloc(n, sizeof(*losers));
	size_t k = 0, j;

	if (!losers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct slot *l = v[i]->holder;
		if (!l || l == s)
			continue;
		for (j = 0; j < k && losers[j] != l; j++)
			;
		if (j == k)
			losers[k++] = l;
		v[i]->holder = s;
		store_mark_dirty(st, l);
	}
	for (size_t i = 0; i < k; i++)
		claim_release(st, losers[i]);
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
	}
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
		if (s->src[i] && s->src[i]->good)
			return i;
	return -1;
}

/*
 * A free claim goes to the best of those asking for it, not to whichever is resolved
 * first: the best waiter (other than s) still asking for c that outranks s, or NULL.
 */
static struct slot *better_waiter(const struct claim *c, const struct slot *s, int source,
				  uint64_t seq)
{
	struct slot *best = NULL;
	int best_src = source;
	uint64_t best_seq = seq;
	const char *best_id = s->id;

	for (size_t i = 0; i < c->n_waiters; i++) {
		struct slot *w = c->waiters[i];
		int ws = slot_candidate(w);
		if (w == s || ws < 0)
			continue;
		if (!claim_asks(w->src[ws]->good, c->key) ||
		    !rank_less(ws, w->src[ws]->seq, w->id, best_src, best_seq, best_id))
			continue;
		best = w;
		best_src = ws;
		best_seq = w->src[ws]->seq;
		best_id = w->id;
	}
	return best;
}

static void claim_wake(struct store *st, struct claim *c)
{
	for (size_t i = 0; i < c->n_waiters; i++)
		store_mark_dirty(st, c->waiters[i]);
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
	char key[CLAIM_KEY_LEN], msg[ERR_LEN];
	struct slot *blocker = NULL;
	struct claim *c = NULL, **v;
	size_t i, n;

	for (int k = 0; k < s->n_src && !top; k++) {
		top = s->src[k];
		top_src = top ? k : -1;
	}
	cand = cand_src >= 0 ? s->src[cand_src] : NULL;
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
		if (c->holder == s)
			continue;
		blocker = better_waiter(c, s, cand_src, cand->seq);
		if (blocker)
			store_mark_dirty(st, blocker);  /* it outranks s: its turn first */
		/* the holder is named, and kept when a waiter comes first or it outranks s */
		if (c->holder && (blocker || !outranks(cand_src, cand->seq, s->id, c->holder)))
			blocker = c->holder;
	}
	if (!v || (i < n && !blocker) || (!blocker && claim_evict(st, s, v, n))) {
		free(v);
		s->status.state = ST_FAILED;
		status_set_error(&s->status, "out of memory");
		goto out;
	}
	if (!blocker) {
		/* a holder whose rank changed lets its waiters compare again */
		for (i = 0; i < n; i++)
			if (v[i]->holder == s && (s->want_source != cand_src || s->want_seq != cand->seq))
				claim_wake(st, v[i]);
		claim_take(st, s, v, n);
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
	      s->src[s->want_source] && s->src[s->want_source]->good)) {
		claim_release(st, s);
		slot_want(s, NULL, -1, 0);
	}
	if (wait_start(s, c))
		claim_drop_if_unused(st, c);
out:
	s->status.serving_previous = s->status.state == ST_REJECTED && s->want;
	if (s->want && s->kind == KIND_FORWARD && s->want->fwd.health.interval_ms) {
		s->status.checked = s->want;
		s->status.down = s->down;
	}
	if (s->status.source >= 0 && s->src[s->status.source])
		memcpy(s->status.digest, s->src[s->status.source]->digest, sizeof(s->status.digest));
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
		if (s->src[i])
			return false;
	if (s->want || s->applied || s->dirty || s->touched || s->n_claims ||
	    s->published_state != ST_NONE)
		return false;
	wait_stop(st, s);
	hmap_del(&st->slots, s->key);
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
			if (!(v[i] = claim_get(st, key)) || v[i]->holder)
				break;
		}
		if (!v || i < n) {
			for (size_t k = 0; v && k <= i && k < n; k++)
				if (v[k])
					claim_drop_if_unused(st, v[k]);
			free(v);
			slot_want(s, NULL, -1, 0);
			continue;
		}
		claim_take(st, s, v, n);
		object_unref(s->applied);
		s->applied = object_ref(s->want);
		s->applied_source = s->want_source;
		store_mark_dirty(st, s);
	}
}
