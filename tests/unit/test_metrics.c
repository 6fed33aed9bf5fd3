/* The metrics core: nft counter JSON in, JSON and Prometheus text out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"

#define SET_JSON(elems) "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, " \
	"{\"set\": {\"family\": \"inet\", \"name\": \"cnt_tcp\", \"table\": \"edge\", " \
	"\"type\": \"inet_service\"" elems "}}]}"

static void test_parse(void)
{
	const char *json = SET_JSON(", \"elem\": [{\"elem\": {\"val\": 22015, \"counter\": "
		"{\"packets\": 3, \"bytes\": 180}}}, {\"elem\": {\"val\": 8443}}, "
		"{\"elem\": {\"val\": 2222, \"counter\": {\"packets\": 0, \"bytes\": 0}}}]");
	struct fwd_counter *c = NULL;
	size_t n = 0;

	CHECK("counters parse", metrics_parse_counters(json, PROTO_TCP, &c, &n) == 0);
	CHECK("an element without a counter is skipped", n == 2);
	CHECK("first counter", n > 0 && c[0].port == 22015 && c[0].packets == 3 &&
	      c[0].bytes == 180 && c[0].proto == PROTO_TCP && c[0].id[0] == '\0');
	CHECK("zero counter kept", n > 1 && c[1].port == 2222 && c[1].packets == 0);
	CHECK("a second set appends",
	      metrics_parse_counters(SET_JSON(", \"elem\": [{\"elem\": {\"val\": 53, \"counter\": "
					      "{\"packets\": 1, \"bytes\": 60}}}]"),
				     PROTO_UDP, &c, &n) == 0 &&
	      n == 3 && c[2].port == 53 && c[2].proto == PROTO_UDP && c[0].port == 22015);
	CHECK("an empty set adds nothing", metrics_parse_counters(SET_JSON(""), PROTO_TCP, &c, &n) == 0 &&
	      n == 3);
	CHECK("not JSON", metrics_parse_counters("{", PROTO_TCP, &c, &n) == -EINVAL && n == 3);
	CHECK("no set in the answer",
	      metrics_parse_counters("{\"nftables\": [{\"metainfo\": {}}]}", PROTO_TCP, &c, &n) == -EINVAL);
	free(c);
}

static const struct fwd_counter fwd[] = {
	{ "ssh", PROTO_TCP, 22015, 3, 180, 0 },
	{ "dns", PROTO_UDP, 5353, 1, 60, 0 },
};

static struct mesh_peer_status peers[] = {
	{ .public_key = "AAAA=", .latest_handshake = 999940, .rx_bytes = 10, .tx_bytes = 20 },
	{ .public_key = "BBBB=", .latest_handshake = 0, .rx_bytes = 0, .tx_bytes = 0 },
};

static struct mesh_status wg = { .peers = peers, .n_peers = 2 };

static struct metrics sample(void)
{
	struct metrics m = {
		.node = "gw1", .now = 1000000, .fwd = fwd, .n_fwd = 2, .applies = 7,
		.apply_seconds = 0.25, .last_apply_seconds = 0.125, .messages = 42,
		.connected = true,
	};

	m.objects[KIND_ROUTE][ST_APPLIED] = 5;
	m.objects[KIND_ROUTE][ST_REJECTED] = 1;
	m.objects[KIND_FORWARD][ST_APPLIED] = 2;
	m.objects[KIND_FORWARD][ST_FAILED] = 1;
	return m;
}

static void test_refused(void)
{
	struct fwd_counter v[] = { { "lan", PROTO_TCP, 7100, 9, 540, 4 } };
	struct metrics m = { .node = "gw1", .fwd = v, .n_fwd = 1 };
	struct strbuf sb;

	strbuf_init(&sb);
	CHECK("refused: json", metrics_render_json(&sb, &m) == 0 &&
	      strstr(sb.buf, "\"lan\":{\"packets\":9,\"bytes\":540,\"refused\":4}"));
	CHECK("refused: prometheus", metrics_render_prom(&sb, &m) == 0 &&
	      strstr(sb.buf, "# TYPE edge_forward_refused_total counter\n"
		     "edge_forward_refused_total{node=\"gw1\",id=\"lan\"} 4\n"));
	strbuf_free(&sb);
}

static void test_render(void)
{
	struct metrics m = sample();
	struct strbuf sb;

	strbuf_init(&sb);
	CHECK("json renders", metrics_render_json(&sb, &m) == 0);
	CHECK_STR("json without wireguard", sb.buf,
		  "{\"node\":\"gw1\",\"at\":\"1970-01-12T13:46:40Z\",\"forwards\":{\"ssh\":"
		  "{\"packets\":3,\"bytes\":180},\"dns\":{\"packets\":1,\"bytes\":60}},\"objects\":"
		  "{\"routes\":{\"applied\":5,\"rejected\":1,\"failed\":0},\"forwards\":{\"applied\":2,"
		  "\"rejected\":0,\"failed\":1}},\"applies\":{\"count\":7,\"seconds_total\":0.25,"
		  "\"last_seconds\":0.125},\"messages\":42,\"wireguard_peers\":[]}");
	m.wg = &wg;
	CHECK("json with wireguard renders", metrics_render_json(&sb, &m) == 0);
	CHECK("json: handshake age, null without a handshake",
	      strstr(sb.buf, "\"wireguard_peers\":[{\"public_key\":\"AAAA=\",\"handshake_age_s\":60,"
		     "\"rx_bytes\":10,\"tx_bytes\":20},{\"public_key\":\"BBBB=\",\"handshake_age_s\":null,"
		     "\"rx_bytes\":0,\"tx_bytes\":0}]}") != NULL);

	m.wg = NULL;
	CHECK("prometheus renders", metrics_render_prom(&sb, &m) == 0);
	CHECK_STR("prometheus without wireguard", sb.buf,
		  "# HELP edge_forward_packets_total Packets through a forward, both directions.\n"
		  "# TYPE edge_forward_packets_total counter\n"
		  "edge_forward_packets_total{node=\"gw1\",id=\"ssh\"} 3\n"
		  "edge_forward_packets_total{node=\"gw1\",id=\"dns\"} 1\n"
		  "# HELP edge_forward_bytes_total Bytes through a forward, both directions.\n"
		  "# TYPE edge_forward_bytes_total counter\n"
		  "edge_forward_bytes_total{node=\"gw1\",id=\"ssh\"} 180\n"
		  "edge_forward_bytes_total{node=\"gw1\",id=\"dns\"} 60\n"
		  "# HELP edge_objects Objects by kind and state.\n"
		  "# TYPE edge_objects gauge\n"
		  "edge_objects{node=\"gw1\",kind=\"route\",state=\"applied\"} 5\n"
		  "edge_objects{node=\"gw1\",kind=\"route\",state=\"rejected\"} 1\n"
		  "edge_objects{node=\"gw1\",kind=\"route\",state=\"failed\"} 0\n"
		  "edge_objects{node=\"gw1\",kind=\"forward\",state=\"applied\"} 2\n"
		  "edge_objects{node=\"gw1\",kind=\"forward\",state=\"rejected\"} 0\n"
		  "edge_objects{node=\"gw1\",kind=\"forward\",state=\"failed\"} 1\n"
		  "# HELP edge_applies_total nftables transactions and Traefik file batches.\n"
		  "# TYPE edge_applies_total counter\n"
		  "edge_applies_total{node=\"gw1\"} 7\n"
		  "# HELP edge_apply_seconds_total Time spent reconciling.\n"
		  "# TYPE edge_apply_seconds_total counter\n"
		  "edge_apply_seconds_total{node=\"gw1\"} 0.250000\n"
		  "# HELP edge_mqtt_messages_total Desired-state messages handled.\n"
		  "# TYPE edge_mqtt_messages_total counter\n"
		  "edge_mqtt_messages_total{node=\"gw1\"} 42\n"
		  "# HELP edge_broker_connected 1 while connected to the broker.\n"
		  "# TYPE edge_broker_connected gauge\n"
		  "edge_broker_connected{node=\"gw1\"} 1\n"
		  "# HELP edge_synced 1 once the retained replay is complete (node status synced).\n"
		  "# TYPE edge_synced gauge\n"
		  "edge_synced{node=\"gw1\"} 0\n");
	m.wg = &wg;
	CHECK("prometheus with wireguard renders", metrics_render_prom(&sb, &m) == 0);
	CHECK("prometheus: handshake age only for a peer that had one",
	      strstr(sb.buf, "edge_wireguard_handshake_age_seconds{node=\"gw1\",peer=\"AAAA=\"} 60\n") &&
	      !strstr(sb.buf, "edge_wireguard_handshake_age_seconds{node=\"gw1\",peer=\"BBBB=\"}"));
	CHECK("prometheus: peer byte counters",
	      strstr(sb.buf, "edge_wireguard_rx_bytes_total{node=\"gw1\",peer=\"AAAA=\"} 10\n") &&
	      strstr(sb.buf, "edge_wireguard_tx_bytes_total{node=\"gw1\",peer=\"BBBB=\"} 0\n"));
	strbuf_free(&sb);
}

int main(void)
{
	test_parse();
	test_render();
	test_refused();
	return CHECK_DONE();
}
