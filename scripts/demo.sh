#!/bin/sh
# The rrkit demo: record the demo guest (Linux + busybox: disk, RTC, hwrng, an HTTP
# fetch from a server on the host's loopback, a line typed on the console), replay
# the recording twice with no input and no network, check the replays printed
# exactly what the recording printed, then dump the log.
#   scripts/demo.sh [OUTDIR]     (default: demo-out/)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
out=${1:-demo-out}
mkdir -p "$out"
sh "$top/scripts/build-guest.sh" >/dev/null
G=$top/cache/guest
for f in Image initramfs.cpio.gz disk.img; do
	[ -f "$G/$f" ] || { echo "demo: $G/$f missing (scripts/build-guest.sh failed?)" >&2; exit 1; }
done

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

# A web server on loopback for the guest's fetch (the guest sees the host as 10.0.2.2).
mkdir "$tmp/www"
seq 1 20000 >"$tmp/www/data.bin"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$port" >/dev/null 2>&1 &
server=$!

echo "== recording the demo guest to $out/demo.rr"
rm -f "$out/record.txt" "$out/replay1.txt" "$out/replay2.txt" "$out/demo.rr"
mkfifo "$tmp/in"
line="hello from the host, typed at $(date -u +%H:%M:%S)"
( i=0
  while ! grep -q "type a line:" "$out/record.txt" 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1; i=$((i + 1))
  done
  echo "$line"; sleep 1 ) >"$tmp/in" &
"$B/rr-run" -w "$out/demo.rr" --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" \
	--append "console=ttyS0 quiet rrdemo=1 rrdemo.port=$port" \
	--drive "$G/disk.img" --net user <"$tmp/in" | tee "$out/record.txt"
kill "$server" 2>/dev/null; server=

for n in 1 2; do
	echo "== replay $n (no console input, no network)"
	"$B/rr-run" -r "$out/demo.rr" </dev/null >"$out/replay$n.txt"
	if cmp -s "$out/record.txt" "$out/replay$n.txt"; then
		echo "replay $n: console output identical to the recording ($(wc -l <"$out/replay$n.txt") lines)"
	else
		echo "replay $n: OUTPUT DIFFERS" >&2
		diff "$out/record.txt" "$out/replay$n.txt" | head -20 >&2
		exit 1
	fi
done

echo "== the log: rr-dump $out/demo.rr (inputs only; every event: rr-dump $out/demo.rr)"
"$B/rr-dump" -k CHAR_READ -k CLOCK_VRT -k RANDOM -k SHUTDOWN "$out/demo.rr" | head -20
"$B/rr-dump" --no-header -k NET "$out/demo.rr" | head -3
echo "== rr-dump --stats"
"$B/rr-dump" --stats "$out/demo.rr"
