#!/bin/sh
# bench/rrlog-bench.sh [quick]: librrlog and rr-dump benchmarks (BENCHMARKS.md).
# Builds bench/rrlog_bench.c against build/librrlog.a, then measures: write and read
# throughput of a realistic event mix, rr-dump lines/s, bytes per event of an
# INSN-heavy stream and of a QEMU log of a guest re-encoded as rrlog, and the seek
# cost in logs of two sizes (>= 1 GB encoded).  Scratch files go to $BENCH_DIR
# (default: a mktemp dir under /tmp), removed at the end.  "quick" uses small sizes.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
[ -f "$B/librrlog.a" ] && [ -x "$B/rr-dump" ] || make -C "$top" -j2 >/dev/null
mkdir -p "$B/bench"
${CC:-cc} -O2 -g -std=gnu11 -Wall -Wextra -I"$top/lib" -o "$B/bench/rrlog_bench" \
	"$top/bench/rrlog_bench.c" "$B/librrlog.a" $(pkg-config --libs libzstd)
bench="$B/bench/rrlog_bench"
d=${BENCH_DIR:-$(mktemp -d)}
trap 'rm -rf "$d"' EXIT
if [ "${1:-}" = quick ]; then N=2000000 S1=64 S2=128 TICKS=2000; else N=20000000 S1=1100 S2=2200 TICKS=20000; fi
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## write/read, realistic mix"
"$bench" write-read "$N" "$d/mix.rr"
echo "## rr-dump"
"$bench" write-read $((N / 4)) "$d/dump.rr" >/dev/null
"$bench" dump "$B/rr-dump" "$d/dump.rr"
echo "## INSN-heavy stream"
"$bench" insn "$N" "$d/insn.rr"
echo "## QEMU log of the tick guest ($TICKS timer interrupts), re-encoded"
if sh "$top/tests/qemu-logs/make-log.sh" tick "$d/tick.qrr" "" -DTICKS="$TICKS" -DPERIOD=1000; then
	"$bench" convert "$d/tick.qrr" "$d/tick.rr"
else
	echo "(QEMU or riscv64-unknown-elf-gcc missing: skipped)"
fi
# A Linux boot (images from scripts/build-guest.sh), when they exist: QEMU records
# for 60 s (the demo then waits for console input; SIGTERM ends the log cleanly).
img="$top/cache/guest/Image" rd="$top/cache/guest/initramfs.cpio.gz"
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
if [ "${1:-}" != quick ] && [ -f "$img" ] && [ -f "$rd" ] && [ -f "$fw" ]; then
	echo "## QEMU log of a Linux boot, re-encoded"
	timeout 60 qemu-system-riscv64 -M virt -m 128M -bios "$fw" -kernel "$img" -initrd "$rd" \
		-append "console=ttyS0 rrdemo=1" -icount shift=0,rr=record,rrfile="$d/linux.qrr" \
		-display none -serial stdio -monitor none </dev/null >/dev/null 2>&1 || true
	"$bench" convert "$d/linux.qrr" "$d/linux.rr" || true
fi
for mb in $S1 $S2; do
	echo "## big log: $mb MB encoded"
	"$bench" big "$mb" "$d/big.rr"
	rm -f "$d/big.rr"
done
