#!/bin/sh
# rr-merge --from-text: rr-dump --full text back into a log.
#  - an unedited dump gives the same events and header (rr-diff: same; the dumps of
#    both byte-identical) and the log replays;
#  - an edited dump (sed/awk) gives a log with the edit, which replay catches;
#  - a line that does not parse is refused with its line number, exit 2, no OUT;
#    a dump without --full (data cut short) is refused.
. "${TOP:?}/tests/lib/common.sh"
record_inputs "$T/a.rr" "typed line 42" >/dev/null 2>&1 || bad "record"
"$B/rr-dump" --full "$T/a.rr" | "$B/rr-merge" -q --from-text -o "$T/b.rr" - && ok "dump | rr-merge --from-text -" || bad "from-text"
"$B/rr-diff" "$T/a.rr" "$T/b.rr" >/dev/null && ok "rr-diff: the same events and header" || bad "rr-diff says they differ"
"$B/rr-dump" --full "$T/a.rr" >"$T/a.txt"; "$B/rr-dump" --full "$T/b.rr" >"$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" && ok "the two dumps are byte-identical ($(wc -l <"$T/a.txt") lines)" || bad "dumps differ"
"$B/rr-dump" --validate "$T/b.rr" >/dev/null && ok "the rebuilt log validates" || bad "validate"
timeout 60 "$B/rr-run" -q -r "$T/b.rr" </dev/null >/dev/null 2>&1 && ok "the rebuilt log replays" || bad "replay"
"$B/rr-merge" -q --from-text -o "$T/c.rr" "$T/a.txt" && cmp -s "$T/b.rr" "$T/c.rr" && ok "from a file: the same log" || bad "from a file"
awk '/kind=CLOCK_VRT/ { sub(/value=[0-9]+/, "value=1700000000000000000") } { print }' "$T/a.txt" \
	| "$B/rr-merge" -q --from-text -o "$T/e.rr" - && "$B/rr-dump" "$T/e.rr" | grep -q "kind=CLOCK_VRT value=1700000000000000000" \
	&& ok "an awk edit lands in the log" || bad "edit"
timeout 60 "$B/rr-run" -r "$T/e.rr" </dev/null >/dev/null 2>&1; [ $? = 4 ] && ok "and its replay diverges (exit 4)" || bad "edited replay"
sed '0,/kind=STATE_HASH/s//kind=BOGUS/' "$T/a.txt" >"$T/bad.txt"
line=$(grep -n "kind=BOGUS" "$T/bad.txt" | cut -d: -f1)
"$B/rr-merge" --from-text -o "$T/x.rr" "$T/bad.txt" 2>"$T/err"; st=$?
[ $st = 2 ] && grep -q "bad.txt:$line: unknown kind 'BOGUS'" "$T/err" && ok "a bad line: exit 2, $(cat "$T/err")" || bad "bad line: exit $st $(cat "$T/err")"
"$B/rr-dump" "$T/a.rr" | "$B/rr-merge" --from-text -o "$T/x.rr" - 2>"$T/err"; st=$?
[ $st = 2 ] && grep -q "dump with --full" "$T/err" && ok "a dump without --full: exit 2, $(cat "$T/err")" || bad "short dump: exit $st"
printf 'icount=5 kind=INSN\nicount=3 kind=INSN\n' | "$B/rr-merge" --from-text -o "$T/x.rr" - 2>"$T/err"; st=$?
[ $st = 2 ] && ok "icounts going backwards: exit 2, $(cat "$T/err")" || bad "backwards: exit $st"
# Found by fuzz_text: a len= after data= (here behind a NUL in the key, "len\0\0ata=")
# once sent the writer 616263 bytes from a 1-byte buffer.
printf 'icount=7 kind=CHAR_READ dev=0 len=1 data=0a len\000\000ata=616263\n' | "$B/rr-merge" --from-text -o "$T/x.rr" - 2>"$T/err"; st=$?
[ $st = 2 ] && ok "a NUL inside a field: exit 2, $(cat "$T/err")" || bad "NUL field: exit $st"
printf 'icount=7 kind=CHAR_READ dev=0 len=1 data=0a len=3\n' | "$B/rr-merge" --from-text -o "$T/x.rr" - 2>"$T/err"; st=$?
[ $st = 2 ] && grep -q "len= changed after data=" "$T/err" && ok "len= after data=: exit 2, $(cat "$T/err")" || bad "len after data: exit $st $(cat "$T/err")"
[ ! -e "$T/x.rr" ] && [ ! -e "$T/x.rr.part" ] && ok "nothing left under OUT" || bad "left: $(ls "$T")"
# A hostile header made with sed: the kernel is /dev/zero, then a FIFO. Replay opens
# only regular files whose SHA-256 matches: a clear refusal at once, no hang.
k=$(sed -n 's/^# image role="kernel" path="\([^"]*\)".*/\1/p' "$T/a.txt")
mkfifo "$T/fifo"
for evil in /dev/zero "$T/fifo"; do
	sed "s|$k|$evil|g" "$T/a.txt" | "$B/rr-merge" -q --from-text -o "$T/evil.rr" - || bad "build evil log"
	timeout 20 "$B/rr-run" -r "$T/evil.rr" </dev/null >/dev/null 2>"$T/err"; st=$?
	[ $st = 1 ] && grep -q "not found as a regular file" "$T/err" && ok "kernel $evil in the header: refused, exit 1" \
		|| bad "kernel $evil: exit $st $(cat "$T/err")"
	rm -f "$T/evil.rr"
done
exit $fail
