#!/bin/sh
# rr-dump --plot: SVG and PNG timelines of the check_rrlog fixtures and of an rr-run
# recording that idles; valid files (magic, size, the SVG parses as XML), the window
# and kind filter, a truncated log (drawn, exit 1), an unwritable path (exit 1,
# nothing left), a bad log (exit 2, nothing written), usage.
set -u
BUILD=${BUILD:-$(pwd)/build}
TOP=${TOP:-$(pwd)}
D="$BUILD/rr-dump"
F="$BUILD/fixtures/rrlog"
G="$TOP/build/guest"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
no() { echo "FAIL: $*"; fail=1; }
for f in mixed.rr kinds.rr zero.rr killed.rr; do
	[ -f "$F/$f" ] || { echo "FAIL: missing fixture $F/$f (run build/tests/check_rrlog first)"; exit 1; }
done
size() { wc -c <"$1" | tr -d ' '; }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
svg_ok() { # file: parses as XML, an <svg> root
	head -c 200 "$1" | grep -q '<svg' || return 1
	command -v python3 >/dev/null 2>&1 || return 0
	python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); sys.exit(d.documentElement.tagName != "svg")' "$1"
}

# 1. SVG and PNG of a 50000-event log.
"$D" --plot "$t/m.svg" "$F/mixed.rr" >"$t/out" 2>"$t/err" || no "plot svg: $(cat "$t/err")"
[ -s "$t/out" ] && no "--plot printed on stdout"
svg_ok "$t/m.svg" || no "m.svg is not valid SVG"
[ "$(size "$t/m.svg")" -gt 20000 ] || no "m.svg is too small: $(size "$t/m.svg")"
"$D" --plot "$t/m.png" "$F/mixed.rr" || no "plot png"
is_png "$t/m.png" || no "m.png is not a PNG"
[ "$(size "$t/m.png")" -gt 10000 ] || no "m.png is too small: $(size "$t/m.png")"
"$D" -plot "$t/M.PNG" "$F/mixed.rr" && is_png "$t/M.PNG" || no "-plot, upper-case .PNG"
# -k: only the kinds asked for get a lane (a smaller picture).
"$D" --plot "$t/k.png" -k NET "$F/mixed.rr" || no "plot -k NET"
is_png "$t/k.png" && [ "$(size "$t/k.png")" -lt "$(size "$t/m.png")" ] || no "-k NET: one lane, a smaller picture"
"$D" --plot "$t/w.svg" -A 1e7 -B 2e7 "$F/mixed.rr" && svg_ok "$t/w.svg" || no "plot a window"
cat "$F/mixed.rr" | "$D" --plot "$t/p.png" - && is_png "$t/p.png" || no "plot from a pipe"
# Deterministic: the same log, the same picture.
"$D" --plot "$t/m2.png" "$F/mixed.rr" && cmp -s "$t/m.png" "$t/m2.png" || no "two plots of one log differ"

# 2. Small logs: every kind with a snapshot; no events at all.
"$D" --plot "$t/kinds.png" "$F/kinds.rr" && is_png "$t/kinds.png" || no "plot kinds.rr"
"$D" --plot "$t/zero.svg" "$F/zero.rr" && svg_ok "$t/zero.svg" || no "plot zero.rr"

# 3. A truncated log: the events read are drawn, the exit status is 1 as for a dump.
"$D" --plot "$t/kill.png" "$F/killed.rr" 2>"$t/err"
[ $? -eq 1 ] || no "truncated log: exit 1"
is_png "$t/kill.png" || no "truncated log: no picture"
grep -q "killed.rr: truncated" "$t/err" || no "truncated log message: $(cat "$t/err")"

# 4. Unwritable: exit 1, a message naming OUT, nothing left behind.
mkdir "$t/w"
"$D" --plot "$t/w/nodir/x.svg" "$F/mixed.rr" 2>"$t/err"
[ $? -eq 1 ] || no "missing directory: exit 1"
grep -q "^rr-dump: $t/w/nodir/x.svg: cannot create: " "$t/err" || no "missing directory message: $(cat "$t/err")"
echo x >"$t/w/file"
"$D" --plot "$t/w/file/x.png" "$F/mixed.rr" 2>/dev/null
[ $? -eq 1 ] || no "a file as directory: exit 1"
mkdir "$t/w/dir.svg"
"$D" --plot "$t/w/dir.svg" "$F/mixed.rr" 2>"$t/err"
[ $? -eq 1 ] || no "a directory as OUT: exit 1"
[ "$(ls -A "$t/w" | tr '\n' ' ')" = "dir.svg file " ] || no "left behind: $(ls -A "$t/w")"
[ -z "$(ls -A "$t/w/dir.svg")" ] || no "wrote into the directory"

# 5. A bad log: exit 2, nothing written.
echo "not a log" >"$t/bad.rr"
"$D" --plot "$t/bad.svg" "$t/bad.rr" 2>"$t/err"
[ $? -eq 2 ] || no "not a log: exit 2"
[ -e "$t/bad.svg" ] && no "not a log: a picture was written"
grep -q "bad.rr: not a log" "$t/err" || no "not a log message: $(cat "$t/err")"
"$D" --plot "$t/none.svg" "$t/nope.rr" 2>/dev/null
[ $? -eq 2 ] || no "missing log: exit 2"
[ -e "$t/none.svg" ] && no "missing log: a picture was written"

# 6. Usage: a name that is neither .svg nor .png, options that do not mix.
"$D" --plot "$t/x.jpg" "$F/mixed.rr" 2>"$t/err"
[ $? -eq 2 ] && grep -q "must end in .svg or .png" "$t/err" || no ".jpg: $(cat "$t/err")"
[ -e "$t/x.jpg" ] && no ".jpg written"
"$D" --plot "$t/x.svg" --json "$F/mixed.rr" 2>/dev/null; [ $? -eq 2 ] || no "--plot --json: exit 2"
"$D" --plot "$t/x.svg" --validate "$F/mixed.rr" 2>/dev/null; [ $? -eq 2 ] || no "--plot --validate: exit 2"
"$D" --plot "$t/x.svg" --stats "$F/mixed.rr" 2>/dev/null; [ $? -eq 2 ] || no "--plot --stats: exit 2"
"$D" --help | grep -q -- '--plot OUT' || no "--help lists --plot"
grep -q 'Fl -plot' "$TOP/man/rr-dump.1" || no "man/rr-dump.1 lacks --plot"
# Every option in --help is in the man page.
for o in $("$D" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q "Fl -${o#--}" "$TOP/man/rr-dump.1" || no "man/rr-dump.1 lacks $o"
done

# 7. An rr-run recording whose guest idles (waiting for console input): drawn.
if [ -x "$BUILD/rr-run" ] && [ -f "$G/rr_echo.elf" ]; then
	(sleep 0.3; printf '5\n'; sleep 0.3; printf 'hello') | timeout 60 "$BUILD/rr-run" -q -w "$t/echo.rr" \
		--hash-interval 20000 --bios none "$G/rr_echo.elf" >/dev/null 2>&1 || no "record rr_echo"
	"$D" --plot "$t/echo.png" "$t/echo.rr" && is_png "$t/echo.png" || no "plot the rr_echo recording"
	"$D" --plot "$t/echo.svg" "$t/echo.rr" && svg_ok "$t/echo.svg" || no "plot the rr_echo recording (svg)"
else
	no "no rr-run or $G/rr_echo.elf (make guest-tests)"
fi

[ $fail -eq 0 ] && echo "rrdump-plot.sh: ok"
exit $fail
