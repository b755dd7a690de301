#!/bin/sh
# rr-diff --replay: replays two recordings in lockstep and finds the first
# instruction at which the machines differ, then lists what differs.
#  - a recording against itself: exit 0;
#  - an RTC value changed in the log: the first difference is the instruction that
#    read it, and the report names the register and the RTC device that differ;
#  - a random-bytes event dropped: the second replay cannot go on there (reported);
#  - two real recordings, typed lines differing: a difference right after the input;
#  - --json is JSON Lines, -q prints nothing, pipes are refused (exit 2).
. "${TOP:?}/tests/lib/common.sh"
{ record_inputs "$T/a.rr" "typed line 42" && record_inputs "$T/b.rr" "typed line 43"; } >/dev/null 2>&1 || bad "record"

"$B/rr-diff" --replay "$T/a.rr" "$T/a.rr" >"$T/o" 2>"$T/e"; st=$?
[ $st = 0 ] && grep -q "agree through icount" "$T/e" && ok "a recording against itself: exit 0" || bad "self: exit $st $(cat "$T/e")"

"$B/tests/tools/rrlog-tamper" change CLOCK_VRT "$T/a.rr" "$T/t.rr"
rtc=$("$B/rr-dump" "$T/a.rr" | grep kind=CLOCK_VRT | head -1 | sed 's/icount=\([0-9]*\).*/\1/')
"$B/rr-diff" --replay "$T/a.rr" "$T/t.rr" >"$T/o" 2>"$T/e"; st=$?
[ $st = 1 ] && grep -q "first differ at icount $((rtc + 1)) " "$T/e" && ok "a changed RTC value: the instruction after the read at $rtc" \
	|| bad "changed RTC: exit $st, $(cat "$T/e")"
grep -q "side=b next_event: icount=$rtc kind=CLOCK_VRT" "$T/o" && ok "the report shows the logs' next events there" || bad "next events: $(cat "$T/o")"
grep -q '^icount=[0-9]* what="hart0.x[0-9]*" a=0x[0-9a-f]* b=0x' "$T/o" && grep -q 'what="device rtc"' "$T/o" \
	&& ok "the report names $(grep -c '^icount=.*what=' "$T/o") differences: $(grep 'what=' "$T/o" | sed 's/.*what=\("[^"]*"\).*/\1/' | tr '\n' ' ')" \
	|| bad "report: $(cat "$T/o")"

"$B/tests/tools/rrlog-tamper" drop RANDOM "$T/a.rr" "$T/d.rr"
"$B/rr-diff" --replay "$T/a.rr" "$T/d.rr" >"$T/o" 2>"$T/e"; st=$?
[ $st = 1 ] && grep -q "what=replay-diverged" "$T/o" && ok "a dropped RANDOM: $(grep replay-diverged "$T/o" | cut -c1-140)" \
	|| bad "dropped RANDOM: exit $st, $(cat "$T/o" "$T/e")"

"$B/rr-diff" --replay "$T/a.rr" "$T/b.rr" >"$T/o" 2>"$T/e"; st=$?
ic=$(sed -n 's/.*first differ at icount \([0-9]*\) .*/\1/p' "$T/e")
cr=$("$B/rr-dump" "$T/b.rr" | grep kind=CHAR_READ | head -1 | sed 's/icount=\([0-9]*\).*/\1/')
[ $st = 1 ] && [ -n "$ic" ] && [ "$ic" -le $((cr + 1)) ] && ok "two recordings: first difference at $ic (the typed line arrives at $cr)" \
	|| bad "two recordings: exit $st, $(cat "$T/e")"

"$B/rr-diff" --replay --json "$T/a.rr" "$T/t.rr" 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows and any(r.get("what") == "device rtc" for r in rows)
' && ok "--json: JSON Lines" || bad "--json"
out=$("$B/rr-diff" --replay -q "$T/a.rr" "$T/t.rr" 2>&1); st=$?
[ $st = 1 ] && [ -z "$out" ] && ok "-q: exit 1, nothing printed" || bad "-q: exit $st '$out'"
"$B/rr-diff" --replay - "$T/a.rr" <"$T/a.rr" >/dev/null 2>&1; [ $? = 2 ] && ok "a pipe: exit 2" || bad "pipe"
"$B/rr-diff" --replay "$T/a.rr" "$T/missing.rr" >/dev/null 2>&1; [ $? = 2 ] && ok "a missing log: exit 2" || bad "missing"
# One log replayed by two builds (--rr-run PATH): this build against itself agrees;
# against a "build" whose hart0 x5 and state differ from icount X on (a wrapper that
# changes what rr-run --stop-at prints from X on), the first difference is X.
"$B/rr-diff" --replay --rr-run "$B/rr-run" "$T/a.rr" >/dev/null 2>"$T/e"; st=$?
[ $st = 0 ] && ok "--rr-run with this build: the same" || bad "--rr-run self: exit $st $(cat "$T/e")"
X=21111
cat >"$T/other-build" <<EOS
#!/bin/sh
out=\$("$B/rr-run" "\$@") || exit \$?
if [ "\$4" -ge $X ]; then
	printf '%s\n' "\$out" | sed -e 's/"x5":"0x[0-9a-f]*"/"x5":"0xdead"/' -e 's/"hash":"0x[0-9a-f]*"/"hash":"0x0123456789abcdef"/'
else
	printf '%s\n' "\$out"
fi
EOS
chmod +x "$T/other-build"
"$B/rr-diff" --replay --rr-run "$T/other-build" "$T/a.rr" >"$T/o" 2>"$T/e"; st=$?
[ $st = 1 ] && grep -q "first differ at icount $X " "$T/e" && grep -q "^icount=$X what=\"hart0.x5\" a=0x[0-9a-f]* b=0xdead" "$T/o" \
	&& ok "--rr-run with another build: the first difference at $X, hart0.x5 named" || bad "--rr-run other: exit $st $(cat "$T/e" "$T/o")"
"$B/rr-diff" --replay --rr-run /nonexistent "$T/a.rr" >/dev/null 2>&1; [ $? = 2 ] && ok "--rr-run with a missing build: exit 2" || bad "--rr-run missing"
exit $fail
