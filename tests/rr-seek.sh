#!/bin/sh
# Snapshots and seek (lib/replay) on bare-metal recordings:
#  - a recording with every input kind and periodic snapshots: 30 random seeks,
#    forwards and backwards, reach the state hash of a straight replay; save, seek
#    away, restore, replay on;
#  - rr-run -r LOG --stop-at N in a fresh process prints the same state hash, as
#    key=value lines and as JSON; its registers equal QEMU's after N instructions
#    (QEMU's gdb stub, stepi N);
#  - a seek past the end, a damaged snapshot, a log without periodic snapshots.
. "${TOP:?}/tests/lib/common.sh"
trap 'rm -rf "$T"; [ -n "${qpid:-}" ] && kill $qpid 2>/dev/null' EXIT
RUN="$B/rr-run"

record_inputs "$T/a.rr" "typed line 42" --snapshot-every 20000 --hash-interval 5000 >"$T/rec.txt" 2>&1 \
	&& ok "recorded" || bad "record: $(tail -3 "$T/rec.txt")"
n=$("$B/rr-dump" "$T/a.rr" | grep -c "kind=SNAPSHOT")
[ "$n" -ge 3 ] && ok "$n snapshots in the log" || bad "only $n snapshots"
"$B/rr-dump" "$T/a.rr" | grep "kind=SNAPSHOT" | head -1 | grep -q "icount=0 .*type=0" \
	&& ok "the log starts with a full snapshot" || bad "no full snapshot at icount 0"
"$B/rr-dump" --validate "$T/a.rr" >/dev/null && ok "log with snapshots validates" || bad "log does not validate"

timeout 120 "$B/tests/tools/rr-seek-check" "$T/a.rr" 30 5 >"$T/seek.txt" 2>&1
st=$?
[ $st = 0 ] && ok "seek check: $(tail -1 "$T/seek.txt"); $(grep latency "$T/seek.txt")" \
	|| bad "seek check exit $st: $(grep -v '^ok' "$T/seek.txt" | head -5)"
# a fresh process reaches the same state at the same icounts
grep "^ok: seek to" "$T/seek.txt" | head -3 | sed "s/.*seek to \([0-9]*\) .*hash \([0-9a-f]*\)$/\1 \2/" | while read -r ic h; do
	got=$(timeout 30 "$RUN" -r "$T/a.rr" --stop-at "$ic" | sed -n 's/.*hash=0x\([0-9a-f]*\)$/\1/p')
	[ "$got" = "$h" ] && echo "ok: --stop-at $ic in a fresh process: hash $got" \
		|| echo "FAIL: --stop-at $ic: hash '$got', seek check $h"
done >"$T/fresh.txt"
cat "$T/fresh.txt"; grep -q FAIL "$T/fresh.txt" && fail=1
[ "$(grep -c '^ok' "$T/fresh.txt")" = 3 ] || bad "fresh-process checks missing"

# key=value and JSON
"$RUN" -r "$T/a.rr" --stop-at 12345 >"$T/kv.txt" 2>"$T/kv.err"
grep -q '^hart=0 pc=0x[0-9a-f]* priv=[MSU] x0=0x0 x1=' "$T/kv.txt" && grep -q '^icount=12345 instructions=' "$T/kv.txt" \
	&& ok "--stop-at: key=value lines" || bad "--stop-at output: $(head -c 300 "$T/kv.txt")"
"$RUN" -r "$T/a.rr" --stop-at 12345 --json | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert lines[0]["hart"] == 0 and lines[0]["pc"].startswith("0x") and "x31" in lines[0] and "mstatus" in lines[0]
assert lines[-1]["icount"] == 12345
' && ok "--stop-at --json: JSON Lines" || bad "--stop-at --json"
# the same state as key=value and JSON
kvpc=$(sed -n 's/^hart=0 pc=\(0x[0-9a-f]*\) .*/\1/p' "$T/kv.txt")
jpc=$("$RUN" -r "$T/a.rr" --stop-at 12345 --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["pc"])')
[ -n "$kvpc" ] && [ "$kvpc" = "$jpc" ] && ok "key=value and JSON agree (pc $kvpc)" || bad "pc $kvpc vs $jpc"

# past the end, before the start
end=$("$B/rr-dump" "$T/a.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
"$RUN" -r "$T/a.rr" --stop-at $((end + 1000)) >/dev/null 2>"$T/past.err"
st=$?
[ $st = 2 ] && grep -q "past the end of the recording" "$T/past.err" && ok "seek past the end: exit 2, $(cat "$T/past.err")" \
	|| bad "seek past the end: exit $st $(cat "$T/past.err")"
"$RUN" -r "$T/a.rr" --stop-at "$end" >/dev/null 2>&1 && ok "seek to the last icount ($end)" || bad "seek to the end"
"$RUN" -r "$T/a.rr" --stop-at banana >/dev/null 2>&1; [ $? = 2 ] && ok "--stop-at banana: usage error" || bad "--stop-at banana"

# a damaged snapshot (its magic byte changed, the log itself still valid)
"$B/tests/tools/rrlog-tamper" change SNAPSHOT:3 "$T/a.rr" "$T/bad.rr" || bad "tamper"
at=$("$B/rr-dump" "$T/bad.rr" | grep kind=SNAPSHOT | sed -n 3p | sed 's/icount=\([0-9]*\).*/\1/')
"$RUN" -r "$T/bad.rr" --stop-at $((at + 10)) >/dev/null 2>"$T/bad.err"
st=$?
[ $st = 2 ] && grep -q "snapshot at icount $at: " "$T/bad.err" \
	&& ok "damaged snapshot: exit 2, $(cat "$T/bad.err")" || bad "damaged snapshot: exit $st $(cat "$T/bad.err")"
timeout 60 "$RUN" -r "$T/bad.rr" </dev/null >/dev/null 2>&1 && ok "a straight replay passes over it" || bad "straight replay of bad.rr"

# only the initial snapshot: seeks replay from the start
record_inputs "$T/one.rr" "typed line 42" --snapshot-every 0 >/dev/null 2>&1
[ "$("$B/rr-dump" "$T/one.rr" | grep -c kind=SNAPSHOT)" = 1 ] && ok "--snapshot-every 0: one snapshot" || bad "--snapshot-every 0"
timeout 120 "$B/tests/tools/rr-seek-check" "$T/one.rr" 8 9 >"$T/seek1.txt" 2>&1 \
	&& ok "seek without periodic snapshots: $(tail -1 "$T/seek1.txt")" || bad "seek one.rr: $(grep FAIL "$T/seek1.txt" | head -3)"

# registers at icount N equal QEMU's after stepi N (QEMU's gdb stub)
if ! command -v qemu-system-riscv64 >/dev/null || ! command -v gdb-multiarch >/dev/null; then
	bad "qemu-system-riscv64 or gdb-multiarch missing (scripts/install-deps.sh)"
	exit 1
fi
timeout 60 "$RUN" -q -w "$T/m.rr" --bios none "$G/rv64m.elf" >/dev/null 2>&1
for N in 1 7 3000 20011; do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	timeout 120 qemu-system-riscv64 -M virt -bios none -kernel "$G/rv64m.elf" -icount shift=0 -S \
		-gdb tcp:127.0.0.1:$port -display none -serial null -monitor none 2>/dev/null &
	qpid=$!
	sleep 0.5
	timeout 120 gdb-multiarch -batch -ex "set architecture riscv:rv64" -ex "target remote 127.0.0.1:$port" \
		-ex "stepi $N" -ex "info registers" 2>/dev/null | awk '$1 ~ /^(ra|sp|gp|tp|t[0-6]|fp|s[0-9]+|a[0-7]|pc)$/ {print $1"="$2}' >"$T/q.txt"
	kill $qpid 2>/dev/null; wait $qpid 2>/dev/null; qpid=
	"$RUN" -r "$T/m.rr" --stop-at $N | head -1 | tr ' ' '\n' | python3 -c '
import sys
abi = "zero ra sp gp tp t0 t1 t2 fp s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6".split()
for kv in sys.stdin.read().split():
    k, v = kv.split("=", 1)
    if k == "pc": print("pc=" + hex(int(v, 16)))
    elif k[0] == "x" and k[1:].isdigit() and k != "x0": print(abi[int(k[1:])] + "=" + hex(int(v, 16)))
' | sort >"$T/r.txt"
	sort "$T/q.txt" >"$T/q2.txt"
	if [ "$(wc -l <"$T/q2.txt")" = 32 ] && cmp -s "$T/q2.txt" "$T/r.txt"; then
		ok "icount $N: pc and x1..x31 equal QEMU's ($(grep pc "$T/r.txt"))"
	else
		bad "icount $N: registers differ from QEMU's: $(diff "$T/q2.txt" "$T/r.txt" | head -6 | tr '\n' ' ')"
	fi
done
exit $fail
