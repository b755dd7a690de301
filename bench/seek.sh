#!/bin/sh
# Snapshots and seek on a long Linux recording (cache/guest images, rrtest=cpu):
#  - record the CPU workload live, recorded without periodic snapshots, and with
#    snapshots every 10^8 and 2*10^8 instructions: time, log size, snapshots made,
#    their bytes and the host time spent making them;
#  - seek latency to NSEEK random icounts (fresh rr-seek-check session, random
#    order; every point is also checked against a straight replay): median, p99;
#  - the demo-sized boot (rrtest=boot) log with and without periodic snapshots.
# Usage: bench/seek.sh [-r ROUNDS] [-n NSEEK]   (defaults: 8 rounds, 100 seeks)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
rounds=8 nseek=100
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift ;;
	-n) nseek=$2; shift ;;
	*) echo "usage: bench/seek.sh [-r ROUNDS] [-n NSEEK]" >&2; exit 2 ;;
	esac
	shift
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
M="-m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz"
A="console=ttyS0 quiet rrtest=cpu rrcpu.rounds=$rounds"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
now() { date +%s.%N; }
echo "| run | seconds | icount | log bytes | snapshots | snapshot bytes (raw) | snapshot seconds |"
echo "|---|---|---|---|---|---|---|"
t0=$(now); "$B/rr-run" -q $M --append "$A" </dev/null >/dev/null 2>&1; t1=$(now)
echo "| live | $(secs $t0 $t1) | | | | | |"
for every in 0 100000000 200000000; do
	t0=$(now)
	"$B/rr-run" -q --stats -w "$T/s$every.rr" --snapshot-every $every $M --append "$A" </dev/null >/dev/null 2>"$T/s$every.err"
	t1=$(now)
	ic=$(sed -n 's/.*stats: icount=\([0-9]*\).*/\1/p' "$T/s$every.err")
	sn=$(sed -n 's/.*snapshots=\([0-9]*\) snapshot_bytes=\([0-9]*\) snapshot_seconds=\([0-9.]*\).*/\1 | \2 | \3/p' "$T/s$every.err")
	echo "| record, --snapshot-every $every | $(secs $t0 $t1) | $ic | $(stat -c %s "$T/s$every.rr") | $sn |"
done
for every in 100000000 200000000; do
	"$B/tests/tools/rr-seek-check" "$T/s$every.rr" "$nseek" 42 >"$T/seek$every.txt" 2>&1 || { cat "$T/seek$every.txt" | tail -3; exit 1; }
	sed -n 's/^ok: seek to [0-9]* in \([0-9.]*\) s.*/\1/p' "$T/seek$every.txt" | sort -n >"$T/lat"
	n=$(wc -l <"$T/lat")
	med=$(sed -n "$(( (n + 1) / 2 ))p" "$T/lat")
	p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$T/lat")
	max=$(tail -1 "$T/lat")
	echo "seek, --snapshot-every $every: $n seeks, median $med s, p99 $p99 s, max $max s; $(tail -1 "$T/seek$every.txt")"
done
for every in 0 100000000; do
	"$B/rr-run" -q -w "$T/b$every.rr" --snapshot-every $every $M --append "console=ttyS0 quiet rrtest=boot" </dev/null >/dev/null 2>&1
	echo "boot log, --snapshot-every $every: $(stat -c %s "$T/b$every.rr") bytes, $("$B/rr-dump" "$T/b$every.rr" | grep -c kind=SNAPSHOT) snapshots"
done
