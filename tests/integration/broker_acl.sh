#!/usr/bin/env bash
# Broker access control, with the production broker configuration (broker-config/, only
# its paths rewritten) and real agents over TLS: a node's account reads only its own and
# its groups' desired state, cannot publish desired state (for itself or anyone) and cannot
# forge another node's status; the broker drops such messages, so nothing arrives and
# nothing is applied. The controller's account publishes and reads statuses.
#
# Namespaces: brk (mosquitto; the controller's tools run here over TLS to 127.0.0.1),
# a (agent gw1, group eu) and b (agent gw2, group us), each reaching brk over a veth as
# broker.example.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/prod_broker.sh"
require_root broker_acl
for t in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl unshare nft; do
	command -v "$t" >/dev/null || { skip broker_acl "$t not installed"; exit 77; }
done
[ -x "$AGENT" ] || { skip broker_acl "$AGENT not built (make all)"; exit 77; }

BRK=$(netns_new brk); A=$(netns_new a); B=$(netns_new b)
veth_link "$BRK" a0 10.98.1.1/24 "$A" eth0 10.98.1.2/24
veth_link "$BRK" b0 10.98.2.1/24 "$B" eth0 10.98.2.2/24

# ---- accounts and configuration
prod_broker_init "$T_TMP/pb" broker.example 127.0.0.1 || { fail "test CA and config"; t_done; }
check "config: the production file with only its 5 paths rewritten" test "$PB_CHANGED" -eq 5
prod_account gw1 eu && prod_account gw2 us && prod_account -c ctl && prod_account -c watch ||
	{ fail "accounts" "$(cat "$PB_DIR/accounts.log")"; t_done; }
cp "$PB_DIR/acl" "$T_TMP/acl.before"; cp "$PB_DIR/gw1.password" "$T_TMP/gw1.password.before"
prod_account gw1 eu
check "credentials script is idempotent (same ACL file, same password, one entry)" bash -c \
	"cmp -s $T_TMP/acl.before $PB_DIR/acl && cmp -s $T_TMP/gw1.password.before $PB_DIR/gw1.password &&
	 [ \$(grep -c '^gw1:' $PB_DIR/passwd) -eq 1 ]"
if bash "$ROOT/broker-config/make-node-credentials.sh" -p "$PB_DIR/passwd" -a "$PB_DIR/acl" \
	-s "$T_TMP/eu.password" eu 2>/dev/null; then
	fail "credentials script refuses a node named like a group"
else
	pass "credentials script refuses a node named like a group"
fi
prod_broker_start "$BRK" || { fail "broker starts" "$(tail -5 "$PB_DIR/broker.log")"; t_done; }

# ---- helpers: the controller's view (ctl for one-shot reads, watch for the live log)
# readable USER FILTER...: every retained "topic payload" USER receives for the filters
readable() {
	local u=$1 a=(); shift
	for f in "$@"; do a+=(-t "$f"); done
	mq "$u" mosquitto_sub "${a[@]}" --retained-only -W 2 -v 2>/dev/null
}
ret() { mq ctl mosquitto_sub -t "$1" -C 1 -W 2 --retained-only 2>/dev/null; }
state_is() { [ "$(json_field "$(ret "$1")" state)" = "$2" ]; }
synced() { [ "$(json_field "$(ret "edge/$1/status")" synced)" = true ]; }
gone() { [ -z "$(ret "$1")" ]; }
fwd() { echo "{\"public_port\": $1, \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"; }
elements() { nft_list "$1" | grep -o '[0-9]* : 10\.50\.0\.12 \. 80' | cut -d' ' -f1 | sort | tr '\n' ' '; }

# ---- no anonymous access, on either listener
out=$(mq - mosquitto_pub -t edge/gw1/forwards/anon -m "$(fwd 20099)" 2>&1)
check "TLS listener refuses anonymous clients" grep -q 'not authorised' <<<"$out"
out=$(ip netns exec "$BRK" mosquitto_pub -h 127.0.0.1 -p 1883 -t edge/gw1/forwards/anon -m x 2>&1)
check "loopback listener refuses anonymous clients" grep -q 'not authorised' <<<"$out"

# ---- the controller publishes desired state for nodes and groups
ok=1
while read -r topic payload; do
	mq ctl mosquitto_pub -q 1 -r -t "$topic" -m "$payload" 2>>"$T_TMP/pub.err" || ok=0
done <<EOF
edge/gw1/forwards/a1 $(fwd 20001)
edge/eu/forwards/eu1 $(fwd 20011)
edge/gw2/forwards/b1 $(fwd 20002)
edge/us/forwards/us1 $(fwd 20012)
edge/gw1/routes/r1 {"hostname": "r1.example.com", "target_url": "http://10.50.0.12:8080"}
EOF
check "controller publishes routes and forwards for nodes and groups" \
	test "$ok" = 1 -a ! -s "$T_TMP/pub.err"
n=$(readable ctl 'edge/+/forwards/#' 'edge/+/routes/#' | wc -l)
check "controller reads back the desired state (5 retained, got $n)" test "$n" -eq 5

# ---- what a node's account can read (before its agent runs: one connection per account)
seen=$(readable gw1 '#' | cut -d' ' -f1 | sort | tr '\n' ' ')
check "gw1 reads its own and its group's desired state, nothing else (got: $seen)" \
	test "$seen" = "edge/eu/forwards/eu1 edge/gw1/forwards/a1 edge/gw1/routes/r1 "
check "gw1 cannot read gw2's desired state" test -z "$(readable gw1 'edge/gw2/#')"
check "gw1 cannot read another group's desired state" test -z "$(readable gw1 'edge/us/#')"

# ---- the agents, over TLS with their node accounts
start_gw() {  # NS NODE GROUP BROKER_IP (WireGuard: a name of its own, no wg-quick file)
	AGENT_WRAPPER=$(hosts_wrapper broker.example "$4") agent_start "$1" "$2" \
		MQTT_URL=mqtts://broker.example:8883 MQTT_USERNAME="$2" \
		MQTT_PASSWORD_FILE="$PB_DIR/$2.password" MQTT_CA_FILE="$PB_DIR/ca/ca.crt" \
		EDGE_GROUPS="$3" ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wg$2-$$" WG_CONF=
}
start_gw "$A" gw1 eu 10.98.1.1
GW1_PID=$AGENT_PID
start_gw "$B" gw2 us 10.98.2.1
check "gw1 synced (it reads its own sync marker)" wait_for 15 synced gw1
check "gw2 synced" wait_for 15 synced gw2
check "gw1 applied its forward" wait_for 5 state_is edge/gw1/status/forwards/a1 applied
check "gw1 applied its group's forward" wait_for 5 state_is edge/gw1/status/forwards/eu1 applied
check "gw1 applied its route" wait_for 5 state_is edge/gw1/status/routes/r1 applied
check "gw2 applied its forward" wait_for 5 state_is edge/gw2/status/forwards/b1 applied
check "gw2 applied its group's forward" wait_for 5 state_is edge/gw2/status/forwards/us1 applied
check "gw1's table: its own and its group's forwards only" test "$(elements "$A")" = "20001 20011 "
check "gw2's table: its own and its group's forwards only" test "$(elements "$B")" = "20002 20012 "

# ---- gw1's account attacks: every publish is dropped by the broker
mq watch mosquitto_sub -v -t 'edge/#' > "$T_TMP/watch.log" 2>&1 &
T_PIDS+=($!)
sleep 0.5
# One connection per account: the first attack disconnects gw1's own agent. Paused, it
# cannot reconnect (and disconnect the attacker) until the attacks are over.
kill -STOP "$GW1_PID"
gw2_status=$(ret edge/gw2/status)
attack() {  # TOPIC PAYLOAD [-r]: as gw1, MQTT 5, QoS 1; prints the client's complaint
	mq gw1 mosquitto_pub -V 5 -q 1 ${3:-} -t "$1" -m "$2" 2>&1
}
denied=0 total=0
while read -r retain topic payload; do
	total=$((total + 1))
	[ "$retain" = r ] && retain=-r || retain=
	attack "$topic" "$payload" $retain | grep -q 'Publish 1 failed: Not authorized' && denied=$((denied + 1))
done <<EOF
r edge/gw1/forwards/evil1 $(fwd 20091)
r edge/eu/forwards/evil2 $(fwd 20092)
r edge/gw2/forwards/evil3 $(fwd 20093)
r edge/us/forwards/evil4 $(fwd 20094)
r edge/gw1/routes/evil5 {"hostname": "evil5.example.com", "target_url": "http://10.50.0.12"}
r edge/gw2/routes/evil6 {"hostname": "evil6.example.com", "target_url": "http://10.50.0.12"}
r edge/gw1/wireguard {"address": "10.50.0.66/24", "peers": [], "evil": 7}
r edge/gw2/wireguard {"address": "10.50.0.66/24", "peers": [], "evil": 8}
- edge/gw1/confirm evil9
- edge/gw2/confirm evil10
r edge/gw2/status {"state": "offline", "node": "gw2", "forged": 11}
r edge/gw2/status/forwards/b1 {"state": "rejected", "error": "forged 12"}
- edge/gw2/errors {"error": "forged 13"}
- edge/gw2/sync forged14
EOF
check "broker refuses each of gw1's $total forbidden publishes (PUBACK 135: $denied)" test "$denied" -eq "$total"
# the same as MQTT 3.1.1 at QoS 0: no answer at all, still dropped
ip netns exec "$BRK" mosquitto_pub -h 127.0.0.1 -p 1883 -V 311 -u gw1 -P "$(cat "$PB_DIR/gw1.password")" \
	-r -t edge/gw2/forwards/evil15 -m "$(fwd 20095)"
leak=$(readable gw1 'edge/gw2/status' 'edge/gw2/status/#')
# taking over gw2's session: the client id is the account name, so this connection is "gw1"
ip netns exec "$BRK" mosquitto_sub -h 127.0.0.1 -p 1883 -i edge-agent-gw2 -u gw1 \
	-P "$(cat "$PB_DIR/gw1.password")" -t 'edge/gw2/#' -v -W 2 > "$T_TMP/takeover.out" 2>&1
kill -CONT "$GW1_PID"

check "gw1 is back and synced after its account was used elsewhere" wait_for 15 synced gw1
sleep 1
check "the controller saw none of it" bash -c "! grep -E 'evil|forged' $T_TMP/watch.log"
kept=$(readable ctl 'edge/#' | grep -E 'evil|forged')
check "no forbidden message is retained${kept:+: $kept}" test -z "$kept"
check "gw1's table unchanged (nothing applied)" test "$(elements "$A")" = "20001 20011 "
check "gw2's table unchanged (nothing applied)" test "$(elements "$B")" = "20002 20012 "
check "no status for any forbidden object" test -z "$(readable ctl 'edge/+/status/#' | grep evil)"
check "gw2's status is its own" test "$(ret edge/gw2/status)" = "$gw2_status"
check "gw2's forward status not forged" state_is edge/gw2/status/forwards/b1 applied
check "gw1 applied no route file for evil5" test ! -e "$T_TMP/gw1/dynamic/edge-agent.gw1.evil5.yml"
check "agents logged no forbidden topic" bash -c "! grep -hE 'evil|forged' $T_TMP/gw1.log $T_TMP/gw2.log"
check "gw1 cannot read gw2's status" test -z "$leak"
check "gw1 cannot take over gw2's session (gw2 kept its connection)" \
	bash -c "! grep -q 'lost connection' $T_TMP/gw2.log"
check "gw1 received nothing of gw2's while posing as its client id" \
	bash -c "! grep -q '^edge/gw2/' $T_TMP/takeover.out"

# ---- the controller confirms, sends WireGuard peers, deletes; reads errors and statuses
mq ctl mosquitto_pub -q 1 -t edge/gw1/confirm -m no-such-token
check "controller's confirm reaches gw1; gw1's error reaches the controller" \
	wait_for 5 grep -q 'edge/gw1/errors .*confirm: nothing is held' "$T_TMP/watch.log"
# (an invalid one: gw2 refuses it on its errors topic and changes nothing)
mq ctl mosquitto_pub -q 1 -t edge/gw2/wireguard -m '{"address": "not-an-address"}'
check "controller's wireguard message reaches gw2" \
	wait_for 5 grep -q 'edge/gw2/errors .*"topic":"edge/gw2/wireguard"' "$T_TMP/watch.log"
mq ctl mosquitto_pub -q 1 -r -t edge/gw1/forwards/a1 -n
check "controller deletes a forward: gw1 removes it" wait_for 5 gone edge/gw1/status/forwards/a1
check "gw1's table now holds only the group forward" test "$(elements "$A")" = "20011 "

# ---- accounts added later are picked up on SIGHUP
prod_account gw3
prod_broker_reload
mq gw3 mosquitto_sub -t 'edge/gw3/#' -W 1 >/dev/null 2>&1; rc=$?
check "an account added later connects after SIGHUP (rc $rc: 27 = timed out while connected)" test "$rc" -eq 27

# ---- revoking a node: at the reload its connection is closed and it cannot come back;
# its forwards keep working (a broker problem never removes anything)
bash "$ROOT/broker-config/make-node-credentials.sh" -d -p "$PB_DIR/passwd" -a "$PB_DIR/acl" gw2 2>/dev/null
prod_broker_reload
check "revoked gw2: disconnected, then refused with a plain error" \
	wait_for 10 grep -q 'mqtt: broker broker.example:8883 refused the credentials for user gw2' "$T_TMP/gw2.log"
check "revoked gw2: its ACL block is gone" bash -c "! grep -q 'gw2' $PB_DIR/acl"
check "revoked gw2: its forwards stay in place" test "$(elements "$B")" = "20002 20012 "
t_done
