#!/bin/sh
# rr-dump on bad input: empty file, garbage, a log truncated inside a block, a flipped
# bit, a header from a future version, a writer killed with SIGKILL (no footer), a
# truncated log through a pipe, a missing file.  Each must give a clear message, the
# documented exit code (1 truncated/invalid, 2 unreadable/not a log), and the valid
# prefix of a truncated log must still be dumped.
set -u
BUILD=${BUILD:-$(pwd)/build}
D="$BUILD/rr-dump"
F="$BUILD/fixtures/rrlog"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
no() { echo "FAIL: $*"; fail=1; }
[ -f "$F/mixed.rr" ] && [ -f "$F/killed.rr" ] || { echo "FAIL: fixtures missing in $F"; exit 1; }

# expect CODE PATTERN ARGS...: runs rr-dump ARGS, checks exit code and stderr.
expect() {
	code=$1 pat=$2
	shift 2
	"$D" "$@" >"$t/out" 2>"$t/err"
	rc=$?
	[ $rc -eq "$code" ] || no "rr-dump $*: exit $rc, expected $code ($(cat "$t/err"))"
	grep -q -e "$pat" "$t/err" || no "rr-dump $*: stderr lacks '$pat': $(cat "$t/err")"
	grep -q -i -e "sanitizer" -e "runtime error" "$t/err" && no "rr-dump $*: sanitizer report"
	return 0
}
# put_byte FILE OFFSET VALUE: overwrite one byte (decimal value).
put_byte() {
	printf "\\$(printf %o "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
get_byte() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' '; }

"$D" --no-header "$F/mixed.rr" >"$t/full.txt" || no "dump mixed.rr"
size=$(wc -c <"$F/mixed.rr")

# empty file
: >"$t/empty"
expect 2 "empty file" "$t/empty"
expect 2 "empty file" --validate "$t/empty"
# garbage
printf 'this is not a log\n' >"$t/garbage"
expect 2 "not a log" "$t/garbage"
expect 2 "not a log" --validate "$t/garbage"
head -c 100000 /dev/urandom >"$t/random"
expect 2 "not a log" "$t/random"
# missing file, a directory
expect 2 "No such file" "$t/nope"
expect 2 "Is a directory" "$t"

# truncated inside a block: exit 1, says so, the valid prefix is printed first.
# mixed.rr holds 25 blocks of 2000 events (see check_rrlog): cut in the middle of the
# file, the prefix is every complete block before the cut, a whole number of blocks.
[ "$(grep -c '^icount=' "$t/full.txt")" -eq 50001 ] || no "mixed.rr event count"
head -c $((size / 2)) "$F/mixed.rr" >"$t/trunc.rr"
expect 1 "truncated" "$t/trunc.rr"
n=$(grep -c '^icount=' "$t/out")
grep -v '^#' "$t/out" >"$t/pfx"
[ "$n" -ge 10000 ] && [ "$n" -le 40000 ] && [ $((n % 2000)) -eq 0 ] ||
	no "truncated prefix: $n events, want the complete 2000-event blocks of half the log"
head -n "$n" "$t/full.txt" | cmp -s - "$t/pfx" || no "truncated prefix differs"
expect 1 "truncated at offset" --validate "$t/trunc.rr"
grep -q "($n good events before it)" "$t/err" || no "validate counts $n good events: $(cat "$t/err")"
# the same through a pipe
head -c $((size / 2)) "$F/mixed.rr" | "$D" --no-header - >"$t/pout" 2>"$t/perr"
[ $? -eq 1 ] || no "truncated pipe exit"
grep -q truncated "$t/perr" || no "truncated pipe message"
cmp -s "$t/pout" "$t/pfx" || no "truncated pipe prefix differs"
# truncated inside the index block (the last 1000 bytes): every event through END is
# still read; validation reports the torn index; a window still finds its events.
head -c $((size - 1000)) "$F/mixed.rr" >"$t/tidx.rr"
"$D" --no-header "$t/tidx.rr" 2>"$t/err" | cmp -s - "$t/full.txt" || no "log without its index: events differ ($(cat "$t/err"))"
expect 1 "truncated at offset" --validate "$t/tidx.rr"
grep -q "(50001 good events before it)" "$t/err" || no "torn index: $(cat "$t/err")"
mid=$(sed -n '37000p' "$t/full.txt" | sed 's/^icount=\([0-9]*\).*/\1/')
"$D" --no-header -A "$mid" -B "$mid" "$t/tidx.rr" 2>/dev/null | grep -q "^icount=$mid " || no "window on a log without its index"
# truncated inside the header
head -c 20 "$F/mixed.rr" >"$t/hdr.rr"
expect 1 "header truncated" "$t/hdr.rr"

# a flipped bit in the middle of a block payload: invalid, never misread
cp "$F/mixed.rr" "$t/flip.rr"
off=$((size / 2))
v=$(get_byte "$t/flip.rr" $off)
put_byte "$t/flip.rr" $off $(( (v + 1) % 256 ))
expect 1 "checksum mismatch" "$t/flip.rr"
expect 1 "invalid at offset" --validate "$t/flip.rr"
# a flipped bit in the footer: events read fine, validation fails
cp "$F/mixed.rr" "$t/flipf.rr"
v=$(get_byte "$t/flipf.rr" $((size - 3)))
put_byte "$t/flipf.rr" $((size - 3)) $(( v ^ 4 ))
"$D" "$t/flipf.rr" >/dev/null 2>&1 || no "footer flip breaks reading"
expect 1 "bad footer" --validate "$t/flipf.rr"

# a header from a future version
cp "$F/mixed.rr" "$t/future.rr"
put_byte "$t/future.rr" 8 3
expect 2 "log format version 3; this reader knows 1..2" "$t/future.rr"
expect 2 "version 3" --validate "$t/future.rr"
# a QEMU log of a version we do not know
printf '\000\340\040\015\000\000\000\000\000\000\000\000\047' >"$t/q13"
expect 2 "QEMU replay log version 0xe0200d" "$t/q13"

# a writer killed with SIGKILL: no END, no footer; flushed events all readable
expect 1 "without an END event" "$F/killed.rr"
[ "$(grep -c '^icount=' "$t/out")" -ge 20000 ] || no "killed.rr: flushed events missing"
# its index is rebuilt by scanning: a window in the middle still works
mid=$(grep '^icount=' "$t/out" | sed -n '15000p' | sed 's/^icount=\([0-9]*\).*/\1/')
expect 1 "truncated" --validate "$F/killed.rr"
"$D" --no-header -A "$mid" -B "$mid" "$F/killed.rr" >"$t/w" 2>/dev/null
[ $? -eq 0 ] || no "window on killed.rr"
grep -q "^icount=$mid " "$t/w" || no "window on killed.rr content"

[ $fail -eq 0 ] && echo "rrdump_bad.sh: ok"
exit $fail
