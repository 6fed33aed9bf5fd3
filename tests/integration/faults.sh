#!/usr/bin/env bash
# Faults: kill -9 in the middle of applying 10,000 objects; DATA_DIR full; a read-only
# Traefik directory. The agent reports, keeps what it had, and recovers by itself.
source "$(dirname "$0")/../lib/lib.sh"
require_root faults
N=${FAULT_N:-5000}   # routes and forwards each
BULK=$ROOT/build/mqtt_bulk
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
ENVS=(ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=info)
DYN=$T_TMP/gw1/dynamic; DATA=$T_TMP/gw1/data
MOUNTS=()
umount_all() { local m; for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done; }
trap 'umount_all; t_cleanup' EXIT

/usr/bin/python3 - "$N" > "$T_TMP/bulk.txt" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    print(f'edge/gw1/forwards/f{i}\t{{"public_port": {20000 + i}, "target_ip": "10.50.0.{12 + i % 200}", "target_port": 80}}')
    print(f'edge/gw1/routes/r{i}\t{{"hostname": "r{i}.example.com", "target_url": "http://10.50.0.12:{1000 + i}"}}')
PY
ip netns exec "$EDGE" "$BULK" < "$T_TMP/bulk.txt" 2>/dev/null || fail "bulk publish"
nfwd() { nft_list "$EDGE" | tr ',' '\n' | grep -c ': 10.50.0.'; }
nroutes() { ls "$DYN" | grep -c '^edge-agent\.gw1\.r[0-9]*\.yml$'; }

for delay in 0.3 0.8 1.5; do
	agent_start "$EDGE" gw1 "${ENVS[@]}"
	sleep "$delay"
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	echo "killed after ${delay}s: $(nfwd) forwards, $(nroutes) route files on disk"
	check "cache readable after kill -9 at ${delay}s" /usr/bin/python3 "$ROOT/tests/lib/state_cache.py" "$DATA"
done
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "restarted agent syncs" wait_for 60 node_synced "$EDGE" gw1
check "kernel has exactly the $N forwards" wait_for 10 bash -c "[ \$(nft_list $EDGE | tr ',' '\n' | grep -c ': 10.50.0.') -eq $N ]"
check "Traefik dir has exactly the $N route files" wait_for 10 bash -c "[ \$(ls $DYN | grep -c '^edge-agent\.gw1\.r[0-9]*\.yml\$') -eq $N ]"
check "route file content is the desired one" grep -q 'http://10.50.0.12:1777' "$DYN/edge-agent.gw1.r777.yml"
check "no temp files in the Traefik dir or its temp subdirectory" bash -c "! ls -A $DYN $DYN/.edge-agent-tmp 2>/dev/null | grep -q '\.tmp\$'"
check "no temp files in DATA_DIR" bash -c "! ls -A $DATA | grep -q '\.tmp\$'"
check "cache holds every object" test "$(/usr/bin/python3 "$ROOT/tests/lib/state_cache.py" "$DATA" | tr '\n' ' ')" = "forward $N route $N "
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"

# --- DATA_DIR full: a tiny tmpfs
ip netns exec "$EDGE" nft delete table inet edge_agent
rm -rf "$DATA" "$DYN"; mkdir -p "$DATA" "$DYN"
mount -t tmpfs -o size=12k tmpfs "$DATA" && MOUNTS+=("$DATA")
ip netns exec "$EDGE" bash -c "printf 'edge/gw1/forwards/f%s\t\n' \$(seq 0 $((N - 1))); printf 'edge/gw1/routes/r%s\t\n' \$(seq 0 $((N - 1)))" |
	ip netns exec "$EDGE" "$BULK" 2>/dev/null
pub "$EDGE" -r -t edge/gw1/forwards/small -m '{"public_port": 30000, "target_ip": "10.50.0.12", "target_port": 80}'
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "first cache written" wait_for 10 bash -c "cat $DATA/state.* | grep -q small"
{ for i in $(seq 1 150); do
	printf 'edge/gw1/forwards/big%s\t{"public_port": %s, "target_ip": "10.50.0.12", "target_port": 80}\n' "$i" $((30000 + i))
done; } | ip netns exec "$EDGE" "$BULK" 2>/dev/null
# "applied" means it would survive a crash: what cannot be saved is failed, yet in force
check "unsaved forwards are failed, not applied" wait_for 10 status_is "$EDGE" gw1 forwards big150 failed
check "their error names the state cache" bash -c "retained $EDGE edge/gw1/status/forwards/big150 | grep -q 'state cache: .*No space left on device'"
check "unsaved forwards are in force all the same" bash -c "nft_list $EDGE | grep -q '30150 : 10.50.0.12 . 80'"
check "full DATA_DIR reported in node status" wait_for 10 bash -c "retained $EDGE edge/gw1/status | grep -q 'state cache: .*No space left on device'"
check "what was saved before is intact" bash -c "/usr/bin/python3 $ROOT/tests/lib/state_cache.py $DATA >/dev/null && cat $DATA/state.* | grep -q '\"small\"'"
check "no temp file left in the full DATA_DIR" bash -c "! ls -A $DATA | grep -q tmp"
mount -o remount,size=1m "$DATA"
check "recovers once space returns" wait_for 40 bash -c "cat $DATA/state.* | grep -q big150 && status_is $EDGE gw1 forwards big150 applied && ! retained $EDGE edge/gw1/status | grep -q 'No space'"

# --- read-only Traefik directory (mounted before the agent starts: ip netns exec gives it
# its own mount namespace; a superblock remount is seen there)
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"
mount -t tmpfs -o size=1m tmpfs "$DYN" && MOUNTS+=("$DYN")
agent_start "$EDGE" gw1 "${ENVS[@]}"
check "synced again" wait_for 10 node_synced "$EDGE" gw1
mount -o remount,ro "$DYN"
pub "$EDGE" -r -t edge/gw1/routes/ro -m '{"hostname": "ro.example.com", "target_url": "http://10.50.0.12"}'
check "route on a read-only directory is failed" wait_for 5 status_is "$EDGE" gw1 routes ro failed
check "its error says why" bash -c "retained $EDGE edge/gw1/status/routes/ro | grep -q 'Read-only file system'"
check "node status names the Traefik problem" wait_for 5 bash -c "retained $EDGE edge/gw1/status | grep -q 'traefik: .*Read-only file system'"
check "forwards unaffected" bash -c "probe tcp 30000 | grep -q 'backend tcp'"
mount -o remount,rw "$DYN"
check "route applied once the directory is writable" wait_for 40 status_is "$EDGE" gw1 routes ro applied
check "file written after recovery" test -f "$DYN/edge-agent.gw1.ro.yml"
t_done
