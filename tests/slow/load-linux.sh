#!/bin/sh
# Load (slow: the cached guest images): a Linux guest that floods the network
# through slirp and the disk at the same time — LOAD_ROUNDS rounds (default 20) of
# a 4 MiB download from a web server on the host beside a 4 MiB write to an ext2
# disk with fsync — recorded and replayed: no event lost (the replay prints the
# same console, every hash verified, the downloads' checksums right), the
# recorder's peak memory bounded (LOAD_RSS_MB, default 300 MB), the disk image
# the user gave byte-identical afterwards. Then an idle guest: hours of guest time
# (sleep 3600 with --icount-sleep off) give a small log that replays fast.
. "$TOP/tests/lib/linux.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
rounds=${LOAD_ROUNDS:-20} rss_mb=${LOAD_RSS_MB:-300}
mkdir "$T/www"
head -c 4194304 /dev/urandom >"$T/www/big.bin"
sum=$(md5sum <"$T/www/big.bin" | cut -d' ' -f1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
spid=$!
cp "$G/disk.img" "$T/disk.img"
csum=$(sha256sum <"$T/disk.img")
cat >"$T/cmds" <<EOF
ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2; mount -t ext2 /dev/vda /mnt; echo load-mount=\$?
i=0; while [ \$i -lt $rounds ]; do wget -q -O - http://10.0.2.2:$port/big.bin | md5sum | sed 's/^/load-net: /' & dd if=/dev/zero of=/mnt/f bs=64k count=64 conv=fsync 2>/dev/null; wait; i=\$((i+1)); done; echo load-done; umount /mnt; poweroff -f
EOF
# rr-run's peak RSS, from /proc while it runs
rss() { awk '/^VmHWM/{print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null; }
(sleep 5; cat "$T/cmds") | timeout 900 "$B/rr-run" -q -w "$T/load.rr" -m 256M --kernel "$G/Image" \
	--initrd "$G/initramfs.cpio.gz" --append "console=ttyS0 quiet rrtest=shell" --net user --drive "$T/disk.img" \
	>"$T/load.out" 2>"$T/load.err" &
rpid=$!
peak=0
while kill -0 $rpid 2>/dev/null; do
	for p in $(pgrep -P $rpid); do # rr-run under timeout
		r=$(rss $p); [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
	done
	sleep 0.2
done
wait $rpid; st=$?
n=$(grep -ac "^load-net: $sum" "$T/load.out")
[ $st = 0 ] && grep -aq "^load-done" "$T/load.out" && [ "$n" = "$rounds" ] && grep -aq "^load-mount=0" "$T/load.out" \
	&& ok "recorded $rounds rounds of 4 MiB down the network beside 4 MiB to the disk: every checksum right" \
	|| bad "load: exit $st, $n of $rounds downloads right: $(tail -3 "$T/load.err")"
[ "$peak" -gt 0 ] && [ "$peak" -le "$rss_mb" ] && ok "the recorder's peak RSS $peak MB (at most $rss_mb)" || bad "peak RSS $peak MB"
[ "$(sha256sum <"$T/disk.img")" = "$csum" ] && ok "the disk image the guest wrote to is byte-identical" || bad "disk image changed"
nets=$("$B/rr-dump" -k NET "$T/load.rr" | grep -c kind=NET) blks=$("$B/rr-dump" -k BLOCK "$T/load.rr" | grep -c kind=BLOCK)
timeout 900 "$B/rr-run" -r "$T/load.rr" >"$T/load.rep" 2>"$T/load.rerr"; st=$?
[ $st = 0 ] && cmp -s "$T/load.rep" "$T/load.out" && ok "replayed offline: the same console, $nets NET and $blks BLOCK events; $(tail -1 "$T/load.rerr")" \
	|| bad "replay: exit $st $(tail -2 "$T/load.rerr")"
kill $spid 2>/dev/null; spid=

# hours of idle guest time
(sleep 5; echo "sleep 3600; poweroff -f") | timeout 600 "$B/rr-run" -q -w "$T/idle.rr" --icount-sleep off -m 256M \
	--kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" --append "console=ttyS0 quiet rrtest=shell" --no-rng \
	>"$T/idle.out" 2>&1
st=$?
span=$("$B/rr-dump" "$T/idle.rr" | tail -1 | sed 's/icount=\([0-9]*\).*/\1/')
size=$(wc -c <"$T/idle.rr")
[ $st = 0 ] && [ "$span" -gt 3600000000000 ] && [ "$size" -lt 8000000 ] \
	&& ok "idle: $((span / 1000000000)) s of guest time in a $((size / 1000)) kB log" || bad "idle: exit $st span $span size $size"
t0=$(date +%s)
timeout 600 "$B/rr-run" -r "$T/idle.rr" >"$T/idle.rep" 2>"$T/idle.rerr"; st=$?
t1=$(date +%s)
[ $st = 0 ] && cmp -s "$T/idle.rep" "$T/idle.out" && ok "idle replay: the same console in $((t1 - t0)) s; $(tail -1 "$T/idle.rerr")" \
	|| bad "idle replay: exit $st $(tail -2 "$T/idle.rerr")"
exit $fail
