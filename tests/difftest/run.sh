#!/bin/sh
# Differential tester: random RV64GC programs (gen.py) on QEMU and on rr-run.
#   tests/difftest/run.sh [-n SEEDS] [-s FIRST] [-l LEN] [-k] [-q]
# Runs seeds FIRST..FIRST+SEEDS-1 (default 0..99), each a program of LEN random
# instructions (default 300), on `qemu-system-riscv64 -M virt -bios none` and on
# `rr-run --bios none`, and compares the final register dumps. Reports the first
# mismatch (seed, register, both values) and the number of seeds that agree.
# -k keeps going after a mismatch (reports each); -q prints only the summary.
# Exit: 0 all agree, 1 a mismatch or a failure, 2 usage/setup trouble.
# Env: BUILD (default <repo>/build), QEMU (default qemu-system-riscv64),
#      KEEP=DIR keeps the programs and outputs of mismatching seeds in DIR,
#      CORE_DIFF=1 also runs each program on rr-run's two cores in lockstep
#      (BUILD/tests/tools/rr-core-diff: interpreter and JIT, the same registers and
#      icount at every stop), RRKIT_CPU=jit compares QEMU with the JIT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
B=${BUILD:-$TOP/build}
RUN=$B/rr-run
QEMU=${QEMU:-qemu-system-riscv64}
CC=${CROSS:-riscv64-unknown-elf-}gcc
n=100 first=0 len=300 keep_going=0 quiet=0
while getopts n:s:l:kq o; do
	case $o in
	n) n=$OPTARG ;;
	s) first=$OPTARG ;;
	l) len=$OPTARG ;;
	k) keep_going=1 ;;
	q) quiet=1 ;;
	*) echo "usage: $0 [-n SEEDS] [-s FIRST] [-l LEN] [-k] [-q]" >&2; exit 2 ;;
	esac
done
for t in "$CC" "$QEMU" python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "difftest: $t not found" >&2; exit 2; }
done
[ -x "$RUN" ] || { echo "difftest: $RUN not built" >&2; exit 2; }

T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
ARCH="-march=rv64gc -mabi=lp64d -mcmodel=medany"
RT=$TOP/tests/guest/rt
# the runtime and the dump routine, compiled once
for f in "$RT/crt.S" "$RT/rt.c" "$here/dump.c"; do
	$CC $ARCH -O2 -ffreestanding -fno-pic -I"$RT" -c "$f" -o "$T/$(basename "$f").o" || exit 2
done
OBJS="$T/crt.S.o $T/rt.c.o $T/dump.c.o"
# a private copy, so a rebuild of build/rr-run during a long run does not disturb it
cp "$RUN" "$T/rr-run" || exit 2
RUN=$T/rr-run

say() { [ $quiet -eq 1 ] || echo "$@"; }
agree=0 bad=0 seed=$first last=$((first + n - 1))
while [ "$seed" -le "$last" ]; do
	s=$T/s$seed
	if ! python3 "$here/gen.py" "$seed" -n "$len" >"$s.S" ||
	   ! $CC $ARCH -nostdlib -nostartfiles -static -T "$RT/link.ld" -Wl,--no-warn-rwx-segments \
		-o "$s.elf" "$s.S" $OBJS -lgcc 2>"$s.cc"; then
		echo "seed $seed: generator or build failed:"; head -5 "$s.cc"
		bad=$((bad + 1)); [ $keep_going -eq 1 ] || break
		seed=$((seed + 1)); continue
	fi
	timeout 60 "$QEMU" -M virt -bios none -nographic -m 128M -kernel "$s.elf" </dev/null >"$s.q" 2>&1
	qrc=$?
	timeout 60 "$RUN" -q --bios none "$s.elf" </dev/null >"$s.r" 2>"$s.rerr"
	rrc=$?
	if [ -n "${CORE_DIFF:-}" ] && [ $rrc -eq 0 ]; then
		timeout 60 "$B/tests/tools/rr-core-diff" -s "$seed" -c 8 "$s.elf" >"$s.core" 2>&1 ||
			{ rrc=99; cat "$s.core" >>"$s.rerr"; }
	fi
	if [ $qrc -eq 0 ] && [ $rrc -eq 0 ] && cmp -s "$s.q" "$s.r" && [ -s "$s.q" ]; then
		agree=$((agree + 1))
		rm -f "$s".*
	else
		bad=$((bad + 1))
		# the first line that differs: "reg = value" on each side
		first_diff=$(awk 'NR == FNR { q[FNR] = $0; nq = FNR; next }
			{ if (q[FNR] != $0) { split(q[FNR], a, " = "); split($0, b, " = ");
			  printf "%s: qemu %s, rr-run %s", (a[1] != "" ? a[1] : b[1]), a[2], b[2]; found = 1; exit } }
			END { if (!found && FNR < nq) printf "rr-run output ends early at line %d", FNR + 1 }' "$s.q" "$s.r")
		echo "MISMATCH seed $seed (qemu exit $qrc, rr-run exit $rrc): ${first_diff:-same output}"
		[ -s "$s.rerr" ] && head -3 "$s.rerr"
		if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$s".* "$KEEP"/; fi
		[ $keep_going -eq 1 ] || break
	fi
	[ $(( (seed - first + 1) % 100 )) -eq 0 ] && say "... $((seed - first + 1)) seeds, $agree agree"
	seed=$((seed + 1))
done
echo "difftest: $agree of $((agree + bad)) seeds agree (seeds $first..$last, $len instructions each)"
[ $bad -eq 0 ]
