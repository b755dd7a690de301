#!/bin/sh
# dtb-qemu: our virt device tree against QEMU 7.2's for the same configurations.
#
# check_fdt (run before the shell tests) writes $BUILD/fixtures/fdt-NAME.dtb and
# fdt-NAME.cfg (mem=, smp=, initrd=SIZE, append=). For each, QEMU dumps its tree
# (-M virt,dumpdtb=) for the same configuration; both go through dtc -O dts, phandle
# values are replaced by the path of the node they name, QEMU's tree loses the
# differences documented at the top of lib/emu/fdt.c, and what is left must be
# identical, line by line, in the same order. If $BUILD/rr-run supports --dumpdtb,
# its tree for "-m 128M --smp 2 --append console=ttyS0" is compared too.
# A self-check alters our tree (the UART's IRQ) and expects the comparison to fail.
set -u
BUILD=${BUILD:?BUILD not set}
QEMU=${QEMU:-qemu-system-riscv64}
QEMU_ISA='rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc'
OUR_ISA='rv64imafdc_zicsr_zifencei'

command -v "$QEMU" >/dev/null || { echo "dtb-qemu: $QEMU not found (scripts/install-deps.sh)"; exit 1; }
command -v dtc >/dev/null || { echo "dtb-qemu: dtc not found (scripts/install-deps.sh)"; exit 1; }
ls "$BUILD"/fixtures/fdt-*.cfg >/dev/null 2>&1 || { echo "dtb-qemu: no fixtures: run check_fdt first"; exit 1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
echo > "$tmp/kernel"   # QEMU needs a kernel for -append/-initrd (not empty); never run

# norm DTB: print the normalized dts on stdout.
norm() {
	dtc -q -I dtb -O dts "$1" > "$tmp/n.dts" || return 1
	awk '
	function trim(s) { sub(/^[ \t]+/, "", s); return s }
	function path(d,   p, i) { p = ""; for (i = 1; i <= d; i++) p = p "/" stack[i]; return p == "" ? "/" : p }
	function ref(v) { return (v in ph) ? "&" ph[v] : "&?" v }
	# pass 1: phandle value -> node path
	NR == FNR {
		if ($0 ~ /\{$/ && $1 != "/") stack[++d1] = $1
		else if ($0 ~ /^[ \t]*\};$/) d1--
		else if ($1 == "phandle") { v = $3; gsub(/[<>;]/, "", v); ph[v] = path(d1) }
		next
	}
	# pass 2: print with phandles replaced, dropping what QEMU has and we leave out
	{
		line = trim($0)
		if (line ~ /\{$/ && $1 != "/") {
			stack[++d] = $1; p = path(d)
			if (skip == 0 && (p == "/pmu" || p == "/fw-cfg@10100000" || p == "/flash@20000000" ||
			    p == "/platform-bus@4000000" || p == "/soc/pci@30000000")) skip = d
			if (!skip) print p " {"
			next
		}
		if (line == "};") { if (skip == d) skip = 0; else if (!skip) print path(d) " }"; d--; next }
		if (skip || line == "") next
		if ($1 == "rng-seed" && path(d) == "/chosen") next
		name = $1
		if (name == "phandle" || name == "interrupt-parent" || name == "regmap" || name == "cpu") {
			v = $3; gsub(/[<>;]/, "", v); line = name " = <" ref(v) ">;"
		} else if (name == "interrupts-extended") {
			# every target here has #interrupt-cells = 1: phandle, irq, phandle, irq...
			n = split(substr(line, index(line, "<") + 1), c, /[ >;]+/); out = ""
			for (i = 1; i <= n; i++) if (c[i] != "") { k++; out = out (out == "" ? "" : " ") (k % 2 ? ref(c[i]) : c[i]) }
			k = 0; line = name " = <" out ">;"
		}
		print path(d) ": " line
	}' "$tmp/n.dts" "$tmp/n.dts"
}

# qemu_dtb CFG OUT: dump QEMU's tree for the configuration in file CFG.
qemu_dtb() {
	mem=128; smp=1; initrd=0; append=
	while IFS= read -r l; do
		case $l in
		mem=*) mem=${l#mem=} ;; smp=*) smp=${l#smp=} ;;
		initrd=*) initrd=${l#initrd=} ;; append=*) append=${l#append=} ;;
		esac
	done < "$1"
	set -- -M "virt,dumpdtb=$2" -m "$mem" -smp "$smp" -nographic -kernel "$tmp/kernel"
	if [ "$initrd" -gt 0 ]; then
		head -c "$initrd" /dev/zero > "$tmp/initrd"; set -- "$@" -initrd "$tmp/initrd"
	fi
	[ -n "$append" ] && set -- "$@" -append "$append"
	"$QEMU" "$@" > "$tmp/qemu.log" 2>&1 || { cat "$tmp/qemu.log"; return 1; }
}

# compare QEMU_DTB OUR_DTB LABEL: 0 if equal after normalization, else print the diff.
compare() {
	norm "$1" | sed "s/\"$QEMU_ISA\"/\"$OUR_ISA\"/" > "$tmp/q.norm" || return 1
	norm "$2" > "$tmp/o.norm" || return 1
	[ "$(wc -l < "$tmp/q.norm")" -gt 50 ] || { echo "$3: QEMU tree too small"; return 1; }
	if diff -u "$tmp/q.norm" "$tmp/o.norm" > "$tmp/diff"; then
		echo "ok $3 ($(wc -l < "$tmp/o.norm") lines)"
		return 0
	fi
	echo "FAIL $3: our device tree differs from QEMU's (- QEMU, + ours):"; cat "$tmp/diff"
	return 1
}

fail=0; n=0
for cfg in "$BUILD"/fixtures/fdt-*.cfg; do
	name=$(basename "$cfg" .cfg)
	qemu_dtb "$cfg" "$tmp/$name.qemu.dtb" || { echo "FAIL $name: QEMU did not dump"; fail=1; continue; }
	compare "$tmp/$name.qemu.dtb" "${cfg%.cfg}.dtb" "$name" || fail=1
	n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "FAIL: only $n configurations compared"; fail=1; }

# The same tree through rr-run, once it has --dumpdtb.
if [ -x "$BUILD/rr-run" ]; then
	if "$BUILD/rr-run" --dumpdtb "$tmp/rr.dtb" -m 128M --smp 2 --append "console=ttyS0" > "$tmp/rr.log" 2>&1 &&
	   [ -s "$tmp/rr.dtb" ]; then
		printf 'mem=128M\nsmp=2\ninitrd=0\nappend=console=ttyS0\n' > "$tmp/rr.cfg"
		qemu_dtb "$tmp/rr.cfg" "$tmp/rr.qemu.dtb" && compare "$tmp/rr.qemu.dtb" "$tmp/rr.dtb" rr-run || fail=1
	else
		echo "note: rr-run --dumpdtb not available yet:"; head -3 "$tmp/rr.log"
	fi
fi

# Self-check: a real difference must be caught.
f=$BUILD/fixtures/fdt-smp2-128M
cp "$f.dtb" "$tmp/bad.dtb"
fdtput -t x "$tmp/bad.dtb" /soc/serial@10000000 interrupts 0xc || { echo "FAIL: fdtput"; exit 1; }
qemu_dtb "$f.cfg" "$tmp/self.qemu.dtb" || exit 1
if compare "$tmp/self.qemu.dtb" "$tmp/bad.dtb" self-check > "$tmp/self.log"; then
	echo "FAIL: an altered tree compared equal"; fail=1
else
	grep -q 'serial@10000000: interrupts = <0x0c>' "$tmp/self.log" || { echo "FAIL: self-check diff"; cat "$tmp/self.log"; fail=1; }
	echo "ok self-check: an altered UART IRQ is reported"
fi
exit $fail
