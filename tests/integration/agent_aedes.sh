#!/usr/bin/env bash
# Broker independence: against aedes (MQTT 3.1.1 only, returns the sync marker BEFORE the
# retained messages) the agent falls back to 3.1.1 by itself and still never deletes early.
source "$(dirname "$0")/../lib/lib.sh"
require_root agent_aedes
MODS=$ROOT/build/node_modules
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	skip agent_aedes "node/npm not installed (aedes comes from the npm registry)"; exit 77
fi
if [ ! -d "$MODS/aedes" ]; then
	mkdir -p "$ROOT/build"
	if ! (cd "$ROOT/build" && timeout 180 npm install --no-audit --no-fund --silent aedes@0.51 >/dev/null 2>&1); then
		skip agent_aedes "npm could not install aedes (registry unreachable?)"; exit 77
	fi
fi
EDGE=$(netns_new edge)
start_aedes() {
	ip netns exec "$EDGE" env NODE_PATH="$MODS" node "$ROOT/tests/lib/aedes_broker.js" 1883 >>"$T_TMP/aedes.log" 2>&1 &
	AEDES_PID=$!; T_PIDS+=($AEDES_PID)
	wait_for 10 port_open "$EDGE" 1883
}
p311() { ip netns exec "$EDGE" mosquitto_pub -V mqttv311 -q 1 "$@"; }
r311() { ip netns exec "$EDGE" mosquitto_sub -V mqttv311 -t "$1" -C 1 -W 1 --retained-only 2>/dev/null; }
export EDGE; export -f r311
start_aedes || { fail "aedes start"; t_done; }
for i in $(seq 1 200); do
	p311 -r -t edge/gw1/forwards/f$i -m "{\"public_port\": $((10000 + i)), \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"
done
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 SYNC_QUIET_MS=500
check "falls back to MQTT 3.1.1 by itself" wait_for 10 grep -q 'connected to 127.0.0.1:1883 (MQTT 3.1.1)' "$T_TMP/gw1.log"
# an MQTT 5 refusal is no error (and the 3.1.1 connect follows at once, without back-off)
check "the refusal of MQTT 5 is logged as what it is, not as an error" bash -c \
	"grep -q 'refused MQTT 5 (Unsupported Protocol Version): connecting again with MQTT 3.1.1' '$T_TMP/gw1.log' &&
	 ! grep -q 'error mqtt' '$T_TMP/gw1.log'"
check "synced" wait_for 10 bash -c "r311 edge/gw1/status | grep -q '\"synced\":true'"
check "all 200 retained forwards applied" wait_for 5 bash -c "[ \$(nft_list $EDGE | grep -o '100[0-9][0-9]* : 10.50.0.12' | wc -l) -eq 200 ] || [ \$(nft_list $EDGE | tr ',' '\n' | grep -c ': 10.50.0.12 . 80') -eq 200 ]"
check "status published" bash -c "r311 edge/gw1/status/forwards/f200 | grep -q applied"

# restart with a cache: objects are re-delivered AFTER the marker on aedes; none may be lost
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"
p311 -r -t edge/gw1/forwards/f1 -n
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 SYNC_QUIET_MS=${QUIET:-500}
check "re-synced after restart" wait_for 10 bash -c "grep -c 'retained replay complete' $T_TMP/gw1.log | grep -q 2"
n=$(nft_list "$EDGE" | tr ',' '\n' | grep -c ': 10.50.0.12 . 80')
check "nothing lost to an early marker (199 left, got $n)" test "$n" -eq 199
check "deleted while down: removed" bash -c "! nft_list $EDGE | grep -q '10001 :'"
check "only the deleted object was swept (none removed early and re-added)" \
	bash -c "grep 'retained replay complete' $T_TMP/gw1.log | tail -1 | grep -q '; 1 object(s) no longer published'"
t_done
