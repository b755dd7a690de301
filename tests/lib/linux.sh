# Sourced by the slow tests that debug Linux with the kernel's symbols: the build
# folder, the cached guest images and vmlinux (scripts/build-guest.sh), a scratch
# folder removed at exit, a server pid ($spid) killed at exit, ok/bad reporting.
set -u
B=${BUILD:?}; TOP=${TOP:?}
. "$TOP/tests/lib/wait.sh"
C=${RRKIT_CACHE:-$TOP/cache}
G=$C/guest
VMLINUX=$C/build/linux/vmlinux
T=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
for f in "$G/Image" "$G/initramfs.cpio.gz" "$VMLINUX"; do
	[ -f "$f" ] || { echo "missing $f: run scripts/build-guest.sh"; exit 1; }
done
