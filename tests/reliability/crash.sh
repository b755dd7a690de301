#!/bin/sh
# Crash safety: kill -9 the recorder, rr-cut and rr-merge at random moments.
#
# The recorder records bench_loop (deterministic, no inputs: every recording of it is
# the same log) with a snapshot every 5e6 and a state hash every 1e5 instructions, and
# is killed after a random delay. Each killed log must
#   - validate as truncated (rr-dump --validate: exit 1, "truncated"), or, killed
#     before its header was written, be empty (exit 2, "not a log");
#   - replay to its end with every state hash verified: rr-run -r exits 3 (man
#     rr-run: the log ends before the guest stopped), at or after the icount of the
#     last event the log holds;
#   - hold what the uninterrupted recording holds: its events are a prefix of the
#     full recording's (same STATE_HASH values), and the machine replayed to the last
#     state hash (rr-run --stop-at) has that hash.
# rr-cut (a window and a split) and rr-merge (segments and --from-text) are killed the
# same way: the final name never holds a half-written file: it is absent, the old file
# untouched, or a complete log that validates.
#
# CRASH_N kills of each kind (default 3), CRASH_SEED (printed) repeats a run,
# CRASH_FULL=1 also compares against a full recording (always done when CRASH_N > 3).
# The long run for RELIABILITY.md: CRASH_N=200 sh tests/reliability/crash.sh
. "${TOP:?}/tests/lib/common.sh"
N=${CRASH_N:-3}
SEED=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed=$SEED n=$N"
RUN=$B/rr-run DUMP=$B/rr-dump
REC="--snapshot-every 5000000 --hash-interval 100000 --bios none $G/bench_loop.elf"
# rand_ms I LO HI: a pseudo-random number of milliseconds in [LO, HI] for iteration I.
rand_ms() { awk -v s="$SEED" -v i="$1" -v lo="$2" -v hi="$3" \
	'BEGIN { srand(s % 1000000007); for (k = 0; k <= i; k++) r = rand(); printf "%d\n", lo + int(r * (hi - lo + 1)) }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.3f\n", ms / 1000 }'; }
# killed_after MS CMD...: runs CMD (not a wrapper such as timeout: the kill must reach
# the tool) in the background, kill -9 after MS ms; $kst = its exit status (137 if
# killed).
killed_after() {
	ms=$1; shift
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(secs "$ms")"
	kill -9 $pid 2>/dev/null
	wait $pid
	kst=$?
}

full=$T/full.rr
if [ "${CRASH_FULL:-0}" = 1 ] || [ "$N" -gt 3 ]; then
	timeout 120 "$RUN" -q -w "$full" $REC >/dev/null
	st_is $? 0 "full recording"
	"$DUMP" "$full" >"$T/full.txt"
else
	full=
fi

# 1. The recorder.
longest=0
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	ms=$(rand_ms $i 5 ${CRASH_MAXMS:-900})
	log=$T/k$i.rr
	killed_after "$ms" "$RUN" -q -w "$log" $REC
	what="recorder killed after ${ms} ms"
	if [ "$kst" -ne 137 ]; then echo "note: $what: it had finished (exit $kst)"; continue; fi
	if [ ! -e "$log" ]; then ok "$what: before it created the log"; continue; fi
	size=$(wc -c <"$log")
	"$DUMP" --validate "$log" >/dev/null 2>"$T/v.err"
	vst=$?
	if [ "$size" -eq 0 ]; then
		[ $vst -eq 2 ] && grep -q "not a log" "$T/v.err" && ok "$what: empty log: not a log (exit 2)" \
			|| bad "$what: empty log: validate exit $vst: $(cat "$T/v.err")"
		timeout 60 "$RUN" -r "$log" </dev/null >/dev/null 2>&1
		st_is $? 2 "$what: empty log replay"
		continue
	fi
	[ $vst -eq 1 ] && grep -q "truncated" "$T/v.err" && ok "$what: $size bytes validate as truncated" \
		|| bad "$what: validate exit $vst: $(cat "$T/v.err")"
	"$DUMP" "$log" >"$T/k.txt" 2>/dev/null
	nev=$(wc -l <"$T/k.txt")
	last=$(tail -n 1 "$T/k.txt" | sed -n 's/^icount=\([0-9]*\) .*/\1/p')
	# killed after the header, before the first block was whole: no event to reach
	grep -q '^icount=' "$T/k.txt" || last=0
	lasth=$(grep 'kind=STATE_HASH' "$T/k.txt" | tail -n 1)
	timeout 60 "$RUN" -r "$log" </dev/null >/dev/null 2>"$T/r.err"
	rst=$?
	at=$(sed -n 's/.*the log ends at icount \([0-9]*\) before the guest stopped.*/\1/p' "$T/r.err")
	if [ $rst -eq 3 ] && [ -n "$at" ] && [ -n "$last" ] && [ "$at" -ge "$last" ]; then
		ok "$what: replays its $nev events to icount $at (exit 3), hashes verified"
	else
		bad "$what: replay exit $rst (want 3) at ${at:-?} (last event ${last:-none}): $(cat "$T/r.err")"
	fi
	if [ -n "$lasth" ]; then
		hi=$(echo "$lasth" | sed 's/^icount=\([0-9]*\) .*/\1/')
		hv=$(echo "$lasth" | sed 's/.* hash=\(0x[0-9a-f]*\).*/\1/')
		got=$(timeout 60 "$RUN" -r "$log" --stop-at "$hi" 2>/dev/null | sed -n 's/^icount=.* hash=//p')
		[ "$got" = "$hv" ] && ok "$what: the machine at icount $hi has the logged hash" \
			|| bad "$what: machine at $hi: hash ${got:-none}, log says $hv"
	fi
	# the killed logs are prefixes of the full recording, or of each other
	if [ -n "$full" ]; then
		head -n "$nev" "$T/full.txt" | cmp -s - "$T/k.txt" && ok "$what: its events are a prefix of the full recording's" \
			|| bad "$what: its events differ from the full recording's"
	elif [ "$longest" -gt 0 ]; then
		if [ "$nev" -gt "$longest" ]; then head -n "$longest" "$T/k.txt" | cmp -s - "$T/longest.txt"
		else head -n "$nev" "$T/longest.txt" | cmp -s - "$T/k.txt"; fi \
			&& ok "$what: it and the longest killed log so far are prefixes of one another" \
			|| bad "$what: it and an earlier killed log differ"
	fi
	if [ "$nev" -gt "$longest" ]; then longest=$nev; cp "$T/k.txt" "$T/longest.txt"; mv "$log" "$T/longest.rr"
	else rm -f "$log"; fi
done

# 1b. Torn tails where a kill seldom lands: the longest log cut short at random sizes,
#     mostly inside snapshot data (most of its bytes). --stop-at its last state hash
#     must reach that hash (a seek once picked the torn last snapshot and failed).
src=${full:-$T/longest.rr}
ssize=$(wc -c <"$src")
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	cut=$(awk -v s="$SEED" -v i=$i -v n="$ssize" 'BEGIN { srand(s % 1000000007 + 77 * i); print int(rand() * n) }')
	head -c "$cut" "$src" >"$T/torn.rr"
	lasth=$("$DUMP" "$T/torn.rr" 2>/dev/null | grep 'kind=STATE_HASH' | tail -n 1)
	[ -n "$lasth" ] || continue
	hi=$(echo "$lasth" | sed 's/^icount=\([0-9]*\) .*/\1/')
	hv=$(echo "$lasth" | sed 's/.* hash=\(0x[0-9a-f]*\).*/\1/')
	got=$(timeout 60 "$RUN" -r "$T/torn.rr" --stop-at "$hi" 2>"$T/s.err" | sed -n 's/^icount=.* hash=//p')
	[ "$got" = "$hv" ] && ok "cut at $cut of $ssize bytes: --stop-at $hi reaches the logged hash" \
		|| bad "cut at $cut bytes: --stop-at $hi: hash ${got:-none}, log says $hv: $(cat "$T/s.err")"
done

# 2. rr-cut and rr-merge: OUT is written as OUT.part and renamed when complete.
#    Their input: the full recording, or else the longest killed log (a truncated log
#    cuts and merges as well).
src=${full:-$T/longest.rr}
[ -s "$src" ] || { bad "no recording to cut"; exit 1; }
"$B/rr-cut" -q --segments 3 "$src" "$T/seg.rr" || bad "rr-cut --segments"
"$DUMP" --full "$src" >"$T/src.txt" 2>/dev/null; [ -s "$T/src.txt" ] || bad "rr-dump --full"
end=$(grep -v '^#' "$T/src.txt" | tail -n 1 | sed -n 's/^icount=\([0-9]*\) .*/\1/p')
wa=$((end / 4)) wb=$((end / 4 * 3))
# out_ok WHAT FILE...: each file is absent, or the old content (a file "old"), or valid
out_ok() {
	what=$1; shift
	for f in "$@"; do
		if [ ! -e "$f" ]; then continue; fi
		if [ "$(cat "$f" 2>/dev/null | head -c 3)" = old ]; then
			[ "$(cat "$f")" = old ] || bad "$what: $f: the old file was changed"
			continue
		fi
		"$DUMP" --validate "$f" >/dev/null 2>&1 || { bad "$what: $f exists and does not validate"; return; }
	done
	ok "$what: no half-written output ($(for f in "$@"; do [ -e "$f" ] && printf '%s ' "$(basename "$f")"; done))"
}
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	for tool in cut split merge text; do
		ms=$(rand_ms $((i * 10 + ${#tool})) 1 ${CRASH_TOOL_MAXMS:-60})
		rm -rf "$T/o"; mkdir "$T/o"
		echo old >"$T/o/out.rr"
		case $tool in
		cut) killed_after "$ms" "$B/rr-cut" -q -A $wa -B $wb "$src" "$T/o/out.rr"
		     out_ok "rr-cut -A $wa -B $wb killed after $ms ms (exit $kst)" "$T/o/out.rr" ;;
		split) rm -f "$T/o/out.rr"
		     killed_after "$ms" "$B/rr-cut" -q --segments 4 "$src" "$T/o/out.rr"
		     out_ok "rr-cut --segments killed after $ms ms (exit $kst)" "$T/o"/out-00[1-4].rr ;;
		merge) killed_after "$ms" "$B/rr-merge" -q -o "$T/o/out.rr" "$T"/seg-00[1-3].rr
		     out_ok "rr-merge killed after $ms ms (exit $kst)" "$T/o/out.rr" ;;
		text) killed_after "$ms" "$B/rr-merge" -q --from-text -o "$T/o/out.rr" "$T/src.txt"
		     out_ok "rr-merge --from-text killed after $ms ms (exit $kst)" "$T/o/out.rr" ;;
		esac
	done
done
exit $fail
