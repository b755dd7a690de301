#!/bin/sh
# librrlog.so's ABI: it exports exactly the functions rrlog.h declares (no rl_*
# internals), each listed in debian/librrlog0.symbols, and has SONAME
# librrlog.so.0. A function added to rrlog.h without a symbols line, or an
# internal helper leaking out, fails here before it reaches a package.
. "$TOP/tests/lib/common.sh"
so=$B/librrlog.so
objdump -p "$so" | grep -q 'SONAME *librrlog.so.0$' && ok "SONAME librrlog.so.0" || bad "SONAME: $(objdump -p "$so" | grep SONAME)"
nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort >"$T/exported"
sed -n 's/^ \([a-z_0-9]*\)@Base .*/\1/p' "$TOP/debian/librrlog0.symbols" | sort >"$T/symbols"
# declarations in rrlog.h: "type name(" with the name starting rrlog_
tr '\n' ' ' <"$TOP/lib/rrlog/rrlog.h" | sed 's|/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/||g' | tr ';' '\n' |
	sed -n 's/.*[ *]\(rrlog_[a-z_0-9]*\) *(.*/\1/p' | sort -u >"$T/declared"
[ -s "$T/declared" ] || bad "no declarations found in rrlog.h"
cmp -s "$T/exported" "$T/symbols" && ok "librrlog.so exports what debian/librrlog0.symbols lists ($(wc -l <"$T/exported"))" ||
	bad "exports vs symbols file: $(diff "$T/exported" "$T/symbols" | grep '^[<>]' | tr '\n' ' ')"
cmp -s "$T/exported" "$T/declared" && ok "... which is what rrlog.h declares" ||
	bad "exports vs rrlog.h: $(diff "$T/exported" "$T/declared" | grep '^[<>]' | tr '\n' ' ')"
nm -D --defined-only "$so" | grep -v ' rrlog_' && bad "exports outside rrlog_*"
exit $fail
