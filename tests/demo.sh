#!/usr/bin/env bash
# `make demo`: the gateway on an embedded default, start to finish, in network namespaces.
# A local mosquitto and the stand-in controller; the agent on the edge and a second agent on
# a backend both join the mesh and bring up userspace WireGuard; a forward and a route are
# published with mosquitto_pub; a client fetches a page through the forward and the tunnel;
# status is read back; everything is cleaned up.
set -u
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/pki.sh"
require_root demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
WGE=wg-demo-e; WGB=wg-demo-b
cleanup_wg() { pkill -f "wireguard-go $WGE"; pkill -f "wireguard-go $WGB"; rm -f /var/run/wireguard/$WGE.sock /var/run/wireguard/$WGB.sock; } 2>/dev/null
trap 'cleanup_wg; t_cleanup' EXIT
cleanup_wg

say "Network: client 192.0.2.2 -> edge (public 192.0.2.1) -> underlay 172.30.0.0/24 -> backend"
EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" und0 172.30.0.1/24 "$BACK" und0 172.30.0.2/24
ip -n "$CLIENT" route add default via 192.0.2.1
export EDGE CLIENT BACK

say "Starting mosquitto (edge loopback) and the stand-in controller (https://172.30.0.1:9000)"
broker_start "$EDGE" 1883 || { echo "mosquitto did not start"; exit 1; }
pki_server "$T_TMP/pki" 172.30.0.1 || { echo "openssl could not make the controller's certificate"; exit 1; }
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 172.30.0.1:9000 \
	--token demo-token --state "$T_TMP/controller.json" --keepalive 5 \
	--tls-cert "$T_TMP/pki/srv.pem" --tls-key "$T_TMP/pki/srv.key" >"$T_TMP/controller.log" 2>&1 &
T_PIDS+=($!)
wait_for 10 ip netns exec "$EDGE" bash -c "exec 3<>/dev/tcp/172.30.0.1/9000" 2>/dev/null

say "Starting edge-agent on the backend (node back1) and on the edge (node gw1)"
JOIN=(CONTROLLER_URL=https://172.30.0.1:9000 CONTROLLER_CA_FILE=$T_TMP/pki/ca.pem JOIN_TOKEN=demo-token JOIN_REFRESH_S=2 WG_BACKEND=userspace LOG_LEVEL=info)
agent_start "$BACK" back1 "${JOIN[@]}" WG_IFACE=$WGB WG_ENDPOINT=172.30.0.2:51820 WG_CONF= MQTT_URL=mqtt://172.30.0.1:1883
agent_start "$EDGE" gw1 "${JOIN[@]}" WG_IFACE=$WGE WG_ENDPOINT=172.30.0.1:51820 WG_CONF="$T_TMP/gw1/$WGE.conf"
wait_for 20 bash -c "ip -n $BACK -4 -o addr show dev $WGB | grep -q inet && wg show $WGE peers | grep -q ." || { tail "$T_TMP"/*.log; exit 1; }
BADDR=$(ip -n "$BACK" -4 -o addr show dev "$WGB" | awk '{print $4}' | cut -d/ -f1)
wait_for 10 node_synced "$EDGE" gw1
grep -E 'wireguard|join|sync' "$T_TMP/gw1.log" | grep -v debug

say "WireGuard on the edge, configured by the agent itself"
wait_for 15 ip netns exec "$EDGE" ping -c1 -W1 "$BADDR" >/dev/null
run ip netns exec "$EDGE" wg show "$WGE"
mkdir -p "$T_TMP/www"; echo "hello from backend $BADDR, through the mesh" > "$T_TMP/www/index.html"
ip netns exec "$BACK" /usr/bin/python3 -m http.server 8080 --bind "$BADDR" --directory "$T_TMP/www" >/dev/null 2>&1 &
T_PIDS+=($!)

say "Publishing a forward and a route to the backend's mesh address (retained)"
in_edge() { ip netns exec "$EDGE" "$@"; }
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/web -m "{\"public_port\": 8080, \"target_ip\": \"$BADDR\", \"target_port\": 8080, \"proto\": \"tcp\"}"
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/routes/app -m "{\"hostname\": \"app.example.com\", \"target_url\": \"http://$BADDR:8080\", \"certresolver\": \"le\"}"
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/oops -m "{\"public_port\": 22, \"target_ip\": \"$BADDR\", \"target_port\": 22}"
wait_for 5 status_is "$EDGE" gw1 forwards web applied
wait_for 5 status_is "$EDGE" gw1 forwards oops rejected

say "Traffic: the client fetches http://192.0.2.1:8080/ through the forward and the tunnel"
wait_for 10 ip netns exec "$CLIENT" curl -sS --max-time 2 -o /dev/null http://192.0.2.1:8080/
run ip netns exec "$CLIENT" curl -sS --max-time 3 http://192.0.2.1:8080/

say "Status reported back by the agent"
run in_edge mosquitto_sub -v -t 'edge/gw1/status/#' -t edge/gw1/status --retained-only -W 1

say "nftables: the agent's own table"
run in_edge nft list table inet edge_agent

say "Traefik: the generated dynamic-config file"
run cat "$T_TMP/gw1/dynamic/edge-agent.gw1.app.yml"

say "Deleting the forward (empty retained message)"
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/web -n
wait_for 5 status_gone "$EDGE" gw1 forwards web
ip netns exec "$CLIENT" curl -sS --max-time 2 http://192.0.2.1:8080/ || echo "(refused: the forward is gone)"

say "Stopping: SIGTERM publishes offline; rules, files and the tunnel stay; then all is cleaned up"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"
run in_edge mosquitto_sub -t edge/gw1/status --retained-only -C 1 -W 1
