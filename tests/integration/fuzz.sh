#!/usr/bin/env bash
# Runs every libFuzzer harness (tests/fuzz/fuzz_*.c, clang + ASan + UBSan) for a bounded
# time from its seed corpus; crashes become files in tests/fuzz/regress/<name>/ to keep.
source "$(dirname "$0")/../lib/lib.sh"
cd "$ROOT"
SECS=${FUZZ_SECONDS:-20}
if ! command -v clang >/dev/null; then skip fuzz "clang not installed"; exit 77; fi
if ! make -s fuzz >"$T_TMP/build.log" 2>&1; then
	cat "$T_TMP/build.log"; fail "fuzz harnesses build"; t_done
fi
pass "fuzz harnesses build"
for bin in build-fuzz/fuzz_*; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	corpus=tests/fuzz/corpus/$name
	work=$T_TMP/corpus-$name; mkdir -p "$work"
	cp -r "$corpus"/. "$work"/ 2>/dev/null
	# known crashers found earlier must stay fixed
	if [ -d "tests/fuzz/regress/$name" ] && ls "tests/fuzz/regress/$name"/* >/dev/null 2>&1; then
		if "$bin" "tests/fuzz/regress/$name"/* >"$T_TMP/$name.regress" 2>&1; then
			pass "fuzz $name regressions"
		else
			tail -20 "$T_TMP/$name.regress"; fail "fuzz $name regressions"
		fi
	fi
	if "$bin" -max_total_time="$SECS" -max_len=70000 -artifact_prefix="$T_TMP/$name-" "$work" \
		>"$T_TMP/$name.log" 2>&1; then
		pass "fuzz $name for ${SECS}s ($(grep -o 'Done [0-9]* runs' "$T_TMP/$name.log"))"
	else
		tail -30 "$T_TMP/$name.log"; fail "fuzz $name"
		mkdir -p "tests/fuzz/regress/$name"; cp "$T_TMP/$name"-* "tests/fuzz/regress/$name/" 2>/dev/null
	fi
done
t_done
