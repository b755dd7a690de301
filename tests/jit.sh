#!/bin/sh
# The JIT (--cpu jit, lib/emu/hart_jit.c) against the interpreter, the reference:
#  1. check_hart's whole suite on the JIT (RRKIT_CPU=jit: every block compiled at
#     its first entry), including jit_ops (random inline ops against the interpreter);
#  2. rr-core-diff: every bare-metal guest program run by both cores in lockstep to
#     the same random icounts: the same exit, icount, harts and state hashes at
#     every stop (three seeds, and blocks compiled at their 1st and 8th entry);
#  3. cross-replay: a recording made with one core replays with the other, state
#     hashes verified (rr_inputs: console, RTC, entropy, disk, network; 1 and 2 harts);
#  4. the guest programs against QEMU (tests/hart-guest.sh), and the differential
#     tester's seeds (tests/difftest.sh), on the interpreter: rr-run's default here
#     is the JIT, which the rest of make check runs.
# Skips (77) when this host has no JIT (not x86-64).
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=$TOP/build/guest
RUN="$B/rr-run"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
case $(uname -m) in x86_64) ;; *) echo "SKIP: no JIT on $(uname -m)"; exit 77 ;; esac

RRKIT_CPU=jit "$B/tests/check_hart" >"$T/ch.out" 2>&1 && ok "check_hart on the JIT" ||
	{ bad "check_hart on the JIT"; tail -5 "$T/ch.out"; }

for elf in "$G"/*.elf; do
	p=$(basename "$elf" .elf)
	case $p in
	bench_loop|rr_echo|rr_inputs) n="-n 400" ;;  # long, or waiting for input
	*) n= ;;
	esac
	for s in 1 2 3; do
		hot=1; [ $s = 3 ] && hot=8
		out=$(timeout 120 "$B/tests/tools/rr-core-diff" $n -s $s -j $hot "$elf" 2>&1)
		case $out in same:*) ;; *) bad "rr-core-diff $p seed $s: $out" ;; esac
	done
done
[ $fail -eq 0 ] && ok "rr-core-diff: every guest program, 3 seeds"

head -c 65536 /dev/urandom >"$T/disk.img"
for smp in 1 2; do
	for rec in interp jit; do
		rep=jit; [ $rec = jit ] && rep=interp
		echo "typed line" | timeout 60 "$RUN" -q --cpu $rec -w "$T/x.rr" --smp $smp \
			--hash-interval 20000 --bios none --drive "$T/disk.img" --net user \
			"$G/rr_inputs.elf" >"$T/rec.txt" 2>&1
		rc=$?
		timeout 60 "$RUN" -q -r "$T/x.rr" --cpu $rep </dev/null >"$T/rep.txt" 2>&1
		rc2=$?
		n=$("$B/rr-dump" "$T/x.rr" | grep -c kind=STATE_HASH)
		if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && cmp -s "$T/rec.txt" "$T/rep.txt" && [ "$n" -gt 2 ]; then
			ok "smp $smp: recorded with $rec, replayed with $rep ($n state hashes)"
		else
			bad "smp $smp: recorded with $rec (exit $rc), replayed with $rep (exit $rc2)"
			tail -3 "$T/rep.txt"
		fi
	done
done
RRKIT_CPU=jit timeout 60 "$RUN" -q -r "$T/x.rr" </dev/null >"$T/rep.txt" 2>&1 &&
	ok "RRKIT_CPU=jit replays" || bad "RRKIT_CPU=jit replay"
RRKIT_CPU=bogus "$RUN" --bios none "$G/hello.elf" >/dev/null 2>&1
[ $? -eq 2 ] && ok "RRKIT_CPU=bogus is a usage error" || bad "RRKIT_CPU=bogus accepted"

# the core that ran, as --stats reports it: the JIT unless told otherwise, when
# recording, replaying (a recording made by the other core) and live
core() { "$RUN" --stats "$@" </dev/null 2>&1 >/dev/null | sed -n 's/^rr-run: stats: icount=.* core=//p'; }
c1=$(core -q -w "$T/h.rr" --bios none "$G/hello.elf") c2=$(core -q -r "$T/x.rr")
c3=$(core -q --cpu interp -r "$T/h.rr") c4=$(RRKIT_CPU=interp core -q --bios none "$G/hello.elf")
c5=$(RRKIT_CPU=interp core -q --cpu jit --bios none "$G/hello.elf")
if [ "$c1 $c2 $c3 $c4 $c5" = "jit jit interp interp jit" ]; then ok "--stats: the JIT by default, --cpu and RRKIT_CPU obeyed"
else bad "--stats core: record '$c1' replay '$c2' --cpu interp '$c3' RRKIT_CPU=interp '$c4' both '$c5'"; fi
RRKIT_CPU=interp sh "$TOP/tests/hart-guest.sh" >"$T/hg.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "guest programs against QEMU on the interpreter"
elif [ $rc -eq 77 ]; then echo "note: $(tail -1 "$T/hg.out")"
else bad "hart-guest.sh on the interpreter"; tail -5 "$T/hg.out"; fi
RRKIT_CPU=interp DIFFTEST_SEEDS=${DIFFTEST_SEEDS:-20} DIFFTEST_FIRST=1000 sh "$TOP/tests/difftest.sh" >"$T/dt.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "difftest seeds 1000.. on the interpreter"
elif [ $rc -eq 77 ]; then echo "note: $(tail -1 "$T/dt.out")"
else bad "difftest.sh on the interpreter"; tail -5 "$T/dt.out"; fi
exit $fail
