#!/bin/sh
# rr-diff --replay on a planted divergence deep in a Linux recording (cache/guest
# images, rrtest=cpu): the guest's last read of the entropy device (about 10^9
# instructions in) gets one changed byte (tests/tools/rrlog-tamper); rr-diff
# --replay must name that read, and its time is compared with one straight replay.
# Usage: bench/diff.sh [-r ROUNDS]   (default 2)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
rounds=2
[ "${1:-}" = -r ] && rounds=$2
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
"$B/rr-run" -q -w "$T/a.rr" -m 256M --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" \
	--append "console=ttyS0 quiet rrtest=cpu rrcpu.rounds=$rounds" </dev/null >/dev/null 2>&1
"$B/tests/tools/rrlog-tamper" change RANDOM:last "$T/a.rr" "$T/b.rr"
at=$("$B/rr-dump" "$T/a.rr" | grep kind=RANDOM | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
t0=$(now); "$B/rr-run" -q -r "$T/a.rr" </dev/null >/dev/null; t1=$(now)
t2=$(now); "$B/rr-diff" --replay "$T/a.rr" "$T/b.rr" >"$T/o" 2>"$T/e" || true; t3=$(now)
echo "planted: the RANDOM read at icount $at; straight replay $(secs $t0 $t1) s"
echo "rr-diff --replay: $(secs $t2 $t3) s: $(cat "$T/e")"
grep 'what=' "$T/o" | head -5
