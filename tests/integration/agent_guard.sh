#!/usr/bin/env bash
# Mass-deletion guard: a broker that comes back EMPTY must not wipe the node's forwards.
source "$(dirname "$0")/../lib/lib.sh"
require_root agent_guard
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24
for i in $(seq 1 20); do
	pub "$EDGE" -r -t edge/gw1/forwards/f$i -m "{\"public_port\": $((7000 + i)), \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"
done
check "20 forwards applied" wait_for 10 bash -c "node_synced $EDGE gw1 && status_is $EDGE gw1 forwards f20 applied"
count() { nft_list "$EDGE" | tr ',' '\n' | grep -c ': 10.50.0.12 . 80'; }

# a few deletions while the agent is away are below the guard: applied normally
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
for i in 1 2 3; do pub "$EDGE" -r -t edge/gw1/forwards/f$i -n; done
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24
check "small removal proceeds without confirmation" wait_for 10 bash -c "[ \$(nft_list $EDGE | tr ',' '\n' | grep -c ': 10.50.0.12 . 80') -eq 17 ]"
check "node synced" wait_for 5 node_synced "$EDGE" gw1

# the broker restarts EMPTY (no persistence): the agent holds
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
broker_start "$EDGE" 1883
check "hold reported in node status" wait_for 15 bash -c "retained $EDGE edge/gw1/status | grep -q '\"held\":{\"remove\":17,\"of\":17'"
st=$(retained "$EDGE" edge/gw1/status)
check "held node is not synced" grep -q '"synced":false' <<<"$st"
check "all 17 forwards kept" test "$(count)" -eq 17
check "traffic still flows while held" bash -c "probe tcp 7010 | grep -q backend"
pub "$EDGE" -r -t edge/gw1/forwards/new -m '{"public_port": 7100, "target_ip": "10.50.0.12", "target_port": 80}'
check "new objects still apply while held" wait_for 5 status_is "$EDGE" gw1 forwards new applied
token=$(json_field "$(json_field "$(retained "$EDGE" edge/gw1/status)" held)" token)
check "hold token published" test -n "$token"

ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/errors -C 1 -W 5 > "$T_TMP/err.txt" 2>/dev/null &
sub=$!; sleep 0.3
pub "$EDGE" -t edge/gw1/confirm -m wrong-token
wait "$sub"
check "a wrong token is refused on the errors topic" grep -q 'does not match the held token' "$T_TMP/err.txt"
check "nothing removed by a wrong token" test "$(count)" -eq 18
pub "$EDGE" -t edge/gw1/confirm -m "$token"
check "confirmed: the 17 forwards go" wait_for 5 bash -c "[ \$(nft_list $EDGE | tr ',' '\n' | grep -c ': 10.50.0.12 . 80') -eq 1 ]"
check "the new forward stays" bash -c "nft_list $EDGE | grep -q '7100 : 10.50.0.12 . 80'"
check "synced after confirmation" wait_for 5 node_synced "$EDGE" gw1
check "hold cleared from status" bash -c "! retained $EDGE edge/gw1/status | grep -q held"
t_done
