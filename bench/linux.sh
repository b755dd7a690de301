#!/bin/sh
# Linux benchmarks, rr-run against QEMU in the same run, same images (cache/guest):
#  boot    boot to power-off (rrtest=boot), live: rr-run vs qemu -icount shift=auto
#  record  the same recorded: rr-run -w vs qemu -icount shift=auto,rr=record; record
#          overhead vs live, replay vs record, log bytes rr-run vs QEMU
#  idle    log growth while the guest idles at a shell prompt (rr-run, then QEMU)
# Usage: bench/linux.sh [-n RUNS] [-i IDLE_SECONDS] [boot] [record] [idle]
# Times are the best of RUNS (default 3); absolute times on a shared machine are
# noisy, the ratios are what to read.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
BIOS=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
runs=3 idle=60 what=""
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift ;;
	-i) idle=$2; shift ;;
	*) what="$what $1" ;;
	esac
	shift
done
[ -n "$what" ] || what="boot record idle"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
best() { sort -n | head -1; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
APPEND="console=ttyS0 quiet rrtest=boot"
rr_machine="-m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz --drive $G/disk.img"
q_machine() { # extra -drive arguments for QEMU: plain, or through blkreplay when recording
	echo "-M virt -m 256M -bios $BIOS -kernel $G/Image -initrd $G/initramfs.cpio.gz -nographic -no-reboot"
}
q_drive_plain="-drive file=$G/disk.img,if=none,format=raw,id=d0,snapshot=on -device virtio-blk-device,drive=d0"
q_drive_rr="-drive file=$G/disk.img,if=none,format=raw,id=img,snapshot=on -drive driver=blkreplay,if=none,image=img,id=d0 -device virtio-blk-device,drive=d0"
timeit() { # command...: prints seconds
	t0=$(now); "$@" >/dev/null 2>&1 </dev/null || true; t1=$(now)
	echo "$t1 - $t0" | bc -l
}

if echo "$what" | grep -q boot; then
	rr=""; q=""
	for i in $(seq "$runs"); do
		rr="$rr $(timeit "$B/rr-run" $rr_machine --append "$APPEND")"
		q="$q $(timeit qemu-system-riscv64 $(q_machine) $q_drive_plain -device virtio-rng-device \
			-append "$APPEND" -icount shift=auto)"
	done
	r=$(for x in $rr; do echo "$x"; done | best); qq=$(for x in $q; do echo "$x"; done | best)
	ic=$("$B/rr-run" --stats $rr_machine --append "$APPEND" 2>&1 >/dev/null </dev/null | sed -n 's/.*icount=\([0-9]*\).*/\1/p')
	echo "boot to power-off: rr-run ${r}s, qemu -icount shift=auto ${qq}s, ratio rr-run/qemu $(ratio "$r" "$qq") ($ic instructions)"
fi

if echo "$what" | grep -q record; then
	live=""; rec=""; rep=""; q=""
	for i in $(seq "$runs"); do
		live="$live $(timeit "$B/rr-run" $rr_machine --append "$APPEND")"
		rec="$rec $(timeit "$B/rr-run" -w "$T/boot.rr" $rr_machine --append "$APPEND")"
		rep="$rep $(timeit "$B/rr-run" -r "$T/boot.rr")"
		q="$q $(timeit qemu-system-riscv64 $(q_machine) $q_drive_rr -device virtio-rng-device \
			-append "$APPEND" -icount shift=auto,rr=record,rrfile="$T/boot.qemu")"
	done
	l=$(for x in $live; do echo "$x"; done | best)
	w=$(for x in $rec; do echo "$x"; done | best)
	p=$(for x in $rep; do echo "$x"; done | best)
	qq=$(for x in $q; do echo "$x"; done | best)
	rb=$(wc -c <"$T/boot.rr"); qb=$(wc -c <"$T/boot.qemu")
	echo "record: rr-run ${w}s, qemu rr=record ${qq}s, ratio rr-run/qemu $(ratio "$w" "$qq")"
	echo "record overhead vs live: $(echo "scale=1; ($w - $l) * 100 / $l" | bc -l)% (live ${l}s)"
	echo "replay vs record: $(ratio "$p" "$w") (replay ${p}s)"
	echo "log bytes: rr-run $rb, qemu $qb, ratio $(echo "scale=4; $rb / $qb" | bc -l)"
fi

if echo "$what" | grep -q idle; then
	# Boot to the shell, note the log size once the prompt is up, idle, then power off.
	mkfifo "$T/in"
	( sleep 8; sleep "$idle"; echo "poweroff -f"; sleep 5 ) >"$T/in" &
	"$B/rr-run" -q -w "$T/idle.rr" $rr_machine --append "console=ttyS0 quiet rrtest=shell" \
		<"$T/in" >/dev/null 2>&1 &
	pid=$!
	sleep 8; s0=$(wc -c <"$T/idle.rr")
	sleep "$idle"; s1=$(wc -c <"$T/idle.rr")
	wait $pid || true
	echo "idle log growth, rr-run: $(echo "scale=1; ($s1 - $s0) / $idle" | bc -l) B/s over ${idle}s ($s0 -> $s1 bytes)"
	qidle=$((idle / 3))
	mkfifo "$T/qin"
	( sleep 8; sleep "$qidle"; echo "poweroff -f"; sleep 5 ) >"$T/qin" &
	qemu-system-riscv64 $(q_machine) $q_drive_rr -append "console=ttyS0 quiet rrtest=shell" \
		-icount shift=auto,rr=record,rrfile="$T/idle.qemu" <"$T/qin" >/dev/null 2>&1 &
	pid=$!
	sleep 8; s0=$(wc -c <"$T/idle.qemu")
	sleep "$qidle"; s1=$(wc -c <"$T/idle.qemu")
	wait $pid || true
	echo "idle log growth, qemu rr=record: $(echo "scale=1; ($s1 - $s0) / $qidle" | bc -l) B/s over ${qidle}s"
fi
