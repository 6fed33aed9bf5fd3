#!/usr/bin/env bash
# edgectl against a real mosquitto and the real agent (in a namespace): put and rm of
# routes and forwards with their exit codes (0 applied/removed, 2 rejected, 3 timeout),
# values refused before anything is published, ls and status tables and --json.
source "$(dirname "$0")/../lib/lib.sh"
require_root edgectl
CTL=${EDGECTL:-$ROOT/build/edgectl}
if [ ! -x "$CTL" ] || [ ! -x "$AGENT" ]; then
	skip edgectl "build/edgectl or build/edge-agent missing (make all)"; exit 77
fi

NS=$(netns_new ctl)
broker_start "$NS" || { fail "broker starts"; t_done; }
agent_start "$NS" gw1 EDGE_GROUPS=fleet ALLOWED_TARGETS=10.0.0.0/8 RESERVED_PORTS=22,80,443
check "agent synced" wait_for 10 node_synced "$NS" gw1
ip netns exec "$NS" mosquitto_sub -v -t 'edge/#' > "$T_TMP/all.log" 2>/dev/null &
T_PIDS+=($!)
sleep 0.2

# ctl ARGS...: runs edgectl in the namespace; sets RC, OUT (stdout) and ERR (stderr)
ctl() {
	ip netns exec "$NS" "$CTL" "$@" > "$T_TMP/out" 2> "$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out"); ERR=$(cat "$T_TMP/err")
}
# expect NAME RC [PATTERN]: the last ctl exited RC and its output matches PATTERN
expect() {
	local name=$1 want=$2 pat=${3:-}
	if [ "$RC" != "$want" ]; then
		fail "$name" "exit $RC, want $want; stdout: $OUT; stderr: $ERR"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$OUT$ERR"; then
		fail "$name" "output does not match /$pat/: $OUT $ERR"
	else
		pass "$name"
	fi
}
py() { /usr/bin/python3 -c "$@"; }
dyn=$T_TMP/gw1/dynamic
fwd_rule() { nft_list "$NS" | grep -qE "$1 : $2"; }

# --- routes -------------------------------------------------------------------------
ctl route put gw1 web --host web.example.com --target http://10.50.0.12:8080
expect "route put: applied, exit 0" 0 '^route web: applied on gw1$'
check "route put: Traefik file written" grep -q 'web.example.com' "$dyn/edge-agent.gw1.web.yml"

ctl route put gw1 web --host www.example.com --target http://10.50.0.12:8080 --certresolver le
expect "route put (update, stays applied): exit 0" 0 'applied on gw1'
check "route update: file has the new host" grep -q 'www.example.com' "$dyn/edge-agent.gw1.web.yml"

ctl route put gw1 web --host www.example.com --target http://10.50.0.12:8080 --certresolver le
expect "route put (same payload again): exit 0" 0 'applied on gw1'

# node-side policy: ALLOWED_TARGETS is the node's, so this is published and refused there
ctl route put gw1 web --host www.example.com --target http://192.168.7.7:8080
expect "route put outside ALLOWED_TARGETS: rejected by the node, exit 2" 2 \
	'rejected on gw1: route web: target_url host 192.168.7.7 is outside ALLOWED_TARGETS'
check "rejected update: says the previous version is still served" \
	grep -q 'previous version is still served' <<<"$ERR"
check "rejected update: previous file kept" grep -q 'www.example.com' "$dyn/edge-agent.gw1.web.yml"
ctl route put gw1 web --host www.example.com --target http://10.50.0.12:8080 --json
expect "route put --json: exit 0" 0
check "route put --json: result applied, status from the node" py '
import json, sys
d = json.loads(sys.argv[1])
assert d["result"] == "applied" and d["status"]["state"] == "applied" and d["node"] == "gw1", d
assert d["topic"] == "edge/gw1/routes/web", d' "$OUT"

# --- forwards -----------------------------------------------------------------------
ctl forward put gw1 ssh --port 2222 --to 10.50.0.12:22
expect "forward put: applied, exit 0" 0 '^forward ssh: applied on gw1$'
check "forward put: nftables element" fwd_rule 2222 '10.50.0.12 . 22'
ctl forward put gw1 dns --port 5353 --to 10.50.0.13:53 --udp
expect "forward put --udp: exit 0" 0 'applied'
check "forward put --udp: in the udp map" bash -c "nft_list $NS | sed -n '/fwd_udp/,/}/p' | grep -q '5353 : 10.50.0.13 . 53'"
ctl forward put gw1 rng --port 21000-21999 --to 10.50.0.12 --with '{"limit":{"connections_per_source":20},"allow_from":["192.0.2.0/24"]}'
expect "forward put of a range with a nested limit: applied, exit 0" 0 '^forward rng: applied on gw1$'
check "forward put of a range: one interval in the gate map" bash -c "nft_list $NS | grep -q '21000-21999 : goto f_rng'"
ctl forward rm gw1 rng
expect "forward rm of the range: exit 0" 0
ctl forward put gw1 admin --port 22 --to 10.50.0.12:22
expect "forward put on a reserved port: rejected by the node, exit 2" 2 \
	'rejected on gw1: forward admin: public_port 22 is reserved \(reserved: 22, 80, 443\)'

# --- refused before publishing: nothing reaches the broker --------------------------
ctl forward put gw1 bad --port 99999 --to 10.50.0.12:22
expect "bad port refused locally, exit 2" 2 \
	'forward bad: public_port 99999 is out of range \(accepted: 1..65535\) \(refused before publishing'
ctl forward put gw1 bad --port 2300 --to 127.0.0.1:22
expect "loopback target refused locally, exit 2" 2 'target_ip 127.0.0.1 is loopback'
ctl route put gw1 bad --host Bad.Example.com --target http://10.50.0.12
expect "upper-case host refused locally, exit 2" 2 'must be lower case'
ctl route put gw1 bad --host bad.example.com --target 'http://10.50.0.12:8080/{{x}}'
expect "template delimiters refused locally, exit 2" 2 'Traefik template delimiters'
ctl forward put gw1 'Bad' --port 2300 --to 10.50.0.12:22
expect "bad id refused locally, exit 2" 2 'does not match'
ctl forward put gw1 bad --port x --to 10.50.0.12:22 --json --mqtt-url mqtt://127.0.0.1:1
expect "refused locally before even connecting, --json" 2
check "refused locally: --json result invalid" py '
import json, sys; assert json.loads(sys.argv[1])["result"] == "invalid"' "$OUT"
sleep 0.3
check "refused values: nothing published" bash -c "! grep -q '/bad' $T_TMP/all.log"
check "refused values: nothing retained" bash -c "[ -z \"\$(retained $NS edge/gw1/forwards/bad)\" ]"

# --- groups and timeouts ------------------------------------------------------------
ctl forward put fleet web2 --port 8081 --to 10.50.0.20:80
expect "group put without --node: published, not awaited, exit 0" 0 'not waiting'
ctl forward put fleet web3 --port 8082 --to 10.50.0.21:80 --node gw1
expect "group put --node gw1: applied, exit 0" 0 'forward web3: applied on gw1'
ctl forward put fleet ssh --port 2223 --to 10.50.0.22:22 --node gw1 --timeout 1
expect "group object shadowed by the node's own: exit 3" 3 "gw1's own forward ssh takes precedence"
ctl forward put other web4 --port 8083 --to 10.50.0.21:80 --node gw1
expect "group the node does not follow: exit 1, nothing published" 1 'does not follow group other'
check "unfollowed group: nothing retained" bash -c "[ -z \"\$(retained $NS edge/other/forwards/web4)\" ]"
ctl route put gw9 web --host a.example.com --target http://10.50.0.12 --node gw9 --timeout 1
expect "unknown node: timeout, exit 3" 3 'no answer from gw9 within 1.0 s: node gw9 has never published'

# --- ls and status ------------------------------------------------------------------
ctl ls gw1
expect "ls: exit 0" 0 '^node gw1: online, synced; groups fleet$'
check "ls: table header" grep -qE '^KIND +ID +SOURCE +STATE +SPEC +ERROR$' <<<"$OUT"
check "ls: applied route row" grep -qE '^route +web +gw1 +applied +www.example.com -> http://10.50.0.12:8080' <<<"$OUT"
check "ls: rejected forward row with its error" \
	grep -qE '^forward +admin +gw1 +rejected +tcp/22 -> 10.50.0.12:22 +forward admin: public_port 22 is reserved' <<<"$OUT"
check "ls: group row shadowed" grep -qE '^forward +ssh +fleet +shadowed' <<<"$OUT"
check "ls: udp forward row" grep -qE '^forward +dns +gw1 +applied +udp/5353 -> 10.50.0.13:53' <<<"$OUT"
ctl ls gw1 --json
expect "ls --json: exit 0" 0
check "ls --json: objects and states" py '
import json, sys
d = json.loads(sys.argv[1])
assert d["node"] == "gw1" and d["status"]["state"] == "online", d
got = {(o["kind"], o["id"], o["source"]): o["state"] for o in d["objects"]}
want = {("route", "web", "gw1"): "applied", ("forward", "ssh", "gw1"): "applied",
        ("forward", "dns", "gw1"): "applied", ("forward", "admin", "gw1"): "rejected",
        ("forward", "web2", "fleet"): "applied", ("forward", "web3", "fleet"): "applied",
        ("forward", "ssh", "fleet"): "shadowed"}
assert got == want, got
ssh = [o for o in d["objects"] if o["id"] == "ssh" and o["source"] == "gw1"][0]
assert ssh["desired"] == {"public_port": 2222, "target_ip": "10.50.0.12", "target_port": 22, "proto": "tcp"}, ssh
admin = [o for o in d["objects"] if o["id"] == "admin"][0]
assert "reserved" in admin["error"] and admin["status"]["state"] == "rejected", admin' "$OUT"

ctl status
expect "status: exit 0" 0
check "status: table row for gw1, with the broker in use" grep -qE '^gw1 +online +yes +mqtt://127.0.0.1:1883 +1/0/0 +4/1/0 +0 +[0-9T:Z-]+$' <<<"$OUT"
check "status: the fleet summary" grep -qE '^1 node\(s\): 1 online, 0 unreachable, 0 offline or invalid; 1 synced; 0 with errors$' <<<"$OUT"
ctl status gw1 --json
expect "status gw1 --json: exit 0" 0
check "status --json: node, counts" py '
import json, sys
n = json.loads(sys.argv[1])["nodes"]
assert len(n) == 1 and n[0]["node"] == "gw1" and n[0]["state"] == "online" and n[0]["synced"] is True, n
assert n[0]["routes"] == {"applied": 1, "rejected": 0, "failed": 0}, n
assert n[0]["forwards"] == {"applied": 4, "rejected": 1, "failed": 0}, n' "$OUT"
ctl status gw5
expect "status of an unknown node: exit 1" 1 'node gw5 has never published a status'
# the broker options come from the environment as for the agent
OUT=$(ip netns exec "$NS" env TOPIC_PREFIX=other "$CTL" status --json); RC=$?
check "TOPIC_PREFIX from the environment" py '
import json, sys; assert json.loads(sys.argv[1])["nodes"] == []' "$OUT"
ip netns exec "$NS" env MQTT_URL=mqtt://127.0.0.1:1 "$CTL" status > /dev/null 2> "$T_TMP/err"; RC=$?
check "MQTT_URL from the environment: unreachable broker, exit 1" \
	bash -c "[ $RC = 1 ] && grep -q 'cannot connect to 127.0.0.1:1' $T_TMP/err"
ip netns exec "$NS" env MQTT_URL=http://x "$CTL" status > /dev/null 2> "$T_TMP/err"; RC=$?
check "bad MQTT_URL: the agent's message, exit 1" \
	bash -c "[ $RC = 1 ] && grep -q 'MQTT_URL \"http://x\" is invalid' $T_TMP/err"

# --- rm -----------------------------------------------------------------------------
ctl route rm gw1 web
expect "route rm: removed, exit 0" 0 '^route web: removed from gw1$'
check "route rm: status cleared" status_gone "$NS" gw1 routes web
check "route rm: Traefik file gone" test ! -e "$dyn/edge-agent.gw1.web.yml"
# the deletion is a retained tombstone with a 30-day MQTT 5 expiry (topics/README.md)
stone=$(ip netns exec "$NS" mosquitto_sub -V mqttv5 -t edge/gw1/routes/web -C 1 -W 2 \
	--retained-only -F '%E %p' 2>/dev/null)
check "route rm: a retained tombstone expiring in 30 days ($stone)" \
	grep -qE '^259[0-9]{4} \{"deleted":true,"deleted_at":"[0-9T:Z-]+"\}$' <<<"$stone"
ctl ls gw1
no_web_row() { [ "$RC" = 0 ] && ! grep -qE '^route +web ' <<<"$OUT"; }
check "ls: a tombstone is no object" no_web_row
ctl route rm gw1 web --empty
expect "rm --empty: the plain empty-payload delete, exit 0" 0 'removed'
check "rm --empty: nothing retained" test -z "$(retained "$NS" edge/gw1/routes/web)"
ctl route rm gw1 web --empty --tombstone-ttl 5
expect "rm --empty with --tombstone-ttl: usage error" 1 'drop --tombstone-ttl'
ctl forward rm gw1 ssh --json
expect "forward rm --json: exit 0" 0
check "forward rm --json: result removed" py '
import json, sys; assert json.loads(sys.argv[1])["result"] == "removed"' "$OUT"
check "forward rm: nftables element gone" bash -c "! nft_list $NS | grep -q '2222 :'"
ctl forward rm gw1 admin
expect "rm of a rejected object: exit 0" 0 'removed'
ctl forward rm gw1 never-existed
expect "rm of nothing: exit 0" 0 'removed'
ctl forward rm fleet ssh --node gw1
expect "group rm while the node's own is gone: exit 0" 0 'removed'

# --- the node goes away -------------------------------------------------------------
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
ctl forward put gw1 late --port 2400 --to 10.50.0.12:22 --timeout 1
expect "node offline: timeout, exit 3" 3 'node gw1 is offline'
ctl forward rm gw1 dns --timeout 1
expect "rm with the node offline: timeout, exit 3" 3 'the deletion stays published'
ctl status
check "status: offline row" grep -qE '^gw1 +offline +- ' <<<"$OUT"

# --- a second broker: aedes speaks MQTT 3.1.1 only and returns the end marker BEFORE the
# retained messages; edgectl falls back to 3.1.1 and its quiet period still sees them all
MODS=$ROOT/build/node_modules
if ! command -v node >/dev/null || [ ! -d "$MODS/aedes" ]; then
	skip "edgectl on aedes" "node or build/node_modules/aedes missing (agent_aedes.sh installs it)"
else
	NS=$(netns_new ae)
	ip netns exec "$NS" env NODE_PATH="$MODS" node "$ROOT/tests/lib/aedes_broker.js" 1883 \
		>> "$T_TMP/aedes.log" 2>&1 &
	T_PIDS+=($!)
	if wait_for 10 port_open "$NS" 1883; then
		for i in $(seq 1 60); do
			ip netns exec "$NS" mosquitto_pub -V mqttv311 -q 1 -r -t "edge/gw2/forwards/f$i" \
				-m "{\"public_port\": $((20000 + i)), \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"
		done
		agent_start "$NS" gw2 ALLOWED_TARGETS=10.0.0.0/8
		check "aedes: status --json shows the node synced" wait_for 15 bash -c \
			"ip netns exec $NS $CTL status gw2 --json 2>/dev/null | grep -q '\"synced\":true'"
		ctl forward put gw2 extra --port 21000 --to 10.50.0.12:81
		expect "aedes: forward put applied, exit 0" 0 'applied on gw2'
		ctl ls gw2 --json
		check "aedes: ls sees every retained object" py '
import json, sys
d = json.loads(sys.argv[1])
states = [o["state"] for o in d["objects"]]
assert len(states) == 61 and set(states) == {"applied"}, (len(states), set(states))' "$OUT"
	else
		fail "aedes starts"
	fi
fi

# --- the production broker (broker-config/): TLS, accounts, ACLs ----------------------
# edgectl as a controller-class account over mqtts:// with the CA, as an operator would.
if [ ! -f "$ROOT/tests/lib/prod_broker.sh" ] || ! command -v mosquitto_passwd >/dev/null; then
	skip "edgectl on the production broker" "tests/lib/prod_broker.sh or mosquitto_passwd missing"
else
	source "$ROOT/tests/lib/prod_broker.sh"
	NS=$(netns_new pb)
	if prod_broker_init "$T_TMP/pb" 127.0.0.1 && prod_account gw3 && prod_account -c ops &&
	   prod_broker_start "$NS"; then
		agent_start "$NS" gw3 MQTT_USERNAME=gw3 MQTT_PASSWORD_FILE="$PB_DIR/gw3.password"
		tls() { ctl "$@" --mqtt-url mqtts://127.0.0.1:8883 --mqtt-ca-file "$PB_DIR/ca/ca.crt" \
			--mqtt-username ops --mqtt-password-file "$PB_DIR/ops.password"; }
		check "TLS: node synced, seen by edgectl status" wait_for 15 bash -c \
			"ip netns exec $NS env MQTT_URL=mqtts://127.0.0.1:8883 MQTT_CA_FILE=$PB_DIR/ca/ca.crt \
			 MQTT_USERNAME=ops MQTT_PASSWORD_FILE=$PB_DIR/ops.password $CTL status gw3 --json 2>/dev/null |
			 grep -q '\"synced\":true'"
		tls forward put gw3 web --port 8443 --to 10.50.0.12:443
		expect "TLS + account: forward put applied, exit 0" 0 'applied on gw3'
		tls ls gw3 --json
		check "TLS + account: ls" py '
import json, sys
o = json.loads(sys.argv[1])["objects"]
assert [(x["id"], x["state"]) for x in o] == [("web", "applied")], o' "$OUT"
		tls route rm gw3 nothing
		expect "TLS + account: rm, exit 0" 0 'removed'
		ctl status --mqtt-url mqtts://127.0.0.1:8883 --mqtt-username ops \
			--mqtt-password-file "$PB_DIR/ops.password"
		expect "TLS without the CA: exit 1, says why" 1 'TLS handshake failed'
		ctl status --mqtt-url mqtts://127.0.0.1:8883 --mqtt-ca-file "$PB_DIR/ca/ca.crt" \
			--mqtt-username ops --mqtt-password wrong
		expect "wrong password: exit 1, refused" 1 'refused the connection'
	else
		fail "production broker starts" "$(tail -3 "$T_TMP/pb/broker.log" 2>/dev/null)"
	fi
fi

t_done
