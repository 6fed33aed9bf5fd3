#!/usr/bin/env bash
# preserve_source: the backend sees the client's own address, over WireGuard (wireguard-go),
# with two edges forwarding to the same backend, each getting its own replies back. The
# backend side is what README "preserve_source: what the target needs" prescribes: one
# WireGuard interface per edge, the interface a connection came in on kept in its conntrack
# mark, and replies routed by that mark back into the same interface.
source "$(dirname "$0")/../lib/lib.sh"
require_root preserve_source
require_tools preserve_source mosquitto mosquitto_pub mosquitto_sub nft wireguard-go wg

CLIENT=$(netns_new client); E1=$(netns_new edge1); E2=$(netns_new edge2); BACK=$(netns_new back)
LAN=$(netns_new lan)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$E1" pub0 192.0.2.1/24
veth_link "$CLIENT" eth1 203.0.113.2/24 "$E2" pub0 203.0.113.1/24
veth_link "$E1" u0 172.31.1.1/24 "$BACK" u1 172.31.1.2/24
veth_link "$E2" u0 172.31.2.1/24 "$BACK" u2 172.31.2.2/24
# The backend's own default route goes to its LAN (a gateway that forwards nothing), as on
# a real host: without the marks, replies to clients would leave that way and be lost.
veth_link "$BACK" lan0 192.168.77.2/24 "$LAN" eth0 192.168.77.1/24
ip -n "$BACK" route add default via 192.168.77.1
ip netns exec "$BACK" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

# wg IFACE NS ADDR PORT PEER_PUB PEER_ALLOWED PEER_ENDPOINT KEYFILE
W1=wgpe$$a W2=wgpe$$b B1=wgpb$$a B2=wgpb$$b
wg_up() {
	ip netns exec "$2" env WG_PROCESS_FOREGROUND=1 wireguard-go "$1" >>"$T_TMP/wg-$1.log" 2>&1 &
	T_PIDS+=($!)
	wait_for 5 ip -n "$2" link show "$1" >/dev/null 2>&1 || return 1
	ip netns exec "$2" wg set "$1" private-key "$8" listen-port "$4" peer "$5" allowed-ips "$6" \
		endpoint "$7" persistent-keepalive 1 || return 1
	ip -n "$2" addr add "$3" dev "$1" && ip -n "$2" link set "$1" mtu 1420 up
}
for k in e1 e2 b1 b2; do wg genkey > "$T_TMP/$k.key"; wg pubkey < "$T_TMP/$k.key" > "$T_TMP/$k.pub"; done
wg_up "$W1" "$E1" 10.60.1.1/24 51820 "$(cat "$T_TMP/b1.pub")" 10.60.1.2/32 172.31.1.2:51821 "$T_TMP/e1.key" &&
wg_up "$W2" "$E2" 10.60.2.1/24 51820 "$(cat "$T_TMP/b2.pub")" 10.60.2.2/32 172.31.2.2:51822 "$T_TMP/e2.key" &&
wg_up "$B1" "$BACK" 10.60.1.2/24 51821 "$(cat "$T_TMP/e1.pub")" 0.0.0.0/0 172.31.1.1:51820 "$T_TMP/b1.key" &&
wg_up "$B2" "$BACK" 10.60.2.2/24 51822 "$(cat "$T_TMP/e2.pub")" 0.0.0.0/0 172.31.2.1:51820 "$T_TMP/b2.key" ||
	{ fail "preserve_source: wireguard-go tunnels up"; t_done; }

# The target side: replies leave by the interface their connection came in on.
ip netns exec "$BACK" nft -f - <<NFT
table inet edge_return {
	chain in {
		type filter hook prerouting priority mangle; policy accept;
		iifname "$B1" ct mark set 0x101
		iifname "$B2" ct mark set 0x102
	}
	chain out {
		type route hook output priority mangle; policy accept;
		ct mark { 0x101, 0x102 } meta mark set ct mark
	}
}
NFT
ip -n "$BACK" rule add fwmark 0x101 table 101 && ip -n "$BACK" route add default dev "$B1" table 101
ip -n "$BACK" rule add fwmark 0x102 table 102 && ip -n "$BACK" route add default dev "$B2" table 102
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)
# UDP answers from the address it was sent to (bound, as a UDP service must be; README)
for e in 1 2; do
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 90 "10.60.$e.2" &
	T_PIDS+=($!)
done

check "preserve_source: tunnels carry traffic (edge1)" wait_for 10 ip netns exec "$E1" ping -c1 -W1 10.60.1.2
check "preserve_source: tunnels carry traffic (edge2)" wait_for 10 ip netns exec "$E2" ping -c1 -W1 10.60.2.2

broker_start "$E1" 1883 && broker_start "$E2" 1883 || { fail "preserve_source: brokers"; t_done; }
agent_start "$E1" gw1 ALLOWED_TARGETS=10.60.0.0/16 WG_IFACE="$W1"
agent_start "$E2" gw2 ALLOWED_TARGETS=10.60.0.0/16 WG_IFACE="$W2"
check "preserve_source: both agents synced" wait_for 10 bash -c "node_synced $E1 gw1 && node_synced $E2 gw2"
for e in 1 2; do
	ns=$([ $e = 1 ] && echo "$E1" || echo "$E2")
	pub "$ns" -r -t "edge/gw$e/forwards/keep" -m "{\"public_port\": 8443, \"target_ip\": \"10.60.$e.2\", \"target_port\": 80, \"preserve_source\": true}"
	pub "$ns" -r -t "edge/gw$e/forwards/keep-udp" -m "{\"public_port\": 8443, \"proto\": \"udp\", \"target_ip\": \"10.60.$e.2\", \"target_port\": 90, \"preserve_source\": true}"
	pub "$ns" -r -t "edge/gw$e/forwards/masq" -m "{\"public_port\": 8444, \"target_ip\": \"10.60.$e.2\", \"target_port\": 80}"
done
check "preserve_source: forwards applied on both edges" wait_for 5 bash -c \
	"status_is $E1 gw1 forwards keep applied && status_is $E2 gw2 forwards keep-udp applied && status_is $E2 gw2 forwards masq applied"
at() { ip netns exec "$CLIENT" /usr/bin/python3 "$ROOT/tests/lib/probe.py" "$1" "$2" "$3" "$4"; }
check "preserve_source: through edge1 over TCP the backend logs the client's own address" \
	test "$(at tcp 192.0.2.1 8443 a)" = "backend tcp 192.0.2.2 a"
check "preserve_source: through edge2 over TCP, the client's other address, replies via edge2" \
	test "$(at tcp 203.0.113.1 8443 b)" = "backend tcp 203.0.113.2 b"
check "preserve_source: through edge1 over UDP" test "$(at udp 192.0.2.1 8443 c)" = "backend udp 192.0.2.2 c"
check "preserve_source: through edge2 over UDP" test "$(at udp 203.0.113.1 8443 d)" = "backend udp 203.0.113.2 d"
check "preserve_source: a plain forward still masquerades (edge1's mesh address)" \
	test "$(at tcp 192.0.2.1 8444 e)" = "backend tcp 10.60.1.1 e"
check "preserve_source: unmarked, the backend would answer the clients by its LAN" \
	bash -c "ip -n $BACK route get 192.0.2.2 | grep -q 'dev lan0'"
t_done
