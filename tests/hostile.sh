#!/bin/sh
# Hostile bare-metal guests (tests/guest/hostile_*.c): wild virtio descriptors, odd
# MMIO sizes and offsets on every device, PLIC sources out of range, a UART flood.
# rr-run must neither crash nor hang, the guest must report OK, the disk image must
# stay byte-identical. Also: a guest that loops in M-mode traps stops with pc+cause.
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
exit $fail
