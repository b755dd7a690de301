#!/bin/sh
# Build the rrkit guest images from Debian packages and cache them in cache/guest/:
#   Image               Linux 6.1 (linux-source-6.1), tinyconfig + guest/linux.config
#   busybox             static riscv64 busybox (Debian source package) with guest/busybox.config
#   initramfs.cpio.gz   busybox + guest/init + guest/initramfs/ (built without root: gen_init_cpio)
#   disk.img            ext2 image of guest/disk/
# Each output is rebuilt only when the hash of its inputs changes (key files *.key beside it).
# Usage: scripts/build-guest.sh [--force] [-j N]
# Environment: JOBS (default 2), RRKIT_CACHE (default <repo>/cache).
# Exit 0 and print the output paths; on error print a message (and a log tail) and exit 1.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${RRKIT_CACHE:-$top/cache}
out=$cache/guest
srcdir=$cache/src
blddir=$cache/build
jobs=${JOBS:-2}
force=0
cross=riscv64-linux-gnu-
ksrc_tar=/usr/src/linux-source-6.1.tar.xz
# Fixed stamps so that identical inputs give identical images (hashed into recordings).
stamp=1700000000
export KBUILD_BUILD_TIMESTAMP='2023-11-14 22:13:20 UTC' KBUILD_BUILD_USER=rrkit KBUILD_BUILD_HOST=rrkit
export KBUILD_BUILD_VERSION=1 SOURCE_DATE_EPOCH=$stamp
# Bump a recipe version when the way an output is built changes (not its config files).
KERNEL_RECIPE=2 BUSYBOX_RECIPE=2 INITRD_RECIPE=2 DISK_RECIPE=2

while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1 ;;
	-j) shift; jobs=$1 ;;
	-j*) jobs=${1#-j} ;;
	-h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "build-guest: unknown option: $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "build-guest: $*" >&2; exit 1; }
note() { echo "build-guest: $*" >&2; }
# die_log LOG MESSAGE: fail, showing the end of a build log.
die_log() { tail -25 "$1" >&2; die "$2 (full log: $1)"; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: run scripts/install-deps.sh --guest"; }
# hash_of FILES...: one sha256 over the named files' contents and names.
hash_of() { sha256sum "$@" | sha256sum | cut -c1-64; }
# tree_hash DIR: one sha256 over every file (path, mode, content) under DIR.
tree_hash() {
	(cd "$1" && find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do
		printf '%s %s ' "$f" "$(stat -c %a "$f")"
		if [ -L "$f" ]; then readlink "$f"; else sha256sum <"$f"; fi
	done) | sha256sum | cut -c1-64
}
# up_to_date OUTPUT KEY: true when OUTPUT exists and was built from inputs hashing to KEY.
up_to_date() {
	[ "$force" = 0 ] && [ -s "$1" ] && [ -f "$1.key" ] && [ "$(cat "$1.key")" = "$2" ]
}
# install_out BUILT OUTPUT KEY: atomically publish BUILT as OUTPUT with its key.
install_out() {
	cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2" && echo "$3" >"$2.key"
}
# check_config CONFIG FRAGMENT WHAT: every CONFIG_X=V line of FRAGMENT must be in CONFIG and
# every "# CONFIG_X is not set" must be absent from it; else fail listing the offenders.
check_config() {
	bad=$(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$2" | while read -r l; do
		grep -qxF "$l" "$1" || echo "  wanted $l, got: $(grep -E "^(# )?${l%%=*}[= ]" "$1" || echo absent)"
	done
	grep -E '^# CONFIG_[A-Za-z0-9_]+ is not set' "$2" | while read -r _ c _; do
		if grep -q "^$c=" "$1"; then echo "  wanted $c off, got: $(grep "^$c=" "$1")"; fi
	done)
	[ -z "$bad" ] || die "$3 configuration lacks options from $2 (missing dependency?):
$bad"
}

need sha256sum
mkdir -p "$out" "$srcdir" "$blddir"
need flock
exec 9>"$out/.lock"
flock 9 || die "cannot lock $out/.lock"

# ---- Linux ------------------------------------------------------------------------------
kver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %s "$ksrc_tar" 2>/dev/null || true)
[ -f "$ksrc_tar" ] || die "$ksrc_tar missing: run scripts/install-deps.sh --guest"
ksrc=$srcdir/linux-source-6.1
kbld=$blddir/linux
kkey=$( (echo "recipe $KERNEL_RECIPE linux $kver"; cat "$top/guest/linux.config") | sha256sum | cut -c1-64)
if [ ! -f "$ksrc/.rrkit-unpacked" ]; then
	need xz
	note "unpacking $ksrc_tar"
	rm -rf "$ksrc" "$srcdir/linux.tmp"
	mkdir -p "$srcdir/linux.tmp"
	tar -C "$srcdir/linux.tmp" -xf "$ksrc_tar" || die "cannot unpack $ksrc_tar"
	mv "$srcdir/linux.tmp/linux-source-6.1" "$ksrc" && rmdir "$srcdir/linux.tmp"
	touch "$ksrc/.rrkit-unpacked"
fi
if up_to_date "$out/Image" "$kkey"; then
	note "kernel up to date"
else
	need ${cross}gcc; need make; need bc; need flex; need bison
	note "building Linux $kver (make -j$jobs, a few minutes; log: $kbld.log)"
	t0=$(date +%s)
	mkdir -p "$kbld"
	# tinyconfig is allnoconfig over tiny-base.config + tiny.config; the fragment joins that
	# allnoconfig pass so that options it enables do not drag in their defaults (IPv6, ...).
	(cd "$ksrc" && ARCH=riscv CROSS_COMPILE=$cross scripts/kconfig/merge_config.sh -n -O "$kbld" \
		kernel/configs/tiny-base.config kernel/configs/tiny.config "$top/guest/linux.config") \
		>"$kbld.log" 2>&1 || die_log "$kbld.log" "kernel configuration failed"
	check_config "$kbld/.config" "$top/guest/linux.config" kernel
	make -C "$ksrc" O="$kbld" ARCH=riscv CROSS_COMPILE=$cross -j"$jobs" Image >>"$kbld.log" 2>&1 || die_log "$kbld.log" "kernel build failed"
	install_out "$kbld/arch/riscv/boot/Image" "$out/Image" "$kkey"
	cp "$kbld/.config" "$out/linux.config.full"
	note "kernel built in $(( $(date +%s) - t0 ))s"
fi

# ---- busybox ----------------------------------------------------------------------------
# fetch_busybox: unpack Debian's busybox source package into cache/src (adds a deb-src
# entry mirroring the machine's Debian sources when apt has none).
fetch_busybox() {
	need dpkg-source; need apt-get
	tmp=$srcdir/busybox.tmp
	rm -rf "$tmp"; mkdir -p "$tmp"
	sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
	if ! (cd "$tmp" && apt-get source -qq busybox) >"$tmp.log" 2>&1; then
		if ! grep -rqsE '^deb-src|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
			note "adding deb-src entries mirroring the Debian ones: /etc/apt/sources.list.d/rrkit-deb-src.*"
			for f in /etc/apt/sources.list.d/*.sources; do
				[ -f "$f" ] || continue
				awk 'BEGIN { RS = ""; ORS = "\n\n" }
				     /URIs:[^\n]*debian/ && /Types:[^\n]*deb/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
			done >"$tmp/rrkit-deb-src.sources"
			cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
				sed -n 's/^deb\([[:space:]].*debian\)/deb-src\1/p' >"$tmp/rrkit-deb-src.list"
			[ -s "$tmp/rrkit-deb-src.sources" ] || [ -s "$tmp/rrkit-deb-src.list" ] ||
				die "no Debian entry in /etc/apt to mirror as deb-src"
			for f in "$tmp"/rrkit-deb-src.*; do
				[ -s "$f" ] || continue
				$sudo cp "$f" /etc/apt/sources.list.d/ || die "cannot write /etc/apt/sources.list.d/${f##*/}"
			done
		fi
		note "apt-get update (source indexes)"
		$sudo apt-get update -qq >>"$tmp.log" 2>&1 || die_log "$tmp.log" "apt-get update failed"
		(cd "$tmp" && apt-get source -qq busybox) >>"$tmp.log" 2>&1 ||
			die_log "$tmp.log" "apt-get source busybox failed"
	fi
	d=$(ls -d "$tmp"/busybox-*/ 2>/dev/null | head -1)
	[ -n "$d" ] || die_log "$tmp.log" "apt-get source busybox left no source tree"
	rm -rf "$srcdir/busybox"
	mv "$d" "$srcdir/busybox"
	ls "$tmp"/*.dsc | sed 's|.*/||' >"$srcdir/busybox/.rrkit-dsc"
	rm -rf "$tmp" "$tmp.log"
}
[ -f "$srcdir/busybox/.rrkit-dsc" ] || { note "fetching busybox source package"; fetch_busybox; }
bver=$(cat "$srcdir/busybox/.rrkit-dsc")
bbld=$blddir/busybox
bkey=$( (echo "recipe $BUSYBOX_RECIPE $bver"; cat "$top/guest/busybox.config") | sha256sum | cut -c1-64)
if up_to_date "$out/busybox" "$bkey"; then
	note "busybox up to date"
else
	need ${cross}gcc
	[ -f /usr/riscv64-linux-gnu/lib/libc.a ] ||
		die "riscv64 static libc missing: run scripts/install-deps.sh --guest (libc6-dev-riscv64-cross)"
	note "building busybox from $bver (log: $bbld.log)"
	t0=$(date +%s)
	rm -rf "$bbld"; mkdir -p "$bbld"
	bm() { make -C "$srcdir/busybox" O="$bbld" CROSS_COMPILE=$cross "$@"; }
	# busybox's old kconfig ignores KCONFIG_ALLCONFIG for allnoconfig: start from allnoconfig,
	# put the fragment's lines in place of the same symbols', let oldconfig settle the rest.
	frag=$top/guest/busybox.config
	{
		bm allnoconfig </dev/null &&
		sed -n 's/^\(# \)\{0,1\}\(CONFIG_[A-Za-z0-9_]*\)[= ].*/\2/p' "$frag" >"$bbld/frag.syms" &&
		{ grep -v -w -F -f "$bbld/frag.syms" "$bbld/.config"; grep -E '^(# )?CONFIG_' "$frag"; } >"$bbld/.config.new" &&
		mv "$bbld/.config.new" "$bbld/.config" &&
		yes "" | bm oldconfig
	} >"$bbld.log" 2>&1 || die_log "$bbld.log" "busybox configuration failed"
	check_config "$bbld/.config" "$top/guest/busybox.config" busybox
	bm -j"$jobs" busybox >>"$bbld.log" 2>&1 || die_log "$bbld.log" "busybox build failed"
	${cross}readelf -h "$bbld/busybox" | grep -q 'RISC-V' || die "$bbld/busybox is not a RISC-V binary"
	! ${cross}readelf -l "$bbld/busybox" | grep -q INTERP || die "$bbld/busybox is not static"
	# The applet list comes from the build (the binary cannot run on the host).
	bm busybox.links >>"$bbld.log" 2>&1 || die_log "$bbld.log" "busybox.links failed"
	install_out "$bbld/busybox.links" "$out/busybox.links" "$bkey"
	install_out "$bbld/busybox" "$out/busybox" "$bkey"
	note "busybox built in $(( $(date +%s) - t0 ))s"
fi

# ---- initramfs --------------------------------------------------------------------------
ikey=$( (echo "recipe $INITRD_RECIPE"; cat "$out/busybox.key" "$out/busybox.links" "$top/guest/init";
	tree_hash "$top/guest/initramfs") | sha256sum | cut -c1-64)
if up_to_date "$out/initramfs.cpio.gz" "$ikey"; then
	note "initramfs up to date"
else
	need cc; need gzip
	gen=$blddir/gen_init_cpio
	[ -x "$gen" ] || cc -O2 -o "$gen" "$ksrc/usr/gen_init_cpio.c" || die "cannot build gen_init_cpio"
	# Files are staged with a fixed mtime (gen_init_cpio -t covers only the other entries).
	stage=$blddir/initramfs-root
	rm -rf "$stage"; mkdir -p "$stage"
	cp -R "$top/guest/initramfs/." "$stage/"
	cp "$top/guest/init" "$stage/init"
	mkdir -p "$stage/bin" && cp "$out/busybox" "$stage/bin/busybox"
	find "$stage" -exec touch -h -d @$stamp {} +
	list=$blddir/initramfs.list
	{
		for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /mnt /tmp /root /etc /run /var; do
			echo "dir $d 755 0 0"
		done
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "nod /dev/null 666 0 0 c 1 3"
		echo "nod /dev/ttyS0 660 0 0 c 4 64"
		echo "file /init $stage/init 755 0 0"
		echo "file /bin/busybox $stage/bin/busybox 755 0 0"
		grep -v '^/bin/busybox$' "$out/busybox.links" | while read -r l; do
			echo "slink $l /bin/busybox 777 0 0"
		done
		# guest/initramfs/ is copied as is (mode 755 if executable, else 644).
		(cd "$top/guest/initramfs" && find . -mindepth 1 | LC_ALL=C sort | while read -r f; do
			p=${f#.}
			if [ -d "$f" ]; then echo "dir $p 755 0 0"
			elif [ -x "$f" ]; then echo "file $p $stage$p 755 0 0"
			else echo "file $p $stage$p 644 0 0"; fi
		done)
	} | awk '!seen[$1 " " $2]++' >"$list"
	"$gen" -t $stamp "$list" >"$blddir/initramfs.cpio" 2>"$blddir/initramfs.log" ||
		die_log "$blddir/initramfs.log" "gen_init_cpio failed"
	gzip -n -9 -c "$blddir/initramfs.cpio" >"$blddir/initramfs.cpio.gz"
	install_out "$blddir/initramfs.cpio.gz" "$out/initramfs.cpio.gz" "$ikey"
	note "initramfs built ($(wc -l <"$list") entries)"
fi

# ---- disk image -------------------------------------------------------------------------
DISK_SIZE=16M
dkey=$( (echo "recipe $DISK_RECIPE size $DISK_SIZE"; tree_hash "$top/guest/disk") | sha256sum | cut -c1-64)
if up_to_date "$out/disk.img" "$dkey"; then
	note "disk image up to date"
else
	need mke2fs
	stage=$blddir/disk
	rm -rf "$stage" "$blddir/disk.img"; mkdir -p "$stage"
	cp -R "$top/guest/disk/." "$stage/"
	find "$stage" -exec touch -h -d @$stamp {} +
	E2FSPROGS_FAKE_TIME=$stamp mke2fs -q -F -t ext2 -L rrdisk -U 5252a7e5-0000-4000-8000-000000000001 \
		-E hash_seed=5252a7e5-0000-4000-8000-000000000002,root_owner=0:0 -d "$stage" \
		"$blddir/disk.img" $DISK_SIZE >"$blddir/disk.log" 2>&1 || die_log "$blddir/disk.log" "mke2fs failed"
	# mke2fs -d stamps inode ctimes with the real clock: pin them too.
	(cd "$stage" && find . -mindepth 1 | sed "s|^\.\(.*\)|sif \1 ctime @$stamp|") >"$blddir/disk.debugfs"
	E2FSPROGS_FAKE_TIME=$stamp debugfs -w -f "$blddir/disk.debugfs" "$blddir/disk.img" >>"$blddir/disk.log" 2>&1 ||
		die_log "$blddir/disk.log" "debugfs (pinning ctimes) failed"
	install_out "$blddir/disk.img" "$out/disk.img" "$dkey"
	note "disk image built"
fi

(cd "$out" && sha256sum Image initramfs.cpio.gz disk.img busybox >SHA256SUMS)
for f in Image initramfs.cpio.gz disk.img; do echo "$out/$f"; done
