#!/bin/sh
# More than 64 KiB (the UART's receive buffer) of binary console input piped into a
# bare-metal guest that echoes it (tests/guest/rr_echo.c), compared byte for byte:
# a live run, a recording, and the recording's replay (which must print exactly what
# the recording printed).  The guest's closing line must carry the FNV-1a of the
# input.  A lost, doubled or changed byte anywhere fails the test.
# The input is fed in 8 KiB pieces every 0.1 s (80 KB/s, well under what the guest
# echoes) so that it never outruns the guest; CONSOLE_FLOOD=1 pipes it all at once
# instead (tests/console-flood.sh).
# Env: BUILD, TOP; CONSOLE_BYTES (default 263144: 256 KiB + 1000).
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=$TOP/build/guest
RUN="$B/rr-run"
N=${CONSOLE_BYTES:-263144}
FLOOD=${CONSOLE_FLOOD:-0}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
[ -x "$RUN" ] || { echo "FAIL: no $RUN"; exit 1; }
[ -f "$G/rr_echo.elf" ] || { echo "FAIL: no $G/rr_echo.elf (make guest-tests)"; exit 1; }
[ "$N" -gt 65536 ] || { echo "FAIL: CONSOLE_BYTES=$N is not more than 64 KiB"; exit 1; }

head -c "$N" /dev/urandom >"$T/payload"
want_fnv=
if command -v python3 >/dev/null 2>&1; then
	want_fnv=$(python3 -c '
import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 16777619) & 0xffffffff
print("%08x" % h)' "$T/payload")
fi
hdr=$(printf '%d\n' "$N" | wc -c)

feed() { # the length line, then the payload
	printf '%d\n' "$N"
	if [ "$FLOOD" = 1 ]; then cat "$T/payload"; return; fi
	i=0
	while [ $((i * 8192)) -lt "$N" ]; do
		dd if="$T/payload" bs=8192 skip=$i count=1 2>/dev/null
		sleep 0.1
		i=$((i + 1))
	done
}

# check NAME FILE STATUS: the echo equals the payload, then the closing line.
check() {
	if [ "$3" != 0 ]; then bad "$1: exit $3: $(tail -c 300 "$2" | tr -c '[:print:]\n' '.' | tail -2)"; return; fi
	head -c "$N" "$2" | cmp -s - "$T/payload" && ok "$1: $N bytes echoed byte for byte" \
		|| bad "$1: echo differs from the input: $(head -c "$N" "$2" | cmp - "$T/payload" 2>&1 | head -1)"
	tail -c +$((N + 1)) "$2" >"$T/trailer"
	if [ -n "$want_fnv" ]; then
		[ "$(cat "$T/trailer")" = "
echo: $N bytes fnv=$want_fnv" ] && ok "$1: the guest read $N bytes, fnv=$want_fnv" \
			|| bad "$1: closing line: $(tr -c '[:print:]\n' '.' <"$T/trailer" | tail -2)"
	else
		grep -q "^echo: $N bytes fnv=" "$T/trailer" && ok "$1: the guest read $N bytes" \
			|| bad "$1: closing line: $(tr -c '[:print:]\n' '.' <"$T/trailer" | tail -2)"
	fi
}

# 1. Live.
feed | timeout 120 "$RUN" -q --bios none "$G/rr_echo.elf" >"$T/live.out" 2>"$T/live.err"
check live "$T/live.out" $?

# 2. Record, then replay without input.
feed | timeout 120 "$RUN" -q -w "$T/e.rr" --hash-interval 1000000 --bios none "$G/rr_echo.elf" \
	>"$T/rec.out" 2>"$T/rec.err"
check record "$T/rec.out" $?
got=$("$B/rr-dump" --no-header -k CHAR_READ "$T/e.rr" | sed -n 's/.* len=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$got" -eq $((N + hdr)) ] && ok "the log's CHAR_READ events hold all $got input bytes" \
	|| bad "the log's CHAR_READ events hold $got bytes, want $((N + hdr))"
timeout 120 "$RUN" -r "$T/e.rr" </dev/null >"$T/rep.out" 2>"$T/rep.err"
st=$?
[ $st = 0 ] && ok "replay exit 0" || bad "replay: exit $st: $(tail -2 "$T/rep.err")"
cmp -s "$T/rec.out" "$T/rep.out" && ok "replay output identical to the recording's ($(wc -c <"$T/rep.out") bytes)" \
	|| bad "replay output differs from the recording's: $(cmp "$T/rec.out" "$T/rep.out" 2>&1 | head -1)"
check replay "$T/rep.out" $st
exit $fail
