# Sourced by tests/install.sh (make install) and tests/pkg/deb.sh (the Debian
# packages): checks an installed rrkit under ROOT (a DESTDIR or an unpacked root)
# with the tools in ROOT$PREFIX/bin and librrlog in ROOT$LIBDIR, using only what is
# installed there. Needs ok/bad, $T (scratch), $G (the bare-metal guests),
# $XCFLAGS (more compiler flags for the example: the sanitizers, when the library
# was built with them) and
#   installed_checks ROOT PREFIX LIBDIR DOCDIR
installed_checks() {
	R=$1 P=$2 L=$3 DOC=$4
	bin=$R$P/bin
	for t in rr-run rr-dump rr-diff rr-cut rr-merge; do
		[ -x "$bin/$t" ] || { bad "$bin/$t is not installed"; continue; }
		v=$("$bin/$t" --version 2>&1)
		case $v in "$t (rrkit) "[0-9]*) ok "$t --version: $v" ;; *) bad "$t --version: $v" ;; esac
		[ -f "$R$P/share/man/man1/$t.1" ] || [ -f "$R$P/share/man/man1/$t.1.gz" ] || bad "no man page $t.1"
		[ -e "$R$P/share/bash-completion/completions/$t" ] || bad "no bash completion for $t"
	done
	for m in man3/librrlog.3 man5/rrlog.5; do
		[ -f "$R$P/share/man/$m" ] || [ -f "$R$P/share/man/$m.gz" ] || bad "no man page $m"
	done
	# A bare-metal record, replay and dump with the installed tools.
	"$bin/rr-run" -q -w "$T/hello.rr" --bios none "$G/hello.elf" >"$T/rec.out" </dev/null
	st_is $? 0 "installed rr-run records hello.elf"
	grep -q "hello from hart 0" "$T/rec.out" || bad "recording printed: $(cat "$T/rec.out")"
	"$bin/rr-run" -r "$T/hello.rr" >"$T/rep.out" 2>"$T/rep.err" </dev/null
	st_is $? 0 "installed rr-run replays it"
	cmp -s "$T/rec.out" "$T/rep.out" && ok "the replay prints what the recording printed" ||
		bad "replay output differs"
	grep -q "state hashes verified" "$T/rep.err" || bad "replay summary: $(cat "$T/rep.err")"
	# every input kind (console, RTC, entropy, disk, network) for the dump and example
	echo "typed line" | timeout 60 "$bin/rr-run" -q -w "$T/inputs.rr" --hash-interval 4000 \
		--bios none --drive "$T/disk.img" --net user "$G/rr_inputs.elf" >/dev/null
	st_is $? 0 "installed rr-run records rr_inputs.elf"
	"$bin/rr-dump" --no-header "$T/inputs.rr" >"$T/dump.txt"
	st_is $? 0 "installed rr-dump prints the log"
	grep -q 'kind=CHAR_READ' "$T/dump.txt" && grep -q 'kind=NET' "$T/dump.txt" && ok "the dump has CHAR_READ and NET" ||
		bad "the dump lacks CHAR_READ or NET"
	tail -n 1 "$T/dump.txt" | grep -q 'kind=END$' && ok "the dump ends with END" || bad "dump: $(tail -n 2 "$T/dump.txt")"
	"$bin/rr-dump" --validate "$T/inputs.rr" | grep -q ": valid: rrlog log" && ok "rr-dump --validate" ||
		bad "installed rr-dump --validate"

	# The example, built from the installed header, library and rrlog.pc only.
	pcdir=$R$L/pkgconfig
	[ -f "$pcdir/rrlog.pc" ] || { bad "no $pcdir/rrlog.pc"; return; }
	grep -q "^libdir=$L\$" "$pcdir/rrlog.pc" || bad "rrlog.pc libdir: $(grep ^libdir "$pcdir/rrlog.pc")"
	ex=$R$DOC/examples
	[ -f "$ex/rrlog-kinds.c" ] || { bad "no $ex/rrlog-kinds.c"; return; }
	mkdir -p "$T/ex"; cp "$ex/rrlog-kinds.c" "$ex/Makefile" "$T/ex/"
	# pkg-config as a user would run it, but seeing ROOT as / (rrlog.pc from ROOT
	# first, its paths under ROOT, even /usr/include: ROOT is not the system)
	export PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$pcdir PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
		PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
	flags=$(pkg-config --cflags --libs rrlog)
	case $flags in *"-I$R$P/include"*"-L$R$L"*|*"-L$R$L"*"-I$R$P/include"*) ok "pkg-config rrlog: $flags" ;;
		*) bad "pkg-config rrlog: $flags" ;; esac
	( cd "$T/ex" && make -s CFLAGS="-Wall -Werror ${XCFLAGS:-}" ) >"$T/ex.log" 2>&1 &&
		ok "examples/Makefile builds rrlog-kinds against the installed librrlog-dev" ||
		{ bad "example build: $(head -c 2000 "$T/ex.log")"; return; }
	LD_LIBRARY_PATH=$R$L ldd "$T/ex/rrlog-kinds" | grep -q "librrlog.so.0 => $R$L/librrlog.so.0" &&
		ok "rrlog-kinds links the installed librrlog.so.0" || bad "ldd: $(LD_LIBRARY_PATH=$R$L ldd "$T/ex/rrlog-kinds")"
	LD_LIBRARY_PATH=$R$L "$T/ex/rrlog-kinds" "$T/inputs.rr" >"$T/kinds.txt"
	st_is $? 0 "rrlog-kinds reads the recording"
	sed -n 's/^icount=[0-9]* kind=\([A-Z_]*\).*/\1/p' "$T/dump.txt" | sort | uniq -c |
		awk '{ print $2, $1; t += $1 } END { print "total", t }' | sort >"$T/want.txt"
	sort "$T/kinds.txt" | cmp -s - "$T/want.txt" &&
		ok "rrlog-kinds counts what rr-dump prints ($(tail -n 1 "$T/kinds.txt"))" ||
		bad "rrlog-kinds: $(cat "$T/kinds.txt") want $(cat "$T/want.txt")"
	LD_LIBRARY_PATH=$R$L "$T/ex/rrlog-kinds" "$T/rec.out" >/dev/null 2>"$T/kerr"
	st_is $? 2 "rrlog-kinds refuses a file that is not a log"
	grep -q "^rrlog-kinds: $T/rec.out: " "$T/kerr" || bad "rrlog-kinds message: $(cat "$T/kerr")"
	# ... and statically, as pkg-config --static says.
	cc ${XCFLAGS:-} -o "$T/ex/kinds-static" "$T/ex/rrlog-kinds.c" -I"$R$P/include" "$R$L/librrlog.a" \
		$(pkg-config --static --libs-only-l rrlog | sed 's/-lrrlog//') 2>"$T/st.log" &&
		"$T/ex/kinds-static" "$T/inputs.rr" | cmp -s - "$T/kinds.txt" && ok "the static librrlog.a works too" ||
		bad "static link: $(head -c 2000 "$T/st.log")"
	unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
}
