#!/usr/bin/env bash
# Least privilege (issue 11): the edge agent runs as an unprivileged uid holding only
# CAP_NET_ADMIN (ambient, bounding set reduced to it), started with util-linux setpriv as
# the systemd unit does with User= and AmbientCapabilities=. Everything still works: it
# joins, spawns wireguard-go (which inherits exactly CAP_NET_ADMIN), brings the tunnel up,
# applies a forward in nft that carries traffic, writes a route file, publishes statuses.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/pki.sh"
require_root trust_privilege
command -v wireguard-go >/dev/null || { skip trust_privilege "wireguard-go not installed"; exit 77; }
command -v setpriv >/dev/null || { skip trust_privilege "setpriv (util-linux) not installed"; exit 77; }
command -v unshare >/dev/null || { skip trust_privilege "unshare (util-linux) not installed"; exit 77; }
AUID=47110 AGID=47110                     # no such user: nothing on the host is theirs
WGE=wgp$$ WGB=wgq$$                        # the UAPI socket dir is shared: unique names
EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
veth_link "$EDGE" und0 172.30.0.1/24 "$BACK" und0 172.30.0.2/24
ip -n "$CLIENT" route add default via 192.0.2.1
export EDGE CLIENT BACK
trap 't_cleanup; rm -f /var/run/wireguard/$WGB.sock' EXIT

pki_server "$T_TMP/pki" 172.30.0.1 || { skip trust_privilege "openssl cannot make a test CA"; exit 77; }
ip netns exec "$EDGE" /usr/bin/python3 "$ROOT/tests/controller/controller.py" --listen 172.30.0.1:9000 \
	--token s3cret --state "$T_TMP/controller.json" --pool 10.50.0.0/24 --keepalive 1 \
	--tls-cert "$T_TMP/pki/srv.pem" --tls-key "$T_TMP/pki/srv.key" >> "$T_TMP/controller.log" 2>&1 &
T_PIDS+=($!)
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
JOIN=(CONTROLLER_URL=https://172.30.0.1:9000 CONTROLLER_CA_FILE=$T_TMP/pki/ca.pem JOIN_TOKEN=s3cret JOIN_REFRESH_S=2 WG_BACKEND=userspace)
agent_start "$BACK" back1 "${JOIN[@]}" WG_IFACE=$WGB WG_ENDPOINT=172.30.0.2:51820 \
	WG_CONF=$T_TMP/back1/wg.conf MQTT_URL=mqtt://172.30.0.1:1883
ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
T_PIDS+=($!)

# The edge agent's own mount namespace: its UAPI socket directory belongs to its user (the
# unit's RuntimeDirectory=wireguard); then setpriv drops to the uid with CAP_NET_ADMIN only.
mkdir -p "$T_TMP/gw1/data" "$T_TMP/gw1/dynamic"
chown "$AUID:$AGID" "$T_TMP/gw1/data" "$T_TMP/gw1/dynamic"
chmod 700 "$T_TMP/gw1/data"
cat > "$T_TMP/as-user.sh" <<EOF
#!/bin/bash
mount -t tmpfs -o mode=0755,uid=$AUID,gid=$AGID tmpfs /run/wireguard || exit 1
exec setpriv --reuid=$AUID --regid=$AGID --clear-groups --bounding-set=-all,+net_admin \\
	--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin "\$@"
EOF
chmod 755 "$T_TMP/as-user.sh"
ip netns exec "$EDGE" sysctl -qw net.ipv4.ip_forward=0
AGENT_WRAPPER="unshare -m --propagation private $T_TMP/as-user.sh" agent_start "$EDGE" gw1 \
	"${JOIN[@]}" WG_IFACE=$WGE WG_ENDPOINT=172.30.0.1:51820 WG_CONF="$T_TMP/gw1/data/wg.conf"
EDGE_PID=$AGENT_PID

field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
check "edge joined: interface up with its mesh address" wait_for 20 bash -c "ip -n $EDGE -4 addr show dev $WGE | grep -q 'inet 10.50.0.'"
[ "$T_FAILED" = 0 ] || { tail -20 "$T_TMP/gw1.log"; t_done; }
check "backend joined too" wait_for 20 bash -c "ip -n $BACK -4 addr show dev $WGB | grep -q 'inet 10.50.0.'"
BADDR=$(ip -n "$BACK" -4 -o addr show dev "$WGB" | awk '{print $4}' | cut -d/ -f1)
EADDR=$(ip -n "$EDGE" -4 -o addr show dev "$WGE" | awk '{print $4}' | cut -d/ -f1)
wgpid=$(ip netns pids "$EDGE" | while read -r p; do [ "$(cat /proc/$p/comm 2>/dev/null)" = wireguard-go ] && echo "$p"; done | head -1)
echo "INFO agent pid $EDGE_PID: Uid $(field "$EDGE_PID" Uid) CapEff $(field "$EDGE_PID" CapEff) CapPrm $(field "$EDGE_PID" CapPrm) CapAmb $(field "$EDGE_PID" CapAmb) CapBnd $(field "$EDGE_PID" CapBnd)"
echo "INFO wireguard-go pid $wgpid: Uid $(field "$wgpid" Uid) CapEff $(field "$wgpid" CapEff) CapBnd $(field "$wgpid" CapBnd)"
check "the agent runs as uid $AUID, not root" test "$(field "$EDGE_PID" Uid | cut -c1-5)" = "$AUID"
check "the agent holds exactly CAP_NET_ADMIN (effective, permitted, ambient, bounding)" test \
	"$(field "$EDGE_PID" CapEff)$(field "$EDGE_PID" CapPrm)$(field "$EDGE_PID" CapAmb)$(field "$EDGE_PID" CapBnd)" = \
	0000000000001000000000000000100000000000000010000000000000001000
check "wireguard-go was spawned by the agent, as uid $AUID" bash -c "[ -n '$wgpid' ] && [ \$(awk '/^Uid:/ {print \$2}' /proc/$wgpid/status) = $AUID ]"
check "wireguard-go holds exactly CAP_NET_ADMIN" test "$(field "$wgpid" CapEff)$(field "$wgpid" CapBnd)" = 00000000000010000000000000001000
check "the tunnel: the edge reaches the backend's mesh address" wait_for 15 ip netns exec "$EDGE" ping -c1 -W1 "$BADDR"
check "net.ipv4.ip_forward switched on without root" test "$(ip netns exec "$EDGE" sysctl -n net.ipv4.ip_forward)" = 1
check "agent synced" wait_for 10 node_synced "$EDGE" gw1

pub "$EDGE" -r -t edge/gw1/forwards/web -m "{\"public_port\": 8080, \"target_ip\": \"$BADDR\", \"target_port\": 80}"
pub "$EDGE" -r -t edge/gw1/routes/app -m "{\"hostname\": \"app.example.com\", \"target_url\": \"http://$BADDR:80\"}"
check "forward applied" wait_for 10 status_is "$EDGE" gw1 forwards web applied
check "the forward is in the agent's nft table" bash -c "nft_list $EDGE | grep -q '8080 : $BADDR . 80'"
reply=$(probe tcp 8080 unprivileged)
check "TCP through the forward and the tunnel reaches the backend" test "$reply" = "backend tcp $EADDR unprivileged"
check "route applied" wait_for 10 status_is "$EDGE" gw1 routes app applied
check "route file written by uid $AUID" bash -c "[ \$(stat -c %u $T_TMP/gw1/dynamic/edge-agent.gw1.app.yml) = $AUID ] && grep -q 'http://$BADDR:80' $T_TMP/gw1/dynamic/edge-agent.gw1.app.yml"
check "node status published with the interface and its peer" wait_for 10 bash -c \
	"retained $EDGE edge/gw1/status | grep -q '\"interface\":\"$WGE\",\"address\":\"$EADDR/24\"'"
check "private files are the agent's, 0600 (key, join, cache, manifest)" bash -c "ls $T_TMP/gw1/data | grep -q '^state\.' && for f in wg.key join.json traefik.manifest \$(ls $T_TMP/gw1/data | grep '^state\.'); do [ \"\$(stat -c '%u %a' $T_TMP/gw1/data/\$f)\" = '$AUID 600' ] || exit 1; done"
pub "$EDGE" -r -t edge/gw1/forwards/web -n
check "a deletion applies too" wait_for 10 bash -c "! nft_list $EDGE | grep -q '8080 :'"
kill -TERM "$EDGE_PID"; wait "$EDGE_PID" 2>/dev/null
check "SIGTERM: the unprivileged agent publishes offline" wait_for 5 bash -c "retained $EDGE edge/gw1/status | grep -q '\"state\":\"offline\"\|offline'"
[ "$T_FAILED" = 0 ] || tail -30 "$T_TMP/gw1.log"
t_done
