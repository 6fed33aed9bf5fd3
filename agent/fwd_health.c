#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_health.h"
#include "tcp_probe.h"

struct fwd_target_check {
	struct tcp_probe probe;
	int64_t next_ms;
	unsigned fails, oks;
	bool down;
};

struct fwd_check {
	struct object *o;       /* the forward checked (a reference) */
	struct fwd_target_check t[FWD_TARGETS_MAX];
	char key[];
};

static unsigned fnv(const char *s, size_t i)
{
	unsigned h = 2166136261u ^ (unsigned)i;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void check_free(struct fwd_health *h, struct fwd_check *c)
{
	for (size_t i = 0; i < FWD_TARGETS_MAX; i++) {
		if (c->t[i].probe.fd >= 0)
			h->inflight--;
		tcp_probe_stop(&c->t[i].probe);
	}
	object_unref(c->o);
	free(c);
}

void fwd_health_free(struct fwd_health *h)
{
	hmap_each(&h->checks, it)
		check_free(h, it->val);
	hmap_free(&h->checks);
	memset(h, 0, sizeof(*h));
}

static struct fwd_check *check_new(const struct slot *s, int64_t now_ms)
{
	struct fwd_check *c = calloc(1, sizeof(*c) + strlen(store_key(s)) + 1);
	unsigned every = s->want->fwd.health.interval_ms;

	if (!c)
		return NULL;
	strcpy(c->key, store_key(s));
	c->o = object_ref(s->want);
	for (size_t i = 0; i < FWD_TARGETS_MAX; i++) {
		tcp_probe_init(&c->t[i].probe);
		c->t[i].next_ms = now_ms + fnv(store_key(s), i) % every;
	}
	return c;
}

int fwd_health_update(struct fwd_health *h, const struct slot *s, int64_t now_ms)
{
	struct fwd_check *c = hmap_get(&h->checks, store_key(s));
	bool checked = s->kind == KIND_FORWARD && s->want && s->want->fwd.health.interval_ms;

	if (c && checked && c->o != s->want && object_equal(c->o, s->want)) {
		object_unref(c->o);
		c->o = object_ref(s->want);
	} else if (c && c->o != s->want) {
		check_free(h, hmap_del(&h->checks, store_key(s)));
		c = NULL;
	}
	if (!c && checked) {
		c = check_new(s, now_ms);
		if (!c || hmap_put(&h->checks, c->key, c)) {
			if (c)
				check_free(h, c);
			return -ENOMEM;
		}
		h->due_ms = now_ms;
	}
	if (!h->checks.n)
		h->due_ms = 0;
	return 0;
}

/* Reads a finished check (passes and failures in a row move the target), starts a due one. */
static void target_step(struct fwd_health *h, const struct fwd_check *c,
			struct fwd_target_check *t, size_t i, bool ready, int64_t now_ms)
{
	const struct forward_spec *f = &c->o->fwd;
	char ip[INET_ADDRSTRLEN];
	int res;

	if (t->probe.fd >= 0 && (ready || now_ms >= t->probe.deadline_ms)) {
		res = tcp_probe_result(&t->probe, now_ms, NULL);
		if (res == 0)
			return;
		tcp_probe_stop(&t->probe);
		h->inflight--;
		t->oks = res > 0 ? t->oks + 1 : 0;
		t->fails = res > 0 ? 0 : t->fails + 1;
		if (t->down && t->oks >= f->health.healthy_after)
			t->down = false;
		else if (!t->down && t->fails >= f->health.unhealthy_after)
			t->down = true;
	}
	if (t->probe.fd < 0 && now_ms >= t->next_ms && h->inflight < FWD_HEALTH_INFLIGHT) {
		inet_ntop(AF_INET, &f->targets[i].ip, ip, sizeof(ip));
		tcp_probe_start(&t->probe, ip, f->targets[i].port ? f->targets[i].port :
				f->public_port, now_ms, (int)f->health.timeout_ms);
		if (t->probe.fd >= 0)
			h->inflight++;
		else
			t->fails++;
		while (t->next_ms <= now_ms)
			t->next_ms += f->health.interval_ms;
	}
}

static int64_t due_min(int64_t cur, int64_t due)
{
	return !cur || due < cur ? due : cur;
}

int fwd_health_run(struct fwd_health *h, struct store *st, int64_t now_ms)
{
	struct pollfd pf[FWD_HEALTH_INFLIGHT];
	size_t n = 0, k = 0;
	int changed = 0;
	int64_t due = 0;

	if (!h->due_ms || now_ms < h->due_ms)
		return 0;
	hmap_each(&h->checks, it) {
		struct fwd_check *c = it->val;
		for (size_t i = 0; i < c->o->fwd.n_targets && n < FWD_HEALTH_INFLIGHT; i++)
			if (c->t[i].probe.fd >= 0)
				pf[n++] = (struct pollfd){ .fd = c->t[i].probe.fd, .events = POLLOUT };
	}
	if (n && poll(pf, n, 0) < 0)
		return -errno;
	hmap_each(&h->checks, it) {
		struct fwd_check *c = it->val;
		uint64_t down = 0;
		struct slot *s;
		for (size_t i = 0; i < c->o->fwd.n_targets; i++) {
			struct fwd_target_check *t = &c->t[i];
			bool ready = false;
			if (t->probe.fd >= 0 && k < n && pf[k].fd == t->probe.fd)
				ready = pf[k++].revents != 0;
			target_step(h, c, t, i, ready, now_ms);
			down |= (uint64_t)t->down << i;
			due = due_min(due, t->probe.fd >= 0 ? t->probe.deadline_ms : t->next_ms);
		}
		/* a set change re-reads the forward: an equal object, the same checks */
		s = store_get(st, KIND_FORWARD, c->key + 2);
		if (s && (s->want == c->o || object_equal(s->want, c->o)) && s->down != down) {
			s->down = down;
			store_mark_dirty(st, s);
			changed++;
		}
	}
	if (h->inflight)
		due = due_min(due, now_ms + FWD_HEALTH_TICK_MS);
	h->last_ms = now_ms;
	h->due_ms = due && due < now_ms + FWD_HEALTH_TICK_MS ? now_ms + FWD_HEALTH_TICK_MS : due;
	return changed;
}
