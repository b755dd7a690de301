#!/bin/sh
# Install every Debian package rrkit needs. Idempotent; quiet when all is there.
# Usage: scripts/install-deps.sh [--guest]   (--guest adds what building the Linux guest needs)
# debhelper, dpkg-dev and lintian: the Debian packages (make check-pkg, debian/).
set -e
PKGS="build-essential pkg-config libzstd-dev zstd libarchive-dev check libreadline-dev
libfdt-dev device-tree-compiler libslirp-dev libcairo2-dev libfontconfig-dev opensbi qemu-system-misc
gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf binutils-riscv64-unknown-elf
clang llvm libclang-rt-14-dev gdb-multiarch python3 e2fsprogs cpio busybox-static bc
parallel time valgrind perl debhelper dpkg-dev lintian procps iproute2"
GUEST="linux-source-6.1 gcc-riscv64-linux-gnu bc flex bison libelf-dev libssl-dev
xz-utils dpkg-dev libc6-dev-riscv64-cross"
[ "$1" = "--guest" ] && PKGS="$PKGS $GUEST"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# wait for another apt (a fresh machine's unattended upgrades) rather than fail
lock="-o DPkg::Lock::Timeout=900"
$SUDO apt-get $lock update -qq >/dev/null
$SUDO apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
