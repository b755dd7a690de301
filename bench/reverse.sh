#!/bin/sh
# Reverse debugging latency, rr-run against QEMU 7.2 on the same Linux workload
# (cache/guest images, rrtest=cpu) over gdb's remote protocol, measured by the
# same client (bench/tools/rsp-bench.py):
#  - reverse-stepi at NSTEP random icounts of the recording: median, p99, max,
#    and of the four reverse-stepi that follow at each point (rr-run keeps a state
#    a little before a reverse step, so the next ones replay little)
#    (rr-run: one session, seeking with `monitor replay_seek`; QEMU: a fresh
#    replay per point reaching it with HMP replay_break + continue, because
#    QEMU 7.2 hangs when a replay goes forward again after its second reverse
#    step);
#  - reverse-continue to a breakpoint hit 10^9 instructions back (kernel_init,
#    executed once at boot).
# QEMU records with -icount shift=auto,rr=record,rrsnapshot=init (its reverse
# debugging needs a qcow2 image for snapshots); rr-run with its default
# snapshots (every 10^8 instructions).
# Usage: bench/reverse.sh [-r ROUNDS] [-n NSTEP] [-q NQEMU] [-t SECONDS]
#   (defaults 2 rounds, 50 rr-run points, 8 QEMU points, 300 s for each QEMU
#   operation before it counts as no answer)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
C=${RRKIT_CACHE:-$top/cache}
G=$C/guest
BIOS=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
rounds=2 nstep=50 nq=8 qlimit=300
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift ;;
	-n) nstep=$2; shift ;;
	-q) nq=$2; shift ;;
	-t) qlimit=$2; shift ;;
	*) echo "usage: bench/reverse.sh [-r ROUNDS] [-n NSTEP] [-q NQEMU] [-t SECONDS]" >&2; exit 2 ;;
	esac
	shift
done
command -v qemu-img >/dev/null || { echo "bench/reverse.sh: needs qemu-img (qemu-utils)" >&2; exit 1; }
T=$(mktemp -d); trap 'pkill -f "$T/q" 2>/dev/null || true; rm -rf "$T"' EXIT
CLIENT="python3 $top/bench/tools/rsp-bench.py"
A="console=ttyS0 quiet rrtest=cpu rrcpu.rounds=$rounds"
bp=$(nm "$C/build/linux/vmlinux" | awk '$3=="kernel_init"{print $1}')
back=1000000000

"$B/rr-run" -q -w "$T/w.rr" -m 256M --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" --append "$A" \
	</dev/null >/dev/null 2>&1
end=$("$B/rr-dump" "$T/w.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
qemu-img create -f qcow2 "$T/snap.qcow2" 16M >/dev/null
Q="qemu-system-riscv64 -M virt -m 256M -bios $BIOS -kernel $G/Image -initrd $G/initramfs.cpio.gz -nographic
   -no-reboot -net none -append"
# shellcheck disable=SC2086
$Q "$A" -icount shift=auto,rr=record,rrfile="$T/w.qemu",rrsnapshot=init \
	-drive file="$T/snap.qcow2",if=none,id=rr </dev/null >/dev/null 2>&1
hi=$((end * 9 / 10))

# stats FILE COLUMN: "median X s, p99 Y s, max Z s (N points)"
stats() {
	awk -v c="$2" '{print $c}' "$1" | sort -n >"$T/sorted"
	n=$(wc -l <"$T/sorted")
	[ "$n" -gt 0 ] || { printf 'no points'; return; }
	printf 'median %s s, p99 %s s, max %s s (%s points)' "$(sed -n "$(( (n + 1) / 2 ))p" "$T/sorted")" \
		"$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$T/sorted")" "$(tail -1 "$T/sorted")" "$n"
}
qemu_replay() { # GDBSOCK MONSOCK
	# shellcheck disable=SC2086
	$Q "$A" -icount shift=auto,rr=replay,rrfile="$T/w.qemu",rrsnapshot=init \
		-drive file="$T/snap.qcow2",if=none,id=rr -chardev socket,id=g0,path="$1",server=on,wait=off \
		-gdb chardev:g0 -monitor unix:"$2",server=on,wait=off -serial null -S </dev/null >/dev/null 2>&1 &
}

timeout 3000 "$B/rr-run" -q -r "$T/w.rr" --gdb "unix:$T/g.sock" >/dev/null 2>&1 &
$CLIENT stepi "unix:$T/g.sock" rr - "$nstep" 42 0 "$hi" 5 >"$T/rr.steps"
awk '$4 == 1' "$T/rr.steps" >"$T/rr.step"
awk '$4 > 1' "$T/rr.steps" >"$T/rr.step2"
timeout 3000 "$B/rr-run" -q -r "$T/w.rr" --gdb "unix:$T/g2.sock" >/dev/null 2>&1 &
$CLIENT rcont "unix:$T/g2.sock" rr - "$bp" "$back" >"$T/rr.rcont"
: >"$T/q.step"
i=0 qfail=0
while [ $i -lt "$nq" ]; do
	rm -f "$T/qg" "$T/qm"
	qemu_replay "$T/qg" "$T/qm"
	qpid=$!
	timeout "$qlimit" $CLIENT stepi "unix:$T/qg" qemu "unix:$T/qm" 1 $((100 + i)) 0 "$hi" >>"$T/q.step" \
		|| qfail=$((qfail + 1))
	kill $qpid 2>/dev/null; wait $qpid 2>/dev/null || true
	i=$((i + 1))
done
rm -f "$T/qg" "$T/qm"
qemu_replay "$T/qg" "$T/qm"
qpid=$!
timeout "$qlimit" $CLIENT rcont "unix:$T/qg" qemu "unix:$T/qm" "$bp" "$back" >"$T/q.rcont" \
	|| echo "rcont - - no-answer in-$qlimit-s" >"$T/q.rcont"
kill $qpid 2>/dev/null || true

echo "recording: rrtest=cpu rrcpu.rounds=$rounds, $end instructions; points in [0, $hi)"
echo "| operation | rr-run | QEMU 7.2 |"
echo "|---|---|---|"
echo "| reverse-stepi at random points | $(stats "$T/rr.step" 3) | $(stats "$T/q.step" 3); $qfail of $nq points got no answer in $qlimit s |"
echo "| the 2nd to 5th reverse-stepi in a row there | $(stats "$T/rr.step2" 3) | |"
echo "| reverse-continue to a breakpoint $back instructions back | $(awk '{print $4 " s (" $5 ")"}' "$T/rr.rcont") | $(awk '{print $4 " s (" $5 ")"}' "$T/q.rcont" 2>/dev/null) |"
