#!/usr/bin/env bash
# Docker on the edge host, through the agent itself (COEXIST, FORWARD_MARK, the node
# status, `edge-agent cleanup`): Docker's rules from tests/fixtures/docker-28-iptables.rules
# with iptables-nft and with iptables-legacy, COEXIST=report, and another nftables table
# with a drop policy. docker_coexist.sh covers the same module through its driver; this
# one SKIPs (saying so) only if the agent binary lacks the COEXIST option.
source "$(dirname "$0")/../lib/lib.sh"
require_root docker_coexist_agent

FIX=$ROOT/tests/fixtures/docker-28-iptables.rules
OURS='-A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment "?edge-agent:edge_agent"? -j ACCEPT'
if ! "$AGENT" --help 2>&1 | grep -q COEXIST || ! "$AGENT" cleanup --help >/dev/null 2>&1; then
	skip docker_coexist_agent "needs integration: $AGENT has no COEXIST option or cleanup subcommand yet"
	exit 77
fi

topology() {  # SUFFIX
	EDGE=$(netns_new "edge$1"); CLIENT=$(netns_new "client$1"); BACK=$(netns_new "back$1")
	veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
	veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
	ip -n "$CLIENT" route add default via 192.0.2.1
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
	T_PIDS+=($!)
	export EDGE CLIENT BACK
}

source "$ROOT/tests/lib/coexist.sh"
node_errors() { json_field "$(retained "$EDGE" edge/gw1/status)" errors; }
no_firewall_error() { ! node_errors | grep -q 'firewall:'; }
export -f node_errors

# start_agent VAR=value...: broker, agent, two forwards applied
start_agent() {
	broker_start "$EDGE" 1883 || { fail "broker_start"; return 1; }
	agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 "$@"
	wait_for 10 node_synced "$EDGE" gw1 || { fail "agent synced"; return 1; }
	pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 9080, "target_ip": "10.50.0.12", "target_port": 80}'
	pub "$EDGE" -r -t edge/gw1/forwards/dns -m '{"public_port": 9053, "target_ip": "10.50.0.12", "target_port": 80, "proto": "udp"}'
	wait_for 5 status_is "$EDGE" gw1 forwards web applied && wait_for 5 status_is "$EDGE" gw1 forwards dns applied
}

cleanup_agent() {
	kill "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	kill "$BROKER_PID" 2>/dev/null
	wait "$BROKER_PID" 2>/dev/null
	ip netns exec "$EDGE" env -i PATH="$PATH" NODE_ID=gw1 "$AGENT" cleanup > "$T_TMP/cleanup-$1.log" 2>&1
}

variant() {
	local v=$1 before out
	IPT=iptables-$v
	topology "-$v"
	if [ "$v" = legacy ] && ! out=$(ip netns exec "$EDGE" iptables-legacy -t filter -S 2>&1); then
		skip "docker_coexist_agent legacy" "iptables-legacy cannot work with this kernel: ${out//$'\n'/ }"
		return
	fi
	ip netns exec "$EDGE" "$IPT-restore" < "$FIX" || { fail "[$v] load Docker's rules"; return; }
	before=$(ipt_save)
	check "[$v] agent up, forwards applied" start_agent
	eventually "[$v] TCP and UDP pass Docker's FORWARD DROP" passes hi
	check "[$v] node status has no firewall error" no_firewall_error
	check "[$v] exactly one rule added outside our table" test \
		"$(diff <(echo "$before") <(ipt_save) | grep '^[<>]' | sed -E 's/"//g')" = \
		"> -A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment edge-agent:edge_agent -j ACCEPT"
	ip netns exec "$EDGE" "$IPT" -D DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment edge-agent:edge_agent -j ACCEPT
	eventually "[$v] our rule deleted by hand is back" has_ours
	ip netns exec "$EDGE" nft flush ruleset
	eventually "[$v] nft flush ruleset: our table back" table_back
	if [ "$v" = nft ]; then
		ip netns exec "$EDGE" "$IPT-restore" < "$FIX"
		eventually "[$v] Docker restoring its rules after the flush: our rule back" has_ours
	else
		check "[$v] the flush left iptables-legacy and our rule alone" has_ours
	fi
	check "[$v] forwards pass after the flush" passes flush
	check "[$v] exactly one rule of ours" test "$(ours_count)" = 1
	cleanup_agent "$v"
	echo "INFO [$v] cleanup: $(tr '\n' ' ' < "$T_TMP/cleanup-$v.log")"
	check "[$v] edge-agent cleanup: Docker's rules exactly as they were" test "$(ipt_save)" = "$before"
	diff <(echo "$before") <(ipt_save) | sed 's/^/  /'
	check "[$v] edge-agent cleanup: our table is gone" bash -c "! nft_list $EDGE | grep -q table"
	check "[$v] after cleanup Docker's DROP applies again" blocked
}

report() {
	local before
	IPT=iptables-nft
	topology "-rep"
	ip netns exec "$EDGE" iptables-nft-restore < "$FIX"
	before=$(ipt_save)
	check "[report] agent up, forwards applied" start_agent COEXIST=report
	check "[report] node status names the exact command" wait_for 5 bash -c \
		"node_errors | grep -qF 'COEXIST=report: add it yourself: iptables -I DOCKER-USER -m mark --mark 0x2000/0x2000 -j ACCEPT'"
	check "[report] nothing changed outside our table" test "$(ipt_save)" = "$before"
	check "[report] the forward is dropped, as reported" blocked
	ip netns exec "$EDGE" iptables-nft -I DOCKER-USER -m mark --mark 0x2000/0x2000 -j ACCEPT
	eventually "[report] the operator adds it: the error clears" no_firewall_error
	check "[report] and forwards pass" passes op
	cleanup_agent report
}

other_table() {
	IPT=iptables-nft
	topology "-oth"
	ip netns exec "$EDGE" nft add table inet hostfw
	ip netns exec "$EDGE" nft add chain inet hostfw forward '{ type filter hook forward priority filter; policy drop; }'
	check "[other table] agent up, forwards applied" start_agent
	check "[other table] node status names the table and the nft command" wait_for 7 bash -c \
		"node_errors | grep -qF 'table inet hostfw chain forward (hook forward, priority 0) drops forwarded traffic (policy drop), so forwards do not pass; accept the agent'\''s mark before it drops, e.g. nft insert rule inet hostfw forward meta mark and 0x00002000 == 0x00002000 accept'"
	check "[other table] its drop policy is left alone" bash -c \
		"ip netns exec $EDGE nft list table inet hostfw | grep -q 'policy drop'"
	check "[other table] the forward is dropped, as reported" blocked
	ip netns exec "$EDGE" nft insert rule inet hostfw forward meta mark and 0x00002000 == 0x00002000 accept
	eventually "[other table] the operator follows the message: the error clears" no_firewall_error
	check "[other table] and forwards pass" passes op
	cleanup_agent other
	check "[other table] cleanup leaves that table alone" bash -c \
		"ip netns exec $EDGE nft list table inet hostfw | grep -q 'meta mark'"
}

variant nft
variant legacy
report
other_table
t_done
