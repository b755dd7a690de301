#!/bin/sh
# make install PREFIX=... DESTDIR=...: everything lands under DESTDIR$PREFIX (tools,
# man pages, completions, librrlog shared and static, header, rrlog.pc, example),
# nothing elsewhere, and the installed tree works on its own: the tools record,
# replay and dump a bare-metal guest, the example builds through pkg-config and
# counts events (tests/pkg/installed.sh).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/pkg/installed.sh"
# a sanitizer build installs sanitized libraries: the example then needs the flags too
san= XCFLAGS=; [ "$(basename "$B")" = build-san ] && san=SANITIZE=1 XCFLAGS="-fsanitize=address,undefined"
D=$T/dest P=/opt/rrkit
make -s -C "$TOP" install $san DESTDIR="$D" PREFIX=$P >"$T/install.log" 2>&1
st_is $? 0 "make install DESTDIR=... PREFIX=$P"
[ "$(ls -A "$D")" = opt ] && ok "only $P under DESTDIR" || bad "DESTDIR holds: $(ls -A "$D")"
for f in bin/rr-run include/rrlog/rrlog.h lib/librrlog.a lib/librrlog.so lib/librrlog.so.0 \
	lib/pkgconfig/rrlog.pc share/man/man1/rr-run.1 share/bash-completion/completions/rr-run \
	share/doc/rrkit/examples/rrlog-kinds.c; do
	[ -e "$D$P/$f" ] || bad "not installed: $P/$f"
done
[ "$(readlink "$D$P/lib/librrlog.so")" = librrlog.so.0 ] || bad "librrlog.so -> $(readlink "$D$P/lib/librrlog.so")"
objdump -p "$D$P/lib/librrlog.so.0" | grep -q 'SONAME *librrlog.so.0$' && ok "SONAME librrlog.so.0" || bad "no SONAME"
# librrlog.3 shows the example as it is in examples/
sed -n '/^\/\* rrlog-kinds:/,/^\.Ed$/p' "$TOP/man/librrlog.3" | sed '$d' | sed -e 's/\\e/\\/g' -e 's/^\\&//' >"$T/man-example.c"
cmp -s "$T/man-example.c" "$TOP/examples/rrlog-kinds.c" && ok "librrlog.3 shows examples/rrlog-kinds.c" ||
	bad "librrlog.3's example differs from examples/rrlog-kinds.c: $(diff "$T/man-example.c" "$TOP/examples/rrlog-kinds.c" | head -5)"
installed_checks "$D" $P $P/lib $P/share/doc/rrkit
# LIBDIR moves the library and rrlog.pc (Debian's multiarch folder, say).
make -s -C "$TOP" install $san DESTDIR="$T/d2" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu >>"$T/install.log" 2>&1
[ -f "$T/d2/usr/lib/x86_64-linux-gnu/librrlog.so.0" ] && [ ! -e "$T/d2/usr/lib/librrlog.a" ] &&
	grep -q '^libdir=/usr/lib/x86_64-linux-gnu$' "$T/d2/usr/lib/x86_64-linux-gnu/pkgconfig/rrlog.pc" &&
	ok "LIBDIR=... places librrlog and rrlog.pc" || bad "LIBDIR: $(cd "$T/d2" && find . | head -20)"
exit $fail
