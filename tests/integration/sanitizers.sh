#!/usr/bin/env bash
# Memory safety: unit tests and the end-to-end scenario under ASan/UBSan, unit tests and
# the agent's start-up/sync under valgrind.
source "$(dirname "$0")/../lib/lib.sh"
require_root sanitizers
cd "$ROOT"
if ! make -s SANITIZE=1 B=build-asan all unit >"$T_TMP/build.log" 2>&1; then
	cat "$T_TMP/build.log"; fail "ASan/UBSan build"; t_done
fi
pass "ASan/UBSan build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build-asan/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *_kernel) continue ;; esac
	if "$t" >"$T_TMP/u.log" 2>&1 && ! grep -qE 'Sanitizer|runtime error' "$T_TMP/u.log"; then
		pass "asan $(basename "$t")"
	else
		grep -E 'FAIL|Sanitizer|runtime error' "$T_TMP/u.log" | head; fail "asan $(basename "$t")"
	fi
	if is_sanitized "build/tests/$(basename "$t")"; then
		skip "valgrind $(basename "$t")" "build/ is itself a sanitizer build (make SANITIZE=1 test)"
	elif valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
		"build/tests/$(basename "$t")" >"$T_TMP/v.log" 2>&1; then
		pass "valgrind $(basename "$t")"
	else
		grep -E '==[0-9]+==' "$T_TMP/v.log" | head -20; fail "valgrind $(basename "$t")"
	fi
done
out=$(AGENT=$ROOT/build-asan/edge-agent bash tests/integration/agent_e2e.sh 2>&1)
if [ $? -eq 0 ]; then pass "end-to-end scenario under ASan/UBSan"; else
	grep -E '^FAIL|Sanitizer|runtime error' <<<"$out" | head -20; fail "end-to-end scenario under ASan/UBSan"; fi

# the integration scenario under valgrind memcheck: no leaks, no invalid reads or writes
if is_sanitized "$AGENT"; then
	skip "end-to-end scenario under valgrind" "build/ is itself a sanitizer build (make SANITIZE=1 test)"
	t_done
fi
cat > "$T_TMP/vg.sh" <<VG
#!/bin/sh
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \\
	--suppressions=$ROOT/tests/valgrind.supp --log-file=$T_TMP/vg.%p.log "\$@"
VG
chmod +x "$T_TMP/vg.sh"
out=$(AGENT_WRAPPER=$T_TMP/vg.sh bash tests/integration/agent_e2e.sh 2>&1)
if [ $? -eq 0 ]; then pass "end-to-end scenario under valgrind"; else
	grep -E '^FAIL' <<<"$out" | head -20; fail "end-to-end scenario under valgrind"; fi
if ls "$T_TMP"/vg.*.log >/dev/null 2>&1 && [ -z "$(cat "$T_TMP"/vg.*.log)" ]; then
	pass "valgrind: no leaks, no invalid reads or writes in the agent"
else
	head -40 "$T_TMP"/vg.*.log; fail "valgrind: no leaks, no invalid reads or writes in the agent"
fi
t_done
