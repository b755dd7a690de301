/* fpmisc: floating-point state and data movement.
 * fcsr/frm/fflags field masking and aliasing, flag accrual, mstatus.FS
 * (Off makes every FP instruction and FP CSR illegal; writing FP state makes FS
 * Dirty and sets SD), reserved rounding modes (static 5/6, dynamic with frm 5..7)
 * are illegal, NaN-boxing through flw/fsw/fmv/fld/fsd, and hand-computed ties for
 * every rounding mode. */
#include "rt.h"

static volatile uint64_t mem[4];

static uint64_t fadd_d(uint64_t a, uint64_t b, int rm, uint64_t *fl)
{
	uint64_t r, f;
#define ADD(m) __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" \
		"fadd.d ft2, ft0, ft1, " m "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
		: "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1", "ft2")
	switch (rm) {
	case 0: ADD("rne"); break;
	case 1: ADD("rtz"); break;
	case 2: ADD("rdn"); break;
	case 3: ADD("rup"); break;
	case 4: ADD("rmm"); break;
	default: ADD("dyn"); break;
	}
#undef ADD
	*fl = f;
	return r;
}

static void ties(void)
{
	static const char *rmn[] = {"rne", "rtz", "rdn", "rup", "rmm"};
	/* 1 + 2^-53: exactly half an ulp above 1.0 (even: 1.0) */
	static const uint64_t t1[5] = {0x3ff0000000000000, 0x3ff0000000000000, 0x3ff0000000000000,
				       0x3ff0000000000001, 0x3ff0000000000001};
	/* 1 + 3*2^-53: half an ulp above 1+2^-52 (odd), even neighbour is 1+2^-51 */
	static const uint64_t t2[5] = {0x3ff0000000000002, 0x3ff0000000000001, 0x3ff0000000000001,
				       0x3ff0000000000002, 0x3ff0000000000002};
	/* -1 - 2^-60: just below -1.0 */
	static const uint64_t t3[5] = {0xbff0000000000000, 0xbff0000000000000, 0xbff0000000000001,
				       0xbff0000000000000, 0xbff0000000000000};
	for (int rm = 0; rm < 5; rm++) {
		uint64_t fl;
		rt_printf("rm=%s\n", rmn[rm]);
		rt_check("  1 + 2^-53", fadd_d(0x3ff0000000000000, 0x3ca0000000000000, rm, &fl), t1[rm]);
		rt_check("  flags (NX)", fl, 1);
		rt_check("  1 + 3*2^-53", fadd_d(0x3ff0000000000000, 0x3cb8000000000000, rm, &fl), t2[rm]);
		rt_check("  -1 - 2^-60", fadd_d(0xbff0000000000000, 0xbc30000000000000, rm, &fl), t3[rm]);
		/* x + (-x) is +0, except -0 when rounding down */
		rt_check("  1 + -1", fadd_d(0x3ff0000000000000, 0xbff0000000000000, rm, &fl),
			 rm == 2 ? 0x8000000000000000 : 0);
		rt_check("  flags (exact)", fl, 0);
		/* dynamic: same answers through frm */
		csr_write(frm, rm);
		rt_check("  dyn 1 + 3*2^-53", fadd_d(0x3ff0000000000000, 0x3cb8000000000000, 7, &fl), t2[rm]);
		csr_write(frm, 0);
	}
}

static void fcsr_fields(void)
{
	uint64_t v;
	csr_write(fcsr, 0xffffffff);
	rt_check("fcsr after writing ~0", csr_read(fcsr), 0xff);
	rt_check("frm", csr_read(frm), 7);
	rt_check("fflags", csr_read(fflags), 0x1f);
	v = csr_swap(frm, 0xfa);
	rt_check("csrrw frm old", v, 7);
	rt_check("frm masked to 3 bits", csr_read(frm), 2);
	rt_check("fcsr = frm<<5 | fflags", csr_read(fcsr), 0x5f);
	csr_write(fflags, 0xe4);
	rt_check("fflags masked to 5 bits", csr_read(fflags), 4);
	csr_clear(fflags, 4);
	csr_set(fflags, 0x21);
	rt_check("csrs/csrc fflags", csr_read(fflags), 1);
	csr_write(fcsr, 0);
	/* flags accrue across instructions until cleared */
	uint64_t one = 0x3ff0000000000000, zero = 0, third;
	__asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfdiv.d ft2, ft0, ft1\n\t"
			 "fmv.d.x ft1, %3\n\tfdiv.d ft2, ft0, ft1\n\tfmv.x.d %0, ft2"
			 : "=r"(third) : "r"(one), "r"(zero), "r"(0x4008000000000000ul) : "ft0", "ft1", "ft2");
	rt_check("1/3", third, 0x3fd5555555555555);
	rt_check("accrued DZ|NX", csr_read(fflags), 0x09);
	csr_write(fcsr, 0);
}

static void fs_states(void)
{
	uint64_t st, r;
	csr_clear(mstatus, MSTATUS_FS);
	csr_set(mstatus, 1ul << 13);            /* Initial */
	st = csr_read(mstatus);
	rt_check("FS initial", (st >> 13) & 3, 1);
	rt_check("SD clear when FS initial", st >> 63, 0);
	__asm__ volatile("fmv.d.x ft0, zero" ::: "ft0");
	st = csr_read(mstatus);
	rt_check("FS dirty after an FP write", (st >> 13) & 3, 3);
	rt_check("SD set", st >> 63, 1);
	csr_clear(mstatus, MSTATUS_FS);         /* Off */
	rt_check("FS off", (csr_read(mstatus) >> 13) & 3, 0);
	rt_catch = 1;
	rt_trap_reset();
	__asm__ volatile("fadd.d ft0, ft1, ft2" ::: "ft0");
	rt_check("fadd.d with FS off: illegal", rt_trap.cause, 2);
	rt_trap_reset();
	r = 0x1234;
	__asm__ volatile("csrr %0, fflags" : "+r"(r));
	rt_check("csrr fflags with FS off: illegal", rt_trap.cause, 2);
	rt_check("  rd unchanged", r, 0x1234);
	rt_trap_reset();
	__asm__ volatile("fld ft0, 0(%0)" :: "r"(mem) : "ft0");
	rt_check("fld with FS off: illegal", rt_trap.cause, 2);
	rt_trap_reset();
	__asm__ volatile("fsd ft0, 0(%0)" :: "r"(mem) : "memory");
	rt_check("fsd with FS off: illegal", rt_trap.cause, 2);
	rt_catch = 0;
	csr_set(mstatus, 1ul << 13);
}

static void reserved_rm(void)
{
	rt_catch = 1;
	for (int rm = 5; rm <= 6; rm++) {
		rt_trap_reset();
		if (rm == 5)
			__asm__ volatile(".insn r 0x53, 5, 0x01, ft3, ft0, ft1" ::: "ft3");
		else
			__asm__ volatile(".insn r 0x53, 6, 0x01, ft3, ft0, ft1" ::: "ft3");
		rt_printf("fadd.d static rm=%d: ", rm);
		rt_check("cause", rt_trap.cause, 2);
	}
	for (int frm = 5; frm <= 7; frm++) {
		csr_write(frm, frm);
		rt_trap_reset();
		__asm__ volatile("fadd.d ft3, ft0, ft1, dyn" ::: "ft3");
		rt_printf("fadd.d dyn with frm=%d: ", frm);
		rt_check("cause", rt_trap.cause, 2);
		rt_trap_reset();
		__asm__ volatile("fsgnj.d ft3, ft0, ft1" ::: "ft3");
		rt_check("  fsgnj.d (no rounding) still legal", rt_trap.count, 0);
	}
	csr_write(frm, 0);
	rt_catch = 0;
}

static void boxing(void)
{
	uint64_t r;
	mem[0] = 0x1122334455667788ul;
	__asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(mem) : "ft0");
	rt_check("flw boxes", r, 0xffffffff55667788ul);
	__asm__ volatile("flw ft0, 4(%1)\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(mem) : "ft0");
	rt_check("fmv.x.w sign-extends", r, 0x0000000011223344ul);
	__asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(0x1234567880000000ul) : "ft0");
	rt_check("fmv.w.x/fmv.x.w negative", r, 0xffffffff80000000ul);
	__asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(0x12345678c0000000ul) : "ft0");
	rt_check("fmv.w.x boxes", r, 0xffffffffc0000000ul);
	/* an unboxed value: fmv.x.w and fsw still move the low 32 bits */
	__asm__ volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(0x000000013f800000ul) : "ft0");
	rt_check("fmv.x.w of unboxed", r, 0x3f800000);
	mem[1] = 0;
	__asm__ volatile("fmv.d.x ft0, %0\n\tfsw ft0, 8(%1)" :: "r"(0x000000013f800000ul), "r"(mem) : "ft0", "memory");
	rt_check("fsw of unboxed", mem[1], 0x3f800000);
	/* ...but arithmetic, sign injection and classification see the canonical NaN */
	__asm__ volatile("fmv.d.x ft0, %1\n\tfsgnj.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1" : "=r"(r) : "r"(0x000000013f800000ul) : "ft0", "ft1");
	rt_check("fsgnj.s of unboxed -> canonical NaN", r, 0xffffffff7fc00000ul);
	__asm__ volatile("fmv.d.x ft0, %1\n\tfclass.s %0, ft0" : "=r"(r) : "r"(0xfffffffe3f800000ul) : "ft0");
	rt_check("fclass.s of unboxed = quiet NaN", r, 1 << 9);
	csr_write(fflags, 0);
	__asm__ volatile("fmv.d.x ft0, %1\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1" : "=r"(r) : "r"(0x7f800001ul) : "ft0", "ft1");
	rt_check("fadd.s of unboxed sNaN bits -> canonical NaN", r, 0xffffffff7fc00000ul);
	rt_check("  no NV (reads as a quiet NaN)", csr_read(fflags), 0);
	/* fld/fsd move 64 bits untouched; fsgnj.d works on the raw bits */
	mem[2] = 0xffffffff3f800000ul;
	__asm__ volatile("fld ft0, 16(%1)\n\tfsgnjn.d ft1, ft0, ft0\n\tfsd ft1, 24(%1)\n\tfmv.x.d %0, ft1"
			 : "=r"(r) : "r"(mem) : "ft0", "ft1", "memory");
	rt_check("fsgnjn.d on a boxed single", r, 0x7fffffff3f800000ul);
	rt_check("fsd stored it", mem[3], 0x7fffffff3f800000ul);
	/* fcvt.d.s of a boxed single, and fcvt.s.d produces a boxed one */
	__asm__ volatile("fld ft0, 16(%1)\n\tfcvt.d.s ft1, ft0\n\tfmv.x.d %0, ft1" : "=r"(r) : "r"(mem) : "ft0", "ft1");
	rt_check("fcvt.d.s 1.0f", r, 0x3ff0000000000000ul);
	__asm__ volatile("fmv.d.x ft0, %1\n\tfcvt.s.d ft1, ft0\n\tfmv.x.d %0, ft1" : "=r"(r) : "r"(0xc000000000000000ul) : "ft0", "ft1");
	rt_check("fcvt.s.d -2.0 boxed", r, 0xffffffffc0000000ul);
	csr_write(fcsr, 0);
}

int main(void)
{
	ties();
	fcsr_fields();
	fs_states();
	reserved_rm();
	boxing();
	return rt_done("fpmisc");
}
