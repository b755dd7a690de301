#!/bin/sh
# The replay debugger: rr-run -r LOG --gdb PORT driven by real gdb-multiarch in batch
# mode on a bare-metal recording (tests/guest/gdb_calls.c: work(n) called for n=1..5
# in different snapshot intervals):
#  - break, continue (a0 = the call's argument), stepi, then reverse-stepi gives back
#    pc and every register (info all-registers before and after);
#  - reverse-continue stops at the previous hits of the breakpoint (a0 = 2, then 1),
#    then at the beginning of the log (replaylog:begin); continue to the end gives
#    gdb's "No more reverse-execution history" (replaylog:end) and the connection
#    stays up: reverse-stepi from the end works;
#  - monitor info replay / replay_seek; the guest's console printed once only;
#  - reverse-finish and reverse-next (gdb's, on top of bs) in main and work;
#  - a python client: garbage, bad checksums, an oversized and a truncated packet,
#    malformed arguments, addresses outside memory: answered, the stub serves on;
#    Ctrl-C interrupts a long continue and a long reverse-continue; --gdb unix:PATH
#    is a socket of mode 0600.
# Every wait is bounded; gdb's and the stub's exit statuses are checked.
set -u
B=${BUILD:?}; TOP=${TOP:?}
. "$TOP/tests/lib/wait.sh"
G=$TOP/build/guest
RUN="$B/rr-run"
T=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
command -v gdb-multiarch >/dev/null || { echo "SKIP: gdb-multiarch missing (scripts/install-deps.sh)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
[ -f "$G/gdb_calls.elf" ] && [ -f "$G/bench_loop.elf" ] || { echo "no $G/gdb_calls.elf (make guest-tests)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_stub LOG SPEC OUT: rr-run -r LOG --gdb SPEC in the background, waiting (5 s
# at most) until it listens
start_stub() {
	timeout 120 "$RUN" -r "$1" --gdb "$2" >"$3.out" 2>"$3.err" &
	spid=$!
	i=0
	while ! grep -q "waiting for gdb" "$3.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && { bad "the stub did not start: $(cat "$3.err")"; return 1; }
		sleep 0.1
	done
}
# stop_stub WHAT: the stub's exit status must be 0 (10 s at most)
stop_stub() {
	i=0
	while kill -0 $spid 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { kill $spid; bad "$1: the stub did not exit"; break; }
		sleep 0.1
	done
	wait $spid; st=$?; spid=
	[ $st = 0 ] && ok "$1: the stub exited 0" || bad "$1: the stub exited $st"
}

timeout 60 "$RUN" -q -w "$T/calls.rr" --snapshot-every 10000 --bios none "$G/gdb_calls.elf" >"$T/rec.out" 2>&1 \
	&& ok "recorded gdb_calls" || bad "record: $(cat "$T/rec.out")"
n=$("$B/rr-dump" "$T/calls.rr" | grep -c kind=SNAPSHOT)
[ "$n" -ge 5 ] && ok "$n snapshots" || bad "only $n snapshots"

# ---- gdb-multiarch ----
port=$(free_port)
start_stub "$T/calls.rr" "$port" "$T/s1"
cat >"$T/cmds.gdb" <<EOF
set pagination off
set confirm off
target remote 127.0.0.1:$port
echo @START\n
p \$pc
break work
continue
echo @A0_FIRST\n
p \$a0
continue
continue
echo @A0_THIRD\n
p \$a0
echo @REGS_BEFORE\n
info all-registers
echo @END\n
stepi
echo @PC_STEPPED\n
p \$pc
reverse-stepi
echo @REGS_AFTER\n
info all-registers
echo @END\n
reverse-continue
echo @A0_RC1\n
p \$a0
reverse-continue
echo @A0_RC2\n
p \$a0
reverse-continue
echo @BEGIN\n
monitor info replay
delete
continue
echo @AT_END\n
monitor info replay
reverse-stepi
echo @BACK_FROM_END\n
monitor info replay
monitor replay_seek 5000
echo @SEEK\n
monitor info replay
monitor no_such_command
info threads
EOF
timeout 60 gdb-multiarch -nx -batch -x "$T/cmds.gdb" "$G/gdb_calls.elf" >"$T/gdb.out" 2>&1
st=$?
[ $st = 0 ] && ok "gdb-multiarch -batch exited 0" || bad "gdb exited $st: $(tail -5 "$T/gdb.out")"
stop_stub "gdb session"
# after(MARK): the first line after @MARK
after() { sed -n "/^@$1\$/{n;p;q}" "$T/gdb.out" | sed 's/^\$[0-9]* = //'; }
block() { sed -n "/^@$1\$/,/^@END\$/p" "$T/gdb.out" | grep -v '^@'; }
after START | grep -q '^(void (\*)()) 0x1000' && ok "waits before the first instruction (pc 0x1000)" \
	|| bad "start: $(after START)"
[ "$(after A0_FIRST)" = '1' ] && ok "break work; continue: a0 = 1" || bad "first hit: $(after A0_FIRST)"
[ "$(after A0_THIRD)" = '3' ] && ok "third hit: a0 = 3" || bad "third hit: $(after A0_THIRD)"
after PC_STEPPED | grep -q '<work+[0-9]*>' && ok "stepi: $(after PC_STEPPED)" || bad "stepi: $(after PC_STEPPED)"
block REGS_BEFORE >"$T/before.txt"
sed -n '/^@REGS_AFTER$/,/^@END$/p' "$T/gdb.out" | grep -v '^@' >"$T/after.txt"
nregs=$(wc -l <"$T/before.txt")
if [ "$nregs" -gt 60 ] && cmp -s "$T/before.txt" "$T/after.txt"; then
	ok "reverse-stepi restores pc and all $nregs registers ($(grep '^pc ' "$T/after.txt" | tr -s ' '))"
else
	bad "registers after reverse-stepi ($nregs lines): $(diff "$T/before.txt" "$T/after.txt" | head -6 | tr '\n' ' ')"
fi
grep -q '^ft0 ' "$T/before.txt" && grep -q '^mstatus ' "$T/before.txt" && grep -q '^fcsr ' "$T/before.txt" \
	&& ok "FP registers and CSRs in the target description" || bad "no ft0/fcsr/mstatus in info all-registers"
[ "$(after A0_RC1)" = '2' ] && ok "reverse-continue: the previous call (a0 = 2)" || bad "reverse-continue 1: $(after A0_RC1)"
[ "$(after A0_RC2)" = '1' ] && ok "reverse-continue again: a0 = 1" || bad "reverse-continue 2: $(after A0_RC2)"
sed -n '/^@A0_RC2$/,/^@BEGIN$/p' "$T/gdb.out" | grep -q "No more reverse-execution history" \
	&& ok "reverse-continue past the first hit: beginning of the log (replaylog:begin)" \
	|| bad "no replaylog:begin: $(sed -n '/^@A0_RC2$/,/^@BEGIN$/p' "$T/gdb.out" | tr '\n' ' ')"
after BEGIN | grep -q '^mode=replay icount=0 ' && ok "monitor info replay at the beginning: $(after BEGIN)" \
	|| bad "info replay at the beginning: $(after BEGIN)"
sed -n '/^@BEGIN$/,/^@AT_END$/p' "$T/gdb.out" | grep -q "No more reverse-execution history" \
	&& ok "continue to the end of the log: replaylog:end" || bad "no replaylog:end at the end"
end=$("$B/rr-dump" "$T/calls.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
after AT_END | grep -q "icount=$end .*at_end=1" && ok "at the end: icount $end" || bad "end: $(after AT_END)"
after BACK_FROM_END | grep -q "icount=$((end - 1)) " && ok "reverse-stepi from the end: icount $((end - 1))" \
	|| bad "back from the end: $(after BACK_FROM_END)"
grep -q "^icount=5000 " "$T/gdb.out" && after SEEK | grep -q 'icount=5000 ' && ok "monitor replay_seek 5000" \
	|| bad "replay_seek: $(after SEEK)"
grep -q "unknown command 'no_such_command'" "$T/gdb.out" && ok "unknown monitor command answered" \
	|| bad "unknown monitor command"
grep -q 'Thread 1 .*hart 0' "$T/gdb.out" && ok "info threads: $(grep 'Thread 1 ' "$T/gdb.out" | tr -s ' ')" \
	|| bad "info threads: $(grep -i thread "$T/gdb.out" | head -3)"
[ "$(grep -c 'gdb_calls: PASS' "$T/s1.out")" = 1 ] && ok "the guest's console printed once despite going back" \
	|| bad "console output: $(cat "$T/s1.out")"
grep -q "Remote connection closed\|Remote communication error" "$T/gdb.out" && bad "gdb lost the connection"

# ---- malformed packets, Ctrl-C (a python client) ----
timeout 60 "$RUN" -q -w "$T/loop.rr" --bios none "$G/bench_loop.elf" >/dev/null 2>&1 \
	&& ok "recorded bench_loop" || bad "record bench_loop"
port=$(free_port)
start_stub "$T/loop.rr" "$port" "$T/s2"
cat >"$T/client.py" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
buf = b""
def recv_until(pred, secs=20):
    global buf
    end = time.time() + secs
    while not pred(buf):
        if time.time() > end:
            raise SystemExit("timeout waiting; have %r" % buf[-200:])
        s.settimeout(max(0.01, end - time.time()))
        d = s.recv(65536)
        if not d:
            raise SystemExit("connection closed; have %r" % buf[-200:])
        buf += d
def pkt(data):
    return b"$" + data + b"#%02x" % (sum(data) & 0xff)
def packet():
    """the next $...#cs reply (acks before it are skipped)"""
    global buf
    recv_until(lambda b: b"$" in b and b"#" in b[b.index(b"$"):] and len(b) >= b.index(b"#", b.index(b"$")) + 3)
    i = buf.index(b"$"); j = buf.index(b"#", i)
    data = buf[i + 1:j]; cs = int(buf[j + 1:j + 3], 16)
    assert sum(data) & 0xff == cs, "bad checksum from the stub"
    buf = buf[j + 3:]
    s.sendall(b"+")
    return data
def ack():
    global buf
    recv_until(lambda b: len(b) >= 1)
    c, buf = buf[:1], buf[1:]
    return c
def ask(data):
    s.sendall(pkt(data)); a = ack(); assert a == b"+", (data, a); return packet()
def check(what, cond, got):
    print(("ok: " if cond else "FAIL: ") + what + ": " + repr(got)[:120])
    if not cond: globals()["failed"] = 1
failed = 0
r = ask(b"qSupported:multiprocess+;swbreak+;hwbreak+")
check("qSupported", b"ReverseStep+" in r and b"ReverseContinue+" in r and b"PacketSize=" in r
      and b"qXfer:features:read+" in r, r)
s.sendall(b"garbage \x01\x02 bytes + more")          # outside packets: ignored
check("after garbage", ask(b"?").startswith(b"T05thread:1;"), "T05")
s.sendall(b"$qSupported#00"); check("bad checksum: -", ack() == b"-", "-")
s.sendall(b"$?#zz"); check("non-hex checksum: -", ack() == b"-", "-")
s.sendall(pkt(b"m" * 40000)); a = ack(); r = packet()
check("oversized packet: an error reply", a == b"+" and r.startswith(b"E"), (a, r))
s.sendall(b"$m80000000,4"); s.sendall(pkt(b"?"))    # truncated, then a good one
check("truncated packet: -", ack() == b"-", "-")
check("the packet after it is served", ack() == b"+" and packet().startswith(b"T05"), "T05")
for bad in [b"m zz", b"mzz,4", b"m80000000", b"m80000000,", b"M80000000,4:zz", b"M80000000,4:00",
            b"p", b"pzzz", b"p99999", b"P1=00", b"Pzz=0000000000000000", b"G123", b"Z0,zz,2",
            b"Z0", b"z9", b"Hgzz", b"Hg99", b"Tzz", b"qRcmd,zz", b"qRcmd,6", b"vCont;x",
            b"vCont;s:zz", b"qXfer:features:read:target.xml:zz", b"m" + b"f" * 40 + b",4",
            b"c80000000", b"qThreadExtraInfo,99"]:
    r = ask(bad)
    check("malformed %r: an error" % bad[:24], r.startswith(b"E"), r)
r = ask(b"m0,10"); check("address outside memory: error", r.startswith(b"E"), r)
r = ask(b"m10000000,4"); check("a device register is not read", r.startswith(b"E"), r)
r = ask(b"m80000000,4"); check("m on RAM", len(r) == 8 and all(c in b"0123456789abcdef" for c in r), r)
r = ask(b"m80000000,100000"); check("m longer than a packet: clamped", 0 < len(r) <= 0x4000, len(r))
r = ask(b"qXfer:features:read:target.xml:0,ffff")
check("target description", r[:1] in (b"m", b"l") and b"riscv:rv64" in r and b"org.gnu.gdb.riscv.fpu" in r, r[:60])
r = ask(b"qfThreadInfo"); check("threads", r == b"m1", r)
r = ask(b"vFooBar"); check("unknown packet: empty reply", r == b"", r)
r = ask(b"qRcmd," + b"info replay".hex().encode())
check("qRcmd info replay: console output", r.startswith(b"O") and b"icount=0" in bytes.fromhex(r[1:].decode()), r)
check("qRcmd then OK", packet() == b"OK", "OK")
# Ctrl-C during a long continue (bench_loop runs ~780M instructions: 0.3 s on the JIT)
s.sendall(pkt(b"c")); check("c acked", ack() == b"+", "+")
time.sleep(0.02); s.sendall(b"\x03")
t0 = time.time(); r = packet()
check("Ctrl-C interrupts continue (%.2fs)" % (time.time() - t0), r.startswith(b"T02"), r)
r = ask(b"qRcmd," + b"when".hex().encode()); packet()
ic = int(bytes.fromhex(r[1:].decode()).decode().split("=")[1])
check("stopped in the middle", 0 < ic < 400000000, ic)
# Ctrl-C during a long reverse-continue (a breakpoint hit only at the start): from
# 3*10^8, whatever the continue reached on a loaded machine, the search replays
# 3*10^8 instructions (the recording has one snapshot, at 0)
r = ask(b"qRcmd," + b"replay_seek 300000000".hex().encode()); packet()
ic = 300000000
check("Z0 at _start", ask(b"Z0,80000000,2") == b"OK", "OK")
s.sendall(pkt(b"bc")); check("bc acked", ack() == b"+", "+")
time.sleep(0.02); s.sendall(b"\x03")
r = packet(); check("Ctrl-C interrupts reverse-continue", r.startswith(b"T02"), r)
r = ask(b"qRcmd," + b"when".hex().encode()); packet()
ic2 = int(bytes.fromhex(r[1:].decode()).decode().split("=")[1])
check("back where reverse-continue started", ic2 == ic, (ic, ic2))
r = ask(b"bc"); check("reverse-continue to the hit at _start", r.startswith(b"T05") and b"swbreak" in r, r)
r = ask(b"p20"); check("pc = _start", r == b"0000008000000000", r)
r = ask(b"bs"); check("reverse-stepi before it", r.startswith(b"T05") and b"replaylog" not in r, r)
n = 1
while b"replaylog" not in r and n < 50:
    r = ask(b"bs"); n += 1
check("reverse-stepi through the boot ROM to replaylog:begin (%d steps)" % n, b"replaylog:begin" in r, r)
r = ask(b"p20"); check("at the reset vector", r == b"0010000000000000", r)
s.sendall(pkt(b"k"))
sys.exit(failed)
EOF
timeout 90 python3 "$T/client.py" "$port" >"$T/client.out" 2>&1
st=$?
cat "$T/client.out"
[ $st = 0 ] && ok "python client: every check passed" || bad "python client exit $st"
stop_stub "malformed packets"

# ---- a unix socket ----
start_stub "$T/calls.rr" "unix:$T/g.sock" "$T/s3"
mode=$(stat -c %a "$T/g.sock" 2>/dev/null)
[ "$mode" = 600 ] && ok "--gdb unix:PATH: a socket of mode 600" || bad "socket mode '$mode'"
timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b"$qSupported#37"); d = b""
while b"#" not in d[2:]: d += s.recv(4096)
assert b"ReverseStep+" in d, d
s.sendall(b"+$k#6b")
' "$T/g.sock" && ok "qSupported over the unix socket" || bad "unix socket session"
stop_stub "unix socket"

# ---- SMP: harts as threads, stepping and reverse-stepping the second hart ----
# (gdb steps RISC-V by software breakpoints and a continue: in all-stop another
# hart's breakpoint may end the step, so the breakpoints go first)
timeout 60 "$RUN" -q -w "$T/smp.rr" --smp 2 --snapshot-every 10000 --bios none "$G/gdb_calls.elf" >/dev/null 2>&1 \
	&& ok "recorded gdb_calls on 2 harts" || bad "record --smp 2"
port=$(free_port)
start_stub "$T/smp.rr" "$port" "$T/s4"
cat >"$T/smp.gdb" <<EOF
set pagination off
set confirm off
target remote 127.0.0.1:$port
info threads
break work
continue
delete
thread 2
echo @PC2\n
p \$pc
stepi
reverse-stepi
echo @PC2_BACK\n
p \$pc
info threads
EOF
timeout 60 gdb-multiarch -nx -batch -x "$T/smp.gdb" "$G/gdb_calls.elf" >"$T/gdb.out" 2>&1
st=$?
[ $st = 0 ] && ok "SMP session: gdb exited 0" || bad "SMP gdb exited $st"
stop_stub "SMP session"
grep -q 'Thread 2 (hart 1' "$T/gdb.out" && ok "info threads lists hart 1 as thread 2" || bad "threads: $(grep Thread "$T/gdb.out" | head -3)"
[ -n "$(after PC2)" ] && [ "$(after PC2)" = "$(after PC2_BACK)" ] && ! grep -q "Switching to Thread 1" "$T/gdb.out" \
	&& ok "thread 2: stepi, reverse-stepi: pc back to $(after PC2), thread 2 still current" \
	|| bad "thread 2 reverse-stepi: $(after PC2) -> $(after PC2_BACK) $(grep Switching "$T/gdb.out" | tr '\n' ' ')"

# ---- watchpoints, forward and in reverse: the last writer of `counter` ----
port=$(free_port)
start_stub "$T/calls.rr" "$port" "$T/s5"
cat >"$T/watch.gdb" <<EOF
set pagination off
set confirm off
target remote 127.0.0.1:$port
watch counter
continue
continue
continue
continue
continue
echo @FWD_DONE\n
reverse-continue
echo @RC1\n
p n
reverse-continue
echo @RC2\n
p n
echo @PC_RC2\n
p \$pc
stepi
echo @AFTER_STEP\n
p counter
delete
rwatch counter
reverse-continue
echo @RWATCH\n
p \$pc
EOF
timeout 60 gdb-multiarch -nx -batch -x "$T/watch.gdb" "$G/gdb_calls.elf" >"$T/gdb.out" 2>&1
st=$?
[ $st = 0 ] && ok "watch session: gdb exited 0" || bad "watch session: gdb exited $st: $(tail -3 "$T/gdb.out")"
stop_stub "watch session"
news=$(sed -n '1,/^@FWD_DONE$/p' "$T/gdb.out" | sed -n 's/^New value = //p' | tr '\n' ' ')
[ "$news" = "1 3 6 10 15 " ] && ok "watch counter; continue x5: new values $news" || bad "forward watch: new values '$news'"
sed -n '1,/^@FWD_DONE$/p' "$T/gdb.out" | grep -q "^work (n=5) at .*gdb_calls.c:15" \
	&& ok "a forward watch stops just after the store (gdb steps over it: nonsteppable watchpoints)" \
	|| bad "forward stop place: $(sed -n '1,/^@FWD_DONE$/p' "$T/gdb.out" | grep -m1 "gdb_calls.c")"
rc1=$(sed -n '/^@FWD_DONE$/,/^@RC1$/p' "$T/gdb.out" | sed -n 's/^New value = //p')
[ "$rc1" = 10 ] && [ "$(after RC1)" = 5 ] && ok "reverse-continue: the last writer, work(5), counter back to 10" \
	|| bad "reverse watch 1: new value '$rc1', n = $(after RC1)"
[ "$(after RC2)" = 4 ] && ok "reverse-continue again: work(4) wrote before" || bad "reverse watch 2: n = $(after RC2)"
after PC_RC2 | grep -q '<work+[0-9]*>' && ok "stopped at the writing instruction: $(after PC_RC2)" || bad "pc: $(after PC_RC2)"
[ "$(after AFTER_STEP)" = 10 ] && ok "stepi over the store: counter = 10 again" || bad "after stepi: $(after AFTER_STEP)"
sed -n '/^@AFTER_STEP$/,/^@RWATCH$/p' "$T/gdb.out" | grep -q "read watchpoint" && after RWATCH | grep -q '<work+[0-9]*>' \
	&& ok "rwatch; reverse-continue: the last read ($(after RWATCH))" || bad "rwatch: $(sed -n '/^@AFTER_STEP$/,$p' "$T/gdb.out" | tr '\n' ' ')"

# ---- a live run under gdb: no reverse execution advertised, the exit reported ----
rm -f "$T/live.sock"
timeout 60 "$RUN" --gdb "unix:$T/live.sock" --bios none "$G/gdb_calls.elf" >"$T/live.out" 2>"$T/live.err" &
spid=$!
wait_socket "$T/live.sock"
cat >"$T/live.gdb" <<EOF
set pagination off
set confirm off
target remote $T/live.sock
break work
continue
continue
echo @A0\n
p \$a0
python
try:
    gdb.execute("reverse-stepi")
except gdb.error as e:
    print("reverse-stepi error:", e)
end
monitor replay_seek 10
delete
continue
EOF
timeout 60 gdb-multiarch -nx -batch -x "$T/live.gdb" "$G/gdb_calls.elf" >"$T/gdb.out" 2>&1
stop_stub "live session"
[ "$(after A0)" = 2 ] && ok "live run: break work, continue twice: a0 = 2" || bad "live: a0 = $(after A0)"
grep -q "Target remote does not support this command" "$T/gdb.out" && ok "live run: reverse-stepi refused by gdb (not advertised)" \
	|| bad "live reverse-stepi: $(grep -A2 '^@A0' "$T/gdb.out" | tr '\n' ' ')"
grep -q "a live run has no log: it cannot seek" "$T/gdb.out" && ok "live run: monitor replay_seek says why not" || bad "live seek"
grep -q "exited normally" "$T/gdb.out" && grep -q "gdb_calls: PASS" "$T/live.out" \
	&& ok "live run: the guest's power-off is gdb's 'exited normally' (W00), console on stdout" \
	|| bad "live exit: $(tail -2 "$T/gdb.out") $(cat "$T/live.out")"
# reverse-finish and reverse-next, gdb's commands on top of bs: from inside work(2)
# back to its call in main (k = 2), then three lines back over the call of work(1)
# (its breakpoint deleted) to the same line with k = 1
start_stub "$T/calls.rr" "unix:$T/rn.sock" "$T/rn" && timeout 60 gdb-multiarch -nx -batch -ex 'set pagination off' \
	-ex "target remote $T/rn.sock" -ex 'break work' -ex continue -ex continue -ex reverse-finish -ex 'echo @RF\n' \
	-ex 'bt 1' -ex 'p k' -ex delete -ex reverse-next -ex reverse-next -ex reverse-next -ex 'echo @RN\n' -ex 'bt 1' \
	-ex 'p k' -ex kill "$G/gdb_calls.elf" >"$T/rn.out" 2>&1
stop_stub "reverse-finish, reverse-next"
rf=$(sed -n '/^@RF$/,/^@RN$/p' "$T/rn.out") rn=$(sed -n '/^@RN$/,$p' "$T/rn.out")
echo "$rf" | grep -q "in main () at gdb_calls.c:22" && echo "$rf" | grep -q '^\$[0-9]* = 2$' \
	&& echo "$rn" | grep -q "main () at gdb_calls.c:22" && echo "$rn" | grep -q '^\$[0-9]* = 1$' \
	&& ok "reverse-finish from work(2) to its call in main (k = 2); reverse-next x3 back over work(1) to k = 1" \
	|| bad "reverse-finish/next: $(tail -12 "$T/rn.out")"
"$RUN" -w - --gdb 1234 --bios none "$G/gdb_calls.elf" >/dev/null 2>"$T/usage.err"
[ $? = 2 ] && grep -q "it must be a file" "$T/usage.err" && ok "--gdb while recording to stdout: usage error" \
	|| bad "--gdb -w -: $(cat "$T/usage.err")"
"$RUN" -r "$T/calls.rr" --gdb banana >/dev/null 2>"$T/spec.err"
[ $? = 1 ] && grep -q "TCP port" "$T/spec.err" && ok "--gdb banana refused" || bad "--gdb banana: $(cat "$T/spec.err")"
"$RUN" -r "$T/calls.rr" --gdb 300.1.2.3:1234 >/dev/null 2>"$T/spec.err"
[ $? = 1 ] && grep -q "an IPv4 address" "$T/spec.err" && ok "--gdb 300.1.2.3:1234 refused" || bad "--gdb 300.1.2.3: $(cat "$T/spec.err")"
# another address only when given, with a warning; the loopback by default
port=$(free_port)
start_stub "$T/calls.rr" "0.0.0.0:$port" "$T/any" && printf 'set pagination off\ntarget remote 127.0.0.1:%s\nkill\n' "$port" >"$T/any.gdb" \
	&& timeout 60 gdb-multiarch -nx -batch -x "$T/any.gdb" "$G/gdb_calls.elf" >/dev/null 2>&1
stop_stub "--gdb 0.0.0.0:PORT"
grep -q "warning: gdb listens on 0.0.0.0:$port, not on the loopback" "$T/any.err" && grep -q "gdb killed" "$T/any.err" \
	&& ok "--gdb 0.0.0.0:PORT: a warning, gdb connected" || bad "0.0.0.0: $(cat "$T/any.err")"
port=$(free_port)
start_stub "$T/calls.rr" "$port" "$T/lo"
{ ! command -v ss >/dev/null || ss -ltn | grep -q "127.0.0.1:$port "; } && ! grep -q warning "$T/lo.err" \
	&& ok "--gdb PORT listens on 127.0.0.1 only, no warning" || bad "--gdb PORT: $(ss -ltn | grep ":$port ") $(cat "$T/lo.err")"
printf 'target remote 127.0.0.1:%s\nkill\n' "$port" >"$T/lo.gdb"
timeout 60 gdb-multiarch -nx -batch -x "$T/lo.gdb" "$G/gdb_calls.elf" >/dev/null 2>&1
stop_stub "--gdb PORT"
exit $fail
