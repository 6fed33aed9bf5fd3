#!/usr/bin/env bash
# preserve_source with edge-agent on the target: three agents join the stand-in controller
# (userspace WireGuard over veth underlays), two edges forward to the same target with
# preserve_source, and nothing is set up by hand on any of them. The backend logs each
# client's own address (TCP and UDP), replies return through the edge they came from, a
# bulk transfer passes both ways (MSS), and the tunnel survives kill -9 of the target's
# agent, a deleted table and a deleted link. `edge-agent cleanup` removes it all.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/pki.sh"
require_root preserve_source_mesh
require_tools preserve_source_mesh mosquitto mosquitto_pub mosquitto_sub nft wireguard-go wg openssl
ip link add "pstp$$" type vxlan id 1 dstport 4789 2>/dev/null ||
	{ skip preserve_source_mesh "this kernel has no VXLAN links"; exit 77; }
ip link del "pstp$$"

W1=wgs$$a W2=wgs$$b WT=wgs$$t
cleanup_wg() { local i; for i in $W1 $W2 $WT; do pkill -f "wireguard-go $i" 2>/dev/null; rm -f /var/run/wireguard/$i.sock; done; }
trap 'cleanup_wg; t_cleanup' EXIT

CLIENT=$(netns_new client); E1=$(netns_new edge1); E2=$(netns_new edge2); T=$(netns_new target)
LAN=$(netns_new lan)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$E1" pub0 192.0.2.1/24
veth_link "$CLIENT" eth1 203.0.113.2/24 "$E2" pub0 203.0.113.1/24
veth_link "$E1" und0 172.30.1.1/24 "$T" und1 172.30.1.2/24
veth_link "$E2" und0 172.30.2.1/24 "$T" und2 172.30.2.2/24
# The target's public address (controller, WireGuard) and its own default route to a LAN
# that forwards nothing: unmarked, replies to the clients would leave that way and be lost.
veth_link "$T" lan0 192.168.77.2/24 "$LAN" eth0 192.168.77.1/24
ip -n "$T" addr add 172.30.9.9/32 dev lo
ip -n "$T" route add default via 192.168.77.1
ip -n "$E1" route add 172.30.9.9/32 via 172.30.1.2
ip -n "$E2" route add 172.30.9.9/32 via 172.30.2.2
# strict reverse-path filtering everywhere: the tunnel must not rely on a lax host
for ns in "$E1" "$E2" "$T"; do ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1; done

pki_server "$T_TMP/pki" 172.30.9.9 || { skip preserve_source_mesh "openssl cannot make a test CA"; exit 77; }
ip netns exec "$T" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 172.30.9.9:9000 \
	--token s3cret --state "$T_TMP/controller.json" --pool 10.50.0.0/24 --keepalive 1 \
	--tls-cert "$T_TMP/pki/srv.pem" --tls-key "$T_TMP/pki/srv.key" >> "$T_TMP/controller.log" 2>&1 &
T_PIDS+=($!)
for ns in "$E1" "$E2" "$T"; do broker_start "$ns" 1883 || { fail "preserve_source_mesh: brokers"; t_done; }; done

JOIN=(CONTROLLER_URL=https://172.30.9.9:9000 CONTROLLER_CA_FILE=$T_TMP/pki/ca.pem JOIN_TOKEN=s3cret
      JOIN_REFRESH_S=2 WG_BACKEND=userspace)
start_target() {
	agent_start "$T" tgt "${JOIN[@]}" WG_IFACE=$WT WG_ENDPOINT=172.30.9.9:51820 WG_CONF= "$@"
	T_PID=$AGENT_PID
}
start_target
agent_start "$E1" gw1 "${JOIN[@]}" WG_IFACE=$W1 WG_ENDPOINT=172.30.1.1:51820 WG_CONF=
agent_start "$E2" gw2 "${JOIN[@]}" WG_IFACE=$W2 WG_ENDPOINT=172.30.2.1:51820 WG_CONF=
addr_of() { ip -n "$1" -4 -o addr show dev "$2" 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
check "preserve_source_mesh: all three joined" wait_for 20 bash -c \
	"ip -n $T -4 addr show dev $WT | grep -q 'inet 10.50' && ip -n $E1 -4 addr show dev $W1 | grep -q 'inet 10.50' && ip -n $E2 -4 addr show dev $W2 | grep -q 'inet 10.50'"
TA=$(addr_of "$T" "$WT"); A1=$(addr_of "$E1" "$W1"); A2=$(addr_of "$E2" "$W2")
echo "target $TA, edge1 $A1, edge2 $A2"
check "preserve_source_mesh: each edge reaches the target through WireGuard" wait_for 20 bash -c \
	"ip netns exec $E1 ping -c1 -W1 $TA >/dev/null && ip netns exec $E2 ping -c1 -W1 $TA >/dev/null"
check "preserve_source_mesh: the target's agent made its tunnel (VXLAN, its mesh address)" wait_for 20 bash -c \
	"ip -n $T -d link show edge-pst | grep -q 'vxlan id 3749' && ip -n $T -4 addr show dev edge-pst | grep -q 'inet $TA/32'"
check "preserve_source_mesh: forwarding entries for both edges on the target" wait_for 20 bash -c \
	"ip netns exec $T bridge fdb show dev edge-pst | grep -q 'dst $A1' && ip netns exec $T bridge fdb show dev edge-pst | grep -q 'dst $A2'"
check "preserve_source_mesh: the edges' tunnels know the target" wait_for 20 bash -c \
	"ip netns exec $E1 bridge fdb show dev edge-pst | grep -q 'dst $TA' && ip netns exec $E2 bridge fdb show dev edge-pst | grep -q 'dst $TA'"

ip netns exec "$T" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)
# UDP answers from the address it was sent to (README: what a UDP service needs)
ip netns exec "$T" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 90 "$TA" &
T_PIDS+=($!)
ip netns exec "$T" /usr/bin/python3 "$ROOT/tests/lib/bulk_server.py" 81 &
T_PIDS+=($!)
for e in 1 2; do
	ns=$([ $e = 1 ] && echo "$E1" || echo "$E2")
	pub "$ns" -r -t "edge/gw$e/forwards/keep" -m "{\"public_port\": 8443, \"target_ip\": \"$TA\", \"target_port\": 80, \"preserve_source\": true}"
	pub "$ns" -r -t "edge/gw$e/forwards/keep-udp" -m "{\"public_port\": 8443, \"proto\": \"udp\", \"target_ip\": \"$TA\", \"target_port\": 90, \"preserve_source\": true}"
	pub "$ns" -r -t "edge/gw$e/forwards/bulk" -m "{\"public_port\": 8445, \"target_ip\": \"$TA\", \"target_port\": 81, \"preserve_source\": true}"
	pub "$ns" -r -t "edge/gw$e/forwards/masq" -m "{\"public_port\": 8444, \"target_ip\": \"$TA\", \"target_port\": 80}"
done
check "preserve_source_mesh: forwards applied on both edges" wait_for 10 bash -c \
	"status_is $E1 gw1 forwards bulk applied && status_is $E2 gw2 forwards bulk applied && status_is $E2 gw2 forwards masq applied"
at() { ip netns exec "$CLIENT" /usr/bin/python3 "$ROOT/tests/lib/probe.py" "$@"; }
serves() {
	[ "$(at tcp 192.0.2.1 8443 a)" = "backend tcp 192.0.2.2 a" ] &&
	[ "$(at tcp 203.0.113.1 8443 b)" = "backend tcp 203.0.113.2 b" ] &&
	[ "$(at udp 192.0.2.1 8443 c)" = "backend udp 192.0.2.2 c" ] &&
	[ "$(at udp 203.0.113.1 8443 d)" = "backend udp 203.0.113.2 d" ]
}
check "preserve_source_mesh: through edge1 over TCP the backend logs the client's own address" \
	test "$(at tcp 192.0.2.1 8443 a)" = "backend tcp 192.0.2.2 a"
check "preserve_source_mesh: through edge2 over TCP, the client's other address, replies via edge2" \
	test "$(at tcp 203.0.113.1 8443 b)" = "backend tcp 203.0.113.2 b"
check "preserve_source_mesh: through edge1 over UDP" test "$(at udp 192.0.2.1 8443 c)" = "backend udp 192.0.2.2 c"
check "preserve_source_mesh: through edge2 over UDP" test "$(at udp 203.0.113.1 8443 d)" = "backend udp 203.0.113.2 d"
bulk() { ip netns exec "$CLIENT" /usr/bin/python3 "$ROOT/tests/lib/bulk_client.py" "$1" 8445 500000 2000000; }
check "preserve_source_mesh: 0.5 MB up and 2 MB down through edge1 (segments fit the tunnel)" \
	test "$(bulk 192.0.2.1)" = "sent 500000 received 2000000 from 192.0.2.2"
check "preserve_source_mesh: the same through edge2" \
	test "$(bulk 203.0.113.1)" = "sent 500000 received 2000000 from 203.0.113.2"
check "preserve_source_mesh: a plain forward still masquerades (edge1's mesh address)" \
	test "$(at tcp 192.0.2.1 8444 e)" = "backend tcp $A1 e"
check "preserve_source_mesh: unmarked, the target would answer the clients by its LAN" \
	bash -c "ip -n $T route get 192.0.2.2 | grep -q 'dev lan0'"
# Only this node's addresses are reachable through the tunnel with a client's address.
check "preserve_source_mesh: the tunnel refuses to relay to another address" bash -c \
	"ip netns exec $T nft list table inet edge_agent_pst | grep -q 'fib daddr type != local drop'"
check "preserve_source_mesh: tunnel packets from outside WireGuard are dropped" bash -c \
	"ip netns exec $T nft list table inet edge_agent_pst | grep -q 'iifname != \"$WT\" udp dport 4789'"

# kill -9 of the target's agent: the tunnel keeps working meanwhile and after its restart
link_id() { ip -n "$T" -o link show edge-pst | cut -d: -f1; }
before=$(link_id)
kill -9 "$T_PID"; wait "$T_PID" 2>/dev/null
check "preserve_source_mesh: the target's agent killed, clients still served" serves
start_target
check "preserve_source_mesh: restarted, clients still served" wait_for 20 serves
check "preserve_source_mesh: the restart kept the same link (not recreated)" \
	test "$(link_id)" = "$before"
ip netns exec "$T" nft delete table netdev edge_agent_pst
check "preserve_source_mesh: a deleted table comes back" wait_for 30 bash -c \
	"ip netns exec $T nft list table netdev edge_agent_pst >/dev/null 2>&1"
check "preserve_source_mesh: and serves" wait_for 10 serves
ip -n "$T" link del edge-pst
check "preserve_source_mesh: a deleted link comes back with its tables" wait_for 30 bash -c \
	"ip -n $T link show edge-pst >/dev/null 2>&1 && ip netns exec $T nft list chain netdev edge_agent_pst egress >/dev/null 2>&1"
check "preserve_source_mesh: and serves again" wait_for 10 serves
check "preserve_source_mesh: the node status has no tunnel error" bash -c \
	"! retained $T edge/tgt/status | grep -q 'tunnel edge-pst'"

# PRESERVE_SOURCE_TUNNEL=off: the tunnel an earlier run left goes at start
kill -TERM "$T_PID"; wait "$T_PID" 2>/dev/null
start_target PRESERVE_SOURCE_TUNNEL=off
check "preserve_source_mesh: switched off, the tunnel's link and tables are removed" wait_for 10 bash -c \
	"! ip -n $T link show edge-pst >/dev/null 2>&1 && ! ip netns exec $T nft list tables | grep -q edge_agent_pst"
check "preserve_source_mesh: switched off, WireGuard still up" wait_for 10 \
	ip netns exec "$E1" ping -c1 -W1 "$TA"
kill -TERM "$T_PID"; wait "$T_PID" 2>/dev/null
start_target
check "preserve_source_mesh: on again, it serves" wait_for 30 serves

# edge-agent cleanup removes the link, the rules and the tables
kill -TERM "$T_PID"; wait "$T_PID" 2>/dev/null
ip netns exec "$T" env -i PATH="$PATH" NODE_ID=tgt DATA_DIR="$T_TMP/tgt/data" "$AGENT" cleanup >> "$T_TMP/tgt.log" 2>&1
check "preserve_source_mesh: cleanup removed the link" bash -c "! ip -n $T link show edge-pst 2>/dev/null"
check "preserve_source_mesh: cleanup removed the rules" bash -c "! ip -n $T rule | grep -q 'lookup 3750'"
check "preserve_source_mesh: cleanup removed the tables" bash -c \
	"! ip netns exec $T nft list tables | grep -q edge_agent_pst"
[ "$T_FAILED" = 0 ] || { tail -30 "$T_TMP/tgt.log"; tail -15 "$T_TMP/gw1.log"; }
t_done
