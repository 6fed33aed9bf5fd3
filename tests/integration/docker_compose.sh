#!/usr/bin/env bash
# compose.yaml for real: a real Docker engine (tests/lib/docker_engine.sh: dockerd in the
# edge namespace, so "network_mode: host" is that namespace) builds the agent and broker
# images from deploy/Dockerfile unchanged, FROM debian:12-slim being a debootstrapped
# Debian 12 imported under that tag (no registry here; its packages are preinstalled, so
# install-deps.sh in the Dockerfile finds them and the build needs no network). Then
# `docker-compose --profile broker up` runs the agent and the broker with the tracked
# broker-config/mosquitto.conf and real accounts; Traefik's service is left out (its image
# cannot be had here). Checked: healthy through its own healthcheck, a forward published
# with mosquitto_pub carries TCP from a client namespace through the containerised agent
# to a backend, the route file in the bind-mounted directory, `docker restart` and
# `docker-compose down` keep rules and files, `up` again resyncs.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/debian_rootfs.sh"
source "$ROOT/tests/lib/docker_engine.sh"
require_root docker_compose
trap 'engine_cleanup; t_cleanup' EXIT
why=$(engine_skip_reason)
[ -z "$why" ] || { skip docker_compose "$why"; exit 77; }
command -v docker-compose >/dev/null || { skip docker_compose "docker-compose not installed"; exit 77; }
why=$(rootfs_ensure full 2>&1) || { skip docker_compose "no Debian 12 base image: $why"; exit 77; }
cd "$ROOT"

W=$T_TMP/compose
P=ea$$                                  # the compose project
M=$W/mosquitto S=$W/secrets DYN=$W/dynamic
mkdir -p "$M" "$S" "$DYN"
export EDGE_AGENT_ENV=$W/edge-agent.env TRAEFIK_DYNAMIC_HOST_DIR=$DYN EDGE_AGENT_SECRETS=$S MOSQUITTO_ETC=$M

EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
ip -n "$CLIENT" route add default via 192.0.2.1
# as on a fresh host: dockerd switches forwarding on, and then sets FORWARD DROP (a new
# namespace may inherit ip_forward=1 from the host, and dockerd would leave it ACCEPT)
ip netns exec "$EDGE" sysctl -qw net.ipv4.ip_forward=0
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)
export EDGE CLIENT BACK

engine_start "$EDGE" || { fail "dockerd starts" "$(tail -3 "$ENGINE_LOG")"; t_done; }
pass "dockerd $(dk version -f '{{.Server.Version}}') running in the edge namespace"
check "debootstrapped Debian 12 imported as debian:12-slim" engine_import_debian debian:12-slim

# the broker's accounts and TLS files, as deploy/README.md tells operators to make them
bash broker-config/make-test-ca.sh "$M/certs" >/dev/null
chgrp 200 "$M/certs/broker.key" && chmod 640 "$M/certs/broker.key"
bash broker-config/make-node-credentials.sh -p "$M/edge-agent.passwd" -a "$M/edge-agent.acl" \
	-s "$S/mqtt.password" gw1 >/dev/null 2>&1
bash broker-config/make-node-credentials.sh -p "$M/edge-agent.passwd" -a "$M/edge-agent.acl" \
	-s "$W/ops.password" -c ops >/dev/null 2>&1
chgrp 200 "$M/edge-agent.passwd" "$M/edge-agent.acl"
# the agent runs as uid/gid 201 in its image: its password file and the Traefik directory
chgrp 201 "$S/mqtt.password" && chmod 640 "$S/mqtt.password"
chown 201:201 "$DYN"
{ grep -v '^#' deploy/edge-agent.env.example | grep .
  echo MQTT_USERNAME=gw1; echo MQTT_PASSWORD_FILE=/etc/edge-agent/mqtt.password
  echo ALLOWED_TARGETS=10.50.0.0/24; echo LOG_LEVEL=debug; } > "$EDGE_AGENT_ENV"

# dc ARGS...: docker-compose on this project, with the engine's own CLI for builds
# (BuildKit: deploy/Dockerfile.dockerignore is the build context's filter)
dc() { PATH=/usr/bin:$PATH COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1 \
	docker-compose -p "$P" -f compose.yaml --profile broker "$@"; }
ops() { local t=$1; shift; ip netns exec "$EDGE" "$t" -h 127.0.0.1 -u ops -P "$(cat "$W/ops.password")" "$@"; }
ostatus() { ops mosquitto_sub -t "edge/gw1/status/$1" -C 1 -W 2 --retained-only 2>/dev/null; }
state_is() { [ "$(json_field "$(ostatus "$1")" state)" = "$2" ]; }
cid() { dc ps -q edge-agent; }
health() { dk inspect -f '{{.State.Health.Status}}' "$(cid)" 2>/dev/null; }
healthy() { [ "$(health)" = healthy ]; }
export -f ops ostatus state_is json_field
export W

skip "compose service traefik" "left out: its image (traefik:v3) cannot be pulled here (no registry) and Debian does not package it; the route files it would read are checked in the mounted directory"
if dc build edge-agent mosquitto > "$W/build.log" 2>&1; then
	pass "docker-compose build: agent and broker images from deploy/Dockerfile"
else
	fail "docker-compose build" "$(tail -5 "$W/build.log")"; t_done
fi
check "the Dockerfile's install-deps.sh installed its groups (build, runtime, broker)" \
	test "$(grep -c 'install-deps: installing' "$W/build.log")" -ge 3
check "the image runs edge-agent as its entrypoint (with NET_ADMIN, as compose gives it)" bash -c \
	"$DK run --rm --cap-drop ALL --cap-add NET_ADMIN --entrypoint edge-agent edge-agent:latest --help 2>&1 | grep -q NODE_ID"
if ! dc up -d edge-agent mosquitto > "$W/up.log" 2>&1; then
	fail "docker-compose up" "$(tail -5 "$W/up.log")"; t_done
fi
pass "docker-compose --profile broker up -d edge-agent mosquitto"
check "the agent container is running with only NET_ADMIN" bash -c \
	"[ \"\$($DK inspect -f '{{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}}' $(cid))\" = '[NET_ADMIN] [ALL] true' ]"
ids=$(dk exec "$(cid)" awk '/^(Uid|CapEff|CapBnd|CapAmb):/ {print $2}' /proc/1/status | tr '\n' ' ')
check "the agent runs as uid 201 (edge-agent) holding only CAP_NET_ADMIN, ambient for wireguard-go ($ids)" \
	test "$ids" = "201 0000000000001000 0000000000001000 0000000000001000 "
# the first healthcheck runs one interval (30 s) after start
check "the agent container becomes healthy through its own healthcheck" wait_for 75 healthy
[ "$(health)" = healthy ] || { dc logs --no-color > "$W/logs.txt" 2>&1; tail -20 "$W/logs.txt"; }

ops mosquitto_pub -q 1 -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80}'
ops mosquitto_pub -q 1 -r -t edge/gw1/routes/app -m '{"hostname": "app.example.com", "target_url": "http://10.50.0.12:80"}'
check "forward published with mosquitto_pub: applied" wait_for 10 state_is forwards/web applied
check "route applied" wait_for 10 state_is routes/app applied
reply=$(probe tcp 8080 hi)
check "TCP from the client namespace through the containerised agent to the backend" \
	test "$reply" = "backend tcp 10.50.0.1 hi"
check "the route file appears in the mounted dynamic directory" test -f "$DYN/edge-agent.gw1.app.yml"
check "the route file passes the Traefik v3 schema" bash -c \
	"/usr/bin/python3 tests/lib/check_traefik.py $DYN/edge-agent.gw1.app.yml >/dev/null"
check "Docker's FORWARD DROP does not drop the forward (DOCKER-USER accepts the agent's mark)" bash -c \
	"ip netns exec $EDGE iptables -S FORWARD | grep -qx -- '-P FORWARD DROP' &&
	 ip netns exec $EDGE iptables -S DOCKER-USER | grep -q edge-agent"
[ "$T_FAILED" = 0 ] || { ip netns exec "$EDGE" iptables -S 2>&1 | head -30; dc logs --no-color edge-agent > "$W/agent.log" 2>&1; grep -E 'firewall|capabilit|error' "$W/agent.log" | tail -8; wc -l "$W/agent.log"; }
rules=$(nft_list "$EDGE" | grep -c ' : 10.50.0.12 . 80')

dk restart "$(cid)" > /dev/null
check "docker restart: the nftables element stays" test "$(nft_list "$EDGE" | grep -c ' : 10.50.0.12 . 80')" = "$rules"
reply=$(probe tcp 8080 restart)
check "docker restart: the forward passes" test "$reply" = "backend tcp 10.50.0.1 restart"
check "docker restart: the route file stays" test -f "$DYN/edge-agent.gw1.app.yml"

dc down > "$W/down.log" 2>&1
check "docker-compose down: no container left" test -z "$(dk ps -aq)"
check "docker-compose down: the forward's element stays" test "$(nft_list "$EDGE" | grep -c ' : 10.50.0.12 . 80')" = "$rules"
reply=$(probe tcp 8080 down)
check "docker-compose down: the forward still passes (no agent, no broker)" test "$reply" = "backend tcp 10.50.0.1 down"
check "docker-compose down: the route file stays" test -f "$DYN/edge-agent.gw1.app.yml"

# while the agent is down the desired state changes: up must resync to it
dc up -d mosquitto > "$W/up2.log" 2>&1
wait_for 20 port_open "$EDGE" 1883
ops mosquitto_pub -q 1 -r -t edge/gw1/routes/app -n
ops mosquitto_pub -q 1 -r -t edge/gw1/forwards/ssh -m '{"public_port": 2222, "target_ip": "10.50.0.12", "target_port": 80}'
check "the broker's volume kept the retained forward across down" bash -c \
	"ops mosquitto_sub -t edge/gw1/forwards/web -C 1 -W 2 --retained-only | grep -q 8080"
dc up -d edge-agent > "$W/up3.log" 2>&1
check "up again: the forward published meanwhile is applied" wait_for 20 state_is forwards/ssh applied
reply=$(probe tcp 2222 resync)
check "up again: it carries traffic" test "$reply" = "backend tcp 10.50.0.1 resync"
check "up again: the route deleted meanwhile loses its file" wait_for 10 test ! -e "$DYN/edge-agent.gw1.app.yml"
reply=$(probe tcp 8080 again)
check "up again: the forward kept all along still passes" test "$reply" = "backend tcp 10.50.0.1 again"
check "up again: healthy" wait_for 75 healthy
dc down -v > /dev/null 2>&1
engine_stop
t_done
