#!/usr/bin/env bash
# "applied" means durable: kill -9 the agent the moment an object's applied status arrives,
# boot it without a broker, and the object is back. DURABLE_ROUNDS (default 30) times.
source "$(dirname "$0")/../lib/lib.sh"
require_root applied_durable

ROUNDS=${DURABLE_ROUNDS:-30}
EDGE=$(netns_new edge)
ip -n "$EDGE" addr add 10.50.0.1/24 dev lo
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.60.0.0/24)
DYN=$T_TMP/gw1/dynamic
missing=()

for i in $(seq 1 "$ROUNDS"); do
	agent_start "$EDGE" gw1 "${ENVS[@]}"
	wait_for 10 node_synced "$EDGE" gw1 || { fail "round $i: agent did not sync"; break; }
	if (( i % 2 )); then kind=forwards; payload="{\"public_port\": $((20000 + i)), \"target_ip\": \"10.60.0.$i\", \"target_port\": 80}"
	else kind=routes; payload="{\"hostname\": \"r$i.example.com\", \"target_url\": \"http://10.60.0.$i:80\"}"; fi
	# the subscriber is up before the publish; the kill follows its first "applied"
	ip netns exec "$EDGE" stdbuf -oL mosquitto_sub -t "edge/gw1/status/$kind/o$i" -W 10 > "$T_TMP/st$i" 2>/dev/null &
	sub=$!
	sleep 0.2
	pub "$EDGE" -r -t "edge/gw1/$kind/o$i" -m "$payload"
	while kill -0 "$sub" 2>/dev/null && ! grep -q '"applied"' "$T_TMP/st$i"; do sleep 0.001; done
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
	grep -q '"applied"' "$T_TMP/st$i" || { fail "round $i: no applied status"; break; }

	# a reboot that lost the table and the route files; then a boot without a broker
	# (nothing listens on 1884): only DATA_DIR can bring the object back
	ip netns exec "$EDGE" nft flush ruleset
	rm -f "$DYN"/*.yml
	agent_start "$EDGE" gw1 "${ENVS[@]}" MQTT_URL=mqtt://127.0.0.1:1884
	ok=0
	for _ in $(seq 1 50); do
		if [ "$kind" = forwards ]; then
			nft_list "$EDGE" | grep -q "$((20000 + i)) : 10.60.0.$i . 80" && ok=1
		else
			grep -qs "r$i.example.com" "$DYN/edge-agent.gw1.o$i.yml" && ok=1
		fi
		[ $ok = 1 ] && break
		sleep 0.1
	done
	[ $ok = 1 ] || missing+=("o$i")
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
done
check "every object reported applied came back after kill -9 ($ROUNDS rounds; missing: ${missing[*]:-none})" \
	test ${#missing[@]} -eq 0
check "no temp files in the data dir" bash -c "! ls -A $T_TMP/gw1/data | grep -q tmp"
[ "$T_FAILED" = 0 ] || tail -40 "$T_TMP/gw1.log"
t_done
