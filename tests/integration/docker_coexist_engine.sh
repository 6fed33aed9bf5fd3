#!/usr/bin/env bash
# Docker coexistence against the real engine (no fixtures): Debian's dockerd runs in the
# edge namespace (tests/lib/docker_engine.sh), once with iptables-nft and once with
# iptables-legacy, and installs its own FORWARD policy DROP and chains there. The agent
# (COEXIST=auto) keeps its forwards passing; a container's published port (-p) and the
# agent's forwards work side by side; restarting dockerd (which rewrites its chains) is
# survived. Then the cross-host case: a second dockerd on the backend host, a container on
# a Docker bridge network there (172.20.0.0/16), reached by a forward across the mesh
# link (a veth standing in for wg0, routed as WireGuard's allowed IPs would route it).
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/docker_engine.sh"
require_root docker_coexist_engine
trap 'engine_cleanup; t_cleanup' EXIT
why=$(engine_skip_reason)
[ -z "$why" ] || { skip docker_coexist_engine "$why"; exit 77; }
OURS='-A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment "?edge-agent:edge_agent"? -j ACCEPT'

topology() {  # SUFFIX
	EDGE=$(netns_new "edge$1"); CLIENT=$(netns_new "client$1"); BACK=$(netns_new "back$1")
	veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
	veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
	ip -n "$CLIENT" route add default via 192.0.2.1
	# as on a fresh host: dockerd switches forwarding on, and only then sets FORWARD DROP
	# (a namespace may inherit ip_forward=1 from the host)
	ip netns exec "$EDGE" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$BACK" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
	T_PIDS+=($!)
	export EDGE CLIENT BACK
}
source "$ROOT/tests/lib/coexist.sh"
# http PORT: the page a client gets from the edge's public address
http() { ip netns exec "$CLIENT" curl -s --max-time 3 "http://192.0.2.1:$1/"; }
container_page() { [ "$(http 8081)" = "container $1" ]; }
policy_drop() { ip netns exec "$EDGE" "$IPT" -S FORWARD | grep -qx -- '-P FORWARD DROP'; }
docker_chains() { ip netns exec "$EDGE" "$IPT" -S | grep -q -- '-A FORWARD -j DOCKER-USER'; }

variant() {
	local v=$1 out
	IPT=iptables-$v
	topology "-$v"
	if [ "$v" = legacy ] && ! out=$(ip netns exec "$EDGE" iptables-legacy -t filter -S 2>&1); then
		skip "docker_coexist_engine legacy" "iptables-legacy cannot work with this kernel: ${out//$'\n'/ }"
		return
	fi
	if ! engine_start "$EDGE" "$v"; then
		fail "[$v] dockerd starts" "$(tail -3 "$ENGINE_LOG")"; return
	fi
	check "[$v] dockerd's own FORWARD policy DROP and chains, in $IPT" bash -c "$(declare -f policy_drop docker_chains); IPT=$IPT EDGE=$EDGE; policy_drop && docker_chains"
	if [ "$v" = nft ]; then
		check "[nft] dockerd wrote nothing with iptables-legacy" bash -c \
			"! ip netns exec $EDGE iptables-legacy-save 2>/dev/null | grep -q DOCKER"
	else
		check "[legacy] dockerd wrote nothing with iptables-nft" bash -c \
			"! ip netns exec $EDGE iptables-nft-save 2>/dev/null | grep -q DOCKER"
	fi
	engine_import_busybox bb:1
	dk run -d --name web --restart always -p 8081:80 bb:1 \
		sh -c 'echo container up > /www/index.html; exec httpd -f -p 80 -h /www' >/dev/null
	check "[$v] a container's published port (-p 8081) answers the client" wait_for 10 container_page up
	ip netns exec "$EDGE" "$IPT-save" > "$T_TMP/docker-$v.rules"

	broker_start "$EDGE" 1883 || { fail "[$v] broker_start"; return; }
	agent_start "$EDGE" "gw-$v" ALLOWED_TARGETS=10.50.0.0/24,172.20.0.0/16
	wait_for 10 node_synced "$EDGE" "gw-$v" || { fail "[$v] agent synced"; return; }
	pub "$EDGE" -r -t "edge/gw-$v/forwards/web" -m '{"public_port": 9080, "target_ip": "10.50.0.12", "target_port": 80}'
	pub "$EDGE" -r -t "edge/gw-$v/forwards/dns" -m '{"public_port": 9053, "target_ip": "10.50.0.12", "target_port": 80, "proto": "udp"}'
	check "[$v] forwards applied" wait_for 5 bash -c \
		"status_is $EDGE gw-$v forwards web applied && status_is $EDGE gw-$v forwards dns applied"
	eventually "[$v] TCP and UDP through the forwards pass dockerd's FORWARD DROP" passes hi
	check "[$v] our one rule heads DOCKER-USER" bash -c \
		"ip netns exec $EDGE $IPT -S DOCKER-USER | sed -n 2p | grep -qE -- '^$OURS\$'"
	check "[$v] side by side: the published port still answers" container_page up
	check "[$v] side by side: forwards and the container port at once" bash -c \
		"$(declare -f passes http container_page); passes both && container_page up"

	engine_stop
	check "[$v] dockerd stopped: forwards pass (its chains stay, DROP included)" passes stopped
	engine_start "$EDGE" "$v" || { fail "[$v] dockerd restarts" "$(tail -3 "$ENGINE_LOG")"; return; }
	check "[$v] dockerd restarted: FORWARD policy still DROP" policy_drop
	eventually "[$v] dockerd restarted (chains rewritten): forwards pass" passes restarted
	check "[$v] dockerd restarted: the container (restart always) answers on -p again" wait_for 15 container_page up
	check "[$v] dockerd restarted: exactly one rule of ours" test "$(ours_count)" = 1
	check "[$v] node status has no firewall error" bash -c \
		"! json_field \"\$(retained $EDGE edge/gw-$v/status)\" errors | grep -q firewall:"

	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
	ip netns exec "$EDGE" env -i PATH="$PATH" NODE_ID="gw-$v" "$AGENT" cleanup > "$T_TMP/cleanup-$v.log" 2>&1
	check "[$v] edge-agent cleanup: dockerd's rules exactly as dockerd wrote them" bash -c \
		"diff <(grep -v '^#' $T_TMP/docker-$v.rules | sed -E 's/\[[0-9]+:[0-9]+\]//') \
		      <(ip netns exec $EDGE $IPT-save | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//')"
	check "[$v] after cleanup dockerd's DROP applies to the old forward again" blocked
	dk rm -f web >/dev/null
	engine_stop
}

# the cross-host container case: the target is a container on a Docker bridge network of
# the backend host; the edge reaches 172.20.0.0/16 through the mesh link
remote() {
	IPT=iptables-nft
	topology -rem
	ip -n "$EDGE" route add 172.20.0.0/16 via 10.50.0.12 dev wg0
	engine_start "$BACK" || { fail "[remote] dockerd on the backend host starts" "$(tail -3 "$ENGINE_LOG")"; return; }
	engine_import_busybox bb:1
	dk network create --subnet 172.20.0.0/16 appnet >/dev/null
	dk run -d --network appnet --ip 172.20.0.5 --name pub -p 8082:80 bb:1 \
		sh -c 'echo published > /www/index.html; exec httpd -f -p 80 -h /www' >/dev/null
	dk run -d --network appnet --ip 172.20.0.6 --name unpub bb:1 \
		sh -c 'echo unpublished > /www/index.html; exec httpd -f -p 80 -h /www' >/dev/null
	check "[remote] the backend's dockerd set its FORWARD policy DROP" bash -c \
		"ip netns exec $BACK iptables -S FORWARD | grep -qx -- '-P FORWARD DROP'"
	check "[remote] containers on the backend's Docker bridge network" wait_for 10 \
		ip netns exec "$BACK" curl -sf --max-time 1 -o /dev/null http://172.20.0.5/
	broker_start "$EDGE" 1883 || { fail "[remote] broker_start"; return; }
	agent_start "$EDGE" gw-rem ALLOWED_TARGETS=10.50.0.0/24,172.20.0.0/16
	wait_for 10 node_synced "$EDGE" gw-rem || { fail "[remote] agent synced"; return; }
	pub "$EDGE" -r -t edge/gw-rem/forwards/ctr -m '{"public_port": 9085, "target_ip": "172.20.0.5", "target_port": 80}'
	pub "$EDGE" -r -t edge/gw-rem/forwards/unpub -m '{"public_port": 9086, "target_ip": "172.20.0.6", "target_port": 80}'
	check "[remote] forwards to containers of another host applied" wait_for 5 bash -c \
		"status_is $EDGE gw-rem forwards ctr applied && status_is $EDGE gw-rem forwards unpub applied"
	check "[remote] a forward to a container across the mesh (its port published there)" \
		test "$(http 9085)" = published
	check "[remote] the backend's Docker drops an unpublished container port (its FORWARD DROP)" \
		test -z "$(http 9086)"
	echo "INFO [remote] dockerd $(dk version -f '{{.Server.Version}}') on the far side accepts routed traffic to published ports only"
	dk rm -f pub unpub >/dev/null
	engine_stop
}

variant nft
variant legacy
remote
t_done
