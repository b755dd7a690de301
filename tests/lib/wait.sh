# Sourced by the tests that start a server in the background or type on a console.
# wait_socket PATH: wait (10 s at most) until the unix socket PATH exists.
wait_socket() {
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
# feed OUT PATTERN TEXT...: once OUT contains PATTERN, type each TEXT line (waiting
# for PATTERN again between lines); runs until done, at most 300 s a line.
feed() {
	_out=$1 _pat=$2; shift 2
	_seen=0
	for _line in "$@"; do
		_i=0
		while :; do
			_c=$(grep -c -- "$_pat" "$_out" 2>/dev/null); _c=${_c:-0}
			[ "$_c" -le $_seen ] && [ $_i -lt 3000 ] || break
			sleep 0.1; _i=$((_i + 1))
		done
		_seen=$((_seen + 1))
		printf '%s\n' "$_line"
	done
	sleep 2
}
