#!/usr/bin/env bash
# The Prometheus endpoint never holds the event loop: silent, slow and surplus clients
# wait in the poll loop while MQTT updates keep being applied, and each still gets its answer.
source "$(dirname "$0")/../lib/lib.sh"
require_root metrics_http

EDGE=$(netns_new edge)
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.60.0.0/24 METRICS_LISTEN=127.0.0.1:9108
check "agent synced" wait_for 10 node_synced "$EDGE" gw1
check "endpoint listening" wait_for 5 port_open "$EDGE" 9108
applied_all() {  # FROM TO
	local i
	for i in $(seq "$1" "$2"); do status_is "$EDGE" gw1 forwards "f$i" applied || return 1; done
}
publish() {  # FROM TO
	local i
	for i in $(seq "$1" "$2"); do
		pub "$EDGE" -r -t "edge/gw1/forwards/f$i" -m "{\"public_port\": $((21000 + i)), \"target_ip\": \"10.60.0.1\", \"target_port\": $i}"
	done
}

# one client connects and says nothing while updates flow; then it asks, and is answered
mkdir -p "$T_TMP/c1"
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/lib/http_clients.py" 9108 "$T_TMP/c1" 1 &
T_PIDS+=($!)
check "silent client connected" wait_for 5 test -e "$T_TMP/c1/connected"
publish 1 20
check "updates applied while a client sends nothing" wait_for 15 applied_all 1 20
check "forwards in the kernel meanwhile" bash -c "nft_list $EDGE | grep -q '21020 : 10.60.0.1 . 20'"
touch "$T_TMP/c1/go"
check "the silent client, asking late and slowly, gets its answer" \
	wait_for 10 bash -c "head -1 $T_TMP/c1/answer 2>/dev/null | grep -q '200 OK'"
check "the answer is the exposition" grep -q '^edge_' "$T_TMP/c1/answer"

# more silent clients than places: the newest are served, updates still flow
mkdir -p "$T_TMP/c2"
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/lib/http_clients.py" 9108 "$T_TMP/c2" 30 &
T_PIDS+=($!)
check "30 silent clients connected" wait_for 5 test -e "$T_TMP/c2/connected"
publish 21 30
check "updates applied with 30 silent clients" wait_for 15 applied_all 21 30
check "a scraper is answered among 30 silent clients" \
	bash -c "ip netns exec $EDGE curl -s --max-time 5 http://127.0.0.1:9108/metrics | grep -q '^edge_'"
touch "$T_TMP/c2/go"
check "the oldest silent client lost its place (closed or reset, no answer)" \
	wait_for 10 bash -c "grep -qE '^(closed|error)' $T_TMP/c2/answer 2>/dev/null"
check "agent still running" kill -0 "$AGENT_PID"
[ "$T_FAILED" = 0 ] || tail -30 "$T_TMP/gw1.log"
t_done
