#!/usr/bin/env bash
# Issue 10's scenario, step by step: a refused duplicate never takes a port over because the
# agent restarted (kill -9, broker down, ruleset flushed), the broker came back, or the table
# was repaired. Only a publish moves a claim.
source "$(dirname "$0")/../lib/lib.sh"
require_root claim_restart

edge_topology
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" dup-backend 81 &
T_PIDS+=($!)
PERSIST=$T_TMP/broker; mkdir -p "$PERSIST"
broker_start "$EDGE" 1883 "$PERSIST" || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.50.0.0/24)
agent_start "$EDGE" gw1 "${ENVS[@]}"
WEB='{"public_port": 22015, "target_ip": "10.50.0.12", "target_port": 80}'
DUP='{"public_port": 22015, "target_ip": "10.50.0.12", "target_port": 81}'
web_serves() {
	nft_list "$EDGE" | grep -q '22015 : 10.50.0.12 . 80' &&
		! nft_list "$EDGE" | grep -q '22015 : 10.50.0.12 . 81' &&
		probe tcp 22015 | grep -q '^backend tcp'
}

# 1. web holds 22015/tcp; dup asks for it at the same precedence and is refused
pub "$EDGE" -r -t edge/gw1/forwards/web -m "$WEB"
check "1: web applied" wait_for 10 status_is "$EDGE" gw1 forwards web applied
pub "$EDGE" -r -t edge/gw1/forwards/dup -m "$DUP"
check "1: dup rejected" wait_for 10 status_is "$EDGE" gw1 forwards dup rejected
check "1: dup's error names web" bash -c "retained $EDGE edge/gw1/status/forwards/dup | grep -q 'held by forward web'"
check "1: 22015 goes to web's target" web_serves


# 2. kill -9, broker stopped, the host "reboots" (ruleset flushed), agent back without broker
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
ip netns exec "$EDGE" nft flush ruleset
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "2: restored without the broker" wait_for 5 bash -c "nft_list $EDGE | grep -q '22015 :'"
check "2: 22015 still goes to web's target" web_serves

# 3. the broker returns and the resync ends
broker_start "$EDGE" 1883 "$PERSIST" || fail "3: broker restart"
check "3: synced" wait_for 15 node_synced "$EDGE" gw1
check "3: 22015 still goes to web's target" web_serves
check "3: web applied" status_is "$EDGE" gw1 forwards web applied
check "3: dup still rejected" status_is "$EDGE" gw1 forwards dup rejected

# 4. the table is deleted by hand and repaired
ip netns exec "$EDGE" nft delete table inet edge_agent
check "4: table repaired" wait_for 5 bash -c "nft_list $EDGE | grep -q '22015 :'"
check "4: 22015 still goes to web's target" web_serves

# 5. a publish does move the claim: web deleted, dup takes the port
pub "$EDGE" -r -t edge/gw1/forwards/web -n
check "5: dup takes the freed port" wait_for 5 status_is "$EDGE" gw1 forwards dup applied
check "5: 22015 goes to dup's target" wait_for 5 bash -c "probe tcp 22015 | grep -q '^dup-backend tcp'"
[ "$T_FAILED" = 0 ] || tail -40 "$T_TMP/gw1.log"
t_done
