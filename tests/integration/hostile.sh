#!/usr/bin/env bash
# The hostile catalogue (tests/hostile/cases.py) through a real broker and agent: every
# case gets its exact error where the sender will see it; nothing is written for it; the
# agent keeps serving. Plus deletes of unknown ids and 1,000-times flapping.
source "$(dirname "$0")/../lib/lib.sh"
require_root hostile
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 EDGE_GROUPS=fleet LOG_LEVEL=warn
check "synced" wait_for 10 node_synced "$EDGE" gw1
DYN=$T_TMP/gw1/dynamic
pub "$EDGE" -r -t edge/gw1/forwards/web-keep -m '{"public_port": 20500, "target_ip": "10.50.0.12", "target_port": 80}'
pub "$EDGE" -r -t edge/gw1/routes/site-keep -m '{"hostname": "keep.example.com", "target_url": "http://10.50.0.12:80"}'
check "good objects applied first" wait_for 5 bash -c "status_is $EDGE gw1 forwards web-keep applied && status_is $EDGE gw1 routes site-keep applied"
before_files=$(ls "$DYN" | sort)

ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/errors -W 60 > "$T_TMP/errors.jsonl" 2>/dev/null &
ERRSUB=$!; T_PIDS+=($ERRSUB); sleep 0.3
mkdir -p "$T_TMP/cases"
/usr/bin/python3 "$ROOT/tests/hostile/cases.py" "$T_TMP/cases" > "$T_TMP/cases.tsv"
n=0
while IFS=$'\t' read -r idx name t st want; do
	ip netns exec "$EDGE" mosquitto_pub -r -q 1 -t "$t" -f "$T_TMP/cases/$idx.bin" 2>>"$T_TMP/pub.err" || fail "publish $t"
	n=$((n + 1))
done < "$T_TMP/cases.tsv"
echo "published $n hostile cases"
check "at least 60 cases in the catalogue" test "$n" -ge 60
sleep 1
while IFS=$'\t' read -r idx name t st want; do
	if [ "$st" = errors ]; then
		got=$(/usr/bin/python3 -c '
import json,sys
for l in open(sys.argv[1]):
    try: e=json.loads(l)
    except ValueError: continue
    if e.get("error")==sys.argv[2]: print(e["error"]); break' "$T_TMP/errors.jsonl" "$want")
	else
		wait_for 5 bash -c "retained $EDGE edge/gw1/status/$st | grep -q rejected"
		payload=$(retained "$EDGE" "edge/gw1/status/$st")
		got=$(json_field "$payload" error)
		[ "$(json_field "$payload" state)" = rejected ] || got="state: $(json_field "$payload" state) $got"
	fi
	if [ "$got" = "$want" ]; then pass "hostile $name"; else fail "hostile $name" "got [$got] want [$want]"; fi
done < "$T_TMP/cases.tsv"

# nothing was written for any bad object; the good ones still serve
check "no Traefik file for any bad route" test "$(ls "$DYN" | sort)" = "$before_files"
check "only the good forward in the kernel" test "$(nft_list "$EDGE" | tr ',' '\n' | grep -c ': 10.50.0.12')" -eq 1
check "the good forward still serves" bash -c "probe tcp 20500 | grep -q 'backend tcp'"
check "agent alive after the catalogue" kill -0 "$AGENT_PID"
check "route files still pass the schema" /usr/bin/python3 "$ROOT/tests/lib/check_traefik.py" "$DYN"/*.yml

# deletes of ids that never existed: no status appears, nothing breaks
pub "$EDGE" -r -t edge/gw1/forwards/never-was -n
pub "$EDGE" -r -t edge/fleet/routes/never-was -n
sleep 0.5
check "delete of an unknown id leaves no status" status_gone "$EDGE" gw1 forwards never-was

# flapping: create/delete the same id 1,000 times; the end state equals the last message
/usr/bin/python3 - "$EDGE" <<'PY'
import subprocess, sys
ns = sys.argv[1]
lines = []
for i in range(1000):
    lines.append('{"public_port": %d, "target_ip": "10.50.0.12", "target_port": 80}' % (21000 + i % 7))
    lines.append("")
lines.append('{"public_port": 21999, "target_ip": "10.50.0.12", "target_port": 80}')
# one mosquitto_pub per line would take minutes: -l publishes each stdin line (empty lines
# are deletes) on one connection
p = subprocess.run(["ip", "netns", "exec", ns, "mosquitto_pub", "-r", "-q", "1", "-t",
                    "edge/gw1/forwards/flap", "-l"], input="\n".join(lines) + "\n", text=True)
sys.exit(p.returncode)
PY
check "flapping: final state is the last message" wait_for 10 bash -c "nft_list $EDGE | grep -q '21999 : 10.50.0.12 . 80' && status_is $EDGE gw1 forwards flap applied"
check "flapping: no stale element left" bash -c "! nft_list $EDGE | grep -qE '2100[0-6] :'"
check "agent alive after flapping" kill -0 "$AGENT_PID"
t_done
