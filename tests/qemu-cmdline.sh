#!/bin/sh
# rr-run takes QEMU's command line for the virt board unchanged: -M virt, -nographic,
# -bios none, -kernel, -m, -smp, -drive file=,if=virtio,format=raw, -netdev user +
# -device virtio-net-device, -device virtio-rng-device, -icount shift=N,rr=record|
# replay,rrfile=F (as -w/-r, with QEMU's rule that a replay repeats the machine
# options, checked against the recording). What rr-run cannot do is refused by
# name, exit 2. Where QEMU is installed, the very same command lines run there too.
. "$TOP/tests/lib/common.sh"
R=$B/rr-run
M="-M virt -nographic -bios none -m 128M -smp 1 -global virtio-mmio.force-legacy=false"
DEV="-drive file=$T/disk.img,if=virtio,format=raw -netdev user,id=n0 -device virtio-net-device,netdev=n0 -device virtio-rng-device"
# 1. record and replay, QEMU-style
echo "qemu words" | timeout 60 "$R" -q $M $DEV -kernel "$G/rr_inputs.elf" \
	-icount shift=0,rr=record,rrfile="$T/q.rr" >"$T/rec.out"
st_is $? 0 "record with -icount shift=0,rr=record,rrfile="
grep -q "serial line='qemu words'" "$T/rec.out" && grep -q '^rng len=16' "$T/rec.out" &&
	grep -q '^blk read1 status=0' "$T/rec.out" && grep -q '^net sent=0 got=' "$T/rec.out" &&
	ok "the guest saw console, rng, disk and network" || bad "guest output: $(cat "$T/rec.out")"
"$B/rr-dump" --no-header "$T/q.rr" | grep -q 'kind=NET' && ok "a recording with NET events" || bad "no NET in the log"
timeout 60 "$R" -q $M $DEV -kernel "$G/rr_inputs.elf" -icount shift=0,rr=replay,rrfile="$T/q.rr" \
	</dev/null >"$T/rep.out"
st_is $? 0 "replay with the same command line and rr=replay"
cmp -s "$T/rec.out" "$T/rep.out" && ok "the replay prints what the recording printed" || bad "replay output differs"
"$R" -q -r "$T/q.rr" </dev/null | cmp -s - "$T/rec.out" && ok "rr-run -r replays it too" || bad "-r replay differs"
# ... with other machine options than the recording's: refused, saying which
refuse_replay() { # what expected-message options...
	what=$1 msg=$2; shift 2
	timeout 60 "$R" -q "$@" -icount shift=0,rr=replay,rrfile="$T/q.rr" </dev/null >/dev/null 2>"$T/err"
	st=$?
	[ $st = 2 ] && grep -q -- "$msg" "$T/err" && ok "rr=replay $what: refused ($(cat "$T/err"))" ||
		bad "rr=replay $what: exit $st: $(cat "$T/err")"
}
refuse_replay "with -m 256M" "made with -m 128M" ${M%-m 128M*} -m 256M $DEV -kernel "$G/rr_inputs.elf"
refuse_replay "with another kernel" "another kernel image" $M $DEV -kernel "$G/hello.elf"
refuse_replay "without the disk" "a drive0 image" $M -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
	-kernel "$G/rr_inputs.elf"
refuse_replay "with -smp 2" "made with -smp 1" $M -smp 2 $DEV -kernel "$G/rr_inputs.elf"
"$R" -q -r "$T/q.rr" -m 64M </dev/null >/dev/null 2>&1
st_is $? 2 "rr-run's own -r with machine options stays refused"

# 2. other spellings that work: -drive if=none + virtio-blk-device, -nic, -object rng, -smp cpus=, -m size=
echo x | timeout 60 "$R" -q -machine virt -display none -serial mon:stdio -bios none -m size=64M -smp cpus=2,sockets=1,cores=2 \
	-drive file="$T/disk.img",if=none,id=hd0,format=raw -device virtio-blk-device,drive=hd0 \
	-nic user,model=virtio-net-device -object rng-random,filename=/dev/urandom,id=rng0 \
	-device virtio-rng-device,rng=rng0 -icount shift=3,sleep=off -kernel "$G/rr_inputs.elf" >"$T/o2.out"
st_is $? 0 "-drive if=none,id= with -device virtio-blk-device,drive=, -nic user, -object rng-random"
grep -q '^blk read1 status=0' "$T/o2.out" && grep -q '^net sent=0 got=' "$T/o2.out" &&
	ok "disk and network through those spellings" || bad "output: $(cat "$T/o2.out")"
"$R" -M virt -smp 3 -m 96 --bios none --dumpdtb "$T/a.dtb" && "$R" --smp 3 -m 96M --bios none --dumpdtb "$T/b.dtb" &&
	cmp -s "$T/a.dtb" "$T/b.dtb" && ok "-smp 3 -m 96 is --smp 3 -m 96M (device trees equal)" || bad "device trees differ"

# the command line tests/qemu-logs/make-log.sh gives QEMU (-monitor none included)
timeout 60 "$R" -M virt -bios none -kernel "$G/hello.elf" -icount shift=0 -display none -serial stdio \
	-monitor none </dev/null >"$T/ml.out"
st_is $? 0 "-display none -serial stdio -monitor none (make-log.sh's QEMU line)"
grep -q "^hello: PASS" "$T/ml.out" || bad "hello: $(cat "$T/ml.out")"

# 3. refused by name, exit 2
refuse() { # option-text expected-message args...
	what=$1 msg=$2; shift 2
	"$R" "$@" -bios none "$G/hello.elf" </dev/null >/dev/null 2>"$T/err"
	st=$?
	[ $st = 2 ] && grep -q -- "$msg" "$T/err" && ok "refused: $what" || bad "$what: exit $st: $(cat "$T/err")"
}
refuse "-enable-kvm" "rr-run: -enable-kvm: unknown option" -enable-kvm
refuse "-M sifive_u" "rr-run: -M sifive_u: only the virt board" -M sifive_u
refuse "-machine virt,aclint=on" "aclint: not supported" -machine virt,aclint=on
refuse "virtio-net-pci" "virtio-net-pci: not a device" -netdev user,id=n0 -device virtio-net-pci,netdev=n0
refuse "format=qcow2" "format=qcow2: only raw" -drive file="$T/disk.img",format=qcow2
refuse "if=ide" "if=ide: only if=virtio" -drive file="$T/disk.img",if=ide
refuse "cache=none" "cache=none: not supported" -drive file="$T/disk.img",cache=none
refuse "a second -drive" "a second disk" -drive file="$T/disk.img" -drive file="$T/disk.img"
refuse "-netdev tap" "tap: only user networking" -netdev tap,id=n0 -device virtio-net-device,netdev=n0
refuse "a -netdev no device uses" "no -device virtio-net-device,netdev=n0" -netdev user,id=n0
refuse "a netdev= that does not exist" "netdev=n1: no -netdev" -netdev user,id=n0 -device virtio-net-device,netdev=n1
refuse "-netdev user,restrict=on" "restrict: not supported" -netdev user,id=n0,restrict=on -device virtio-net-device,netdev=n0
refuse "mac=" "mac: not supported" -netdev user,id=n0 -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56
refuse "-icount shift=auto" "shift=auto" -icount shift=auto
refuse "-icount rrsnapshot=" "rrsnapshot: not supported" -icount shift=0,rr=record,rrfile="$T/x.rr",rrsnapshot=s0
refuse "rr=record without rrfile" "needs rrfile" -icount shift=0,rr=record
refuse "-cpu max" "-cpu max: rr-run's hart is rv64" -cpu max
refuse "-accel kvm" "-accel tcg only" -accel kvm
refuse "-serial pty" "stdio or mon:stdio" -serial pty
refuse "-display gtk" "no display" -display gtk
refuse "-smp 4,maxcpus=8" "no hart hotplug" -smp 4,maxcpus=8
refuse "-smp 9" "must be 1 to 8" -smp 9
refuse "-m 1G,maxmem=2G" "maxmem: not supported" -m 1G,maxmem=2G
refuse "-global other" "not supported" -global virtio-mmio.force-legacy=true
refuse "-object memory-backend-ram" "only rng-random" -object memory-backend-ram,id=m0,size=1G
refuse "-S without -s" "waits for gdb" -S
"$R" -bios none -kernel "$G/hello.elf" -drive </dev/null >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "-drive: needs an argument" "$T/err" && ok "refused: -drive with no argument" ||
	bad "-drive with no argument: $(cat "$T/err")"
[ -e "$T/x.rr" ] && bad "a refused command line left $T/x.rr behind"

# 4. the same command lines on QEMU
command -v qemu-system-riscv64 >/dev/null || { echo "no qemu-system-riscv64: the QEMU half is not run"; exit $fail; }
(sleep 1; echo "qemu words") | timeout 60 qemu-system-riscv64 $M $DEV -kernel "$G/rr_inputs.elf" >"$T/qemu.out" 2>&1
st_is $? 0 "qemu-system-riscv64 runs the same command line"
for l in "serial line='qemu words' len=10" "^rng len=16" "^net sent=0 got=76" "^done"; do
	grep -q "$l" "$T/qemu.out" && grep -q "$l" "$T/rec.out" || bad "QEMU and rr-run differ on '$l': $(cat "$T/qemu.out")"
done
ok "QEMU's guest saw the console, rng and network as rr-run's did"
timeout 60 qemu-system-riscv64 $M -kernel "$G/hello.elf" -icount shift=0,rr=record,rrfile="$T/qh.bin" </dev/null >"$T/qh.out" 2>&1
st_is $? 0 "QEMU records with the same -icount rr=record spelling"
timeout 60 "$R" -q $M -kernel "$G/hello.elf" -icount shift=0,rr=record,rrfile="$T/rh.rr" </dev/null >"$T/rh.out"
st_is $? 0 "rr-run records with it"
cmp -s "$T/qh.out" "$T/rh.out" && ok "both print the same" || bad "QEMU: $(cat "$T/qh.out") rr-run: $(cat "$T/rh.out")"
"$B/rr-dump" --validate "$T/qh.bin" | grep -q "QEMU 7.2 replay" && "$B/rr-dump" --validate "$T/rh.rr" >/dev/null &&
	ok "rr-dump validates both logs" || bad "rr-dump --validate on the two logs"
exit $fail
