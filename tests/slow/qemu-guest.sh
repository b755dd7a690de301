#!/bin/sh
# Slow end-to-end test of the guest images on QEMU, the reference machine (SLOW=1 make check).
# Builds the images if needed (scripts/build-guest.sh), serves a generated file with
# python3 -m http.server on 127.0.0.1, boots the demo (rrtest=demo) with a line typed on
# the console once the guest prompts for it, and checks every demo line against the host:
# disk file, written file, RTC close to host time, 16 entropy bytes, fetched file's sha256,
# the echoed line and its sha256, a clean power-off. Then boots rrtest=smp on 4 harts and
# rrtest=fail (exit code 3 must come back through sifive_test). Prints timings.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
img=${RRKIT_CACHE:-$TOP/cache}/guest
tmp=$(mktemp -d)
server="" qemu="" fails=0
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$qemu" ] && kill "$qemu" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# line_of TAG: the value after "TAG: " on the first console line starting so (CR stripped).
line_of() { tr -d '\r' <"$tmp/out" | sed -n "s/^$1: //p" | head -1; }

command -v qemu-system-riscv64 >/dev/null || { echo "FAIL: qemu-system-riscv64 missing"; exit 1; }
t0=$(now)
"$TOP/scripts/build-guest.sh" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; echo "FAIL: build-guest.sh"; exit 1; }
echo "images ready in $(elapsed "$t0")s: $(tr '\n' ' ' <"$tmp/build.log")"

# HTTP server on a port the kernel picks (no race), serving a fresh random file.
mkdir "$tmp/www"
head -c 1048576 /dev/urandom >"$tmp/www/payload.bin"
want_fetch=$(sha256sum <"$tmp/www/payload.bin" | cut -c1-64)
(cd "$tmp/www" && exec python3 -u -m http.server --bind 127.0.0.1 0) >"$tmp/http.log" 2>&1 &
server=$!
port="" i=0
while [ -z "$port" ] && [ $i -lt 100 ]; do
	port=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$tmp/http.log" | head -1)
	[ -n "$port" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$port" ] || { cat "$tmp/http.log"; echo "FAIL: http.server did not start"; exit 1; }

# The demo: console input through a fifo, written only once the guest asks for it.
typed="hello from the host, pid $$ at $(date +%s)"
mkfifo "$tmp/in"
t0=$(now)
timeout 120 "$TOP/scripts/run-qemu-guest.sh" --port "$port" --file payload.bin <"$tmp/in" >"$tmp/out" 2>&1 &
qemu=$!
exec 3>"$tmp/in"
i=0
while ! grep -q 'type a line:' "$tmp/out" && kill -0 $qemu 2>/dev/null && [ $i -lt 1000 ]; do
	sleep 0.1; i=$((i + 1))
done
t_prompt=$(elapsed "$t0")
printf '%s\n' "$typed" >&3
wait $qemu
rc=$?
qemu=""
t_demo=$(elapsed "$t0")
exec 3>&-
echo "--- demo console (demo lines) ---"
grep -E '^(rr[a-z]*|rtc|rng):' "$tmp/out" | tr -d '\r'
echo "---"

[ $rc -eq 0 ] || fail "demo: QEMU exit status $rc (124 = timeout)"
grep -q '^rrtest: demo: result: ok' "$tmp/out" || fail "demo: no 'result: ok'"
[ "$(line_of 'rrdemo: cpus')" = 1 ] || fail "demo: cpus"
[ "$(line_of 'rrdemo: disk')" = "$(cat "$TOP/guest/disk/hello.txt")" ] || fail "demo: disk file"
want=$(seq 1 3000 | sha256sum | cut -c1-64)
[ "$(line_of 'rrdemo: disk-write')" = "$(seq 1 3000 | wc -c | tr -d ' ') bytes, sha256 $want" ] ||
	fail "demo: disk write/read-back"
line_of 'rrdemo: vda' | grep -qE '^32768 sectors, first MiB sha256 [0-9a-f]{64}$' || fail "demo: vda"
[ "$(line_of 'rrdemo: fetch')" = "payload.bin 1048576 bytes, sha256 $want_fetch" ] || fail "demo: fetch"
[ "$(line_of 'rrdemo: line')" = "$typed" ] || fail "demo: echoed line"
[ "$(line_of 'rrdemo: line-sha256')" = "$(printf %s "$typed" | sha256sum | cut -c1-64)" ] ||
	fail "demo: line sha256"
line_of 'rng' | grep -qE '^[0-9a-f]{32}$' || fail "demo: 16 bytes from /dev/hwrng"
gdate=$(line_of 'rtc: date')
gsec=$(date -u -d "$gdate" +%s 2>/dev/null || echo 0)
skew=$(( $(date +%s) - gsec ))
[ ${skew#-} -lt 600 ] || fail "demo: guest RTC '$gdate' is ${skew}s off the host clock"
grep -q '^rr[a-z]*: .*FAILED' "$tmp/out" && fail "demo: a step printed FAILED"

# SMP: 4 harts online, a parallel job on each.
t0=$(now)
timeout 60 "$TOP/scripts/run-qemu-guest.sh" --test smp --smp 4 </dev/null >"$tmp/out" 2>&1
rc=$?
t_smp=$(elapsed "$t0")
[ $rc -eq 0 ] || fail "smp: QEMU exit status $rc"
[ "$(line_of 'rrsmp: nproc')" = 4 ] || fail "smp: nproc"
[ "$(line_of 'rrsmp: parallel')" = "4/4 jobs agree" ] || fail "smp: parallel jobs"

# A failing test's code reaches the host.
timeout 60 "$TOP/scripts/run-qemu-guest.sh" --test fail </dev/null >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "fail: QEMU exit status $rc, want 3"

echo "timings: demo boot to prompt ${t_prompt}s, boot to power-off ${t_demo}s; smp (4 harts) ${t_smp}s"
[ $fails -eq 0 ] || { echo "qemu-guest: $fails check(s) failed"; exit 1; }
echo "qemu-guest: all checks passed"
