#!/bin/sh
# Determinism soak: recordings made by the default build (gcc -O2) replayed by
# builds made with other compilers, optimisation levels and sanitizers, and
# recordings made by each of those replayed by the default build.
#
#   sh scripts/determinism-soak.sh [VARIANT...]      (make determinism: a short set)
#
# VARIANT is COMPILER-OPT[-san]: gcc-O0 gcc-O2 clang-O0 clang-O2 gcc-O2-san clang-O1-san...
# Default: all of gcc-O0 gcc-O2-san clang-O0 clang-O2 clang-O2-san. Each is built into
# build-det/VARIANT (make CC=... CFLAGS=...). SOAK_REPEAT=N replays each recording N
# times with each build (default 1).
# Checks, for every build:
#   - each recording (rr_inputs with every input kind, the same on 2 harts, churn
#     with its snapshots) replays with exit 0 and every state hash verified;
#   - the machine state printed at the end (rr-run --stop-at) is byte for byte the
#     default build's;
#   - its own recordings of the deterministic guests (churn, bench-free hello) have
#     the events of the default build's, and replay on the default build.
# Prints one line per check and "determinism: N builds, N replays, all identical",
# exit 0; or the differences, exit 1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
REF=$top/build G=$top/build/guest
[ -x "$REF/rr-run" ] && [ -f "$G/churn.elf" ] || { echo "make all guest-tests first"; exit 2; }
variants=${*:-gcc-O0 gcc-O2-san clang-O0 clang-O2 clang-O2-san}
REPEAT=${SOAK_REPEAT:-1}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0 nrep=0 nb=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"

# The recordings, by the default build.
head -c 65536 /dev/urandom >"$T/disk.img"
echo "soak line" | "$REF/rr-run" -q -w "$T/inputs.rr" --snapshot-every 15000 --hash-interval 4000 \
	--bios none --drive "$T/disk.img" --net user "$G/rr_inputs.elf" >/dev/null || bad "record rr_inputs"
echo "smp" | "$REF/rr-run" -q -w "$T/smp.rr" --smp 2 --snapshot-every 15000 --hash-interval 4000 \
	--bios none --drive "$T/disk.img" "$G/rr_inputs.elf" >/dev/null || bad "record rr_inputs --smp 2"
"$REF/rr-run" -q -w "$T/churn.rr" --snapshot-every 5000000 --hash-interval 1000000 --bios none \
	"$G/churn.elf" >/dev/null || bad "record churn"
LOGS="inputs smp churn"
# end_state BUILD LOG: the machine at the log's last icount
end_state() {
	last=$("$REF/rr-dump" "$2" | tail -n 1 | sed 's/^icount=\([0-9]*\) .*/\1/')
	"$1/rr-run" -r "$2" --stop-at "$last" 2>/dev/null
}
for l in $LOGS; do end_state "$REF" "$T/$l.rr" >"$T/$l.ref" || bad "default build: --stop-at on $l"; done
"$REF/rr-dump" "$T/churn.rr" | grep -v '^#' >"$T/churn.events"

for v in $variants; do
	cc=${v%%-*} rest=${v#*-}
	opt=${rest%%-*} san=
	case $rest in *-san) san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;; esac
	command -v "$cc" >/dev/null || { bad "$v: no $cc"; continue; }
	D=build-det/$v
	t0=$(date +%s)
	if ! make -s -j2 B="$D" CC="$cc" CFLAGS="-$opt -g -std=gnu11 -fPIC $san" LDFLAGS="$san" \
		"$D/rr-run" "$D/rr-dump" >"$T/build.log" 2>&1; then
		bad "$v: build failed: $(tail -5 "$T/build.log")"; continue
	fi
	nb=$((nb + 1))
	ok "$v: built in $(( $(date +%s) - t0 )) s"
	for l in $LOGS; do
		r=0
		while [ $r -lt "$REPEAT" ]; do
			r=$((r + 1))
			timeout 300 "$D/rr-run" -r "$T/$l.rr" </dev/null >/dev/null 2>"$T/err"
			st=$?
			nrep=$((nrep + 1))
			[ $st -eq 0 ] && grep -q "state hashes verified" "$T/err" \
				|| bad "$v: replay of $l: exit $st: $(tail -2 "$T/err")"
		done
		end_state "$D" "$T/$l.rr" >"$T/$l.$v" 2>/dev/null
		cmp -s "$T/$l.$v" "$T/$l.ref" && ok "$v: $l replayed ($REPEAT x), hashes verified, end state identical" \
			|| bad "$v: the end state of $l differs from the default build's"
	done
	"$D/rr-run" -q -w "$T/churn.$v.rr" --snapshot-every 5000000 --hash-interval 1000000 --bios none \
		"$G/churn.elf" >/dev/null 2>"$T/err" || bad "$v: record churn: $(tail -2 "$T/err")"
	"$REF/rr-dump" "$T/churn.$v.rr" | grep -v '^#' | cmp -s - "$T/churn.events" \
		&& ok "$v: its recording of churn has the default build's events" \
		|| bad "$v: its recording of churn differs from the default build's"
	"$REF/rr-run" -q -r "$T/churn.$v.rr" >/dev/null 2>&1 && ok "$v: its recording replays on the default build" \
		|| bad "$v: its recording does not replay on the default build"
done
[ $fail -eq 0 ] && echo "determinism: $nb builds, $nrep replays, all identical"
exit $fail
