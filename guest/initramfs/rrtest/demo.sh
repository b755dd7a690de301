#!/bin/sh
# rrkit demo guest (rrdemo=1 or rrtest=demo): touches every nondeterministic input once.
# Options (kernel command line): rrdemo.host=10.0.2.2 rrdemo.port=8000 rrdemo.file=data.bin
#   rrdemo.timeout=N (seconds to wait for the typed line; default: wait forever)
# Prints "rrdemo: ..." lines that must be identical on every machine given the same images,
# served file and typed line, and "rtc: ..." / "rng: ..." lines that depend on the host.
# Exits 1 if any step failed (each failure also prints "rrdemo: ... FAILED").
host=${RRDEMO_HOST:-10.0.2.2}
port=${RRDEMO_PORT:-8000}
file=${RRDEMO_FILE:-data.bin}
fail=0
say() { echo "rrdemo: $*"; }
bad() { say "$* FAILED"; fail=1; }

say "kernel: $(uname -s -r -m)"
say "cpus: $(nproc)"

# Block device: the raw image before anything writes to it, then the ext2 filesystem.
if [ -b /dev/vda ]; then
	say "vda: $(cat /sys/block/vda/size) sectors, first MiB sha256 $(dd if=/dev/vda bs=64k count=16 2>/dev/null | sha256sum | cut -c1-64)"
	mkdir -p /mnt/disk
	if mount -t ext2 /dev/vda /mnt/disk; then
		say "disk: $(cat /mnt/disk/hello.txt)"
		seq 1 3000 >/mnt/disk/written.txt && sync && umount /mnt/disk &&
			mount -t ext2 /dev/vda /mnt/disk &&
			say "disk-write: $(wc -c </mnt/disk/written.txt) bytes, sha256 $(sha256sum </mnt/disk/written.txt | cut -c1-64)" ||
			bad "disk-write:"
		umount /mnt/disk || bad "disk-umount:"
	else
		bad "disk: mount /dev/vda"
	fi
else
	bad "disk: no /dev/vda"
fi

# Real-time clock: host time, so these lines differ between runs.
echo "rtc: hwclock: $(hwclock -r -u 2>&1)"
echo "rtc: date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
[ -c /dev/rtc0 ] || bad "rtc: no /dev/rtc0"

# Entropy from virtio-rng.
if [ -c /dev/hwrng ]; then
	hex=$(xxd -p -l 16 /dev/hwrng)
	echo "rng: $hex"
	[ ${#hex} -eq 32 ] || bad "rng: read of /dev/hwrng"
	say "rng: $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
else
	bad "rng: no /dev/hwrng"
fi

# Network: QEMU user-net addressing, then one HTTP fetch from the host.
if ip link set lo up && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
	ip route add default via 10.0.2.2; then
	say "net: eth0 10.0.2.15/24 via 10.0.2.2"
	if wget -q -T 30 -O /tmp/fetched "http://$host:$port/$file"; then
		say "fetch: $file $(wc -c </tmp/fetched) bytes, sha256 $(sha256sum </tmp/fetched | cut -c1-64)"
	else
		bad "fetch: http://$host:$port/$file"
	fi
else
	bad "net: eth0 setup"
fi

# Console input: one line, echoed with its sha256 (of the text, without the newline).
printf 'type a line: '
if [ -n "${RRDEMO_TIMEOUT:-}" ]; then read -r -t "$RRDEMO_TIMEOUT" line; else read -r line; fi ||
	bad "line: read"
say "line: $line"
say "line-sha256: $(printf %s "$line" | sha256sum | cut -c1-64)"
exit $fail
