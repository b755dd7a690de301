#!/bin/sh
# What recording and replaying cost over a live run, in host instructions on the
# guest's thread, counted by callgrind (stable on a noisy machine, where the wall
# times of bench/linux-cpu.sh vary by 30 % from run to run): bench/callgrind.sh's
# cpu workload (about 241 M guest instructions, boot included) run live, recorded
# (-w, default hash and snapshot intervals) and replayed (-r), each on the core
# CPU (default: rr-run's default). The recorder's log thread (compression and
# write, rrlog_writer_set_async) is counted apart: it runs beside the guest.
# WORK=disk runs instead the part of bench/linux-cpu.sh's io workload that makes
# recording dearest: the 16 MiB disk read once (dd | sha256sum, about 1.6 G guest
# instructions), which fills the page cache, so every state hash and snapshot
# has many written pages to hash.
#   bench/record-overhead.sh   (BUILD=DIR for another build, CPU=interp|jit, WORK=cpu|disk)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cpu=${CPU:+--cpu $CPU}
bb=/bin/busybox
case ${WORK:-cpu} in
cpu) W="$bb seq 1 20000 | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c 400000 | $bb sha256sum; $bb poweroff -f" ;;
disk) W="$bb mount -t proc p /proc; $bb mount -t devtmpfs d /dev; $bb dd if=/dev/vda bs=64k 2>/dev/null | $bb sha256sum; $bb poweroff -f" ;;
*) echo "record-overhead.sh: WORK=cpu or WORK=disk" >&2; exit 2 ;;
esac
L="-m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz --drive $G/disk.img"
cg() { # NAME rr-run-args...: callgrind, one profile a thread ($T/NAME-01 is the guest's)
	n=$1; shift
	valgrind --smc-check=all --tool=callgrind --separate-threads=yes --callgrind-out-file="$T/$n" \
		"$B/rr-run" $cpu --stats "$@" </dev/null >/dev/null 2>"$T/$n.err"
}
# shellcheck disable=SC2086
cg live $L --append "console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\""
# shellcheck disable=SC2086
cg record -w "$T/w.rr" $L --append "console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\""
cg replay -r "$T/w.rr"
ir() { sed -n 's/^summary: //p' "$T/$1" | head -1; }
# the other threads of a run (the log thread, the disk worker, the terminal)
rest() { s=0; for f in "$T/$1"-0[2-9] "$T/$1"-[1-9][0-9]; do [ -f "$f" ] && s=$((s + $(ir "${f#"$T"/}"))); done; echo $s; }
ic=$(sed -n 's/.*icount=\([0-9]*\).*/\1/p' "$T/live.err")
l=$(ir live-01) r=$(ir record-01) p=$(ir replay-01)
printf 'workload %s, core %s, guest instructions %s (live)\n' "${WORK:-cpu}" "${CPU:-default}" "$ic"
printf 'live    guest thread %s host instructions\n' "$l"
printf 'record  guest thread %s (%.3f x live); other threads %s (%.3f x live)\n' "$r" \
	"$(echo "$r / $l" | bc -l)" "$(rest record)" "$(echo "$(rest record) / $l" | bc -l)"
printf 'replay  guest thread %s (%.3f x live, %.3f x record)\n' "$p" "$(echo "$p / $l" | bc -l)" \
	"$(echo "$p / $r" | bc -l)"
