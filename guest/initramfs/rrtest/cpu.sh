#!/bin/sh
# rrtest=cpu: CPU-bound userland work for benchmarks and long recordings: hash
# chains over generated data, several processes in turn. rrcpu.rounds=N sets the
# length (default 8; each round is about 7*10^8 instructions on rr-run).
rounds=${RRCPU_ROUNDS:-8}
i=0
h=seed
while [ $i -lt "$rounds" ]; do
	h=$(seq 1 60000 | sed "s/^/$h /" | sha256sum | cut -c1-16)
	h=$(dd if=/dev/zero bs=4096 count=2048 2>/dev/null | md5sum | cut -c1-8)$h
	i=$((i + 1))
	echo "rrcpu: round $i $h"
done
echo "rrcpu: done $h"
