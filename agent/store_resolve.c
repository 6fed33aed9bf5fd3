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
	if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "%s/%u", object_proto_name(o->fwd.proto), o->fwd.public_port);
	else
		snprintf(buf, len, "host/%s/%s%s", o->route.entrypoint ? o->route.entrypoint : "",
			 o->route.hostname, o->route.path_prefix ? o->route.path_prefix : "");
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

/*
 * Gives up s's claim and wakes whoever waited for it. They stay waiters until each is
 * resolved, so the first one resolved still sees the others (better_waiter).
 */
static void claim_release(struct store *st, struct slot *s)
{
	struct claim *c = s->claim;

	if (!c)
		return;
	s->claim = NULL;
	c->holder = NULL;
	for (size_t i = 0; i < c->n_waiters; i++)
		store_mark_dirty(st, c->waiters[i]);
	claim_drop_if_unused(st, c);
}

static void slot_want(struct slot *s, struct object *o, int source, uint64_t seq)
{
	if (s->want != o) {
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
	char key[CLAIM_KEY_LEN];

	for (size_t i = 0; i < c->n_waiters; i++) {
		struct slot *w = c->waiters[i];
		int ws = slot_candidate(w);
		if (w == s || ws < 0)
			continue;
		store_claim_key(w->src[ws]->good, key, sizeof(key));
		if (strcmp(key, c->key) ||
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
			   const struct store *st)
{
	int hs = holder->want ? holder->want_source : slot_candidate(holder);
	const char *src = hs >= 0 && st->names[hs] ? st->names[hs] : "?";

	if (o->kind == KIND_FORWARD)
		snprintf(buf, len, "forward %s: public_port %u/%s is held by forward %s (source %s)",
			 o->id, o->fwd.public_port, object_proto_name(o->fwd.proto), holder->id,
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
	struct slot *blocker;
	struct claim *c;

	for (int i = 0; i < s->n_src && !top; i++) {
		top = s->src[i];
		top_src = top ? i : -1;
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

	store_claim_key(cand->good, key, sizeof(key));
	c = claim_get(st, key);
	if (!c) {
		s->status.state = ST_FAILED;
		status_set_error(&s->status, "out of memory");
		goto out;
	}
	blocker = c->holder == s ? NULL : better_waiter(c, s, cand_src, cand->seq);
	if (blocker)
		store_mark_dirty(st, blocker);  /* it outranks s: its turn first */
	else if (c->holder && c->holder != s && outranks(cand_src, cand->seq, s->id, c->holder)) {
		struct slot *loser = c->holder;
		loser->claim = NULL;
		c->holder = NULL;
		store_mark_dirty(st, loser);
	}
	if (c->holder && c->holder != s)
		blocker = c->holder;
	if (!blocker) {
		/* a holder whose rank changed lets its waiters compare again */
		if (c->holder == s && (s->want_source != cand_src || s->want_seq != cand->seq))
			claim_wake(st, c);
		if (s->claim != c)
			claim_release(st, s);
		c->holder = s;
		s->claim = c;
		slot_want(s, cand->good, cand_src, cand->seq);
		goto out;
	}
	/* Taken by an id of equal or higher precedence: refuse, keep what is live if we can. */
	s->status.state = ST_REJECTED;
	s->status.source = cand_src;
	conflict_error(msg, sizeof(msg), cand->good, blocker, st);
	status_set_error(&s->status, msg);
	/* what serves keeps serving, unless its source deleted it */
	if (!(s->claim && s->applied && s->applied_source >= 0 && s->want_source >= 0 &&
	      s->src[s->want_source] && s->src[s->want_source]->good)) {
		claim_release(st, s);
		slot_want(s, NULL, -1, 0);
	}
	if (wait_start(s, c))
		claim_drop_if_unused(st, c);
out:
	s->status.serving_previous = s->status.state == ST_REJECTED && s->want;
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
	if (s->want || s->applied || s->dirty || s->touched || s->claim ||
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

	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		struct claim *c;
		if (!s->want)
			continue;
		store_claim_key(s->want, key, sizeof(key));
		c = claim_get(st, key);
		if (!c || c->holder) {
			slot_want(s, NULL, -1, 0);
			continue;
		}
		c->holder = s;
		s->claim = c;
		object_unref(s->applied);
		s->applied = object_ref(s->want);
		s->applied_source = s->want_source;
		store_mark_dirty(st, s);
	}
}
