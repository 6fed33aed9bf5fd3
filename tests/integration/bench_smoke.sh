#!/bin/bash
# The benchmark suite at small N, so its code cannot rot: bench/run.sh --smoke writes a
# report into a temp dir, and every section, the targets table and the plots must be there.
# Figures are never asserted: this machine runs other tests at the same time.
set -u
cd "$(dirname "$0")/../.."

skip() { echo "SKIP bench_smoke: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x build/edge-agent ] || skip "build/edge-agent is not built (make all)"
for t in gnuplot mosquitto nft iptables-restore cc; do
	command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
done

# the smoke measures the clustered broker too where ejabberd is installed (tests/install-deps.sh)
cluster=0
if command -v ejabberdctl >/dev/null && id ejabberd >/dev/null 2>&1; then cluster=1; else export SETUPS=tuned; fi

out=$(mktemp -d /tmp/edge-bench-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0
check() {
	local name=$1; shift
	if "$@"; then echo "PASS bench_smoke: $name"; else echo "FAIL bench_smoke: $name"; fail=1; fi
}

timeout 600 bash bench/run.sh --smoke --out "$out" > "$out/run.log" 2>&1
rc=$?
check "bench/run.sh --smoke exits 0 (rc $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -20 "$out/run.log"
r=$out/RESULTS.md
check "RESULTS.md is written" test -s "$r"
for h in "## Targets" "## 1. Cold converge and scale" "## 2. Update latency" "### Set-ups side by side" \
	"### Warm restart" "## 3. Data plane" "## 4. Memory and CPU" "## 5. Fleet fan-out" "## 6. Traefik output" \
	"## 7. The pure core's scaling" "## 8. Every kind of forward against HAProxy (mode tcp)"; do
	check "section \"$h\"" grep -qxF "$h" "$r"
done
check "machine and versions are named" grep -q '^| kernel | .' "$r"
check "section 8 measured the forwards' kinds" grep -q '^| forward with allow_from of 1,000 sources | [0-9]' "$r"
check "it says it is a smoke run" grep -q 'SMOKE RUN' "$r"
check "every target has a verdict" \
	test "$(grep -cE '^\| .* \| \*\*(met|MISSED|not measured)\*\* \|$' "$r")" -ge 7
# a section whose measurement broke shows n/a; in the smoke run everything must measure
check "no target is left unmeasured" bash -c "! grep -q 'not measured' '$r'"
for png in converge.png memory.png updates.png dataplane.png; do
	check "plot $png" bash -c "[ -s '$out/$png' ] && head -c 8 '$out/$png' | grep -q PNG && grep -qF '($png)' '$r'"
done
check "the converge table has a row" grep -qE '^\| 200 \| [0-9]' "$r"
check "the data-plane table has a row for N = 500" grep -qE '^\| 500 \| [0-9]' "$r"
check "the fan-out table has a row for K = 6" grep -qE '^\| 6 \| [0-9]' "$r"
check "the Traefik table has figures" grep -qE '^\| write N new files, one batch \| [0-9]' "$r"
check "inotify events per route change are counted" grep -qE '^\| change \| [0-9]+ \| [0-9]+-[0-9]+ \|' "$r"
check "the tuned set-up has a row" grep -qE '^\| tuned \| tuned \| .* \| [0-9]' "$r"
[ "$cluster" = 0 ] ||
	check "the cluster set-up has a row" grep -qE '^\| cluster \| ejabberd .* \| [0-9]' "$r"
check "the warm restart has a row" grep -qE '^\| main \| [0-9,]+ \| [0-9,]+ \|' "$r"
[ "$fail" = 0 ] || { echo "--- bench/run.sh output:"; tail -40 "$out/run.log"; }
exit "$fail"
