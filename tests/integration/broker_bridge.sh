#!/usr/bin/env bash
# A regional mosquitto bridged to a central one with broker-config/ (mosquitto.conf on
# both, bridge-regional.conf on the regional one; only paths, addresses, secrets and
# timings rewritten): desired state published at the central broker reaches the agent
# behind the regional one (TLS all the way, accounts and ACLs), statuses come back up.
# Then the bridge link goes down: the central broker sees the bridge's will ("0" on
# edge/_bridges/<host>), more than max_queued_messages messages queue up for it, and
# after them an add, a change, a tombstone and an empty-payload delete. When the link
# returns everything converges from the retained state alone: the tombstone deletes,
# while the empty-payload delete, dropped from the full queue, is lost (why edgectl
# deletes with tombstones). The reconnect re-sends no status of an unchanged object.
#
# Namespaces: c (central, 10.96.0.1) -- r (regional, 10.96.0.2 / 10.96.1.1) -- a (agent).
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/prod_broker.sh"
require_root broker_bridge
require_tools broker_bridge mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl unshare nft
CTL=${EDGECTL:-$ROOT/build/edgectl}
require_built broker_bridge "$AGENT" "$CTL"

C=$(netns_new c); R=$(netns_new r); A=$(netns_new a)
veth_link "$C" c0 10.96.0.1/24 "$R" up0 10.96.0.2/24
veth_link "$R" a0 10.96.1.1/24 "$A" eth0 10.96.1.2/24
QUEUE=200       # the central broker's max_queued_messages here (production: 100000)

# ---- central: the production file; accounts for the controller and the bridge
prod_broker_init "$T_TMP/central" 10.96.0.1 127.0.0.1 || { fail "central CA and config"; t_done; }
CDIR=$PB_DIR
sed -i "s/^max_queued_messages .*/max_queued_messages $QUEUE/" "$CDIR/mosquitto.conf"
prod_account -c ctl && prod_account -c watch && prod_account -b reg1 reg1.test ||
	{ fail "central accounts" "$(cat "$CDIR/accounts.log")"; t_done; }
check "bridge account: reads desired state, writes statuses and its own bridge state" bash -c \
	"grep -qx 'topic read edge/+/routes/#' $CDIR/acl && grep -qx 'topic write edge/+/status/#' $CDIR/acl &&
	 grep -qx 'topic write edge/_bridges/reg1.test' $CDIR/acl && ! grep -q 'topic readwrite edge/+/routes' <(sed -n '/begin bridge reg1/,/end bridge reg1/p' $CDIR/acl)"
prod_broker_start "$C" || { fail "central broker starts" "$(tail -5 "$CDIR/broker.log")"; t_done; }
C_PID=$BROKER_PID

# ---- regional: the production file plus bridge-regional.conf
prod_broker_init "$T_TMP/regional" reg1.test 127.0.0.1 || { fail "regional CA and config"; t_done; }
RDIR=$PB_DIR
prod_account gw1 && prod_account -c rctl || { fail "regional account" "$(cat "$RDIR/accounts.log")"; t_done; }
sed -e "s|^connection .*|connection reg1|" \
    -e "s|^address .*|address 10.96.0.1:8883|" \
    -e "s|^bridge_cafile .*|bridge_cafile $CDIR/ca/ca.crt|" \
    -e "s|^remote_username .*|remote_username reg1|" \
    -e "s|^remote_password .*|remote_password $(cat "$CDIR/reg1.password")|" \
    -e "s|^remote_clientid .*|remote_clientid reg1|" \
    -e "s|^notification_topic .*|notification_topic edge/_bridges/reg1.test|" \
    -e "s|^keepalive_interval .*|keepalive_interval 3|" \
    -e "s|^restart_timeout .*|restart_timeout 1 3|" \
    "$ROOT/broker-config/bridge-regional.conf" > "$RDIR/bridge.conf"
changed=$(diff "$ROOT/broker-config/bridge-regional.conf" "$RDIR/bridge.conf" | grep -c '^>')
check "bridge config: only the 9 marked lines rewritten ($changed)" test "$changed" -eq 9
cat "$RDIR/bridge.conf" >> "$RDIR/mosquitto.conf"
prod_broker_start "$R" || { fail "regional broker starts" "$(tail -5 "$RDIR/broker.log")"; t_done; }

# at the central broker, as the controller
cpub() { PB_DIR=$CDIR PB_NS=$C mq ctl mosquitto_pub -q 1 "$@"; }
cret() { PB_DIR=$CDIR PB_NS=$C mq ctl mosquitto_sub -t "$1" -C 1 -W 2 --retained-only 2>/dev/null; }
rret() { PB_DIR=$RDIR PB_NS=$R mq rctl mosquitto_sub -t "$1" -C 1 -W 2 --retained-only 2>/dev/null; }
bridge_is() { [ "$(cret edge/_bridges/reg1.test)" = "$1" ]; }
cstate() { [ "$(json_field "$(cret "edge/gw1/status/forwards/$1")" state)" = "$2" ]; }
cgone() { [ -z "$(cret "edge/gw1/status/forwards/$1")" ]; }
fwd() { cpub -r -t "edge/gw1/forwards/$1" -m "{\"public_port\": $2, \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"; }
elem() { nft_list "$A" | grep -q "$1 : 10.50.0.12 . 80"; }
noelem() { ! nft_list "$A" | grep -q "$1 : "; }

check "bridge up: the central broker holds its notification \"1\"" wait_for 15 bridge_is 1
fwd keep 20001; fwd web 20002; fwd old1 20003; fwd old2 20004
rheld() { [ -n "$(rret "edge/gw1/forwards/$1")" ]; }
check "desired state arrives retained at the regional broker" wait_for 5 rheld old2

AGENT_WRAPPER=$(hosts_wrapper reg1.test 10.96.1.1) agent_start "$A" gw1 \
	MQTT_URL=mqtts://reg1.test:8883 MQTT_USERNAME=gw1 MQTT_PASSWORD_FILE="$RDIR/gw1.password" \
	MQTT_CA_FILE="$RDIR/ca/ca.crt" ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wgb-$$" WG_CONF=
all4() { elem 20001 && elem 20002 && elem 20003 && elem 20004; }
check "agent behind the regional broker applies all 4" wait_for 15 all4
for id in keep web old1 old2; do
	check "status of $id flows up to the central broker: applied" wait_for 10 cstate $id applied
done
node=$(cret edge/gw1/status)
check "node status at the central broker: online, names the regional broker" bash -c \
	"[ '$(json_field "$node" state)' = online ] && [ '$(json_field "$node" broker)' = mqtts://reg1.test:8883 ]"

# statuses of an unchanged object, as the central broker sees them from now on
PB_DIR=$CDIR PB_NS=$C mq watch mosquitto_sub -F "%r %p" -t edge/gw1/status/forwards/keep > "$T_TMP/keep.log" 2>/dev/null &
T_PIDS+=($!)

# ---- the link between the brokers goes down
ip -n "$C" link set c0 down
check "outage: the central broker publishes the bridge's will (\"0\")" wait_for 15 bridge_is 0
for i in $(seq 1 $((QUEUE + 100))); do echo "flood-$i"; done |
	cpub -t edge/zz/confirm -l
fwd new1 20005
fwd web 20012
cpub -r -t edge/gw1/forwards/old1 -m '{"deleted":true,"deleted_at":"2026-12-02T18:00:00Z"}'
cpub -r -n -t edge/gw1/forwards/old2
check "outage: the edge keeps serving everything it had" all4
check "outage: the central broker queued no more than max_queued_messages for the bridge" \
	wait_for 5 grep -q "Outgoing messages are being dropped for client reg1" "$CDIR/broker.log"

# ---- the link returns: convergence from the retained state
ip -n "$C" link set c0 up
check "bridge back: notification \"1\"" wait_for 30 bridge_is 1
check "after: added object applied" wait_for 15 elem 20005
moved() { elem 20012 && noelem 20002; }
check "after: changed object moved to its new port" wait_for 10 moved
check "after: tombstoned object removed" wait_for 10 noelem 20003
stone() { rret edge/gw1/forwards/old1 | grep -q '"deleted":true'; }
check "after: the regional broker holds the tombstone" stone
up_after() { cstate new1 applied && cstate web applied && cgone old1; }
check "after: statuses at the central broker (new1, web applied, old1 cleared)" wait_for 10 up_after
check "control: the empty-payload delete was dropped with the full queue; the edge still serves old2" \
	elem 20004
check "after: the unchanged object kept serving" elem 20001
sleep 1
# mosquitto's bridge re-sends the regional broker's retained statuses once it is back:
# copies of what the central broker holds, not new statuses
n=$(wc -l < "$T_TMP/keep.log"); kinds=$(cut -d' ' -f2- "$T_TMP/keep.log" | sort -u | wc -l)
check "reconnect: $n copies of an unchanged object's status reach the central broker, all identical" \
	test "$n" -ge 1 -a "$kinds" -eq 1
check "reconnect: the agent neither reconnected nor re-applied (one connect, one replay)" bash -c \
	"[ \$(grep -c 'mqtt: connected' $T_TMP/gw1.log) = 1 ] && [ \$(grep -c 'replay complete' $T_TMP/gw1.log) = 1 ]"
t_done
