#!/bin/sh
# rrtest=boot: the smallest scripted test: reached userspace, say so, power off.
echo "rrboot: $(uname -s -r -m), $(nproc) cpu(s)"
