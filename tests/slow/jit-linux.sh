#!/bin/sh
# Linux on both cores (slow: needs the cached guest images, scripts/build-guest.sh):
#  1. rr-core-diff: OpenSBI, Linux and a userland CPU workload (bench/linux-cpu.sh's:
#     sort, sha256sum) run by the interpreter and the JIT in lockstep to ~25000
#     random icounts: the same harts, RAM, devices and console at every stop, on 1
#     hart (blocks compiled at their 1st entry) and on 2 (at their 16th, as rr-run);
#  2. cross-replay: the workload recorded with one core (disk, network, 1 and 2
#     harts) replays with the other, state hashes verified, output byte-identical.
# Skips (77) when this host has no JIT (not x86-64).
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=${RRKIT_CACHE:-$TOP/cache}/guest
RUN="$B/rr-run"
BIOS=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib/wait.sh"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
case $(uname -m) in x86_64) ;; *) echo "SKIP: no JIT on $(uname -m)"; exit 77 ;; esac
for f in Image initramfs.cpio.gz disk.img; do
	[ -f "$G/$f" ] || { echo "missing $G/$f: run scripts/build-guest.sh"; exit 1; }
done
bb=/bin/busybox
W="$bb seq 1 20000 | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c 400000 | $bb sha256sum; $bb poweroff -f"
# what the workload prints (the host's coreutils give the same sums)
sum1=$(seq 1 20000 | sort -r | sha256sum | cut -c1-64)
sum2=$(yes abcdefgh | head -c 400000 | sha256sum | cut -c1-64)

# 1. lockstep; the line is typed at 1.1*10^9, after the shell's prompt on 1 and 2 harts
for cfg in "1 1 1" "2 16 2"; do
	set -- $cfg
	smp=$1 hot=$2 seed=$3
	out=$(timeout 1200 "$B/tests/tools/rr-core-diff" -s "$seed" -c 20 -n 200000 -j "$hot" --smp "$smp" \
		-m 256 -b "$BIOS" -i "$G/initramfs.cpio.gz" -a "console=ttyS0 quiet" \
		-o "$T/con.$smp" -t "1100000000:$W" "$G/Image" 2>&1)
	if case $out in same:*) true ;; *) false ;; esac &&
		grep -q "$sum1" "$T/con.$smp" && grep -q "$sum2" "$T/con.$smp" && grep -q "Power down" "$T/con.$smp"; then
		ok "smp $smp, blocks compiled at entry $hot: interp and JIT in lockstep through boot and workload: $out"
	else
		bad "smp $smp lockstep: $out; console: $(tail -c 300 "$T/con.$smp" 2>/dev/null)"
	fi
done

# 2. cross-replay
cp "$G/disk.img" "$T/disk.img"
sum0=$(sha256sum <"$T/disk.img")
for smp in 1 2; do
	for rec in interp jit; do
		rep=jit; [ $rec = jit ] && rep=interp
		n=$smp.$rec
		rm -f "$T/in"; mkfifo "$T/in"
		feed "$T/rec.$n" "rrguest:/#" "$W" >"$T/in" &
		timeout 600 "$RUN" -q --cpu $rec -w "$T/$n.rr" --smp $smp -m 256M --kernel "$G/Image" \
			--initrd "$G/initramfs.cpio.gz" --append "console=ttyS0 quiet" \
			--drive "$T/disk.img" --net user <"$T/in" >"$T/rec.$n" 2>"$T/rec.$n.err"
		st=$?
		wait
		grep -q "$sum1" "$T/rec.$n" && grep -q "$sum2" "$T/rec.$n" ||
			bad "smp $smp: recorded with $rec: workload output missing (exit $st)"
		timeout 600 "$RUN" -r "$T/$n.rr" --cpu $rep </dev/null >"$T/rep.$n" 2>"$T/rep.$n.err"
		st2=$?
		if [ $st = 0 ] && [ $st2 = 0 ] && cmp -s "$T/rec.$n" "$T/rep.$n" &&
			grep -q " [1-9][0-9]* state hashes verified" "$T/rep.$n.err"; then
			ok "smp $smp: recorded with $rec, replayed with $rep: $(tail -1 "$T/rep.$n.err")"
		else
			bad "smp $smp: recorded with $rec (exit $st), replayed with $rep (exit $st2): $(tail -2 "$T/rep.$n.err")"
		fi
	done
done
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && ok "disk image byte-identical" || bad "disk image changed"
exit $fail
