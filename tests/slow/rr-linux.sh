#!/bin/sh
# Linux on rr-run (slow: needs the cached guest images, scripts/build-guest.sh):
#  1. the demo guest recorded with a typed line, the network fetch from a server on
#     loopback, disk writes, RNG and RTC reads; its deterministic lines equal QEMU's;
#  2. replayed twice with stdin closed and no server, with the default core and
#     with the interpreter (--cpu interp: the other core where the JIT is the
#     default): output byte-identical, state hashes verified, the disk untouched;
#  3. the same for --smp 2 (Linux reports 2 CPUs);
#  3b. seeks: 50 random icounts in each recording (disk, network; SMP 2), forwards
#     and backwards through the snapshots, reach the state hash of a straight replay,
#     and so does rr-run --stop-at in a fresh process;
#  4. an interactive shell session typed on the console: a corrupt disk, a reboot,
#     the virtio-input keyboard, a host-to-guest port forward.
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=${RRKIT_CACHE:-$TOP/cache}/guest
RUN="$B/rr-run"
T=$(mktemp -d)
. "$TOP/tests/lib/wait.sh"
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
for f in Image initramfs.cpio.gz disk.img; do
	[ -f "$G/$f" ] || { echo "missing $G/$f: run scripts/build-guest.sh"; exit 1; }
done
cp "$G/disk.img" "$T/disk.img"
sum0=$(sha256sum <"$T/disk.img")

mkdir "$T/www"
seq 1 20000 >"$T/www/data.bin"
want_sum=$(sha256sum <"$T/www/data.bin" | cut -c1-64)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5

run_demo() { # NAME SMP
	name=$1 smp=$2
	mkfifo "$T/$name.in"
	feed "$T/$name.rec" "type a line:" "line from the test $name" >"$T/$name.in" &
	timeout 600 "$RUN" -q -w "$T/$name.rr" --snapshot-every 30000000 --smp "$smp" -m 256M --kernel "$G/Image" \
		--initrd "$G/initramfs.cpio.gz" --append "console=ttyS0 quiet rrdemo=1 rrdemo.port=$port" \
		--drive "$T/disk.img" --net user <"$T/$name.in" >"$T/$name.rec" 2>"$T/$name.err"
	st=$?
	[ $st = 0 ] && ok "$name: recorded, guest exit 0" || bad "$name: record exit $st: $(tail -3 "$T/$name.err")"
	grep -q "rrdemo: line: line from the test $name" "$T/$name.rec" && ok "$name: typed line echoed" \
		|| bad "$name: no typed line"
	grep -q "rrdemo: fetch: data.bin $(wc -c <"$T/www/data.bin") bytes, sha256 $want_sum" "$T/$name.rec" \
		&& ok "$name: network fetch checksum" || bad "$name: fetch: $(grep fetch "$T/$name.rec")"
	grep -q "rrdemo: cpus: $smp" "$T/$name.rec" && ok "$name: Linux reports $smp CPUs" || bad "$name: cpus"
	grep -q "FAILED" "$T/$name.rec" && bad "$name: $(grep FAILED "$T/$name.rec")"
}

run_seeks() { # NAME
	name=$1
	timeout 900 "$B/tests/tools/rr-seek-check" "$T/$name.rr" 50 "$(date +%s)" >"$T/$name.seek" 2>&1
	st=$?
	[ $st = 0 ] && ok "$name: $(grep -c '^ok: seek to' "$T/$name.seek") seeks match a straight replay; $(grep latency "$T/$name.seek")" \
		|| bad "$name: seek check exit $st: $(grep -v '^ok' "$T/$name.seek" | head -5)"
	grep '^ok: seek to' "$T/$name.seek" | head -2 | sed 's/.*seek to \([0-9]*\) .*hash \([0-9a-f]*\)$/\1 \2/' |
	while read -r ic h; do
		got=$(timeout 120 "$RUN" -r "$T/$name.rr" --stop-at "$ic" | sed -n 's/.*hash=0x\([0-9a-f]*\)$/\1/p')
		[ "$got" = "$h" ] && echo "ok: $name: --stop-at $ic in a fresh process: the same state" \
			|| echo "FAIL: $name: --stop-at $ic: hash '$got', straight replay $h"
	done >"$T/$name.fresh"
	cat "$T/$name.fresh"
	grep -q FAIL "$T/$name.fresh" && fail=1
	[ "$(grep -c '^ok' "$T/$name.fresh")" = 2 ] || bad "$name: fresh-process seeks missing"
}

run_replays() { # NAME
	name=$1
	for n in 1 2; do
		cpu=; [ $n = 2 ] && cpu="--cpu interp"
		timeout 600 "$RUN" -r "$T/$name.rr" $cpu </dev/null >"$T/$name.rep$n" 2>"$T/$name.rep$n.err"
		st=$?
		[ $st = 0 ] && ok "$name: replay $n exit 0" || bad "$name: replay $n exit $st: $(tail -3 "$T/$name.rep$n.err")"
		cmp -s "$T/$name.rec" "$T/$name.rep$n" && ok "$name: replay $n output byte-identical" \
			|| bad "$name: replay $n output differs: $(diff "$T/$name.rec" "$T/$name.rep$n" | head -5)"
		grep -q " [1-9][0-9]* state hashes verified" "$T/$name.rep$n.err" && ok "$name: replay $n${cpu:+ ($cpu)}: $(tail -1 "$T/$name.rep$n.err")" \
			|| bad "$name: replay $n: no hash report"
	done
}

run_demo demo 1
kill "$server"; server=
run_replays demo
run_seeks demo

# The crash window and parallel verification of the demo recording: the last 5*10^7
# instructions replay on their own and print the end of the recorded output; two
# segments replay side by side and print the whole of it; merged back, the same.
"$B/rr-cut" -q --last 5e7 "$T/demo.rr" "$T/win.rr" && ok "rr-cut --last 5e7" || bad "rr-cut --last"
timeout 300 "$RUN" -r "$T/win.rr" </dev/null >"$T/win.out" 2>"$T/win.err"
st=$?
n=$(wc -c <"$T/win.out")
[ $st = 0 ] && [ "$n" -gt 0 ] && tail -c "$n" "$T/demo.rec" | cmp -s - "$T/win.out" \
	&& ok "the crash window replays on its own (exit 0) and prints the last $n bytes of the recording's output" \
	|| bad "crash window: exit $st, $(tail -2 "$T/win.err")"
"$B/rr-cut" -q --segments 2 "$T/demo.rr" "$T/seg.rr" || bad "rr-cut --segments 2"
ls "$T"/seg-*.rr | xargs -P 2 -I{} sh -c "timeout 300 '$RUN' -q -r {} </dev/null >{}.out 2>&1" && \
	cat "$T/seg-001.rr.out" "$T/seg-002.rr.out" | cmp -s - "$T/demo.rec" \
	&& ok "two segments, verified in parallel, print the whole recorded output" || bad "segments in parallel"
"$B/rr-merge" -q -o "$T/merged.rr" "$T/seg-001.rr" "$T/seg-002.rr" && timeout 600 "$RUN" -q -r "$T/merged.rr" </dev/null >"$T/merged.out" 2>&1 \
	&& cmp -s "$T/merged.out" "$T/demo.rec" && ok "merged back: the same output" || bad "merged demo"
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && ok "disk image byte-identical" || bad "disk image changed"

# A tampered recording (a frame dropped, an RTC value changed: the last RTC read is
# hwclock's, which the guest prints; Linux's first reads only validate the device)
# stops its replay with a divergence report (exit 4), within a bounded time.
for t in "drop NET" "change CLOCK_VRT:last" "drop BLOCK"; do
	set -- $t
	"$B/tests/tools/rrlog-tamper" "$1" "$2" "$T/demo.rr" "$T/tampered.rr" || { bad "tamper $t"; continue; }
	timeout 120 "$RUN" -r "$T/tampered.rr" </dev/null >/dev/null 2>"$T/tampered.err"
	st=$?
	[ $st = 4 ] && grep -q "diverged at icount [0-9]" "$T/tampered.err" \
		&& ok "$t: $(tail -1 "$T/tampered.err" | sed 's/.*replay //' | cut -c1-140)" \
		|| bad "$t: exit $st: $(tail -2 "$T/tampered.err")"
done

# The deterministic lines agree with QEMU's for the same images.
if command -v qemu-system-riscv64 >/dev/null; then
	python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
	server=$!
	sleep 0.5
	mkfifo "$T/q.in"
	feed "$T/q.out" "type a line:" "line from the test demo" >"$T/q.in" &
	timeout 600 sh "$TOP/scripts/run-qemu-guest.sh" --port "$port" --disk "$T/disk.img" \
		--append "quiet" <"$T/q.in" >"$T/q.out" 2>&1
	kill "$server"; server=
	grep '^rrdemo:' "$T/demo.rec" | tr -d '\r' | grep -v 'vda:' >"$T/a"
	grep '^rrdemo:' "$T/q.out" | tr -d '\r' | grep -v 'vda:' >"$T/b"
	if [ -s "$T/a" ] && cmp -s "$T/a" "$T/b"; then ok "demo lines equal QEMU's ($(wc -l <"$T/a") lines)"
	else bad "demo lines differ from QEMU's: $(diff "$T/a" "$T/b" | head -6)"; fi
else
	echo "note: qemu-system-riscv64 not installed: the comparison with QEMU is skipped"
	noqemu=1
fi

python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5
cp "$G/disk.img" "$T/disk.img"
run_demo smp2 2
kill "$server"; server=
run_replays smp2
run_seeks smp2

# An interactive session on the serial console, with a keyboard and a port forward:
# the host connects to 127.0.0.1:FWD, which slirp forwards to the guest's nc.
fwd=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkfifo "$T/sh.in"
feed "$T/sh.out" "# " "echo hello \$((6*7))" "cat /proc/cpuinfo | grep -c ^processor" \
	"cat /sys/class/input/input0/name" "mount -t ext2 /dev/vda /mnt; echo mount-rc=\$?" "reboot -f" \
	"ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && echo rrfwd-ready && echo hello-through-hostfwd | nc -l -p 8080" \
	"poweroff -f" >"$T/sh.in" &
python3 - "$T/sh.out" "$fwd" >"$T/fwd.txt" 2>&1 <<'PY' &
import socket, sys, time
out, port = sys.argv[1], int(sys.argv[2])
for _ in range(600):
    try:
        if "rrfwd-ready" in open(out, errors="replace").read().split("nc -l -p 8080", 1)[-1]:
            break
    except OSError:
        pass
    time.sleep(0.1)
time.sleep(1)
for _ in range(50):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = b""
        while True:
            b = c.recv(4096)
            if not b:
                break
            data += b
            if b"\n" in data:
                break
        c.close()
        print(data.decode(errors="replace").strip())
        break
    except OSError:
        time.sleep(0.2)
PY
client=$!
head -c 4194304 /dev/urandom >"$T/corrupt.img"   # a disk that is no filesystem at all
csum=$(sha256sum <"$T/corrupt.img")
timeout 300 "$RUN" -q -m 256M --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" \
	--append "console=ttyS0 quiet rrtest=shell" --no-rng --input --drive "$T/corrupt.img" \
	--net "user,hostfwd=tcp:127.0.0.1:$fwd-:8080" <"$T/sh.in" >"$T/sh.out" 2>&1
st=$?
wait $client
[ $st = 0 ] && ok "shell session powered off, exit 0" || bad "shell session exit $st"
grep -q "^hello 42" "$T/sh.out" && ok "shell: echo" || bad "shell: no echo output: $(tail -5 "$T/sh.out")"
grep -q "^1" "$T/sh.out" && ok "shell: cpuinfo" || bad "shell: cpuinfo"
[ "$(grep -c "rrtest: shell" "$T/sh.out")" = 2 ] && grep -q "Restarting system" "$T/sh.out" \
	&& ok "reboot -f restarted the machine" || bad "no reboot: $(grep -c "rrtest: shell" "$T/sh.out") shell starts"
grep -q "^mount-rc=[1-9]" "$T/sh.out" && [ "$(sha256sum <"$T/corrupt.img")" = "$csum" ] \
	&& ok "corrupt disk: mount fails in the guest, image untouched" || bad "corrupt disk: $(grep mount-rc "$T/sh.out")"
grep -q "^rrkit keyboard" "$T/sh.out" && ok "virtio-input keyboard bound" || bad "no virtio-input device"
grep -q "hello-through-hostfwd" "$T/fwd.txt" && ok "host-to-guest port forward: $(cat "$T/fwd.txt")" \
	|| bad "port forward: got '$(cat "$T/fwd.txt")'"

[ $fail -eq 0 ] || exit 1
# Everything else passed; without QEMU the test still did less than it claims: SKIP.
[ "${noqemu:-0}" -eq 0 ] || { echo "SKIP: qemu-system-riscv64 not installed: the comparison with QEMU did not run"; exit 77; }
exit 0
