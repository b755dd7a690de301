#!/bin/sh
# rr-dump on QEMU 7.2 replay logs that this test records by running QEMU on the
# bare-metal guests in tests/qemu-logs/: one prints, one echoes serial input (so the
# log has CHAR_READ events), one takes timer interrupts.  Every event through END is
# decoded, with absolute icounts.  Skips (exit 77) if QEMU or the cross compiler is
# missing (scripts/install-deps.sh installs both).
set -u
BUILD=${BUILD:-$(pwd)/build}
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
D="$BUILD/rr-dump"
M="$TOP/tests/qemu-logs/make-log.sh"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
no() { echo "FAIL: $*"; fail=1; }

sh "$M" hello "$t/hello.qrr"
rc=$?
if [ $rc -eq 77 ]; then echo "SKIP: qemu-system-riscv64 or riscv64-unknown-elf-gcc missing (scripts/install-deps.sh)"; exit 77; fi
[ $rc -eq 0 ] || { echo "FAIL: recording hello failed ($rc)"; exit 1; }

"$D" "$t/hello.qrr" >"$t/hello.txt" || no "dump hello"
head -n 1 "$t/hello.txt" | grep -q '^# qemu-replay version=0xe0200c' || no "qemu header line"
[ "$(grep -c 'kind=CHAR_WRITE result=1 offset=1$' "$t/hello.txt")" -eq 29 ] || no "29 CHAR_WRITE events"
grep -q 'kind=CHECKPOINT checkpoint=init$' "$t/hello.txt" || no "CHECKPOINT init"
tail -n 1 "$t/hello.txt" | grep -q 'kind=END$' || no "ends with END"
last=$(tail -n 1 "$t/hello.txt" | sed 's/^icount=\([0-9]*\).*/\1/')
[ "$last" -gt 200000 ] || no "absolute icount ($last) covers the 200000-instruction loop"
# The INSN events sum to the absolute icount.
awk -F'[ =]' '/kind=INSN/ { s += $NF; if (s != $2) bad = 1 } END { exit bad }' "$t/hello.txt" || no "INSN sums"
"$D" --validate "$t/hello.qrr" | grep -q "valid: QEMU 7.2 replay log" || no "validate hello"
cat "$t/hello.qrr" | "$D" - | cmp -s - "$t/hello.txt" || no "qemu log from a pipe"

# Serial input: CHAR_READ events, and decoding goes on after them through END.
sh "$M" echo "$t/echo.qrr" 'abc
' || { echo "FAIL: recording echo failed"; exit 1; }
grep -q abc "$t/echo.qrr.console" || no "echo guest output: $(cat "$t/echo.qrr.console")"
"$D" --no-header "$t/echo.qrr" >"$t/echo.txt" || no "dump echo"
grep 'kind=CHAR_READ' "$t/echo.txt" | sed 's/.* text=//' | tr -d '\n' >"$t/typed"
[ "$(cat "$t/typed")" = '"a""b""c""\n"' ] || no "CHAR_READ bytes: $(cat "$t/typed")"
grep -q 'kind=CHAR_READ dev=0 len=1 data=61 text="a"$' "$t/echo.txt" || no "CHAR_READ line"
awk '/kind=CHAR_READ/ { seen = 1 } seen && /kind=CHAR_WRITE/ { w = 1 } END { exit !w }' "$t/echo.txt" || no "events after the first input event"
tail -n 1 "$t/echo.txt" | grep -q 'kind=END$' || no "echo ends with END"
"$D" --json "$t/echo.qrr" | grep -q '"kind":"CHAR_READ","dev":0,"len":1,"data":"61","text":"a"' || no "json CHAR_READ"
"$D" --validate "$t/echo.qrr" >/dev/null || no "validate echo"

# Timer interrupts; the icount window works on QEMU logs too (by scanning).
sh "$M" tick "$t/tick.qrr" "" -DTICKS=300 || { echo "FAIL: recording tick failed"; exit 1; }
"$D" --no-header "$t/tick.qrr" >"$t/tick.txt" || no "dump tick"
[ "$(grep -c 'kind=INTERRUPT$' "$t/tick.txt")" -eq 300 ] || no "300 INTERRUPT events"
"$D" --no-header -A 10000000 -B 20000000 "$t/tick.qrr" >"$t/tw.txt" || no "window on a QEMU log"
awk -F'[ =]' '$2 >= 10000000 && $2 <= 20000000' "$t/tick.txt" | cmp -s - "$t/tw.txt" || no "QEMU window differs"
"$D" --stats "$t/tick.qrr" | grep -q '^INTERRUPT  *300 ' || no "stats on a QEMU log"

# Damaged QEMU logs: truncated (prefix then exit 1), an id QEMU 7.2 lacks (refused: 2).
size=$(wc -c <"$t/tick.qrr")
head -c $((size / 2)) "$t/tick.qrr" >"$t/cut.qrr"
"$D" --no-header "$t/cut.qrr" >"$t/cut.txt" 2>"$t/err"
[ $? -eq 1 ] || no "truncated QEMU log exit"
grep -q truncated "$t/err" || no "truncated QEMU log message"
n=$(wc -l <"$t/cut.txt")
[ "$n" -gt 100 ] && head -n "$n" "$t/tick.txt" | cmp -s - "$t/cut.txt" || no "truncated QEMU prefix"
cp "$t/hello.qrr" "$t/bad.qrr"
printf '\055' | dd of="$t/bad.qrr" bs=1 seek=12 conv=notrunc 2>/dev/null
"$D" "$t/bad.qrr" >/dev/null 2>"$t/err"
[ $? -eq 2 ] || no "unknown QEMU id exit"
grep -q "7.1" "$t/err" || no "unknown QEMU id message: $(cat "$t/err")"

[ $fail -eq 0 ] && echo "rrdump_qemu.sh: ok"
exit $fail
