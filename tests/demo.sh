#!/usr/bin/env bash
# `make demo`: the gateway on an embedded default, start to finish, in network namespaces.
# A local mosquitto, the agent, a client and a backend; a route and a forward published with
# mosquitto_pub; traffic through the forward; status read back; everything cleaned up.
set -u
source "$(dirname "$0")/lib/lib.sh"
require_root demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Network: client (192.0.2.2) -> edge (public 192.0.2.1, mesh wg0 10.50.0.1) -> backend (10.50.0.12)"
EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
ip -n "$CLIENT" route add default via 192.0.2.1
mkdir -p "$T_TMP/www"; echo "hello from the backend in the mesh" > "$T_TMP/www/index.html"
ip netns exec "$BACK" /usr/bin/python3 -m http.server 8080 --bind 10.50.0.12 --directory "$T_TMP/www" >/dev/null 2>&1 &
T_PIDS+=($!)

say "Starting mosquitto on the edge's loopback and edge-agent (NODE_ID=gw1)"
broker_start "$EDGE" 1883 || { echo "mosquitto did not start"; exit 1; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=info
wait_for 10 node_synced "$EDGE" gw1 || { cat "$T_TMP/gw1.log"; exit 1; }
cat "$T_TMP/gw1.log"

say "Publishing a forward and a route (retained)"
in_edge() { ip netns exec "$EDGE" "$@"; }
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 8080, "proto": "tcp"}'
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/routes/vm-123 -m '{"hostname": "vm-123.example.com", "target_url": "http://10.50.0.12:8080", "certresolver": "le"}'
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/oops -m '{"public_port": 22, "target_ip": "10.50.0.12", "target_port": 22}'
wait_for 5 status_is "$EDGE" gw1 forwards web applied
wait_for 5 status_is "$EDGE" gw1 forwards oops rejected

say "Status reported back by the agent"
run in_edge mosquitto_sub -v -t 'edge/gw1/status/#' -t edge/gw1/status --retained-only -W 1

say "nftables: the agent's own table"
run in_edge nft list table inet edge_agent

say "Traefik: the generated dynamic-config file"
run cat "$T_TMP/gw1/dynamic/edge-agent.gw1.vm-123.yml"

say "Traffic: the client fetches http://192.0.2.1:8080/ through the forward"
run ip netns exec "$CLIENT" curl -sS --max-time 3 http://192.0.2.1:8080/

say "Deleting the forward (empty retained message)"
run in_edge mosquitto_pub -r -q 1 -t edge/gw1/forwards/web -n
wait_for 5 status_gone "$EDGE" gw1 forwards web
ip netns exec "$CLIENT" curl -sS --max-time 2 http://192.0.2.1:8080/ || echo "(connection refused: the forward is gone)"

say "Stopping: SIGTERM publishes offline, rules stay in place; then everything is cleaned up"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"
run in_edge mosquitto_sub -t edge/gw1/status --retained-only -C 1 -W 1
