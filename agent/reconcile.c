#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "log.h"
#include "reconcile.h"

struct work {
	struct slot **v;
	size_t n;
	size_t cap;
};

static int work_add(struct work *w, struct slot *s)
{
	struct slot **v = array_grow(w->v, &w->cap, w->n + 1, sizeof(*v), 64);

	if (!v)
		return -ENOMEM;
	w->v = v;
	w->v[w->n++] = s;
	return 0;
}

static bool slot_changed(const struct slot *s)
{
	return !object_equal(s->want, s->applied) || s->want_source != s->applied_source;
}

static void slot_set_applied(struct slot *s)
{
	if (s->applied != s->want) {
		object_unref(s->applied);
		s->applied = object_ref(s->want);
	}
	s->applied_source = s->want_source;
	s->applied_down = s->down;
	store_slot_fail(s, NULL);
}

static bool fwd_pending(const struct slot *s, bool full)
{
	if (full)
		return s->want;
	return !object_equal(s->want, s->applied) || (s->want && s->down != s->applied_down);
}

static int forwards_apply(struct reconcile *rc, struct store *st, struct work *w)
{
	struct nft_sets_plan plan = { 0 };
	struct fwd_change *ch = NULL;
	struct slot **who = NULL;
	struct strbuf sb;
	size_t n = 0;
	char err[ERR_LEN - 16];
	bool full = rc->nft_full;
	int ret = 0;

	strbuf_init(&sb);
again:
	n = 0;
	free(ch);
	free(who);
	nft_sets_plan_free(&plan);
	ch = calloc(w->n + 1, sizeof(*ch));
	who = calloc(w->n + 1, sizeof(*who));
	if (!ch || !who) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		struct slot *s = w->v[i];
		if (s->kind != KIND_FORWARD || !fwd_pending(s, full))
			continue;
		ch[n] = (struct fwd_change){ s->applied, s->want, s->applied_down, s->down };
		who[n++] = s;
	}
	ret = nft_sets_plan(&rc->nft_sets, rc->sets, ch, n, full, &plan);
	if (ret)
		goto out;
	if (!n && !full && !plan.n_ops)
		goto done;
	strbuf_reset(&sb);
	ret = nft_render_sets(&sb, &rc->nft, ch, n, plan.ops, plan.n_ops, full);
	if (!ret && sb.err)
		ret = sb.err;
	if (ret)
		goto out;
	rc->applies++;
	ret = rc->ops->nft(rc->arg, sb.buf, err, sizeof(err));
	if (ret && !full) {
		/* the kernel is not what we believed: replace the whole table instead */
		log_warn("nftables: incremental change failed (%s); replacing the table", err);
		full = true;
		goto again;
	}
	if (ret) {
		snprintf(rc->nft_error, sizeof(rc->nft_error), "nftables: %s", err);
		log_error("%s", rc->nft_error);
		for (size_t i = 0; i < n; i++)
			store_slot_fail(who[i], rc->nft_error);
		rc->nft_full = true;
		rc->retry = true;
		ret = 0;
		goto out;
	}
	ret = nft_sets_commit(&rc->nft_sets, &plan);
	if (ret)
		goto out;
done:
	rc->nft_error[0] = '\0';
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i]->kind == KIND_FORWARD)
			slot_set_applied(w->v[i]);
	rc->nft_full = false;
out:
	nft_sets_plan_free(&plan);
	free(ch);
	free(who);
	strbuf_free(&sb);
	return ret;
}

void reconcile_set_changed(struct reconcile *rc)
{
	rc->nft_sets.dirty = true;
}

void reconcile_free(struct reconcile *rc)
{
	nft_sets_free(&rc->nft_sets);
}

static void persist_fail(struct reconcile *rc, const char *err)
{
	snprintf(rc->persist_error, sizeof(rc->persist_error), "state cache: %s", err);
	log_error("%s", rc->persist_error);
	rc->retry = true;
}

/*
 * The records of what w wants go to DATA_DIR first; they are on disk (persist_wait)
 * before any route file is put in place, so every file the agent writes belongs to a
 * route its cache holds (a claim in the manifest then need not be synced on its own:
 * traefik.h), and before any status.
 */
static void persist(struct reconcile *rc, struct store *st, struct work *w)
{
	char err[ERR_LEN - 16];

	rc->persist_error[0] = '\0';
	rc->persist_pending = rc->ops->persist != NULL;
	if (rc->ops->persist && rc->ops->persist(rc->arg, st, w->v, w->n, err, sizeof(err)))
		persist_fail(rc, err);
}

/* Once a run: 0 when what persist wrote is on disk, else -EIO (persist_error says why). */
static int persist_wait(void *arg)
{
	struct reconcile *rc = arg;
	char err[ERR_LEN - 16];

	if (rc->persist_pending && !rc->persist_error[0] && rc->ops->durable &&
	    rc->ops->durable(rc->arg, err, sizeof(err)))
		persist_fail(rc, err);
	rc->persist_pending = false;
	return rc->persist_error[0] ? -EIO : 0;
}

static bool route_pending(const struct reconcile *rc, const struct slot *s)
{
	return s->kind == KIND_ROUTE && (slot_changed(s) || rc->routes_full || s->fail);
}

/*
 * Phase 0 writes every wanted file; phase 1 removes files of a previous source, only
 * for routes whose new file is in place, so a failed write never leaves a route dark.
 */
static size_t routes_phase(struct reconcile *rc, struct store *st, struct work *w,
			   struct traefik_op *ops, struct slot **who, int phase)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++) {
		struct slot *s = w->v[i];
		if (!route_pending(rc, s) || (phase == 1 && s->fail))
			continue;
		if (phase == 0 && s->want) {
			ops[n] = (struct traefik_op){ .source = st->names[s->want_source],
						      .id = s->id, .route = s->want };
			who[n++] = s;
		} else if (phase == 1 && s->applied && s->applied_source != s->want_source) {
			ops[n] = (struct traefik_op){ .source = st->names[s->applied_source],
						      .id = s->id };
			who[n++] = s;
		}
		if (phase == 0)
			store_slot_fail(s, NULL);
	}
	if (!n)
		return 0;
	rc->applies++;
	rc->ops->routes(rc->arg, ops, n, &(struct traefik_gate){ persist_wait, rc });
	for (size_t i = 0; i < n; i++) {
		if (!ops[i].result)
			continue;
		store_slot_fail(who[i], ops[i].error);
		snprintf(rc->routes_error, sizeof(rc->routes_error), "traefik: %.480s", ops[i].error);
		rc->retry = true;
	}
	return n;
}

static int routes_apply(struct reconcile *rc, struct store *st, struct work *w)
{
	struct traefik_op *ops = calloc(w->n + 1, sizeof(*ops));
	struct slot **who = calloc(w->n + 1, sizeof(*who));
	int ret = 0;

	if (!ops || !who) {
		ret = -ENOMEM;
		goto out;
	}
	char before[ERR_LEN];
	size_t ran;

	/* the node-level error stays until a pass that touched files succeeded */
	snprintf(before, sizeof(before), "%s", rc->routes_error);
	rc->routes_error[0] = '\0';
	ran = routes_phase(rc, st, w, ops, who, 0);
	ran += routes_phase(rc, st, w, ops, who, 1);
	if (!ran)
		snprintf(rc->routes_error, sizeof(rc->routes_error), "%s", before);
	for (size_t i = 0; i < w->n; i++)
		if (route_pending(rc, w->v[i]) && !w->v[i]->fail)
			slot_set_applied(w->v[i]);
	if (rc->routes_error[0])
		log_error("%s", rc->routes_error);
out:
	free(ops);
	free(who);
	return ret;
}

/* What could not be made durable is not reported applied: failed, and retried. */
static void persist_failed(struct reconcile *rc, struct work *w)
{
	for (size_t i = 0; rc->persist_error[0] && i < w->n; i++)
		if (w->v[i]->want)
			store_slot_fail(w->v[i], rc->persist_error);
}

static void slot_report(struct reconcile *rc, struct store *st, struct slot *s)
{
	enum obj_state old = s->status.state;
	uint64_t h;

	if (s->status.state == ST_APPLIED && s->fail) {
		s->status.state = ST_FAILED;
		status_set_error(&s->status, s->fail);
	} else if (s->status.state == ST_FAILED && !s->fail && s->want && !slot_changed(s)) {
		s->status.state = ST_APPLIED;
		status_set_error(&s->status, "");
	}
	store_count_state(st, s, old);
	h = status_hash(&s->status);
	if (h == s->published_hash && s->ever_published)
		goto out;
	if (s->status.state == ST_NONE && s->published_state == ST_NONE && !s->ever_published)
		goto out;
	if (!rc->ops->status(rc->arg, s))
		return;
	reconcile_adopt(st, s);
out:
	store_release(st, s);
}

int reconcile_run(struct reconcile *rc, struct store *st)
{
	struct work w = { 0 };
	struct slot *list;
	int ret = 0, changed = 0;

	store_resolve(st);
	list = store_take_touched(st);
	if (rc->nft_full || rc->routes_full || rc->retry) {
		rc->retry = false;
		hmap_each(&st->slots, it)
			if ((ret = work_add(&w, it->val)))
				goto out;
	} else {
		for (struct slot *s = list; s; s = s->next_touched)
			if ((ret = work_add(&w, s)))
				goto out;
	}
	for (size_t i = 0; i < w.n; i++) {
		changed += slot_changed(w.v[i]);
		if (rc->ops->wanted)
			rc->ops->wanted(rc->arg, w.v[i]);
	}
	persist(rc, st, &w);
	ret = forwards_apply(rc, st, &w);
	if (ret)
		goto out;
	ret = routes_apply(rc, st, &w);
	if (ret)
		goto out;
	persist_wait(rc);       /* when no route file was put in place */
	rc->routes_full = false;
	persist_failed(rc, &w);
	for (size_t i = 0; i < w.n; i++)
		slot_report(rc, st, w.v[i]);
	ret = changed;
out:
	free(w.v);
	return ret;
}

void reconcile_publish_all(struct reconcile *rc, struct store *st)
{
	struct work w = { 0 };

	hmap_each(&st->slots, it)
		if (work_add(&w, it->val))
			break;
	for (size_t i = 0; i < w.n; i++)
		slot_report(rc, st, w.v[i]);
	free(w.v);
}

void reconcile_adopt(struct store *st, struct slot *s)
{
	s->published_hash = status_hash(&s->status);
	s->published_gen = st->gen;
	s->published_state = s->status.state;
	s->ever_published = s->status.state != ST_NONE;
}

void reconcile_republish_unseen(struct reconcile *rc, struct store *st)
{
	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		if (s->ever_published && !s->retained_seen && s->published_gen < st->gen)
			s->ever_published = false;
		s->retained_seen = false;
	}
	reconcile_publish_all(rc, st);
}

void reconcile_count(const struct store *st, size_t counts[KIND_COUNT][ST_COUNT])
{
	memcpy(counts, st->counts, sizeof(st->counts));
}
