#!/usr/bin/env bash
# MQTT_URL as an ordered broker list, against real mosquittos in their own namespaces:
# a name with two addresses is tried address by address (the first refuses); losing the
# first broker moves the agent to the second with a full resync and nothing torn down;
# a first broker that comes back only briefly does not pull the agent back (no flapping);
# one that stays up does, after MQTT_FAILBACK_S. The node status names the broker in use.
# An address that drops SYNs is given up after a few seconds for the next broker.
# edgectl takes the same list. A bad list stops the agent at start, naming MQTT_URL.
#
# Namespaces: b1 (10.97.1.1, also holds 10.97.1.3 where nothing listens), b2 (10.97.2.1),
# a (the agent, 10.97.1.2 and 10.97.2.2).
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/prod_broker.sh"
require_root broker_failover
require_tools broker_failover mosquitto mosquitto_pub mosquitto_sub unshare nft
CTL=${EDGECTL:-$ROOT/build/edgectl}
require_built broker_failover "$AGENT" "$CTL"

B1=$(netns_new b1); B2=$(netns_new b2); A=$(netns_new a)
veth_link "$B1" a0 10.97.1.1/24 "$A" eth1 10.97.1.2/24
veth_link "$B2" a0 10.97.2.1/24 "$A" eth2 10.97.2.2/24
ip -n "$B1" addr add 10.97.1.3/24 dev a0

# mosq NS ADDR: a broker listening on ADDR:1883 only; sets MOSQ_PID
mosq() {
	local conf=$T_TMP/mosq-$2.conf
	printf 'listener 1883 %s\nallow_anonymous true\nmax_queued_messages 100000\n' "$2" > "$conf"
	ip netns exec "$1" mosquitto -c "$conf" >> "$T_TMP/mosq-$2.log" 2>&1 &
	MOSQ_PID=$!
	T_PIDS+=("$MOSQ_PID")
	wait_for 5 ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/1883" 2>/dev/null
}
stop() { kill "$1"; wait "$1" 2>/dev/null; }
# at ADDR ...: mosquitto_pub/sub arguments against the broker at ADDR (from a)
rsub() { ip netns exec "$A" mosquitto_sub -h "$1" -t "$2" -C 1 -W 2 --retained-only 2>/dev/null; }
node_field() { json_field "$(rsub "$1" edge/gw1/status)" "$2"; }
on_broker() { [ "$(node_field "$1" broker)" = "$2" ] && [ "$(node_field "$1" synced)" = true ]; }
fwd() {  # ADDR ID PORT
	ip netns exec "$A" mosquitto_pub -q 1 -r -h "$1" -t "edge/gw1/forwards/$2" \
		-m "{\"public_port\": $3, \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"
}
elem() { nft_list "$A" | grep -q "$1 : 10.50.0.12 . 80"; }

mosq "$B1" 10.97.1.1 && B1_PID=$MOSQ_PID || { fail "broker 1 starts"; t_done; }
mosq "$B2" 10.97.2.1 || { fail "broker 2 starts"; t_done; }
for b in 10.97.1.1 10.97.2.1; do fwd $b web 20001; done
fwd 10.97.2.1 only2 20002

# ---- a bad list: the agent stops at start and says which variable
ip netns exec "$A" env -i PATH="$PATH" NODE_ID=gw9 DATA_DIR="$T_TMP/gw9" \
	MQTT_URL="mqtt://10.97.1.1,,mqtt://10.97.2.1" "$AGENT" > "$T_TMP/bad.out" 2>&1; rc=$?
check "bad list: agent exits at start (status $rc)" test "$rc" -ne 0
check "bad list: message names MQTT_URL and the empty entry" \
	grep -q 'MQTT_URL "mqtt://10.97.1.1,,mqtt://10.97.2.1" is invalid: entry 2 is empty' "$T_TMP/bad.out"

# ---- a name with two addresses: 10.97.1.3 refuses, 10.97.1.1 answers
hosts=$T_TMP/hosts
printf '127.0.0.1 localhost\n10.97.1.3 pair.test\n10.97.1.1 pair.test\n' > "$hosts"
AGENT_WRAPPER="unshare -m --propagation private $ROOT/tests/lib/with_hosts.sh $hosts" \
	agent_start "$A" gw1 MQTT_URL="mqtt://pair.test:1883,mqtt://10.97.2.1:1883" \
	MQTT_FAILBACK_S=3 ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wgf-$$" WG_CONF=
log=$T_TMP/gw1.log
check "name: first address refused, logged" wait_for 10 grep -q 'could not connect to pair.test:1883 \[10.97.1.3\]' "$log"
check "name: second address answers" wait_for 10 grep -q 'connected to pair.test:1883 \[10.97.1.1\]' "$log"
check "status names the first broker, synced" wait_for 10 on_broker 10.97.1.1 mqtt://pair.test:1883
check "forward from broker 1 applied" wait_for 5 elem 20001
check "object only on broker 2 not applied yet" bash -c "! nft_list $A | grep -q 20002"

# ---- losing broker 1: over to broker 2, full resync, nothing torn down meanwhile
nft_list "$A" > "$T_TMP/before.nft"
stop "$B1_PID"
check "failover: status at broker 2 names it, synced" wait_for 15 on_broker 10.97.2.1 mqtt://10.97.2.1:1883
check "failover: resync applied broker 2's own object" wait_for 5 elem 20002
check "failover: forward kept throughout" elem 20001
check "failover: logged the loss and the new broker" bash -c \
	"grep -q 'lost connection to pair.test:1883' $log && grep -q 'connected to 10.97.2.1:1883' $log"

# ---- edgectl with the same list while broker 1 is down
ip netns exec "$A" "$CTL" --mqtt-url "mqtt://10.97.1.1:1883,mqtt://10.97.2.1:1883" status gw1 \
	> "$T_TMP/ctl.out" 2> "$T_TMP/ctl.err"; rc=$?
check "edgectl: first broker down, second answers (exit $rc)" bash -c \
	"[ $rc = 0 ] && grep -q gw1 $T_TMP/ctl.out"
ip netns exec "$A" "$CTL" --mqtt-url "mqtt://10.97.1.1:1883,mqtt://10.97.1.3:1883" status gw1 \
	> "$T_TMP/ctl.out" 2> "$T_TMP/ctl.err"; rc=$?
check "edgectl: no broker answers: each named in the error (exit $rc)" bash -c \
	"[ $rc != 0 ] && grep -q '10.97.1.1:1883' $T_TMP/ctl.err && grep -q '10.97.1.3:1883' $T_TMP/ctl.err"

# ---- broker 1 back for a moment only: no move (the agent needs 3 s of answers)
moves() { grep -c 'moving back to it' "$log"; }
mosq "$B1" 10.97.1.1 && B1_PID=$MOSQ_PID
sleep 1
stop "$B1_PID"
sleep 4
check "no flapping: a broker up for 1 s does not pull the agent back" test "$(moves)" -eq 0
check "no flapping: still on broker 2" on_broker 10.97.2.1 mqtt://10.97.2.1:1883

# ---- broker 1 back for good: the agent moves back and resyncs there
mosq "$B1" 10.97.1.1 && B1_PID=$MOSQ_PID
fwd 10.97.1.1 web 20001; fwd 10.97.1.1 only1 20003
check "failback: agent moves back to broker 1" wait_for 20 on_broker 10.97.1.1 mqtt://pair.test:1883
check "failback: once" test "$(moves)" -eq 1
check "failback: resync against broker 1 (its object applied, broker 2's removed)" \
	wait_for 5 bash -c "nft_list $A | grep -q 20003 && ! nft_list $A | grep -q 20002"
check "failback: forward kept throughout" elem 20001

# ---- a broker address that drops SYNs (a host switched off): a few seconds, then the next
ip -n "$B1" addr add 10.97.1.5/24 dev a0
ip netns exec "$B1" nft -f - <<'NFT'
table inet blackhole {
	chain in {
		type filter hook input priority 0;
		ip daddr 10.97.1.5 tcp dport 1883 drop
	}
}
NFT
agent_start "$A" gw3 MQTT_URL="mqtt://10.97.1.5:1883,mqtt://10.97.2.1:1883" NFT_TABLE=edge_gw3 \
	ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wgg-$$" WG_CONF=
check "silent address: given up for the next broker, which it connects to" wait_for 30 bash -c \
	"grep -q 'could not connect to 10.97.1.5:1883: no answer' $T_TMP/gw3.log &&
	 grep -q 'connected to 10.97.2.1:1883' $T_TMP/gw3.log"
t_done
