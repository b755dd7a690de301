#!/usr/bin/env python3
"""gen.py SEED [-n N] [--no-misaligned]: print a random RV64GC test program (GNU
assembly) for the differential tester.

The program (function `main`, called by tests/guest/rt/crt.S in M-mode) loads random
values into x1, x3..x8, x10..x31 and f0..f31, runs N random instructions, stores
every register, fcsr and mscratch into difftest_regs and calls difftest_dump()
(dump.c), which prints them with a checksum of the scratch buffer.

Only instructions whose results the ISA defines are emitted: integer ALU and M,
loads and stores into the scratch buffer (s1 = x9 holds its address and is never
written; sp is never written), AMOs on aligned scratch words, LR/SC pairs with
nothing but ALU work between them, F/D arithmetic with static and dynamic rounding
modes (frm is only ever set to 0..4), conversions, moves, compares, fclass, CSR
accesses to fcsr/fflags/frm/mscratch, explicit compressed instructions, and forward
branches and jumps. Misaligned scalar loads and stores are included unless
--no-misaligned (QEMU's virt performs them without trapping). Nothing reads
counters, time, misa or other implementation-defined state. Same seed, same program.
"""
import random
import sys

SCRATCH = 2048
NFCONST = 64          # f constants just below the scratch buffer
XREGS = [1, 3, 4, 5, 6, 7, 8] + list(range(10, 32))     # writable x registers
CREGS = [8, 10, 11, 12, 13, 14, 15]                       # compressible, minus s1 (x9)
RMS = ['rne', 'rtz', 'rdn', 'rup', 'rmm', 'dyn']

INT_R = ('add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw '
         'mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw').split()
INT_I = 'addi slti sltiu xori ori andi addiw'.split()
SHIFT_I = {'slli': 63, 'srli': 63, 'srai': 63, 'slliw': 31, 'srliw': 31, 'sraiw': 31}
LOADS = {'lb': 1, 'lh': 2, 'lw': 4, 'ld': 8, 'lbu': 1, 'lhu': 2, 'lwu': 4}
STORES = {'sb': 1, 'sh': 2, 'sw': 4, 'sd': 8}
AMOS = 'swap add xor and or min max minu maxu'.split()
BRANCHES = 'beq bne blt bge bltu bgeu'.split()


class Gen:
    def __init__(self, seed, misaligned):
        self.r = random.Random(seed)
        self.misaligned = misaligned
        self.out = []

    def x(self, src=False):
        """a random x register; sources may also be x0"""
        if src and self.r.random() < 0.05:
            return 'x0'
        return 'x%d' % self.r.choice(XREGS)

    def f(self, p=None):
        """an f register; for precision p mostly from its half of the file (f0-f15
        tend to hold doubles, f16-f31 boxed singles) so that fewer results collapse
        into canonical NaNs"""
        if p is not None and self.r.random() < 0.85:
            return 'f%d' % (self.r.randrange(16) + (16 if p == 's' else 0))
        return 'f%d' % self.r.randrange(32)

    def freload(self):
        """refresh an f register from the constant table below the scratch buffer"""
        k = self.r.randrange(NFCONST)
        self.emit('fld f%d, %d(s1)' % (self.r.randrange(32), -8 * NFCONST + 8 * k))

    def val64(self):
        r = self.r.random()
        if r < 0.3:
            return self.r.choice([0, 1, 2, 0xffffffffffffffff, 0x8000000000000000,
                                  0x7fffffffffffffff, 0x80000000, 0x7fffffff, 0xffffffff,
                                  0xffffffff80000000, 0xfffffffffffffffe, 31, 32, 63, 64])
        if r < 0.5:
            return self.r.getrandbits(32)
        if r < 0.6:
            return (self.r.getrandbits(12) - 2048) & 0xffffffffffffffff
        return self.r.getrandbits(64)

    def fval(self):
        """a 64-bit pattern for an f register: doubles, boxed singles, specials"""
        r = self.r.random()
        specials_d = [0, 1 << 63, 0x3ff0000000000000, 0xbff0000000000000, 0x7ff0000000000000,
                      0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 1,
                      0x000fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff,
                      0x41dfffffffc00000, 0x43e0000000000000, 0xc3e0000000000000,
                      0x4000000000000000, 0x3fe0000000000000, 0x3fd5555555555555]
        specials_s = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
                      0x7fc00000, 0x7f800001, 1, 0x007fffff, 0x00800000, 0x7f7fffff,
                      0x4f000000, 0xcf000000, 0x5f000000, 0x40000000, 0x3eaaaaab]
        if r < 0.25:
            return self.r.choice(specials_d)
        if r < 0.45:
            return 0xffffffff00000000 | self.r.choice(specials_s)
        if r < 0.65:
            e = self.r.choice([0x3fe, 0x3ff, 0x400, 0x401, 0x3f0, 0x410, 1, 0x7fe, self.r.randrange(0x7ff)])
            return (self.r.getrandbits(1) << 63) | (e << 52) | self.r.getrandbits(52)
        if r < 0.85:
            e = self.r.choice([0x7e, 0x7f, 0x80, 0x81, 0x70, 0x90, 1, 0xfe, self.r.randrange(0xff)])
            return 0xffffffff00000000 | (self.r.getrandbits(1) << 31) | (e << 23) | self.r.getrandbits(23)
        if r < 0.9:
            return self.r.getrandbits(64)      # mostly not NaN-boxed
        return self.r.getrandbits(64) & 0x7fffffffffffffff

    def off(self, size, allow_mis=True):
        o = self.r.randrange(0, SCRATCH - 8)
        if allow_mis and self.misaligned and self.r.random() < 0.1:
            return o
        return o - o % size

    def emit(self, s):
        self.out.append('\t' + s)

    # instruction classes --------------------------------------------------
    def int_r(self):
        self.emit('%s %s, %s, %s' % (self.r.choice(INT_R), self.x(), self.x(True), self.x(True)))

    def int_i(self):
        r = self.r.random()
        if r < 0.5:
            self.emit('%s %s, %s, %d' % (self.r.choice(INT_I), self.x(), self.x(True), self.r.randrange(-2048, 2048)))
        elif r < 0.85:
            op = self.r.choice(list(SHIFT_I))
            self.emit('%s %s, %s, %d' % (op, self.x(), self.x(True), self.r.randrange(SHIFT_I[op] + 1)))
        elif r < 0.95:
            self.emit('lui %s, 0x%x' % (self.x(), self.r.getrandbits(20)))
        else:
            self.emit('auipc %s, 0x%x' % (self.x(), self.r.getrandbits(20)))

    def load(self):
        op = self.r.choice(list(LOADS))
        self.emit('%s %s, %d(s1)' % (op, self.x(), self.off(LOADS[op])))

    def store(self):
        op = self.r.choice(list(STORES))
        self.emit('%s %s, %d(s1)' % (op, self.x(True), self.off(STORES[op])))

    def fmem(self):
        r = self.r.random()
        if r < 0.25:
            self.emit('flw %s, %d(s1)' % (self.f(), self.off(4)))
        elif r < 0.5:
            self.emit('fld %s, %d(s1)' % (self.f(), self.off(8)))
        elif r < 0.75:
            self.emit('fsw %s, %d(s1)' % (self.f(), self.off(4)))
        else:
            self.emit('fsd %s, %d(s1)' % (self.f(), self.off(8)))

    def addr_reg(self, size):
        """an x register set to an aligned scratch address"""
        a = self.x()
        while a in ('x0',):
            a = self.x()
        self.emit('addi %s, s1, %d' % (a, self.off(size, False)))
        return a

    def amo(self):
        w = self.r.choice(['w', 'd'])
        a = self.addr_reg(4 if w == 'w' else 8)
        rd = self.x()
        rs2 = self.x(True)
        if rs2 == a and self.r.random() < 0.5:
            rs2 = 'x0'
        q = self.r.choice(['', '.aq', '.rl', '.aqrl'])
        self.emit('amo%s.%s%s %s, %s, (%s)' % (self.r.choice(AMOS), w, q, rd, rs2, a))

    def lrsc(self):
        w = self.r.choice(['w', 'd'])
        a = self.addr_reg(4 if w == 'w' else 8)
        rd = self.x()
        while rd == a:
            rd = self.x()
        self.emit('lr.%s %s, (%s)' % (w, rd, a))
        for _ in range(self.r.randrange(3)):        # ALU work that leaves a alone
            d = self.x()
            while d == a:
                d = self.x()
            self.emit('%s %s, %s, %s' % (self.r.choice(INT_R[:15]), d, self.x(True), self.x(True)))
        rd2 = self.x()
        self.emit('sc.%s %s, %s, (%s)' % (w, rd2, self.x(True), a))
        if self.r.random() < 0.3:                   # a second sc: no reservation left
            self.emit('sc.%s %s, %s, (%s)' % (w, self.x(), self.x(True), a))

    def fp(self):
        p = self.r.choice(['s', 'd'])
        rm = self.r.choice(RMS)
        r = self.r.random()
        if r < 0.08:
            return self.freload()
        if r < 0.35:
            op = self.r.choice(['fadd', 'fsub', 'fmul', 'fdiv'])
            self.emit('%s.%s %s, %s, %s, %s' % (op, p, self.f(p), self.f(p), self.f(p), rm))
        elif r < 0.42:
            self.emit('fsqrt.%s %s, %s, %s' % (p, self.f(p), self.f(p), rm))
        elif r < 0.55:
            op = self.r.choice(['fmadd', 'fmsub', 'fnmadd', 'fnmsub'])
            self.emit('%s.%s %s, %s, %s, %s, %s' % (op, p, self.f(p), self.f(p), self.f(p), self.f(p), rm))
        elif r < 0.65:
            op = self.r.choice(['fmin', 'fmax', 'fsgnj', 'fsgnjn', 'fsgnjx'])
            self.emit('%s.%s %s, %s, %s' % (op, p, self.f(p), self.f(p), self.f(p)))
        elif r < 0.72:
            op = self.r.choice(['feq', 'flt', 'fle'])
            self.emit('%s.%s %s, %s, %s' % (op, p, self.x(), self.f(p), self.f(p)))
        elif r < 0.75:
            self.emit('fclass.%s %s, %s' % (p, self.x(), self.f(p)))
        elif r < 0.85:   # float -> int
            it = self.r.choice(['w', 'wu', 'l', 'lu'])
            self.emit('fcvt.%s.%s %s, %s, %s' % (it, p, self.x(), self.f(p), rm))
        elif r < 0.93:   # int -> float (the exact ones take no rounding mode)
            it = self.r.choice(['w', 'wu', 'l', 'lu'])
            if p == 'd' and it in ('w', 'wu'):
                self.emit('fcvt.d.%s %s, %s' % (it, self.f(p), self.x(True)))
            else:
                self.emit('fcvt.%s.%s %s, %s, %s' % (p, it, self.f(p), self.x(True), rm))
        elif r < 0.96:
            if self.r.random() < 0.5:
                self.emit('fcvt.s.d %s, %s, %s' % (self.f('s'), self.f('d'), rm))
            else:
                self.emit('fcvt.d.s %s, %s' % (self.f('d'), self.f('s')))
        else:
            op = self.r.choice(['fmv.x.w', 'fmv.x.d', 'fmv.w.x', 'fmv.d.x'])
            if op.startswith('fmv.x'):
                self.emit('%s %s, %s' % (op, self.x(), self.f(p)))
            else:
                self.emit('%s %s, %s' % (op, self.f(p), self.x(True)))

    def fp_and_save(self):
        """an FP instruction; its f result is often stored to scratch too, so that
        intermediate values reach the checksum even if later overwritten"""
        n = len(self.out)
        self.fp()
        if len(self.out) > n and self.r.random() < 0.3:
            words = self.out[-1].split()
            if len(words) > 1 and words[1].startswith('f') and words[1][1:-1].isdigit():
                self.emit('fsd %s, %d(s1)' % (words[1][:-1], self.off(8, False)))

    def csr(self):
        r = self.r.random()
        rd = self.x() if self.r.random() < 0.8 else 'x0'
        if r < 0.1:
            self.emit('csrrwi %s, frm, %d' % (rd, self.r.randrange(5)))
        elif r < 0.2:   # fsrm from a register holding 0..4
            t = self.x()
            self.emit('li %s, %d' % (t, self.r.randrange(5)))
            self.emit('fsrm %s, %s' % (rd, t))
        elif r < 0.35:
            self.emit('csrrwi %s, fflags, %d' % (rd, self.r.randrange(32)))
        elif r < 0.45:
            self.emit('csrrsi %s, fflags, %d' % (rd, self.r.randrange(32)))
        elif r < 0.55:
            self.emit('csrrci %s, fflags, %d' % (rd, self.r.randrange(32)))
        elif r < 0.65:
            t = self.x()
            self.emit('li %s, %d' % (t, (self.r.randrange(5) << 5) | self.r.randrange(32) | (self.r.getrandbits(8) << 8)))
            self.emit('csrrw %s, fcsr, %s' % (rd, t))
        elif r < 0.75:
            self.emit('%s %s' % (self.r.choice(['frcsr', 'frflags', 'frrm']), self.x()))
        elif r < 0.8:   # clearing bits of a value in 0..4 leaves it in 0..4
            self.emit('csrrci %s, frm, %d' % (rd, self.r.randrange(1, 8)))
        else:
            op = self.r.choice(['csrrw', 'csrrs', 'csrrc'])
            self.emit('%s %s, mscratch, %s' % (op, rd, self.x(True)))

    def compressed(self):
        c = lambda: 'x%d' % self.r.choice(CREGS)
        full = lambda: 'x%d' % self.r.choice([r for r in XREGS])
        r = self.r.random()
        if r < 0.1:
            self.emit('c.li %s, %d' % (full(), self.r.randrange(-32, 32)))
        elif r < 0.2:
            self.emit('c.addi %s, %d' % (full(), self.r.choice([i for i in range(-32, 32) if i])))
        elif r < 0.27:
            self.emit('c.addiw %s, %d' % (full(), self.r.randrange(-32, 32)))
        elif r < 0.33:
            self.emit('c.lui %s, %d' % (full(), self.r.choice(list(range(1, 32)) + list(range(0xfffe0, 0x100000)))))
        elif r < 0.4:
            self.emit('c.slli %s, %d' % (full(), self.r.randrange(1, 64)))
        elif r < 0.47:
            self.emit('%s %s, %d' % (self.r.choice(['c.srli', 'c.srai']), c(), self.r.randrange(1, 64)))
        elif r < 0.52:
            self.emit('c.andi %s, %d' % (c(), self.r.randrange(-32, 32)))
        elif r < 0.6:
            self.emit('c.mv %s, %s' % (full(), full()))
        elif r < 0.66:
            self.emit('c.add %s, %s' % (full(), full()))
        elif r < 0.76:
            op = self.r.choice(['c.sub', 'c.xor', 'c.or', 'c.and', 'c.subw', 'c.addw'])
            self.emit('%s %s, %s' % (op, c(), c()))
        elif r < 0.84:
            op, sz, lim = self.r.choice([('c.lw', 4, 124), ('c.ld', 8, 248), ('c.sw', 4, 124), ('c.sd', 8, 248)])
            self.emit('%s %s, %d(s1)' % (op, c(), self.r.randrange(0, lim // sz + 1) * sz))
        elif r < 0.9:
            op = self.r.choice(['c.fld', 'c.fsd'])
            self.emit('%s f%d, %d(s1)' % (op, self.r.randrange(8, 16), self.r.randrange(32) * 8))
        else:
            self.emit('c.nop')

    def branch(self, body):
        r = self.r.random()
        lab = '%d' % (len(self.out) + 1000)
        if r < 0.6:
            self.emit('%s %s, %s, %sf' % (self.r.choice(BRANCHES), self.x(True), self.x(True), lab))
        elif r < 0.75:
            self.emit('%s x%d, %sf' % (self.r.choice(['c.beqz', 'c.bnez']), self.r.choice(CREGS), lab))
        elif r < 0.85:
            self.emit('jal %s, %sf' % (self.x(), lab))
        elif r < 0.92:
            t = self.x()
            self.emit('la %s, %sf' % (t, lab))
            self.emit('jalr %s, 0(%s)' % (self.x(), t))
        else:
            self.emit('c.j %sf' % lab)
        for _ in range(self.r.randrange(1, 4)):
            body()
        self.out.append('%s:' % lab)

    def one(self):
        kinds = [(self.int_r, 18), (self.int_i, 14), (self.load, 8), (self.store, 8), (self.fmem, 5),
                 (self.amo, 5), (self.lrsc, 2), (self.fp_and_save, 22), (self.csr, 5), (self.compressed, 10)]
        tot = sum(w for _, w in kinds)
        v = self.r.randrange(tot)
        for fn, w in kinds:
            if v < w:
                return fn()
            v -= w

    def program(self, n):
        o = self.out
        o.append('# generated by tests/difftest/gen.py')
        o.append('\t.data\n\t.balign 4096')
        o.append('\t.globl difftest_regs\ndifftest_regs:\n\t.zero %d' % (66 * 8))
        o.append('\t.balign 64\nfconst:')
        fvals = [self.fval() for _ in range(NFCONST)]
        for i in range(NFCONST):
            o.append('\t.dword 0x%016x' % fvals[i])
        o.append('\t.globl difftest_scratch\ndifftest_scratch:')
        for i in range(0, SCRATCH, 8):
            o.append('\t.dword 0x%016x' % self.val64())
        o.append('\t.section .rodata\n\t.globl difftest_scratch_size\ndifftest_scratch_size:\n\t.dword %d' % SCRATCH)
        o.append('\t.text\n\t.globl main\n\t.balign 4\nmain:')
        self.emit('la s1, difftest_scratch')
        for i in range(32):
            self.emit('fld f%d, %d(s1)' % (i, -8 * NFCONST + 8 * i))
        self.emit('csrwi fcsr, %d' % self.r.randrange(32))   # frm = 0 (rne), random flags
        for i in XREGS:
            self.emit('li x%d, 0x%x' % (i, self.val64()))
        for _ in range(n):
            if self.r.random() < 0.08:
                self.branch(self.one)
            else:
                self.one()
        # epilogue: save everything, then back to a sane C environment
        self.emit('.option push\n\t.option norelax')
        self.emit('addi sp, sp, -16')
        self.emit('sd x31, 0(sp)')
        self.emit('la x31, difftest_regs')
        for i in range(1, 31):
            if i != 2:
                self.emit('sd x%d, %d(x31)' % (i, i * 8))
        self.emit('ld x30, 0(sp)')
        self.emit('sd x30, %d(x31)' % (31 * 8))
        self.emit('addi sp, sp, 16')
        self.emit('sd sp, %d(x31)' % (2 * 8))
        for i in range(32):
            self.emit('fsd f%d, %d(x31)' % (i, (32 + i) * 8))
        self.emit('csrr x30, fcsr')
        self.emit('sd x30, %d(x31)' % (64 * 8))
        self.emit('la x30, _mtrap_stack_top')
        self.emit('csrrw x30, mscratch, x30')
        self.emit('sd x30, %d(x31)' % (65 * 8))
        self.emit('la gp, __global_pointer$')
        self.emit('.option pop')
        self.emit('call difftest_dump')
        return '\n'.join(o) + '\n'


def main():
    args = sys.argv[1:]
    n = 300
    mis = True
    seed = None
    while args:
        a = args.pop(0)
        if a == '-n':
            n = int(args.pop(0))
        elif a == '--no-misaligned':
            mis = False
        elif seed is None:
            seed = int(a, 0)
        else:
            sys.exit('usage: gen.py SEED [-n N] [--no-misaligned]')
    if seed is None:
        sys.exit('usage: gen.py SEED [-n N] [--no-misaligned]')
    sys.stdout.write(Gen(seed, mis).program(n))


if __name__ == '__main__':
    main()
