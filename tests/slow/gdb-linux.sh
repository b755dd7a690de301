#!/bin/sh
# The replay debugger on Linux (slow: needs the cached guest images and the
# kernel's vmlinux from scripts/build-guest.sh): an SMP-2 recording of rrtest=boot
# driven by gdb-multiarch with the kernel's symbols:
#  - the threads are the two harts;
#  - break ksys_write, continue twice (the second hit may be on the other hart),
#    reverse-continue: back at the first hit, same icount and same a2 (count);
#  - watch jiffies (a kernel variable at a virtual address, through satp):
#    continue stops in tick_do_update_jiffies64 with jiffies one higher;
#    reverse-continue twice: the same write undone, then the tick before it;
#  - the monitor over gdb (monitor x/1xg) reads the same jiffies value as gdb.
. "$TOP/tests/lib/linux.sh"
RUN="$B/rr-run"
command -v gdb-multiarch >/dev/null || { echo "SKIP: gdb-multiarch missing"; exit 77; }
timeout 600 "$RUN" -q -w "$T/boot.rr" --snapshot-every 10000000 --smp 2 -m 256M --kernel "$G/Image" \
	--initrd "$G/initramfs.cpio.gz" --append "console=ttyS0 quiet rrtest=boot" </dev/null >"$T/rec.out" 2>&1
st=$?
[ $st = 0 ] && grep -q "rrtest: boot: result: ok" "$T/rec.out" && ok "recorded rrtest=boot on 2 harts" \
	|| bad "record: exit $st $(tail -3 "$T/rec.out")"
jiffies=$(nm "$VMLINUX" | awk '$3=="jiffies"{print "0x"$1}')
[ -n "$jiffies" ] || bad "no jiffies in $VMLINUX"

timeout 300 "$RUN" -r "$T/boot.rr" --gdb "unix:$T/sock" >"$T/stub.out" 2>"$T/stub.err" &
spid=$!
wait_socket "$T/sock"
cat >"$T/cmds.gdb" <<EOF
set pagination off
set confirm off
target remote $T/sock
info threads
break ksys_write
continue
echo @HIT1\n
monitor when
p \$a2
continue
continue
echo @HIT3\n
monitor when
reverse-continue
reverse-continue
echo @BACK\n
monitor when
p \$a2
delete
watch *(long *)&jiffies
continue
echo @W1\n
p *(long *)&jiffies
monitor x/1dg $jiffies
reverse-continue
echo @R1\n
p *(long *)&jiffies
reverse-continue
echo @R2\n
p *(long *)&jiffies
bt 1
EOF
timeout 300 gdb-multiarch -nx -batch -x "$T/cmds.gdb" "$VMLINUX" >"$T/gdb.out" 2>&1
st=$?
wait $spid; sst=$?; spid=
[ $st = 0 ] && [ $sst = 0 ] && ok "gdb and the stub exited 0" || bad "gdb exit $st, stub exit $sst: $(tail -3 "$T/gdb.out") $(cat "$T/stub.err")"
# after MARK [N]: the Nth line after @MARK, without gdb's "$1 = "
after() { sed -n "/^@$1\$/,\$p" "$T/gdb.out" | sed -n "$((${2:-1} + 1))p" | sed 's/^\$[0-9]* = //'; }
grep -q 'Thread 2 (hart 1' "$T/gdb.out" && ok "info threads: hart 1 is thread 2" || bad "threads: $(grep Thread "$T/gdb.out" | head -3)"
grep -q "hit Breakpoint 1, .* in ksys_write" "$T/gdb.out" && ok "break ksys_write hit" || bad "no ksys_write hit"
[ "$(after HIT1)" = "$(after BACK)" ] && [ "$(after HIT1 2)" = "$(after BACK 2)" ] && [ "$(after HIT1)" != "$(after HIT3)" ] \
	&& ok "two reverse-continues from the third hit: back at the first ($(after HIT1), a2 = $(after HIT1 2))" \
	|| bad "breakpoints: first $(after HIT1)/$(after HIT1 2), third $(after HIT3), back $(after BACK)/$(after BACK 2)"
w1=$(after W1); r1=$(after R1); r2=$(after R2)
sed -n '/^@BACK$/,/^@W1$/p' "$T/gdb.out" | grep -q "in tick_do_update_jiffies64" \
	&& ok "watch jiffies: continue stops in tick_do_update_jiffies64 (jiffies $w1)" \
	|| bad "forward watch: $(sed -n '/^@BACK$/,/^@W1$/p' "$T/gdb.out" | tr '\n' ' ')"
[ "$(after W1 2)" = "0x$(printf '%016x' "$jiffies"): $w1" ] || [ "$(after W1 2 | awk '{print $2}')" = "$w1" ] \
	&& ok "monitor x/1dg reads the same jiffies" || bad "monitor x: '$(after W1 2)' gdb $w1"
[ -n "$w1" ] && [ "$r1" = $((w1 - 1)) ] && [ "$r2" = $((w1 - 2)) ] \
	&& ok "reverse-continue on the watchpoint: jiffies $w1 -> $r1 -> $r2 (the last writers)" \
	|| bad "reverse watch: $w1 -> $r1 -> $r2"
sed -n '/^@R2$/,$p' "$T/gdb.out" | grep -q "tick_do_update_jiffies64" && ok "the writer is tick_do_update_jiffies64" \
	|| bad "writer: $(sed -n '/^@R2$/,$p' "$T/gdb.out" | tr '\n' ' ')"
exit $fail
