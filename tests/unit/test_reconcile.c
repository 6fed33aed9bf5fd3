/* Resolution, diff and the one reconcile path, against recording stand-in edges. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "cidr.h"
#include "payload.h"
#include "reconcile.h"
#include "sets.h"

static char nft_text[1 << 16];
static int nft_calls, nft_fail;
static int route_writes, route_removes;
static char last_removed[128];
static const char *route_fail_id;
struct rec {
	enum obj_state state;
	int source;
	bool serving_previous;
	char error[ERR_LEN];
};
static struct { char key[80]; struct rec st; int n; } pubs[64];
static int n_pubs;

static int op_clock, persist_at, nft_at, durable_at, staged_at, routes_at; /* the edges' order */
static int durable_fail, gate_result;

static int fake_nft(void *arg, const char *text, char *err, size_t errlen)
{
	nft_calls++;
	nft_at = ++op_clock;
	snprintf(nft_text, sizeof(nft_text), "%s", text);
	if (nft_fail) {
		snprintf(err, errlen, "Error: simulated");
		return -EIO;
	}
	return 0;
}

static int fake_routes(void *arg, struct traefik_op *ops, size_t n, const struct traefik_gate *gate)
{
	staged_at = ++op_clock;
	gate_result = gate->wait(gate->arg);
	routes_at = ++op_clock;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].route && route_fail_id && !strcmp(ops[i].id, route_fail_id)) {
			ops[i].result = -ENOSPC;
			snprintf(ops[i].error, sizeof(ops[i].error), "write %s: No space left on device", ops[i].id);
			continue;
		}
		if (ops[i].route) {
			route_writes++;
		} else {
			route_removes++;
			snprintf(last_removed, sizeof(last_removed), "%s.%s", ops[i].source, ops[i].id);
		}
		ops[i].result = 0;
	}
	return 0;
}

static bool fake_status(void *arg, const struct slot *s)
{
	int i;

	for (i = 0; i < n_pubs; i++)
		if (strcmp(pubs[i].key, store_key(s)) == 0)
			break;
	if (i == n_pubs) {
		if (n_pubs == 64)
			return true;
		snprintf(pubs[n_pubs++].key, sizeof(pubs[0].key), "%s", store_key(s));
	}
	pubs[i].st.state = s->status.state;
	pubs[i].st.source = s->status.source;
	pubs[i].st.serving_previous = s->status.serving_previous;
	snprintf(pubs[i].st.error, sizeof(pubs[i].st.error), "%s", s->status.error ? s->status.error : "");
	pubs[i].n++;
	return true;
}

static const struct rec *pub_get(const char *key)
{
	for (int i = 0; i < n_pubs; i++)
		if (strcmp(pubs[i].key, key) == 0)
			return &pubs[i].st;
	return NULL;
}

static int persist_fail, persist_calls, statuses_before_durable;

static int fake_persist(void *arg, struct store *s, struct slot **v, size_t n, char *err, size_t errlen)
{
	persist_calls++;
	persist_at = ++op_clock;
	if (persist_fail) {
		snprintf(err, errlen, "journal: No space left on device");
		return -ENOSPC;
	}
	return 0;
}

static int fake_durable(void *arg, char *err, size_t errlen)
{
	durable_at = ++op_clock;
	if (durable_fail) {
		snprintf(err, errlen, "journal: sync: Input/output error");
		return -EIO;
	}
	return 0;
}

static bool counting_status(void *arg, const struct slot *s)
{
	if (persist_calls && durable_at < persist_at)
		statuses_before_durable++;
	return fake_status(arg, s);
}

static const struct reconcile_ops ops = { fake_nft, fake_routes, counting_status, fake_persist,
					  fake_durable, NULL };
static struct policy pol;
static struct store st;
static struct reconcile rc;

static void put(enum kind k, int src, const char *id, const char *json)
{
	struct object *o = NULL;
	char err[ERR_LEN];
	int ret = payload_parse(k, id, json, strlen(json), &pol, &o, err, sizeof(err));

	store_put(&st, k, src, id, o, ret ? err : NULL, st.gen, 0);
}

static void fwd(int src, const char *id, int port)
{
	char json[160];

	snprintf(json, sizeof(json), "{\"public_port\": %d, \"target_ip\": \"10.1.0.%d\", \"target_port\": 80}",
		 port, src + 1);
	put(KIND_FORWARD, src, id, json);
}

static const char *state_of(const char *key)
{
	const struct rec *s = pub_get(key);

	return s ? status_state_name(s->state) : "unpublished";
}

static const char *error_of(const char *key)
{
	const struct rec *s = pub_get(key);

	return s ? s->error : "unpublished";
}

/* Named sets and health through the one path: a set change or a health change alone is one
 * small transaction that touches no forward. */
static void test_sets_health(void)
{
	static struct sets sets;
	struct cidr_list l;
	struct slot *s;
	char err[128];

	sets_init(&sets);
	cidr_list_parse(&l, "192.0.2.0/24", err, sizeof(err));
	sets_put(&sets, 0, "office", &l, 1);
	pol.sets = &sets;
	rc.sets = &sets;
	put(KIND_FORWARD, 0, "guarded", "{\"public_port\": 7100, \"target_ip\": \"10.1.0.9\", "
	    "\"target_port\": 80, \"allow_from\": [\"@office\"]}");
	reconcile_run(&rc, &st);
	CHECK_STR("forward naming a set applied", state_of("f:guarded"), "applied");
	CHECK("the set is created before the rule using it",
	      strstr(nft_text, "add set inet edge_agent s_office") &&
	      strstr(nft_text, "add set inet edge_agent s_office") < strstr(nft_text, "@s_office"));
	cidr_list_parse(&l, "198.51.100.0/24", err, sizeof(err));
	sets_put(&sets, 0, "office", &l, 1);
	reconcile_set_changed(&rc);
	nft_calls = 0;
	reconcile_run(&rc, &st);
	CHECK("set change: one transaction", nft_calls == 1);
	CHECK_STR("set change: the set refilled, no forward touched", nft_text,
		  "flush set inet edge_agent s_office\n"
		  "add element inet edge_agent s_office { 198.51.100.0/24 }\n");
	put(KIND_FORWARD, 0, "lb", "{\"public_port\": 7200, \"targets\": [{\"ip\": \"10.1.0.1\", "
	    "\"port\": 80}, {\"ip\": \"10.1.0.2\", \"port\": 80}], \"health\": {\"interval_ms\": 500}}");
	reconcile_run(&rc, &st);
	s = store_get(&st, KIND_FORWARD, "lb");
	s->down = 1;
	store_mark_dirty(&st, s);
	nft_calls = 0;
	reconcile_run(&rc, &st);
	CHECK("health change: one transaction", nft_calls == 1);
	CHECK_STR("health change: only the target map refilled", nft_text,
		  "flush map inet edge_agent t_lb\n"
		  "add element inet edge_agent t_lb { 0 : 10.1.0.2 . 80, 1 : 10.1.0.2 . 80 }\n");
	CHECK("health change: the status lists the target down", s->status.checked &&
	      s->status.down == 1);
	store_delete(&st, KIND_FORWARD, 0, "guarded");
	reconcile_run(&rc, &st);
	CHECK("the last user gone: the set deleted after its chain",
	      strstr(nft_text, "delete set inet edge_agent s_office") &&
	      strstr(nft_text, "delete chain inet edge_agent f_guarded") <
	      strstr(nft_text, "delete set inet edge_agent s_office"));
	pol.sets = NULL;
	rc.sets = NULL;
	sets_free(&sets);
}

int main(void)
{
	const char *names[] = { "gw1", "fleet", "eu" };
	char err[128];

	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.reserved = (uint16_t[]){ 22 };
	pol.n_reserved = 1;
	pol.entrypoint = "websecure";
	pol.max_payload = 65536;
	store_init(&st, names, 3);
	rc.ops = &ops;
	rc.nft.table = "edge_agent";
	rc.nft.wg_iface = "wg0";
	rc.nft_full = true;

	/* boot: the first apply replaces the whole table */
	fwd(0, "a", 1000);
	CHECK("first reconcile reports one change", reconcile_run(&rc, &st) == 1);
	CHECK("first apply is a full replace", strstr(nft_text, "delete table inet edge_agent") != NULL);
	CHECK_STR("forward a applied", state_of("f:a"), "applied");

	/* a single update is an incremental element change */
	fwd(0, "b", 1001);
	reconcile_run(&rc, &st);
	CHECK("update is incremental", strstr(nft_text, "delete table") == NULL &&
				       strstr(nft_text, "1001") != NULL);
	CHECK("update does not touch other elements", strstr(nft_text, "1000") == NULL);

	/* an unchanged re-delivery (resync) touches nothing */
	nft_calls = 0;
	fwd(0, "a", 1000);
	CHECK("unchanged re-delivery: no change", reconcile_run(&rc, &st) == 0);
	CHECK("unchanged re-delivery: no nft call", nft_calls == 0);

	/* precedence: node over group over later group */
	fwd(1, "a", 2000);
	fwd(2, "c", 3001);
	fwd(1, "c", 3000);
	reconcile_run(&rc, &st);
	CHECK("node object wins over group's", store_get(&st, KIND_FORWARD, "a")->want->fwd.public_port == 1000);
	CHECK("first group wins over later group", store_get(&st, KIND_FORWARD, "c")->want->fwd.public_port == 3000);
	CHECK("status names the winning source", pub_get("f:c") && pub_get("f:c")->source == 1);
	store_delete(&st, KIND_FORWARD, 0, "a");
	reconcile_run(&rc, &st);
	CHECK("deleting the node's object exposes the group's",
	      store_get(&st, KIND_FORWARD, "a")->want->fwd.public_port == 2000 && pub_get("f:a")->source == 1);

	/* port conflicts */
	fwd(1, "x", 4000);
	reconcile_run(&rc, &st);
	fwd(1, "y", 4000);
	reconcile_run(&rc, &st);
	CHECK_STR("equal rank: the incumbent keeps the port", state_of("f:y"), "rejected");
	CHECK_STR("conflict error names the holder", error_of("f:y"),
		  "forward y: public_port 4000/tcp is held by forward x (source fleet)");
	fwd(0, "z", 4000);
	reconcile_run(&rc, &st);
	CHECK_STR("higher rank takes the port", state_of("f:z"), "applied");
	CHECK_STR("the evicted holder is rejected", state_of("f:x"), "rejected");
	CHECK_STR("evicted holder's error names the new holder", error_of("f:x"),
		  "forward x: public_port 4000/tcp is held by forward z (source gw1)");
	store_delete(&st, KIND_FORWARD, 0, "z");
	reconcile_run(&rc, &st);
	CHECK_STR("a freed port goes to the earliest arrival", state_of("f:x"), "applied");
	CHECK_STR("the later waiter still waits", state_of("f:y"), "rejected");
	fwd(1, "u", 4100);
	put(KIND_FORWARD, 1, "u", "{\"public_port\": 4100, \"target_ip\": \"10.1.0.2\", \"target_port\": 81, \"proto\": \"udp\"}");
	reconcile_run(&rc, &st);
	CHECK_STR("same port, other proto: no conflict", state_of("f:u"), "applied");

	/* a bad update keeps the previous version */
	put(KIND_FORWARD, 0, "b", "{\"public_port\": \"1001\", \"target_ip\": \"10.1.0.1\", \"target_port\": 80}");
	reconcile_run(&rc, &st);
	CHECK_STR("bad update rejected", state_of("f:b"), "rejected");
	CHECK("bad update serves previous", pub_get("f:b")->serving_previous &&
	      store_get(&st, KIND_FORWARD, "b")->applied->fwd.public_port == 1001);
	put(KIND_FORWARD, 0, "new", "{\"public_port\": 22, \"target_ip\": \"10.1.0.1\", \"target_port\": 80}");
	reconcile_run(&rc, &st);
	CHECK("bad new object: nothing applied", !store_get(&st, KIND_FORWARD, "new")->applied);
	CHECK("bad new object: not serving", !pub_get("f:new")->serving_previous);

	/* what cannot be made durable is not reported applied */
	CHECK("no status was published before the state was on disk", statuses_before_durable == 0);
	persist_fail = 1;
	fwd(0, "d", 5100);
	reconcile_run(&rc, &st);
	CHECK_STR("a persist failure marks the object failed", state_of("f:d"), "failed");
	CHECK_STR("the failure names the state cache", error_of("f:d"),
		  "state cache: journal: No space left on device");
	CHECK("a persist failure schedules a retry", rc.retry);
	persist_fail = 0;
	reconcile_run(&rc, &st);
	CHECK_STR("retried once persisted: applied", state_of("f:d"), "applied");
	CHECK("the node-level persist error is cleared", rc.persist_error[0] == '\0');
	put(KIND_ROUTE, 0, "dur", "{\"hostname\": \"dur.example.com\", \"target_url\": \"http://10.1.0.5\"}");
	reconcile_run(&rc, &st);
	CHECK("the state is written first, on disk once the route's file is staged, before it is in place",
	      persist_at && staged_at > persist_at && durable_at == staged_at + 1 &&
	      routes_at == durable_at + 1 && gate_result == 0);
	fwd(0, "ov", 5300);
	reconcile_run(&rc, &st);
	CHECK("the nftables transaction runs while the disk works (between write and wait)",
	      persist_at && nft_at == persist_at + 1 && durable_at == nft_at + 1);
	CHECK_STR("... then applied", state_of("f:ov"), "applied");
	durable_fail = 1;
	fwd(0, "ov", 5301);
	reconcile_run(&rc, &st);
	CHECK_STR("a sync failure marks the object failed", state_of("f:ov"), "failed");
	CHECK_STR("... naming it", error_of("f:ov"), "state cache: journal: sync: Input/output error");
	put(KIND_ROUTE, 0, "dur", "{\"hostname\": \"dur.example.com\", \"target_url\": \"http://10.1.0.7\"}");
	reconcile_run(&rc, &st);
	CHECK("the gate tells the route edge the records are not on disk", gate_result == -EIO);
	CHECK_STR("... and the route is failed", state_of("r:dur"), "failed");
	durable_fail = 0;
	reconcile_run(&rc, &st);
	CHECK_STR("retried once on disk: applied", state_of("f:ov"), "applied");
	put(KIND_ROUTE, 0, "dur", "{\"hostname\": \"dur.example.com\", \"target_url\": \"http://10.1.0.5\"}");
	reconcile_run(&rc, &st);
	CHECK_STR("... the route too", state_of("r:dur"), "applied");
	persist_fail = 1;
	put(KIND_ROUTE, 0, "dur", "{\"hostname\": \"dur.example.com\", \"target_url\": \"http://10.1.0.6\"}");
	reconcile_run(&rc, &st);
	CHECK_STR("a route that could not be made durable: failed, though its file is written",
		  state_of("r:dur"), "failed");
	persist_fail = 0;
	reconcile_run(&rc, &st);
	CHECK_STR("... and applied once persisted", state_of("r:dur"), "applied");
	store_delete(&st, KIND_ROUTE, 0, "dur");
	reconcile_run(&rc, &st);
	route_writes = route_removes = 0;

	/* kernel failure: failed, then retried to applied */
	nft_fail = 1;
	fwd(0, "k", 5000);
	reconcile_run(&rc, &st);
	CHECK_STR("kernel refusal marks the object failed", state_of("f:k"), "failed");
	CHECK("a failure schedules a retry", rc.retry && rc.nft_full);
	CHECK("node-level error recorded", strstr(rc.nft_error, "simulated") != NULL);
	nft_fail = 0;
	reconcile_run(&rc, &st);
	CHECK_STR("retry applies it", state_of("f:k"), "applied");
	CHECK("retry was a full replace", strstr(nft_text, "delete table") != NULL);
	CHECK("retry cleared the error", rc.nft_error[0] == '\0');

	/* routes: source change writes the new file and removes the old */
	put(KIND_ROUTE, 1, "web", "{\"hostname\": \"web.example.com\", \"target_url\": \"http://10.1.0.5\"}");
	reconcile_run(&rc, &st);
	CHECK("group route written", route_writes == 1);
	put(KIND_ROUTE, 0, "web", "{\"hostname\": \"web.example.com\", \"target_url\": \"http://10.1.0.6\"}");
	reconcile_run(&rc, &st);
	CHECK("node route written", route_writes == 2);
	CHECK_STR("group's file removed", last_removed, "fleet.web");
	put(KIND_ROUTE, 0, "web2", "{\"hostname\": \"web.example.com\", \"target_url\": \"http://10.1.0.6\"}");
	reconcile_run(&rc, &st);
	CHECK_STR("duplicate hostname rejected", error_of("r:web2"),
		  "route web2: hostname \"web.example.com\" on entrypoint websecure is held by route web (source gw1)");

	/* a failed write of the new source's file keeps the old file serving */
	put(KIND_ROUTE, 1, "mv", "{\"hostname\": \"mv.example.com\", \"target_url\": \"http://10.1.0.5\"}");
	reconcile_run(&rc, &st);
	route_fail_id = "mv";
	route_removes = 0;
	put(KIND_ROUTE, 0, "mv", "{\"hostname\": \"mv.example.com\", \"target_url\": \"http://10.1.0.7\"}");
	reconcile_run(&rc, &st);
	CHECK_STR("failed route write is reported", state_of("r:mv"), "failed");
	CHECK_STR("failed route error", error_of("r:mv"), "write mv: No space left on device");
	CHECK("old source's file kept while the new one fails", route_removes == 0);
	route_fail_id = NULL;
	reconcile_run(&rc, &st);
	CHECK_STR("route retried and applied", state_of("r:mv"), "applied");
	CHECK_STR("old file removed once the new one is in place", last_removed, "fleet.mv");

	/* deletes clear the status and free the slot */
	store_delete(&st, KIND_ROUTE, 0, "web2");
	reconcile_run(&rc, &st);
	CHECK_STR("deleted object's status cleared", state_of("r:web2"), "none");
	CHECK("deleted slot freed", store_get(&st, KIND_ROUTE, "web2") == NULL);

	/* sweep after a resync: only what was not re-delivered goes */
	st.gen++;
	route_removes = 0;
	fwd(0, "b", 1001);
	fwd(1, "a", 2000);
	size_t stale, total;
	store_sweep_count(&st, st.gen, &stale, &total);
	CHECK("sweep count sees the stale entries", stale == total - 2);
	store_sweep(&st, st.gen);
	reconcile_run(&rc, &st);
	CHECK("sweep keeps re-delivered objects", store_get(&st, KIND_FORWARD, "b")->applied != NULL);
	CHECK("sweep removes the rest", store_get(&st, KIND_FORWARD, "k") == NULL);
	CHECK("sweep removed both route files", route_removes == 2);

	/* flapping: the end state equals the last message */
	for (int i = 0; i < 1000; i++) {
		fwd(0, "flap", 6000);
		if (i % 3 == 0)
			reconcile_run(&rc, &st);
		store_delete(&st, KIND_FORWARD, 0, "flap");
		if (i % 7 == 0)
			reconcile_run(&rc, &st);
	}
	reconcile_run(&rc, &st);
	CHECK("flapping ends deleted", store_get(&st, KIND_FORWARD, "flap") == NULL);
	fwd(0, "flap", 6000);
	reconcile_run(&rc, &st);
	CHECK_STR("flapping ends created", state_of("f:flap"), "applied");

	size_t counts[KIND_COUNT][ST_COUNT], walked[KIND_COUNT][ST_COUNT] = { { 0 } };
	reconcile_count(&st, counts);
	CHECK("counts add up", counts[KIND_FORWARD][ST_APPLIED] >= 3);
	hmap_each(&st.slots, it) {
		const struct slot *s = it->val;
		walked[s->kind][s->status.state]++;
	}
	CHECK("the counts kept along the way equal a walk over every slot (after rejections, "
	      "failures, deletes and flapping)", memcmp(counts, walked, sizeof(counts)) == 0);

	test_sets_health();
	reconcile_free(&rc);
	store_free(&st);
	cidr_list_free(&pol.allowed);
	return CHECK_DONE();
}
