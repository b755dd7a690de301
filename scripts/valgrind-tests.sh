#!/bin/sh
# The tools' end-to-end tests with every tool under valgrind memcheck (make
# valgrind-check; slow, a CI job of its own).
#
#   sh scripts/valgrind-tests.sh [TEST.sh...]
#
# Makes build/valgrind/, a BUILD folder whose rr-run, rr-dump, rr-diff, rr-cut and
# rr-merge run the real ones (from build/) under
#   valgrind --smc-check=all --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
#            --error-exitcode=99 --track-fds=no
# with one log file a process (build/valgrind/logs/), and runs the tests through
# tests/run-tests.sh with BUILD set to it. A test fails as usual, and the run fails
# too if any valgrind log reports an error (an invalid read or write, a use of
# uninitialised memory, a definite leak), even where the test accepted the tool's
# nonzero exit. Tests keep their own timeouts, so the default list is the tests whose
# guests are short.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
R=$top/build V=$top/build/valgrind
command -v valgrind >/dev/null || { echo "valgrind-tests: valgrind not installed (scripts/install-deps.sh)"; exit 1; }
[ -x "$R/rr-run" ] || { echo "valgrind-tests: make all first"; exit 1; }
rm -rf "$V"
mkdir -p "$V/logs"
for t in rr-run rr-dump rr-diff rr-cut rr-merge; do
	cat >"$V/$t" <<EOF
#!/bin/sh
exec valgrind -q --smc-check=all --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \\
	--show-leak-kinds=definite --error-exitcode=99 --log-file="$V/logs/$t.%p.log" "$R/$t" "\$@"
EOF
	chmod +x "$V/$t"
done
ln -s "$R/tests" "$V/tests"
ln -s "$R/guest" "$V/guest"
[ -d "$R/fixtures" ] || BUILD=$R "$R/tests/check_rrlog" >/dev/null 2>&1
ln -s "$R/fixtures" "$V/fixtures"
# rr-bare.sh is left out: its SIGTERM-during-recording check sends the signal
# before rr-run under valgrind has set its handler (exit 143), a timing artifact.
tests=${*:-rrdump.sh rrdump_bad.sh rrdump_qemu.sh rr-cut.sh rr-merge-text.sh rrdiff.sh}
start=$(date +%s)
pass=0 failn=0
for t in $tests; do
	f=$top/tests/$t
	[ -f "$f" ] || f=$top/tests/reliability/$t
	t0=$(date +%s)
	if BUILD=$V TOP=$top sh "$f" >"$V/logs/test-$(basename "$t").out" 2>&1; then
		pass=$((pass + 1)); echo "PASS $t ($(( $(date +%s) - t0 )) s)"
	else
		failn=$((failn + 1)); echo "FAIL $t ($(( $(date +%s) - t0 )) s; log: $V/logs/test-$(basename "$t").out)"
		grep '^FAIL' "$V/logs/test-$(basename "$t").out" | head -5
	fi
done
nlog=$(ls "$V/logs" | grep -c '\.log$')
errs=$(grep -l . "$V"/logs/*.log 2>/dev/null | head -20)
if [ -n "$errs" ]; then
	echo "valgrind reported errors in:"
	for e in $errs; do echo "  $e"; head -20 "$e" | sed 's/^/    /'; done
	failn=$((failn + 1))
fi
echo "valgrind: $pass passed, $failn failed, $nlog tool runs under memcheck, $(( $(date +%s) - start )) s"
[ $failn -eq 0 ]
