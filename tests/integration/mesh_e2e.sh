#!/usr/bin/env bash
# The whole path as a user sees it: client -> edge (agent, userspace WireGuard it brought
# up itself after joining the stand-in controller) -> tunnel over a veth underlay ->
# backend (a second agent that joined too) running TCP and UDP services.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/pki.sh"
require_root mesh_e2e
command -v wireguard-go >/dev/null || { skip mesh_e2e "wireguard-go not installed"; exit 77; }
WGE=wge$$; WGB=wgb$$; WGX=wgx$$          # the UAPI socket dir is shared: unique names
EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back); BACK2=$(netns_new back2)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" und0 172.30.0.1/24 "$BACK" und0 172.30.0.2/24
veth_link "$EDGE" und1 172.31.0.1/24 "$BACK2" und0 172.31.0.2/24
ip -n "$CLIENT" route add default via 192.0.2.1
export EDGE CLIENT BACK
wg_pids() { pgrep -f "wireguard-go $1" ; }
cleanup_wg() { local i; for i in $WGE $WGB $WGX; do pkill -f "wireguard-go $i" 2>/dev/null; rm -f /var/run/wireguard/$i.sock; done; }
trap 'cleanup_wg; t_cleanup' EXIT

# the controller stand-in, reachable over the underlay
CTL_STATE=$T_TMP/controller.json
start_controller() {
	ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 172.30.0.1:9000 \
		--token s3cret --state "$CTL_STATE" --pool 10.50.0.0/24 --keepalive 1 \
		--tls-cert "$T_TMP/pki/srv.pem" --tls-key "$T_TMP/pki/srv.key" >> "$T_TMP/controller.log" 2>&1 &
	CTL_PID=$!; T_PIDS+=($CTL_PID)
	wait_for 10 port_open_at "$EDGE" 172.30.0.1 9000
}
port_open_at() { ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
# CONTROLLER_URL off loopback must be https://
pki_server "$T_TMP/pki" 172.30.0.1 || { skip mesh_e2e "openssl cannot make a test CA"; exit 77; }
start_controller || { fail "controller starts"; t_done; }
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
ip netns exec "$EDGE" iptables -h >/dev/null 2>&1   # nothing: the edge forwards with nft only

JOIN=(CONTROLLER_URL=https://172.30.0.1:9000 CONTROLLER_CA_FILE=$T_TMP/pki/ca.pem JOIN_TOKEN=s3cret JOIN_REFRESH_S=2 WG_BACKEND=userspace)
# the backend: a node of the mesh with its services
agent_start "$BACK" back1 "${JOIN[@]}" WG_IFACE=$WGB WG_ENDPOINT=172.30.0.2:51820 \
	WG_CONF=$T_TMP/back1/wg.conf MQTT_URL=mqtt://172.30.0.1:1883
BACK_PID=$AGENT_PID
ip netns exec "$EDGE" bash -c "echo" # broker listens on loopback only in the edge; back1 keeps retrying: fine
# the edge
agent_start "$EDGE" gw1 "${JOIN[@]}" WG_IFACE=$WGE WG_ENDPOINT=172.30.0.1:51820 WG_CONF=$T_TMP/gw1/wg.conf
EDGE_PID=$AGENT_PID
check "edge joined: interface up with its mesh address" wait_for 15 bash -c "ip -n $EDGE -4 addr show dev $WGE | grep -q 'inet 10.50.0.'"
check "backend joined: interface up" wait_for 15 bash -c "ip -n $BACK -4 addr show dev $WGB | grep -q 'inet 10.50.0.'"
BADDR=$(ip -n "$BACK" -4 -o addr show dev "$WGB" | awk '{print $4}' | cut -d/ -f1)
EADDR=$(ip -n "$EDGE" -4 -o addr show dev "$WGE" | awk '{print $4}' | cut -d/ -f1)
echo "edge $EADDR, backend $BADDR"
check "same node gets the same address (persisted allocation)" bash -c "grep -q back1 $CTL_STATE"
check "edge knows the backend as a peer (refresh)" wait_for 10 bash -c "wg show $WGE peers | grep -q ."
check "tunnel: edge pings the backend's mesh address" wait_for 15 ip netns exec "$EDGE" ping -c1 -W1 "$BADDR"
check "key file is private (0600)" test "$(stat -c %a "$T_TMP/gw1/data/wg.key")" = 600
check "join.json is private (0600)" test "$(stat -c %a "$T_TMP/gw1/data/join.json")" = 600
check "wg-quick file written, 0600" bash -c "test \$(stat -c %a $T_TMP/gw1/wg.conf) = 600 && grep -q '^\[Peer\]' $T_TMP/gw1/wg.conf"
check "wg-quick file parses with wg-quick strip" bash -c "wg-quick strip $T_TMP/gw1/wg.conf >/dev/null 2>&1 || grep -q PrivateKey $T_TMP/gw1/wg.conf"
check "allowed targets default to the mesh network" wait_for 10 node_synced "$EDGE" gw1

# services on the backend's mesh address
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)
pub "$EDGE" -r -t edge/gw1/forwards/svc -m "{\"public_port\": 8080, \"target_ip\": \"$BADDR\", \"target_port\": 80}"
pub "$EDGE" -r -t edge/gw1/forwards/dns -m "{\"public_port\": 5353, \"target_ip\": \"$BADDR\", \"target_port\": 80, \"proto\": \"udp\"}"
pub "$EDGE" -r -t edge/gw1/routes/app -m "{\"hostname\": \"app.example.com\", \"target_url\": \"http://$BADDR:80\"}"
pub "$EDGE" -r -t edge/gw1/forwards/lan -m '{"public_port": 8081, "target_ip": "192.168.1.5", "target_port": 80}'
check "forward applied" wait_for 10 status_is "$EDGE" gw1 forwards svc applied
check "a target outside the mesh network is refused by default" wait_for 5 bash -c \
	"retained $EDGE edge/gw1/status/forwards/lan | grep -q 'is outside ALLOWED_TARGETS (allowed: 10.50.0.0/24)'"
reply=$(probe tcp 8080 hello)
check "TCP through the forward and the tunnel reaches the backend" test "$reply" = "backend tcp $EADDR hello"
reply=$(probe udp 5353 ping)
check "UDP through the forward and the tunnel reaches the backend" test "$reply" = "backend udp $EADDR ping"
check "route file points at the backend's mesh address" wait_for 5 grep -q "http://$BADDR:80" "$T_TMP/gw1/dynamic/edge-agent.gw1.app.yml"
st=$(retained "$EDGE" edge/gw1/status)
check "node status shows the interface" bash -c "grep -q '\"wireguard\":{\"backend\":\"userspace\",\"interface\":\"$WGE\",\"address\":\"$EADDR/24\"' <<<'$st'"
check "node status shows the peer with handshake and transfer" wait_for 35 bash -c \
	"retained $EDGE edge/gw1/status | grep -qE '\"latest_handshake\":\"20[^\"]*\",\"rx_bytes\":[1-9]'"

# --- restart with the controller down and a cached join: the interface comes back
kill -TERM "$EDGE_PID"; wait "$EDGE_PID"
kill "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
pkill -f "wireguard-go $WGE"; sleep 0.5
check "interface gone with wireguard-go" bash -c "! ip -n $EDGE link show $WGE >/dev/null 2>&1"
ip netns exec "$EDGE" nft delete table inet edge_agent
agent_start "$EDGE" gw1 "${JOIN[@]}" WG_IFACE=$WGE WG_ENDPOINT=172.30.0.1:51820 WG_CONF=$T_TMP/gw1/wg.conf
EDGE_PID=$AGENT_PID
check "interface back from join.json with the controller down" wait_for 10 bash -c "ip -n $EDGE -4 addr show dev $WGE | grep -q 'inet $EADDR/'"
check "forward works again" wait_for 15 bash -c "probe tcp 8080 again | grep -q 'backend tcp'"
check "controller outage shown in the node status" wait_for 10 bash -c "retained $EDGE edge/gw1/status | grep -q 'join: '"
start_controller

# --- wireguard-go killed under a running agent: restarted and reconfigured
pkill -9 -f "wireguard-go $WGE"; rm -f /var/run/wireguard/$WGE.sock
check "wireguard-go restarted by the agent" wait_for 20 bash -c "ip -n $EDGE -4 addr show dev $WGE | grep -q 'inet $EADDR/'"
check "tunnel works after the restart" wait_for 20 bash -c "probe tcp 8080 back | grep -q 'backend tcp'"

# --- peer change over edge/<node>/wireguard: a new peer, the old one untouched
KX=$(wg genkey); PX=$(echo "$KX" | wg pubkey)
EPUB=$(wg show "$WGE" public-key)
ip -n "$BACK2" link add "$WGX" type wireguard 2>/dev/null || ip netns exec "$BACK2" wireguard-go "$WGX"
wait_for 5 test -S /var/run/wireguard/$WGX.sock
echo "$KX" > "$T_TMP/kx"
ip netns exec "$BACK2" wg set "$WGX" private-key "$T_TMP/kx" listen-port 51820 peer "$EPUB" allowed-ips 10.50.0.0/24 endpoint 172.31.0.1:51820
ip -n "$BACK2" addr add 10.50.0.99/24 dev "$WGX"; ip -n "$BACK2" link set "$WGX" up
B1PUB=$(wg show "$WGB" public-key)
hs_before=$(ip netns exec "$EDGE" wg show "$WGE" latest-handshakes | awk -v k="$B1PUB" '$1==k {print $2}')
doc=$(cat "$T_TMP/gw1/data/join.json" | /usr/bin/python3 -c "
import json,sys; d=json.load(sys.stdin)
d['peers'].append({'public_key': '$PX', 'endpoint': '172.31.0.2:51820', 'allowed_ips': ['10.50.0.99/32'], 'persistent_keepalive': 1})
print(json.dumps(d))")
pub "$EDGE" -r -t edge/gw1/wireguard -m "$doc"
check "new peer from the bus works" wait_for 15 ip netns exec "$EDGE" ping -c1 -W1 10.50.0.99
hs_after=$(ip netns exec "$EDGE" wg show "$WGE" latest-handshakes | awk -v k="$B1PUB" '$1==k {print $2}')
check "untouched peer kept its session (handshake $hs_before -> $hs_after, no rebuild)" \
	bash -c "[ -n '$hs_before' ] && [ '$hs_before' != 0 ] && [ $hs_after -ge $hs_before ] && ip netns exec $EDGE ping -c1 -W1 $BADDR >/dev/null"
check "log shows a one-peer update, not a rebuild" grep -q "updating $WGE (1 peer change(s))" "$T_TMP/gw1.log"
check "bus config wins and is reported" wait_for 5 bash -c "retained $EDGE edge/gw1/status | grep -q '\"config_source\":\"bus\"'"
pub "$EDGE" -r -t edge/gw1/wireguard -m '{"address": "10.50.0.300/24"}'
check "a bad wireguard message is rejected with a precise error" wait_for 5 bash -c "retained $EDGE edge/gw1/status | grep -q 'wireguard: address'"
check "the interface kept serving after the bad message" ip netns exec "$EDGE" ping -c1 -W1 10.50.0.99
check "agents alive" bash -c "kill -0 $EDGE_PID && kill -0 $BACK_PID"
[ "$T_FAILED" = 0 ] || { tail -30 "$T_TMP/gw1.log"; tail -10 "$T_TMP/controller.log"; }
t_done
