#!/bin/sh
# Boot the cached guest images (scripts/build-guest.sh) on QEMU's riscv64 virt board, the
# reference machine. The console is this terminal (or stdin/stdout when piped).
# Usage: scripts/run-qemu-guest.sh [options] [-- extra qemu arguments]
#   --test NAME    guest test to run: demo (default), smp, boot, shell, ... (rrtest=NAME)
#   --port N       HTTP port the demo fetches from on the host (default 8000; the caller
#                  runs the server, bound to 127.0.0.1: QEMU user net maps 10.0.2.2 to it)
#   --file NAME    file the demo fetches (default data.bin)
#   --smp N        harts (default 1)        -m SIZE     RAM (default 256M)
#   --append STR   more kernel command-line words
#   --disk FILE    disk image, written in place (default: cache/guest/disk.img, read-only
#                  with writes going to a throw-away overlay)
#   --bios FILE    firmware (default Debian's OpenSBI fw_jump.elf)
#   --dry-run      print the QEMU command instead of running it
# Exit status: QEMU's, i.e. the guest's sifive_test code (0 after a clean power-off).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
img=${RRKIT_CACHE:-$top/cache}/guest
test=demo port=8000 file=data.bin smp=1 mem=256M extra="" disk="" dry=0
bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	--test) test=$2; shift ;;
	--port) port=$2; shift ;;
	--file) file=$2; shift ;;
	--smp) smp=$2; shift ;;
	-m) mem=$2; shift ;;
	--append) extra="$extra $2"; shift ;;
	--disk) disk=$2; shift ;;
	--bios) bios=$2; shift ;;
	--dry-run) dry=1 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "run-qemu-guest: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
for f in "$img/Image" "$img/initramfs.cpio.gz" "$img/disk.img" "$bios"; do
	[ -f "$f" ] || { echo "run-qemu-guest: $f: missing (run scripts/build-guest.sh)" >&2; exit 1; }
done
command -v qemu-system-riscv64 >/dev/null ||
	{ echo "run-qemu-guest: qemu-system-riscv64 not found (scripts/install-deps.sh)" >&2; exit 1; }
if [ -n "$disk" ]; then drive="file=$disk,if=none,format=raw,id=d0"
else drive="file=$img/disk.img,if=none,format=raw,id=d0,snapshot=on"; fi
append="console=ttyS0 rrtest=$test rrdemo.port=$port rrdemo.file=$file$extra"

# QEMU fills the virtio-mmio slots from the top: blk at 0x10008000 (PLIC irq 8), net at
# 0x10007000 (7), rng at 0x10006000 (6); Linux still names them virtio0, 1, 2 in that order.
# -no-reboot turns a guest reset (e.g. a panic, which reboots at once) into an exit.
set -- qemu-system-riscv64 -M virt -m "$mem" -smp "$smp" -bios "$bios" \
	-kernel "$img/Image" -initrd "$img/initramfs.cpio.gz" -append "$append" \
	-nographic -no-reboot \
	-drive "$drive" -device virtio-blk-device,drive=d0 \
	-netdev user,id=n0 -device virtio-net-device,netdev=n0 \
	-device virtio-rng-device "$@"
if [ $dry = 1 ]; then
	for a in "$@"; do case $a in *[!A-Za-z0-9_./,=:-]*) printf "'%s' " "$a" ;; *) printf '%s ' "$a" ;; esac; done
	echo
	exit 0
fi
exec "$@"
