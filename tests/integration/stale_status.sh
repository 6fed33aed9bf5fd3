#!/usr/bin/env bash
# No stale statuses: after a resync, every retained status under edge/<node>/status/
# describes an object the agent knows. A status left by an object deleted while the agent
# had no cache of it, or one that never was an object's, is cleared.
source "$(dirname "$0")/../lib/lib.sh"
require_root stale_status

EDGE=$(netns_new edge)
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
for proto in 5 3.1.1; do
	ENVS=(ALLOWED_TARGETS=10.60.0.0/24 MQTT_PROTOCOL=$proto)
	rm -rf "$T_TMP/gw1"
	agent_start "$EDGE" gw1 "${ENVS[@]}"
	for f in kept gone; do
		pub "$EDGE" -r -t "edge/gw1/forwards/$f" -m "{\"public_port\": $((RANDOM % 1000 + 30000)), \"target_ip\": \"10.60.0.1\", \"target_port\": 80}"
	done
	check "MQTT $proto: both applied" wait_for 10 bash -c "status_is $EDGE gw1 forwards kept applied && status_is $EDGE gw1 forwards gone applied"
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	# the cache is lost, and one object is deleted meanwhile: only its status remains
	rm -rf "$T_TMP/gw1/data"
	pub "$EDGE" -r -n -t edge/gw1/forwards/gone
	pub "$EDGE" -r -t edge/gw1/status/forwards/ghost -m '{"state": "applied", "source": "gw1"}'
	pub "$EDGE" -r -t edge/gw1/status/routes/Not-An-Id -m '{"state": "applied"}'
	pub "$EDGE" -r -t edge/gw1/status/junk -m 'x'
	pub "$EDGE" -r -t edge/fleet/status/routes/other -m '{"state": "applied"}'
	check "MQTT $proto: the deleted object's status is still retained before the restart" \
		bash -c "! status_gone $EDGE gw1 forwards gone"
	agent_start "$EDGE" gw1 "${ENVS[@]}"
	check "MQTT $proto: resynced" wait_for 10 node_synced "$EDGE" gw1
	check "MQTT $proto: status of the object deleted while there was no cache cleared" \
		wait_for 5 status_gone "$EDGE" gw1 forwards gone
	check "MQTT $proto: status of an object that never was cleared" wait_for 5 status_gone "$EDGE" gw1 forwards ghost
	check "MQTT $proto: status under a bad id cleared" wait_for 5 bash -c "[ -z \"\$(retained $EDGE edge/gw1/status/routes/Not-An-Id)\" ]"
	check "MQTT $proto: other retained topic under status/ cleared" wait_for 5 bash -c "[ -z \"\$(retained $EDGE edge/gw1/status/junk)\" ]"
	check "MQTT $proto: the known object's status stays" status_is "$EDGE" gw1 forwards kept applied
	check "MQTT $proto: the node status stays" node_synced "$EDGE" gw1
	check "MQTT $proto: another node's or group's topics are left alone" \
		bash -c "[ -n \"\$(retained $EDGE edge/fleet/status/routes/other)\" ]"
	# statuses are only judged at the end of a replay
	pub "$EDGE" -r -t edge/gw1/status/forwards/late -m '{"state": "applied"}'
	pub "$EDGE" -r -t edge/gw1/forwards/kept -m '{"public_port": 31999, "target_ip": "10.60.0.1", "target_port": 81}'
	check "MQTT $proto: an update after the replay applies" wait_for 5 bash -c "status_is $EDGE gw1 forwards kept applied && nft_list $EDGE | grep -q '31999 :'"
	check "MQTT $proto: a status written after the replay is left alone" \
		bash -c "[ -n \"\$(retained $EDGE edge/gw1/status/forwards/late)\" ]"
	# the broker loses every retained message and the controller publishes the state again
	# while the agent is paused: the agent puts its statuses back after the replay
	kill -STOP "$AGENT_PID"
	kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
	broker_start "$EDGE" 1883 || fail "MQTT $proto: broker restart"
	pub "$EDGE" -r -t edge/gw1/forwards/kept -m '{"public_port": 31999, "target_ip": "10.60.0.1", "target_port": 81}'
	syncs=$(grep -c 'retained replay complete' "$T_TMP/gw1.log")
	kill -CONT "$AGENT_PID"
	check "MQTT $proto: resynced with the empty broker" \
		wait_for 15 bash -c "[ \$(grep -c 'retained replay complete' $T_TMP/gw1.log) -gt $syncs ]"
	check "MQTT $proto: the status the broker lost is published again" \
		wait_for 5 status_is "$EDGE" gw1 forwards kept applied
	pub "$EDGE" -r -n -t edge/fleet/status/routes/other
	pub "$EDGE" -r -n -t edge/gw1/forwards/kept
	check "MQTT $proto: cleanup" wait_for 5 status_gone "$EDGE" gw1 forwards kept
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
done
[ "$T_FAILED" = 0 ] || tail -30 "$T_TMP/gw1.log"
t_done
