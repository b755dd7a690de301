#!/bin/sh
# Record and replay of bare-metal guests: every input kind (RTC, console, entropy,
# block completions, received frames), replays identical to the
# recording (output, final state hash), the disk image untouched, SMP, pipes, bundles;
# tampered, truncated and mismatched logs stop replay with the documented status.
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=$TOP/build/guest
RUN="$B/rr-run"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect_status() { # want got what
	if [ "$1" = "$2" ]; then ok "$3 (exit $2)"; else bad "$3: exit $2, want $1"; fi
}

[ -x "$RUN" ] || { echo "no $RUN"; exit 1; }
[ -f "$G/rr_inputs.elf" ] || { echo "no $G/rr_inputs.elf (make guest-tests)"; exit 1; }
cp "$G/rr_inputs.elf" "$T/prog.elf"
head -c 65536 /dev/urandom >"$T/disk.img"
sum0=$(sha256sum <"$T/disk.img")

# 1. Record, with a line typed on the console.
echo "typed line 42" | timeout 60 "$RUN" -q -w "$T/a.rr" --hash-interval 20000 \
	--bios none --drive "$T/disk.img" --net user "$T/prog.elf" >"$T/rec.txt" 2>"$T/rec.err"
expect_status 0 $? "record"
grep -q "serial line='typed line 42'" "$T/rec.txt" && ok "guest got the typed line" || bad "typed line: $(cat "$T/rec.txt")"
grep -q "rng len=16" "$T/rec.txt" && ok "rng read" || bad "no rng output"
grep -q "blk read1 status=0" "$T/rec.txt" && ok "blk read back" || bad "no blk output"
grep -q "net sent=0 got=76 ethertype=0806 op=2 sender=10.0.2.2" "$T/rec.txt" && ok "ARP reply from slirp" || bad "no ARP reply"
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && ok "disk image untouched by recording" || bad "disk image changed"
"$B/rr-dump" --validate "$T/a.rr" >/dev/null 2>&1 && ok "log validates" || bad "log does not validate"
for k in CLOCK_VRT CHAR_READ RANDOM BLOCK NET STATE_HASH SHUTDOWN; do
	"$B/rr-dump" "$T/a.rr" | grep -q "kind=$k" && ok "log has $k" || bad "log lacks $k"
done

# 2. Replay twice, no input: identical output, verified hashes, guest's exit code.
for n in 1 2; do
	timeout 60 "$RUN" -r "$T/a.rr" </dev/null >"$T/rep$n.txt" 2>"$T/rep$n.err"
	expect_status 0 $? "replay $n"
	cmp -s "$T/rec.txt" "$T/rep$n.txt" && ok "replay $n output identical" || bad "replay $n output differs"
	grep -q "state hashes verified" "$T/rep$n.err" && ok "replay $n verified hashes" || bad "replay $n: $(cat "$T/rep$n.err")"
done
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && ok "disk image untouched by replay" || bad "disk image changed"

# 3. SMP: two harts record and replay.
echo "smp" | timeout 60 "$RUN" -q -w "$T/s.rr" --smp 2 --hash-interval 20000 --bios none \
	--drive "$T/disk.img" "$T/prog.elf" >"$T/srec.txt" 2>&1
expect_status 0 $? "record --smp 2"
timeout 60 "$RUN" -q -r "$T/s.rr" </dev/null >"$T/srep.txt" 2>&1
expect_status 0 $? "replay --smp 2"
cmp -s "$T/srec.txt" "$T/srep.txt" && ok "smp replay identical" || bad "smp replay differs"

# 4. Pipes: -w - and -r -.
echo "pipe" | timeout 60 "$RUN" -q -w - --bios none "$T/prog.elf" 2>"$T/p.console" >"$T/p.rr"
expect_status 0 $? "record to a pipe"
timeout 60 "$RUN" -q -r - <"$T/p.rr" >"$T/p.replay" 2>&1
expect_status 0 $? "replay from a pipe"
cmp -s "$T/p.console" "$T/p.replay" && ok "pipe replay identical" || bad "pipe replay differs"

# 5. Tampered logs stop replay with a divergence report (exit 4), quickly.
B2=$B/tests/tools
for t in "change CLOCK_VRT" "drop CHAR_READ" "change RANDOM" "drop BLOCK" "drop NET" "change NET" \
	"change SHUTDOWN" "drop SHUTDOWN"; do
	set -- $t
	"$B2/rrlog-tamper" "$1" "$2" "$T/a.rr" "$T/t.rr" || { bad "tamper $t"; continue; }
	timeout 60 "$RUN" -r "$T/t.rr" </dev/null >/dev/null 2>"$T/t.err"
	st=$?
	expect_status 4 $st "replay with $1 $2"
	grep -q "diverged at icount [0-9]" "$T/t.err" && ok "divergence report: $(tail -1 "$T/t.err" | cut -c1-150)" \
		|| bad "no divergence report: $(cat "$T/t.err")"
done

# 6. A truncated log replays up to its last complete block, then exit 3 (man rr-run).
#    a.rr is one events block: cut inside it, nothing replays.
size=$(wc -c <"$T/a.rr")
head -c $((size * 2 / 3)) "$T/a.rr" >"$T/trunc.rr"
timeout 60 "$RUN" -r "$T/trunc.rr" </dev/null >"$T/trunc.txt" 2>"$T/trunc.err"
expect_status 3 $? "truncated one-block log stops: $(tail -1 "$T/trunc.err" | cut -c1-150)"
#    A recording whose console line comes late (the machine idles, so the log is flushed
#    into several blocks), cut inside its last events block: the blocks before the cut
#    replay (the guest's output so far, the same as recorded), then exit 3.
(sleep 1; echo "late typed") | timeout 60 "$RUN" -q -w "$T/late.rr" --hash-interval 20000 --bios none \
	--drive "$T/disk.img" "$T/prog.elf" >"$T/late.txt" 2>"$T/late.err"
expect_status 0 $? "record with a late console line"
# block offsets ("RBLK" headers); the last one is the index block
grep -obUa RBLK "$T/late.rr" | cut -d: -f1 >"$T/late.blk"
nb=$(wc -l <"$T/late.blk")
if [ "$nb" -ge 3 ]; then
	lo=$(sed -n "$((nb - 1))p" "$T/late.blk"); hi=$(sed -n "${nb}p" "$T/late.blk")
	head -c $(( (lo + hi) / 2 )) "$T/late.rr" >"$T/ltrunc.rr"
	want=$("$B/rr-dump" --no-header "$T/late.rr" | awk -v n="$(( $("$B/rr-dump" --no-header "$T/ltrunc.rr" 2>/dev/null | wc -l) ))" \
		-F'[ =]' 'NR == n { print $2 }')
	"$B/rr-dump" --validate "$T/ltrunc.rr" >/dev/null 2>&1
	expect_status 1 $? "validate the log cut inside its last events block"
	timeout 60 "$RUN" -r "$T/ltrunc.rr" </dev/null >"$T/ltrunc.txt" 2>"$T/ltrunc.err"
	expect_status 3 $? "replay of the log cut inside its last events block"
	got=$(sed -n 's/.*the log ends at icount \([0-9]*\) before the guest stopped.*/\1/p' "$T/ltrunc.err")
	[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" = "$want" ] \
		&& ok "replay stops at the last complete block's icount $got" \
		|| bad "replay stopped at icount '${got}', want the last complete block's $want: $(cat "$T/ltrunc.err")"
	n=$(wc -l <"$T/ltrunc.txt")
	[ "$n" -ge 1 ] && head -n "$n" "$T/late.txt" | cmp -s - "$T/ltrunc.txt" \
		&& ok "the replayed blocks print the recorded output so far ($n of $(wc -l <"$T/late.txt") lines)" \
		|| bad "truncated replay output ($n lines) is not a prefix of the recording's"
else
	bad "the late-line recording has only $nb blocks (want 2 events blocks and the index)"
fi

# 7. Replay refuses a different kernel, and a missing one.
cp "$T/prog.elf" "$T/prog.orig"
printf 'x' >>"$T/prog.elf"
timeout 60 "$RUN" -r "$T/a.rr" </dev/null >/dev/null 2>"$T/k.err"
expect_status 1 $? "replay with a changed kernel"
grep -q "differs from the one recorded" "$T/k.err" && ok "names the changed image" || bad "message: $(cat "$T/k.err")"
rm "$T/prog.elf"
timeout 60 "$RUN" -r "$T/a.rr" </dev/null >/dev/null 2>"$T/k.err"
expect_status 1 $? "replay with a missing kernel"
mv "$T/prog.orig" "$T/prog.elf"

# 8. A portable bundle replays from another directory without the original files.
echo "bundle" | timeout 60 "$RUN" -q -w "$T/b.tar" --bios none --drive "$T/disk.img" "$T/prog.elf" >"$T/b.txt" 2>&1
expect_status 0 $? "record a bundle"
mkdir "$T/elsewhere" && mv "$T/b.tar" "$T/elsewhere/" && mv "$T/prog.elf" "$T/prog.moved" && mv "$T/disk.img" "$T/disk.moved"
timeout 60 "$RUN" -q -r "$T/elsewhere/b.tar" </dev/null >"$T/b.rep" 2>&1
expect_status 0 $? "replay the bundle without the original images"
cmp -s "$T/b.txt" "$T/b.rep" && ok "bundle replay identical" || bad "bundle replay differs"
mv "$T/prog.moved" "$T/prog.elf" && mv "$T/disk.moved" "$T/disk.img"

# 9. SIGTERM ends a recording cleanly (the guest is waiting for console input):
#    a complete log with SHUTDOWN host-signal, which replays to the same output.
(sleep 30) | { timeout 60 "$RUN" -q -w "$T/term.rr" --bios none "$T/prog.elf" >"$T/term.txt" 2>&1 & pid=$!
	sleep 1; kill -TERM $pid; wait $pid; echo $? >"$T/term.st"; }
expect_status 0 "$(cat "$T/term.st")" "SIGTERM during recording"
"$B/rr-dump" --validate "$T/term.rr" >/dev/null 2>&1 && ok "SIGTERM log validates" || bad "SIGTERM log invalid"
"$B/rr-dump" "$T/term.rr" | grep -q "kind=SHUTDOWN.*host-signal" && ok "SIGTERM logged as host-signal" || bad "no host-signal shutdown"
timeout 60 "$RUN" -q -r "$T/term.rr" </dev/null >"$T/term.rep" 2>&1
expect_status 0 $? "replay of the SIGTERM log"
cmp -s "$T/term.txt" "$T/term.rep" && ok "SIGTERM replay identical" || bad "SIGTERM replay differs"

# 10. --live -w: replay the SIGTERM log, then continue live with a line typed now,
#     recording the continuation (from a snapshot), which itself replays identically.
(sleep 0.3; echo "late line") | timeout 60 "$RUN" -q -r "$T/term.rr" --live -w "$T/cont.rr" >"$T/cont.txt" 2>&1
expect_status 0 $? "replay --live -w"
grep -q "serial line='late line'" "$T/cont.txt" && ok "live continuation got the late line" || bad "continuation: $(cat "$T/cont.txt")"
"$B/rr-dump" "$T/cont.rr" | grep -q "kind=SNAPSHOT" && ok "continuation log starts with a snapshot" || bad "no snapshot"
timeout 60 "$RUN" -q -r "$T/cont.rr" </dev/null >"$T/cont.rep" 2>&1
expect_status 0 $? "replay of the continuation"
tail -n +$(( $(wc -l <"$T/term.txt") + 1 )) "$T/cont.txt" >"$T/cont.tail"
[ -s "$T/cont.tail" ] && cmp -s "$T/cont.tail" "$T/cont.rep" && ok "continuation replay identical" \
	|| bad "continuation replay differs: $(diff "$T/cont.tail" "$T/cont.rep" | head -4)"

# 11. kill -9: every flushed block survives; validate says truncated (exit 1) and the
#     replay runs up to the log's end and stops with exit 3 (or 0 if it was all there).
(sleep 30) | { "$RUN" -q -w "$T/k9.rr" --bios none "$T/prog.elf" >/dev/null 2>&1 & pid=$!
	sleep 1.5; kill -KILL $pid; wait $pid 2>/dev/null; }
"$B/rr-dump" --validate "$T/k9.rr" >"$T/k9.val" 2>&1
expect_status 1 $? "validate a log whose recorder was killed"
timeout 60 "$RUN" -r "$T/k9.rr" </dev/null >/dev/null 2>"$T/k9.err"
expect_status 3 $? "replay a log whose recorder was killed: $(tail -1 "$T/k9.err" | cut -c1-120)"

# 12. Bad input.
printf 'garbage' >"$T/junk.rr"
timeout 10 "$RUN" -r "$T/junk.rr" </dev/null >/dev/null 2>&1
expect_status 2 $? "replay of garbage"
timeout 10 "$RUN" -r "$T/none.rr" </dev/null >/dev/null 2>&1
st=$?; [ $st = 1 ] || [ $st = 2 ] && ok "replay of a missing file (exit $st)" || bad "missing file: exit $st"

exit $fail
