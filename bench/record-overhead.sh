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
# has many written pages to hash. WORK=io runs the whole io workload of
# bench/linux-cpu.sh at scale 1 (disk read three times, 4 MiB written, an 8 MiB
# download through slirp from a server on the host's loopback): its live and
# recorded runs see the network at different instruction counts, so the guest
# instruction counts differ a little; the ratios per guest instruction are printed too.
# Live and record run side by side (callgrind counts do not depend on the load).
#   bench/record-overhead.sh   (BUILD=DIR for another build, CPU=interp|jit,
#                               WORK=cpu|disk|io, KEEP=DIR keeps the profiles)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
if [ -n "${KEEP:-}" ]; then T=$KEEP; mkdir -p "$T"; else T=$(mktemp -d); fi
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM
net=
cpu=${CPU:+--cpu $CPU}
bb=/bin/busybox
case ${WORK:-cpu} in
cpu) W="$bb seq 1 20000 | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c 400000 | $bb sha256sum; $bb poweroff -f" ;;
disk) W="$bb mount -t proc p /proc; $bb mount -t devtmpfs d /dev; $bb dd if=/dev/vda bs=64k 2>/dev/null | $bb sha256sum; $bb poweroff -f" ;;
io)
	mkdir -p "$T/www"
	head -c 8M /dev/zero | tr '\0' 'x' >"$T/www/data.bin"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
	server=$!
	sleep 1
	W="$bb mount -t proc p /proc; $bb mount -t devtmpfs d /dev; i=0; while [ \$i -lt 3 ]; do $bb dd if=/dev/vda bs=64k 2>/dev/null | $bb sha256sum; echo 3 >/proc/sys/vm/drop_caches; i=\$((i+1)); done; $bb dd if=/dev/zero of=/dev/vda bs=64k count=64 conv=fsync 2>/dev/null; $bb ip link set lo up; $bb ip link set eth0 up; $bb ip addr add 10.0.2.15/24 dev eth0; $bb ip route add default via 10.0.2.2; $bb wget -q -O - http://10.0.2.2:$port/data.bin | $bb sha256sum; $bb poweroff -f"
	net="--net user" ;;
*) echo "record-overhead.sh: WORK=cpu, disk or io" >&2; exit 2 ;;
esac
L="-m 256M --kernel $G/Image --initrd $G/initramfs.cpio.gz --drive $G/disk.img"
cg() { # NAME rr-run-args...: callgrind, one profile a thread ($T/NAME-01 is the guest's)
	n=$1; shift
	valgrind --smc-check=all --tool=callgrind --separate-threads=yes --callgrind-out-file="$T/$n" \
		"$B/rr-run" $cpu --stats "$@" </dev/null >/dev/null 2>"$T/$n.err"
}
# shellcheck disable=SC2086
cg live $L $net --append "console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\"" &
lpid=$!
# shellcheck disable=SC2086
cg record -w "$T/w.rr" $L $net --append "console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\""
wait $lpid
cg replay -r "$T/w.rr"
ir() { sed -n 's/^summary: //p' "$T/$1" | head -1; }
# the other threads of a run (the log thread, the disk worker, the terminal)
rest() { s=0; for f in "$T/$1"-0[2-9] "$T/$1"-[1-9][0-9]; do [ -f "$f" ] && s=$((s + $(ir "${f#"$T"/}"))); done; echo $s; }
icount() { sed -n 's/.*icount=\([0-9]*\).*/\1/p' "$T/$1.err" | head -1; }
ic=$(icount live) icr=$(icount record)
l=$(ir live-01) r=$(ir record-01) p=$(ir replay-01)
printf 'workload %s, core %s, guest instructions %s (live), %s (record)\n' "${WORK:-cpu}" "${CPU:-default}" "$ic" "$icr"
printf 'live    guest thread %s host instructions\n' "$l"
printf 'record  guest thread %s (%.3f x live); other threads %s (%.3f x live)\n' "$r" \
	"$(echo "$r / $l" | bc -l)" "$(rest record)" "$(echo "$(rest record) / $l" | bc -l)"
printf 'replay  guest thread %s (%.3f x live, %.3f x record)\n' "$p" "$(echo "$p / $l" | bc -l)" \
	"$(echo "$p / $r" | bc -l)"
printf 'per guest instruction: live %.3f, record %.3f (%.3f x live) host instructions\n' \
	"$(echo "$l / $ic" | bc -l)" "$(echo "$r / $icr" | bc -l)" "$(echo "($r / $icr) / ($l / $ic)" | bc -l)"
