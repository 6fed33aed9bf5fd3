#!/usr/bin/env bash
# Runs every test: unit programs (build/tests/test_*) and tests/integration/*.sh.
# Each prints PASS/FAIL/SKIP lines; this counts them and ends with the summary line.
# Usage: tests/run.sh [pattern]   (only tests whose name contains pattern)
set -u
cd "$(dirname "$0")/.."
pattern=${1:-}
passed=0 failed=0 skipped=0
failures=()
log_dir=build/test-logs
mkdir -p "$log_dir"

count() {  # name, output file, exit code
	local name=$1 out=$2 rc=$3 p f s
	p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
	if [ "$rc" -eq 77 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "SKIP $name: exit 77 without a reason" >> "$out"; s=1
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited with status $rc" >> "$out"; f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	grep -E '^(FAIL|SKIP) ' "$out" | sed "s|^|  [$name] |"
	[ "$f" -gt 0 ] && failures+=("$name (log: $out)")
	printf '%-40s %3d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
}

for bin in build/tests/test_*; do
	[ -x "$bin" ] || continue
	name=unit/$(basename "$bin")
	case "$name" in *_kernel) continue ;; esac   # run inside a namespace by its shell test
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	out=$log_dir/$(basename "$bin").log
	timeout 300 "$bin" > "$out" 2>&1; rc=$?
	count "$name" "$out" "$rc"
done

for t in tests/integration/*.sh; do
	name=integration/$(basename "$t" .sh)
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	out=$log_dir/$(basename "$t" .sh).log
	timeout 900 bash "$t" > "$out" 2>&1; rc=$?
	count "$name" "$out" "$rc"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo; echo "Failed:"; printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
