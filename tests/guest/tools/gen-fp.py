#!/usr/bin/env python3
"""Generate tests/guest/fparith.c: a table of F/D known-answer cases (result bits and
accrued flags) computed with the exact-rational reference model in fpref.py.
Usage: tools/gen-fp.py > fparith.c   (deterministic: fixed seed)"""
import random, struct, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fpref import *

random.seed(20240603)
RMS = ['rne', 'rtz', 'rdn', 'rup', 'rmm']

def dbits(x): return struct.unpack('<Q', struct.pack('<d', x))[0]
def sbits(x): return struct.unpack('<I', struct.pack('<f', x))[0]

D_SPECIAL = [0, 1 << 63, dbits(1.0), dbits(-1.0), 1, 0x000fffffffffffff, 0x0010000000000000,
             0x8010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000,
             0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 0xfff8000000001234,
             0x3ff0000000000001, dbits(1.5), dbits(3.0), dbits(0.1), dbits(1 / 3), dbits(1e300),
             dbits(1e-300), dbits(2.5), dbits(-2.5), dbits(0.5), dbits(-0.5), dbits(2.0**31),
             dbits(2.0**31 - 0.5), dbits(-2.0**31), dbits(-2.0**31 - 1), dbits(2.0**32),
             dbits(2.0**63), dbits(-2.0**63), dbits(2.0**64), dbits(2.0**-53), 0x3cb8000000000000,
             dbits(-1e-310), 0x8000000000000001]
S_SPECIAL = [0, 1 << 31, sbits(1.0), sbits(-1.0), 1, 0x007fffff, 0x00800000, 0x80800000,
             0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc01234,
             0x3f800001, sbits(1.5), sbits(3.0), sbits(0.1), sbits(1 / 3), sbits(1e30), sbits(1e-30),
             sbits(2.5), sbits(-2.5), sbits(0.5), sbits(-0.5), sbits(2.0**31), sbits(-2.0**31),
             sbits(2.0**32), sbits(2.0**63), sbits(-2.0**63), sbits(2.0**64), sbits(2.0**-24),
             0x33c00000, 0x80000001]
INTS = [0, 1, (1 << 64) - 1, 0x7fffffff, 0xffffffff80000000, 0xffffffff, (1 << 53) + 1,
        (1 << 63) - 1, 1 << 63, 0x0123456789abcdef, (1 << 24) + 1, 0xfffffffffffffffb]

def rnd_d():
    r = random.random()
    if r < 0.6: return random.choice(D_SPECIAL)
    e = random.choice([0, 1, 2, 0x3fe, 0x3ff, 0x400, 0x7fd, 0x7fe, random.randrange(0x7ff)])
    return (random.randrange(2) << 63) | (e << 52) | random.getrandbits(52)
def rnd_s():
    r = random.random()
    if r < 0.03: return random.getrandbits(64) & 0x00000000ffffffff  # not NaN-boxed
    if r < 0.6: return 0xffffffff00000000 | random.choice(S_SPECIAL)
    e = random.choice([0, 1, 2, 0x7e, 0x7f, 0x80, 0xfd, 0xfe, random.randrange(0xff)])
    return 0xffffffff00000000 | (random.randrange(2) << 31) | (e << 23) | random.getrandbits(23)
def rnd_i():
    return random.choice(INTS) if random.random() < 0.6 else random.getrandbits(64)

cases = []   # (opname, rm or -1, a, b, c, want, flags)
ops = []     # (opname, kind) kind: r1 r2 r3 (rounded), fi (float->int), if (int->float), n2 n1 (no rm)

def add_op(name, kind):
    ops.append((name, kind))

for fmt, sfx, rnd in ((D, 'd', rnd_d), (S, 's', rnd_s)):
    dec = lambda x: decode(fmt, unbox(fmt, x))
    fin = lambda r: box(fmt, r[0])
    arith = [('fadd', 2, lambda a, b, c, rm: addv(fmt, dec(a), dec(b), rm)),
             ('fsub', 2, lambda a, b, c, rm: addv(fmt, dec(a), neg(dec(b)), rm)),
             ('fmul', 2, lambda a, b, c, rm: mulv(fmt, dec(a), dec(b), rm)),
             ('fdiv', 2, lambda a, b, c, rm: divv(fmt, dec(a), dec(b), rm)),
             ('fsqrt', 1, lambda a, b, c, rm: sqrtv(fmt, dec(a), rm)),
             ('fmadd', 3, lambda a, b, c, rm: fmav(fmt, dec(a), dec(b), dec(c), rm)),
             ('fmsub', 3, lambda a, b, c, rm: fmav(fmt, dec(a), dec(b), dec(c), rm, negc=True)),
             ('fnmsub', 3, lambda a, b, c, rm: fmav(fmt, dec(a), dec(b), dec(c), rm, negprod=True)),
             ('fnmadd', 3, lambda a, b, c, rm: fmav(fmt, dec(a), dec(b), dec(c), rm, True, True))]
    for name, n, fn in arith:
        op = '%s.%s' % (name, sfx)
        add_op(op, 'r%d' % n)
        for rm in range(5):
            for _ in range(8):
                a, b, c = rnd(), rnd(), rnd()
                r, fl = fn(a, b, c, rm)
                cases.append((op, rm, a, b if n > 1 else 0, c if n > 2 else 0, box(fmt, r), fl))
    # float -> int
    for iname, bits, signed in (('w', 32, 1), ('wu', 32, 0), ('l', 64, 1), ('lu', 64, 0)):
        op = 'fcvt.%s.%s' % (iname, sfx)
        add_op(op, 'fi')
        for rm in range(5):
            for _ in range(8):
                a = rnd()
                r, fl = cvt_fi(fmt, dec(a), rm, bits, signed)
                cases.append((op, rm, a, 0, 0, r, fl))
    # int -> float
    for iname, bits, signed in (('w', 32, 1), ('wu', 32, 0), ('l', 64, 1), ('lu', 64, 0)):
        op = 'fcvt.%s.%s' % (sfx, iname)
        exact = fmt is D and bits == 32
        add_op(op, 'ifx' if exact else 'if')
        for rm in ([-1] if exact else range(5)):
            for _ in range(8 if exact else 5):
                a = rnd_i()
                r, fl = cvt_if(fmt, a, max(rm, 0), bits, signed)
                cases.append((op, rm, a, 0, 0, box(fmt, r), fl))
    # no rounding mode
    for name in ('fmin', 'fmax', 'feq', 'flt', 'fle', 'fsgnj', 'fsgnjn', 'fsgnjx', 'fclass'):
        op = '%s.%s' % (name, sfx)
        add_op(op, 'n1' if name == 'fclass' else ('c2' if name[1] in 'el' else 'n2'))
        for _ in range(24):
            a, b = rnd(), rnd()
            if random.random() < 0.15: b = a ^ (1 << (fmt.w - 1))   # x vs -x (signed zeros)
            ua, ub = unbox(fmt, a), unbox(fmt, b)
            sign = 1 << (fmt.w - 1)
            if name in ('fmin', 'fmax'):
                r, fl = minmax(fmt, ua, ub, name == 'fmax'); r = box(fmt, r)
            elif name in ('feq', 'flt', 'fle'):
                r, fl = cmp(fmt, ua, ub, name[1:])
            elif name == 'fclass':
                r, fl = fclass(fmt, ua), 0; b = 0
            else:
                sb = ub & sign
                if name == 'fsgnjn': sb ^= sign
                if name == 'fsgnjx': sb = (ua ^ ub) & sign
                r, fl = box(fmt, (ua & ~sign) | sb), 0
            cases.append((op, -1, a, b, 0, r, fl))

# float <-> float
for op, fs, fd in (('fcvt.s.d', D, S), ('fcvt.d.s', S, D)):
    exact = fs is S
    add_op(op, 'n1f' if exact else 'r1')
    for rm in ([-1] if exact else range(5)):
        for _ in range(20 if exact else 10):
            a = rnd_d() if fs is D else rnd_s()
            if fs is D and random.random() < 0.4:   # near float's exponent range
                a = ((random.randrange(2) << 63) | (random.getrandbits(52)) |
                     (random.choice([0x36a, 0x380, 0x381, 0x47e, 0x47f, 0x3ff]) << 52))
            r, fl = cvt_ff(fd, decode(fs, unbox(fs, a)), max(rm, 0))
            cases.append((op, rm, a, 0, 0, box(fd, r), fl))

opidx = {name: i for i, (name, _) in enumerate(ops)}
w = sys.stdout.write
w('''/* fparith: F and D known-answer table (GENERATED by tools/gen-fp.py from the exact
 * rational model tools/fpref.py; do not edit by hand).
 *
 * Every rounded operation (add, sub, mul, div, sqrt, the four fused forms,
 * conversions between formats and to/from integers) runs each case twice: with the
 * static rounding mode in the instruction and with rm=dyn after writing frm. Both
 * results and the accrued flags (fflags) must equal the reference. Non-rounding
 * operations (fmin/fmax, compares, sign injection, fclass) run once. Single-precision
 * operands are passed NaN-boxed (a few are deliberately not boxed: they must read as
 * the canonical NaN); results are read back with fmv.x.d to check the boxing. */
#include "rt.h"

''')
w('enum {\n')
for name, _ in ops:
    w('\tOP_%s,\n' % name.replace('.', '_').upper())
w('};\n\n')
w('static const char *const op_names[] = {\n')
for name, _ in ops:
    w('\t"%s",\n' % name)
w('};\n\n')
w('struct fcase { uint16_t op; int8_t rm; uint8_t flags; uint64_t a, b, c, want; };\n\n')
w('static const struct fcase cases[] = {\n')
for op, rm, a, b, c, r, fl in cases:
    w('\t{OP_%s, %d, 0x%02x, 0x%xul, 0x%xul, 0x%xul, 0x%xul},\n' % (op.replace('.', '_').upper(), rm, fl, a, b, c, r))
w('};\n\n')
# execution: one asm site per (op, rm)
w('''#define IN "fmv.d.x ft0, %2\\n\\tfmv.d.x ft1, %3\\n\\tfmv.d.x ft2, %4\\n\\tcsrw fflags, zero\\n\\t"
#define OUTF "\\n\\tfmv.x.d %0, ft3\\n\\tcsrr %1, fflags"
#define OUTX "\\n\\tcsrr %1, fflags"
#define ASM(body) __asm__ volatile(IN body : "=&r"(r), "=&r"(fl) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3")
#define RMSW(mk) switch (rm) { \\
	case 0: mk("rne"); break; case 1: mk("rtz"); break; case 2: mk("rdn"); break; \\
	case 3: mk("rup"); break; case 4: mk("rmm"); break; default: mk("dyn"); break; }

/* Execute one operation with rounding mode rm (0..4 static, 7 dynamic); return the
 * result (f register bits, or x register for compares/fclass/float->int) and set
 * *flags to fflags after it. */
static uint64_t exec(int op, int rm, uint64_t a, uint64_t b, uint64_t c, uint64_t *flags)
{
	uint64_t r = 0, fl = 0;
	switch (op) {
''')
for name, kind in ops:
    e = 'OP_%s' % name.replace('.', '_').upper()
    if kind == 'r1':   body = '"%s ft3, ft0, " m OUTF' % name
    elif kind == 'r2': body = '"%s ft3, ft0, ft1, " m OUTF' % name
    elif kind == 'r3': body = '"%s ft3, ft0, ft1, ft2, " m OUTF' % name
    elif kind == 'fi': body = '"%s %%0, ft0, " m OUTX' % name
    elif kind == 'if': body = '"fmv.x.d %%0, ft0\\n\\t%s ft3, %%2, " m OUTF' % name
    elif kind == 'ifx': body = '"fmv.x.d %%0, ft0\\n\\t%s ft3, %%2" OUTF' % name
    elif kind == 'n1f': body = '"%s ft3, ft0" OUTF' % name
    elif kind == 'n2': body = '"%s ft3, ft0, ft1" OUTF' % name
    elif kind == 'c2': body = '"%s %%0, ft0, ft1" OUTX' % name
    elif kind == 'n1': body = '"%s %%0, ft0" OUTX' % name
    if kind in ('n2', 'c2', 'n1', 'ifx', 'n1f'):
        w('\tcase %s: ASM(%s); break;\n' % (e, body))
    else:
        w('\tcase %s: {\n#define MK(m) ASM(%s)\n\t\tRMSW(MK)\n#undef MK\n\t\tbreak; }\n' % (e, body))
w('''	}
	*flags = fl;
	return r;
}

static const char *const rm_names[] = {"rne", "rtz", "rdn", "rup", "rmm", "?5", "?6", "dyn"};

int main(void)
{
	int n = (int)(sizeof(cases) / sizeof(cases[0]));
	for (int i = 0; i < n; i++) {
		const struct fcase *t = &cases[i];
		uint64_t fl, fl2, r, r2;
		r = exec(t->op, t->rm, t->a, t->b, t->c, &fl);
		rt_printf("%s %s %016lx %016lx %016lx -> %016lx %02lx", op_names[t->op],
			  t->rm < 0 ? "-" : rm_names[t->rm], t->a, t->b, t->c, r, fl);
		int bad = r != t->want || fl != t->flags;
		if (t->rm >= 0) {
			csr_write(frm, t->rm);
			r2 = exec(t->op, 7, t->a, t->b, t->c, &fl2);
			csr_write(frm, 0);
			if (r2 != t->want || fl2 != t->flags) {
				rt_printf(" dyn: %016lx %02lx", r2, fl2);
				bad = 1;
			}
		}
		if (bad) {
			rt_printf(" FAIL (want %016lx %02x)", t->want, t->flags);
			rt_failures++;
		}
		rt_putc('\\n');
	}
	return rt_done("fparith");
}
''')
