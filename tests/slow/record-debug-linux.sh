#!/bin/sh
# Debugging a Linux recording while it records (slow: the cached guest images and
# the kernel's vmlinux): rr-run -w LOG --input --monitor unix:PATH, the shell on
# the console, driven over the monitor's socket with kernel symbols from vmlinux:
#  - break n_tty_poll: continue stops when the shell first waits for the console;
#    sendline there types a line (hexdump reads 4 events from the keyboard's
#    event device, then the guest powers off);
#  - break evdev_read: continue stops when hexdump reads; sendkey a there: the kernel
#    hands hexdump the press and the release (EV_KEY 30 1 and 0, each with EV_SYN):
#    hexdump prints them;
#  - the guest's power-off ends the run (reason=end); from there reverse_continue
#    finds the last evdev_read call, loadvm goes back to the state saved at the
#    first stop (at the frontier then): going back into the recording, timed;
#  - the log validates, and replays with the same console and every hash;
#  - SMP-2, rrtest=boot: break ksys_write, three hits live (on both harts), two
#    reverse_continue back, three continue forward again through the frontier:
#    the same icounts and harts, which a plain replay of the log hits too.
. "$TOP/tests/lib/linux.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
sym() { nm "$VMLINUX" | awk -v s="$1" '$3==s{print "0x"$1; exit}'; }
ntty=$(sym n_tty_poll) evread=$(sym evdev_read)
[ -n "$ntty" ] && [ -n "$evread" ] || { bad "no n_tty_poll/evdev_read in $VMLINUX"; exit 1; }
cat >"$T/script" <<EOF
break $ntty
continue
savevm first
delete all
sendline hexdump -v -n 96 -e '8/1 " %02x" "\\n"' /dev/input/event0; poweroff -f
break $evread
continue
sendkey a
delete all
continue
info replay
break $evread
reverse_continue
when
loadvm first
when
quit
EOF
timeout 600 "$B/rr-run" -w "$T/k.rr" -m 256M --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" \
	--append "console=ttyS0 quiet rrtest=shell" --no-rng --input --monitor "unix:$T/mon.sock" \
	</dev/null >"$T/console" 2>"$T/err" &
spid=$!
wait_socket "$T/mon.sock"
timeout 600 python3 "$TOP/tests/tools/monitor-client.py" -t -w 120 "$T/mon.sock" <"$T/script" >"$T/out" 2>&1
cst=$?
wait $spid; sst=$?; spid=
out=$T/out
nth() { awk -v c="@> $1" -v k="$2" '$0==c{n++;f=(n==k);next} /^@/{f=0} f' "$out"; }
timeof() { awk -v c="@> $1" -v k="$2" '$0==c{n++;f=(n==k);next} f&&/^@time/{print $2; exit}' "$out"; }
[ $cst = 0 ] && [ $sst = 0 ] && ok "recorded under the monitor, client and rr-run exit 0" \
	|| bad "client $cst rr-run $sst: $(tail -5 "$out") $(tail -3 "$T/err")"
s1=$(nth continue 1)
echo "$s1" | grep -q "^stopped reason=breakpoint hart=0 pc=$ntty " && ok "the shell waits for the console: $s1" || bad "n_tty_poll: $s1"
s2=$(nth continue 2)
echo "$s2" | grep -q "^stopped reason=breakpoint hart=0 pc=$evread " && ok "hexdump reads the event device: $s2" || bad "evdev_read: $s2"
nth "sendkey a" 1 | grep -q "^sendkey keys=1 events=4 " && ok "sendkey a: $(nth "sendkey a" 1)" || bad "sendkey: $(nth "sendkey a" 1)"
nth continue 3 | grep -q "^stopped reason=end " && ok "the guest powered off: reason=end" || bad "end: $(nth continue 3)"
# struct input_event on riscv64: 16 bytes of time, type, code, value (little-endian)
tr -d '\r' <"$T/console" | grep -E '^ ([0-9a-f]{2} ){7}[0-9a-f]{2}$' | awk 'NR%3==0' >"$T/ev"
want=" 01 00 1e 00 01 00 00 00
 00 00 00 00 00 00 00 00
 01 00 1e 00 00 00 00 00
 00 00 00 00 00 00 00 00"
[ "$(cat "$T/ev")" = "$want" ] && ok "hexdump printed the key's press and release, each with EV_SYN" \
	|| bad "hexdump output: $(tr -d '\r' <"$T/console" | tail -12)"
e=$(nth "info replay" 1 | sed -n 's/.* icount=\([0-9]*\).*/\1/p')
rc=$(nth reverse_continue 1)
r=$(echo "$rc" | sed -n 's/.* icount=\([0-9]*\).*/\1/p')
echo "$rc" | grep -q "^stopped reason=breakpoint hart=0 pc=$evread " && [ "$r" -lt "$e" ] \
	&& ok "reverse_continue from the end: the last evdev_read at $r ($(timeof reverse_continue 1) s)" || bad "reverse_continue: $rc"
st1=$(echo "$s1" | sed -n 's/.* icount=\([0-9]*\).*/\1/p')
[ "$(nth when 2)" = "icount=$st1" ] && ok "loadvm back to the state saved at the first stop, $st1 ($(timeof "loadvm first" 1) s)" \
	|| bad "seek: $(nth when 2)"
"$B/rr-dump" --validate "$T/k.rr" >"$T/v" 2>&1 && ok "$(cat "$T/v")" || bad "validate: $(cat "$T/v")"
timeout 600 "$B/rr-run" -r "$T/k.rr" >"$T/replay" 2>"$T/rerr"; st=$?
[ $st = 0 ] && cmp -s "$T/replay" "$T/console" && ok "the replay prints the same console; $(tail -1 "$T/rerr")" \
	|| bad "replay: exit $st $(tail -2 "$T/rerr"); $(cmp "$T/replay" "$T/console")"

# ---- SMP-2 ----
kw=$(sym ksys_write)
printf 'break %s\ncontinue\ncontinue\ncontinue\nreverse_continue\nreverse_continue\ncontinue\ncontinue\ncontinue\ndelete all\ncontinue\nquit\n' \
	"$kw" >"$T/smp.script"
rm -f "$T/mon.sock"
timeout 600 "$B/rr-run" -w "$T/smp.rr" --smp 2 -m 256M --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" \
	--append "console=ttyS0 quiet rrtest=boot" --monitor "unix:$T/mon.sock" </dev/null >"$T/smp.console" 2>"$T/smp.err" &
spid=$!
wait_socket "$T/mon.sock"
timeout 600 python3 "$TOP/tests/tools/monitor-client.py" -w 300 "$T/mon.sock" <"$T/smp.script" >"$T/smp.out" 2>&1
cst=$?
wait $spid; sst=$?; spid=
hits=$(grep "^stopped reason=breakpoint" "$T/smp.out" | sed 's/.* hart=\([0-9]\) .* icount=\([0-9]*\)/\1:\2/' | tr '\n' ' ')
set -- $hits
[ $cst = 0 ] && [ $sst = 0 ] && [ $# = 8 ] && [ "$4 $5" = "$2 $1" ] && [ "$6 $7" = "$2 $3" ] \
	&& echo "$hits" | grep -q "0:" && echo "$hits" | grep -q "1:" \
	&& ok "SMP-2 under the monitor: ksys_write hits $1 $2 $3 live, back to $4 $5, forward again $6 $7 $8 (hart:icount)" \
	|| bad "SMP-2: client $cst rr-run $sst hits '$hits' $(tail -3 "$T/smp.err")"
grep -q "^stopped reason=end " "$T/smp.out" && grep -q "rrtest: boot: result: ok" "$T/smp.console" \
	&& ok "SMP-2: the guest's power-off" || bad "SMP-2 end: $(tail -3 "$T/smp.out")"
printf 'break %s\ncontinue\ncontinue\ncontinue\ncontinue\nquit\n' "$kw" >"$T/smp2.script"
rm -f "$T/mon2.sock"
timeout 600 "$B/rr-run" -q -r "$T/smp.rr" --monitor "unix:$T/mon2.sock" >/dev/null 2>&1 &
spid=$!
wait_socket "$T/mon2.sock"
timeout 600 python3 "$TOP/tests/tools/monitor-client.py" -w 300 "$T/mon2.sock" <"$T/smp2.script" >"$T/smp2.out" 2>&1
wait $spid; spid=
rh=$(grep "^stopped reason=breakpoint" "$T/smp2.out" | sed 's/.* hart=\([0-9]\) .* icount=\([0-9]*\)/\1:\2/' | tr '\n' ' ')
[ "$rh" = "$1 $2 $3 $8 " ] && ok "a plain replay of the SMP log hits ksys_write at the same harts and icounts" \
	|| bad "SMP-2 replay hits '$rh', recording '$1 $2 $3 $8'"
timeout 600 "$B/rr-run" -r "$T/smp.rr" >"$T/smp.replay" 2>"$T/smp.rerr"; st=$?
[ $st = 0 ] && cmp -s "$T/smp.replay" "$T/smp.console" && ok "the SMP-2 log replays with the same console; $(tail -1 "$T/smp.rerr")" \
	|| bad "SMP-2 replay: exit $st $(tail -2 "$T/smp.rerr")"
exit $fail
