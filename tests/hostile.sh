#!/bin/sh
# Hostile bare-metal guests (tests/guest/hostile_*.c): wild virtio descriptors, odd
# MMIO sizes and offsets on every device, PLIC sources out of range, a UART flood.
# rr-run must neither crash nor hang, the guest must report OK, the disk image must
# stay byte-identical, also under a guest whose writes succeed (hostile_blkwrite: live,
# recorded, replayed; with ,persist the image must change, which shows the check can
# fail). Self-modifying code, DMA into code and block requests in flight across
# snapshots, seeks and restores (hostile_smc, hostile_inflight: against QEMU, and
# recorded and replayed). Also: a guest that loops in M-mode traps stops with pc+cause.
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=$TOP/build/guest
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
head -c 1048576 /dev/urandom >"$T/disk.img"
sum0=$(sha256sum <"$T/disk.img")
for p in "$G"/hostile_*.elf; do
	n=$(basename "$p" .elf)
	yes 'flood' | head -c 200000 | timeout 120 "$B/rr-run" --bios none --drive "$T/disk.img" \
		--net user --input "$p" >"$T/$n.out" 2>&1
	st=$?
	if [ $st = 0 ] && grep -q "OK\|PASS" "$T/$n.out"; then echo "ok: $n"
	else echo "FAIL: $n (exit $st): $(tail -3 "$T/$n.out")"; fail=1; fi
done
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && echo "ok: disk image untouched" || { echo "FAIL: disk image changed"; fail=1; }
# Successful writes (status OK, read back from the device) never reach the image.
W=$G/hostile_blkwrite.elf
wrote() { # FILE: the guest's writes succeeded and read back
	[ "$(grep -c '^  write status = 0x0000000000000000$' "$1")" -eq 4 ] &&
	grep -q '^8-sector bytes differing = 0x0000000000000000$' "$1" && grep -q '^OK$' "$1"
}
if [ ! -f "$W" ]; then echo "FAIL: $W missing (make guest-tests)"; fail=1; else
	for mode in live record replay; do
		case $mode in
		live) timeout 60 "$B/rr-run" -q --bios none --drive "$T/disk.img" "$W" </dev/null >"$T/w.$mode" 2>&1 ;;
		record) timeout 60 "$B/rr-run" -q -w "$T/w.rr" --bios none --drive "$T/disk.img" "$W" </dev/null >"$T/w.$mode" 2>&1 ;;
		replay) timeout 60 "$B/rr-run" -q -r "$T/w.rr" </dev/null >"$T/w.$mode" 2>&1 ;;
		esac
		st=$?
		if [ $st = 0 ] && wrote "$T/w.$mode"; then echo "ok: blkwrite $mode: writes succeeded and read back"
		else echo "FAIL: blkwrite $mode (exit $st): $(grep -e FAIL -e rr-run "$T/w.$mode" | head -3)"; fail=1; fi
		[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && echo "ok: disk image untouched by the $mode run" \
			|| { echo "FAIL: disk image changed by the $mode run"; fail=1; }
	done
	cmp -s "$T/w.record" "$T/w.replay" && echo "ok: blkwrite replay identical" || { echo "FAIL: blkwrite replay differs"; fail=1; }
	"$B/rr-dump" "$T/w.rr" | grep -q 'kind=BLOCK' && echo "ok: blkwrite log has BLOCK events" || { echo "FAIL: no BLOCK events"; fail=1; }
	# Control: with ,persist (live only) the same writes must change a copy of the image.
	cp "$T/disk.img" "$T/persist.img"
	timeout 60 "$B/rr-run" -q --bios none --drive "$T/persist.img,persist" "$W" </dev/null >"$T/w.persist" 2>&1
	if wrote "$T/w.persist" && [ "$(sha256sum <"$T/persist.img")" != "$sum0" ]; then
		echo "ok: control: with ,persist the writes do reach the image"
	else echo "FAIL: control: a persistent disk was not written (the untouched checks prove nothing)"; fail=1; fi
fi
# Self-modifying code and DMA into code (hostile_smc), block requests in flight
# across snapshots, seeks and state restores (hostile_inflight): the same output on
# QEMU (where the ISA leaves a result open the guest prints "old or new"), recorded
# and replayed with identical output and every state hash verified, seeks and
# restores to points with requests in flight give the straight replay's hashes, and
# the image is never changed.
QEMU=${QEMU:-qemu-system-riscv64}
noqemu=0
command -v "$QEMU" >/dev/null 2>&1 || { echo "note: $QEMU not found: no comparison with QEMU"; noqemu=1; }
for n in hostile_smc hostile_inflight; do
	p=$G/$n.elf
	[ -f "$p" ] || { echo "FAIL: $p missing (make guest-tests)"; fail=1; continue; }
	timeout 60 "$B/rr-run" -q --bios none --drive "$T/disk.img" "$p" </dev/null >"$T/$n.live" 2>&1
	st=$?
	[ $st = 0 ] && grep -q '^OK$' "$T/$n.live" && echo "ok: $n live" || { echo "FAIL: $n live (exit $st): $(grep FAIL "$T/$n.live" | head -3)"; fail=1; }
	if [ $noqemu = 0 ]; then
		timeout 120 "$QEMU" -M virt -bios none -nographic -m 128M -global virtio-mmio.force-legacy=false \
			-drive file="$T/disk.img",if=none,format=raw,id=d0,snapshot=on -device virtio-blk-device,drive=d0 \
			-kernel "$p" </dev/null >"$T/$n.qemu" 2>&1
		st=$?
		[ $st = 0 ] && cmp -s "$T/$n.qemu" "$T/$n.live" && echo "ok: $n: QEMU's output is the same ($(wc -l <"$T/$n.live") lines)" \
			|| { echo "FAIL: $n: QEMU exit $st, output differs: $(diff "$T/$n.qemu" "$T/$n.live" | head -4)"; fail=1; }
	fi
	timeout 60 "$B/rr-run" -q -w "$T/$n.rr" --snapshot-every 20000 --hash-interval 3000 --bios none \
		--drive "$T/disk.img" "$p" </dev/null >"$T/$n.rec" 2>&1
	st=$?
	timeout 60 "$B/rr-run" -r "$T/$n.rr" </dev/null >"$T/$n.rep" 2>"$T/$n.err"
	st2=$?
	[ $st = 0 ] && [ $st2 = 0 ] && cmp -s "$T/$n.rec" "$T/$n.live" && cmp -s "$T/$n.rep" "$T/$n.live" &&
		grep -q ' [1-9][0-9]* state hashes verified' "$T/$n.err" \
		&& echo "ok: $n recorded and replayed: same output, $(grep -o '[0-9]* state hashes verified' "$T/$n.err")" \
		|| { echo "FAIL: $n record (exit $st) / replay (exit $st2): $(tail -2 "$T/$n.err")"; fail=1; }
	"$B/tests/tools/rr-seek-check" "$T/$n.rr" 20 7 >"$T/$n.seek" 2>&1 \
		&& echo "ok: $n: $(tail -1 "$T/$n.seek") seeks and a save/restore" \
		|| { echo "FAIL: $n seeks: $(grep FAIL "$T/$n.seek" | head -3)"; fail=1; }
done
# States saved while requests are in flight (most of hostile_inflight's run) restore
# exactly, also those saved between the reset with writes in flight and the host's
# report of them (--tail: the end of the run, stepped finer).
"$B/tests/tools/rr-restore-check" --tail "$T/hostile_inflight.rr" 30 997 150 >"$T/restore" 2>&1 \
	&& echo "ok: hostile_inflight: restores with requests in flight: $(tail -1 "$T/restore")" \
	|| { echo "FAIL: restores with requests in flight: $(grep FAIL "$T/restore" | head -3)"; fail=1; }
# A guest that changes its write buffers while the writes are in flight (the spec
# forbids it): the host writes what it took at the notify, live, in the replay and
# after a restore of a state saved in between (the snapshot carries the writes'
# data: without it 12 of 47 restores diverge).
cp "$T/disk.img" "$T/scribble.img"
printf 'rrkit: change write buffers in flight' | dd of="$T/scribble.img" bs=512 seek=1023 conv=notrunc 2>/dev/null
timeout 60 "$B/rr-run" -q -w "$T/scribble.rr" --snapshot-every 20000 --hash-interval 3000 --bios none \
	--drive "$T/scribble.img" "$G/hostile_inflight.elf" </dev/null >"$T/scribble.rec" 2>&1
st=$?
[ $st = 0 ] && grep -q '^OK$' "$T/scribble.rec" && echo "ok: writes changed in flight: the disk got the data of the notify" \
	|| { echo "FAIL: writes changed in flight (exit $st): $(grep FAIL "$T/scribble.rec" | head -3)"; fail=1; }
"$B/tests/tools/rr-restore-check" --tail "$T/scribble.rr" 30 997 150 >"$T/scribble.restore" 2>&1 \
	&& echo "ok: writes changed in flight: restores: $(tail -1 "$T/scribble.restore")" \
	|| { echo "FAIL: restores with changed writes in flight: $(grep FAIL "$T/scribble.restore" | head -3)"; fail=1; }
[ "$(sha256sum <"$T/disk.img")" = "$sum0" ] && echo "ok: disk image untouched by the smc and inflight runs" \
	|| { echo "FAIL: disk image changed by the smc or inflight runs"; fail=1; }
timeout 60 "$B/rr-run" --bios none "$G/fatal_trap_loop.elf" >"$T/f.out" 2>&1
st=$?
if [ $st = 1 ] && grep -q "pc=0x40000000 cause=1" "$T/f.out"; then echo "ok: trap loop reported: $(cat "$T/f.out")"
else echo "FAIL: trap loop: exit $st: $(cat "$T/f.out")"; fail=1; fi
# Bad images: clear message and exit 1, never a crash.
printf 'junk' >"$T/junk.elf"
for k in "$T/junk.elf" /bin/sh "$T/missing.elf"; do
	timeout 20 "$B/rr-run" --bios none "$k" >"$T/k.out" 2>&1
	st=$?
	[ $st = 1 ] && grep -q "rr-run: " "$T/k.out" && echo "ok: $k refused: $(cat "$T/k.out")" \
		|| { echo "FAIL: $k: exit $st"; fail=1; }
done
timeout 20 "$B/rr-run" --bios none --drive "$T/missing.img" "$G/hello.elf" >"$T/k.out" 2>&1
[ $? = 1 ] && echo "ok: missing disk refused: $(cat "$T/k.out")" || { echo "FAIL: missing disk"; fail=1; }
timeout 20 "$B/rr-run" --frobnicate >/dev/null 2>&1
[ $? = 2 ] && echo "ok: bad option exits 2" || { echo "FAIL: bad option"; fail=1; }
# A live run whose guest powers off with a disk read in flight (hostile_inflight on
# a disk whose sector 1023 holds its magic) ends cleanly: rr-run stops the disk
# worker before it frees the machine (freed first, it crashed about 1 run in 8).
head -c 1048576 /dev/zero >"$T/inflight.img"
printf 'rrkit: power off with a read in flight' | dd of="$T/inflight.img" bs=512 seek=1023 conv=notrunc 2>/dev/null
bad_runs=0
for i in $(seq 40); do
	timeout 20 "$B/rr-run" --bios none --drive "$T/inflight.img" "$G/hostile_inflight.elf" >/dev/null 2>&1 \
		|| bad_runs=$((bad_runs + 1))
done
[ $bad_runs = 0 ] && echo "ok: 40 live runs powering off with a read in flight exit 0" \
	|| { echo "FAIL: $bad_runs of 40 live runs with a read in flight failed"; fail=1; }
[ $fail = 0 ] && [ $noqemu = 1 ] && { echo "SKIP: $QEMU not found (the comparisons with QEMU did not run)"; exit 77; }
exit $fail
