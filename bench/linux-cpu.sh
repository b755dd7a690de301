#!/bin/sh
# Linux userland workloads, rr-run against QEMU in the same run, same images
# (cache/guest; RRKIT_CACHE=DIR to use another cache). The guest's init is busybox
# sh running one workload, then poweroff -f:
#   cpu  seq 1 200000*S | sort -r | sha256sum; yes | head -c 4000000*S | sha256sum
#        (pipes, so processes, context switches and system calls too)
#   mem  60*S times: dd 2 MiB of zeroes through a pipe into md5sum, and seq | sort
#        (many short processes: fork, exec, page faults, page-table walks, address
#        space switches)
#   io   the 16 MiB disk read 3*S times (page cache dropped in between), 4*S MiB
#        written to it, then an 8*S MiB HTTP download from a server on the host's
#        loopback through user-mode networking (slirp on both machines)
# Prints, best of RUNS (CPU time, and wall time: the recorder compresses and writes
# its log on a thread of its own, which CPU time adds in): rr-run live / record (-w) / replay (-r), QEMU plain TCG,
# -icount shift=auto, -icount shift=auto,rr=record, their MIPS (rr-run's instruction
# count), ratios, log sizes and peak RSS; with -c jit also rr-run --cpu jit
# (jlive / jrecord / jreplay rows: the JIT's recording replayed by the JIT) and the
# JIT's ratios; every run interleaves all the rows.
#   bench/linux-cpu.sh [-n RUNS] [-s SCALE] [-w cpu|mem|io] [-c interp|jit|both]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
BIOS=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
runs=3 scale=1 work=cpu cores=interp
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift ;;
	-s) scale=$2; shift ;;
	-w) work=$2; shift ;;
	-c) cores=$2; shift ;;
	*) echo "usage: bench/linux-cpu.sh [-n RUNS] [-s SCALE] [-w cpu|mem|io] [-c interp|jit|both]" >&2; exit 2 ;;
	esac
	shift
done
T=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
bb=/bin/busybox
net_rr="--net none" net_q="" net_qrr=""
case $work in
cpu)
	W="$bb seq 1 $((200000 * scale)) | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c $((4000000 * scale)) | $bb sha256sum" ;;
mem)
	W="i=0; while [ \$i -lt $((60 * scale)) ]; do $bb dd if=/dev/zero bs=1M count=2 2>/dev/null | $bb md5sum >/dev/null; $bb seq 1 2000 | $bb sort -r >/dev/null; i=\$((i+1)); done; echo mem done" ;;
io)
	mkdir "$T/www"
	head -c $((8 * scale))M /dev/zero | tr '\0' 'x' >"$T/www/data.bin"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
	server=$!
	sleep 1
	W="$bb mount -t proc p /proc; $bb mount -t devtmpfs d /dev; i=0; while [ \$i -lt $((3 * scale)) ]; do $bb dd if=/dev/vda bs=64k 2>/dev/null | $bb sha256sum; echo 3 >/proc/sys/vm/drop_caches; i=\$((i+1)); done; $bb dd if=/dev/zero of=/dev/vda bs=64k count=$((64 * scale)) conv=fsync 2>/dev/null; $bb ip link set lo up; $bb ip link set eth0 up; $bb ip addr add 10.0.2.15/24 dev eth0; $bb ip route add default via 10.0.2.2; $bb wget -q -O - http://10.0.2.2:$port/data.bin | $bb sha256sum"
	net_rr="--net user"
	net_q="-netdev user,id=n0 -device virtio-net-device,netdev=n0"
	net_qrr="$net_q -object filter-replay,id=fr,netdev=n0" ;;
*) echo "linux-cpu.sh: unknown workload $work" >&2; exit 2 ;;
esac
W="$W; $bb poweroff -f"
APPEND="console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\""
img="--kernel $G/Image --initrd $G/initramfs.cpio.gz"
qimg="-M virt -m 256M -bios $BIOS -kernel $G/Image -initrd $G/initramfs.cpio.gz -nographic -no-reboot"
qd_plain="-drive file=$G/disk.img,if=none,format=raw,id=d0,snapshot=on -device virtio-blk-device,drive=d0"
qd_rr="-drive file=$G/disk.img,if=none,format=raw,id=img,snapshot=on -drive driver=blkreplay,if=none,image=img,id=d0 -device virtio-blk-device,drive=d0"
# measure NAME command...: appends "cpu_seconds maxrss_kb wall_seconds" to $T/NAME
# (CPU time = user + system: the machine is shared, so wall time is noisy)
measure() {
	n=$1; shift
	/usr/bin/time -f "%U %S %M %e" -o "$T/t" "$@" >"$T/out.$n" 2>&1 </dev/null || true
	tail -n 1 "$T/t" | awk '{ printf "%.2f %s %s\n", $1 + $2, $3, $4 }' >>"$T/$n"
}
# shellcheck disable=SC2086
rows=""
case $cores in interp|both) rows="live record replay" ;; esac
case $cores in jit|both) rows="$rows jlive jrecord jreplay" ;; esac
[ -n "$rows" ] || { echo "linux-cpu.sh: -c interp, jit or both" >&2; exit 2; }
for i in $(seq "$runs"); do
	case $cores in interp|both)
	measure live "$B/rr-run" --cpu interp -m 256M $img --drive "$G/disk.img" $net_rr --append "$APPEND"
	measure record "$B/rr-run" --cpu interp -w "$T/w.rr" -m 256M $img --drive "$G/disk.img" $net_rr --append "$APPEND"
	measure replay "$B/rr-run" --cpu interp -r "$T/w.rr"
	esac
	case $cores in jit|both)
	measure jlive "$B/rr-run" --cpu jit -m 256M $img --drive "$G/disk.img" $net_rr --append "$APPEND"
	measure jrecord "$B/rr-run" --cpu jit -w "$T/j.rr" -m 256M $img --drive "$G/disk.img" $net_rr --append "$APPEND"
	measure jreplay "$B/rr-run" --cpu jit -r "$T/j.rr"
	esac
	measure qplain qemu-system-riscv64 $qimg $qd_plain $net_q -append "$APPEND"
	measure qicount qemu-system-riscv64 $qimg $qd_plain $net_q -append "$APPEND" -icount shift=auto
	measure qrecord qemu-system-riscv64 $qimg $qd_rr $net_qrr -append "$APPEND" \
		-icount shift=auto,rr=record,rrfile="$T/w.qemu"
done
[ -f "$T/w.rr" ] || cp "$T/j.rr" "$T/w.rr"
ic=$("$B/rr-dump" --stats "$T/w.rr" 2>/dev/null | sed -n 's/^icount: [0-9]*\.\.\([0-9]*\).*/\1/p')
best() { sort -n "$T/$1" | head -1 | cut -d' ' -f1; }
bestw() { sort -n -k3 "$T/$1" | head -1 | cut -d' ' -f3; }
rss() { sort -n -k2 "$T/$1" | tail -1 | cut -d' ' -f2; }
echo "workload $work, scale $scale, best of $runs (CPU seconds); instructions (rr-run recording): $ic"
[ -f "$T/out.record" ] || cp "$T/out.jrecord" "$T/out.record"
tr -d '\r' <"$T/out.record" | grep -a -e '  -$' -e '^mem done' -e 'wget' | head -5 | sed 's/^/  guest: /'
for n in $rows qplain qicount qrecord; do
	t=$(best $n)
	printf '%-8s %7.2f s  %6.0f MIPS  peak RSS %s KB  wall %s s\n' "$n" "$t" "$(echo "$ic / $t / 1000000" | bc -l)" "$(rss $n)" "$(bestw $n)"
done
echo "log bytes: rr-run $(wc -c <"$T/w.rr"), QEMU $(cat "$T"/w.qemu* 2>/dev/null | wc -c)"
r() { echo "scale=2; $(best "$1") / $(best "$2")" | bc -l; }
rw() { echo "scale=3; $(bestw "$1") / $(bestw "$2")" | bc -l; }
case $cores in interp|both)
echo "ratios (CPU time): record/qemu-rr=record $(r record qrecord), live/qemu-icount $(r live qicount), live/qemu-plain $(r live qplain), record/live $(r record live), replay/record $(r replay record)"
echo "ratios (wall time): record/qemu-rr=record $(rw record qrecord), record/live $(rw record live), replay/record $(rw replay record)" ;;
esac
case $cores in jit|both)
echo "JIT ratios (CPU time): record/qemu-rr=record $(r jrecord qrecord), live/qemu-icount $(r jlive qicount), live/qemu-plain $(r jlive qplain), record/live $(r jrecord jlive), replay/record $(r jreplay jrecord)"
echo "JIT ratios (wall time; the recorder's log thread runs beside the guest): record/qemu-rr=record $(rw jrecord qrecord), record/live $(rw jrecord jlive), replay/record $(rw jreplay jrecord)" ;;
esac
case $cores in both)
echo "JIT / interpreter (CPU time): live $(r jlive live), record $(r jrecord record), replay $(r jreplay replay)" ;;
esac
