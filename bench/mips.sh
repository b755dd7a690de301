#!/bin/sh
# MIPS on a CPU-bound bare-metal loop: rr-run versus QEMU (-icount shift=0), same ELF,
# same run, best of N. The instruction count is rr-run's (the program is deterministic,
# so QEMU executes the same count).   bench/mips.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
elf=$top/build/guest/bench_loop.elf
n=${1:-3}
[ -f "$elf" ] || make -C "$top" guest-tests >/dev/null
now() { python3 -c 'import time; print(time.monotonic())'; }
best() { sort -n | head -1; }
rr_t=""; q_t=""; icount=0
for i in $(seq "$n"); do
	t0=$(now)
	"$B/rr-run" --stats --bios none "$elf" >/dev/null 2>"$B/mips.err"
	t1=$(now)
	icount=$(sed -n 's/.*icount=\([0-9]*\).*/\1/p' "$B/mips.err")
	rr_t="$rr_t $(echo "$t1 - $t0" | bc -l)"
	t0=$(now)
	qemu-system-riscv64 -M virt -bios none -kernel "$elf" -nographic -m 128M -icount shift=0 >/dev/null
	t1=$(now)
	q_t="$q_t $(echo "$t1 - $t0" | bc -l)"
done
r=$(for x in $rr_t; do echo "$x"; done | best)
q=$(for x in $q_t; do echo "$x"; done | best)
printf 'instructions: %s\nrr-run: %.3f s  %.0f MIPS\nqemu -icount shift=0: %.3f s  %.0f MIPS\nrr-run/qemu time ratio: %.2f\n' \
	"$icount" "$r" "$(echo "$icount / $r / 1000000" | bc -l)" "$q" "$(echo "$icount / $q / 1000000" | bc -l)" \
	"$(echo "$r / $q" | bc -l)"
