#!/bin/sh
# lib/emu is the deterministic machine: it must not reach the real world except
# through host.h. Fails if libemu.a references a host clock, entropy, threads
# being created, the terminal, signals or stdin (those belong to lib/host).
set -u
lib=${BUILD:?}/libemu.a
[ -f "$lib" ] || { echo "no $lib"; exit 1; }
bad="clock_gettime gettimeofday time clock getrandom getentropy rand random srand
pthread_create tcsetattr tcgetattr cfmakeraw sigaction signal sigwait sigprocmask
pthread_sigmask stdin fgets getchar scanf poll select epoll_wait eventfd slirp_new"
undef=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | sort -u)
[ -n "$undef" ] || { echo "nm found no symbols in $lib"; exit 1; }
found=0
for s in $bad; do
	if printf '%s\n' "$undef" | grep -qx "$s"; then
		echo "libemu.a references $s (nondeterministic: it belongs in lib/host)"
		nm -A "$lib" 2>/dev/null | grep " U $s\$"
		found=1
	fi
done
[ $found -eq 0 ] && echo "libemu.a: no host clock, entropy, threads, terminal, signals or stdin"
exit $found
