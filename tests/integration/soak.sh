#!/usr/bin/env bash
# Soak: N routes + N forwards on one node, then 1,000 updates per second (mixed change,
# delete, re-create, forwards and routes). Every update is applied, the final state is
# exactly the last messages, memory stays flat. CI runs it for SOAK_SECONDS=10;
# `make soak` runs the full 60 s.
source "$(dirname "$0")/../lib/lib.sh"
require_root soak
N=${SOAK_N:-10000}; SECS=${SOAK_SECONDS:-10}; RATE=${SOAK_RATE:-1000}
BULK=$ROOT/build/mqtt_bulk
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
DYN=$T_TMP/gw1/dynamic
/usr/bin/python3 - "$N" > "$T_TMP/initial.txt" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    print(f'edge/gw1/forwards/f{i}\t{{"public_port": {10000 + i}, "target_ip": "10.50.0.12", "target_port": 1}}')
    print(f'edge/gw1/routes/r{i}\t{{"hostname": "r{i}.example.com", "target_url": "http://10.50.0.12:1"}}')
PY
ip netns exec "$EDGE" "$BULK" < "$T_TMP/initial.txt" 2>/dev/null
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=warn
check "initial $N + $N converge" wait_for 120 node_synced "$EDGE" gw1

pid=$AGENT_PID   # not pgrep: other tests run agents on this host too
rss0=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "RSS after converge: ${rss0} kB"

# the update stream: RATE per second for SECS seconds; the generator records the last
# message per object in expected.txt
/usr/bin/python3 - "$N" "$SECS" "$RATE" "$T_TMP/expected.txt" <<'PY' | ip netns exec "$EDGE" "$BULK" 2>/dev/null
import random, sys, time
n, secs, rate, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
random.seed(7)
state = {}
for i in range(n):
    state[f"forwards/f{i}"] = 1
    state[f"routes/r{i}"] = 1
t0 = time.time()
sent = 0
for tick in range(secs * 10):
    for _ in range(rate // 10):
        kind = random.choice(("forwards", "routes"))
        i = random.randrange(n)
        key = f"{kind}/{'f' if kind == 'forwards' else 'r'}{i}"
        if random.random() < 0.15:
            state[key] = None
            print(f"edge/gw1/{key}")
        else:
            v = random.randrange(2, 60000)
            state[key] = v
            if kind == "forwards":
                print(f'edge/gw1/{key}\t{{"public_port": {10000 + i}, "target_ip": "10.50.0.12", "target_port": {v}}}')
            else:
                print(f'edge/gw1/{key}\t{{"hostname": "r{i}.example.com", "target_url": "http://10.50.0.12:{v}"}}')
        sent += 1
    sys.stdout.flush()
    delay = t0 + (tick + 1) / 10 - time.time()
    if delay > 0:
        time.sleep(delay)
with open(out, "w") as f:
    for k, v in sorted(state.items()):
        if v is not None:
            f.write(f"{k} {v}\n")
print(f"sent {sent} updates in {time.time() - t0:.1f} s", file=sys.stderr)
PY
expected=$(wc -l < "$T_TMP/expected.txt")
# the final state, read back from the kernel and the Traefik directory
actual() {
	{ nft_list "$EDGE" | tr ',{}' '\n\n\n' | sed -n 's/^[[:space:]]*\([0-9]*\) : 10.50.0.12 . \([0-9]*\).*/\1 \2/p' |
		awk '{printf "forwards/f%d %d\n", $1 - 10000, $2}'
	  grep -ho 'r[0-9]*\.example\.com\|http://10.50.0.12:[0-9]*' "$DYN"/edge-agent.gw1.r*.yml 2>/dev/null |
		paste - - | sed 's/^r\([0-9]*\)\.example\.com\thttp:\/\/10.50.0.12:\([0-9]*\)/routes\/r\1 \2/'; } | sort
}
settled() { [ "$(actual | wc -l)" -eq "$expected" ] && diff -q <(actual) "$T_TMP/expected.txt" >/dev/null; }
check "final state equals the last messages ($expected objects)" wait_for 60 settled
if ! settled; then diff <(actual) "$T_TMP/expected.txt" | head -10; fi
check "every object's status is applied" wait_for 20 bash -c \
	"retained $EDGE edge/gw1/status | grep -q '\"routes\":{\"applied\":$(grep -c ^routes "$T_TMP/expected.txt"),\"rejected\":0,\"failed\":0},\"forwards\":{\"applied\":$(grep -c ^forwards "$T_TMP/expected.txt"),\"rejected\":0'"
rss1=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "RSS after the soak: ${rss1} kB (after converge: ${rss0} kB)"
check "memory flat (RSS ${rss0} -> ${rss1} kB, within 25% + 4 MiB)" test "$rss1" -le $((rss0 * 125 / 100 + 4096))
check "agent alive" kill -0 "$pid"
t_done
