# Sourced by the end-to-end tests: the build and guest folders, a scratch folder
# removed at exit, ok/bad reporting (bad makes the test fail), and the recording of
# the rr_inputs guest (every input kind) that many tests start from.
set -u
B=${BUILD:?}; TOP=${TOP:?}
G=$TOP/build/guest
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
st_is() { [ "$1" = "$2" ] && ok "$3 (exit $1)" || bad "$3: exit $1, want $2"; }
[ -f "$G/rr_inputs.elf" ] || { echo "no $G/rr_inputs.elf (make guest-tests)"; exit 1; }
head -c 65536 /dev/urandom >"$T/disk.img"
# record_inputs LOG LINE [rr-run options]: rr_inputs recorded with LINE typed on its
# console, a disk and the network, snapshots every 15000 and hashes every 4000
# instructions unless the options say otherwise.
record_inputs() {
	log=$1 line=$2; shift 2
	echo "$line" | timeout 60 "$B/rr-run" -q -w "$log" --snapshot-every 15000 --hash-interval 4000 "$@" \
		--bios none --drive "$T/disk.img" --net user "$G/rr_inputs.elf"
}
