#!/bin/sh
# rr-dump over logs written by tests/check_rrlog (fixtures in $BUILD/fixtures/rrlog):
# text and JSON output, filters, the icount window, stdin, stats, validation, usage.
set -u
BUILD=${BUILD:-$(pwd)/build}
D="$BUILD/rr-dump"
F="$BUILD/fixtures/rrlog"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
no() { echo "FAIL: $*"; fail=1; }
for f in mixed.rr kinds.rr zero.rr killed.rr; do
	[ -f "$F/$f" ] || { echo "FAIL: missing fixture $F/$f (run build/tests/check_rrlog first)"; exit 1; }
done

# Text: header lines, then one event a line.
"$D" "$F/kinds.rr" >"$t/kinds.txt" || no "dump kinds.rr"
grep -q '^# rrlog version=2 tool="check_rrlog 1"$' "$t/kinds.txt" || no "header line"
grep -q '^# config="-m 128M --smp 2"$' "$t/kinds.txt" || no "config line"
grep -q '^# image role="kernel" path="/abs/Image" size=12345 sha256=6923dd1bc0460082c5d55a831908c24a282860b7f1cd6c2b79cf1bc8857c639c$' "$t/kinds.txt" || no "image line"
grep -q '^# meta icount-shift="0"$' "$t/kinds.txt" || no "meta line"
grep -qx 'icount=7000 kind=CHAR_READ dev=3 value=107 len=10 data=6c73202d6c0a22712200 text="ls -l\\n\\"q\\"\\x00"' "$t/kinds.txt" || no "CHAR_READ line"
grep -qx 'icount=9000 kind=NET dev=1 flags=109 len=6 data=ffffffffffff' "$t/kinds.txt" || no "NET line"
grep -qx 'icount=14000 kind=SNAPSHOT type=2 id=114 len=200000' "$t/kinds.txt" || no "SNAPSHOT line"
grep -qx 'icount=15000 kind=STATE_HASH component=3 hash=0xdeadbeefcafef00d' "$t/kinds.txt" || no "STATE_HASH line"
grep -qx 'icount=16000 kind=SHUTDOWN cause=guest-shutdown value=116' "$t/kinds.txt" || no "SHUTDOWN line"
grep -qx 'icount=13000 kind=CHECKPOINT checkpoint=init value=113' "$t/kinds.txt" || no "CHECKPOINT line"
[ "$(tail -n 1 "$t/kinds.txt")" = "icount=23000 kind=END" ] || no "END last"
[ "$(grep -c '^icount=' "$t/kinds.txt")" -eq 24 ] || no "kinds.rr event count"
"$D" --full "$F/kinds.rr" | grep '^icount=14000 ' | grep -q 'len=200000 data=000d1a' || no "--full data"

# mixed.rr: 50000 events + END; every line greppable.
"$D" "$F/mixed.rr" >"$t/mixed.txt" || no "dump mixed.rr"
[ "$(grep -c '^icount=[0-9]* kind=[A-Z_]*' "$t/mixed.txt")" -eq 50001 ] || no "mixed.rr has 50001 event lines"
"$D" --no-header "$F/mixed.rr" >"$t/nohdr.txt" || no "--no-header"
grep -v '^#' "$t/mixed.txt" | cmp -s - "$t/nohdr.txt" || no "--no-header differs"
# icount never decreases
awk -F'[ =]' '/^icount=/ { if ($2 < last) bad=1; last=$2 } END { exit bad }' "$t/mixed.txt" || no "icount order"

# stdin: same output
cat "$F/mixed.rr" | "$D" - >"$t/pipe.txt" || no "dump from a pipe"
cmp -s "$t/mixed.txt" "$t/pipe.txt" || no "pipe output differs"

# -k filter (case-insensitive, comma list)
"$D" --no-header -k char_read,NET "$F/mixed.rr" >"$t/k.txt" || no "-k"
n1=$(grep -c -e 'kind=CHAR_READ ' -e 'kind=NET ' "$t/mixed.txt")
[ "$(wc -l <"$t/k.txt")" -eq "$n1" ] && [ "$n1" -gt 0 ] || no "-k count"
grep -v -e 'kind=CHAR_READ ' -e 'kind=NET ' "$t/k.txt" | grep -q . && no "-k leaks other kinds"

# -A/-B window through the index, equal to an awk filter of the full dump.
# mixed.rr spans 25 event blocks (check_rrlog flushes it every 2000 events), so the
# window starts in block 9 and ends in block 14: the index is what finds it.
nblk=$("$D" --stats "$F/mixed.rr" | sed -n 's/^blocks read: \([0-9]*\),.*/\1/p')
[ "${nblk:-0}" -ge 20 ] || no "mixed.rr spans only ${nblk:-?} blocks (want >= 20)"
a=$(awk -F'[ =]' '/^icount=/ { n++; if (n == 20000) print $2 }' "$t/mixed.txt")
b=$(awk -F'[ =]' '/^icount=/ { n++; if (n == 30000) print $2 }' "$t/mixed.txt")
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || no "window bounds a=$a b=$b"
"$D" --no-header -A "$a" -B "$b" "$F/mixed.rr" >"$t/win.txt" || no "-A -B"
awk -F'[ =]' -v a="$a" -v b="$b" '/^icount=/ && $2 >= a && $2 <= b' "$t/mixed.txt" >"$t/win.want"
[ "$(wc -l <"$t/win.want")" -ge 10000 ] || no "expected window size"
cmp -s "$t/win.want" "$t/win.txt" || no "window differs"
[ "$(wc -l <"$t/win.txt")" -ge 10000 ] || no "window size"
head -n 1 "$t/win.txt" | grep -q "^icount=$a " || no "window starts at icount $a: $(head -n 1 "$t/win.txt")"
tail -n 1 "$t/win.txt" | grep -q "^icount=$b " || no "window ends at icount $b: $(tail -n 1 "$t/win.txt")"
# The window is read through the index, not by decoding from the start: with block 2's
# payload damaged the full dump fails, the window (blocks 9..14) is unchanged.
off=$(grep -obUa RBLK "$F/mixed.rr" | sed -n 3p | cut -d: -f1)
cp "$F/mixed.rr" "$t/dmg.rr"
o=$((off + 100)); v=$(od -An -tu1 -j "$o" -N 1 "$t/dmg.rr" | tr -d ' ')
printf "\\$(printf %o $(( (v + 1) % 256 )))" | dd of="$t/dmg.rr" bs=1 seek="$o" conv=notrunc 2>/dev/null
cmp -s "$t/dmg.rr" "$F/mixed.rr" && no "damaging block 2 changed nothing"
"$D" --no-header "$t/dmg.rr" >/dev/null 2>"$t/err" && no "a damaged block 2 goes unnoticed by a full dump"
grep -q "block 2 at offset $off: checksum mismatch" "$t/err" || no "damaged block 2: $(cat "$t/err")"
"$D" --no-header -A "$a" -B "$b" "$t/dmg.rr" 2>"$t/err" | cmp -s - "$t/win.txt" || no "window read blocks before it: $(cat "$t/err")"
cat "$F/mixed.rr" | "$D" --no-header -A "$a" -B "$b" - | cmp -s - "$t/win.txt" || no "window from a pipe"
"$D" --no-header -from 1e7 -to 2e7 "$F/mixed.rr" >"$t/win2.txt" || no "-from 1e7"
awk -F'[ =]' '/^icount=/ && $2 >= 10000000 && $2 <= 20000000' "$t/mixed.txt" | cmp -s - "$t/win2.txt" || no "float window"
"$D" --no-header -A 99999999999 "$F/mixed.rr" >"$t/none.txt" || no "-A past the end"
[ -s "$t/none.txt" ] && no "-A past the end prints nothing"

# JSON Lines
"$D" --json "$F/kinds.rr" >"$t/k.json" || no "--json"
[ "$(wc -l <"$t/k.json")" -eq 25 ] || no "json line count"
head -n 1 "$t/k.json" | grep -q '^{"header":{"format":"rrlog","version":2,"tool":"check_rrlog 1"' || no "json header"
grep -qx '{"icount":7000,"kind":"CHAR_READ","dev":3,"value":107,"len":10,"data":"6c73202d6c0a22712200","text":"ls -l\\n\\"q\\"\\u0000"}' "$t/k.json" || no "json CHAR_READ"
if command -v python3 >/dev/null 2>&1; then
	"$D" --json "$F/mixed.rr" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    o = json.loads(line)
    if "kind" in o: n += 1
sys.exit(0 if n == 50001 else 1)' || no "json does not parse"
fi

# --stats
"$D" --stats "$F/mixed.rr" >"$t/stats.txt" || no "--stats"
grep -q '^events: 50001$' "$t/stats.txt" || no "stats events"
grep -q 'compression ratio' "$t/stats.txt" || no "stats ratio"
grep -q '^INSN ' "$t/stats.txt" || no "stats by kind"
"$D" --stats --json "$F/mixed.rr" | grep -q '"events":50001' || no "stats json"

# --validate
"$D" --validate "$F/mixed.rr" >"$t/v.txt" || no "validate mixed.rr"
grep -q 'valid: rrlog log, 50001 events' "$t/v.txt" || no "validate message"
cat "$F/mixed.rr" | "$D" --validate - >/dev/null || no "validate from a pipe"

# zero-event log
"$D" --no-header "$F/zero.rr" >"$t/zero.txt" || no "dump zero.rr"
[ "$(cat "$t/zero.txt")" = "icount=0 kind=END" ] || no "zero.rr content"
"$D" --validate "$F/zero.rr" >/dev/null || no "validate zero.rr"

# usage
"$D" >/dev/null 2>&1; [ $? -eq 2 ] || no "no args exits 2"
"$D" --bogus "$F/zero.rr" >/dev/null 2>&1; [ $? -eq 2 ] || no "bad option exits 2"
"$D" -k NOPE "$F/zero.rr" >/dev/null 2>"$t/err"; [ $? -eq 2 ] || no "bad kind exits 2"
grep -q "unknown kind 'NOPE'" "$t/err" || no "bad kind message"
"$D" -A xyz "$F/zero.rr" >/dev/null 2>&1; [ $? -eq 2 ] || no "bad icount exits 2"
"$D" --help | grep -q '^usage: rr-dump' || no "--help"
"$D" -help | grep -q '^usage: rr-dump' || no "-help"
"$D" --version | grep -q '^rr-dump (rrkit) ' || no "--version"

[ $fail -eq 0 ] && echo "rrdump.sh: ok"
exit $fail
