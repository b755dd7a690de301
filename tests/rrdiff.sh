#!/bin/sh
# rr-diff over logs written by tests/check_rrlog ($BUILD/fixtures/rrlog), copies damaged
# by tests/tools/rrlog-tamper, and rr-run recordings of bare-metal guests: the same logs,
# a changed, a dropped and an added event, headers, truncated, corrupt and missing
# logs, --ignore, -C, --json, -q, stdin, usage.  Exit status as diff(1): 0 1 2.
set -u
BUILD=${BUILD:-$(pwd)/build}
TOP=${TOP:-$(pwd)}
D="$BUILD/rr-diff"
DUMP="$BUILD/rr-dump"
TAMPER="$BUILD/tests/tools/rrlog-tamper"
RUN="$BUILD/rr-run"
G="$TOP/build/guest"
F="$BUILD/fixtures/rrlog"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
no() { echo "FAIL: $*"; fail=1; }
st() { # want what command...: runs it, output in $t/out and $t/err
	want=$1 what=$2; shift 2
	"$@" >"$t/out" 2>"$t/err"
	got=$?
	[ "$got" -eq "$want" ] || no "$what: exit $got, want $want: $(head -c 300 "$t/err")"
}
for f in mixed.rr kinds.rr zero.rr killed.rr; do
	[ -f "$F/$f" ] || { echo "FAIL: missing fixture $F/$f (run build/tests/check_rrlog first)"; exit 1; }
done
[ -x "$D" ] && [ -x "$TAMPER" ] || { echo "FAIL: no $D or $TAMPER"; exit 1; }
M="$F/mixed.rr"
# The icount of the Nth event of a kind, from rr-dump.
nth() { "$DUMP" --no-header -k "$1" "$M" | sed -n "${2}p" | sed 's/^icount=\([0-9]*\) .*/\1/'; }

# 1. The same log, and a copy of it: exit 0, nothing printed.
st 0 "a log against itself" "$D" "$M" "$M"
[ -s "$t/out" ] && no "same logs print: $(head -3 "$t/out")"
cp "$M" "$t/copy.rr"
st 0 "a log against its copy" "$D" "$M" "$t/copy.rr"
st 0 "zero-event logs" "$D" "$F/zero.rr" "$F/zero.rr"

# 2. One changed event: exit 1, the summary names its icount and kind and the fields.
"$TAMPER" change CHAR_READ:5 "$M" "$t/ch.rr" || no "tamper change"
ic=$(nth CHAR_READ 5)
st 1 "changed CHAR_READ" "$D" "$M" "$t/ch.rr"
head -n 1 "$t/out" | grep -qx "difference event=[0-9]* icount=$ic kind=CHAR_READ what=changed fields=value,data" \
	|| no "changed summary: $(head -n 1 "$t/out") (want icount=$ic)"
grep -q "^< icount=$ic kind=CHAR_READ " "$t/out" || no "changed: no < line"
grep -q "^> icount=$ic kind=CHAR_READ dev=0 value=1 " "$t/out" || no "changed: no > line"
grep -qx -- '---' "$t/out" || no "changed: no --- separator"
# -C: 3 common lines before by default, 1 with -C 1, none with -C 0.
[ "$(grep -c '^  icount=' "$t/out")" -eq 3 ] || no "default context is not 3 events"
[ "$(grep -c '^< ' "$t/out")" -eq 4 ] || no "default: 4 events of A (the difference and 3 after)"
st 1 "-C 1" "$D" -C 1 "$M" "$t/ch.rr"
[ "$(grep -c '^  icount=' "$t/out")" -eq 1 ] && [ "$(grep -c '^> ' "$t/out")" -eq 2 ] || no "-C 1: $(cat "$t/out")"
st 1 "-C0" "$D" -C0 "$M" "$t/ch.rr"
[ "$(wc -l <"$t/out")" -eq 4 ] || no "-C0: summary, <, ---, >: $(cat "$t/out")"
# The common context lines are exactly rr-dump's lines before the event.
n=$(head -n 1 "$t/out" | sed 's/.*event=\([0-9]*\).*/\1/')
st 1 "-C 5" "$D" -C 5 "$M" "$t/ch.rr"
"$DUMP" --no-header "$M" | sed -n "$((n - 5)),$((n - 1))p" | sed 's/^/  /' >"$t/ctx.want"
grep '^  ' "$t/out" | cmp -s - "$t/ctx.want" || no "context lines are not rr-dump's: $(grep '^  ' "$t/out" | head -2)"
"$DUMP" --no-header "$M" | sed -n "${n}p" | sed 's/^/< /' >"$t/a.want"
grep '^< ' "$t/out" | head -n 1 | cmp -s - "$t/a.want" || no "A's line is not rr-dump's"
# The last event of a kind, far into the log (another block).
"$TAMPER" change RANDOM:last "$M" "$t/chl.rr" || no "tamper change RANDOM:last"
ic=$("$DUMP" --no-header -k RANDOM "$M" | tail -n 1 | sed 's/^icount=\([0-9]*\) .*/\1/')
st 1 "changed last RANDOM" "$D" "$M" "$t/chl.rr"
head -n 1 "$t/out" | grep -q "icount=$ic kind=RANDOM what=changed" || no "last RANDOM: $(head -n 1 "$t/out")"

# 3. A dropped event: only in A; the other way round, only in B.
"$TAMPER" drop NET:3 "$M" "$t/dr.rr" || no "tamper drop"
ic=$(nth NET 3)
st 1 "dropped NET" "$D" "$M" "$t/dr.rr"
head -n 1 "$t/out" | grep -q "icount=$ic kind=NET what=only-in-a\$" || no "dropped: $(head -n 1 "$t/out") (want $ic)"
st 1 "added NET" "$D" "$t/dr.rr" "$M"
head -n 1 "$t/out" | grep -q "icount=$ic kind=NET what=only-in-b\$" || no "added: $(head -n 1 "$t/out")"

# 4. --ignore: a changed STATE_HASH is no difference when STATE_HASH is ignored.
"$TAMPER" change STATE_HASH:2 "$M" "$t/sh.rr" || no "tamper STATE_HASH"
st 1 "changed STATE_HASH" "$D" -q "$M" "$t/sh.rr"
st 0 "--ignore STATE_HASH" "$D" --ignore STATE_HASH "$M" "$t/sh.rr"
st 0 "--ignore list" "$D" --ignore snapshot,state_hash "$M" "$t/sh.rr"
st 0 "--ignore repeated" "$D" --ignore SNAPSHOT --ignore STATE_HASH "$M" "$t/sh.rr"
st 1 "--ignore another kind" "$D" -q --ignore NET "$M" "$t/sh.rr"
st 2 "--ignore unknown kind" "$D" --ignore NOPE "$M" "$M"
grep -q "unknown kind 'NOPE'" "$t/err" || no "--ignore NOPE: $(cat "$t/err")"
st 2 "--ignore END" "$D" --ignore END "$M" "$M"

# 5. Truncated: a log cut in half is a prefix of the whole: a difference at its end.
size=$(wc -c <"$M")
head -c $((size / 2)) "$M" >"$t/half.rr"
good=$("$DUMP" --no-header "$t/half.rr" 2>/dev/null | wc -l)
next=$("$DUMP" --no-header "$M" | sed -n "$((good + 1))p" | sed 's/^icount=\([0-9]*\) kind=\([A-Z_]*\).*/icount=\1 kind=\2/')
st 1 "truncated B" "$D" "$M" "$t/half.rr"
head -n 1 "$t/out" | grep -q "^difference event=$((good + 1)) $next what=b-truncated reason=\".*truncated" \
	|| no "truncated B: $(head -n 1 "$t/out") (want event $((good + 1)) $next)"
grep -q '^> # truncated: ' "$t/out" || no "truncated B: no '> # truncated' line"
st 1 "truncated A" "$D" "$t/half.rr" "$M"
head -n 1 "$t/out" | grep -q "what=a-truncated" || no "truncated A: $(head -n 1 "$t/out")"
st 0 "the same truncated log twice" "$D" "$t/half.rr" "$t/half.rr"
grep -q "both logs are truncated after the same $good events" "$t/err" || no "both truncated: $(cat "$t/err")"
# killed.rr (writer killed: no END, a torn tail) against itself: the same as far as it goes.
st 0 "killed.rr against itself" "$D" "$F/killed.rr" "$F/killed.rr"

# 6. Corrupt, missing, not a log: exit 2, "rr-diff: FILE: message".
off=$(grep -obUa RBLK "$M" | sed -n 6p | cut -d: -f1)
cp "$M" "$t/dmg.rr"
printf 'XXXX' | dd of="$t/dmg.rr" bs=1 seek=$((off + 80)) conv=notrunc 2>/dev/null
st 2 "corrupt B" "$D" "$M" "$t/dmg.rr"
grep -q "^rr-diff: $t/dmg.rr: corrupt: block 5 at offset $off: checksum mismatch" "$t/err" || no "corrupt: $(cat "$t/err")"
st 2 "corrupt A, -q" "$D" -q "$t/dmg.rr" "$M"
grep -q "^rr-diff: $t/dmg.rr: corrupt" "$t/err" || no "corrupt A: $(cat "$t/err")"
st 2 "missing" "$D" "$M" "$t/nope.rr"
grep -q "^rr-diff: $t/nope.rr: .*No such file" "$t/err" || no "missing: $(cat "$t/err")"
echo "hello" >"$t/text"
st 2 "not a log" "$D" "$t/text" "$M"
grep -q "^rr-diff: $t/text: not a log" "$t/err" || no "not a log: $(cat "$t/err")"
head -c 20 "$M" >"$t/stub.rr"
st 2 "torn header" "$D" "$M" "$t/stub.rr"
grep -q "^rr-diff: $t/stub.rr: " "$t/err" || no "torn header: $(cat "$t/err")"

# 7. Headers: reported first, then the events; --ignore-header skips them.
st 1 "different headers" "$D" "$F/zero.rr" "$F/kinds.rr"
head -n 1 "$t/out" | grep -qx 'header field=tool' || no "header first: $(head -n 1 "$t/out")"
grep -qx '> # config="-m 128M --smp 2"' "$t/out" || no "config line"
grep -qx 'header field=image role="kernel"' "$t/out" || no "image line"
grep -qx 'header field=meta key="smp"' "$t/out" || no "meta line"
grep -q '^difference event=1 icount=0 what=a-ended' "$t/out" || no "events after the header: $(grep ^difference "$t/out")"
st 1 "--ignore-header" "$D" --ignore-header "$F/zero.rr" "$F/kinds.rr"
grep -q '^header' "$t/out" && no "--ignore-header printed the header"

# 8. --json: every line parses; -q prints nothing.
st 1 "--json" "$D" --json "$M" "$t/ch.rr"
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
d = lines[0]["difference"]
assert d["what"] == "changed" and d["kind"] == "CHAR_READ" and d["fields"] == ["value", "data"], d
assert d["icount"] == int(sys.argv[2]), d
sides = [l["side"] for l in lines[1:]]
assert sides == ["both"] * 3 + ["a"] * 4 + ["b"] * 4, sides
' "$t/out" "$(nth CHAR_READ 5)" || no "--json changed"
	"$D" --json "$F/zero.rr" "$F/kinds.rr" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert lines[0]["header"]["field"] == "tool", lines[0]
assert any("difference" in l for l in lines)' || no "--json headers"
	"$D" --json "$M" "$t/half.rr" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert lines[0]["difference"]["what"] == "b-truncated"
assert any(l.get("stop") == "truncated" for l in lines)' || no "--json truncated"
fi
st 1 "-q" "$D" -q "$M" "$t/ch.rr"
[ -s "$t/out" ] || [ -s "$t/err" ] && no "-q printed something"
st 0 "-q same" "$D" -q "$M" "$M"
[ -s "$t/out" ] && no "-q printed something"
st 1 "-quiet" "$D" -quiet "$M" "$t/dr.rr"

# 9. Standard input, on either side.
st 1 "stdin A" sh -c "cat '$M' | '$D' - '$t/ch.rr'"
head -n 1 "$t/out" | grep -q "kind=CHAR_READ what=changed" || no "stdin A: $(head -n 1 "$t/out")"
st 0 "stdin B" sh -c "cat '$M' | '$D' '$M' -"
st 2 "both stdin" "$D" - -

# 10. Usage, help, version (--replay: tests/rrdiff-replay.sh).
st 2 "no arguments" "$D"
st 2 "one argument" "$D" "$M"
st 2 "three arguments" "$D" "$M" "$M" "$M"
st 2 "bad option" "$D" --bogus "$M" "$M"
st 2 "bad -C" "$D" -C x "$M" "$M"
st 2 "--replay on a file that is not a recording" "$D" --replay "$M" "$M"
"$D" --help | grep -q '^usage: rr-diff' || no "--help"
"$D" -h | grep -q '^usage: rr-diff' || no "-h"
"$D" --version | grep -q '^rr-diff (rrkit) ' || no "--version"
# Every option in --help is in the man page.
if [ -f "$TOP/man/rr-diff.1" ]; then
	for o in $("$D" --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q "Fl -${o#--}" "$TOP/man/rr-diff.1" || no "man/rr-diff.1 lacks $o"
	done
else
	no "no man/rr-diff.1"
fi

# 11. rr-run recordings of bare-metal guests.
if [ -x "$RUN" ] && [ -f "$G/rr_inputs.elf" ] && [ -f "$G/hello.elf" ]; then
	cp "$G/hello.elf" "$t/h1.elf"; cp "$G/hello.elf" "$t/h2.elf"; cp "$G/hello.elf" "$t/h3.elf"
	printf 'x' >>"$t/h3.elf"
	for n in 1 2 3; do
		timeout 60 "$RUN" -q -w "$t/h$n.rr" --bios none "$t/h$n.elf" </dev/null >/dev/null 2>&1 || no "record hello $n"
	done
	# The same program at another path: only the config differs.
	st 1 "hello at two paths" "$D" "$t/h1.rr" "$t/h2.rr"
	[ "$(grep -c '^header field=' "$t/out")" -eq 1 ] && grep -qx 'header field=config' "$t/out" || no "hello paths: $(cat "$t/out")"
	grep -q '^difference' "$t/out" && no "hello paths: the events differ"
	st 0 "hello, --ignore-header" "$D" --ignore-header "$t/h1.rr" "$t/h2.rr"
	# A changed program: the image differs (size and hash).
	st 1 "changed program" "$D" "$t/h1.rr" "$t/h3.rr"
	grep -qx 'header field=image role="kernel"' "$t/out" || no "changed program: $(cat "$t/out")"
	# Two recordings of one scenario: the first input that differs is the RTC's time.
	head -c 65536 /dev/urandom >"$t/disk.img"
	for n in 1 2; do
		echo "typed line 42" | timeout 60 "$RUN" -q -w "$t/r$n.rr" --hash-interval 20000 --bios none \
			--drive "$t/disk.img" --net user "$G/rr_inputs.elf" >/dev/null 2>&1 || no "record rr_inputs $n"
	done
	st 0 "a recording against itself" "$D" "$t/r1.rr" "$t/r1.rr"
	st 1 "two recordings of one scenario" "$D" "$t/r1.rr" "$t/r2.rr"
	grep -q '^header' "$t/out" && no "one scenario: the headers differ: $(cat "$t/out")"
	# (on a loaded host the typed line may come at another icount first)
	head -n 1 "$t/out" | grep -q -e ' kind=CLOCK_VRT what=changed fields=value$' \
		-e ' what=differ a_kind=[A-Z_]* a_icount=[0-9]* b_kind=[A-Z_]* b_icount=[0-9]*$' \
		|| no "one scenario: $(head -n 1 "$t/out")"
	# Tampered copies: the event tampered with is the difference.
	"$TAMPER" drop BLOCK:2 "$t/r1.rr" "$t/rb.rr" || no "tamper BLOCK"
	ic=$("$DUMP" --no-header -k BLOCK "$t/r1.rr" | sed -n 2p | sed 's/^icount=\([0-9]*\) .*/\1/')
	st 1 "dropped BLOCK" "$D" "$t/r1.rr" "$t/rb.rr"
	head -n 1 "$t/out" | grep -q "icount=$ic kind=BLOCK what=only-in-a" || no "dropped BLOCK: $(head -n 1 "$t/out")"
	"$TAMPER" change NET "$t/r1.rr" "$t/rn.rr" || no "tamper NET"
	st 1 "changed NET" "$D" --json "$t/r1.rr" "$t/rn.rr"
	grep -q '^{"difference":{"event":[0-9]*,"icount":[0-9]*,"kind":"NET","what":"changed","fields":\["value","data"\]}}$' "$t/out" \
		|| no "changed NET json: $(head -n 1 "$t/out")"
	st 1 "r1 against r2 -q" "$D" -q "$t/r1.rr" "$t/r2.rr"
	[ -s "$t/out" ] && no "-q printed"
	st 0 "ignoring what differs between two recordings" "$D" --ignore CLOCK_VRT,RANDOM,STATE_HASH "$t/r1.rr" "$t/r1.rr"
else
	no "no rr-run or bare-metal guests in $G (make guest-tests)"
fi

[ $fail -eq 0 ] && echo "rrdiff.sh: ok"
exit $fail
