#!/usr/bin/env bash
# The shipped unit under systemd as PID 1: a container (real Docker engine in a namespace of
# the test, tests/lib/docker_engine.sh) booted from the debootstrapped Debian 12
# (tests/lib/debian_rootfs.sh) with /sbin/init, on the edge namespace's network. In it,
# `make install` from this source tree, then `systemctl start edge-agent` with the unit as
# installed: the agent joins the stand-in controller, brings up WireGuard (wireguard-go)
# under the unit's sandbox with exactly the capabilities the unit grants, and applies a
# forward that carries TCP from a client through the tunnel to a backend (a second agent,
# outside, that joined too). `systemctl restart` keeps the data plane (same wireguard-go,
# same rules), `systemctl stop` publishes `offline` and leaves forwards passing, and
# `systemd-analyze security` rates the unit (the figure in the README).
# The container gets every capability this machine has (not --privileged: the sandbox
# here lacks CAP_SYS_RESOURCE, which runc then cannot grant).
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/pki.sh"
source "$ROOT/tests/lib/debian_rootfs.sh"
source "$ROOT/tests/lib/docker_engine.sh"
require_root systemd_unit
WGE=wgs$$ WGB=wgb$$                      # interface names, unique host-wide
trap 'engine_cleanup; t_cleanup; rm -f /var/run/wireguard/$WGB.sock' EXIT
why=$(engine_skip_reason)
[ -z "$why" ] || { skip systemd_unit "$why"; exit 77; }
command -v wireguard-go >/dev/null || { skip systemd_unit "wireguard-go not installed"; exit 77; }
why=$(rootfs_ensure full 2>&1) || { skip systemd_unit "no Debian 12 root: $why"; exit 77; }
W=$T_TMP/sd
mkdir -p "$W/ctx"

EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" und0 172.30.0.1/24 "$BACK" und0 172.30.0.2/24
ip -n "$CLIENT" route add default via 192.0.2.1
export EDGE CLIENT BACK

# the mesh: the stand-in controller (HTTPS off loopback), the broker, a backend node
pki_server "$T_TMP/pki" 172.30.0.1 || { skip systemd_unit "openssl cannot make a test CA"; exit 77; }
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 172.30.0.1:9000 \
	--token s3cret --state "$T_TMP/controller.json" --pool 10.50.0.0/24 --keepalive 1 \
	--tls-cert "$T_TMP/pki/srv.pem" --tls-key "$T_TMP/pki/srv.key" >> "$T_TMP/controller.log" 2>&1 &
T_PIDS+=($!)
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$BACK" back1 CONTROLLER_URL=https://172.30.0.1:9000 CONTROLLER_CA_FILE="$T_TMP/pki/ca.pem" \
	JOIN_TOKEN=s3cret JOIN_REFRESH_S=2 WG_BACKEND=userspace WG_IFACE=$WGB WG_ENDPOINT=172.30.0.2:51820 \
	WG_CONF="$T_TMP/back1/wg.conf" MQTT_URL=mqtt://172.30.0.1:1883
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)

# --- the systemd host
engine_start "$EDGE" || { fail "dockerd starts" "$(tail -3 "$ENGINE_LOG")"; t_done; }
engine_import_debian ea-debian12
cat > "$W/ctx/Dockerfile" <<'EOF'
FROM ea-debian12
ARG PKGS
# from the root's package cache: no network needed
RUN apt-get install -y -qq --no-install-recommends $PKGS >/dev/null && apt-get clean
CMD ["/sbin/init"]
EOF
pkgs="$(bash "$ROOT/tests/install-deps.sh" --list build runtime) systemd systemd-sysv dbus iproute2 procps"
if ! DOCKER_BUILDKIT=1 dk build -q --build-arg PKGS="$pkgs" -t ea-systemd "$W/ctx" > "$W/build.log" 2>&1; then
	fail "image with systemd" "$(tail -5 "$W/build.log")"; t_done
fi
SD=ea-sd-$$
dk run -d --name "$SD" --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
	--security-opt apparmor=unconfined --security-opt systempaths=unconfined --device /dev/net/tun \
	--network host --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
	--tmpfs /run --tmpfs /run/lock --tmpfs /tmp -e container=docker ea-systemd > /dev/null
sx() { dk exec "$SD" "$@"; }
booted() { case $(sx systemctl is-system-running 2>/dev/null) in running|degraded) return 0 ;; esac; return 1; }
check "systemd boots as PID 1 in the container" wait_for 60 booted
check "PID 1 is systemd" test "$(sx cat /proc/1/comm)" = systemd

# make install from this tree, as an operator would
tar -C "$ROOT" -c --exclude=./build --exclude='./build-*' --exclude=./.git . | dk exec -i "$SD" bash -c 'mkdir -p /src && tar -C /src -x'
if sx make -C /src -j2 install > "$W/install.log" 2>&1; then
	pass "make install (PREFIX=/usr/local) inside the systemd host"
else
	fail "make install" "$(tail -5 "$W/install.log")"; t_done
fi
# the agent runs as edge-agent: the files it reads itself (CA, MQTT password) are its group's;
# the env file stays root's (systemd reads it)
sx install -d -m 750 -g edge-agent /etc/edge-agent
sx install -d /etc/traefik/dynamic
dk cp "$T_TMP/pki/ca.pem" "$SD:/etc/edge-agent/controller-ca.pem"
sx chgrp edge-agent /etc/edge-agent/controller-ca.pem
sx chmod 640 /etc/edge-agent/controller-ca.pem
{ grep -v '^#' "$ROOT/deploy/edge-agent.env.example" | grep . | grep -v '^WG_IFACE='
  echo WG_IFACE=$WGE; echo WG_BACKEND=userspace; echo WG_ENDPOINT=172.30.0.1:51820
  echo CONTROLLER_URL=https://172.30.0.1:9000; echo CONTROLLER_CA_FILE=/etc/edge-agent/controller-ca.pem
  echo JOIN_TOKEN=s3cret; echo JOIN_REFRESH_S=2; echo SYNC_QUIET_MS=300; echo LOG_LEVEL=debug
} > "$W/edge-agent.env"
dk cp "$W/edge-agent.env" "$SD:/etc/edge-agent/edge-agent.env"
sx chmod 600 /etc/edge-agent/edge-agent.env
# only the agent's own sysctl file (the others would set host-wide kernel.* values)
sx sysctl -q -p /usr/local/lib/sysctl.d/50-edge-agent.conf
sx systemctl daemon-reload
check "systemd-analyze verify: the installed unit is clean" bash -c \
	"[ -z \"\$($DK exec $SD systemd-analyze verify edge-agent.service 2>&1)\" ]"
sx systemctl start edge-agent
active() { [ "$(sx systemctl is-active edge-agent)" = active ]; }
check "systemctl start edge-agent: active" wait_for 10 active
check "the agent joined and brought up WireGuard" wait_for 20 bash -c \
	"ip -n $EDGE -4 addr show dev $WGE 2>/dev/null | grep -q 'inet 10.50.0.'"
[ "$T_FAILED" = 0 ] || { sx journalctl -u edge-agent --no-pager | tail -20; t_done; }
check "the backend joined too" wait_for 20 bash -c "ip -n $BACK -4 addr show dev $WGB | grep -q 'inet 10.50.0.'"
BADDR=$(ip -n "$BACK" -4 -o addr show dev "$WGB" | awk '{print $4}' | cut -d/ -f1)
EADDR=$(ip -n "$EDGE" -4 -o addr show dev "$WGE" | awk '{print $4}' | cut -d/ -f1)

# the sandbox: exactly CAP_NET_ADMIN for the agent and the wireguard-go it started
main=$(sx systemctl show -p MainPID --value edge-agent)
wgpid=$(sx pgrep -x wireguard-go)
caps() { sx awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
echo "INFO agent pid $main: CapEff $(caps "$main" CapEff) CapBnd $(caps "$main" CapBnd) CapAmb $(caps "$main" CapAmb), user $(sx ps -o user= -p "$main")"
echo "INFO wireguard-go pid $wgpid: CapEff $(caps "$wgpid" CapEff) CapBnd $(caps "$wgpid" CapBnd), user $(sx ps -o user= -p "$wgpid")"
check "the agent runs with exactly CAP_NET_ADMIN (effective and bounding)" bash -c \
	"[ '$(caps "$main" CapEff)' = 0000000000001000 ] && [ '$(caps "$main" CapBnd)' = 0000000000001000 ]"
check "wireguard-go was started by the agent inside the unit's sandbox (its cgroup, NoNewPrivileges)" bash -c \
	"$DK exec $SD grep -q edge-agent.service /proc/$wgpid/cgroup && [ \"\$($DK exec $SD awk '/^NoNewPrivs:/ {print \$2}' /proc/$wgpid/status)\" = 1 ]"
check "wireguard-go has exactly CAP_NET_ADMIN too" bash -c \
	"[ '$(caps "$wgpid" CapEff)' = 0000000000001000 ] && [ '$(caps "$wgpid" CapBnd)' = 0000000000001000 ]"
check "the tunnel: the edge reaches the backend's mesh address" wait_for 15 bash -c \
	"ip netns exec $EDGE ping -c1 -W1 $BADDR >/dev/null"

check "agent synced" wait_for 10 node_synced "$EDGE" gw1
pub "$EDGE" -r -t edge/gw1/forwards/web -m "{\"public_port\": 8080, \"target_ip\": \"$BADDR\", \"target_port\": 80}"
check "forward applied" wait_for 10 status_is "$EDGE" gw1 forwards web applied
reply=$(probe tcp 8080 systemd)
check "TCP through the forward and the tunnel reaches the backend" test "$reply" = "backend tcp $EADDR systemd"
check "the agent's files under the sandbox: state cache written, key 0600" wait_for 5 bash -c \
	"$DK exec $SD ls /var/lib/edge-agent | grep -qE '^state\.(json|journal)\$' && [ \"\$($DK exec $SD stat -c %a /var/lib/edge-agent/wg.key)\" = 600 ]"

# --- restart: the data plane stays
before=$(nft_list "$EDGE" | grep -c "8080 : $BADDR . 80")
sx systemctl restart edge-agent
reply=$(probe tcp 8080 restart)
check "systemctl restart: the forward passes right after" test "$reply" = "backend tcp $EADDR restart"
check "systemctl restart: the same wireguard-go (KillMode=process), not a new tunnel" \
	test "$(sx pgrep -x wireguard-go)" = "$wgpid"
check "systemctl restart: the rule still there" test "$(nft_list "$EDGE" | grep -c "8080 : $BADDR . 80")" = "$before"
new=$(sx systemctl show -p MainPID --value edge-agent)
check "systemctl restart: a new agent process ($main -> $new)" test "$new" != "$main" -a "$new" != 0
check "systemctl restart: synced again" wait_for 10 node_synced "$EDGE" gw1

# --- stop: offline published, forwards keep passing
sx systemctl stop edge-agent
check "systemctl stop: inactive" test "$(sx systemctl is-active edge-agent)" = inactive
offline() { [ "$(json_field "$(retained "$EDGE" edge/gw1/status)" state)" = offline ]; }
check "systemctl stop: the node status is offline" wait_for 5 offline
reply=$(probe tcp 8080 stopped)
check "systemctl stop: the forward still passes (rules and tunnel stay)" test "$reply" = "backend tcp $EADDR stopped"

sx systemd-analyze security edge-agent.service > "$W/security.txt" 2>&1
level=$(grep -o 'exposure level for edge-agent.service: [0-9.]* [A-Z]*' "$W/security.txt" | awk '{print $5, $6}')
echo "INFO systemd-analyze security edge-agent.service (systemd $(sx systemctl --version | awk 'NR == 1 {print $2}'), on the running system): $level"
check "systemd-analyze security: exposure ${level:-unknown} <= 3.0" \
	/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 3.0 else 1)' "${level%% *}"
[ "$T_FAILED" = 0 ] || sx journalctl -u edge-agent --no-pager | tail -30
dk rm -f "$SD" > /dev/null
engine_stop
t_done
