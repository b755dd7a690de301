#!/bin/sh
# Debugging a recording while it records: rr-run -w LOG --monitor unix:PATH and
# -w LOG --gdb unix:PATH on bare-metal guests.
#  - monitor, gdb_calls (work(n) adds n to `counter`, n = 1..5): breakpoint hits
#    recorded live; reverse_continue into the part recorded (behind=1, where
#    sendline is refused); continue back to the frontier and on, live; a watch;
#    the guest's end (ended=1); a reverse watch after it. The hits' icounts and
#    values equal those of a plain replay of the finished log, the console shows
#    the guest's output once, the log validates and replays with every hash.
#  - sendline into rr_echo: logged, echoed, replayed byte for byte; sendkey to the
#    virtio keyboard (--input): press then release events, each with EV_SYN, in
#    the log; refusals (no keyboard, unknown keys, a replay).
#  - quit in the middle ends the recording at the frontier (a host shutdown, as
#    Ctrl-A x); the script's end (a detach) lets it record on to the guest's end.
#  - gdb-multiarch: break, continue live, reverse-continue and reverse-stepi into
#    the recorded part (registers restored), continue to the frontier and past,
#    the guest's end as "No more reverse-execution history" with the connection
#    up, reverse-continue from there to the last call, detach.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/wait.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
[ -f "$G/gdb_calls.elf" ] && [ -f "$G/rr_echo.elf" ] || { echo "no $G/gdb_calls.elf (make guest-tests)"; exit 1; }
CLIENT="python3 $TOP/tests/tools/monitor-client.py"
counter=$(printf '0x%x' 0x$(nm "$G/gdb_calls.elf" | awk '/ counter$/{print $1}'))
work=$(printf '0x%x' 0x$(nm "$G/gdb_calls.elf" | awk '/ work$/{print $1}'))

# session LOG SCRIPT OUT [rr-run options...]: record with a monitor on a socket
# driven by SCRIPT; sst = rr-run's exit status, cst the client's
session() {
	log=$1 script=$2 out=$3; shift 3
	rm -f "$T/mon.sock"
	timeout 120 "$B/rr-run" -w "$log" --monitor "unix:$T/mon.sock" "$@" </dev/null >"$out.console" 2>"$out.err" &
	spid=$!
	wait_socket "$T/mon.sock"
	timeout 120 $CLIENT "$T/mon.sock" <"$script" >"$out"; cst=$?
	wait $spid; sst=$?
}
# nth CMD N: the reply to the Nth command CMD of $out
nth() { awk -v c="@> $1" -v k="$2" '$0==c{n++;f=(n==k);next} /^@/{f=0} f' "$out"; }
icount_of() { sed -n 's/.* icount=\([0-9]*\).*/\1/p'; }

# ---- the monitor on gdb_calls ----
cat >"$T/s1" <<EOF
info replay
break $work
continue
reverse_step
step
continue
continue
reverse_continue
info replay
sendline hello
delete all
watch $counter
continue
x/1dg $counter
continue
x/1dg $counter
info replay
delete all
break $work
continue
info registers
delete all
continue
info replay
watch $counter
reverse_continue
x/1dg $counter
quit
EOF
out=$T/o1
session "$T/calls.rr" "$T/s1" "$out" --snapshot-every 10000 --bios none "$G/gdb_calls.elf"
[ $cst = 0 ] && [ $sst = 0 ] && ok "recorded under the monitor (client and rr-run exit 0)" \
	|| bad "client $cst rr-run $sst: $(tail -3 "$out") $(cat "$out.err")"
nth "info replay" 1 | grep -q "^mode=record frontier=0 behind=0 icount=0 " && ok "info replay at the start: $(nth "info replay" 1)" \
	|| bad "info replay: $(nth "info replay" 1)"
h1=$(nth continue 1 | icount_of) h2=$(nth continue 2 | icount_of) h3=$(nth continue 3 | icount_of)
for k in 1 2 3; do
	nth continue $k | grep -q "^stopped reason=breakpoint hart=0 pc=$work " || bad "continue $k: $(nth continue $k)"
done
[ -n "$h3" ] && [ "$h1" -lt "$h2" ] && [ "$h2" -lt "$h3" ] && ok "three hits of work recorded live: icounts $h1 $h2 $h3" \
	|| bad "hits: '$h1' '$h2' '$h3'"
# one instruction back from the frontier and forward onto it again
[ "$(nth reverse_step 1 | icount_of)" = $((h1 - 1)) ] && [ "$(nth step 1 | icount_of)" = "$h1" ] \
	&& ok "reverse_step from the frontier to $((h1 - 1)), step back onto it" || bad "step: $(nth reverse_step 1) / $(nth step 1)"
[ "$(nth reverse_continue 1 | icount_of)" = "$h2" ] && ok "reverse_continue from the frontier: back to the second hit" \
	|| bad "reverse_continue: $(nth reverse_continue 1)"
nth "info replay" 2 | grep -q "^mode=record frontier=$h3 behind=1 icount=$h2 " && ok "info replay behind: $(nth "info replay" 2)" \
	|| bad "info replay behind: $(nth "info replay" 2)"
nth "sendline hello" 1 | grep -q "^sendline: the replay is [0-9]* instructions behind the frontier" \
	&& ok "sendline behind the frontier refused: $(nth "sendline hello" 1)" || bad "sendline behind: $(nth "sendline hello" 1)"
# breakpoint deleted and watch set behind the frontier: they go along to it
w1=$(nth continue 4 | icount_of) w2=$(nth continue 5 | icount_of)
v="$(nth "x/1dg $counter" 1 | awk '{print $2}') $(nth "x/1dg $counter" 2 | awk '{print $2}')"
nth continue 4 | grep -q "reason=watchpoint" && nth continue 5 | grep -q "reason=watchpoint" && [ "$v" = "3 6" ] \
	&& [ "$w1" -lt "$h3" ] && [ "$w2" -gt "$h3" ] \
	&& ok "a watch set behind: work(2)'s write in the replay (counter 3), work(3)'s live past the frontier (6)" \
	|| bad "watch across the frontier: $v $(nth continue 4) $(nth continue 5)"
nth "info replay" 3 | grep -q "^mode=record frontier=$w2 behind=0 " && ok "on at the frontier (behind=0)" || bad "$(nth "info replay" 3)"
h4=$(nth continue 6 | icount_of)
[ -n "$h4" ] && [ "$h4" -gt "$w2" ] && nth "info registers" 1 | grep -q "x10/a0=0x0000000000000004" \
	&& ok "continue live: the fourth call (a0 = 4) at $h4" || bad "continue 6: $(nth continue 6)"
nth continue 7 | grep -q "^stopped reason=end " && nth "info replay" 4 | grep -q "ended=1" \
	&& ok "the guest's power-off: reason=end, ended=1" || bad "end: $(nth continue 7) $(nth "info replay" 4)"
# (going backwards the monitor stops just before the access: counter is 10 there)
nth reverse_continue 2 | grep -q "^stopped reason=watchpoint kind=write addr=$counter " && [ "$(nth "x/1dg $counter" 3 | awk '{print $2}')" = 10 ] \
	&& ok "reverse watch after the end: at the last writer (counter still 10)" || bad "reverse watch: $(nth reverse_continue 2) $(nth "x/1dg $counter" 3)"
[ "$(grep -c 'gdb_calls: PASS' "$out.console")" = 1 ] && ok "the console printed the guest's output once" \
	|| bad "console: $(cat "$out.console")"
"$B/rr-dump" --validate "$T/calls.rr" >"$T/v" 2>&1 && ok "the log validates: $(cat "$T/v")" || bad "validate: $(cat "$T/v")"
timeout 60 "$B/rr-run" -r "$T/calls.rr" >"$T/r.out" 2>"$T/r.err"; st=$?
[ $st = 0 ] && cmp -s "$T/r.out" "$out.console" && grep -q "[1-9][0-9]* state hashes verified" "$T/r.err" \
	&& ok "it replays: the same console, $(grep -o '[0-9]* state hashes verified' "$T/r.err")" || bad "replay: $st $(cat "$T/r.err")"
# the same hits in a plain replay of the log
printf 'break %s\ncontinue\ncontinue\ncontinue\ncontinue\nquit\n' "$work" >"$T/s2"
rm -f "$T/mon2.sock"
timeout 60 "$B/rr-run" -q -r "$T/calls.rr" --monitor "unix:$T/mon2.sock" >/dev/null 2>&1 &
rpid=$!
wait_socket "$T/mon2.sock"
timeout 60 $CLIENT "$T/mon2.sock" <"$T/s2" >"$T/o2"
wait $rpid
r=$(grep "^stopped" "$T/o2" | icount_of | tr '\n' ' ')
[ "$r" = "$h1 $h2 $h3 $h4 " ] && ok "a replay of the log hits work at the same icounts" || bad "replay hits '$r', recording '$h1 $h2 $h3 $h4'"

# ---- sendline, sendkey ----
printf 'sendline 5\nsendline abcd\ncontinue\ninfo replay\nsendline late\nquit\n' >"$T/s3"
out=$T/o3
session "$T/echo.rr" "$T/s3" "$out" --bios none "$G/rr_echo.elf"
[ $sst = 0 ] && grep -q "^sendline bytes=2 icount=0" "$out" && grep -q "^sendline bytes=5 icount=0" "$out" \
	&& grep -q "echo: 5 bytes" "$out.console" && grep -q "abcd" "$out.console" \
	&& ok "sendline: rr_echo took 5, then abcd, and echoed them" || bad "sendline: $sst $(cat "$out" "$out.console" "$out.err")"
nth "sendline late" 1 | grep -q "the guest has stopped" && ok "sendline after the end: $(nth "sendline late" 1)" \
	|| bad "sendline late: $(nth "sendline late" 1)"
"$B/rr-dump" -k CHAR_READ "$T/echo.rr" >"$T/cr"
[ "$(grep -c kind=CHAR_READ "$T/cr")" -ge 1 ] && ok "the lines are in the log as CHAR_READ: $(head -1 "$T/cr")" || bad "no CHAR_READ: $(cat "$T/cr")"
timeout 60 "$B/rr-run" -r "$T/echo.rr" >"$T/e.out" 2>/dev/null; st=$?
[ $st = 0 ] && cmp -s "$T/e.out" "$out.console" && ok "the echo replays byte for byte" || bad "echo replay: $st"
printf 'sendkey ctrl-alt-delete\nsendkey banana\nsendkey 0x1e\nsendkey %s\nquit\n' "a-b-c-d-e-f-g-h-i" >"$T/s4"
out=$T/o4
session "$T/key.rr" "$T/s4" "$out" --input --bios none "$G/gdb_calls.elf"
grep -q "^sendkey keys=3 events=12 icount=0" "$out" && nth "sendkey banana" 1 | grep -q "unknown key 'banana'" \
	&& grep -q "^sendkey keys=1 events=4" "$out" && grep -q "at most 8 keys" "$out" \
	&& ok "sendkey: ctrl-alt-delete (3 keys, 12 events), unknown keys and too many refused" || bad "sendkey: $(cat "$out")"
"$B/rr-dump" -k ASYNC_INPUT "$T/key.rr" | sed -n 's/.*kind=ASYNC_INPUT .*code=\([0-9]*\).*/\1/p' | tr '\n' ' ' >"$T/keys"
# EV_KEY 29 (ctrl) 56 (alt) 111 (delete) pressed, released in reverse, each with
# EV_SYN; then 0x1e (a): the logged value is type << 48 | code << 32 | value
ev() { echo $(( (1 << 48) | ($1 << 32) | $2 )); }
want="$(ev 29 1) 0 $(ev 56 1) 0 $(ev 111 1) 0 $(ev 111 0) 0 $(ev 56 0) 0 $(ev 29 0) 0 $(ev 30 1) 0 $(ev 30 0) 0 "
[ "$(cat "$T/keys")" = "$want" ] && ok "the key events are logged in order (press, release in reverse, EV_SYN each)" \
	|| bad "key events: $(cat "$T/keys")"
[ $sst = 0 ] && ok "rr-run exit 0" || bad "key session: exit $sst $(cat "$out.err")"
printf 'sendkey a\nquit\n' >"$T/s5"
out=$T/o5
session "$T/nokey.rr" "$T/s5" "$out" --bios none "$G/gdb_calls.elf"
grep -q "^sendkey: the machine has no virtio keyboard (record with --input)" "$out" && ok "sendkey without a keyboard refused" \
	|| bad "no keyboard: $(cat "$out")"
"$B/rr-dump" "$T/nokey.rr" | grep -q "kind=SHUTDOWN cause=host-signal" && "$B/rr-dump" --validate "$T/nokey.rr" >/dev/null \
	&& ! grep -q "gdb_calls: PASS" "$out.console" && ok "quit: the log ends at the frontier with a host shutdown" \
	|| bad "quit: $("$B/rr-dump" "$T/nokey.rr" | tail -3)"

# ---- the script's end: a detach, the recording goes on ----
printf 'break %s\ncontinue\n' "$work" >"$T/s6"
out=$T/o6
session "$T/detach.rr" "$T/s6" "$out" --bios none "$G/gdb_calls.elf"
[ $sst = 0 ] && grep -q "recording goes on at icount [1-9]" "$out.err" && grep -q "gdb_calls: PASS" "$out.console" \
	&& "$B/rr-dump" "$T/detach.rr" | grep -q "kind=SHUTDOWN cause=guest-shutdown" \
	&& ok "end of the monitor's input: the recording goes on to the guest's power-off" || bad "detach: $sst $(cat "$out.err")"

# ---- gdb-multiarch ----
if command -v gdb-multiarch >/dev/null; then
	rm -f "$T/g.sock"
	timeout 120 "$B/rr-run" -w "$T/g.rr" --snapshot-every 10000 --gdb "unix:$T/g.sock" --bios none "$G/gdb_calls.elf" \
		</dev/null >"$T/g.console" 2>"$T/g.err" &
	spid=$!
	wait_socket "$T/g.sock"
	cat >"$T/g.gdb" <<EOF
set pagination off
target remote $T/g.sock
break work
continue
echo @A1\n
p \$a0
continue
continue
echo @A3\n
p \$a0
reverse-continue
echo @A2\n
p \$a0
echo @R1\n
info all-registers
stepi
reverse-stepi
echo @R2\n
info all-registers
echo @R3\n
continue
echo @B3\n
p \$a0
continue
echo @A4\n
p \$a0
delete
continue
echo @END\n
break work
reverse-continue
echo @A5\n
p \$a0
EOF
	# (an error ends a -x file; each -ex goes on after one)
	timeout 120 gdb-multiarch -nx -batch -x "$T/g.gdb" -ex 'set var counter = 99' -ex 'echo @C\n' -ex 'p counter' \
		-ex detach "$G/gdb_calls.elf" >"$T/g.out" 2>&1; gst=$?
	wait $spid; sst=$?
	after() { awk -v m="@$1" '$0==m{f=1;next} f&&/^\$[0-9]+ = /{print $3; exit}' "$T/g.out"; }
	v="$(after A1) $(after A3) $(after A2) $(after B3) $(after A4) $(after A5)"
	[ "$v" = "1 3 2 3 4 5" ] && ok "gdb: a0 at the hits: live 1, 3; reverse-continue 2; continue to the frontier 3, past it 4; from the end back 5" \
		|| bad "gdb a0 values: $v $(tail -5 "$T/g.out")"
	regs() { awk -v a="@$1" '$0==a{f=1;next} /^@/{f=0} f && /^[a-z][a-z0-9_]* +0x/' "$T/g.out"; }
	regs R1 >"$T/before"; regs R2 >"$T/after"
	[ "$(grep -c '^[a-z]' "$T/before")" -gt 60 ] && cmp -s "$T/before" "$T/after" \
		&& ok "stepi then reverse-stepi in the recorded part: pc and all $(grep -c '^[a-z]' "$T/before") registers as before" \
		|| bad "registers differ: $(diff "$T/before" "$T/after" | head -5)"
	grep -q "Cannot access memory" "$T/g.out" && [ "$(after C)" = 10 ] \
		&& ok "gdb: set var while recording refused (the log would not have it); counter still 10" \
		|| bad "set var: $(grep -i -A1 'set var' "$T/g.out")"
	grep -q "No more reverse-execution history" "$T/g.out" && [ "$(after A5)" = 5 ] \
		&& ok "the guest's end is replaylog:end; the connection stays up for reverse-continue" || bad "end: $(tail -5 "$T/g.out")"
	[ $gst = 0 ] && [ $sst = 0 ] && grep -q "gdb detached" "$T/g.err" && [ "$(grep -c 'gdb_calls: PASS' "$T/g.console")" = 1 ] \
		&& ok "gdb and rr-run exit 0, the console printed once" || bad "gdb $gst rr-run $sst: $(cat "$T/g.err")"
	timeout 60 "$B/rr-run" -q -r "$T/g.rr" >"$T/gr.out" 2>&1 && cmp -s "$T/gr.out" "$T/g.console" \
		&& ok "the recording made under gdb replays" || bad "replay of g.rr: $(cat "$T/gr.out")"
else
	echo "SKIP: gdb-multiarch missing (scripts/install-deps.sh)"; exit 77
fi
"$B/rr-run" -w - --monitor unix:"$T/x.sock" --bios none "$G/gdb_calls.elf" >/dev/null 2>"$T/u.err"; st_is $? 2 "-w - --monitor refused"
exit $fail
