#!/usr/bin/env bash
# A clustered broker from Debian's packages: ejabberd 23.01's mod_mqtt as two nodes joined
# through Erlang distribution (logins required). Agent gw1 prefers node 1, gw2 node 2
# (MQTT_URL lists both); objects the controller publishes on node 1 reach both. Killing
# node 1 (kill -9) moves gw1 to node 2 with nothing torn down; what is published on node 2
# then applies, a tombstone deletes; node 1 comes back with everything; gw1 moves back.
#
# What this ejabberd does and the agent must survive: the retained store (mnesia) is
# replicated, but each node answers a SUBSCRIBE only from its own index of retained
# topics, built at start and updated by publishes it received itself. A node that is
# up therefore does not replay retained messages published on the other node: a
# failover replay is incomplete, and the agents run with SYNC_SWEEP=off so that absence
# from a replay removes nothing (topics/README.md, "Deleting"). A restarted node rebuilds
# its index from the replicated store and replays everything.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/ejabberd.sh"
require_root broker_cluster
require_tools broker_cluster ejabberdctl erl mosquitto_pub mosquitto_sub nft
id ejabberd >/dev/null 2>&1 || { skip broker_cluster "no ejabberd user (package not installed)"; exit 77; }
require_built broker_cluster "$AGENT"

NS=$(netns_new ejd)
ip -n "$NS" addr add 10.95.0.1/32 dev lo
ip -n "$NS" addr add 10.95.0.2/32 dev lo
N1=$T_TMP/node1 N2=$T_TMP/node2
ejd_init "$N1" ejabberd1 10.95.0.1; ejd_init "$N2" ejabberd2 10.95.0.2
ejd_start "$NS" "$N1" || { fail "node 1 starts" "$(tail -5 "$N1/console.log")"; t_done; }
ejd_start "$NS" "$N2" || { fail "node 2 starts" "$(tail -5 "$N2/console.log")"; t_done; }
# a loaded machine can make a join time out half-way: try again until both are in it
in_cluster() { [ "$(ejd_ctl "$NS" "$N1" list_cluster 2>/dev/null | grep -cE "ejabberd[12]@10.95.0.[12]")" = 2 ]; }
join() { in_cluster || ejd_ctl_ok "$NS" "$N2" join_cluster ejabberd1@10.95.0.1; in_cluster; }
check "node 2 joins node 1's cluster" wait_for 90 join
account() {
	ejd_ctl_ok "$NS" "$N1" register "$1" localhost "pw-$1-$$" ||
		ejd_ctl_ok "$NS" "$N1" check_account "$1" localhost
}
for u in ctl gw1 gw2; do
	echo "pw-$u-$$" > "$T_TMP/$u.password"; chmod 600 "$T_TMP/$u.password"
	check "account $u@localhost" wait_for 30 account "$u"
done
mqtt_up() { port_open_at 10.95.0.1 && port_open_at 10.95.0.2; }
port_open_at() { ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/$1/1883" 2>/dev/null; }
check "both nodes serve MQTT" wait_for 60 mqtt_up

# at NODE (1 or 2), as the controller
cpub() { local n=$1; shift; ip netns exec "$NS" mosquitto_pub -h "10.95.0.$n" -u ctl@localhost -P "pw-ctl-$$" -q 1 "$@"; }
cret() { ip netns exec "$NS" mosquitto_sub -h "10.95.0.$1" -u ctl@localhost -P "pw-ctl-$$" -t "$2" -C 1 -W 2 --retained-only 2>/dev/null; }
fwd() { cpub "$1" -r -t "edge/$2/forwards/$3" -m "{\"public_port\": $4, \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"; }
elem() { nft_list "$NS" "edge_$1" | grep -q "$2 : 10.50.0.12 . 80"; }
noelem() { ! nft_list "$NS" "edge_$1" | grep -q "$2 : "; }
on_node() { local s; s=$(cret "$2" "edge/$1/status"); [ "$(json_field "$s" broker)" = "mqtt://10.95.0.$2:1883" ] && [ "$(json_field "$s" synced)" = true ]; }

agent() {  # NAME URL-LIST
	agent_start "$NS" "$1" MQTT_URL="$2" MQTT_USERNAME="$1@localhost" MQTT_PASSWORD_FILE="$T_TMP/$1.password" \
		MQTT_FAILBACK_S=3 SYNC_SWEEP=off NFT_TABLE="edge_$1" ALLOWED_TARGETS=10.50.0.0/24 \
		WG_IFACE="wgc$1-$$" WG_CONF=
}
agent gw1 mqtt://10.95.0.1:1883,mqtt://10.95.0.2:1883
agent gw2 mqtt://10.95.0.2:1883,mqtt://10.95.0.1:1883
check "gw1 on node 1, synced" wait_for 20 on_node gw1 1
check "gw2 on node 2, synced" wait_for 20 on_node gw2 2

fwd 1 gw1 a 20001; fwd 1 gw1 b 20002; fwd 1 gw2 c 20003; fwd 1 fleet g 20009
cpub 1 -r -t edge/gw2/forwards/g -m '{"public_port": 20010, "target_ip": "10.50.0.12", "target_port": 80}'
check "gw1 (node 1) applies what the controller published on node 1" wait_for 10 bash -c \
	"$(declare -f elem); NS=$NS; elem gw1 20001 && elem gw1 20002"
check "gw2 (node 2) applies what the controller published on node 1" wait_for 10 bash -c \
	"$(declare -f elem); NS=$NS; elem gw2 20003 && elem gw2 20010"
ip netns exec "$NS" mosquitto_sub -h 10.95.0.1 -u ctl@localhost -P "pw-ctl-$$" -t edge/gw2/status/forwards/e \
	-C 1 -W 10 > "$T_TMP/e.status" 2>/dev/null &
sleep 0.5
fwd 1 gw2 e 20005
wait $!
check "gw2's status (published on node 2) reaches a subscriber on node 1" grep -q '"state":"applied"' "$T_TMP/e.status"
check "ejabberd: node 2 does not replay retained messages published on node 1 (why SYNC_SWEEP=off)" \
	test -z "$(cret 2 edge/gw1/forwards/a)"

# ---- node 1 dies
ejd_kill "$N1"
check "gw1 fails over to node 2, synced" wait_for 30 on_node gw1 2
check "failover: gw1 tore nothing down (replay incomplete, SYNC_SWEEP=off)" bash -c \
	"$(declare -f elem); NS=$NS; elem gw1 20001 && elem gw1 20002"
check "failover: logged that the replay removes nothing" grep -q 'SYNC_SWEEP=off' "$T_TMP/gw1.log"
check "gw2 unaffected" bash -c "$(declare -f elem); NS=$NS; elem gw2 20003 && elem gw2 20010"
fwd 2 gw1 d 20004
cpub 2 -r -t edge/gw1/forwards/b -m '{"deleted":true}'
check "on node 2: a new object applies on gw1" wait_for 10 elem gw1 20004
check "on node 2: a tombstone deletes on gw1" wait_for 10 noelem gw1 20002

# ---- node 1 returns: it rebuilds its index from the replicated store
ejd_start "$NS" "$N1" || fail "node 1 restarts" "$(tail -5 "$N1/console.log")"
check "node 1 back: replays what was published on node 2 while it was dead" \
	wait_for 20 bash -c "[ -n \"\$(ip netns exec $NS mosquitto_sub -h 10.95.0.1 -u ctl@localhost -P pw-ctl-$$ -t edge/gw1/forwards/d -C 1 -W 2 --retained-only 2>/dev/null)\" ]"
check "node 1 back: holds the tombstone" bash -c \
	"ip netns exec $NS mosquitto_sub -h 10.95.0.1 -u ctl@localhost -P pw-ctl-$$ -t edge/gw1/forwards/b -C 1 -W 2 --retained-only 2>/dev/null | grep -q deleted"
check "gw1 moves back to node 1" wait_for 30 on_node gw1 1
check "after failback: gw1 serves a and d, not b" bash -c \
	"$(declare -f elem noelem); NS=$NS; elem gw1 20001 && elem gw1 20004 && noelem gw1 20002"
t_done
