#!/usr/bin/env python3
"""Time reverse execution over gdb's remote protocol, the same way on rr-run and on
QEMU (bench/reverse.sh).

rsp-bench.py stepi GDB_ADDR SEEK_KIND SEEK_ADDR N SEED FIRST LAST
  N random icounts in [FIRST, LAST): go there (SEEK_KIND rr: `monitor
  replay_seek`; qemu: HMP `replay_break` on the monitor socket SEEK_ADDR and
  continue, in ascending order),
  then time one reverse-stepi (bs). Prints "stepi ICOUNT SECONDS" a line.
rsp-bench.py rcont GDB_ADDR SEEK_KIND SEEK_ADDR BP_ADDR BACK
  continue to the breakpoint at BP_ADDR, note the icount, go BACK instructions
  past it, and time one reverse-continue (bc) back to it. Prints "rcont
  HIT_ICOUNT FROM_ICOUNT SECONDS STOP".
Addresses: unix:PATH or HOST:PORT. Every wait is bounded (600 s)."""
import random, re, socket, sys, time

def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        target = addr[5:]
    else:
        h, p = addr.rsplit(":", 1)
        s = socket.socket()
        target = (h, int(p))
    for _ in range(300):
        try:
            s.connect(target)
            break
        except OSError:
            time.sleep(0.1)
    s.settimeout(600)
    return s

class RSP:
    def __init__(self, addr):
        self.s = connect(addr)
        self.buf = b""
        self.console = ""

    def _byte(self):
        while not self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("gdb connection closed")
            self.buf += d
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def _packet(self):
        while self._byte() != b"$":
            pass
        data = b""
        while True:
            c = self._byte()
            if c == b"#":
                break
            data += c
        self._byte(); self._byte()
        self.s.sendall(b"+")
        return data

    def ask(self, data):
        cs = sum(data) & 0xff
        self.s.sendall(b"$" + data + b"#%02x" % cs)
        while True:
            r = self._packet()
            if r.startswith(b"O") and r != b"OK":
                self.console += bytes.fromhex(r[1:].decode()).decode(errors="replace")
                continue
            return r

    def monitor(self, cmd):
        self.console = ""
        self.ask(b"qRcmd," + cmd.encode().hex().encode())
        return self.console

class HMP:
    """QEMU's human monitor on a socket: a command, then its output up to "(qemu) "."""
    def __init__(self, addr):
        self.s = connect(addr)
        self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            d = self.s.recv(65536)
            if not d:
                raise EOFError("monitor closed")
            buf += d
        return buf.decode(errors="replace")

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\n")
        return self.read_prompt()

def icount(kind, g, hmp):
    if kind == "rr":
        return int(re.search(r"icount=(\d+)", g.monitor("when")).group(1))
    out = hmp.cmd("info replay")
    return int(re.search(r"instruction count = (\d+)", out).group(1))

def seek(kind, g, hmp, ic):
    if kind == "rr":
        out = g.monitor("replay_seek %d" % ic)
        if "icount=" not in out:
            raise RuntimeError(out)
    else:
        # QEMU's replay_seek from the HMP hangs after a reverse step (QEMU 7.2):
        # go forward with replay_break and continue, so points must ascend
        hmp.cmd("replay_break %d" % ic)
        r = g.ask(b"c")
        if not r.startswith(b"T"):
            raise RuntimeError("after replay_break: %r" % r)
        now = icount(kind, g, hmp)
        if now != ic:
            raise RuntimeError("replay_break %d stopped at %d" % (ic, now))

def main():
    mode, gaddr, kind, saddr = sys.argv[1:5]
    g = RSP(gaddr)
    g.ask(b"qSupported:swbreak+;hwbreak+")
    g.ask(b"?")
    hmp = HMP(saddr) if kind == "qemu" else None
    if mode == "stepi":
        n, seed, first, last = map(int, sys.argv[5:9])
        rnd = random.Random(seed)
        points = [rnd.randrange(first + 1, last) for _ in range(n)]
        if kind == "qemu":
            points.sort()
        for ic in points:
            seek(kind, g, hmp, ic)
            t0 = time.time()
            r = g.ask(b"bs")
            dt = time.time() - t0
            if not r.startswith(b"T05"):
                raise RuntimeError("bs: %r" % r)
            print("stepi %d %.4f" % (ic, dt), flush=True)
    else:
        bp, back = int(sys.argv[5], 16), int(sys.argv[6])
        g.ask(b"Z0,%x,2" % bp)
        r = g.ask(b"c")
        hit = icount(kind, g, hmp)
        g.ask(b"z0,%x,2" % bp)     # (QEMU's continue would stop at it again at once)
        seek(kind, g, hmp, hit + back)
        g.ask(b"Z0,%x,2" % bp)
        t0 = time.time()
        r = g.ask(b"bc")
        dt = time.time() - t0
        stop = icount(kind, g, hmp)
        print("rcont %d %d %.3f %s" % (hit, hit + back, dt, "hit" if stop == hit else "stop=%d" % stop), flush=True)
    try:
        g.ask(b"D")
    except Exception:
        pass
    return 0

sys.exit(main())
