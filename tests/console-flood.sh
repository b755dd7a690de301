#!/bin/sh
# tests/console-pipe.sh with the whole input piped at once (CONSOLE_FLOOD=1), as
# `rr-run guest.elf <script` does: more than the UART's 64 KiB receive buffer arrives
# before the guest has read it, and must still reach the guest whole, as it does on
# QEMU (whose console reads stdin only as fast as the UART has room).
# rr-run reads stdin only as fast as the UART has room (host.h, Backpressure): the
# pipe blocks, nothing is dropped, and the log holds exactly what the guest read.
CONSOLE_FLOOD=1 exec sh "${TOP:?}/tests/console-pipe.sh"
