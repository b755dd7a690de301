#!/bin/sh
# Debugging while recording (rr-run -w LOG --monitor unix:PATH) on the Linux CPU
# workload (cache/guest images, rrtest=cpu):
#  - the cost of the debugger on a recording: a plain recording against one under
#    the monitor that stops at NPOINT frontier points on the way (replay_break,
#    continue) and goes back at each; wall and CPU seconds of each whole run, and
#    the log sizes (each first step back adds a state hash and perhaps a snapshot);
#  - at each point: the first reverse_step from the frontier (a flush, the log
#    reopened, a seek from the snapshot before), the four after it (the state
#    kept a little before the first), and the continue from there, which replays
#    up to the frontier and records on to the next point.
# QEMU has no counterpart: its reverse debugging needs a finished recording
# (rr=replay), so nothing is measured on it here.
# Usage: bench/record-debug.sh [-r ROUNDS] [-n NPOINT]   (defaults 2 and 5)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
C=${RRKIT_CACHE:-$top/cache}
G=$C/guest
rounds=2 npoint=5
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift ;;
	-n) npoint=$2; shift ;;
	*) echo "usage: bench/record-debug.sh [-r ROUNDS] [-n NPOINT]" >&2; exit 2 ;;
	esac
	shift
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
A="console=ttyS0 quiet rrtest=cpu rrcpu.rounds=$rounds"
# timed OUT CMD...: run CMD, write "wall cpu" seconds (its own and its children's) to OUT
timed() {
	out=$1; shift
	python3 -c 'import resource, subprocess, sys, time
t = time.time(); rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.2f %.2f\n" % (time.time() - t, u.ru_utime + u.ru_stime)); sys.exit(rc)' "$out" "$@"
}
RR="$B/rr-run -q -m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz --append"
# shellcheck disable=SC2086
timed "$T/plain.t" $RR "$A" -w "$T/plain.rr"
end=$("$B/rr-dump" "$T/plain.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')

# the monitor's script: at each point go back one instruction five times, then on
: >"$T/script"
k=1
while [ $k -le "$npoint" ]; do
	printf 'replay_break %s\ncontinue\nreverse_step\nreverse_step\nreverse_step\nreverse_step\nreverse_step\n' \
		$((end * k / (npoint + 1))) >>"$T/script"
	k=$((k + 1))
done
printf 'replay_delete_break\ncontinue\nquit\n' >>"$T/script"
# shellcheck disable=SC2086
timed "$T/mon.t" $RR "$A" -w "$T/mon.rr" --monitor "unix:$T/sock" &
rpid=$!
i=0; while [ ! -S "$T/sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
python3 "$top/tests/tools/monitor-client.py" -t -w 600 "$T/sock" <"$T/script" >"$T/out"
wait $rpid

# the times of the Nth-in-a-group commands: reverse_step 1 of each point, 2-5, continue 2..N
awk '/^@> /{c=substr($0, 4)} /^@time/{print c "\t" $2}' "$T/out" >"$T/times"
awk -F'\t' '$1=="reverse_step"{n++; k=(n-1)%5; print ($2) > (k==0 ? "'"$T"'/first" : "'"$T"'/next")}
	$1=="continue"{m++; if (m>1 && m<='"$npoint"') print $2 > "'"$T"'/cont"}' "$T/times"
stats() {
	sort -n "$1" >"$T/s"
	n=$(wc -l <"$T/s")
	printf 'median %s s, max %s s (%s)' "$(sed -n "$(( (n + 1) / 2 ))p" "$T/s")" "$(tail -1 "$T/s")" "$n"
}
grep -q "^stopped reason=end" "$T/out" || { echo "bench/record-debug.sh: the monitored run did not reach the end:" >&2; tail -5 "$T/out" >&2; exit 1; }
size() { wc -c <"$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "workload: rrtest=cpu rounds=$rounds, $end instructions; $npoint points"
echo "record, plain:             wall/cpu $(cat "$T/plain.t") s, log $(size "$T/plain.rr")"
echo "record, under the monitor: wall/cpu $(cat "$T/mon.t") s, log $(size "$T/mon.rr")"
echo "first reverse_step at the frontier: $(stats "$T/first")"
echo "reverse_step 2-5:                   $(stats "$T/next")"
echo "continue from behind to the next point (replay to the frontier, then live): $(stats "$T/cont")"
"$B/rr-run" -q -r "$T/mon.rr" >/dev/null 2>&1 && echo "the monitored recording replays: yes" || echo "the monitored recording replays: NO"
