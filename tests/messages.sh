#!/bin/sh
# One voice for all five tools (bin/common/msg.h): errors are "PROG: FILE: message"
# or "PROG: message" on stderr, usage errors add "Try 'PROG --help'." and exit 2,
# a missing or unreadable input is bad input (exit 2) everywhere, nothing is ever
# prefixed with the path the tool was started by.
. "$TOP/tests/lib/common.sh"
cd "$B" || exit 1
# err WANT-STATUS WANT-FIRST-LINE(regex) TOOL ARGS...: run ./TOOL (argv[0] a path)
err() {
	want=$1 line=$2 t=$3; shift 3
	"./$t" "$@" </dev/null >/dev/null 2>"$T/err"
	st=$?
	first=$(head -n 1 "$T/err")
	[ $st = "$want" ] && printf '%s\n' "$first" | grep -Eq -- "^$line\$" &&
		! grep -v "^$t: " "$T/err" | grep -vqx "Try '$t --help'\." &&
		ok "$t $*: exit $st, $first" || bad "$t $*: exit $st (want $want): $(cat "$T/err")"
}
x=$T/nonexistent.rr
for t in rr-run rr-dump rr-diff rr-cut rr-merge; do
	err 2 "$t: --bogus: unknown option( .*)?" $t --bogus a b
	[ "$(tail -n 1 "$T/err")" = "Try '$t --help'." ] || bad "$t --bogus: no Try line"
	"./$t" --version | grep -Eqx "$t \(rrkit\) [0-9]+\.[0-9]+\.[0-9]+" && ok "$t --version" || bad "$t --version"
	"./$t" --help | head -n 1 | grep -q "^usage: $t " && ok "$t --help on stdout" || bad "$t --help"
done
err 2 "rr-dump: -z: unknown option" rr-dump -z a
err 2 "rr-dump: -A: needs an argument" rr-dump -A
err 2 "rr-cut: -A: needs an argument" rr-cut -A
err 2 "rr-diff: -C: needs an argument" rr-diff -C
err 2 "rr-run: -drive: needs an argument" rr-run -drive
err 2 "rr-cut: expected IN and OUT, missing one" rr-cut a.rr
err 2 "rr-merge: -o OUT is missing" rr-merge a.rr
# a missing input: bad input, exit 2, the file named
err 2 "rr-run: $x: No such file or directory" rr-run -r "$x"
err 2 "rr-dump: $x: .*No such file or directory" rr-dump "$x"
err 2 "rr-dump: $x: .*No such file or directory.*" rr-dump --validate "$x"
err 2 "rr-diff: $x: .*No such file or directory" rr-diff "$x" "$x"
err 2 "rr-cut: $x: .*No such file or directory" rr-cut "$x" "$T/o.rr"
err 2 "rr-merge: $x: No such file or directory" rr-merge -o "$T/o.rr" "$x"
# not a log
echo hello >"$T/text"
err 2 "rr-dump: $T/text: .*" rr-dump "$T/text"
err 2 "rr-run: $T/text: .*" rr-run -r "$T/text"
err 2 "rr-cut: $T/text: .*" rr-cut "$T/text" "$T/o.rr"
# standard input is named (stdin)
err 2 "rr-dump: \(stdin\): .*" rr-dump -
exit $fail
