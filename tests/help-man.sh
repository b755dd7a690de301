#!/bin/sh
# Every long option a tool's --help shows appears in its man page, and every option
# the man page lists (.It Fl) appears in --help: the two cannot drift apart.
set -u
B=${BUILD:?}; TOP=${TOP:?}
fail=0
for t in rr-run rr-dump rr-diff rr-cut rr-merge; do
	[ -x "$B/$t" ] || { echo "FAIL: no $B/$t"; fail=1; continue; }
	man=$TOP/man/$t.1
	[ -f "$man" ] || { echo "FAIL: no $man"; fail=1; continue; }
	"$B/$t" --help >"$B/help-$t.txt" 2>&1 || { echo "FAIL: $t --help exits non-zero"; fail=1; }
	grep -q "^\.Sh EXAMPLES" "$man" || { echo "FAIL: $man has no EXAMPLES"; fail=1; }
	# long options in --help: --word at the start of an option line
	for o in $(sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p' "$B/help-$t.txt" | sort -u); do
		grep -q "Fl -$o\b" "$man" || { echo "FAIL: $t: --$o is in --help but not in $man"; fail=1; }
	done
	# options the man page lists
	for o in $(sed -n 's/^\.It Fl -\([a-z][a-z0-9-]*\).*/\1/p' "$man" | sort -u); do
		grep -q -- "--$o\b" "$B/help-$t.txt" || { echo "FAIL: $t: --$o is in $man but not in --help"; fail=1; }
	done
done
[ $fail = 0 ] && echo "help-man: the options of --help and the man pages agree for all five tools"
exit $fail
