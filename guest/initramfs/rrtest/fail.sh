#!/bin/sh
# rrtest=fail: exits 3, to check that a failing test's code reaches the host (sifive_test).
echo "rrfail: failing on purpose"
exit 3
