#!/bin/sh
# Bash completion (completions/rrkit): options of every tool from its --help, event
# kinds after rr-dump -k and rr-diff --ignore (inside comma lists), the fixed
# values of rr-run's options, files elsewhere.
. "$TOP/tests/lib/common.sh"
command -v bash >/dev/null || { echo "SKIP: no bash"; exit 77; }
# comp WORDS...: what completing the last word offers, one a line
comp() {
	PATH=$B:$PATH bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_rrkit "$1"; printf "%s\n" "${COMPREPLY[@]}"' sh "$TOP/completions/rrkit" "$@" 2>&1
}
want() { # what expected words...
	what=$1 got=$2; shift 2
	for w in "$@"; do
		printf '%s\n' "$got" | grep -qx -- "$w" || { bad "$what: no '$w' in: $(echo $got)"; return; }
	done
	ok "$what"
}
for t in rr-run rr-dump rr-diff rr-cut rr-merge; do
	got=$(comp $t --)
	# every long option of --help is offered
	for o in $("$B/$t" --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/--\2/p'); do
		printf '%s\n' "$got" | grep -qx -- "$o" || bad "$t: --$o not completed"
	done
	want "$t: options include --help and --version" "$got" --help --version
done
want "rr-dump --va" "$(comp rr-dump --va)" --validate
[ "$(comp rr-dump --va)" = --validate ] || bad "rr-dump --va offers more than --validate"
want "rr-run short options" "$(comp rr-run -)" -w -r -m -q
want "rr-dump -k STA: kinds" "$(comp rr-dump -k STA)" STATE_HASH
want "rr-dump --kind CHAR: kinds" "$(comp rr-dump --kind CHAR_R)" CHAR_READ CHAR_READ_ALL CHAR_READ_ALL_ERROR
want "rr-diff --ignore SNAPSHOT,STA: a comma list" "$(comp rr-diff --ignore SNAPSHOT,STA)" SNAPSHOT,STATE_HASH
[ "$(comp rr-dump -k '' | wc -l)" = "$("$B/rr-dump" --list-kinds | wc -l)" ] && ok "-k offers every kind" ||
	bad "-k offers $(comp rr-dump -k '' | wc -l) kinds"
want "rr-run --net" "$(comp rr-run --net '')" user none
want "rr-run -M" "$(comp rr-run -M '')" virt
want "rr-run --monitor" "$(comp rr-run --monitor '')" stdio unix: none
want "rr-run --bios n" "$(comp rr-run --bios n)" none
mkdir -p "$T/d"; touch "$T/d/boot.rr" "$T/d/bios.bin"
want "rr-run -r: files" "$(comp rr-run -r "$T/d/bo")" "$T/d/boot.rr"
want "rr-run --bios: files too" "$(comp rr-run --bios "$T/d/bi")" "$T/d/bios.bin"
[ -z "$(comp rr-cut -A '')" ] && ok "rr-cut -A (a number): nothing offered" || bad "rr-cut -A offers: $(comp rr-cut -A '')"
exit $fail
