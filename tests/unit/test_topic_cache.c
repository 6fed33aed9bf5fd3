/* Topic classification, status payloads and the state cache round trip. */
#include <errno.h>
#include <stdlib.h>

#include "cache.h"
#include "check.h"
#include "cidr.h"
#include "payload.h"
#include "status.h"
#include "topic.h"

static const char *names[] = { "gw1", "fleet" };

static enum topic_type tp(const char *t, struct topic_ref *r, char *err)
{
	return topic_parse(t, "edge", names, 2, r, err, 256);
}

int main(void)
{
	struct topic_ref r;
	char err[256] = "";
	struct strbuf sb;
	struct policy pol = { 0 };
	struct store a, b;

	CHECK("node route topic", tp("edge/gw1/routes/web", &r, err) == TOPIC_OBJECT &&
	      r.kind == KIND_ROUTE && r.source == 0 && !strcmp(r.id, "web"));
	CHECK("own object status topic", tp("edge/gw1/status/forwards/web", &r, err) == TOPIC_STATUS &&
	      r.kind == KIND_FORWARD && !strcmp(r.id, "web"));
	CHECK("a status topic of no object has no id", tp("edge/gw1/status/forwards/Web", &r, err) == TOPIC_STATUS &&
	      r.id[0] == '\0' && tp("edge/gw1/status/junk", &r, err) == TOPIC_STATUS && r.id[0] == '\0' &&
	      tp("edge/gw1/status/routes/a/b", &r, err) == TOPIC_STATUS && r.id[0] == '\0');
	CHECK("the node status is not below it", tp("edge/gw1/status", &r, err) == TOPIC_OTHER);
	CHECK("a group's status topics are not the node's", tp("edge/fleet/status/routes/x", &r, err) == TOPIC_OTHER);
	CHECK("group forward topic", tp("edge/fleet/forwards/ssh-1", &r, err) == TOPIC_OBJECT &&
	      r.kind == KIND_FORWARD && r.source == 1);
	CHECK("sync topic", tp("edge/gw1/sync", &r, err) == TOPIC_SYNC);
	CHECK("a group has no sync topic", tp("edge/fleet/sync", &r, err) == TOPIC_OTHER);
	CHECK("other node ignored", tp("edge/gw2/routes/web", &r, err) == TOPIC_OTHER);
	CHECK("other prefix ignored", tp("edgex/gw1/routes/web", &r, err) == TOPIC_OTHER);
	CHECK("status topics are not objects", tp("edge/gw1/status/routes/web", &r, err) == TOPIC_STATUS);
	CHECK("upper-case id is bad", tp("edge/gw1/routes/Web", &r, err) == TOPIC_BAD);
	CHECK_STR("bad id error", err, "route \"Web\": id does not match [a-z0-9][a-z0-9_-]{0,62}");
	CHECK("dot-dot id is bad", tp("edge/gw1/forwards/..", &r, err) == TOPIC_BAD);
	CHECK("64-char id is bad", tp("edge/gw1/forwards/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				   &r, err) == TOPIC_BAD);
	CHECK("63-char id is fine", tp("edge/gw1/forwards/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				   &r, err) == TOPIC_OBJECT);
	CHECK("too deep is bad", tp("edge/gw1/routes/web/x", &r, err) == TOPIC_BAD);
	CHECK_STR("too deep error", err, "topic \"edge/gw1/routes/web/x\" is too deep (accepted: edge/<node or group>/routes/<id>)");
	CHECK("no id is bad", tp("edge/gw1/routes", &r, err) == TOPIC_BAD);
	CHECK("empty id is bad", tp("edge/gw1/routes/", &r, err) == TOPIC_BAD);

	strbuf_init(&sb);
	char msg[] = "forward x: public_port 22 is reserved \"q\"";
	struct status s = { .state = ST_REJECTED, .source = 0, .serving_previous = true, .error = msg };
	status_object_render(&sb, &s, "gw1", 0);
	CHECK_STR("object status JSON", sb.buf,
		  "{\"state\":\"rejected\",\"error\":\"forward x: public_port 22 is reserved \\\"q\\\"\",\"source\":\"gw1\",\"serving_previous\":true,\"updated_at\":\"1970-01-01T00:00:00Z\"}");
	s.state = ST_APPLIED;
	s.serving_previous = false;
	status_object_render(&sb, &s, "gw1", 0);
	CHECK_STR("applied status has no error", sb.buf,
		  "{\"state\":\"applied\",\"source\":\"gw1\",\"updated_at\":\"1970-01-01T00:00:00Z\"}");
	{
		uint64_t h0 = status_payload_hash(sb.buf, sb.len);

		status_object_render(&sb, &s, "gw1", 1700000000);
		CHECK("a status hashes the same rendered at another time",
		      status_payload_hash(sb.buf, sb.len) == h0);
		s.state = ST_FAILED;
		s.error = msg;
		status_object_render(&sb, &s, "gw1", 0);
		CHECK("another state hashes differently", status_payload_hash(sb.buf, sb.len) != h0);
		s.state = ST_APPLIED;
		status_object_render(&sb, &s, "gw2", 0);
		CHECK("another source hashes differently", status_payload_hash(sb.buf, sb.len) != h0);
		CHECK("a payload without updated_at is hashed whole",
		      status_payload_hash("{\"a\":1}", 7) != status_payload_hash("{\"a\":2}", 7));
	}
	status_offline_render(&sb, "gw1");
	CHECK_STR("offline status", sb.buf, "{\"state\":\"offline\",\"node\":\"gw1\",\"version\":\"" EDGE_VERSION "\"}");

	/* cache round trip: everything accepted comes back, re-validated */
	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.reserved = (uint16_t[]){ 22 };
	pol.n_reserved = 1;
	pol.entrypoint = "websecure";
	pol.max_payload = 65536;
	store_init(&a, names, 2);
	store_init(&b, names, 2);
	const char *fw = "{\"public_port\": 8080, \"target_ip\": \"10.0.0.5\", \"target_port\": 80, \"proto\": \"udp\"}";
	const char *rt = "{\"hostname\": \"a.example.com\", \"target_url\": \"https://10.0.0.6:8443/x\", \"certresolver\": \"le\"}";
	const char *rt2 = "{\"hostname\": \"b.example.com\", \"target_url\": \"http://10.0.0.6\", \"certresolver\": null}";
	struct object *o;
	payload_parse(KIND_FORWARD, "f", fw, strlen(fw), &pol, &o, err, sizeof(err));
	store_put(&a, KIND_FORWARD, 1, "f", o, NULL, 3, 0);
	payload_parse(KIND_ROUTE, "r", rt, strlen(rt), &pol, &o, err, sizeof(err));
	store_put(&a, KIND_ROUTE, 0, "r", o, NULL, 3, 0);
	payload_parse(KIND_ROUTE, "r2", rt2, strlen(rt2), &pol, &o, err, sizeof(err));
	store_put(&a, KIND_ROUTE, 0, "r2", o, NULL, 3, 0);
	store_put(&a, KIND_ROUTE, 0, "bad", NULL, "route bad: nope", 3, 0);
	CHECK("cache renders", cache_render(&sb, &a, "gw1") == 0);
	CHECK("cache parses", cache_parse(&b, sb.buf, sb.len, &pol, err, sizeof(err)) == 0);
	struct slot *sf = store_get(&b, KIND_FORWARD, "f"), *sr = store_get(&b, KIND_ROUTE, "r");
	struct slot *sr2 = store_get(&b, KIND_ROUTE, "r2");
	CHECK("forward restored under its source", sf && store_entry(sf, 1) && !store_entry(sf, 0) &&
	      object_equal(sf->src[1].good, store_get(&a, KIND_FORWARD, "f")->src[1].good));
	CHECK("route restored", sr && store_entry(sr, 0) && object_equal(sr->src[0].good, store_get(&a, KIND_ROUTE, "r")->src[0].good));
	CHECK("explicit no-resolver survives", sr2 && sr2->src[0].good->route.certresolver == NULL);
	CHECK("restored entries are unconfirmed (generation 0)", sf->src[1].gen == 0);
	CHECK("rejected-only objects are not cached", store_get(&b, KIND_ROUTE, "bad") == NULL);
	CHECK("a cache cut inside its version line is refused", cache_parse(&b, sb.buf, 10, &pol, err, sizeof(err)) == -EINVAL);
	{
		const char *twice = "{\"version\":1,\"node\":\"gw1\",\"sources\":{\"mqtt\":"
			"{\"routes\":{\"r\":{\"hostname\":\"a.example.com\"},\"r\":{}}}}}\n";
		CHECK("cache with a repeated key is refused",
		      cache_parse(&b, twice, strlen(twice), &pol, err, sizeof(err)) == -EINVAL);
	}
	pol.n_reserved = 0;
	pol.reserved = (uint16_t[]){ 8080 };
	pol.n_reserved = 1;
	store_free(&b);
	store_init(&b, names, 2);
	CHECK("cache parses under a stricter policy", cache_parse(&b, sb.buf, sb.len, &pol, err, sizeof(err)) == 0);
	CHECK("objects the policy now refuses are dropped", store_get(&b, KIND_FORWARD, "f") == NULL &&
	      store_get(&b, KIND_ROUTE, "r") != NULL);

	store_free(&a);
	store_free(&b);
	strbuf_free(&sb);
	cidr_list_free(&pol.allowed);
	return CHECK_DONE();
}
