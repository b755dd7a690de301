#!/bin/sh
# Differential test in `make check`: a bounded number of random RV64GC programs
# (tests/difftest/gen.py) must leave identical registers, fcsr, mscratch and memory
# on QEMU and on rr-run. The long run is `tests/difftest/run.sh -n 1000`.
# Skips (exit 77, "SKIP: reason") only while build/rr-run does not exist, or when
# QEMU or the riscv64 cross compiler is not installed.
# Env: DIFFTEST_SEEDS (default 30), DIFFTEST_FIRST (default: 0).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${BUILD:-$TOP/build}
QEMU=${QEMU:-qemu-system-riscv64}
if [ ! -x "$B/rr-run" ]; then
	echo "SKIP: $B/rr-run not built yet"
	exit 77
fi
for t in "$QEMU" riscv64-unknown-elf-gcc python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "SKIP: $t not installed (scripts/install-deps.sh)"
		exit 77
	fi
done
BUILD=$B TOP=$TOP sh "$TOP/tests/difftest/run.sh" -q -n "${DIFFTEST_SEEDS:-30}" -s "${DIFFTEST_FIRST:-0}"
