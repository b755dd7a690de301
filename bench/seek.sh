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
# CPU seconds (user + sys) are less noisy than wall time on a shared machine.
cpu() { /usr/bin/time -f "%U %S" -o "$T/time" "$@" </dev/null >/dev/null 2>"$T/err"; awk '{ printf "%.2f", $1 + $2 }' "$T/time"; }
echo "| run | CPU seconds | icount | log bytes | snapshots | snapshot bytes (raw) | snapshot seconds |"
echo "|---|---|---|---|---|---|---|"
echo "| live | $(cpu "$B/rr-run" -q $M --append "$A") | | | | | |"
for every in 0 100000000 200000000; do
	c=$(cpu "$B/rr-run" -q --stats -w "$T/s$every.rr" --snapshot-every $every $M --append "$A")
	ic=$(sed -n 's/.*stats: icount=\([0-9]*\).*/\1/p' "$T/err")
	sn=$(sed -n 's/.*snapshots=\([0-9]*\) snapshot_bytes=\([0-9]*\) snapshot_seconds=\([0-9.]*\).*/\1 | \2 | \3/p' "$T/err")
	echo "| record, --snapshot-every $every | $c | $ic | $(stat -c %s "$T/s$every.rr") | $sn |"
done
for every in 100000000 200000000; do
	"$B/tests/tools/rr-seek-check" "$T/s$every.rr" "$nseek" 42 >"$T/seek$every.txt" 2>&1 || { cat "$T/seek$every.txt" | tail -3; exit 1; }
	for what in wall cpu; do
		if [ $what = wall ]; then
			sed -n 's/^ok: seek to [0-9]* in \([0-9.]*\) s.*/\1/p' "$T/seek$every.txt" | sort -n >"$T/lat"
		else
			sed -n 's/^ok: seek to .*(cpu \([0-9.]*\) s).*/\1/p' "$T/seek$every.txt" | sort -n >"$T/lat"
		fi
		n=$(wc -l <"$T/lat")
		med=$(sed -n "$(( (n + 1) / 2 ))p" "$T/lat")
		p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$T/lat")
		max=$(tail -1 "$T/lat")
		echo "seek ($what time), --snapshot-every $every: $n seeks, median $med s, p99 $p99 s, max $max s"
	done
	echo "  $(tail -1 "$T/seek$every.txt")"
done
for every in 0 100000000; do
	"$B/rr-run" -q -w "$T/b$every.rr" --snapshot-every $every $M --append "console=ttyS0 quiet rrtest=boot" </dev/null >/dev/null 2>&1
	echo "boot log, --snapshot-every $every: $(stat -c %s "$T/b$every.rr") bytes, $("$B/rr-dump" "$T/b$every.rr" | grep -c kind=SNAPSHOT) snapshots"
done
