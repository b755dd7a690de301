#!/bin/sh
# Corruption sweeps: flip bytes of a small log one at a time, and random bits of a
# larger one (mostly inside its snapshots), and run the tools on each copy.
#
# Every flip must be detected: rr-dump --validate exits 1 or 2, rr-run -r exits 1, 2,
# 3 or 4. The one exception is the index and footer at the end of a log, which a
# replay from the start does not read: there rr-run -r must replay exactly as the
# original does, and a seek through the index (--stop-at) must either reach the same
# machine state or stop with an error. rr-dump (plain) may complain but not crash.
# Nothing may crash (a signal, a sanitizer report) or hang (timeout).
#
# FLIP_STEP: flip every FLIP_STEP-th byte of the small log (default 53; the start
# varies with FLIP_SEED, printed); FLIP_RANDOM random bits of the larger log (default
# 4). The long run for RELIABILITY.md: FLIP_STEP=1 FLIP_RANDOM=2000 sh tests/reliability/flip.sh
. "${TOP:?}/tests/lib/common.sh"
STEP=${FLIP_STEP:-53} NRAND=${FLIP_RANDOM:-4}
SEED=${FLIP_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed=$SEED step=$STEP random=$NRAND"
RUN=$B/rr-run DUMP=$B/rr-dump FLIP=$B/tests/tools/flipbytes
# a sanitizer report must not pass for an ordinary error exit (1)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99"
nflip=0 ndetected=0 nindex=0
crashed() { [ "$1" -ge 99 ]; } # 99 sanitizers, 124 timeout, 128+ signals

# check LOG ORIG_OUT MID OFF MASK...: flip, then run the tools on the copy.
check() {
	log=$1 orig=$2 mid=$3; shift 3
	"$FLIP" "$log" "$T/f.rr" "$@" || { bad "flipbytes $*"; return; }
	nflip=$((nflip + 1))
	what="flip $*"
	timeout 20 "$DUMP" --validate "$T/f.rr" >/dev/null 2>"$T/v.err"
	v=$?
	{ [ $v -eq 1 ] || [ $v -eq 2 ]; } || bad "$what: rr-dump --validate exit $v: $(head -c 300 "$T/v.err")"
	timeout 20 "$DUMP" "$T/f.rr" >/dev/null 2>"$T/d.err"
	d=$?
	[ $d -le 2 ] || bad "$what: rr-dump exit $d: $(head -c 300 "$T/d.err")"
	timeout 30 "$RUN" -q -r "$T/f.rr" </dev/null >"$T/f.out" 2>"$T/r.err"
	r=$?
	if [ $r -ge 1 ] && [ $r -le 4 ]; then
		ndetected=$((ndetected + 1))
	elif [ $r -eq 0 ] && [ "${1%%:*}" -ge "$ixoff" ]; then
		nindex=$((nindex + 1))
		cmp -s "$T/f.out" "$orig" || bad "$what (index or footer): the replay's output differs"
		timeout 30 "$RUN" -r "$T/f.rr" --stop-at "$mid" >"$T/s.out" 2>"$T/s.err"
		s=$?
		if [ $s -eq 0 ]; then
			cmp -s "$T/s.out" "$T/stop.out" || bad "$what (index or footer): --stop-at $mid reaches another state"
		elif [ $s -gt 2 ]; then
			bad "$what (index or footer): --stop-at $mid exit $s: $(head -c 300 "$T/s.err")"
		fi
	else
		crashed $r && bad "$what: rr-run -r crashed or hung (exit $r): $(head -c 300 "$T/r.err")" \
			|| bad "$what: rr-run -r exit $r: the corruption went unnoticed"
	fi
}
# ix_off LOG: the offset of its index block, from the footer (the log's size without one)
ix_off() {
	size=$(wc -c <"$1")
	if [ "$(tail -c 32 "$1" | head -c 8 | od -An -c | tr -d ' ')" = RRLOGEND ] 2>/dev/null; then
		tail -c 24 "$1" | od -An -tu8 -N8 | tr -d ' '
	else
		echo "$size"
	fi
}

# 1. A small log (hello: header, a full snapshot, a state hash, shutdown, END, index,
#    footer), byte after byte.
timeout 60 "$RUN" -q -w "$T/h.rr" --bios none "$G/hello.elf" >/dev/null || bad "record hello"
timeout 60 "$RUN" -q -r "$T/h.rr" >"$T/h.out" 2>/dev/null || bad "replay hello"
timeout 60 "$RUN" -r "$T/h.rr" --stop-at 600 >"$T/stop.out" 2>/dev/null || bad "hello --stop-at 600"
ixoff=$(ix_off "$T/h.rr")
size=$(wc -c <"$T/h.rr")
echo "hello.rr: $size bytes, index at $ixoff"
[ "$ixoff" -lt "$size" ] || bad "hello.rr has no footer?"
off=$((SEED % STEP))
while [ $off -lt "$size" ]; do
	check "$T/h.rr" "$T/h.out" 600 "$off:0xff"
	off=$((off + STEP))
done
ok "small log: $nflip byte flips, replay stopped on $ndetected, $nindex in the index or footer replayed unchanged"

# 2. A larger log: churn, with a snapshot every 5e6 instructions (24 of them, most of
#    the bytes), random single bits.
n0=$nflip d0=$ndetected i0=$nindex
timeout 60 "$RUN" -q -w "$T/c.rr" --snapshot-every 5000000 --bios none "$G/churn.elf" >/dev/null || bad "record churn"
timeout 60 "$RUN" -q -r "$T/c.rr" >"$T/c.out" 2>/dev/null || bad "replay churn"
timeout 60 "$RUN" -r "$T/c.rr" --stop-at 60000000 >"$T/stop.out" 2>/dev/null || bad "churn --stop-at"
ixoff=$(ix_off "$T/c.rr")
size=$(wc -c <"$T/c.rr")
i=0
while [ $i -lt "$NRAND" ]; do
	i=$((i + 1))
	set -- $(awk -v s="$SEED" -v i=$i -v n="$size" 'BEGIN { srand(s % 1000000007 + i);
		printf "%d %d\n", int(rand() * n), 2 ^ int(rand() * 8) }')
	check "$T/c.rr" "$T/c.out" 60000000 "$1:$2"
done
ok "larger log ($size bytes): $((nflip - n0)) random bits, replay stopped on $((ndetected - d0)), $((nindex - i0)) in the index or footer replayed unchanged"
exit $fail
