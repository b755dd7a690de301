#!/bin/sh
# The determinism matrix: builds made with gcc and clang, at -O0 and -O2, with and
# without ASan+UBSan; recordings made by some of them replayed by every one.
#
#   sh scripts/determinism-matrix.sh [VARIANT...]        (make determinism-matrix)
#
# VARIANT is COMPILER-OPT[-san][-interp] (default: all eight of gcc/clang x O0/O2 x
# -/san, and gcc-O2-interp), each built into build-det/COMPILER-OPT[-san] as
# scripts/determinism-soak.sh does; the core is the axis -interp names: its rr-run
# runs with --cpu interp, the others with --cpu jit (which interprets on hosts
# without a JIT).
# Recordings:
#   bare  rr_inputs on 2 harts (console line, RTC, entropy, disk, net, idle), with
#         a snapshot every 15000 and a hash every 4000 instructions: recorded by
#         EVERY build, replayed by every build (an N x N matrix);
#   demo  the Linux demo guest (scripts/demo.sh's: disk, RTC, hwrng, an HTTP fetch
#   smp2  from the host, a typed line), on 1 and on 2 harts: recorded by every build
#         (or those of MATRIX_RECORDERS), replayed by every build. MATRIX_LINUX=0
#         leaves them out (they need the guest images: make guest-images).
# Each replay must exit 0 with every state hash verified and print the recording's
# console output byte for byte; the machine state at the end (rr-run --stop-at, in
# key=value lines) must be the same for every build that replays one recording.
# Prints one line per replay, a matrix per recording (rows: recorded by, columns:
# replayed by; "ok" or "FAIL"), the time each build took, and
# "determinism matrix: B builds, R recordings, P replays, all identical" (exit 0),
# or what differed (exit 1).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
G=$top/build/guest C=$top/cache/guest
[ -f "$G/rr_inputs.elf" ] || { echo "make guest-tests first"; exit 2; }
variants=${*:-gcc-O0 gcc-O2 clang-O0 clang-O2 gcc-O0-san gcc-O2-san clang-O0-san clang-O2-san gcc-O2-interp}
dir_of() { echo "build-det/${1%-interp}"; }
cpu_of() { case $1 in *-interp) echo interp ;; *) echo jit ;; esac; }
recorders=${MATRIX_RECORDERS:-}
linux=${MATRIX_LINUX:-1}
T=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail=0 nrep=0 nb=0 nrec=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
now() { date +%s; }

# ---- builds ----
built=
for v in $variants; do
	b=${v%-interp}
	cc=${b%%-*} rest=${b#*-}
	opt=${rest%%-*} san=
	case $rest in *-san) san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;; esac
	command -v "$cc" >/dev/null || { bad "$v: no $cc"; continue; }
	D=$(dir_of "$v")
	t0=$(now)
	if ! make -s -j2 B="$D" CC="$cc" CFLAGS="-$opt -g -std=gnu11 -fPIC $san" LDFLAGS="$san" \
		"$D/rr-run" "$D/rr-dump" >"$T/build.log" 2>&1; then
		bad "$v: build failed: $(tail -5 "$T/build.log")"; continue
	fi
	nb=$((nb + 1)) built="$built $v"
	echo "$v 0" >"$T/time.$v"
	ok "$v: built in $(( $(now) - t0 )) s"
done
[ -n "$built" ] || { echo "no build"; exit 1; }
# add SECONDS to build V's replay time
spent() { read -r _ s <"$T/time.$1"; echo "$1 $((s + $2))" >"$T/time.$1"; }

# ---- recordings ----
head -c 1048576 /dev/urandom >"$T/disk.img"
record_bare() { # V
	D=$(dir_of "$1")
	echo "matrix line" | timeout 300 "$D/rr-run" --cpu "$(cpu_of "$1")" -q -w "$T/bare.$1.rr" --smp 2 --snapshot-every 15000 \
		--hash-interval 4000 --bios none --drive "$T/disk.img" --net user "$G/rr_inputs.elf" \
		>"$T/bare.$1.out" 2>"$T/err" || { bad "$1: record bare: $(tail -2 "$T/err")"; return 1; }
}
# the web server and the typed line of scripts/demo.sh
feed() { # OUTFILE PROMPT LINE: the line once PROMPT shows in OUTFILE
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
	printf '%s\n' "$3"
	sleep 2
}
record_linux() { # V NAME SMP
	D=$(dir_of "$1")
	mkfifo "$T/in.$2.$1"
	feed "$T/$2.$1.out" "type a line:" "typed for the matrix" >"$T/in.$2.$1" &
	fp=$!
	timeout 3600 "$D/rr-run" --cpu "$(cpu_of "$1")" -q -w "$T/$2.$1.rr" --snapshot-every 30000000 --smp "$3" -m 256M \
		--kernel "$C/Image" --initrd "$C/initramfs.cpio.gz" \
		--append "console=ttyS0 quiet rrdemo=1 rrdemo.port=$port" \
		--drive "$C/disk.img" --net user <"$T/in.$2.$1" >"$T/$2.$1.out" 2>"$T/err"
	st=$?
	wait "$fp"
	[ $st = 0 ] && grep -q "rrdemo: line: typed for the matrix" "$T/$2.$1.out" &&
		grep -q "rrdemo: cpus: $3" "$T/$2.$1.out" &&
		grep -q "rrdemo: fetch: data.bin $(wc -c <"$T/www/data.bin") bytes" "$T/$2.$1.out" \
		|| { bad "$1: record $2: exit $st: $(tail -2 "$T/err") $(grep -e FAILED -e fetch "$T/$2.$1.out")"; return 1; }
}
logs=
for v in $built; do
	t0=$(now)
	record_bare "$v" && logs="$logs bare.$v" && nrec=$((nrec + 1)) &&
		ok "$v: recorded bare in $(( $(now) - t0 )) s"
done
if [ "$linux" = 1 ]; then
	for f in Image initramfs.cpio.gz disk.img; do
		[ -f "$C/$f" ] || { bad "$C/$f missing (make guest-images, or MATRIX_LINUX=0)"; linux=0; }
	done
fi
if [ "$linux" = 1 ]; then
	mkdir "$T/www"
	seq 1 20000 >"$T/www/data.bin"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >/dev/null 2>&1 &
	server=$!
	sleep 0.5
	for v in ${recorders:-$built}; do
		case " $built " in *" $v "*) ;; *) bad "recorder $v was not built"; continue ;; esac
		for r in demo:1 smp2:2; do
			t0=$(now)
			record_linux "$v" "${r%%:*}" "${r#*:}" && logs="$logs ${r%%:*}.$v" && nrec=$((nrec + 1)) &&
				ok "$v: recorded ${r%%:*} in $(( $(now) - t0 )) s"
		done
	done
	kill "$server" 2>/dev/null; server=
fi

# ---- replays: every recording by every build ----
for l in $logs; do
	first=
	for v in $built; do
		D=$(dir_of "$v") cpu=$(cpu_of "$v")
		t0=$(now)
		timeout 3600 "$D/rr-run" --cpu "$cpu" -r "$T/$l.rr" </dev/null >"$T/$l.by.$v" 2>"$T/err"
		st=$?
		last=$("$D/rr-dump" "$T/$l.rr" | tail -n 1 | sed 's/^icount=\([0-9]*\) .*/\1/')
		timeout 3600 "$D/rr-run" --cpu "$cpu" -r "$T/$l.rr" --stop-at "$last" >"$T/$l.end.$v" 2>/dev/null
		spent "$v" $(( $(now) - t0 ))
		nrep=$((nrep + 1))
		res=ok why=
		[ $st = 0 ] || { res=FAIL why="exit $st: $(tail -1 "$T/err")"; }
		grep -q ' [1-9][0-9]* state hashes verified' "$T/err" || { res=FAIL why="$why no hashes verified"; }
		cmp -s "$T/$l.by.$v" "$T/$l.out" || { res=FAIL why="$why console output differs"; }
		if [ -z "$first" ]; then first=$v
		else cmp -s "$T/$l.end.$v" "$T/$l.end.$first" || { res=FAIL why="$why end state differs from $first's"; }; fi
		echo "$res" >"$T/cell.$l.$v"
		if [ $res = ok ]; then ok "$l replayed by $v: $(grep -o '[0-9]* state hashes verified' "$T/err"), output and end state identical"
		else bad "$l replayed by $v: $why"; fi
	done
done

# ---- the matrices ----
for kind in bare demo smp2; do
	rows=
	for l in $logs; do case $l in $kind.*) rows="$rows ${l#*.}" ;; esac; done
	[ -n "$rows" ] || continue
	echo "== $kind: rows recorded by, columns replayed by"
	printf '%-14s' ""; for v in $built; do printf ' %-12s' "$v"; done; echo
	for r in $rows; do
		printf '%-14s' "$r"
		for v in $built; do printf ' %-12s' "$(cat "$T/cell.$kind.$r.$v" 2>/dev/null || echo -)"; done
		echo
	done
done
echo "== seconds spent replaying, per build"
for v in $built; do cat "$T/time.$v"; done
[ $fail -eq 0 ] && echo "determinism matrix: $nb builds, $nrec recordings, $nrep replays, all identical"
exit $fail
