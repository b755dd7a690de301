#!/bin/sh
# Runs every Check unit test given as arguments, then every tests/*.sh end-to-end test.
# Prints one line per test and a closing "N passed, N failed" line; exits 1 if any failed.
# Environment: BUILD (build dir with tools); SLOW=1 also runs tests/slow/*.sh (Linux
# boots), SLOW=only runs just those.
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD="${BUILD:-$top/build}" TOP="$top"
pass=0; fail=0; failed=""
run() { # name, command...
	name=$1; shift
	log="$BUILD/test-logs/$(basename "$name").log"
	mkdir -p "$BUILD/test-logs"
	if "$@" >"$log" 2>&1; then pass=$((pass+1)); echo "PASS $name"
	else fail=$((fail+1)); failed="$failed $name"; echo "FAIL $name (log: $log)"; tail -20 "$log"; fi
}
if [ "${SLOW:-0}" != only ]; then
	for t in "$@"; do run "$t" "$t"; done
	for t in "$top"/tests/*.sh; do [ -f "$t" ] && [ "$t" != "$top/tests/run-tests.sh" ] && run "$t" sh "$t"; done
fi
if [ "${SLOW:-0}" != 0 ]; then for t in "$top"/tests/slow/*.sh; do [ -f "$t" ] && run "$t" sh "$t"; done; fi
echo "tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
