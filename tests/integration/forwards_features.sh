#!/usr/bin/env bash
# Forwards beyond one port to one target, with real traffic through the agent's table:
# allow_from (CIDRs and a named set changed over the bus) from two client namespaces, TCP
# and UDP; connection and rate limits per source; a 1,000-port range at both ends; three
# weighted targets sharing the load, affinity; hostile values rejected with their error.
source "$(dirname "$0")/../lib/lib.sh"
require_root forwards_features
require_tools forwards_features mosquitto mosquitto_pub mosquitto_sub nft

edge_topology
CLIENT2=$(netns_new client2)
veth_link "$CLIENT2" eth0 198.51.100.2/24 "$EDGE" pub1 198.51.100.1/24
ip -n "$CLIENT2" route add default via 198.51.100.1
declare -A SERVER
serve() {  # PORT: an echo server answering as t<PORT>
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" "t$1" "$1" &
	SERVER[$1]=$!
	T_PIDS+=($!)
}
for p in 81 82 83 30000 30999 40000 49999; do serve "$p"; done
probe2() { ip netns exec "$CLIENT2" /usr/bin/python3 "$ROOT/tests/lib/probe.py" "$1" 192.0.2.1 "$2" "${3:-x}"; }
conns() { ip netns exec "$CLIENT" /usr/bin/python3 "$ROOT/tests/lib/conns.py" 192.0.2.1 "$1" "$2"; }
# many PORT N: N TCP probes from the client, one reply name per line
many() { local i; for i in $(seq "$2"); do probe tcp "$1" x 2>/dev/null | cut -d' ' -f1; done; }
# refused ID: packets the forward's chain dropped (its counters summed)
refused() { ip netns exec "$EDGE" nft list chain inet edge_agent "f_$1" | grep -o 'packets [0-9]*' | awk '{s+=$2} END {print s+0}'; }
status_err() { json_field "$(retained "$EDGE" "edge/gw1/status/forwards/$1")" error; }
export CLIENT2; export -f probe2 refused status_err conns

broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 METRICS_INTERVAL_S=1
check "forwards_features: node synced" wait_for 10 node_synced "$EDGE" gw1

# --- allow_from: CIDRs (TCP) and a named set (UDP); client 192.0.2.2 in, 198.51.100.2 out
pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs": ["192.0.2.2/32", "2001:db8::/32"]}'
pub "$EDGE" -r -t edge/gw1/forwards/allow-tcp -m '{"public_port": 7100, "target_ip": "10.50.0.12", "target_port": 81, "allow_from": ["192.0.2.0/28"]}'
pub "$EDGE" -r -t edge/gw1/forwards/allow-udp -m '{"public_port": 7101, "target_ip": "10.50.0.12", "target_port": 81, "proto": "udp", "allow_from": ["@office"]}'
check "forwards_features: allow-tcp applied" wait_for 5 status_is "$EDGE" gw1 forwards allow-tcp applied
check "forwards_features: allow-udp applied" wait_for 5 status_is "$EDGE" gw1 forwards allow-udp applied
check "forwards_features: allowed source reaches the backend over TCP" \
	test "$(probe tcp 7100 a)" = "t81 tcp 10.50.0.1 a"
check "forwards_features: allowed source reaches the backend over UDP (named set)" \
	test "$(probe udp 7101 b)" = "t81 udp 10.50.0.1 b"
check "forwards_features: other source refused over TCP" bash -c "! probe2 tcp 7100 c"
check "forwards_features: other source refused over UDP" bash -c "! probe2 udp 7101 d"
check "forwards_features: refused packets counted (tcp)" test "$(refused allow-tcp)" -gt 0
check "forwards_features: refused packets counted (udp)" test "$(refused allow-udp)" -gt 0
m=$(ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/metrics -C 1 -W 5)
check "forwards_features: refused packets in the metrics on the bus, per forward" /usr/bin/python3 -c "
import json,sys; f=json.loads(sys.argv[1])['forwards']
assert f['allow-tcp']['refused'] > 0 and f['allow-udp']['refused'] > 0, f" "$m"
check "forwards_features: the named set is one kernel set" bash -c \
	"ip netns exec $EDGE nft list set inet edge_agent s_office | grep -q 192.0.2.2"
digest=$(json_field "$(retained "$EDGE" edge/gw1/status/forwards/allow-udp)" digest)
pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs": ["198.51.100.0/24"]}'
check "forwards_features: set change over the bus lets the other client in" \
	wait_for 5 bash -c "probe2 udp 7101 e | grep -q 't81 udp 10.50.0.1 e'"
check "forwards_features: ... and the first one out" bash -c "! probe udp 7101 f"
check "forwards_features: the forward was not touched (same digest, still applied)" bash -c \
	"status_is $EDGE gw1 forwards allow-udp applied && [ \"\$(json_field \"\$(retained $EDGE edge/gw1/status/forwards/allow-udp)\" digest)\" = '$digest' ]"
pub "$EDGE" -r -t edge/gw1/forwards/noset -m '{"public_port": 7102, "target_ip": "10.50.0.12", "target_port": 81, "allow_from": ["@lab"]}'
check "forwards_features: a forward naming a missing set is rejected" \
	wait_for 5 status_is "$EDGE" gw1 forwards noset rejected
check "forwards_features: ... with the set named" bash -c \
	"[ \"\$(json_field \"\$(retained $EDGE edge/gw1/status/forwards/noset)\" error)\" = 'forward noset: allow_from[0] set \"lab\" is not published (expected on <prefix>/<node or group>/sets/lab)' ]"
pub "$EDGE" -r -t edge/gw1/sets/lab -m '{"cidrs": ["192.0.2.0/24"]}'
check "forwards_features: ... and applied once the set arrives" \
	wait_for 5 status_is "$EDGE" gw1 forwards noset applied
check "forwards_features: ... serving the set's sources" test "$(probe tcp 7102 g)" = "t81 tcp 10.50.0.1 g"

# --- a named set of 100,000 networks: one kernel set, applied in one transaction
/usr/bin/python3 -c '
import json
n = ["10.%d.%d.%d/32" % (100 + i // 65536, i // 256 % 256, i % 256) for i in range(99999)] + ["192.0.2.2/32"]
print(json.dumps({"cidrs": n}, separators=(",", ":")))' > "$T_TMP/big.json"
ip netns exec "$EDGE" mosquitto_pub -q 1 -r -t edge/gw1/sets/big -f "$T_TMP/big.json"
pub "$EDGE" -r -t edge/gw1/forwards/big -m '{"public_port": 7103, "target_ip": "10.50.0.12", "target_port": 81, "allow_from": ["@big"]}'
check "forwards_features: a forward naming a 100,000-network set applied" \
	wait_for 20 status_is "$EDGE" gw1 forwards big applied
check "forwards_features: ... its last network lets the client in" test "$(probe tcp 7103 m)" = "t81 tcp 10.50.0.1 m"
check "forwards_features: ... and the others stay out" bash -c "! probe2 tcp 7103 n"

# --- limits per source
pub "$EDGE" -r -t edge/gw1/forwards/conn -m '{"public_port": 7200, "target_ip": "10.50.0.12", "target_port": 82, "limit":{"connections_per_source":2}}'
pub "$EDGE" -r -t edge/gw1/forwards/rate -m '{"public_port": 7201, "target_ip": "10.50.0.12", "target_port": 83, "limit": {"new_per_source": "3/minute"}}'
check "forwards_features: limits applied" wait_for 5 bash -c \
	"status_is $EDGE gw1 forwards conn applied && status_is $EDGE gw1 forwards rate applied"
check "forwards_features: 2 concurrent connections per source, the third refused" \
	test "$(conns 7200 3)" = 2
check "forwards_features: refused connection counted" test "$(refused conn)" -gt 0
n=$(many 7201 5 | grep -c t83)
check "forwards_features: 3 new connections per minute per source, then refused (got $n)" test "$n" = 3
check "forwards_features: the other source has its own rate" test "$(probe2 tcp 7201 h | cut -d' ' -f1)" = t83

# --- a 1,000-port range, shifted
pub "$EDGE" -r -t edge/gw1/forwards/range -m '{"public_port": 20000, "public_port_end": 20999, "target_ip": "10.50.0.12", "target_port": 30000}'
check "forwards_features: range applied" wait_for 5 status_is "$EDGE" gw1 forwards range applied
check "forwards_features: first port of the range" test "$(probe tcp 20000 i)" = "t30000 tcp 10.50.0.1 i"
check "forwards_features: last port of the range" test "$(probe tcp 20999 j)" = "t30999 tcp 10.50.0.1 j"
pub "$EDGE" -r -t edge/gw1/forwards/range-max -m '{"public_port": 40000, "public_port_end": 49999, "target_ip": "10.50.0.12"}'
check "forwards_features: a 10,000-port range applied" wait_for 10 status_is "$EDGE" gw1 forwards range-max applied
check "forwards_features: ... same ports, first and last" bash -c \
	"[ \"\$(probe tcp 40000 x)\" = 't40000 tcp 10.50.0.1 x' ] && [ \"\$(probe tcp 49999 y)\" = 't49999 tcp 10.50.0.1 y' ]"
pub "$EDGE" -r -t edge/gw1/forwards/overlap -m '{"public_port": 20500, "target_ip": "10.50.0.12", "target_port": 81}'
check "forwards_features: a port inside the range is held by it" \
	wait_for 5 status_is "$EDGE" gw1 forwards overlap rejected
check "forwards_features: ... naming the range" bash -c \
	"status_err overlap | grep -q 'is held by forward range'"
pub "$EDGE" -r -t edge/gw1/forwards/reserved -m '{"public_port": 1800, "public_port_end": 1900, "target_ip": "10.50.0.12"}'
check "forwards_features: a range over a reserved port is refused" \
	wait_for 5 status_is "$EDGE" gw1 forwards reserved rejected

# --- three targets, weighted, and affinity
T3='[{"ip":"10.50.0.12","port":81},{"ip":"10.50.0.12","port":82},{"ip":"10.50.0.12","port":83}]'
pub "$EDGE" -r -t edge/gw1/forwards/lb -m "{\"public_port\": 7300, \"targets\": $T3}"
pub "$EDGE" -r -t edge/gw1/forwards/sticky -m "{\"public_port\": 7301, \"targets\": $T3, \"affinity\": \"source\"}"
check "forwards_features: targets applied" wait_for 5 bash -c \
	"status_is $EDGE gw1 forwards lb applied && status_is $EDGE gw1 forwards sticky applied"
got=$(many 7300 30 | sort | uniq -c | tr '\n' ' ')
echo "  lb per target: $got"
check "forwards_features: three targets share the load" bash -c \
	"for t in t81 t82 t83; do grep -q \"[0-9] \$t\" <<<'$got' || exit 1; done"
got=$(many 7301 10 | sort -u | tr '\n' ' ')
echo "  sticky: $got"
check "forwards_features: affinity keeps one client on one target" test "$(wc -w <<<"$got")" = 1

# --- UDP over several targets
pub "$EDGE" -r -t edge/gw1/forwards/lb-udp -m "{\"public_port\": 7303, \"proto\": \"udp\", \"targets\": $T3}"
check "forwards_features: udp targets applied" wait_for 5 status_is "$EDGE" gw1 forwards lb-udp applied
got=$(for i in $(seq 20); do probe udp 7303 u 2>/dev/null | cut -d' ' -f1; done | sort | uniq -c | tr '\n' ' ')
echo "  udp lb per target: $got"
check "forwards_features: UDP shares the load too" bash -c "[ \$(wc -w <<<'$got') -ge 4 ]"

# --- health checks: a killed target leaves the rotation and comes back; all down: fail open
pub "$EDGE" -r -t edge/gw1/forwards/hc -m "{\"public_port\": 7302, \"targets\": $T3, \"health\": {\"interval_ms\": 200, \"timeout_ms\": 100, \"unhealthy_after\": 2, \"healthy_after\": 1}}"
health_of() {  # ID INDEX: up or down, from the object status
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["targets"][int(sys.argv[2])]["health"])' \
		"$(retained "$EDGE" "edge/gw1/status/forwards/$1")" "$2" 2>/dev/null
}
degraded() { [ "$(json_field "$(retained "$EDGE" edge/gw1/status/forwards/hc)" degraded)" = true ]; }
export -f health_of degraded
check "forwards_features: health-checked forward applied, its targets listed up" wait_for 5 bash -c \
	"status_is $EDGE gw1 forwards hc applied && [ \"\$(health_of hc 1)\" = up ]"
kill "${SERVER[82]}"; wait "${SERVER[82]}" 2>/dev/null
check "forwards_features: the killed target is reported down" wait_for 10 bash -c "[ \"\$(health_of hc 1)\" = down ]"
got=$(many 7302 20 | sort | uniq -c | tr '\n' ' ')
echo "  with t82 down: $got"
check "forwards_features: ... and left the rotation" bash -c "! grep -q t82 <<<'$got' && grep -q t81 <<<'$got'"
serve 82
check "forwards_features: the target back is reported up" wait_for 10 bash -c "[ \"\$(health_of hc 1)\" = up ]"
got=$(many 7302 30 | sort | uniq -c | tr '\n' ' ')
echo "  t82 back: $got"
check "forwards_features: ... and is back in the rotation" grep -q t82 <<<"$got"
for p in 81 82 83; do kill "${SERVER[$p]}"; wait "${SERVER[$p]}" 2>/dev/null; done
check "forwards_features: all targets down: status degraded" wait_for 10 degraded
check "forwards_features: ... all stay in rotation (fail open)" bash -c \
	"m=\$(ip netns exec $EDGE nft list map inet edge_agent t_hc); grep -q '\\. 81' <<<\"\$m\" && grep -q '\\. 82' <<<\"\$m\" && grep -q '\\. 83' <<<\"\$m\""
for p in 81 82 83; do serve "$p"; done
check "forwards_features: recovered: not degraded" wait_for 10 bash -c "! degraded"

# --- hostile values: refused with field, value and what is accepted; the rest keeps serving
pub "$EDGE" -r -t edge/gw1/forwards/bad -m '{"public_port": 7400, "targets": [{"ip": "10.50.0.12", "port": 81, "weight": 0}]}'
check "forwards_features: bad weight rejected" wait_for 5 bash -c \
	"[ \"\$(json_field \"\$(retained $EDGE edge/gw1/status/forwards/bad)\" error)\" = 'forward bad: targets[0].weight 0 is out of range (accepted: 1..100)' ]"
pub "$EDGE" -r -t edge/gw1/forwards/bad -m '{"public_port": 7400, "target_ip": "10.50.0.12", "target_port": 81, "limit": {"new_per_source": "9/fortnight"}}'
check "forwards_features: bad rate rejected" wait_for 5 bash -c \
	"status_err bad | grep -q 'limit.new_per_source \"9/fortnight\" has an unknown unit'"
check "forwards_features: the others keep serving" test "$(probe tcp 7300 k | cut -d' ' -f2)" = tcp

# --- the table replaced by someone else, then the agent killed and restarted: all comes back
ip netns exec "$EDGE" nft delete table inet edge_agent
check "forwards_features: table deleted: restored with every kind of forward" wait_for 10 bash -c \
	"ip netns exec $EDGE nft list chain inet edge_agent f_lb >/dev/null 2>&1 && ip netns exec $EDGE nft list set inet edge_agent s_office >/dev/null 2>&1"
check "forwards_features: ... targets serve again" wait_for 5 bash -c "probe tcp 7300 r | grep -q '^t8'"
check "forwards_features: ... the named set admits the set's client" \
	wait_for 5 bash -c "probe2 udp 7101 s | grep -q 't81 udp'"
check "forwards_features: ... and still refuses the other" bash -c "! probe udp 7101 t"
check "forwards_features: ... the range serves its last port" test "$(probe tcp 20999 v)" = "t30999 tcp 10.50.0.1 v"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24
check "forwards_features: restarted agent synced" wait_for 10 node_synced "$EDGE" gw1
check "forwards_features: after a restart the range still holds its ports" bash -c \
	"status_is $EDGE gw1 forwards range applied && status_is $EDGE gw1 forwards overlap rejected"
check "forwards_features: ... and the limits and allowlists are in place" bash -c \
	"[ \"\$(conns 7200 3)\" = 2 ] && ! probe2 tcp 7100 w"

t_done
