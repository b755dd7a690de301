#!/bin/sh
# The bare-metal instruction-class programs (tests/guest, built by `make guest-tests`)
# on rr-run and on QEMU: every program must pass its own known-answer checks (exit 0)
# on both machines, and rr-run's console output must equal QEMU's byte for byte.
# Without QEMU the self-checks still run: a failing one fails the test, else it exits
# 77 (SKIP: the QEMU comparison did not run). Without build/rr-run: SKIP too.
# Env: BUILD (build dir), TOP (repo root), QEMU (default qemu-system-riscv64),
#      GUEST_PROGS (override the program list).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${BUILD:-$TOP/build}
G=$TOP/build/guest
RUN=$B/rr-run
QEMU=${QEMU:-qemu-system-riscv64}
QEMU0=$QEMU
noqemu=0
PROGS=${GUEST_PROGS:-"hello rv64i rv64m rv64a rvc fparith fpmisc csr traps priv irq mmu pmp fencei encodings vmchurn"}

if [ ! -x "$RUN" ]; then
	echo "SKIP: $RUN not built yet (nothing to compare against QEMU)"
	exit 77
fi
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "note: $QEMU not found: checking rr-run against the programs' own known answers only"
	QEMU=
	noqemu=1
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
for p in $PROGS; do
	elf=$G/$p.elf
	if [ ! -f "$elf" ]; then
		echo "FAIL $p: $elf missing (make guest-tests)"
		fail=1
		continue
	fi
	timeout 120 "$RUN" -q --bios none "$elf" </dev/null >"$T/$p.rr" 2>"$T/$p.err"
	rc=$?
	msg="rr-run exit $rc"
	ok=1
	[ $rc -eq 0 ] || ok=0
	if [ -n "$QEMU" ]; then
		# encodings: the legal-encoding map of plain RV64GC, so QEMU 7.2's default
		# extras (H, Zba/Zbb/Zbc/Zbs) are switched off for it
		case $p in
		encodings) qcpu="-cpu rv64,h=false,zba=false,zbb=false,zbc=false,zbs=false" ;;
		*) qcpu= ;;
		esac
		timeout 120 "$QEMU" -M virt $qcpu -bios none -nographic -m 128M -kernel "$elf" \
			</dev/null >"$T/$p.q" 2>"$T/$p.qerr"
		qrc=$?
		msg="$msg, qemu exit $qrc"
		[ $qrc -eq 0 ] || { ok=0; msg="$msg (the program fails on the reference machine)"; }
		if cmp -s "$T/$p.q" "$T/$p.rr"; then
			msg="$msg, output identical ($(wc -l <"$T/$p.rr") lines)"
		else
			ok=0
			msg="$msg, OUTPUT DIFFERS"
		fi
	fi
	if [ $ok -eq 1 ]; then
		echo "ok $p: $msg"
	else
		fail=1
		echo "FAIL $p: $msg"
		grep -h FAIL "$T/$p.rr" | head -5
		[ -s "$T/$p.err" ] && head -5 "$T/$p.err"
		[ -n "$QEMU" ] && diff "$T/$p.q" "$T/$p.rr" | head -10
	fi
done
[ $fail -eq 0 ] || exit 1
if [ $noqemu -eq 1 ]; then
	echo "SKIP: $(basename "$QEMU0") not installed: the self-checks passed, the comparison with QEMU did not run"
	exit 77
fi
exit 0
