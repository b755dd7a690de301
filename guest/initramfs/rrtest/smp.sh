#!/bin/sh
# rrtest=smp: how many harts Linux brought up, then one hash job per CPU in parallel
# (exercises IPIs, migration and futexes). Every line is deterministic.
n=$(nproc)
echo "rrsmp: nproc: $n"
echo "rrsmp: online: $(cat /sys/devices/system/cpu/online)"
i=0
while [ $i -lt "$n" ]; do
	(dd if=/dev/zero bs=64k count=32 2>/dev/null | sha256sum | cut -c1-64 >/tmp/smp.$i) &
	i=$((i + 1))
done
wait
# sha256 of 2 MiB of zeros
want=$(dd if=/dev/zero bs=64k count=32 2>/dev/null | sha256sum | cut -c1-64)
ok=0
for f in /tmp/smp.*; do [ "$(cat "$f")" = "$want" ] && ok=$((ok + 1)); done
echo "rrsmp: parallel: $ok/$n jobs agree"
[ $ok -eq "$n" ]
