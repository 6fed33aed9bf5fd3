#!/usr/bin/env bash
# Targets in a container network behind a mesh peer: a remote bridge subnet
# (172.20.0.0/16, "container" 172.20.0.5) sits behind the backend namespace, routed to
# over the mesh link (a plain veth standing in for wg0; the route is what the peer's
# allowed IPs give with real WireGuard). The far side routes only: no NAT rule at all.
# The edge masquerades out wg0, so the container sees the edge's mesh address and its
# replies go back over the mesh. Forwards (TCP, UDP) and routes must both work.
source "$(dirname "$0")/../lib/lib.sh"
require_root docker_coexist_remote

EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back); CTR=$(netns_new ctr)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" wg0 10.50.0.12/24
ip -n "$CLIENT" route add default via 192.0.2.1
# the far side: a bridge like docker's, one container on it, forwarding on, no NAT
ip -n "$BACK" link add br-remote type bridge
ip -n "$BACK" addr add 172.20.0.1/16 dev br-remote
ip -n "$BACK" link set br-remote up
ip link add "vc$$" type veth peer name "vd$$"
ip link set "vc$$" netns "$BACK" name vctr0
ip link set "vd$$" netns "$CTR" name eth0
ip -n "$BACK" link set vctr0 master br-remote up
ip -n "$CTR" addr add 172.20.0.5/16 dev eth0
ip -n "$CTR" link set eth0 up
ip -n "$CTR" route add default via 172.20.0.1
ip netns exec "$BACK" sysctl -qw net.ipv4.ip_forward=1
# the edge reaches the remote subnet through the peer, as WireGuard's allowed IPs route it
ip -n "$EDGE" route add 172.20.0.0/16 via 10.50.0.12 dev wg0
ip netns exec "$CTR" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" container 80 &
T_PIDS+=($!)
export EDGE CLIENT BACK CTR

no_nat_far_side() {
	[ -z "$(ip netns exec "$BACK" nft list ruleset 2>/dev/null)" ] &&
	! ip netns exec "$BACK" iptables-legacy-save 2>/dev/null | grep -qE 'MASQUERADE|SNAT'
}
check "far side: no nftables ruleset, no NAT" no_nat_far_side

broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24,172.20.0.0/16
DYN=$T_TMP/gw1/dynamic
check "agent synced" wait_for 10 node_synced "$EDGE" gw1

pub "$EDGE" -r -t edge/gw1/forwards/ctr-web -m '{"public_port": 9080, "target_ip": "172.20.0.5", "target_port": 80}'
pub "$EDGE" -r -t edge/gw1/forwards/ctr-dns -m '{"public_port": 9053, "target_ip": "172.20.0.5", "target_port": 80, "proto": "udp"}'
pub "$EDGE" -r -t edge/gw1/routes/ctr-app -m '{"hostname": "app.example.com", "target_url": "http://172.20.0.5:80"}'
pub "$EDGE" -r -t edge/gw1/forwards/outside -m '{"public_port": 9081, "target_ip": "172.21.0.5", "target_port": 80}'
check "forward to the remote container applied (TCP)" wait_for 5 status_is "$EDGE" gw1 forwards ctr-web applied
check "forward to the remote container applied (UDP)" wait_for 5 status_is "$EDGE" gw1 forwards ctr-dns applied
check "route to the remote container applied" wait_for 5 status_is "$EDGE" gw1 routes ctr-app applied
check "a subnet outside ALLOWED_TARGETS is still refused" wait_for 5 status_is "$EDGE" gw1 forwards outside rejected

reply=$(probe tcp 9080 hi)
check "TCP from the client reaches the container; it sees the edge's mesh address" \
	test "$reply" = "container tcp 10.50.0.1 hi"
reply=$(probe udp 9053 ping)
check "UDP from the client reaches the container" test "$reply" = "container udp 10.50.0.1 ping"
check "the Traefik file points at the container" grep -q 'http://172.20.0.5:80' "$DYN/edge-agent.gw1.ctr-app.yml"
reply=$(ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/lib/probe.py" tcp 172.20.0.5 80 traefik)
check "the edge host itself (Traefik's side of a route) reaches the container over the mesh" \
	test "$reply" = "container tcp 10.50.0.1 traefik"
check "far side still has no NAT after the traffic" no_nat_far_side
t_done
