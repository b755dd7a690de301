#!/bin/sh
# The replay monitor: rr-run -r LOG --monitor unix:PATH scripted over its socket
# (tests/tools/monitor-client.py) on the gdb_calls recording (work(n) adds n to
# `counter` for n = 1..5, in different snapshot intervals), and --monitor on a pipe:
#  - every command: info replay/registers/snapshots/breakpoints, when, hart,
#    replay_seek, replay_break, replay_delete_break, replay_events, savevm/loadvm/
#    delvm, x/FMT and xp/FMT, break/delete, watch/rwatch/awatch, step, continue,
#    reverse_step, reverse_continue, stop, sendkey, quit;
#  - results checked against the program: the watchpoint stops where counter
#    changes (its value read with x), reverse_continue finds the previous writer,
#    registers after reverse_step + step equal those before, loadvm comes back to
#    the saved icount;
#  - bad arguments, seeks past the end, unknown states and commands get an error
#    line and the monitor serves on; "stop" interrupts a long continue; the socket
#    has mode 0600.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/wait.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
[ -f "$G/gdb_calls.elf" ] && [ -f "$G/bench_loop.elf" ] || { echo "no $G/gdb_calls.elf (make guest-tests)"; exit 1; }
CLIENT="python3 $TOP/tests/tools/monitor-client.py"
timeout 60 "$B/rr-run" -q -w "$T/calls.rr" --snapshot-every 10000 --bios none "$G/gdb_calls.elf" >/dev/null 2>&1 \
	&& ok "recorded gdb_calls" || bad "record gdb_calls"
counter=$(printf '0x%x' 0x$(nm "$G/gdb_calls.elf" | awk '/ counter$/{print $1}'))
work=$(printf '0x%x' 0x$(nm "$G/gdb_calls.elf" | awk '/ work$/{print $1}'))
end=$("$B/rr-dump" "$T/calls.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')

# session SCRIPT OUT: a monitor on a socket driven by SCRIPT; the server must exit 0
session() {
	rm -f "$T/mon.sock"
	timeout 120 "$B/rr-run" -r "$T/calls.rr" --monitor "unix:$T/mon.sock" >"$2.console" 2>"$2.err" &
	spid=$!
	wait_socket "$T/mon.sock"
	[ "$(stat -c %a "$T/mon.sock" 2>/dev/null)" = 600 ] && ok "monitor socket mode 0600" \
		|| bad "socket mode $(stat -c %a "$T/mon.sock" 2>&1)"
	timeout 120 $CLIENT "$T/mon.sock" <"$1" >"$2"; cst=$?
	wait $spid; sst=$?
	[ $cst = 0 ] && ok "client finished" || bad "client exit $cst: $(tail -3 "$2")"
	[ $sst = 0 ] && ok "monitor exited 0" || bad "monitor exit $sst: $(cat "$2.err")"
}
# reply CMD: the reply lines to the first command CMD of $out
reply() { awk -v c="@> $1" '$0==c{f=1;next} /^@/{if(f)exit} f' "$out"; }

cat >"$T/s1" <<EOF
info replay
when
watch $counter
info breakpoints
continue
x/1dg $counter
continue
x/1dg $counter
reverse_continue
x/1dg $counter
info registers
reverse_step 5
savevm before
info registers 0
step 5
info registers
loadvm before
when
delvm before
loadvm before
delete $counter
break $work
continue
info registers
delete
replay_break 30000
continue
replay_delete_break
replay_delete_break
replay_events 2
xp/4xb 0x80000000
x/2xw \$pc
rwatch $counter
reverse_continue
delete all
awatch $counter 4
reverse_continue
hart
hart 1
info registers 7
replay_seek 10
replay_seek 99999999999
replay_seek banana
replay_break 5
x/0xg 0
x/4q 0
xp/1xg 0x10
watch 0x10 0
bogus command
info banana
sendkey a
stop
info snapshots
replay_seek $end
continue
quit
EOF
out=$T/o1
session "$T/s1" "$out"
reply "info replay" | grep -q '^mode=replay icount=0 first=0 snapshots=1[0-9] hart=0 next_event=' \
	&& ok "info replay: $(reply "info replay")" || bad "info replay: $(reply "info replay")"
[ "$(reply when)" = "icount=0" ] && ok "when: icount=0" || bad "when: $(reply when)"
reply "info breakpoints" | grep -q "^watchpoint kind=write addr=$counter len=8" && ok "info breakpoints lists the watchpoint" \
	|| bad "info breakpoints: $(reply "info breakpoints")"
# nth CMD N: the reply to the Nth command CMD
nth() { awk -v c="@> $1" -v k="$2" '$0==c{n++;f=(n==k);next} /^@/{f=0} f' "$out"; }
# the first continue stops at the crt's clearing of .bss (counter = 0), the second at work(1)
c2=$(nth continue 2)
echo "$c2" | grep -q "^stopped reason=watchpoint kind=write addr=$counter hart=0 pc=0x8000" \
	&& ok "continue: $c2" || bad "second continue: $c2"
vals=$(awk '/^@> x\/1dg/{f=1;next} f&&/^0x/{print $2; f=0}' "$out" | tr '\n' ' ')
[ "$vals" = "0 1 0 " ] && ok "counter by x/1dg: 0, then 1 after work(1), 0 again after reverse_continue" \
	|| bad "counter values: $vals"
rc=$(nth reverse_continue 1)
echo "$rc" | grep -q "^stopped reason=watchpoint kind=write" && ok "reverse_continue: $rc" || bad "reverse_continue: $rc"
# reverse_step 5, savevm, step 5: the registers change; loadvm: back to the saved icount
nth "info registers 0" 1 >"$T/r_before"
nth "info registers" 2 >"$T/r_after"
[ -s "$T/r_before" ] && [ -s "$T/r_after" ] && ! cmp -s "$T/r_before" "$T/r_after" \
	&& ok "step 5 changes the registers" || bad "registers after step 5 did not change"
lv=$(nth "loadvm before" 1)
sv=$(reply "savevm before")
[ -n "$sv" ] && [ "${sv#savevm name=before }" = "${lv#loadvm name=before }" ] && ok "loadvm back to the saved icount: $lv" \
	|| bad "savevm '$sv' loadvm '$lv'"
nth "loadvm before" 2 | grep -q "no state named 'before'" && ok "loadvm after delvm: no such state" || bad "loadvm of a deleted state"
bw=$(nth continue 3)
echo "$bw" | grep -q "^stopped reason=breakpoint hart=0 pc=$work " && ok "break work; continue: $bw" || bad "breakpoint: $bw"
nth "info registers" 3 | grep -q "x10/a0=0x0000000000000002" && ok "at the next work() call a0 = 2" \
	|| bad "a0 at the breakpoint: $(nth "info registers" 3 | grep x10)"
reply "replay_break 30000" | grep -q "^replay_break icount=30000" && nth continue 4 | grep -q "^stopped reason=replay_break hart=0 icount=30000" \
	&& ok "replay_break 30000; continue stops there" || bad "replay_break: $(nth continue 4)"
nth replay_delete_break 2 | grep -q "none was set" && ok "replay_delete_break twice: none was set" || bad "replay_delete_break twice"
ev=$(reply "replay_events 2")
echo "$ev" | grep -q "^now icount=30000" && echo "$ev" | grep -q "^next icount=" && echo "$ev" | grep -q "^past icount=" \
	&& ok "replay_events 2: $(echo "$ev" | wc -l) lines around icount 30000" || bad "replay_events: $ev"
off=$(readelf -lW "$G/gdb_calls.elf" | awk '$1=="LOAD"{print $2; exit}')
want=$(od -An -tx1 -N4 -j$((off)) "$G/gdb_calls.elf" | awk '{printf "0x0000000080000000: 0x%s 0x%s 0x%s 0x%s", $1, $2, $3, $4}')
[ "$(reply "xp/4xb 0x80000000")" = "$want" ] && ok "xp/4xb 0x80000000: the ELF's first bytes" \
	|| bad "xp/4xb: $(reply "xp/4xb 0x80000000") want $want"
reply 'x/2xw $pc' | grep -q '^0x[0-9a-f]*: 0x[0-9a-f]\{8\} 0x[0-9a-f]\{8\}$' && ok "x/2xw \$pc" || bad "x/2xw \$pc: $(reply 'x/2xw $pc')"
nth reverse_continue 2 | grep -q "^stopped reason=watchpoint kind=read addr=$counter" \
	&& ok "rwatch; reverse_continue: the last read of counter" || bad "rwatch: $(nth reverse_continue 2)"
nth reverse_continue 3 | grep -q "^stopped reason=watchpoint kind=access addr=$counter" \
	&& ok "awatch; reverse_continue" || bad "awatch: $(nth reverse_continue 3)"
[ "$(reply hart)" = "hart=0 harts=1" ] && ok "hart: hart=0 harts=1" || bad "hart: $(reply hart)"
for c in "hart 1" "info registers 7" "replay_seek 99999999999" "replay_seek banana" "replay_break 5" "x/0xg 0" \
	"x/4q 0" "xp/1xg 0x10" "watch 0x10 0" "bogus command" "info banana" "sendkey a" "stop"; do
	r=$(reply "$c")
	w=${c%% *}
	case "$r" in
	"$w"*|unknown*|x:*|xp:*) ok "'$c' refused: $r" ;;
	*) bad "'$c': $r" ;;
	esac
done
reply "replay_seek 99999999999" | grep -q "past the end" && ok "seek past the end says so" || bad "seek past the end: $(reply "replay_seek 99999999999")"
reply "info snapshots" | grep -q "^log_snapshot index=0 icount=0" && ok "info snapshots" || bad "info snapshots"
nth continue 5 | grep -q "^stopped reason=end .*icount=$end" && ok "continue at the end of the log: reason=end" \
	|| bad "at the end: $(nth continue 5)"
[ "$(grep -c 'gdb_calls: counter=15' "$out.console")" -le 1 ] && ok "the guest's console printed at most once" \
	|| bad "console printed $(grep -c 'gdb_calls: counter=15' "$out.console") times"

# stop during a long continue (bench_loop runs ~7.8e8 instructions: 0.3 s on the JIT)
timeout 60 "$B/rr-run" -q -w "$T/loop.rr" --bios none "$G/bench_loop.elf" >/dev/null 2>&1 || bad "record bench_loop"
rm -f "$T/mon.sock"
timeout 60 "$B/rr-run" -q -r "$T/loop.rr" --monitor "unix:$T/mon.sock" >/dev/null 2>"$T/o2.err" &
spid=$!
printf '!stop-after 0.02 continue\nwhen\nquit\n' | timeout 60 $CLIENT "$T/mon.sock" >"$T/o2"; cst=$?
wait $spid; sst=$?
out=$T/o2
grep -q "^stopped reason=interrupted" "$out" && [ $cst = 0 ] && [ $sst = 0 ] \
	&& ok "stop interrupts a long continue ($(grep '@stop-latency' "$out"), $(reply when))" \
	|| bad "stop: client $cst monitor $sst: $(cat "$out" "$T/o2.err" | tail -4)"

# on a pipe: commands from stdin, replies on stdout
printf 'when\nstep 3\nwhen\n' | timeout 20 "$B/rr-run" -q -r "$T/calls.rr" --monitor >"$T/o3" 2>&1
st=$?
[ $st = 0 ] && [ "$(grep -c '^icount=' "$T/o3")" = 2 ] && grep -q '^stopped reason=icount hart=0 .* icount=3$' "$T/o3" \
	&& ok "--monitor on a pipe: step 3 goes to icount 3, end of input ends it (exit 0)" || bad "pipe: exit $st $(cat "$T/o3")"
"$B/rr-run" -r "$T/calls.rr" --monitor tcp:1234 >/dev/null 2>&1; st_is $? 2 "--monitor tcp:1234 refused"
"$B/rr-run" -w "$T/x.rr" --monitor --bios none "$G/gdb_calls.elf" >/dev/null 2>&1; st_is $? 2 "--monitor on the terminal while recording refused (the terminal is the console)"
exit $fail
