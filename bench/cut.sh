#!/bin/sh
# rr-cut and parallel verification on Linux recordings (cache/guest images,
# rrtest=cpu): the time to cut a 5*10^7-instruction window out of a short and a
# long recording (it must not grow with the log), and the wall time to verify the
# long recording straight against cutting it into 2 segments and replaying them on
# 2 cores (xargs -P 2), merge included.
# Usage: bench/cut.sh [-r SHORT_ROUNDS] [-R LONG_ROUNDS]   (defaults 2 and 8)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
short=2 long=8
while [ $# -gt 0 ]; do
	case $1 in
	-r) short=$2; shift ;;
	-R) long=$2; shift ;;
	*) echo "usage: bench/cut.sh [-r SHORT_ROUNDS] [-R LONG_ROUNDS]" >&2; exit 2 ;;
	esac
	shift
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
M="-m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
for r in $short $long; do
	"$B/rr-run" -q -w "$T/r$r.rr" $M --append "console=ttyS0 quiet rrtest=cpu rrcpu.rounds=$r" </dev/null >/dev/null 2>&1
	end=$("$B/rr-dump" -A 0 "$T/r$r.rr" 2>/dev/null | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
	a=$((end / 2)); b=$((a + 50000000))
	t0=$(now); "$B/rr-cut" -q -A $a -B $b "$T/r$r.rr" "$T/w$r.rr"; t1=$(now)
	t2=$(now); "$B/rr-run" -q -r "$T/w$r.rr" </dev/null >/dev/null; t3=$(now)
	echo "| $end instructions, $(stat -c %s "$T/r$r.rr") bytes | cut [$a, $b): $(secs $t0 $t1) s | the window replays in $(secs $t2 $t3) s |"
done
t0=$(now); "$B/rr-run" -q -r "$T/r$long.rr" </dev/null >/dev/null; t1=$(now)
echo "straight replay of the long recording: $(secs $t0 $t1) s"
t0=$(now)
"$B/rr-cut" -q --segments 2 "$T/r$long.rr" "$T/seg.rr"
t1=$(now)
ls "$T"/seg-*.rr | xargs -P 2 -n 1 "$B/rr-run" -q -r >/dev/null
t2=$(now)
"$B/rr-merge" -q -o "$T/m.rr" "$T"/seg-*.rr
t3=$(now)
echo "2 segments: cut $(secs $t0 $t1) s, verified with xargs -P 2 in $(secs $t1 $t2) s, merged in $(secs $t2 $t3) s; total $(secs $t0 $t3) s"
