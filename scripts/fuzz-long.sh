#!/bin/sh
# Long fuzz runs for RELIABILITY.md's table: every libFuzzer target of `make fuzz`,
# one after the other, each for SECONDS (default 300), under nice, from its kept
# corpus (new inputs go to build/fuzz-long/NAME-out, crash inputs beside them).
#
#   make fuzz FUZZ_SECONDS=1 && sh scripts/fuzz-long.sh [SECONDS] [NAME...]
#
# Prints one line a target: runs, exec/s, coverage (edges), features, corpus size,
# and "no failure" or the failure and its input; exit 1 if any target failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-300}
[ $# -gt 0 ] && shift
names=${*:-reader snapshot config gdb monitor qemu text elf bundle virtio}
O=build/fuzz-long
mkdir -p "$O"
fail=0
for n in $names; do
	case $n in
	reader) len=65536 corp=tests/fuzz/corpus ;;
	snapshot) len=262144 corp=build/fuzz/snapshot-seed ;;
	config) len=4096 corp=tests/fuzz/corpus-config ;;
	gdb) len=20000 corp=tests/fuzz/corpus-gdb ;;
	monitor) len=4096 corp=tests/fuzz/corpus-monitor ;;
	qemu) len=65536 corp=tests/fuzz/corpus-qemu ;;
	text) len=16384 corp=tests/fuzz/corpus-text ;;
	elf) len=65536 corp=tests/fuzz/corpus-elf ;;
	bundle) len=65536 corp=tests/fuzz/corpus-bundle ;;
	virtio) len=4096 corp="tests/fuzz/corpus-virtio build/fuzz/virtio-seed" ;;
	*) echo "unknown target $n"; exit 2 ;;
	esac
	f=build/fuzz/fuzz_$n
	[ -x "$f" ] || { echo "fuzz_$n: not built (make fuzz FUZZ_SECONDS=1)"; fail=1; continue; }
	mkdir -p "$O/$n-out"
	# shellcheck disable=SC2086
	nice "$f" -max_total_time="$secs" -max_len=$len -timeout=60 -artifact_prefix="$O/fuzz_$n-" \
		-print_final_stats=1 "$O/$n-out" $corp >"$O/$n.log" 2>&1
	st=$?
	last=$(grep -E '^#[0-9]+' "$O/$n.log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$O/$n.log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$O/$n.log")
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp_n=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p')
	if [ $st -eq 0 ]; then res="no failure"
	else res="FAILED (exit $st): $(grep -m1 -e '^==[0-9]*==ERROR' -e 'runtime error' -e '^SUMMARY' "$O/$n.log"); input: $(ls "$O"/fuzz_$n-* 2>/dev/null | head -1)"; fail=1; fi
	echo "fuzz_$n: ${runs:-?} runs in $secs s (${eps:-?}/s), coverage ${cov:-?}, features ${ft:-?}, corpus ${corp_n:-?}: $res"
done
exit $fail
