#!/usr/bin/env bash
# Fleet benchmark: N real agents (default 200), each in its own network namespace with its
# own nftables table and directories, half behind each of two regional mosquittos bridged
# to a central one (tests/lib/fleet.sh, broker-config/bridge-regional.conf). Each round
# publishes one group object at the central broker and times, per node, the arrival back
# at the central broker of that node's "applied" status for exactly that payload (status
# digest): every hop counts (bridge down, agent, nftables, status, bridge up).
# Writes the "Fleet" section of bench/RESULTS.md (between its markers; other sections
# are left alone).
# Usage: bench/fleet.sh [--n N] [--rounds R] [--out DIR]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=200 ROUNDS=5 OUT=$ROOT/bench
while [ $# -gt 0 ]; do
	case $1 in
	--n) N=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: bench/fleet.sh [--n N] [--rounds R] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
source "$ROOT/tests/lib/lib.sh"
source "$ROOT/tests/lib/fleet.sh"
[ "$(id -u)" = 0 ] || { echo "bench/fleet.sh: needs root (network namespaces)" >&2; exit 1; }
log() { echo "fleet: $*" >&2; }
ulimit -n 65536 2>/dev/null

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "$N agents over two bridged regional brokers"
fleet_up "$N" || { log "set-up failed"; exit 1; }
T0=$(date +%s.%N)
fleet_agents
synced() { [ "$(fleet_synced)" = "$N" ]; }
wait_for 600 synced || { log "only $(fleet_synced) of $N synced"; exit 1; }
T_SYNC=$(python3 -c "print(round($(date +%s.%N) - $T0, 1))")
log "all synced after ${T_SYNC} s"

RAW=$T_TMP/latencies
: > "$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
	payload="{\"public_port\": $((21000 + r)), \"target_ip\": \"10.50.0.12\", \"target_port\": 80}"
	digest=$(printf '%s' "$payload" | sha256sum | cut -c1-16)
	csub 'edge/+/status/forwards/lat' -F '%U %t %p' > "$T_TMP/round$r" 2>/dev/null &
	sub=$!
	sleep 1
	t0=$(date +%s.%N)
	cpub -r -t edge/fleet/forwards/lat -m "$payload"
	done_all() { [ "$(grep -c "\"digest\":\"$digest\"" "$T_TMP/round$r")" -ge "$N" ]; }
	wait_for 120 done_all || log "round $r: only $(grep -c "$digest" "$T_TMP/round$r") of $N answered"
	kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
	python3 - "$T_TMP/round$r" "$t0" "$digest" "$r" >> "$RAW" <<'PY'
import sys
path, t0, digest, r = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
first = {}
for line in open(path):
    ts, topic, payload = line.split(" ", 2)
    if '"digest":"%s"' % digest in payload and '"state":"applied"' in payload:
        node = topic.split("/")[1]
        first.setdefault(node, (float(ts) - t0) * 1000)
for node, ms in sorted(first.items()):
    print(r, node, "%.2f" % ms)
PY
	log "round $r: $(awk -v r="$r" '$1 == r' "$RAW" | wc -l) nodes, last after $(awk -v r="$r" '$1 == r && $3 > m { m = $3 } END { print m }' "$RAW") ms"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$RAW" "$N" "$ROUNDS" "$T_SYNC" "$LOAD0" "$LOAD1" "$OUT/RESULTS.md" \
	"$(git -C "$ROOT" describe --always --dirty 2>/dev/null)" "$(dpkg-query -W -f='${Version}' mosquitto)" <<'PY'
import sys, os, statistics
raw, n, rounds, tsync, load0, load1, out, ver, mver = sys.argv[1:10]
n, rounds = int(n), int(rounds)
rows = [l.split() for l in open(raw) if l.strip()]
per_node = sorted(float(x[2]) for x in rows)
last = []
for r in range(1, rounds + 1):
    v = [float(x[2]) for x in rows if int(x[0]) == r]
    last.append((max(v) if v else float("nan"), len(v)))
def pct(v, p):
    if not v: return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]
lasts = sorted(x[0] for x in last)
complete = all(c == n for _, c in last)
sec = []
sec.append("<!-- fleet:begin (bench/fleet.sh writes this section) -->")
sec.append("## Fleet: one group publish through bridged brokers\n")
sec.append("%d real agents (each in its own network namespace, nftables table and directory), half "
           "behind each of two regional mosquittos bridged to a central one with "
           "`broker-config/bridge-regional.conf` (plain MQTT inside the test). Each of %d rounds "
           "publishes one group forward at the central broker; a node's time is from that publish "
           "to its `applied` status for exactly that payload (digest) arriving back at the central "
           "broker: down the bridge, the agent, nftables, the status, up the bridge.\n" % (n, rounds))
sec.append("| figure | value |\n|---|---|")
sec.append("| agents started to all %d synced (seen centrally) | %s s |" % (n, tsync))
sec.append("| per node, all rounds: p50 / p99 / max | %.1f / %.1f / %.1f ms |" % (pct(per_node, 50), pct(per_node, 99), per_node[-1] if per_node else float("nan")))
sec.append("| last node of a round: p50 / max over %d rounds | %.1f / %.1f ms |" % (rounds, pct(lasts, 50), lasts[-1] if lasts else float("nan")))
sec.append("| rounds where every node answered | %d of %d |" % (sum(1 for _, c in last if c == n), rounds))
sec.append("| target: last node under 1 s | %s |" % ("met" if complete and lasts and lasts[-1] < 1000 else "NOT met"))
sec.append("")
sec.append("Per round, time to the last node (ms): %s.\n" % ", ".join("%.1f" % x for x, _ in last))
sec.append("Machine: %d cores, load %s at the start and %s at the end; **shared with other "
           "jobs while it ran** (one run, not repeated). Agent %s, mosquitto %s. "
           "Run: `bench/fleet.sh --n %d --rounds %d` (also `make bench-fleet`)." %
           (os.cpu_count(), load0, load1, ver, mver, n, rounds))
sec.append("<!-- fleet:end -->")
text = "\n".join(sec) + "\n"
old = open(out).read() if os.path.exists(out) else ""
b, e = old.find("<!-- fleet:begin"), old.find("<!-- fleet:end -->")
if b >= 0 and e > b:
    new = old[:b] + text + old[e + len("<!-- fleet:end -->\n"):]
else:
    new = old.rstrip("\n") + "\n\n" + text
open(out, "w").write(new)
print(text)
PY
