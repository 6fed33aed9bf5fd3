#!/usr/bin/env bash
# The data plane survives the control plane: restarts, broker outages, a flushed table.
source "$(dirname "$0")/../lib/lib.sh"
require_root agent_restart

edge_topology

PERSIST=$T_TMP/broker; mkdir -p "$PERSIST"
broker_start "$EDGE" 1883 "$PERSIST" || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.50.0.0/24)
agent_start "$EDGE" gw1 "${ENVS[@]}"
DYN=$T_TMP/gw1/dynamic; DATA=$T_TMP/gw1/data
check "all applied" seed_three "$EDGE" gw1 10.50.0.12
check "cache written before the status said applied" bash -c "cat $DATA/state.* | grep -q '\"f3\"'"
check "cache is private (0600)" test "$(stat -c %a "$DATA/state.journal")" = 600
health() { "$AGENT" health --data-dir "$DATA" >/dev/null; echo $?; }
check "health: connected and synced (exit 0)" test "$(health)" = 0

# --- agent killed; broker stopped; table gone (reboot-like): restored from cache alone
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
check "health: agent gone (exit 2)" test "$(health)" = 2
pub "$EDGE" -r -t edge/gw1/forwards/f2 -n           # deleted while the agent is down
pub "$EDGE" -r -t edge/gw1/routes/r2 -n
sleep 1.5                                           # let the broker autosave
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
ip netns exec "$EDGE" nft delete table inet edge_agent
rm -f "$DYN"/edge-agent.gw1.r1.yml
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "rules restored from the cache while the broker is down" wait_for 5 bash -c "nft_list $EDGE | grep -q '9001 : 10.50.0.12 . 80'"
check "route files restored from the cache" wait_for 5 test -f "$DYN/edge-agent.gw1.r1.yml"
check "the journal was folded into a private snapshot at boot" \
	bash -c "[ \$(stat -c %a $DATA/state.json) = 600 ] && [ ! -s $DATA/state.journal ]"
check "forward works with the broker down" bash -c "probe tcp 9001 | grep -q backend"
check "object deleted while down is kept until resync" bash -c "nft_list $EDGE | grep -q '9002 :'"
check "agent retries the broker without exiting" bash -c "sleep 1; kill -0 $AGENT_PID"
check "health: running but degraded without the broker (exit 1)" test "$(health)" = 1

broker_start "$EDGE" 1883 "$PERSIST" || fail "broker restart"
check "synced after the broker returns" wait_for 15 node_synced "$EDGE" gw1
check "deleted forward removed after resync" wait_for 5 bash -c "! nft_list $EDGE | grep -q '9002 :'"
check "deleted route file removed after resync" wait_for 5 test ! -e "$DYN/edge-agent.gw1.r2.yml"
check "deleted object's status cleared" wait_for 5 status_gone "$EDGE" gw1 forwards f2
check "others still applied" bash -c "status_is $EDGE gw1 forwards f1 applied && status_is $EDGE gw1 forwards f3 applied"

# --- broker restart with persistence: nothing removed or re-created needlessly
ip netns exec "$EDGE" nft monitor > "$T_TMP/monitor.txt" 2>&1 &
MON=$!; T_PIDS+=($MON)
mtime_before=$(stat -c %Y.%i "$DYN/edge-agent.gw1.r1.yml")
syncs=$(grep -c 'retained replay complete' "$T_TMP/gw1.log")
sleep 0.3
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
broker_start "$EDGE" 1883 "$PERSIST" || fail "broker restart 2"
check "resynced after the broker restart" wait_for 15 bash -c "[ \$(grep -c 'retained replay complete' $T_TMP/gw1.log) -gt $syncs ]"
sleep 0.5; kill "$MON" 2>/dev/null
check "no nftables change during the broker restart" bash -c "! grep -qE 'element|table|chain|rule' $T_TMP/monitor.txt"
check "route file not rewritten (same mtime and inode)" test "$(stat -c %Y.%i "$DYN/edge-agent.gw1.r1.yml")" = "$mtime_before"
check "state intact after the broker restart" bash -c "status_is $EDGE gw1 forwards f1 applied && nft_list $EDGE | grep -q '9001 :'"

# --- broker stopped: established and new connections keep working
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
sleep 1
check "forward works while the broker is stopped" bash -c "probe tcp 9003 y | grep -q 'backend tcp'"
check "rules untouched by the outage" bash -c "nft_list $EDGE | grep -q '9001 :' && nft_list $EDGE | grep -q '9003 :'"

# --- someone deletes or flushes our table: restored from netlink events
check "the agent watches nftables (netlink events, not only the periodic check)" \
	bash -c "! grep -q 'cannot watch for changes' $T_TMP/gw1.log"
ip netns exec "$EDGE" nft delete table inet edge_agent
check "deleted table restored" wait_for 20 bash -c "nft_list $EDGE | grep -q '9003 :'"
ip netns exec "$EDGE" nft flush ruleset
check "flushed ruleset restored" wait_for 20 bash -c "nft_list $EDGE | grep -q '9003 :'"
ip netns exec "$EDGE" nft delete element inet edge_agent fwd_tcp '{ 9001 }'
check "element deleted by hand restored" wait_for 20 bash -c "nft_list $EDGE | grep -q '9001 :'"
ip netns exec "$EDGE" nft add table inet other
ip netns exec "$EDGE" nft add chain inet other c
sleep 0.5
check "another table is left alone" bash -c "ip netns exec $EDGE nft list table inet other >/dev/null"
check "forward works after the repairs" bash -c "probe tcp 9001 z | grep -q 'backend tcp'"

# --- a corrupt cache is reported and does not stop the agent
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
echo '{"version": 1, "sources": {' > "$DATA/state.json"
broker_start "$EDGE" 1883 "$PERSIST"
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "corrupt cache: agent starts and resyncs from the broker" wait_for 10 node_synced "$EDGE" gw1
check "corrupt cache is logged" grep -q 'cache: .*state.json' "$T_TMP/gw1.log"
check "forwards present after resync" bash -c "nft_list $EDGE | grep -q '9003 :'"
check "no temp files in the data dir" bash -c "! ls -A $DATA | grep -q tmp"
[ "$T_FAILED" = 0 ] || tail -60 "$T_TMP/gw1.log"
t_done
