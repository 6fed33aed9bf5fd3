/* Stable claims: the holder of a port or host name does not depend on order or restarts. */
#include <errno.h>
#include <stdlib.h>

#include "cache.h"
#include "check.h"
#include "cidr.h"
#include "payload.h"

static const char *names[] = { "gw1", "fleet" };
static struct policy pol;

static void put(struct store *st, int src, const char *id, int port, int target, uint64_t seq)
{
	char json[160], err[ERR_LEN];
	struct object *o = NULL;

	snprintf(json, sizeof(json), "{\"public_port\": %d, \"target_ip\": \"10.1.0.%d\", \"target_port\": 80}",
		 port, target);
	if (payload_parse(KIND_FORWARD, id, json, strlen(json), &pol, &o, err, sizeof(err)))
		printf("FAIL payload %s: %s\n", id, err);
	store_put(st, KIND_FORWARD, src, id, o, NULL, st->gen, seq);
}

static const char *holder(struct store *st, int port)
{
	char key[32];
	struct claim *c;

	snprintf(key, sizeof(key), "tcp/%d", port);
	c = hmap_get(&st->claims, key);
	return c && c->holder ? c->holder->id : "none";
}

static int target_of(struct store *st, const char *id)
{
	struct slot *s = store_get(st, KIND_FORWARD, id);

	return s && s->want ? (int)(ntohl(s->want->fwd.target_ip.s_addr) & 0xff) : 0;
}

static void put_range(struct store *st, int src, const char *id, int first, int last,
		      uint64_t seq)
{
	char json[200], err[ERR_LEN];
	struct object *o = NULL;

	snprintf(json, sizeof(json), "{\"public_port\": %d, \"public_port_end\": %d, "
		 "\"target_ip\": \"10.1.0.9\"}", first, last);
	if (payload_parse(KIND_FORWARD, id, json, strlen(json), &pol, &o, err, sizeof(err)))
		printf("FAIL payload %s: %s\n", id, err);
	store_put(st, KIND_FORWARD, src, id, o, NULL, st->gen, seq);
}

static const char *status_error(struct store *st, const char *id)
{
	struct slot *s = store_get(st, KIND_FORWARD, id);

	return s && s->status.error ? s->status.error : "";
}

/* Marks every slot applied as reconcile would, so serving_previous applies. */
static void settle(struct store *st)
{
	store_resolve(st);
	store_take_touched(st);
	hmap_each(&st->slots, it) {
		struct slot *s = it->val;
		if (s->applied != s->want) {
			object_unref(s->applied);
			s->applied = object_ref(s->want);
		}
		s->applied_source = s->want_source;
	}
}

/* Renders a's cache, restores it into b with its records in reverse order. */
static void restore_reversed(struct store *a, struct store *b)
{
	struct strbuf sb, rev;
	char err[ERR_LEN];
	char *lines[64];
	size_t n = 0;

	strbuf_init(&sb);
	strbuf_init(&rev);
	cache_render(&sb, a, "gw1");
	for (char *p = sb.buf, *nl; n < 64 && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		lines[n++] = p;
	}
	strbuf_printf(&rev, "%s\n", lines[0]);
	for (size_t i = n; i-- > 1;)
		strbuf_printf(&rev, "%s\n", lines[i]);
	store_init(b, names, 2);
	if (cache_parse(b, rev.buf, rev.len, &pol, err, sizeof(err)))
		printf("FAIL cache_parse: %s\n", err);
	store_pin_claims(b);
	settle(b);
	strbuf_free(&sb);
	strbuf_free(&rev);
}

static void test_ranges(void);
static void test_names(void);

int main(void)
{
	struct store a, b, c;
	char err[128];

	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.entrypoint = "websecure";
	pol.max_payload = 65536;
	store_init(&a, names, 2);

	/* the scenario: web holds 22015, dup is refused; a restore keeps web */
	put(&a, 0, "web", 22015, 1, 0);
	settle(&a);
	put(&a, 0, "dup", 22015, 2, 0);
	settle(&a);
	CHECK_STR("web holds the port", holder(&a, 22015), "web");
	CHECK("dup is refused", store_get(&a, KIND_FORWARD, "dup")->status.state == ST_REJECTED);

	/* a holder that moves to a taken port keeps serving its previous version */
	put(&a, 0, "mover", 23000, 3, 0);
	put(&a, 0, "other", 24000, 4, 0);
	settle(&a);
	put(&a, 0, "mover", 24000, 3, 0);
	settle(&a);
	CHECK_STR("the mover keeps its old port", holder(&a, 23000), "mover");
	CHECK("the mover is refused, serving its previous version",
	      store_get(&a, KIND_FORWARD, "mover")->status.serving_previous);

	/* waiters: the earliest arrival takes a freed port, whatever the order of resolution */
	put(&a, 0, "w1", 25000, 5, 0);
	settle(&a);
	put(&a, 0, "w3", 25000, 7, 0);
	put(&a, 0, "w2", 25000, 6, 0);
	settle(&a);
	store_delete(&a, KIND_FORWARD, 0, "w1");
	settle(&a);
	CHECK_STR("the earliest waiter takes the freed port", holder(&a, 25000), "w3");

	/* objects first seen in one replay rank by id */
	a.replay_seq = ++a.seq;
	put(&a, 1, "rb", 26000, 8, a.replay_seq);
	put(&a, 1, "ra", 26000, 9, a.replay_seq);
	settle(&a);
	CHECK_STR("equal arrival: the lower id holds", holder(&a, 26000), "ra");
	put(&a, 1, "ra", 26000, 10, a.replay_seq + 5);
	settle(&a);
	CHECK_STR("an update on the same port keeps its rank", holder(&a, 26000), "ra");

	/* a higher-precedence source still takes over */
	put(&a, 1, "g", 27000, 11, 0);
	settle(&a);
	put(&a, 0, "n", 27000, 12, 0);
	settle(&a);
	CHECK_STR("the node's object takes the group's port", holder(&a, 27000), "n");

	/* a freed port goes to the best waiter; one serving its previous version keeps it */
	for (int order = 0; order < 2; order++) {
		struct store e;
		store_init(&e, names, 2);
		put(&e, 0, "h", 28000, 13, 0);
		put(&e, 0, "best", 28000, 14, 0);
		put(&e, 0, "prev", 28001, 15, 0);
		settle(&e);
		if (order) {
			put(&e, 0, "prev", 28000, 16, 0);
			settle(&e);
		} else {
			/* the waiters list in the other order: best joins after prev */
			store_delete(&e, KIND_FORWARD, 0, "best");
			settle(&e);
			put(&e, 0, "prev", 28000, 16, 0);
			settle(&e);
			put(&e, 0, "best", 28000, 14, 1);
			settle(&e);
		}
		store_delete(&e, KIND_FORWARD, 0, "h");
		settle(&e);
		CHECK_STR(order ? "freed port: the best waiter takes it" :
			  "freed port, other order: the best waiter takes it", holder(&e, 28000), "best");
		CHECK_STR(order ? "freed port: the one serving its previous version keeps its own" :
			  "freed port, other order: the one serving its previous version keeps its own",
			  holder(&e, 28001), "prev");
		store_free(&e);
	}

	/* a deleted object never serves, even when the next source's is refused */
	{
		struct store e;
		store_init(&e, names, 2);
		put(&e, 0, "x", 29000, 17, 0);
		put(&e, 0, "blocker", 29001, 18, 0);
		put(&e, 1, "x", 29001, 19, 0);
		settle(&e);
		CHECK_STR("the node's version serves", holder(&e, 29000), "x");
		store_delete(&e, KIND_FORWARD, 0, "x");
		settle(&e);
		CHECK_STR("deleted: its port is free", holder(&e, 29000), "none");
		CHECK("deleted: nothing serves while the group's version is refused",
		      target_of(&e, "x") == 0 &&
		      store_get(&e, KIND_FORWARD, "x")->status.state == ST_REJECTED &&
		      !store_get(&e, KIND_FORWARD, "x")->status.serving_previous);
		store_free(&e);
	}

	/* restore in reverse order: the same holders serve the same targets */
	restore_reversed(&a, &b);
	CHECK_STR("restored: web still holds 22015", holder(&b, 22015), "web");
	CHECK("restored: 22015 goes to web's target", target_of(&b, "web") == 1 && target_of(&b, "dup") == 0);
	CHECK_STR("restored: the mover keeps its old port", holder(&b, 23000), "mover");
	CHECK("restored: the mover serves its previous target on its old port",
	      store_get(&b, KIND_FORWARD, "mover")->want->fwd.public_port == 23000);
	CHECK_STR("restored: the other keeps its port", holder(&b, 24000), "other");
	CHECK_STR("restored: the waiter that took the freed port keeps it", holder(&b, 25000), "w3");
	CHECK_STR("restored: the replay tie stays with the lower id", holder(&b, 26000), "ra");
	CHECK_STR("restored: the node's object keeps its port", holder(&b, 27000), "n");

	/* a replay after the restore, in any order, moves nothing */
	b.gen++;
	b.replay_seq = ++b.seq;
	put(&b, 0, "dup", 22015, 2, b.replay_seq);
	put(&b, 0, "web", 22015, 1, b.replay_seq);
	put(&b, 0, "w2", 25000, 6, b.replay_seq);
	put(&b, 0, "w3", 25000, 7, b.replay_seq);
	settle(&b);
	CHECK_STR("replay: web still holds 22015", holder(&b, 22015), "web");
	CHECK_STR("replay: w3 still holds 25000", holder(&b, 25000), "w3");

	/* restoring twice (a journal over a snapshot) gives the same result */
	restore_reversed(&b, &c);
	CHECK_STR("second restore: web holds 22015", holder(&c, 22015), "web");
	CHECK("second restore: mover serves its old port",
	      store_get(&c, KIND_FORWARD, "mover")->want->fwd.public_port == 23000);
	CHECK_STR("second restore: w3 holds 25000", holder(&c, 25000), "w3");

	/* the journal: only changed records, read back over the snapshot, a torn tail ignored */
	struct strbuf snap, jr;
	struct store d;
	struct slot *v[64];
	size_t n = 0;

	strbuf_init(&snap);
	strbuf_init(&jr);
	cache_render(&snap, &c, "gw1");
	hmap_each(&c.slots, it)
		if (n < 64)
			v[n++] = it->val;
	CHECK("nothing changed: nothing to journal", cache_changes(&jr, &c, v, n) == 0 && jr.len == 0);
	put(&c, 0, "web", 22015, 42, 0);
	store_delete(&c, KIND_FORWARD, 0, "other");
	settle(&c);
	CHECK("an update, a delete and the waiter it lets in: three records",
	      cache_changes(&jr, &c, v, n) == 3);
	strbuf_puts(&jr, "{\"kind\":\"forward\",\"id\":\"web\",\"entr");
	store_init(&d, names, 2);
	CHECK("snapshot loads", cache_parse(&d, snap.buf, snap.len, &pol, err, sizeof(err)) == 0);
	CHECK("journal with a torn tail loads", cache_parse_journal(&d, jr.buf, jr.len, &pol, err, sizeof(err)) == 0);
	store_pin_claims(&d);
	settle(&d);
	CHECK("journaled update restored", target_of(&d, "web") == 42);
	CHECK("journaled delete restored", target_of(&d, "other") == 0 && strcmp(holder(&d, 24000), "mover") == 0);
	store_free(&d);

	/* a payload's digest is kept; a store read back has nothing to journal */
	store_digest(&c, KIND_FORWARD, 0, "web", 0x0123456789abcdefull);
	settle(&c);
	cache_render(&snap, &c, "gw1");
	store_init(&d, names, 2);
	cache_parse(&d, snap.buf, snap.len, &pol, err, sizeof(err));
	store_pin_claims(&d);
	settle(&d);
	n = 0;
	hmap_each(&d.slots, it)
		if (n < 64)
			v[n++] = it->val;
	strbuf_reset(&jr);
	CHECK("read back from its snapshot: nothing to journal",
	      n > 3 && cache_changes(&jr, &d, v, n) == 0 && jr.len == 0);
	CHECK("the digest of the payload is read back",
	      store_get(&d, KIND_FORWARD, "web")->src[0].digest == 0x0123456789abcdefull);
	CHECK("the same payload again: seen, nothing to parse",
	      store_seen(&d, KIND_FORWARD, 0, "web", 0x0123456789abcdefull, 7) &&
	      store_get(&d, KIND_FORWARD, "web")->src[0].gen == 7);
	CHECK("another payload, or another source: not seen",
	      !store_seen(&d, KIND_FORWARD, 0, "web", 0x0123456789abcdeeull, 8) &&
	      !store_seen(&d, KIND_FORWARD, 1, "web", 0x0123456789abcdefull, 8) &&
	      !store_seen(&d, KIND_FORWARD, 0, "nope", 0x0123456789abcdefull, 8));
	store_digest(&d, KIND_FORWARD, 0, "web", 0x1111111111111111ull);
	strbuf_reset(&jr);
	CHECK("a new digest is a change to journal", cache_changes(&jr, &d, v, n) == 1 &&
	      strstr(jr.buf, "\"digest\":\"1111111111111111\""));
	store_put(&d, KIND_FORWARD, 0, "web", NULL, "bad", d.gen, 0);
	store_digest(&d, KIND_FORWARD, 0, "web", 0x2222222222222222ull);
	strbuf_reset(&jr);
	CHECK("a rejected message: the good version is journaled without a digest",
	      cache_changes(&jr, &d, v, n) == 1 && !strstr(jr.buf, "digest") &&
	      !store_seen(&d, KIND_FORWARD, 0, "web", 0x2222222222222222ull, 9));
	strbuf_free(&snap);
	strbuf_free(&jr);
	store_free(&d);

	store_free(&a);
	store_free(&b);
	store_free(&c);
	test_ranges();
	test_names();
	cidr_list_free(&pol.allowed);
	return CHECK_DONE();
}

/* A range claims every port in it, against single ports and other ranges, stably. */
static void test_ranges(void)
{
	struct store st, back;

	store_init(&st, names, 2);
	put(&st, 0, "single", 31005, 1, 0);
	settle(&st);
	put_range(&st, 0, "late", 31000, 31099, 0);
	settle(&st);
	CHECK("a range over a held port is refused",
	      store_get(&st, KIND_FORWARD, "late")->status.state == ST_REJECTED);
	CHECK_STR("... naming the port and its holder", status_error(&st, "late"),
		  "forward late: public_port 31005/tcp is held by forward single (source gw1)");
	CHECK_STR("... and takes none of the others", holder(&st, 31000), "none");
	store_delete(&st, KIND_FORWARD, 0, "single");
	settle(&st);
	CHECK_STR("the range takes every port once free (first)", holder(&st, 31000), "late");
	CHECK_STR("the range takes every port once free (last)", holder(&st, 31099), "late");
	put(&st, 0, "inside", 31050, 2, 0);
	put_range(&st, 0, "overlap", 31090, 31200, 0);
	settle(&st);
	CHECK_STR("a port inside the range is refused", status_error(&st, "inside"),
		  "forward inside: public_port 31050/tcp is held by forward late (source gw1)");
	CHECK_STR("an overlapping range is refused at the first shared port",
		  status_error(&st, "overlap"),
		  "forward overlap: public_port 31090/tcp is held by forward late (source gw1)");
	CHECK_STR("... and holds nothing beyond", holder(&st, 31150), "none");
	put_range(&st, 1, "late", 31000, 31009, 0);
	put_range(&st, 0, "grp", 32000, 32009, 0);
	put_range(&st, 1, "grp2", 32005, 32020, 0);
	settle(&st);
	CHECK_STR("a lower source's range waits for a higher one's", holder(&st, 32015), "none");
	restore_reversed(&st, &back);
	CHECK_STR("after a restore the range holds its ports (first)", holder(&back, 31000), "late");
	CHECK_STR("after a restore the range holds its ports (last)", holder(&back, 31099), "late");
	CHECK("after a restore the inside port is still refused",
	      !store_get(&back, KIND_FORWARD, "inside") ||
	      !store_get(&back, KIND_FORWARD, "inside")->want);
	store_delete(&st, KIND_FORWARD, 0, "late");
	store_delete(&st, KIND_FORWARD, 1, "late");
	settle(&st);
	CHECK_STR("deleting the range hands a port to the waiting single", holder(&st, 31050), "inside");
	CHECK_STR("... and the overlapping range takes its ports", holder(&st, 31150), "overlap");
	store_free(&back);
	store_free(&st);
}

/* A route: with a path when path is set, else TLS passthrough when pass, else plain HTTPS. */
static void put_route_seq(struct store *st, int src, const char *id, const char *path, bool pass,
			  uint64_t seq)
{
	char json[200], err[ERR_LEN];
	struct object *o = NULL;

	if (pass)
		snprintf(json, sizeof(json), "{\"hostname\": \"app.example.com\", \"tls\": "
			 "\"passthrough\", \"target\": \"10.1.0.7:443\"}");
	else
		snprintf(json, sizeof(json), "{\"hostname\": \"app.example.com\",%s%s%s "
			 "\"target_url\": \"http://10.1.0.7\"}", path ? " \"path_prefix\": \"" : "",
			 path ? path : "", path ? "\"," : "");
	if (payload_parse(KIND_ROUTE, id, json, strlen(json), &pol, &o, err, sizeof(err)))
		printf("FAIL payload %s: %s\n", id, err);
	store_put(st, KIND_ROUTE, src, id, o, NULL, st->gen, seq);
}

static void put_route(struct store *st, int src, const char *id, const char *path, bool pass)
{
	put_route_seq(st, src, id, path, pass, 0);
}

static bool route_live(struct store *st, const char *id)
{
	struct slot *s = store_get(st, KIND_ROUTE, id);

	return s && s->want && s->status.state == ST_APPLIED;
}

static const char *route_error(struct store *st, const char *id)
{
	struct slot *s = store_get(st, KIND_ROUTE, id);

	return s && s->status.error ? s->status.error : "";
}

/*
 * HTTPS routes with paths share their name; a TLS passthrough route needs it alone. Who
 * wins is the best rank among all that ask, whatever the order and across a restore.
 */
/*
 * Five routes on one name, with fixed ranks, resolved in each of the 120 orders (one
 * resolve per put): the outcome is always the same, the one the ranks say.
 */
static void test_name_orders(void)
{
	static const struct { int src; const char *id, *path; bool pass; } r[] = {
		{ 1, "a-gpass", NULL, true }, { 0, "b-p1", "/p1", false }, { 1, "c-gp2", "/p2", false },
		{ 0, "d-pass", NULL, true }, { 1, "e-gp3", "/p3", false },
	};
	int perm[5] = { 0, 1, 2, 3, 4 }, bad = 0, orders = 0;

	for (;;) {
		struct store st;
		int i, j, k;

		store_init(&st, names, 2);
		for (i = 0; i < 5; i++) {
			k = perm[i];
			put_route_seq(&st, r[k].src, r[k].id, r[k].path, r[k].pass, 10 + (uint64_t)k);
			settle(&st);
		}
		/* the node's b-p1 outranks all: the HTTPS routes share, both passthroughs wait */
		bad += !route_live(&st, "b-p1") || !route_live(&st, "c-gp2") ||
		       !route_live(&st, "e-gp3") || route_live(&st, "a-gpass") || route_live(&st, "d-pass");
		store_free(&st);
		orders++;
		/* next permutation in lexicographic order */
		for (i = 3; i >= 0 && perm[i] > perm[i + 1]; i--)
			;
		if (i < 0)
			break;
		for (j = 4; perm[j] < perm[i]; j--)
			;
		k = perm[i], perm[i] = perm[j], perm[j] = k;
		for (j = i + 1, k = 4; j < k; j++, k--) {
			int t = perm[j];
			perm[j] = perm[k], perm[k] = t;
		}
	}
	CHECK("every one of the 120 orders ends the same", orders == 120 && bad == 0);
}

static void test_names(void)
{
	struct store st, back;

	store_init(&st, names, 2);
	put_route(&st, 0, "api", "/api", false);
	put_route(&st, 0, "web", "/web", false);
	settle(&st);
	CHECK("two HTTPS routes with paths share a name", route_live(&st, "api") && route_live(&st, "web"));
	put_route(&st, 0, "pass", NULL, true);
	settle(&st);
	CHECK("a passthrough route beside them is refused", !route_live(&st, "pass"));
	CHECK_STR("... naming the first of them", route_error(&st, "pass"),
		  "route pass: hostname \"app.example.com\" on entrypoint websecure is held by route api "
		  "(source gw1); a TLS passthrough route and an HTTPS route cannot share a name on "
		  "one entrypoint");
	store_delete(&st, KIND_ROUTE, 0, "api");
	settle(&st);
	CHECK("one HTTPS route left: still refused", !route_live(&st, "pass"));
	CHECK_STR("... naming the one left", route_error(&st, "pass"),
		  "route pass: hostname \"app.example.com\" on entrypoint websecure is held by route web "
		  "(source gw1); a TLS passthrough route and an HTTPS route cannot share a name on "
		  "one entrypoint");
	store_delete(&st, KIND_ROUTE, 0, "web");
	settle(&st);
	CHECK("the last one gone: the passthrough route takes the name", route_live(&st, "pass"));
	put_route(&st, 0, "late", "/late", false);
	settle(&st);
	CHECK("an HTTPS route with a path beside it is refused", !route_live(&st, "late"));
	CHECK_STR("... naming the passthrough route", route_error(&st, "late"),
		  "route late: hostname \"app.example.com\" path_prefix \"/late\" on entrypoint "
		  "websecure is held by route pass (source gw1); a TLS passthrough route and an "
		  "HTTPS route cannot share a name on one entrypoint");
	put_route(&st, 0, "plain", NULL, false);
	settle(&st);
	CHECK("an HTTPS route without a path is refused too", !route_live(&st, "plain"));

	restore_reversed(&st, &back);
	CHECK("after a restore the passthrough route holds the name", route_live(&back, "pass"));
	CHECK("... and the HTTPS routes are still refused",
	      !route_live(&back, "late") && !route_live(&back, "plain"));
	store_free(&back);

	/* a higher source outranks the holder: the passthrough route of the group gives way */
	store_delete(&st, KIND_ROUTE, 0, "pass");
	store_delete(&st, KIND_ROUTE, 0, "late");
	store_delete(&st, KIND_ROUTE, 0, "plain");
	settle(&st);
	put_route(&st, 1, "gpass", NULL, true);
	settle(&st);
	CHECK("a group's passthrough route holds the free name", route_live(&st, "gpass"));
	put_route(&st, 0, "n1", "/a", false);
	put_route(&st, 0, "n2", "/b", false);
	settle(&st);
	CHECK("the node's HTTPS routes outrank it and share the name",
	      route_live(&st, "n1") && route_live(&st, "n2") && !route_live(&st, "gpass"));
	put_route(&st, 1, "g3", "/c", false);
	settle(&st);
	CHECK("a group's HTTPS route shares it beside them", route_live(&st, "g3"));
	store_delete(&st, KIND_ROUTE, 0, "n1");
	store_delete(&st, KIND_ROUTE, 0, "n2");
	settle(&st);
	CHECK("the group's passthrough route arrived first, so it takes the name back",
	      route_live(&st, "gpass") && !route_live(&st, "g3"));

	/* one id turning from a path route into a passthrough route, and back */
	store_delete(&st, KIND_ROUTE, 1, "gpass");
	store_delete(&st, KIND_ROUTE, 1, "g3");
	settle(&st);
	put_route(&st, 0, "sw", "/s", false);
	settle(&st);
	put_route(&st, 0, "sw", NULL, true);
	settle(&st);
	CHECK("a sharer alone may turn into the passthrough holder", route_live(&st, "sw"));
	put_route(&st, 0, "sw", "/s", false);
	put_route(&st, 0, "other", "/o", false);
	settle(&st);
	CHECK("... and back into a sharer, beside another",
	      route_live(&st, "sw") && route_live(&st, "other"));
	store_free(&st);
	test_name_orders();
}
