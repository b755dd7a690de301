#!/bin/sh
# make-log.sh PROG OUT [INPUT] [CFLAGS...]
# Builds tests/qemu-logs/PROG.S as a bare-metal riscv64 ELF and records a QEMU replay
# log of it into OUT (qemu-system-riscv64 -M virt -bios none -icount shift=0,
# rr=record).  INPUT, if given and not empty, is typed on the serial console one
# byte every 0.2 s.  The guest's console output goes to OUT.console.
# Exit 77 if QEMU or the riscv64 compiler is missing.
set -e
here=$(cd "$(dirname "$0")" && pwd)
prog=$1 out=$2 input=${3:-}
[ $# -ge 3 ] && shift 3 || shift $#
command -v qemu-system-riscv64 >/dev/null 2>&1 || exit 77
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
riscv64-unknown-elf-gcc -nostdlib -nostartfiles -march=rv64gc -mabi=lp64d -mcmodel=medany \
	-Wl,-Ttext=0x80000000 "$@" -o "$tmp/$prog.elf" "$here/$prog.S"
feed() {
	sleep 0.5
	printf '%s' "$input" | od -An -v -tx1 | tr -s ' \n' '\n\n' | while read -r h; do
		[ -n "$h" ] || continue
		printf "\\$(printf %o "0x$h")"
		sleep 0.2
	done
	sleep 1
}
if [ -n "$input" ]; then
	feed | timeout 120 qemu-system-riscv64 -M virt -bios none -kernel "$tmp/$prog.elf" \
		-icount shift=0,rr=record,rrfile="$out" -display none -serial stdio -monitor none \
		>"$out.console"
else
	timeout 120 qemu-system-riscv64 -M virt -bios none -kernel "$tmp/$prog.elf" \
		-icount shift=0,rr=record,rrfile="$out" -display none -serial stdio -monitor none \
		</dev/null >"$out.console"
fi
