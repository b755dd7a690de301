#!/bin/sh
# Host instructions per guest instruction of the CPU core, counted by callgrind (stable
# on a loaded machine, unlike times): a small run of bench/linux-cpu.sh's cpu workload
# (seq 1 20000 | sort -r | sha256sum; yes | head -c 400000 | sha256sum; about 241 M
# guest instructions, boot included), rr-run live, no disk writes.
#   bench/callgrind.sh [OUT]     (BUILD=DIR for another build; OUT keeps the profile
#                                 for callgrind_annotate)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$top/build}
G=${RRKIT_CACHE:-$top/cache}/guest
out=${1:-$(mktemp)}
bb=/bin/busybox
W="$bb seq 1 20000 | $bb sort -r | $bb sha256sum; $bb yes abcdefgh | $bb head -c 400000 | $bb sha256sum; $bb poweroff -f"
valgrind --smc-check=all --tool=callgrind --callgrind-out-file="$out" "$B/rr-run" --stats -m 256M \
	--kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" --drive "$G/disk.img" \
	--append "console=ttyS0 quiet rdinit=/bin/sh -- -c \"$W\"" </dev/null >/dev/null 2>"$out.err"
ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.err")
ic=$(sed -n 's/.*icount=\([0-9]*\).*/\1/p' "$out.err")
printf 'guest instructions %s, host instructions %s, %.2f per guest instruction\n' "$ic" "$ir" \
	"$(echo "$ir / $ic" | bc -l)"
[ $# -gt 0 ] || rm -f "$out" "$out.err"
