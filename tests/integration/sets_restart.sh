#!/usr/bin/env bash
# Objects that name a set come back after kill -9 on a boot without the broker: the sets are
# kept in DATA_DIR (sets.txt) beside the objects, before those are reported applied. A set
# changed since is back as changed; a set deleted at the broker while the agent was down is
# dropped at the resync, and its users are rejected then, not at the boot.
source "$(dirname "$0")/../lib/lib.sh"
require_root sets_restart

edge_topology
PERSIST=$T_TMP/broker; mkdir -p "$PERSIST"
broker_start "$EDGE" 1883 "$PERSIST" || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.50.0.0/24)
DYN=$T_TMP/gw1/dynamic
agent_start "$EDGE" gw1 "${ENVS[@]}"

pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs": ["192.0.2.0/28", "203.0.113.0/24"]}'
pub "$EDGE" -r -t edge/gw1/forwards/ssh -m '{"public_port": 7200, "target_ip": "10.50.0.12", "target_port": 80, "allow_from": ["@office"]}'
pub "$EDGE" -r -t edge/gw1/routes/admin -m '{"hostname": "admin.example.com", "target_url": "http://10.50.0.12:80", "allow_from": ["@office"]}'
check "forward naming the set applied" wait_for 10 status_is "$EDGE" gw1 forwards ssh applied
check "route naming the set applied" wait_for 10 status_is "$EDGE" gw1 routes admin applied
check "the client in the set reaches the forward" bash -c "probe tcp 7200 | grep -q '^backend tcp'"

# kill -9 at once, broker stopped, the host "reboots", the agent starts without the broker
reboot_without_broker() {
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
	ip netns exec "$EDGE" nft flush ruleset
	agent_start "$EDGE" gw1 "${ENVS[@]}"
}
set_has() { nft_list "$EDGE" | tr -d '\n' | grep -q "set s_office {[^}]*$1"; }
route_has() { grep -q "$1" "$DYN/edge-agent.gw1.admin.yml" 2>/dev/null; }
reboot_without_broker
check "boot without broker: the forward's chain is back" wait_for 10 bash -c "nft_list $EDGE | grep -q 'chain f_ssh'"
check "boot without broker: the set is back in the kernel" set_has '203.0.113.0/24'
check "boot without broker: the client in the set still reaches the forward" bash -c "probe tcp 7200 | grep -q '^backend tcp'"
check "boot without broker: the route file still allows the set" route_has '203.0.113.0/24'
check "no temp file left in DATA_DIR" bash -c "! ls -A $T_TMP/gw1/data | grep -q tmp"

# the broker returns: the same set, nothing changes; then the set changes over the bus
broker_start "$EDGE" 1883 "$PERSIST" || { fail "broker_start again"; t_done; }
check "resynced" wait_for 20 node_synced "$EDGE" gw1
check "after the resync: the forward applied" wait_for 10 status_is "$EDGE" gw1 forwards ssh applied
pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs": ["198.51.100.0/24"]}'
check "the set change reaches the kernel" wait_for 10 set_has '198.51.100.0/24'
check "the set change reaches the route file" wait_for 10 route_has '198.51.100.0/24'
reboot_without_broker
check "boot without broker: the changed set is back" wait_for 10 set_has '198.51.100.0/24'
check "boot without broker: not the old one" bash -c "! set_has '203.0.113.0/24'"
check "boot without broker: the route file has the changed set" route_has '198.51.100.0/24'

# deleted at the broker while the agent is down: dropped at the resync, its users rejected
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
broker_start "$EDGE" 1883 "$PERSIST" || { fail "broker_start again"; t_done; }
pub "$EDGE" -r -t edge/gw1/sets/office -n
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "set deleted while down: resynced" wait_for 20 node_synced "$EDGE" gw1
check "set deleted while down: its forward is rejected" wait_for 10 status_is "$EDGE" gw1 forwards ssh rejected
check "...naming the set" bash -c "retained $EDGE edge/gw1/status/forwards/ssh | grep -q 'office.* is not published'"
t_done
