#!/usr/bin/env bash
# A wedged or hostile wireguard-go (tests/lib/uapi_hostile.py on the interface's UAPI
# socket): one that drips a byte every 2 s, one that floods an endless reply. The forwards
# come back from the cache at boot while the socket is still dripping, every UAPI call
# ends at its deadline or its size cap, and the agent's memory stays bounded.
source "$(dirname "$0")/../lib/lib.sh"
require_root wg_uapi_hostile
[ -x /usr/bin/python3 ] || { skip wg_uapi_hostile "/usr/bin/python3 is missing"; exit 77; }
NS=$(netns_new hostile) || { skip wg_uapi_hostile "cannot create a network namespace"; exit 77; }
WGH=wgh$$                        # the UAPI socket dir is shared by all namespaces: unique
SOCK=/var/run/wireguard/$WGH.sock
DATA=$T_TMP/gw1/data
mkdir -p /var/run/wireguard
trap 'rm -f "$SOCK"; t_cleanup' EXIT
# the agent checks that the interface exists in its namespace before it talks to the socket
ip -n "$NS" link add "$WGH" type bridge || { skip wg_uapi_hostile "cannot create a bridge"; exit 77; }

hostile_start() {  # MODE
	rm -f "$SOCK"
	/usr/bin/python3 "$ROOT/tests/lib/uapi_hostile.py" "$SOCK" "$1" --drip-every 2 > "$T_TMP/$1.log" 2>&1 &
	HOSTILE_PID=$!; T_PIDS+=($HOSTILE_PID)
	wait_for 5 test -S "$SOCK"
}
hostile_stop() { kill "$HOSTILE_PID" 2>/dev/null; wait "$HOSTILE_PID" 2>/dev/null; }
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# memory_check NAME LIMIT_KB: the agent's peak resident size (ASan's shadow memory and
# quarantine make that meaningless in a sanitizer build)
memory_check() {
	local peak
	if is_sanitized "$AGENT"; then skip "$1" "the agent is a sanitizer build; its peak RSS measures ASan"; return; fi
	peak=$(rss_kb "$AGENT_PID" VmHWM)
	check "$1 (peak ${peak} kB < $2 kB)" test "${peak:-999999}" -lt "$2"
}
agent_stop() { kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; }
COMMON=(WG_BACKEND=userspace WG_IFACE=$WGH WG_CONF= ALLOWED_TARGETS=10.50.0.0/24)

# --- the cache: a forward accepted over MQTT, then the broker goes away for good
broker_start "$NS" 1883 || { fail broker_start; t_done; }
agent_start "$NS" gw1 "${COMMON[@]}"
pub "$NS" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.3", "target_port": 80}'
check "forward applied over MQTT" wait_for 10 status_is "$NS" gw1 forwards web applied
check "forward cached before its status said applied" bash -c "cat $DATA/state.* 2>/dev/null | grep -q '\"web\"'"
agent_stop
kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
ip netns exec "$NS" nft delete table inet edge_agent
check "table gone before the restart" bash -c "! nft_list $NS >/dev/null"
# a cached join: at boot the agent has a WireGuard configuration to bring up
printf '{"address":"10.50.0.2/24","peers":[]}\n' > "$DATA/join.json"
chmod 600 "$DATA/join.json"
NOBROKER=(MQTT_URL=mqtt://127.0.0.1:1999)

# --- drip: a byte every 2 s, forever
hostile_start drip
agent_start "$NS" gw1 "${COMMON[@]}" "${NOBROKER[@]}"
check "forwards restored from the cache" wait_for 10 bash -c "nft_list $NS | grep -q 8080"
check "...while the hostile socket is still dripping to the agent" \
	bash -c "kill -0 $HOSTILE_PID && grep -q '^conn .* drip request=get' $T_TMP/drip.log"
check "cache restored before WireGuard was touched (log order)" bash -c \
	"awk '/cache: restored/ {c=NR} /wireguard $WGH: get/ {g=NR} END {exit !(c && (!g || c < g))}' $T_TMP/gw1.log"
check "a dripping get ends at the call's deadline" wait_for 15 \
	grep -q "wireguard $WGH: get over /var/run/wireguard failed: no complete reply within 5 s" "$T_TMP/gw1.log"
check "the dripping connection was closed by the agent" wait_for 5 grep -q '^conn .* drip sent=[1-9].* end=' "$T_TMP/drip.log"
check "agent alive under the drip" kill -0 "$AGENT_PID"
memory_check "memory bounded under drip" 65536
agent_stop
hostile_stop

# --- flood: an endless reply as fast as the agent reads
ip netns exec "$NS" nft delete table inet edge_agent
hostile_start flood
agent_start "$NS" gw1 "${COMMON[@]}" "${NOBROKER[@]}"
check "forwards restored from the cache under a flood" wait_for 10 bash -c "nft_list $NS | grep -q 8080"
check "a flooding get ends at the reply cap" wait_for 20 \
	grep -q "wireguard $WGH: get over /var/run/wireguard failed: reply over 16 MiB" "$T_TMP/gw1.log"
check "the agent closed the flood after about 16 MiB" wait_for 5 awk \
	'/^conn .* flood sent=/ {split($4, a, "="); if (a[2] >= 16777216 && a[2] < 64 * 1048576) ok = 1} END {exit !ok}' \
	"$T_TMP/flood.log"
memory_check "memory bounded under flood" 98304
check "agent alive after the flood" kill -0 "$AGENT_PID"
check "forwards still in place" bash -c "nft_list $NS | grep -q 8080"
agent_stop
hostile_stop
[ "$T_FAILED" = 0 ] || { tail -30 "$T_TMP/gw1.log"; tail -5 "$T_TMP/drip.log" "$T_TMP/flood.log"; }
t_done
