#!/usr/bin/env bash
# The mesh policy against a hostile controller and hostile edge/<node>/wireguard messages:
# each malicious answer is served by the stand-in controller (--answer) or published on the
# bus, and afterwards the host's routes (and `ip route get 1.1.1.1`), addresses, nftables
# ruleset and WireGuard peers are exactly as before, and the node status names the refusal.
# The edge: uplink 192.0.2.10/24 (default route), a LAN bridge 10.50.200.1/24 inside
# MESH_NETWORK 10.50.0.0/16, real wireguard-go brought up by the agent.
source "$(dirname "$0")/../lib/lib.sh"
require_root mesh_policy
command -v wireguard-go >/dev/null || { skip mesh_policy "wireguard-go not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { skip mesh_policy "/usr/bin/python3 is missing"; exit 77; }
WGP=wgp$$                         # the UAPI socket dir is shared: a unique name
EDGE=$(netns_new edge) || { skip mesh_policy "cannot create a network namespace"; exit 77; }
UP=$(netns_new up)
veth_link "$EDGE" pub0 192.0.2.10/24 "$UP" eth0 192.0.2.1/24
ip -n "$EDGE" route add default via 192.0.2.1
ip -n "$EDGE" link add lan0 type bridge && ip -n "$EDGE" addr add 10.50.200.1/24 dev lan0 &&
	ip -n "$EDGE" link set lan0 up || { skip mesh_policy "cannot create a bridge"; exit 77; }
export EDGE
cleanup_wg() { pkill -f "wireguard-go $WGP\$" 2>/dev/null; rm -f "/var/run/wireguard/$WGP.sock"; }
trap 'cleanup_wg; t_cleanup' EXIT

K1=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
# answer ADDRESS ENDPOINT ALLOWED: one peer; ENDPOINT "" for none; ALLOWED a JSON list body
answer() {
	local ep=""
	[ -n "$2" ] && ep=",\"endpoint\":\"$2\""
	printf '{"address":"%s","listen_port":51820,"peers":[{"public_key":"%s"%s,"allowed_ips":[%s]}]}\n' \
		"$1" "$K1" "$ep" "$3"
}
# status_names PART TEXT: the node status's PART ("wireguard" for the join, "errors" for
# the bus) carries TEXT in some string (JSON-decoded)
status_names() {
	retained "$EDGE" edge/gw1/status | /usr/bin/python3 -c '
import json, sys
def strings(v):
    if isinstance(v, str): yield v
    elif isinstance(v, dict):
        for x in v.values(): yield from strings(x)
    elif isinstance(v, list):
        for x in v: yield from strings(x)
try: doc = json.load(sys.stdin)[sys.argv[1]]
except (ValueError, KeyError): sys.exit(1)
sys.exit(0 if any(sys.argv[2] in s for s in strings(doc)) else 1)' "$1" "$2"
}
export -f status_names
snapshot() {
	{
		ip -n "$EDGE" -4 route; ip -n "$EDGE" -6 route; ip -n "$EDGE" route get 1.1.1.1
		ip -n "$EDGE" -br addr; ip netns exec "$EDGE" nft list ruleset
		ip netns exec "$EDGE" wg show "$WGP" allowed-ips; ip netns exec "$EDGE" wg show "$WGP" endpoints
		ip netns exec "$EDGE" wg show "$WGP" listen-port
	} 2>&1
}

# --- CONTROLLER_URL: plain HTTP only to loopback
out=$(ip netns exec "$EDGE" env -i NODE_ID=gw1 CONTROLLER_URL=http://192.0.2.1:9000 JOIN_TOKEN=t "$AGENT" 2>&1)
check "plain http:// controller off loopback refused at start, naming CONTROLLER_URL" \
	grep -q 'CONTROLLER_URL "http://192.0.2.1:9000" is invalid (accepted: https:// URL, or http:// to a loopback' <<<"$out"
out=$(ip netns exec "$EDGE" env -i NODE_ID=gw1 MESH_NETWORK=0.0.0.0/1 "$AGENT" 2>&1)
check "a public MESH_NETWORK refused at start" grep -q 'MESH_NETWORK "0.0.0.0/1" is not private space' <<<"$out"

# --- a good join first: the last good configuration every refusal must keep
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
ANSWER=$T_TMP/answer.json
answer 10.50.0.2/24 192.0.2.50:51820 '"10.50.0.3/32", "10.50.1.0/24"' > "$ANSWER"
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 127.0.0.1:9000 \
	--token s3cret --state "$T_TMP/ctl.json" --answer "$ANSWER" >> "$T_TMP/controller.log" 2>&1 &
T_PIDS+=($!)
wait_for 10 port_open "$EDGE" 9000 || { fail "controller starts"; t_done; }
agent_start "$EDGE" gw1 CONTROLLER_URL=http://127.0.0.1:9000 JOIN_TOKEN=s3cret JOIN_REFRESH_S=1 \
	WG_BACKEND=userspace WG_IFACE=$WGP WG_CONF= MESH_NETWORK=10.50.0.0/16
check "good join applied: mesh address on the interface" \
	wait_for 20 bash -c "ip -n $EDGE -4 addr show dev $WGP 2>/dev/null | grep -q 'inet 10.50.0.2/24'"
check "good join applied: peer route" wait_for 10 bash -c "ip -n $EDGE route | grep -q '10.50.1.0/24 dev $WGP'"
pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.3", "target_port": 80}'
pub "$EDGE" -r -t edge/gw1/forwards/out -m '{"public_port": 8081, "target_ip": "1.1.1.1", "target_port": 80}'
check "forward into the mesh applied" wait_for 10 status_is "$EDGE" gw1 forwards web applied
check "ALLOWED_TARGETS from the mesh: a public target refused" wait_for 5 bash -c \
	"retained $EDGE edge/gw1/status/forwards/out | grep -q 'outside ALLOWED_TARGETS (allowed: 10.50.0.0/16)'"
check "uplink carries 1.1.1.1" bash -c "ip -n $EDGE route get 1.1.1.1 | grep -q 'dev pub0'"
sleep 1.5   # one more refresh of the same answer: nothing changes after it
BEFORE=$(snapshot)

# name | address | endpoint | allowed IPs | what the status must say
CASES=(
	"covering /1 pair|10.50.0.2/24|192.0.2.50:51820|\"0.0.0.0/1\", \"128.0.0.0/1\"|allowed_ips[0] \"0.0.0.0/1\" is outside the mesh network 10.50.0.0/16"
	"second half /1|10.50.0.2/24|192.0.2.50:51820|\"10.50.0.3/32\", \"128.0.0.0/1\"|allowed_ips[1] \"128.0.0.0/1\" is outside the mesh network"
	"default route|10.50.0.2/24|192.0.2.50:51820|\"0.0.0.0/0\"|0.0.0.0/0"
	"public network|10.50.0.2/24|192.0.2.50:51820|\"1.1.1.0/24\"|allowed_ips[0] \"1.1.1.0/24\" is outside the mesh network"
	"wider than the mesh|10.50.0.2/24|192.0.2.50:51820|\"10.50.0.0/15\"|allowed_ips[0] \"10.50.0.0/15\" is outside the mesh network"
	"IPv6 covering|10.50.0.2/24|192.0.2.50:51820|\"::/1\"|allowed_ips[0] \"::/1\" is outside the mesh network"
	"uplink network|10.50.0.2/24|192.0.2.50:51820|\"192.0.2.0/24\"|allowed_ips[0] \"192.0.2.0/24\" is outside the mesh network"
	"LAN network|10.50.0.2/24|192.0.2.50:51820|\"10.50.200.0/24\"|\"10.50.200.0/24\" overlaps this host's network 10.50.200.1/24"
	"LAN address|10.50.0.2/24|192.0.2.50:51820|\"10.50.200.1/32\"|\"10.50.200.1/32\" overlaps this host's network 10.50.200.1/24"
	"covering the LAN|10.50.0.2/24|192.0.2.50:51820|\"10.50.128.0/17\"|\"10.50.128.0/17\" overlaps this host's network 10.50.200.1/24"
	"address /1|130.0.0.2/1|192.0.2.50:51820|\"10.50.0.3/32\"|address \"130.0.0.2/1\" is outside the mesh network 10.50.0.0/16"
	"address wider than the mesh|10.50.0.2/8|192.0.2.50:51820|\"10.50.0.3/32\"|address \"10.50.0.2/8\" is outside the mesh network"
	"address public|198.51.100.2/24|192.0.2.50:51820|\"10.50.0.3/32\"|address \"198.51.100.2/24\" is outside the mesh network"
	"address over the LAN|10.50.200.7/24|192.0.2.50:51820|\"10.50.0.3/32\"|address \"10.50.200.7/24\" would route 10.50.200.0/24 over the mesh"
	"address route covering the LAN|10.50.0.2/16|192.0.2.50:51820|\"10.50.0.3/32\"|address \"10.50.0.2/16\" would route 10.50.0.0/16 over the mesh"
	"address of the LAN|10.50.200.1/32|192.0.2.50:51820|\"10.50.0.3/32\"|address \"10.50.200.1/32\" is an address of another interface"
	"endpoint loopback|10.50.0.2/24|127.0.0.1:53|\"10.50.0.3/32\"|endpoint \"127.0.0.1:53\" is loopback"
	"endpoint IPv6 loopback|10.50.0.2/24|[::1]:51820|\"10.50.0.3/32\"|endpoint \"[::1]:51820\" is loopback"
	"endpoint mapped loopback|10.50.0.2/24|[::ffff:127.0.0.1]:51820|\"10.50.0.3/32\"|endpoint \"[::ffff:127.0.0.1]:51820\" is loopback"
	"endpoint multicast|10.50.0.2/24|224.0.0.251:5353|\"10.50.0.3/32\"|endpoint \"224.0.0.251:5353\" is multicast"
	"endpoint unspecified|10.50.0.2/24|0.0.0.0:51820|\"10.50.0.3/32\"|endpoint \"0.0.0.0:51820\" is unspecified"
	"endpoint broadcast|10.50.0.2/24|255.255.255.255:51820|\"10.50.0.3/32\"|endpoint \"255.255.255.255:51820\" is broadcast"
	"endpoint the uplink address|10.50.0.2/24|192.0.2.10:51820|\"10.50.0.3/32\"|endpoint \"192.0.2.10:51820\" is an address of this host"
	"endpoint the LAN address|10.50.0.2/24|10.50.200.1:51820|\"10.50.0.3/32\"|endpoint \"10.50.200.1:51820\" is an address of this host"
	"endpoint inside the mesh|10.50.0.2/24|10.50.0.9:51820|\"10.50.0.3/32\"|endpoint \"10.50.0.9:51820\" is inside the mesh network"
)

n=0
for c in "${CASES[@]}"; do
	IFS='|' read -r name addr ep allowed want <<<"$c"
	n=$((n + 1))
	# the controller's answer
	answer "$addr" "$ep" "$allowed" > "$ANSWER.tmp" && mv "$ANSWER.tmp" "$ANSWER"
	check "join $n ($name): status names the refusal" wait_for 10 status_names wireguard "$want"
	after=$(snapshot)
	check "join $n ($name): routes, addresses, nftables and peers unchanged" test "$after" = "$BEFORE"
	[ "$after" = "$BEFORE" ] || diff <(echo "$BEFORE") <(echo "$after") | head -10
	# the same on edge/<node>/wireguard
	pub "$EDGE" -r -t edge/gw1/wireguard -m "$(answer "$addr" "$ep" "$allowed")"
	check "bus $n ($name): status names the refusal" wait_for 10 status_names errors "$want"
	after=$(snapshot)
	check "bus $n ($name): routes, addresses, nftables and peers unchanged" test "$after" = "$BEFORE"
done
pub "$EDGE" -r -t edge/gw1/wireguard -n
check "refusals on the bus reported on edge/gw1/errors too" grep -q 'wireguard: peers\[0\].endpoint "10.50.0.9:51820"' "$T_TMP/gw1.log"
check "1.1.1.1 still leaves by the uplink" bash -c "ip -n $EDGE route get 1.1.1.1 | grep -q 'dev pub0'"
check "the public target is still refused" status_is "$EDGE" gw1 forwards out rejected

# --- the good answer again: accepted, the refusal leaves the status
answer 10.50.0.2/24 192.0.2.51:51820 '"10.50.0.3/32"' > "$ANSWER"
check "a good answer after the refusals is applied" wait_for 10 bash -c \
	"ip netns exec $EDGE wg show $WGP endpoints | grep -q 192.0.2.51:51820"
check "the join refusal leaves the node status" wait_for 10 bash -c "! status_names wireguard 'answer refused'"

# --- learned and pinned: without MESH_NETWORK the first configuration pins its network
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
agent_start "$EDGE" gw1 CONTROLLER_URL=http://127.0.0.1:9000 JOIN_TOKEN=s3cret JOIN_REFRESH_S=1 \
	WG_BACKEND=userspace WG_IFACE=$WGP WG_CONF=
check "mesh network pinned from the cached join" wait_for 10 bash -c \
	"grep -qsx 10.50.0.0/24 $T_TMP/gw1/data/mesh_network"
answer 10.50.1.2/24 192.0.2.50:51820 '"10.50.1.3/32"' > "$ANSWER"
check "an answer moving to another network is refused" wait_for 10 status_names wireguard \
	'address "10.50.1.2/24" is outside the mesh network 10.50.0.0/24'
check "the pinned interface address stays" bash -c "ip -n $EDGE -4 addr show dev $WGP | grep -q 'inet 10.50.0.2/24'"
check "agent alive" kill -0 "$AGENT_PID"
[ "$T_FAILED" = 0 ] || { tail -30 "$T_TMP/gw1.log"; tail -5 "$T_TMP/controller.log"; }
t_done
