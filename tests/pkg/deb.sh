#!/bin/sh
# make check-pkg: build the Debian packages with dpkg-buildpackage -us -uc -b from a
# copy of the tree (git's files, committed or not; the .debs land in build/pkg/),
# check them with lintian (no error or warning left: the rest is explained in
# debian/README.source), check what each package holds, then install them with
# dpkg into a scratch root, run the installed tools and the example from there
# (tests/pkg/installed.sh: rr-run --version, a bare-metal record and replay,
# rr-dump, pkg-config rrlog) and purge them.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/pkg/installed.sh"
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null && command -v lintian >/dev/null ||
	{ echo "FAIL: dpkg-dev, debhelper or lintian missing (scripts/install-deps.sh)"; exit 1; }
V=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
W=$TOP/build/pkg
rm -rf "$W"; mkdir -p "$W/rrkit-$V"
# the tree as git sees it (untracked files too, ignored ones and cache/ not)
# (not a git checkout, say an unpacked tarball: everything but the build folders)
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^cache$' | tar -cf - -T -)
else
	(cd "$TOP" && tar -cf - --exclude=./build --exclude=./build-san --exclude=./cache --exclude=./.git .)
fi | tar -xf - -C "$W/rrkit-$V"
[ -f "$W/rrkit-$V/debian/control" ] || { echo "FAIL: copying the tree"; exit 1; }
t0=$(date +%s)
# both cores (debhelper builds serially unless told)
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
(cd "$W/rrkit-$V" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1
st=$?
echo "dpkg-buildpackage: $(( $(date +%s) - t0 )) s (log: $W/build.log)"
st_is $st 0 "dpkg-buildpackage -us -uc -b" || { tail -30 "$W/build.log"; exit 1; }
grep -i 'dpkg-gensymbols: warning' "$W/build.log" && bad "the symbols file and librrlog.so.0 disagree"
for p in rrkit librrlog0 librrlog-dev; do
	[ -f "$W/${p}_${V}_$ARCH.deb" ] || bad "no ${p}_${V}_$ARCH.deb"
done
[ $fail = 0 ] || exit 1

# lintian: nothing of severity warning or above
t0=$(date +%s)
lintian --fail-on error,warning --display-info "$W/rrkit_${V}_$ARCH.changes" >"$W/lintian.log" 2>&1
st_is $? 0 "lintian (errors and warnings) in $(( $(date +%s) - t0 )) s"
cat "$W/lintian.log"

# what each package holds
has() { # deb path...
	deb=$W/$1_${V}_$ARCH.deb; shift
	dpkg-deb -c "$deb" >"$T/contents"
	for f in "$@"; do grep -q " \./$f\( ->.*\)\{0,1\}$" "$T/contents" || bad "$deb lacks /$f"; done
}
has rrkit usr/bin/rr-run usr/bin/rr-dump usr/bin/rr-diff usr/bin/rr-cut usr/bin/rr-merge \
	usr/share/man/man1/rr-run.1.gz usr/share/man/man5/rrlog.5.gz \
	usr/share/bash-completion/completions/rr-run usr/share/bash-completion/completions/rr-dump
has librrlog0 usr/lib/$MA/librrlog.so.0 usr/lib/$MA/librrlog.so.$V
has librrlog-dev usr/include/rrlog/rrlog.h usr/lib/$MA/librrlog.so usr/lib/$MA/librrlog.a \
	usr/lib/$MA/pkgconfig/rrlog.pc usr/share/man/man3/librrlog.3.gz \
	usr/share/doc/librrlog-dev/examples/rrlog-kinds.c
dpkg-deb -c "$W/librrlog0_${V}_$ARCH.deb" >"$T/contents"
grep -q 'librrlog.so$' "$T/contents" && bad "librrlog0 holds the dev symlink"
dpkg-deb -f "$W/librrlog-dev_${V}_$ARCH.deb" Depends | grep -q "librrlog0 (= $V)" ||
	bad "librrlog-dev does not depend on librrlog0 (= $V)"
dpkg-deb -f "$W/rrkit_${V}_$ARCH.deb" Depends | grep -q "libzstd1" && ok "rrkit's shared library dependencies" ||
	bad "rrkit Depends: $(dpkg-deb -f "$W/rrkit_${V}_$ARCH.deb" Depends)"
dpkg-deb --ctrl-tarfile "$W/librrlog0_${V}_$ARCH.deb" | tar -xOf - ./symbols >"$T/symbols" 2>/dev/null
grep -q '^ rrlog_reader_open@Base' "$T/symbols" && ok "librrlog0 ships its symbols file" || bad "no symbols in librrlog0"

# installed by dpkg into a scratch root (its own dpkg database; the root has no
# libc, hence --force-depends: the tools run against the host's libraries), used
# from there, then purged
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
: >"$R/var/lib/dpkg/status"
DPKG="dpkg --root=$R --force-depends --force-script-chrootless"
[ "$(id -u)" = 0 ] || DPKG="$DPKG --force-not-root"
$DPKG -i "$W/rrkit_${V}_$ARCH.deb" "$W/librrlog0_${V}_$ARCH.deb" "$W/librrlog-dev_${V}_$ARCH.deb" \
	>"$T/dpkg.log" 2>&1
st_is $? 0 "dpkg --root=... -i the three packages"
for p in rrkit librrlog0 librrlog-dev; do
	[ "$(dpkg-query --root="$R" -W -f='${Status}' $p 2>/dev/null)" = "install ok installed" ] ||
		bad "$p is not installed: $(tail -5 "$T/dpkg.log")"
done
installed_checks "$R" /usr /usr/lib/$MA /usr/share/doc/librrlog-dev
$DPKG -P librrlog-dev rrkit librrlog0 >>"$T/dpkg.log" 2>&1
st_is $? 0 "dpkg -P the three packages"
left=$(cd "$R" && find usr -type f -o -type l 2>/dev/null | head -5)
[ -z "$left" ] && ok "purged: no file left under /usr" || bad "left after purge: $left"
exit $fail
