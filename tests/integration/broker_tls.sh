#!/usr/bin/env bash
# The agent and the production broker over TLS (broker-config/, only its paths rewritten):
# with the right CA and password the agent connects, verifies the broker's certificate and
# applies a forward and a route. A wrong CA, a certificate for another name and a wrong
# password are each one plain error line naming the setting to check, repeated with
# growing backoff while the agent keeps running (a broker problem never stops it).
#
# Namespaces: brk (mosquitto), a (the agent that works), c (agents that must not connect);
# a and c reach brk over veths as broker.example.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/prod_broker.sh"
require_root broker_tls
for t in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl unshare nft; do
	command -v "$t" >/dev/null || { skip broker_tls "$t not installed"; exit 77; }
done
[ -x "$AGENT" ] || { skip broker_tls "$AGENT not built (make all)"; exit 77; }

BRK=$(netns_new brk); A=$(netns_new a); C=$(netns_new c)
veth_link "$BRK" a0 10.98.1.1/24 "$A" eth0 10.98.1.2/24
veth_link "$BRK" c0 10.98.3.1/24 "$C" eth0 10.98.3.2/24

prod_broker_init "$T_TMP/pb" broker.example 127.0.0.1 || { fail "test CA and config"; t_done; }
check "config: the production file with only its 5 paths rewritten" test "$PB_CHANGED" -eq 5
prod_account gw1 && prod_account -c ctl || { fail "accounts" "$(cat "$PB_DIR/accounts.log")"; t_done; }
prod_broker_start "$BRK" || { fail "broker starts" "$(tail -5 "$PB_DIR/broker.log")"; t_done; }
bash "$ROOT/broker-config/make-test-ca.sh" "$T_TMP/other-ca" broker.example >/dev/null
echo not-the-password > "$T_TMP/wrong.password"

ret() { mq ctl mosquitto_sub -t "$1" -C 1 -W 2 --retained-only 2>/dev/null; }
state_is() { [ "$(json_field "$(ret "$1")" state)" = "$2" ]; }
synced() { [ "$(json_field "$(ret "edge/$1/status")" synced)" = true ]; }

# ---- the listeners as the network sees them
if ip netns exec "$A" bash -c "exec 3<>/dev/tcp/10.98.1.1/1883" 2>/dev/null; then
	fail "loopback listener not reachable from the network"
else
	pass "loopback listener not reachable from the network"
fi
ip netns exec "$BRK" mosquitto_pub -h 127.0.0.1 -p 8883 -u ctl -P "$(cat "$PB_DIR/ctl.password")" \
	-t edge/gw1/forwards/plain -m x >/dev/null 2>&1; rc=$?
check "TLS listener refuses plain MQTT (rc $rc)" test "$rc" -ne 0
check "TLS listener presents a certificate for broker.example, verified with the CA" \
	bash -c "ip netns exec $A openssl s_client -connect 10.98.1.1:8883 -servername broker.example \
		-verify_hostname broker.example -CAfile $PB_DIR/ca/ca.crt -verify_return_error \
		</dev/null >/dev/null 2>&1"
check "TLS listener refuses TLS 1.1" bash -c "! ip netns exec $A openssl s_client -connect 10.98.1.1:8883 \
	-tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >/dev/null 2>&1"

# ---- the agent over TLS, verified
AGENT_WRAPPER=$(hosts_wrapper broker.example 10.98.1.1) agent_start "$A" gw1 \
	MQTT_URL=mqtts://broker.example:8883 MQTT_USERNAME=gw1 MQTT_PASSWORD_FILE="$PB_DIR/gw1.password" \
	MQTT_CA_FILE="$PB_DIR/ca/ca.crt" ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wgt-$$" WG_CONF=
check "agent connects over TLS" wait_for 10 grep -q 'mqtt: connected to broker.example:8883' "$T_TMP/gw1.log"
check "broker saw it on the TLS listener, client id = account name" bash -c \
	"grep -qE 'New connection from 10\.98\.1\.2:[0-9]+ on port 8883' $PB_DIR/broker.log &&
	 grep -qE \"New client connected from 10\.98\.1\.2:[0-9]+ as gw1 .*u'gw1'\" $PB_DIR/broker.log"
check "agent synced" wait_for 10 synced gw1
mq ctl mosquitto_pub -q 1 -r -t edge/gw1/forwards/web \
	-m '{"public_port": 20001, "target_ip": "10.50.0.12", "target_port": 80}'
mq ctl mosquitto_pub -q 1 -r -t edge/gw1/routes/app \
	-m '{"hostname": "app.example.com", "target_url": "http://10.50.0.12:8080"}'
check "forward applied" wait_for 5 state_is edge/gw1/status/forwards/web applied
check "route applied" wait_for 5 state_is edge/gw1/status/routes/app applied
check "nftables element for the forward" bash -c "nft_list $A | grep -q '20001 : 10.50.0.12 . 80'"
check "Traefik file for the route" test -f "$T_TMP/gw1/dynamic/edge-agent.gw1.app.yml"

# ---- agents that must not connect: one clear error line, repeated with backoff
# bad_agent NAME HOST WANT VAR=value...: runs an agent in c (user gw1 unless overridden)
# for up to 6 s; PASS when its log has WANT (fixed string) at error level at least 4
# times, at growing intervals (the backoff has ±25% jitter and each try a TLS handshake:
# the third wait is the longest, none much shorter than the one before), while it keeps
# running and never connects.
bad_agent() {
	local name=$1 host=$2 want=$3 log=$T_TMP/$1.log n t; shift 3
	AGENT_WRAPPER=$(hosts_wrapper "$host" 10.98.3.1) agent_start "$C" "$name" \
		MQTT_URL="mqtts://$host:8883" MQTT_USERNAME=gw1 NFT_TABLE="edge_${name//-/_}" \
		WG_IFACE="wgt-$$" WG_CONF= "$@"
	wait_for 6 bash -c "[ \$(grep -cF -- '$want' $log) -ge 4 ]"
	n=$(grep -cF -- "$want" "$log")
	check "$name: says '$want' ($n times)" bash -c "[ $n -ge 4 ] && grep -F -- '$want' $log | grep -q ' error '"
	t=$(grep -F -- "$want" "$log" | head -4 | cut -c12-23 |
		awk -F: '{ s = $1 * 3600 + $2 * 60 + $3; if (NR > 1) printf "%d ", (s - p) * 1000; p = s }')
	check "$name: retries with growing backoff (ms: $t)" \
		bash -c "set -- $t; [ \$# -eq 3 ] && [ \$3 -gt \$1 ] && [ \$3 -gt \$2 ] && [ \$((\$2 * 10)) -ge \$((\$1 * 7)) ]"
	check "$name: still running" kill -0 "$AGENT_PID"
	check "$name: never connected" bash -c "! grep -q 'mqtt: connected' $log"
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
}
good_ca=MQTT_CA_FILE=$PB_DIR/ca/ca.crt
good_pw=MQTT_PASSWORD_FILE=$PB_DIR/gw1.password
bad_agent wrong-ca broker.example \
	"mqtt: TLS certificate verification failed for broker.example:8883 (check MQTT_CA_FILE)" \
	MQTT_CA_FILE="$T_TMP/other-ca/ca.crt" "$good_pw"
bad_agent system-cas broker.example \
	"mqtt: TLS certificate verification failed for broker.example:8883 (check MQTT_CA_FILE, unset: only the system CAs are trusted)" \
	"$good_pw"
bad_agent wrong-name other.example \
	"mqtt: TLS certificate verification failed for other.example:8883: the certificate is not issued for other.example (check MQTT_URL)" \
	"$good_ca" "$good_pw"
bad_agent wrong-password broker.example \
	"mqtt: broker broker.example:8883 refused the credentials for user gw1 (check MQTT_USERNAME/MQTT_PASSWORD)" \
	"$good_ca" MQTT_PASSWORD_FILE="$T_TMP/wrong.password"
bad_agent wrong-password-311 broker.example \
	"mqtt: broker broker.example:8883 refused the credentials for user gw1 (check MQTT_USERNAME/MQTT_PASSWORD)" \
	"$good_ca" MQTT_PASSWORD_FILE="$T_TMP/wrong.password" MQTT_PROTOCOL=3.1.1
bad_agent unknown-user broker.example \
	"mqtt: broker broker.example:8883 refused the credentials for user gw9 (check MQTT_USERNAME/MQTT_PASSWORD)" \
	"$good_ca" "$good_pw" MQTT_USERNAME=gw9
check "broker log: the refused logins" bash -c "[ \$(grep -c 'disconnected, not authorised' $PB_DIR/broker.log) -ge 12 ]"
check "the working agent was never disturbed" bash -c "! grep -q 'lost connection' $T_TMP/gw1.log"

# a CA file that is not there is a configuration error: the agent stops at start, saying so
agent_start "$C" missing-ca MQTT_URL=mqtts://broker.example:8883 MQTT_CA_FILE="$T_TMP/nope.crt" NFT_TABLE=edge_missing
wait "$AGENT_PID"; rc=$?
check "missing MQTT_CA_FILE: stops at start (rc $rc) naming it" \
	bash -c "[ $rc -ne 0 ] && grep -q 'mqtt: MQTT_CA_FILE $T_TMP/nope.crt cannot be read' $T_TMP/missing-ca.log"
t_done
