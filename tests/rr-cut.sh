#!/bin/sh
# rr-cut and rr-merge on bare-metal recordings:
#  - a window [A, B) starts with a full snapshot at A, keeps absolute icounts,
#    validates, and replays on its own (exit 0, state hashes verified, its end hash);
#  - a recording split into segments: the segments' replays, concatenated, print
#    exactly what the whole replay prints; verified in parallel (xargs -P, GNU
#    parallel); merged back, it replays to the same output, icount and state;
#  - --last N replays to the guest's own ending and exit code;
#  - bad input: windows outside the recording, empty windows, a corrupt IN, an
#    unwritable OUT; merges in the wrong order, with a gap, an overlap, segments of
#    another recording, after a guest's ending. Nothing is left under OUT.
. "${TOP:?}/tests/lib/common.sh"
record_inputs "$T/a.rr" "typed line 42" >/dev/null 2>&1 || bad "record"
timeout 60 "$B/rr-run" -r "$T/a.rr" >"$T/full.out" 2>"$T/full.err" </dev/null
st_is $? 0 "the whole recording replays"
end=$("$B/rr-dump" "$T/a.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
hash_at() { "$B/rr-run" -r "$1" --stop-at "$2" | sed -n 's/.*hash=\(0x[0-9a-f]*\)$/\1/p'; }

# 1. A window.
a=$((end / 3 + 17)); b=$((end * 2 / 3 + 5))
"$B/rr-cut" -q -A $a -B $b "$T/a.rr" "$T/w.rr"
st_is $? 0 "cut -A $a -B $b"
"$B/rr-dump" --validate "$T/w.rr" >/dev/null && ok "the window validates" || bad "window does not validate"
first=$("$B/rr-dump" "$T/w.rr" | grep -v '^#' | head -1)
echo "$first" | grep -q "^icount=$a kind=SNAPSHOT type=0" && ok "it starts with a full snapshot at $a" || bad "first event: $first"
"$B/rr-dump" "$T/w.rr" | grep -v '^#' | tail -2 | head -1 | grep -q "^icount=$b kind=SHUTDOWN cause=host-qmp-quit" \
	&& ok "it ends at $b" || bad "end: $("$B/rr-dump" "$T/w.rr" | tail -3)"
timeout 60 "$B/rr-run" -r "$T/w.rr" >"$T/w.out" 2>"$T/w.err" </dev/null
st_is $? 0 "the window replays on its own: $(tail -1 "$T/w.err")"
n=$(sed -n 's/.* \([0-9]*\) state hashes verified/\1/p' "$T/w.err")
[ "${n:-0}" -ge 3 ] && ok "$n state hashes verified in the window" || bad "hashes: $(cat "$T/w.err")"
[ "$(hash_at "$T/w.rr" $((a + 999)))" = "$(hash_at "$T/a.rr" $((a + 999)))" ] && ok "the same state at $((a + 999)) as the recording" \
	|| bad "state differs at $((a + 999))"
# events line up with the original's (absolute icounts)
"$B/rr-dump" "$T/a.rr" | awk -v a=$a -v b=$b -F'[= ]' '$1 == "icount" && $2 >= a && $2 < b && $4 != "SNAPSHOT"' >"$T/orig.ev"
"$B/rr-dump" "$T/w.rr" | awk -v a=$a -v b=$b -F'[= ]' '$1 == "icount" && $2 >= a && $2 < b && $4 != "SNAPSHOT"' | grep -v "^icount=$a kind=STATE_HASH" >"$T/win.ev"
[ -s "$T/orig.ev" ] && cmp -s "$T/orig.ev" "$T/win.ev" && ok "the window's events are the recording's ($(wc -l <"$T/orig.ev") events)" \
	|| bad "window events differ: $(diff "$T/orig.ev" "$T/win.ev" | head -4)"

# 2. Segments, in parallel, merged back.
"$B/rr-cut" -q --segments 3 "$T/a.rr" "$T/seg.rr" && [ -f "$T/seg-003.rr" ] && ok "--segments 3" || bad "--segments 3"
for i in 001 002 003; do timeout 60 "$B/rr-run" -q -r "$T/seg-$i.rr" </dev/null >"$T/seg-$i.out" 2>&1 || bad "segment $i replay"; done
cat "$T/seg-001.out" "$T/seg-002.out" "$T/seg-003.out" >"$T/segs.out"
cmp -s "$T/segs.out" "$T/full.out" && ok "the segments' outputs add up to the whole replay's" \
	|| bad "segment outputs differ: $(diff "$T/segs.out" "$T/full.out" | head -4)"
ls "$T"/seg-*.rr | xargs -P 2 -n 1 "$B/rr-run" -q -r >/dev/null 2>&1 && ok "xargs -P 2 verifies the segments" || bad "xargs -P 2"
if command -v parallel >/dev/null; then
	parallel --will-cite -j 2 "$B/rr-run" -q -r {} ::: "$T"/seg-*.rr >/dev/null 2>&1 </dev/null \
		&& ok "GNU parallel verifies the segments" || bad "GNU parallel"
else
	bad "GNU parallel missing (scripts/install-deps.sh installs it)"
fi
"$B/rr-merge" -q -o "$T/m.rr" "$T/seg-001.rr" "$T/seg-002.rr" "$T/seg-003.rr"
st_is $? 0 "merge the segments"
timeout 60 "$B/rr-run" -r "$T/m.rr" >"$T/m.out" 2>"$T/m.err" </dev/null
st_is $? 0 "the merged recording replays"
cmp -s "$T/m.out" "$T/full.out" && ok "merged: the same output as the original" || bad "merged output differs"
[ "$(hash_at "$T/m.rr" "$end")" = "$(hash_at "$T/a.rr" "$end")" ] && ok "merged: the same final state" || bad "merged final state"
"$B/rr-cut" -q -c $((end / 3 + 1)) "$T/a.rr" "$T/c-%02d.rr" && [ "$(ls "$T"/c-*.rr | wc -l)" = 3 ] && [ -f "$T/c-03.rr" ] \
	&& ok "-c $((end / 3 + 1)) with a %02d pattern: 3 windows" || bad "-c: $(ls "$T"/c-*.rr)"

# 3. The crash window.
"$B/rr-cut" -q --last $((end / 4)) "$T/a.rr" "$T/last.rr" && ok "--last $((end / 4))" || bad "--last"
timeout 60 "$B/rr-run" -r "$T/last.rr" >"$T/last.out" 2>/dev/null </dev/null
st_is $? 0 "the last window replays to the guest's exit"
tail -1 "$T/last.out" | grep -q "^done" && ok "it prints the guest's last line" || bad "last line: $(tail -1 "$T/last.out")"

# 4. Bad input: exit 2 (1 for I/O), nothing left under OUT.
"$B/rr-cut" -A $((end + 100)) "$T/a.rr" "$T/x.rr" 2>"$T/e"; st_is $? 2 "a window past the end: $(cat "$T/e")"
"$B/rr-cut" -A 500 -B 500 "$T/a.rr" "$T/x.rr" 2>"$T/e"; st_is $? 2 "an empty window"
"$B/rr-cut" -A banana "$T/a.rr" "$T/x.rr" 2>/dev/null; st_is $? 2 "-A banana"
"$B/rr-cut" --last 10 -A 5 "$T/a.rr" "$T/x.rr" 2>/dev/null; st_is $? 2 "--last with -A"
head -c 3000 "$T/a.rr" >"$T/torn.rr"
"$B/rr-cut" -A 10 -B 20 "$T/torn.rr" "$T/x.rr" 2>"$T/e"; st=$?
[ $st = 2 ] || [ $st = 1 ] && ok "a truncated IN: exit $st, $(cat "$T/e")" || bad "truncated IN: exit $st"
"$B/rr-cut" -A 10 -B 20 "$T/a.rr" "$T/no/such/dir/x.rr" 2>"$T/e"; st=$?
[ $st != 0 ] && ok "an unwritable OUT: exit $st, $(cat "$T/e")" || bad "unwritable OUT"
[ ! -e "$T/x.rr" ] && [ -z "$(ls "$T"/*.part 2>/dev/null)" ] && ok "no OUT and no .part left behind" || bad "left: $(ls "$T")"
"$B/rr-merge" -o "$T/x.rr" "$T/seg-002.rr" "$T/seg-001.rr" 2>"$T/e"; st_is $? 2 "merge in the wrong order: $(cat "$T/e")"
"$B/rr-merge" -o "$T/x.rr" "$T/seg-001.rr" "$T/seg-003.rr" 2>"$T/e"; st_is $? 2 "merge with a gap: $(cat "$T/e")"
"$B/rr-cut" -q -A 0 -B $((a + 1000)) "$T/a.rr" "$T/o1.rr"
"$B/rr-merge" -o "$T/x.rr" "$T/o1.rr" "$T/w.rr" 2>"$T/e"; st_is $? 2 "merge with an overlap: $(cat "$T/e")"
"$B/rr-merge" -o "$T/x.rr" "$T/last.rr" "$T/seg-003.rr" 2>"$T/e"; st_is $? 2 "merge after the guest's ending: $(cat "$T/e")"
timeout 60 "$B/rr-run" -q -w "$T/h.rr" --bios none "$G/hello.elf" >/dev/null 2>&1
"$B/rr-cut" -q -A 0 -B 1000 "$T/h.rr" "$T/h1.rr"
"$B/rr-merge" -o "$T/x.rr" "$T/h1.rr" "$T/seg-002.rr" 2>"$T/e"; st_is $? 2 "merge of another recording: $(cat "$T/e")"
"$B/rr-merge" -o "$T/x.rr" "$T/nonexistent.rr" 2>"$T/e"; st=$?; [ $st != 0 ] && ok "merge of a missing file: exit $st" || bad "missing file"
[ ! -e "$T/x.rr" ] && [ -z "$(ls "$T"/*.part 2>/dev/null)" ] && ok "failed merges leave nothing" || bad "left: $(ls "$T")"
exit $fail
