#!/usr/bin/env bash
# Prometheus for real: Debian's prometheus scrapes the agent's METRICS_LISTEN in the edge
# namespace while real TCP and UDP go through two forwards; `promtool check metrics` on
# the exposition; queries over the scraped series through Prometheus' HTTP API return the
# forward counters; and deploy/grafana-dashboard.json is valid JSON whose every query
# parses in that Prometheus and names only metrics the agent exports.
source "$(dirname "$0")/../lib/lib.sh"
require_root prometheus
for c in prometheus promtool curl; do
	command -v $c >/dev/null || { skip prometheus "$c not installed (tests/install-deps.sh installs it)"; exit 77; }
done
DASH=$ROOT/deploy/grafana-dashboard.json
P=$T_TMP/prom
mkdir -p "$P/data"

edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 METRICS_LISTEN=127.0.0.1:9108
check "agent synced" wait_for 10 node_synced "$EDGE" gw1
pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80}'
pub "$EDGE" -r -t edge/gw1/forwards/dns -m '{"public_port": 5353, "target_ip": "10.50.0.12", "target_port": 80, "proto": "udp"}'
check "forwards applied" wait_for 5 bash -c \
	"status_is $EDGE gw1 forwards web applied && status_is $EDGE gw1 forwards dns applied"
for i in 1 2 3; do probe tcp 8080 "hi$i" >/dev/null; probe udp 5353 "ping$i" >/dev/null; done

# --- the exposition itself
ip netns exec "$EDGE" curl -sf --max-time 3 http://127.0.0.1:9108/metrics > "$P/metrics.txt"
check "exposition has the forward counters" grep -qE '^edge_forward_packets_total[{]node="gw1",id="web"[}] [1-9]' "$P/metrics.txt"
promtool check metrics < "$P/metrics.txt" > "$P/lint.txt" 2>&1
rc=$?
[ -s "$P/lint.txt" ] && sed 's/^/  promtool: /' "$P/lint.txt"
check "promtool check metrics: clean (exit 0, no finding)" test "$rc" -eq 0 -a ! -s "$P/lint.txt"

# --- Prometheus scrapes it
cat > "$P/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: edge-agent
    static_configs:
      - targets: ["127.0.0.1:9108"]
EOF
check "promtool check config" bash -c "promtool check config $P/prometheus.yml >/dev/null"
ip netns exec "$EDGE" prometheus --config.file="$P/prometheus.yml" --storage.tsdb.path="$P/data" \
	--web.listen-address=127.0.0.1:9090 > "$P/prometheus.log" 2>&1 &
T_PIDS+=($!)
# query EXPR: the API's JSON answer for an instant query
query() { ip netns exec "$EDGE" curl -s --max-time 3 -G http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1"; }
# value EXPR: the first sample's value, empty if none
value() { query "$1" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null; }
positive() { /usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1] or 0) > 0 else 1)' "$(value "$1")"; }
check "prometheus ready" wait_for 20 bash -c "ip netns exec $EDGE curl -sf http://127.0.0.1:9090/-/ready >/dev/null"
export -f query value
check "the scrape target is up" wait_for 15 bash -c "[ \"\$(value 'up{job=\"edge-agent\"}')\" = 1 ]"
check "query: TCP forward's packet counter, scraped" wait_for 10 positive 'edge_forward_packets_total{job="edge-agent",node="gw1",id="web"}'
check "query: UDP forward's byte counter, scraped" positive 'edge_forward_bytes_total{node="gw1",id="dns"}'
web=$(value 'edge_forward_packets_total{id="web"}')
for i in 4 5 6 7; do probe tcp 8080 "more$i" >/dev/null; done
grew() { /usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1] or 0) > float(sys.argv[2]) else 1)' \
	"$(value 'edge_forward_packets_total{id="web"}')" "$web"; }
check "query: more traffic, a higher scraped counter (was $web)" wait_for 10 grew
check "query: sum by forward returns both forwards" bash -c \
	"query 'sum by (id) (edge_forward_packets_total)' | grep -q '\"id\":\"web\"' &&
	 query 'sum by (id) (edge_forward_packets_total)' | grep -q '\"id\":\"dns\"'"
check "query: edge_synced is 1" test "$(value 'edge_synced{node="gw1"}')" = 1
check "query: edge_broker_connected is 1" test "$(value 'edge_broker_connected{node="gw1"}')" = 1

# --- the Grafana dashboard
check "dashboard: valid JSON" /usr/bin/python3 -m json.tool "$DASH" >/dev/null
# the metric names the agent can export: the names its binary renders (WireGuard's only
# with a mesh), cross-checked against what was scraped
strings "$AGENT" | grep -oxE 'edge_[a-z_]+' | sort -u > "$P/exported"
grep -oE '^# TYPE edge_[a-z_]+' "$P/metrics.txt" | awk '{print $3}' | sort -u > "$P/scraped"
check "dashboard: the binary's metric names include every scraped one" \
	test -z "$(comm -23 "$P/scraped" "$P/exported")"
check "dashboard: every family named: forwards, applies, sync, WireGuard" bash -c \
	"for m in edge_forward_bytes_total edge_apply_seconds_total edge_applies_total edge_synced \
		edge_wireguard_handshake_age_seconds; do grep -qx \$m $P/exported || { echo missing \$m; exit 1; }; done"
/usr/bin/python3 - "$DASH" "$P/exported" > "$P/dash.txt" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
exported = set(open(sys.argv[2]).read().split())
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
exprs += [v["definition"] for v in d["templating"]["list"] if v.get("definition")]
for e in exprs:
    for name in re.findall(r"\bedge_[a-z_]+", e):
        if name not in exported:
            print("UNKNOWN", name, "in", e)
    if not re.search(r"\bedge_[a-z_]+", e):
        print("NOMETRIC", e)
    if e.startswith("label_values("):
        continue
    print("EXPR", e.replace("$__rate_interval", "1m").replace("$node", ".*"))
EOF
check "dashboard: every query names only exported metrics" bash -c "! grep -E '^(UNKNOWN|NOMETRIC)' $P/dash.txt"
n=0 bad=0
while read -r kind expr; do
	[ "$kind" = EXPR ] || continue
	n=$((n + 1))
	ans=$(query "$expr")
	if ! grep -q '"status":"success"' <<<"$ans"; then
		bad=$((bad + 1)); echo "  query failed: $expr: $ans"
	elif [[ "$expr" != *wireguard* ]] && ! grep -q '"value"' <<<"$ans"; then
		# everything but WireGuard (no mesh here) has series from this agent
		sleep 2; grep -q '"value"' <<<"$(query "$expr")" || { bad=$((bad + 1)); echo "  no series: $expr"; }
	fi
done < "$P/dash.txt"
check "dashboard: $n queries run in Prometheus, each parses, those without WireGuard return series" \
	test "$n" -gt 8 -a "$bad" -eq 0
t_done
