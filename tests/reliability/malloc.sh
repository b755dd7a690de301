#!/bin/sh
# Allocation-failure injection (tests/tools/malloc-fail.c has the rules): for each of
# librrlog's writer, reader and text parser and lib/replay's sessions, cut, merge
# and bundles, every allocation of a run fails in turn; each failure must give an
# error with a message, never a crash, an exit from inside a library (libarchive's
# own excepted, and counted) or a corrupt or half-written output. A build with ASan
# (SANITIZE=1) runs each scenario once without injection.
. "${TOP:?}/tests/lib/common.sh"
MF=$B/tests/tools/malloc-fail
timeout 60 "$B/rr-run" -q -w "$T/log.rr" -m 16M --snapshot-every 400 --hash-interval 200 \
	--bios none "$G/hello.elf" >/dev/null || bad "record hello"
"$B/rr-dump" --full "$T/log.rr" >"$T/log.rr.txt" || bad "rr-dump --full"
"$B/rr-cut" -q --segments 2 "$T/log.rr" "$T/seg.rr" || bad "rr-cut --segments 2"
for s in writer reader text session cut merge bundle; do
	timeout 300 "$MF" $s "$T/log.rr" "$T" >"$T/out" 2>&1
	st=$?
	out=$(grep -v "^Fatal Internal Error in libarchive" "$T/out")
	[ $st -eq 0 ] && ok "$(echo "$out" | tr '\n' ' ')" || bad "$s (exit $st): $out"
done
exit $fail
