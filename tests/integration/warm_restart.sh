#!/usr/bin/env bash
# Warm restart: the agent restarts with its cache, the broker up, nothing changed. The rules
# and route files serve before the broker is reached, and the resync that follows changes
# nothing: no nftables transaction on the agent's table, no write in the Traefik directory
# or DATA_DIR. Checked with the kernel's own event stream and inotify, not with timings.
source "$(dirname "$0")/../lib/lib.sh"
require_root warm_restart
command -v inotifywait >/dev/null || { skip warm_restart "inotifywait missing (inotify-tools; make deps)"; exit 77; }

NS=$(netns_new warm)
broker_start "$NS" || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.0.0.0/8)
agent_start "$NS" gw1 "${ENVS[@]}"
DYN=$T_TMP/gw1/dynamic; DATA=$T_TMP/gw1/data
check "all applied" seed_three "$NS" gw1 10.0.0.3
check "cache written" wait_for 5 bash -c "cat $DATA/state.json $DATA/state.journal 2>/dev/null | grep -q '\"f3\"'"
# Live status publishes only (-R: not the retained ones the subscription shows first).
ip netns exec "$NS" mosquitto_sub -R -v -t 'edge/gw1/status/forwards/#' -t 'edge/gw1/status/routes/#' \
	> "$T_TMP/statuses.txt" 2>&1 &
T_PIDS+=($!)
r1_at=$(json_field "$(retained "$NS" edge/gw1/status/routes/r1)" updated_at)
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null

# The broker stays up but refuses the agent until the watchers run.
ip netns exec "$NS" nft add table inet hold
ip netns exec "$NS" nft add chain inet hold out '{ type filter hook output priority 0; }'
ip netns exec "$NS" nft add rule inet hold out tcp dport 1883 reject with tcp reset
agent_start "$NS" gw1 "${ENVS[@]}"
check "rules live before the broker is reached" wait_for 5 bash -c "nft_list $NS | grep -q '9003 : 10.0.0.3 . 80'"
check "route files in place before the broker is reached" test -f "$DYN/edge-agent.gw1.r3.yml"
check "not connected yet" wait_for 5 grep -q 'could not connect' "$T_TMP/gw1.log"
sleep 0.5   # the start-up pass (which may rewrite what the cache says) is done

ip netns exec "$NS" nft monitor > "$T_TMP/monitor.txt" 2>&1 &
T_PIDS+=($!)
inotifywait -m -r -q --format '%w%f %e' -e create,modify,attrib,close_write,moved_from,moved_to,delete \
	"$DYN" "$DATA" > "$T_TMP/files.txt" 2>/dev/null &
T_PIDS+=($!)
before=$(stat -c %i.%Y "$DATA"/state.json "$DATA"/state.journal 2>/dev/null)
syncs=$(grep -c 'retained replay complete' "$T_TMP/gw1.log")
sleep 0.5
ip netns exec "$NS" nft delete table inet hold
check "resynced with the broker" wait_for 15 bash -c "[ \$(grep -c 'retained replay complete' $T_TMP/gw1.log) -gt $syncs ]"
check "node status synced" wait_for 5 node_synced "$NS" gw1
sleep 2.5   # past the cache's quiet second and any deferred write
check "no nftables transaction on the agent's table after the resync" \
	bash -c "! grep edge_agent $T_TMP/monitor.txt"
check "no file written in the Traefik directory or DATA_DIR after the resync (health.json records the connection)" \
	bash -c "! grep -v -e '/\.\?health\.json' $T_TMP/files.txt | grep -q ."
check "the cache not rewritten (same inodes and mtimes)" test "$(stat -c %i.%Y "$DATA"/state.json "$DATA"/state.journal 2>/dev/null)" = "$before"
check "statuses still applied" bash -c "status_is $NS gw1 forwards f1 applied && status_is $NS gw1 routes r1 applied"
check "no object status published again: the broker's retained ones already say it" \
	test ! -s "$T_TMP/statuses.txt"
check "a status keeps the time of its last change ($r1_at)" \
	test "$(json_field "$(retained "$NS" edge/gw1/status/routes/r1)" updated_at)" = "$r1_at"

# A change while the agent was down is published, the rest still is not.
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
pub "$NS" -r -t edge/gw1/forwards/f2 -m '{"public_port": 9012, "target_ip": "10.0.0.3", "target_port": 81}'
agent_start "$NS" gw1 "${ENVS[@]}"
check "the changed forward applied after the restart" wait_for 10 bash -c "nft_list $NS | grep -q '9012 : 10.0.0.3 . 81'"
check "its status published" wait_for 10 grep -q 'status/forwards/f2 .*"applied"' "$T_TMP/statuses.txt"
check "only its status published" bash -c "[ \$(grep -c . $T_TMP/statuses.txt) = 1 ]"
[ "$T_FAILED" = 0 ] || { cat "$T_TMP/monitor.txt" "$T_TMP/files.txt" "$T_TMP/statuses.txt"; tail -40 "$T_TMP/gw1.log"; }
t_done
