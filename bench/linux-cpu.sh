#!/bin/sh
# A CPU-bound Linux userland workload, rr-run against QEMU in the same run, same
# images (cache/guest; RRKIT_CACHE=DIR to use another cache). The guest's init is
# busybox sh running: seq 1 N | sort -r | sha256sum; yes | head -c M | sha256sum;
# poweroff -f (pipes, so processes, context switches and system calls too).
# Prints, best of RUNS: rr-run live / record (-w) / replay (-r), QEMU plain TCG,
# -icount shift=auto, -icount shift=auto,rr=record, their MIPS (rr-run's instruction
# count), ratios, and peak RSS.   bench/linux-cpu.sh [-n RUNS] [-s SCALE]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
BIOS=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
runs=3 scale=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift ;;
	-s) scale=$2; shift ;;
	*) echo "usage: bench/linux-cpu.sh [-n RUNS] [-s SCALE]" >&2; exit 2 ;;
	esac
	shift
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
bb=/bin/busybox
W="$bb seq 1 $((200000 * scale)) | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c $((4000000 * scale)) | $bb sha256sum; $bb poweroff -f"
APPEND="console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\""
img="--kernel $G/Image --initrd $G/initramfs.cpio.gz"
qimg="-M virt -m 256M -bios $BIOS -kernel $G/Image -initrd $G/initramfs.cpio.gz -nographic -no-reboot"
qd_plain="-drive file=$G/disk.img,if=none,format=raw,id=d0,snapshot=on -device virtio-blk-device,drive=d0"
qd_rr="-drive file=$G/disk.img,if=none,format=raw,id=img,snapshot=on -drive driver=blkreplay,if=none,image=img,id=d0 -device virtio-blk-device,drive=d0"
# measure NAME command...: appends "seconds maxrss_kb" to $T/NAME
measure() {
	n=$1; shift
	/usr/bin/time -f "%e %M" -o "$T/t" "$@" >/dev/null 2>&1 </dev/null || true
	tail -n 1 "$T/t" >>"$T/$n"
}
# shellcheck disable=SC2086
for i in $(seq "$runs"); do
	measure live "$B/rr-run" -m 256M $img --drive "$G/disk.img" --append "$APPEND"
	measure record "$B/rr-run" -w "$T/w.rr" -m 256M $img --drive "$G/disk.img" --append "$APPEND"
	measure replay "$B/rr-run" -r "$T/w.rr"
	measure qplain qemu-system-riscv64 $qimg $qd_plain -append "$APPEND"
	measure qicount qemu-system-riscv64 $qimg $qd_plain -append "$APPEND" -icount shift=auto
	measure qrecord qemu-system-riscv64 $qimg $qd_rr -append "$APPEND" \
		-icount shift=auto,rr=record,rrfile="$T/w.qemu"
done
# shellcheck disable=SC2086
ic=$("$B/rr-run" --stats -m 256M $img --drive "$G/disk.img" --append "$APPEND" 2>&1 >/dev/null </dev/null | sed -n 's/.*icount=\([0-9]*\).*/\1/p')
best() { sort -n "$T/$1" | head -1 | cut -d' ' -f1; }
rss() { sort -n -k2 "$T/$1" | tail -1 | cut -d' ' -f2; }
echo "instructions (rr-run): $ic"
for n in live record replay qplain qicount qrecord; do
	t=$(best $n)
	printf '%-8s %7.2f s  %6.0f MIPS  peak RSS %s KB\n' "$n" "$t" "$(echo "$ic / $t / 1000000" | bc -l)" "$(rss $n)"
done
r() { echo "scale=2; $(best "$1") / $(best "$2")" | bc -l; }
echo "ratios (time): record/qemu-rr=record $(r record qrecord), live/qemu-icount $(r live qicount), record/live $(r record live), replay/record $(r replay record)"
