#!/bin/sh
# A full disk and a slow disk.
#
# Full: small tmpfs file systems (root only: mount -t tmpfs; without the right to
# mount, the test says SKIP with exit 77, which CI, running as root, counts as a
# failure). The recorder, filling one at several sizes, stops with exit 1 and "No
# space left on device"; its log validates as truncated and replays to its end (exit
# 3); rr-cut, rr-merge and a bundle writing to a full disk fail with exit 1 and leave
# neither OUT nor OUT.part.
# Slow: the log goes to a FIFO that a reader drains at 4 MB/s (the recorder makes
# about 20): the recorder waits; the log read at the other end is the one written to a
# file (churn is deterministic), complete and valid, and the recorder's peak memory is
# that of a recording to a file.
. "${TOP:?}/tests/lib/common.sh"
RUN=$B/rr-run DUMP=$B/rr-dump
REC="--snapshot-every 5000000 --hash-interval 1000000 --bios none $G/churn.elf"
[ -f "$G/churn.elf" ] || { echo "no $G/churn.elf (make guest-tests)"; exit 1; }

# peak_kb CMD...: runs CMD (killed after 60 s), $pst = its exit status, $peak = its
# VmHWM in KiB (polled every 20 ms). Under ASan the quarantine of freed memory is
# kept small for this: it holds as much as the run frees, and a slow writer frees
# more often (73 against 55 MB seen under load, the same code).
peak_kb() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 "$@" >/dev/null &
	pid=$!
	peak=0 polls=0
	while kill -0 $pid 2>/dev/null; do
		v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
		polls=$((polls + 1))
		[ $polls -lt 3000 ] || kill -9 $pid
		sleep 0.02
	done
	wait $pid
	pst=$?
}

# 1. The reference: churn recorded to a file.
peak_kb "$RUN" -q -w "$T/ref.rr" $REC
st_is $pst 0 "record to a file"
refpeak=$peak
"$DUMP" "$T/ref.rr" >"$T/ref.txt" || bad "dump of the reference"

# 2. Slow disk: a FIFO read at 4 MB/s.
mkfifo "$T/fifo"
perl -e 'binmode STDIN; binmode STDOUT; $| = 1;
	while (sysread(STDIN, $b, 16384)) { syswrite(STDOUT, $b); select(undef, undef, undef, 0.004) }' \
	<"$T/fifo" >"$T/slow.rr" &
reader=$!
t0=$(date +%s%N)
peak_kb "$RUN" -q -w "$T/fifo" $REC
t1=$(date +%s%N)
wait $reader
st_is $pst 0 "record to a FIFO read slowly"
ms=$(( (t1 - t0) / 1000000 ))
size=$(wc -c <"$T/slow.rr")
# the recorder cannot have finished before the reader had nearly all of it
[ $ms -ge $((size / 4000 * 8 / 10)) ] && ok "the recorder waited for the reader ($size bytes in $ms ms)" \
	|| bad "the recorder finished in $ms ms, faster than a 4 MB/s reader can take $size bytes"
"$DUMP" --validate "$T/slow.rr" >/dev/null 2>&1 && ok "the log through the FIFO validates" \
	|| bad "the log through the FIFO does not validate"
"$DUMP" "$T/slow.rr" 2>&1 | cmp -s - "$T/ref.txt" && ok "its events are those of the recording to a file" \
	|| bad "its events differ from the recording to a file"
[ "$peak" -gt 0 ] && [ "$peak" -le $((refpeak + 4096)) ] && ok "recorder peak memory ${peak} KiB (to a file: ${refpeak} KiB)" \
	|| bad "recorder peak memory ${peak} KiB, to a file ${refpeak} KiB"
timeout 60 "$RUN" -r "$T/slow.rr" </dev/null >/dev/null 2>&1
st_is $? 0 "the log through the FIFO replays"

# 3. Full disk.
mkdir "$T/mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$T/mnt" 2>"$T/mount.err"; then
	echo "SKIP: cannot mount a tmpfs (not root?): $(cat "$T/mount.err"); the full-disk part did not run"
	[ $fail -eq 0 ] && exit 77
	exit 1
fi
trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
ref_size=$(wc -c <"$T/ref.rr")
for kb in 64 400 1500 4000; do
	umount "$T/mnt"; mount -t tmpfs -o size=${kb}k tmpfs "$T/mnt" || { bad "mount ${kb}k"; continue; }
	timeout 60 "$RUN" -q -w "$T/mnt/a.rr" $REC >/dev/null 2>"$T/err"
	rst=$?
	what="recording onto a full ${kb} KiB disk"
	[ $rst -eq 1 ] && grep -qi "no space left on device" "$T/err" \
		&& ok "$what stops (exit 1): $(tail -n 1 "$T/err" | cut -c1-140)" \
		|| bad "$what: exit $rst: $(cat "$T/err")"
	[ "$(grep -c . "$T/err")" -eq 1 ] || bad "$what: more than one line of complaint: $(cat "$T/err")"
	"$DUMP" --validate "$T/mnt/a.rr" >/dev/null 2>"$T/v.err"
	vst=$?
	[ $vst -eq 1 ] && grep -q truncated "$T/v.err" && ok "$what: the log validates as truncated" \
		|| bad "$what: validate exit $vst: $(cat "$T/v.err")"
	"$DUMP" "$T/mnt/a.rr" >"$T/a.txt" 2>/dev/null
	n=$(wc -l <"$T/a.txt")
	head -n "$n" "$T/ref.txt" | cmp -s - "$T/a.txt" \
		&& ok "$what: its $n events are the reference's first" || bad "$what: its events differ from the reference"
	timeout 60 "$RUN" -r "$T/mnt/a.rr" </dev/null >/dev/null 2>"$T/r.err"
	rst=$?
	if [ "$n" -gt 0 ]; then
		st_is $rst 3 "$what: the log replays to its end ($(tail -n 1 "$T/r.err" | cut -c1-100))"
	else
		# nothing complete but the header, or not even that
		[ $rst -eq 3 ] || [ $rst -eq 2 ] && ok "$what: no complete block: replay exit $rst" \
			|| bad "$what: no complete block: replay exit $rst: $(cat "$T/r.err")"
	fi
	[ "$(wc -c <"$T/mnt/a.rr")" -lt "$ref_size" ] || bad "$what: the log is not shorter than the full one"
done

# the other writers: OUT and OUT.part gone after a failure
umount "$T/mnt"; mount -t tmpfs -o size=1500k tmpfs "$T/mnt"
no_out() { # what status out
	[ "$2" -eq 1 ] && grep -qi "no space left on device" "$T/err" && ok "$1 fails (exit 1): $(tail -n 1 "$T/err" | cut -c1-120)" \
		|| bad "$1: exit $2: $(cat "$T/err")"
	left=$(ls "$T/mnt")
	[ -z "$left" ] && ok "$1 leaves nothing behind" || bad "$1 leaves $left"
	rm -f "$T/mnt"/*
}
"$B/rr-cut" -q -A 1e7 -B 9e7 "$T/ref.rr" "$T/mnt/out.rr" 2>"$T/err"
no_out "rr-cut onto a full disk" $? out.rr
"$B/rr-cut" -q --segments 3 "$T/ref.rr" "$T/mnt/out.rr" 2>"$T/err"
st=$?
rm -f "$T/mnt"/out-001.rr # a complete first segment may fit
no_out "rr-cut --segments onto a full disk" $st out.rr
"$B/rr-cut" -q --segments 2 "$T/ref.rr" "$T/seg.rr" 2>/dev/null || bad "rr-cut --segments 2"
"$B/rr-merge" -q -o "$T/mnt/out.rr" "$T"/seg-00[12].rr 2>"$T/err"
no_out "rr-merge onto a full disk" $? out.rr
"$DUMP" --full "$T/ref.rr" >"$T/ref.full" 2>/dev/null
"$B/rr-merge" -q --from-text -o "$T/mnt/out.rr" "$T/ref.full" 2>"$T/err"
no_out "rr-merge --from-text onto a full disk" $? out.rr
timeout 60 "$RUN" -q -w "$T/mnt/out.tar" $REC >/dev/null 2>"$T/err"
no_out "a bundle onto a full disk" $? out.tar
exit $fail
