#!/usr/bin/env bash
# Docker on the edge host, at the module level: the rules Docker writes (FORWARD policy
# DROP, DOCKER-USER, DOCKER-FORWARD ...; tests/fixtures/docker-28-iptables.rules) loaded
# once with iptables-nft and once with iptables-legacy, our table applied with its mark,
# and the coexistence module run by its driver (build/tests/test_coexist_kernel, standing
# in for the agent until it is integrated; docker_coexist_agent.sh is the same story
# through the agent). Real TCP and UDP from a client namespace through the forward.
source "$(dirname "$0")/../lib/lib.sh"
require_root docker_coexist

BIN=${B:-$ROOT/build}/tests/test_coexist_kernel
FIX=$ROOT/tests/fixtures/docker-28-iptables.rules
MARK=0x2000/0x2000
SPECS=(tcp/9080=10.50.0.12:80 udp/9053=10.50.0.12:80)
OURS='-A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment "?edge-agent:edge_agent"? -j ACCEPT'
[ -x "$BIN" ] || { skip docker_coexist "$BIN is not built (make unit)"; exit 77; }

# topology SUFFIX: edge_topology's client -> edge -> backend, with names of its own.
topology() {
	EDGE=$(netns_new "edge$1"); CLIENT=$(netns_new "client$1"); BACK=$(netns_new "back$1")
	veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
	veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
	ip -n "$CLIENT" route add default via 192.0.2.1
	ip netns exec "$EDGE" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
	T_PIDS+=($!)
	export EDGE CLIENT BACK
}

drv() { EDGE_TEST_NETNS=$EDGE ip netns exec "$EDGE" "$BIN" "$@"; }
source "$ROOT/tests/lib/coexist.sh"

variant() {
	local v=$1 out before loop
	IPT=iptables-$v
	topology "-$v"
	if [ "$v" = legacy ]; then
		if ! out=$(ip netns exec "$EDGE" iptables-legacy -t filter -S 2>&1); then
			skip "docker_coexist legacy" "iptables-legacy cannot work with this kernel: ${out//$'\n'/ }"
			return
		fi
		if [ ! -e /proc/net/ip_tables_names ]; then
			skip "docker_coexist legacy" "the kernel has no legacy xtables (/proc/net/ip_tables_names)"
			return
		fi
	fi
	if ! ip netns exec "$EDGE" "$IPT-restore" < "$FIX"; then
		fail "[$v] load Docker's rules with $IPT-restore"
		return
	fi
	before=$(ipt_save)
	check "[$v] Docker's FORWARD policy is DROP" grep -qx ':FORWARD DROP \[0:0\]' <<<"$before"
	check "[$v] our table with the mark applied" drv fwd edge_agent wg0 "$MARK" "${SPECS[@]}"
	check "[$v] without help, Docker's FORWARD DROP drops the forward our table accepts" blocked

	out=$(drv check report edge_agent "$MARK")
	echo "INFO [$v] report: $out"
	check "[$v] COEXIST=report names the exact command" grep -qF \
		"COEXIST=report: add it yourself: $([ "$v" = nft ] && echo iptables || echo iptables-legacy) -I DOCKER-USER -m mark --mark $MARK -j ACCEPT" <<<"$out"
	check "[$v] COEXIST=report changes nothing" test "$(ipt_save)" = "$before"

	out=$(drv check auto edge_agent "$MARK")
	check "[$v] COEXIST=auto: no error left" grep -qx 'ERROR: ' <<<"$out"
	check "[$v] exactly one rule added, ours, and nothing else changed" test \
		"$(diff <(echo "$before") <(ipt_save) | grep '^[<>]' | sed -E 's/"//g')" = \
		"> -A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment edge-agent:edge_agent -j ACCEPT"
	check "[$v] our rule heads DOCKER-USER" bash -c \
		"ip netns exec $EDGE $IPT -S DOCKER-USER | sed -n 2p | grep -qE -- '^$OURS\$'"
	check "[$v] TCP and UDP through the forward pass Docker's FORWARD" passes hi
	drv check auto edge_agent "$MARK" >/dev/null
	check "[$v] a second run adds nothing" test "$(ours_count)" = 1

	out=$(drv check auto edge_agent 0x4000)
	check "[$v] FORWARD_MARK changed: the old rule goes, the new one comes" bash -c \
		"[ \$(ip netns exec $EDGE $IPT -S DOCKER-USER | grep -c edge-agent) = 1 ] &&
		 ip netns exec $EDGE $IPT -S DOCKER-USER | grep -q -- '--mark 0x4000/0x4000'"
	drv check auto edge_agent "$MARK" >/dev/null

	# the agent's loop: re-asserts our rule, restores our table
	# exec: $! is then the driver itself (ip netns exec execs it), not a subshell
	(EDGE_TEST_NETNS=$EDGE exec ip netns exec "$EDGE" "$BIN" loop 60000 edge_agent wg0 "$MARK" \
		"${SPECS[@]}" > "$T_TMP/loop-$v.log" 2>&1) &
	loop=$!
	T_PIDS+=("$loop")
	sleep 0.5
	ip netns exec "$EDGE" "$IPT" -D DOCKER-USER -m mark --mark "$MARK" -m comment --comment edge-agent:edge_agent -j ACCEPT
	eventually "[$v] our rule deleted by hand is back" has_ours
	ip netns exec "$EDGE" "$IPT-restore" < "$FIX"
	eventually "[$v] Docker reloading its rules: our rule back" has_ours
	check "[$v] traffic passes after Docker's reload" passes reload

	ip netns exec "$EDGE" nft flush ruleset
	eventually "[$v] nft flush ruleset: our table back" table_back
	if [ "$v" = nft ]; then
		check "[$v] nft flush ruleset took Docker's iptables-nft rules too" bash -c \
			"! ip netns exec $EDGE nft list table ip filter >/dev/null 2>&1"
		ip netns exec "$EDGE" "$IPT-restore" < "$FIX"
		eventually "[$v] Docker restoring its rules after the flush: our rule back" has_ours
	else
		check "[$v] nft flush ruleset leaves iptables-legacy and our rule there" has_ours
	fi
	check "[$v] traffic passes after the flush" passes flush
	kill "$loop" 2>/dev/null
	wait "$loop" 2>/dev/null
	echo "INFO [$v] driver loop log:"; sed 's/^/  /' "$T_TMP/loop-$v.log"

	out=$(drv cleanup edge_agent "$MARK")
	check "[$v] cleanup removes our one rule" test "$out" = "REMOVED 1"
	check "[$v] after cleanup Docker's rules are exactly as they were" test "$(ipt_save)" = "$before"
	diff <(echo "$before") <(ipt_save) | sed 's/^/  /'
	check "[$v] after cleanup Docker's DROP applies to the forward again" blocked
	out=$(drv cleanup edge_agent "$MARK")
	check "[$v] a second cleanup finds nothing" test "$out" = "REMOVED 0"
}

variant nft
variant legacy
t_done
