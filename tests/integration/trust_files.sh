#!/usr/bin/env bash
# The file namespace holds (issue 11): two agents share one Traefik directory with an
# operator's files through resyncs and restarts and remove only their own; a hard link and a
# symlink planted at the agent's temp paths are not written through; a crafted cache cannot
# put raw control characters or stray memory into the log.
source "$(dirname "$0")/../lib/lib.sh"
require_root trust_files
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
SHARED=$T_TMP/shared; mkdir -p "$SHARED"
start_a() { agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 TRAEFIK_DYNAMIC_DIR="$SHARED"; A_PID=$AGENT_PID; }
start_b() { agent_start "$EDGE" gw2 ALLOWED_TARGETS=10.50.0.0/24 TRAEFIK_DYNAMIC_DIR="$SHARED" NFT_TABLE=edge_b COEXIST=off; B_PID=$AGENT_PID; }
route() { pub "$EDGE" -r -t "edge/$1/routes/$2" -m "{\"hostname\": \"$2.$1.example.com\", \"target_url\": \"http://10.50.0.12:80\"}"; }

# --- two agents, one Traefik directory, an operator's files with the prefix
start_a; start_b
route gw1 web; route gw1 old; route gw2 api; route gw2 gone
check "both agents applied their routes" wait_for 10 bash -c "status_is $EDGE gw1 routes old applied && status_is $EDGE gw2 routes gone applied && node_synced $EDGE gw1 && node_synced $EDGE gw2"
echo "operator" > "$SHARED/edge-agent.gw1.op.yml"      # the node's own source name
echo "operator" > "$SHARED/edge-agent.gw2.op.yml"
echo "operator" > "$SHARED/edge-agent.fleet.x.yml"     # a group nobody follows
theirs_intact() {
	[ -f "$SHARED/edge-agent.gw1.web.yml" ] && [ -f "$SHARED/edge-agent.gw2.api.yml" ] &&
	for f in gw1.op gw2.op fleet.x; do grep -qx operator "$SHARED/edge-agent.$f.yml" || return 1; done
}
check "shared directory holds both agents' files" theirs_intact

# resyncs: the broker restarts (both agents reconnect and sweep), then each agent restarts
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
pub_all() { route gw1 web; route gw2 api; }
broker_start "$EDGE" 1883 && pub_all
check "both resynced after a broker restart" wait_for 15 bash -c "node_synced $EDGE gw1 && node_synced $EDGE gw2"
check "resync removed each agent's own stale file" wait_for 5 bash -c "[ ! -e $SHARED/edge-agent.gw1.old.yml ] && [ ! -e $SHARED/edge-agent.gw2.gone.yml ]"
check "resync kept the other agent's and the operator's files" theirs_intact
kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null
start_b
check "agent two restarted and synced" wait_for 10 bash -c "grep -c 'sync: retained replay complete' $T_TMP/gw2.log | grep -qx 2"
check "a restart of agent two removes nothing of theirs" theirs_intact
kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null
pub "$EDGE" -r -t edge/gw1/routes/web -n              # deleted while agent one is down
start_a
check "agent one removes its route deleted while it was down" wait_for 10 bash -c "[ ! -e $SHARED/edge-agent.gw1.web.yml ]"
check "agent one's restart keeps agent two's and the operator's files" bash -c "[ -f $SHARED/edge-agent.gw2.api.yml ] && grep -qx operator $SHARED/edge-agent.gw1.op.yml && grep -qx operator $SHARED/edge-agent.gw2.op.yml && grep -qx operator $SHARED/edge-agent.fleet.x.yml"
check "the manifest lists only the agent's own files" bash -c "grep -qx edge-agent.gw2.api.yml $T_TMP/gw2/data/traefik.manifest && ! grep -q 'gw1\|\.op\.' $T_TMP/gw2/data/traefik.manifest"
check "the manifest is private (0600)" test "$(stat -c %a "$T_TMP/gw2/data/traefik.manifest")" = 600
kill -TERM "$A_PID" "$B_PID"; wait "$A_PID" "$B_PID" 2>/dev/null

# --- a hard link and a symlink planted at the temp paths of health.json and state.json
DATA=$T_TMP/gw2/data
echo precious > "$T_TMP/victim"; chmod 600 "$T_TMP/victim"
ln -f "$T_TMP/victim" "$DATA/.health.json.tmp"
ln -f "$T_TMP/victim" "$DATA/.state.json.tmp"
ln -sf "$T_TMP/victim-sym" "$DATA/.traefik.manifest.tmp"
ln -f "$T_TMP/victim" "$DATA/state.journal"          # the append-only journal: not a temp
rm -f "$DATA/health.json"
start_b
route gw2 more
check "agent writes health.json over a planted hard link" wait_for 10 bash -c "grep -q '\"synced\":true' $DATA/health.json"
check "cache and manifest written over planted links" wait_for 10 bash -c "cat $DATA/state.json $DATA/state.journal | grep -q '\"more\"' && grep -q 'gw2.more' $DATA/traefik.manifest"
check "the hard-linked file is not written through" bash -c "[ \"\$(cat $T_TMP/victim)\" = precious ] && [ \$(stat -c %h $T_TMP/victim) -eq 1 ]"
check "the symlink target is not created" test ! -e "$T_TMP/victim-sym"
check "a hard-linked journal is replaced, not appended to" bash -c "grep -q 'state.journal was not the agent.s private file ([0-9]* links); replaced' $T_TMP/gw2.log && [ \$(stat -c %h $DATA/state.journal) -eq 1 ]"
kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null
ln -sf "$T_TMP/victim" "$DATA/.health.json.tmp"
start_b
check "health.json written over a planted symlink" wait_for 10 bash -c "[ \$(stat -c %Y $DATA/health.json) -ge \$(stat -c %Y $DATA/.health.json.tmp 2>/dev/null || echo 0) ] && ! [ -L $DATA/.health.json.tmp ] && grep -q '\"pid\":$B_PID' $DATA/health.json"
check "the symlink's target is unchanged" bash -c "[ \"\$(cat $T_TMP/victim)\" = precious ]"
kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null

# --- a crafted cache: ids with terminal escapes and newlines, an invalid id next to good ones
/usr/bin/python3 - "$DATA/state.json" <<'PY'
import json, sys
bad = "\x1b[31mevil\nFAKE error line\x07"
doc = {"version": 1, "node": "gw2", "sources": {"gw2": {
    "routes": {"api": {"hostname": "api.gw2.example.com", "target_url": "http://10.50.0.12:80",
                       "entrypoint": "websecure", "certresolver": None},
               bad: {"hostname": "x.example.com", "target_url": "http://10.50.0.12:80",
                     "entrypoint": "websecure", "certresolver": None}},
    "forwards": {"Bad\x1b]0;title\x07": {"public_port": 7000, "target_ip": "10.50.0.12",
                                       "target_port": 80, "proto": "tcp"}}}}}
open(sys.argv[1], "w").write(json.dumps(doc, ensure_ascii=False) + "\n")
PY
: > "$T_TMP/gw2.log"; rm -f "$DATA/state.journal"
start_b
check "crafted cache: agent starts and syncs" wait_for 10 node_synced "$EDGE" gw2
check "crafted cache: the bad id is logged quoted and escaped" grep -qF 'cache: dropping route "\x1b[31mevil\x0aFAKE error line\x07" from source gw2: the id does not match' "$T_TMP/gw2.log"
check "crafted cache: the second bad id too" grep -qF 'dropping forward "Bad\x1b]0;title\x07"' "$T_TMP/gw2.log"
check "crafted cache: no raw control character in the log" bash -c "! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' $T_TMP/gw2.log"
check "crafted cache: no line starts with the injected text" bash -c "! grep -q '^FAKE' $T_TMP/gw2.log"
check "crafted cache: the good route is still served" status_is "$EDGE" gw2 routes api applied
t_done
