# Sourced by the tests that start a server in the background.
# wait_socket PATH: wait (10 s at most) until the unix socket PATH exists.
wait_socket() {
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
