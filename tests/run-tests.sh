#!/bin/sh
# Runs every Check unit test given as arguments, then every tests/*.sh end-to-end test
# and the bounded reliability tests (tests/reliability/*.sh).
# Prints one line per test (PASS, FAIL or SKIP) and a closing
# "tests: N passed, N failed, N skipped" line; exits 1 if any failed.
# A test that cannot run here (QEMU or the cross compiler missing) exits 77, as under
# automake, after printing "SKIP: reason"; it is reported as "SKIP name (reason)".
# Under CI=true or RRKIT_NO_SKIP=1 a skip counts as a failure: CI must not silently
# test less than it claims to.
# A test named in tests/XFAIL (a known bug) that fails is reported "XFAIL name (known
# bug: reason)" and counted after the skips ("N known bugs") without failing the run;
# if it passes ("XPASS") the run fails, so that the fixed bug leaves the list.
# Environment: BUILD (build dir with tools); SLOW=1 also runs tests/slow/*.sh (Linux
# boots), SLOW=only runs just those.
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD="${BUILD:-$top/build}" TOP="$top"
pass=0; fail=0; skip=0; xfail=0; failed=""
xfail_why() { # test file name: the reason listed in tests/XFAIL, or nothing
	[ -f "$top/tests/XFAIL" ] || return 0
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' "$top/tests/XFAIL"
}
no_skip=0
{ [ "${CI:-}" = true ] || [ "${RRKIT_NO_SKIP:-0}" = 1 ]; } && no_skip=1
run() { # name, command...
	name=$1; shift
	log="$BUILD/test-logs/$(basename "$name").log"
	mkdir -p "$BUILD/test-logs"
	"$@" >"$log" 2>&1
	rc=$?
	known=$(xfail_why "$(basename "$name")")
	if [ -n "$known" ] && [ $rc -ne 77 ]; then
		if [ $rc -eq 0 ]; then
			fail=$((fail+1)); failed="$failed $name"
			echo "FAIL $name (XPASS: passes but is listed in tests/XFAIL as a known bug: remove it there)"
		else
			xfail=$((xfail+1)); echo "XFAIL $name (known bug: $known) (log: $log)"
		fi
		return
	fi
	if [ $rc -eq 0 ]; then pass=$((pass+1)); echo "PASS $name"; return; fi
	if [ $rc -eq 77 ]; then
		why=$(grep '^SKIP: ' "$log" | tail -n 1 | sed 's/^SKIP: //')
		[ -n "$why" ] || why="no reason given"
		if [ $no_skip -eq 0 ]; then skip=$((skip+1)); echo "SKIP $name ($why)"; return; fi
		fail=$((fail+1)); failed="$failed $name"
		echo "FAIL $name (skipped: $why; CI=true or RRKIT_NO_SKIP=1 forbids skips) (log: $log)"
		return
	fi
	fail=$((fail+1)); failed="$failed $name"; echo "FAIL $name (log: $log)"; tail -20 "$log"
}
if [ "${SLOW:-0}" != only ]; then
	for t in "$@"; do run "$t" "$t"; done
	for t in "$top"/tests/*.sh; do [ -f "$t" ] && [ "$t" != "$top/tests/run-tests.sh" ] && run "$t" sh "$t"; done
	for t in "$top"/tests/reliability/*.sh; do [ -f "$t" ] && run "$t" sh "$t"; done
fi
if [ "${SLOW:-0}" != 0 ]; then for t in "$top"/tests/slow/*.sh; do [ -f "$t" ] && run "$t" sh "$t"; done; fi
if [ $xfail -gt 0 ]; then echo "tests: $pass passed, $fail failed, $skip skipped, $xfail known bugs"
else echo "tests: $pass passed, $fail failed, $skip skipped"; fi
[ $fail -eq 0 ]
