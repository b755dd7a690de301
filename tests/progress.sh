#!/bin/sh
# Progress on stderr, only when stderr is a terminal (here a pty from script(1)),
# never in pipes or files, silenced by -q: rr-run -r (instructions done of the
# log's total, rate, time left), rr-dump --validate and --stats (bytes of the
# file), rr-diff (bytes of A; --replay: instructions compared), rr-cut
# (instructions replayed), rr-merge (bytes of the segments). The
# work's results are the same with and without it. RRKIT_PROGRESS_INTERVAL=0
# draws at every step, so that these short runs show it.
. "$TOP/tests/lib/common.sh"
command -v script >/dev/null || { echo "SKIP: no script(1) (bsdutils)"; exit 77; }
export RRKIT_PROGRESS_INTERVAL=0
record_inputs "$T/a.rr" "progress line" >"$T/rec.out" || bad "record"
# tty CMD...: run CMD with stdin, stdout and stderr on a pty; what it wrote, \r as newlines
tty() { script -qec "$*" /dev/null </dev/null 2>&1 | tr '\r' '\n' | sed "s/$(printf '\033')\[K//g"; }
has() { printf '%s\n' "$2" | grep -Eq -- "$3" && ok "$1" || bad "$1: no /$3/ in: $(printf '%s' "$2" | tail -c 600)"; }
hasnt() { printf '%s\n' "$2" | grep -Eq -- "$3" && bad "$1: /$3/ in: $(printf '%s' "$2" | tail -c 300)" || ok "$1"; }
N='[0-9.]+[kMGT]?'

# rr-run -r
out=$(tty "$B/rr-run" -r "$T/a.rr")
has "rr-run -r on a terminal: instructions done of the log's total, rate, time left" "$out" \
	"^rr-run: replay: $N of $N instructions \([0-9]+%\), $N/s(, [0-9]+ s left)?"
has "... and the replay's own output" "$out" "serial line='progress line'"
has "... and its summary" "$out" "^rr-run: replayed [0-9]+ instructions"
"$B/rr-run" -r "$T/a.rr" >"$T/rep.out" 2>"$T/rep.err"
st_is $? 0 "rr-run -r with stderr in a file"
grep -q 'replay:' "$T/rep.err" && bad "progress in a file: $(cat "$T/rep.err")" || ok "no progress when stderr is a file"
grep -q "$(printf '\r')" "$T/rep.err" && bad "a carriage return in stderr" || ok "no carriage return in the file"
cmp -s "$T/rec.out" "$T/rep.out" && ok "the replay prints what the recording printed" || bad "replay output"
# the slices of a replay on a terminal change nothing: the same output as the file run
printf '%s\n' "$out" | grep -v '^rr-run: ' | grep -v '^$' >"$T/tty.out"
grep -v '^$' "$T/rep.out" | cmp -s - "$T/tty.out" && ok "the terminal replay prints the same" ||
	bad "terminal replay output: $(diff "$T/rep.out" "$T/tty.out" | head -5)"
hasnt "rr-run -q -r: no progress" "$(tty "$B/rr-run" -q -r "$T/a.rr")" "replay:"
hasnt "rr-run -r in a pipe: no progress" "$(tty "$B/rr-run" -r "$T/a.rr" "2>&1 | cat")" "replay:"

# rr-dump --validate: through the progress reader on a terminal, with the same verdicts
out=$(tty "$B/rr-dump" --validate "$T/a.rr")
has "rr-dump --validate: bytes done of the file's size" "$out" "^rr-dump: validate: $N of $N bytes \([0-9]+%\)"
has "... and the verdict" "$out" "^$T/a.rr: valid: rrlog log"
[ -z "$(tty "$B/rr-dump" -q --validate "$T/a.rr")" ] && ok "rr-dump -q --validate prints nothing" || bad "-q --validate prints"
script -qec "$B/rr-dump -q --validate $T/a.rr" /dev/null </dev/null >/dev/null
st_is $? 0 "rr-dump -q --validate: exit 0 for a valid log"
size=$(wc -c <"$T/a.rr")
head -c $((size * 2 / 3)) "$T/a.rr" >"$T/cut.rr"
"$B/rr-dump" --validate "$T/cut.rr" >/dev/null 2>"$T/v.err"; want=$?
out=$(script -qec "$B/rr-dump --validate $T/cut.rr" /dev/null </dev/null 2>&1 | tr '\r' '\n' |
	sed "s/$(printf '\033')\[K//g"; script -qec "$B/rr-dump --validate $T/cut.rr" /dev/null </dev/null >/dev/null 2>&1
	echo "exit=$?")
has "a truncated log on a terminal: the same message" "$out" "^$(sed 's/[][\.*^$()+?{}|]/\\&/g' "$T/v.err")"
has "... and the same exit status ($want)" "$out" "exit=$want"
has "rr-dump --stats: progress" "$(tty "$B/rr-dump" --stats "$T/a.rr")" "^rr-dump: stats: $N of $N bytes"
hasnt "rr-dump -q --stats: none" "$(tty "$B/rr-dump" -q --stats "$T/a.rr")" "stats: $N of"

# rr-diff, rr-cut, rr-merge
cp "$T/a.rr" "$T/b.rr"
has "rr-diff: progress" "$(tty "$B/rr-diff" "$T/a.rr" "$T/b.rr")" "^rr-diff: compare: $N of $N bytes of A"
has "rr-diff --replay: instructions compared of the common span" "$(tty "$B/rr-diff" --replay "$T/a.rr" "$T/b.rr")" \
	"^rr-diff: comparing the replays: $N of $N instructions \([0-9]+%\)"
hasnt "rr-diff -q --replay: none" "$(tty "$B/rr-diff" -q --replay "$T/a.rr" "$T/b.rr")" "comparing"
has "rr-cut: instructions replayed of the windows' span" "$(tty "$B/rr-cut" -c 400000 "$T/a.rr" "$T/seg.rr")" \
	"^rr-cut: cutting: $N of $N instructions \([0-9]+%\)"
"$B/rr-cut" -c 400000 "$T/a.rr" "$T/pseg.rr" 2>/dev/null
same=1
for f in "$T"/seg-*.rr; do cmp -s "$f" "$T/p${f##*/}" || same=0; done
[ $same = 1 ] && ok "rr-cut's segments are the same bytes with progress (a pty) and without" \
	|| bad "rr-cut segments differ with progress"
has "rr-merge: bytes of the segments read" "$(tty "$B/rr-merge" -o "$T/m.rr" "$T"/seg-*.rr)" \
	"^rr-merge: joining: $N of $N bytes \(100%\)"
hasnt "rr-merge -q: none" "$(tty "$B/rr-merge" -q -o "$T/m2.rr" "$T"/seg-*.rr)" "joining"
"$B/rr-run" -q -r "$T/m.rr" </dev/null | cmp -s - "$T/rec.out" && ok "the joined recording replays" || bad "merged replay"
exit $fail
