#!/bin/sh
# MIPS on a CPU-bound bare-metal loop: rr-run versus QEMU (-icount shift=0), same ELF,
# same run, best of N, in CPU seconds (user + system: the machine is shared). The
# instruction count is rr-run's (the program is deterministic, so QEMU executes the
# same count). Rows: rr-run's interpreter (--cpu interp) and its JIT (--cpu jit, the default on x86-64),
# interleaved with QEMU in every round.   bench/mips.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
elf=$top/build/guest/bench_loop.elf
n=${1:-3}
[ -f "$elf" ] || make -C "$top" guest-tests >/dev/null
best() { sort -n | head -1; }
# cpu command...: prints the command's user + system seconds
cpu() {
	/usr/bin/time -f "%U %S" -o "$B/mips.time" "$@" >/dev/null 2>>"$B/mips.err"
	awk '{ printf "%.3f\n", $1 + $2 }' "$B/mips.time"
}
rr_t=""; j_t=""; q_t=""; icount=0
for i in $(seq "$n"); do
	: >"$B/mips.err"
	rr_t="$rr_t $(cpu "$B/rr-run" --stats --cpu interp --bios none "$elf")"
	icount=$(sed -n 's/.*icount=\([0-9]*\).*/\1/p' "$B/mips.err")
	j_t="$j_t $(cpu "$B/rr-run" --stats --cpu jit --bios none "$elf")"
	q_t="$q_t $(cpu qemu-system-riscv64 -M virt -bios none -kernel "$elf" -nographic -m 128M -icount shift=0)"
done
r=$(for x in $rr_t; do echo "$x"; done | best)
j=$(for x in $j_t; do echo "$x"; done | best)
q=$(for x in $q_t; do echo "$x"; done | best)
mips() { echo "$icount / $1 / 1000000" | bc -l; }
printf 'instructions: %s\nrr-run --cpu interp: %.3f CPU s  %.0f MIPS\nrr-run --cpu jit: %.3f CPU s  %.0f MIPS\nqemu -icount shift=0: %.3f CPU s  %.0f MIPS\nrr-run/qemu time ratio: interp %.2f, jit %.2f\n' \
	"$icount" "$r" "$(mips "$r")" "$j" "$(mips "$j")" "$q" "$(mips "$q")" \
	"$(echo "$r / $q" | bc -l)" "$(echo "$j / $q" | bc -l)"
