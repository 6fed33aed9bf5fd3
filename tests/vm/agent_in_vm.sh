# The real edge-agent on the kernel backend, inside the VM of
# tests/integration/wg_kernel_vm.sh. Sourced by that test's /init (busybox sh), after the
# driver checks: it uses their pass/fail/expect/up helpers and ip(). The host put into the
# initramfs /edge-agent (with its libraries and loader), /usr/sbin/nft, /agent-data (a
# DATA_DIR with wg.key and join.json, both 0600), /agent.env (keys) and /mods/order.nft.
#
# 1. No nfnetlink (NETLINK_NETFILTER) and no nf_tables, then nfnetlink without nf_tables
#    (no modprobe in the VM, so the kernel cannot load them on demand): the agent cannot
#    build its table but must still bring WireGuard up from the cached join and keep
#    running.
# 2. nf_tables and the NAT modules loaded: the agent in namespace "edge" creates wg0 over
#    genl from the cached join, the driver configures the peer in namespace "peer"; ping
#    and handshake through the tunnel, the WG_CONF file, the nftables table, the periodic
#    re-check that must not touch the live peer, and SIGTERM leaving the tunnel up.
# No broker listens on MQTT_URL: the agent retries the whole time.

. /agent.env
AG=vm1

# agent_start NS DIR WG_CONF: a fresh tmpfs DATA_DIR from /agent-data; log in DIR/agent.log
agent_start() {
	mkdir -p "$2/dynamic"
	cp -a /agent-data "$2/data"
	/usr/sbin/ip netns exec "$1" env -i PATH="$PATH" NODE_ID=$AG MQTT_URL=mqtt://127.0.0.1:1 \
		WG_BACKEND=kernel WG_IFACE=wg0 DATA_DIR="$2/data" TRAEFIK_DYNAMIC_DIR="$2/dynamic" \
		MESH_NETWORK=10.60.0.0/15 WG_CONF="$3" LOG_LEVEL=debug /edge-agent > "$2/agent.log" 2>&1 &
	AGENT_PID=$!
	AGENT_T0=$(up)
}
# wait_until SECONDS COMMAND: polls every 0.2 s
wait_until() {
	_end=$(awk -v n="$(up)" -v s="$1" 'BEGIN {print n + s}'); shift
	while ! eval "$*"; do
		awk -v n="$(up)" -v e="$_end" 'BEGIN {exit !(n >= e)}' && return 1
		sleep 0.2
	done
}
since() { awk -v n="$(up)" -v t="$1" 'BEGIN {printf "%.1f", n - t}'; }
wg0_ready() {  # NS: up with the join's address and MTU
	ip -n "$1" link show wg0 2>/dev/null | grep -q 'UP.* mtu 1380 ' &&
		ip -n "$1" addr show dev wg0 | grep -q 'inet 10.60.0.1/24'
}
alive() { kill -0 "$AGENT_PID" 2>/dev/null; }
log_lines() { grep -v ' debug ' "$1" | sed "s/^/  $2: /"; }

# no_nft_run LABEL: the agent in a fresh namespace while nftables is (partly) missing
no_nft_run() {
	ip netns add nonft
	ip -n nonft link set lo up
	rm -rf /tmp/nonft
	agent_start nonft /tmp/nonft /tmp/nonft/wg0.conf
	wait_until 20 '{ wg0_ready nonft && [ -s /tmp/nonft/wg0.conf ]; } || ! alive'
	sleep 1
	if alive; then
		st="running"
	else
		wait "$AGENT_PID"; st="exited with status $?: $(grep -v ' debug ' /tmp/nonft/agent.log | tail -1)"
	fi
	echo "  agent ($1): $st; wg0 $(wg0_ready nonft && echo up || echo NOT up) $(since "$AGENT_T0") s after start"
	log_lines /tmp/nonft/agent.log "agent ($1)" | grep -v 'mqtt: could not connect' | head -12
	expect "agent, $1: wg0 still created over genl, up from the cached join" \
		'wg0_ready nonft && ip -n nonft -d link show wg0 | grep -q wireguard'
	expect "agent, $1: keeps running, it needs no nftables for WireGuard ($st)" 'alive'
}
no_nft_stop() {
	kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
	ip netns del nonft
}
# insmod_once MODULE.ko...: loads those not loaded yet; ok=0 if one fails
insmod_once() {
	for m in "$@"; do
		grep -q "^$(echo "${m%.ko}" | tr - _) " /proc/modules || insmod "/mods/$m" || ok=0
	done
}

echo "  --- the agent, no nfnetlink and no nf_tables ---"
expect "nfnetlink and nf_tables are not loaded yet" '! grep -q "^nfnetlink \|^nf_tables " /proc/modules'
no_nft_run "no nfnetlink"
no_nft_stop

echo "  --- the agent, nfnetlink but no nf_tables ---"
ok=1; insmod_once nfnetlink.ko
expect "nfnetlink loads" '[ $ok = 1 ]'
no_nft_run "nfnetlink without nf_tables"
expect "agent, nfnetlink without nf_tables: logs the nftables failure" \
	'grep -i "nft" /tmp/nonft/agent.log | grep -qi "error\|fail\|not supported"'
no_nft_stop

echo "  --- the agent, nf_tables loaded ---"
ok=1; insmod_once $(cat /mods/order.nft)
expect "nftables modules load ($(wc -l < /mods/order.nft) modules)" '[ $ok = 1 ]'

ip netns add edge; ip netns add peer
ip -n edge link set lo up; ip -n peer link set lo up
ip link add e0 netns edge type veth peer name p0 netns peer
ip -n edge addr add 192.168.95.1/24 dev e0; ip -n edge link set e0 up
ip -n peer addr add 192.168.95.2/24 dev p0; ip -n peer link set p0 up
ip -n peer addr add 10.61.0.1/32 dev lo

# the peer first (kernel backend through the driver), so the agent's first handshake lands
expect "agent: no wg0 in its namespace before it starts" '! ip -n edge link show wg0 >/dev/null 2>&1'
ip netns exec peer /drv apply kernel wgp "$PEER_PRIV_HEX" 51821 10.60.0.2/24 1380 \
	"pub=$AG_PUB_HEX,ep=192.168.95.1:51820,ips=10.60.0.0/24" 2>&1 | sed 's/^/  peer: /'
agent_start edge /tmp/edge /tmp/wg0.conf
wait_until 20 'wg0_ready edge && [ -s /tmp/wg0.conf ]'
echo "  agent: wg0 configured $(since "$AGENT_T0") s after start"
log=/tmp/edge/agent.log
expect "agent log: it picked the kernel backend" \
	'grep -q "wireguard: kernel backend for wg0; bringing it up from the cache" $log'
expect "agent: wg0 exists and its kind is wireguard (the kernel backend made it)" \
	'ip -n edge -d link show wg0 | grep -q "wireguard"'
expect "agent: wg0 is UP with MTU 1380 and address 10.60.0.1/24 from the join" 'wg0_ready edge'
expect "agent: routes for the allowed IPs, protocol 237" \
	'ip -n edge route show proto 237 | grep -q "^10.61.0.0/24 dev wg0"'
ip -n edge route show dev wg0 | sed 's/^/  agent route: /'
# the preserve_source tunnel on Debian's own kernel: VXLAN link, egress hook, maps, rules
wait_until 10 'ip netns exec edge nft list table netdev edge_agent_pst >/dev/null 2>&1'
grep -i "tunnel" /tmp/edge/agent.log | grep -v ' debug ' | sed 's/^/  agent: /' | head -3
expect "agent: the preserve_source tunnel edge-pst is a VXLAN link with the mesh address" \
	'ip -n edge -d link show edge-pst | grep -q "vxlan id 3749" && ip -n edge addr show dev edge-pst | grep -q "inet 10.60.0.1/32"'
expect "agent: its tables load on this kernel (netdev egress hook, maps) and know the peer" \
	'ip netns exec edge nft list table netdev edge_agent_pst | grep -q "10.61.0.0/24 : 02:ea:0a:3c:00:02" &&
	 ip netns exec edge nft list table inet edge_agent_pst | grep -q "ether saddr map @from_mac"'
expect "agent: its rules and routes (tables 3749, 3750)" \
	'ip -n edge rule | grep -q "lookup 3750" && ip -n edge route show table 3749 | grep -q "10.61.0.0/24 dev edge-pst"'
ip netns exec edge /drv show kernel wg0 > /tmp/ag_show 2>&1
sed 's/^/  agent genl: /' /tmp/ag_show
sp=$(echo "$PEER_PUB_HEX" | cut -c1-8); sa=$(echo "$AG_PUB_HEX" | cut -c1-8)
expect "agent: genl reads back the join (port 51820, the peer, keepalive 25, allowed IPs)" \
	'grep -q "^device wg0 public=$sa port=51820 peers=1$" /tmp/ag_show &&
	 grep -q "^peer $sp .* ka=25 allowed=10.60.0.2/32+10.61.0.0/24$" /tmp/ag_show'

t0=$(up)
i=0; while ! ip netns exec peer ping -c 1 -W 1 10.60.0.1 >/dev/null 2>&1 && [ $i -lt 10 ]; do i=$((i + 1)); done
expect "peer -> agent: ping 10.60.0.1 through the kernel tunnel" \
	'ip netns exec peer ping -c 1 -W 1 10.60.0.1 >/dev/null 2>&1'
echo "  ping answered $(since "$t0") s after the first try ($(since "$AGENT_T0") s after the agent started)"
ppeer=$(ip netns exec peer /drv show kernel wgp | grep "^peer $sa")
echo "  peer genl: $ppeer"
hs=$(field "$ppeer" handshake); rx=$(field "$ppeer" rx)
expect "peer: latest handshake with the agent is non-zero ($hs), bytes received ($rx)" \
	'[ "${hs:-0}" -gt 0 ] && [ "${rx:-0}" -gt 0 ]'
expect "agent -> 10.61.0.1 (a peer's allowed prefix) over the agent's route" \
	'ip netns exec edge ping -c 1 -W 2 10.61.0.1 >/dev/null 2>&1'
ip netns exec edge wg show wg0 | sed 's/^/  wg show: /'

mode=$(stat -c %a /tmp/wg0.conf 2>/dev/null)
expect "agent: WG_CONF /tmp/wg0.conf written with mode 0600 (is $mode)" '[ "$mode" = 600 ]'
expect "agent: WG_CONF holds the key, address, MTU and the peer" \
	'grep -qxF "PrivateKey = $AG_PRIV" /tmp/wg0.conf && grep -qx "Address = 10.60.0.1/24" /tmp/wg0.conf &&
	 grep -qx "MTU = 1380" /tmp/wg0.conf && grep -qxF "PublicKey = $PEER_PUB" /tmp/wg0.conf'
grep -v PrivateKey /tmp/wg0.conf | sed 's/^/  wg0.conf: /'

ip netns exec edge nft list table inet edge_agent > /tmp/nft.out 2>&1
expect "agent: nftables table inet edge_agent in place (DNAT maps, masquerade out wg0)" \
	'grep -q "map fwd_tcp" /tmp/nft.out && grep -q "oifname \"wg0\" ct status dnat masquerade" /tmp/nft.out'
expect "agent: net.ipv4.ip_forward=1 in its namespace" \
	'[ "$(ip netns exec edge cat /proc/sys/net/ipv4/ip_forward)" = 1 ]'
expect "agent: no nftables error in its log" '! grep -i "nft" $log | grep -qi "error\|fail"'

# the agent re-checks the device every 10 s: the unchanged peer must not be touched
wait_until 15 '[ "$(since "$AGENT_T0" | cut -d. -f1)" -ge 11 ]'
pa=$(ip netns exec edge /drv show kernel wg0 | grep "^peer $sp")
pp=$(ip netns exec peer /drv show kernel wgp | grep "^peer $sa")
hs_a=$(field "$(grep "^peer $sp" /tmp/ag_show)" handshake)
expect "agent: after its 10 s re-check, one update in the log and the session untouched" \
	'[ "$(grep -c "wireguard: updating wg0" $log)" = 1 ] && [ "$(field "$pp" handshake)" = "$hs" ] &&
	 [ "$(field "$pa" handshake)" = "$hs_a" ]'
expect "agent: still running, retrying MQTT ($(grep -c "mqtt: could not connect" $log) failed connects logged)" \
	'alive && grep -q "mqtt: could not connect to 127.0.0.1:1" $log'
log_lines $log agent | head -20

kill -TERM "$AGENT_PID"; wait "$AGENT_PID"; rc=$?
tail -2 $log | sed 's/^/  agent after SIGTERM: /'
expect "agent: SIGTERM exits ($rc); wg0 stays up and the tunnel answers" \
	'[ $rc = 0 ] && wg0_ready edge && ip netns exec peer ping -c 1 -W 2 10.60.0.1 >/dev/null 2>&1'
expect "agent: no sanitizer report" '! grep -q "Sanitizer\|runtime error" /tmp/edge/agent.log /tmp/nonft/agent.log'
