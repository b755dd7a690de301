/*
 * check_softfp.c: lib/emu/softfp against the x86-64 host FPU.
 *
 * For RNE/RTZ/RDN/RUP the oracle is SSE (MXCSR rounding control, flags read
 * back from MXCSR; SSE detects tininess after rounding like RISC-V) driven
 * through inline asm so the compiler cannot fold or reorder the operations.
 * RMM has no host mode: it differs from RNE only on exact ties, so the oracle
 * computes the operation exactly in a wider format (double for binary32,
 * __float128 for binary64) and, on a tie, takes the RUP or RDN host result
 * (away from zero).  Where RISC-V and x86 differ (NaN payloads, out-of-range
 * integer conversion, min/max, inf*0+qNaN in fma) the expectation is written
 * from the RISC-V spec here.  Hand-written vectors pin the edge cases.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/softfp.h"

typedef __float128 f128;

/* ---- helpers ---- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

/* xorshift64*: deterministic pseudo-random 64-bit value */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static float f32f(uint32_t x) { float f; memcpy(&f, &x, 4); return f; }
static uint32_t f32b(float f) { uint32_t x; memcpy(&x, &f, 4); return x; }
static double f64f(uint64_t x) { double f; memcpy(&f, &x, 8); return f; }
static uint64_t f64b(double f) { uint64_t x; memcpy(&x, &f, 8); return x; }

static int nan32(uint64_t x) { return (x & 0x7fffffffu) > 0x7f800000u; }
static int nan64(uint64_t x) { return (x & ~(1ull << 63)) > 0x7ff0000000000000ull; }
static int snan32(uint64_t x) { return nan32(x) && !(x & 0x00400000u); }
static int snan64(uint64_t x) { return nan64(x) && !(x & 0x0008000000000000ull); }
static int isnanx(int d, uint64_t x) { return d ? nan64(x) : nan32(x); }
static int issnan(int d, uint64_t x) { return d ? snan64(x) : snan32(x); }
static uint64_t signbit_of(int d) { return d ? 1ull << 63 : 1ull << 31; }

typedef struct { uint64_t r; uint32_t fl; } res;

/* ---- host SSE oracle ---- */

static const uint32_t mx_rc[4] = { 0, 3, 1, 2 }; /* RNE RTZ RDN RUP -> MXCSR.RC */

/* Clear flags, all exceptions masked, no FTZ/DAZ, rounding rm (0..3). */
static inline void mx_begin(int rm)
{
	uint32_t v = 0x1f80 | mx_rc[rm] << 13;
	__asm__ volatile("ldmxcsr %0" : : "m"(v) : "memory");
}

/* Read the flags as RISC-V fflags (denormal-operand ignored); restore default. */
static inline uint32_t mx_end(void)
{
	uint32_t v, d = 0x1f80, fl = 0;
	__asm__ volatile("stmxcsr %0" : "=m"(v) : : "memory");
	__asm__ volatile("ldmxcsr %0" : : "m"(d) : "memory");
	if (v & 0x01) fl |= SF_NV;
	if (v & 0x04) fl |= SF_DZ;
	if (v & 0x08) fl |= SF_OF;
	if (v & 0x10) fl |= SF_UF;
	if (v & 0x20) fl |= SF_NX;
	return fl;
}

enum {
	ADD, SUB, MUL, DIV, SQRT, FMADD, FMSUB, FNMSUB, FNMADD,
	TO_W, TO_WU, TO_L, TO_LU, FROM_W, FROM_WU, FROM_L, FROM_LU,
	CVT, /* from the other format into format d */
	MIN, MAX, EQ, LT, LE, CLASS, NOPS
};
static const char *opname[NOPS] = {
	"add", "sub", "mul", "div", "sqrt", "fmadd", "fmsub", "fnmsub", "fnmadd",
	"to_w", "to_wu", "to_l", "to_lu", "from_w", "from_wu", "from_l", "from_lu",
	"cvt", "min", "max", "eq", "lt", "le", "class"
};

static int have_fma;

/* fmadd family as fma(+-a, b, +-c) */
static void fma_signs(int d, int op, uint64_t *a, uint64_t *c)
{
	int k = op - FMADD;
	if (k >> 1) *a ^= signbit_of(d);
	if (k & 1) *c ^= signbit_of(d);
}

static int inf_times_zero(int d, uint64_t a, uint64_t b)
{
	uint64_t m = ~signbit_of(d), inf = d ? 0x7ff0000000000000ull : 0x7f800000u;
	return ((a & m) == inf && (b & m) == 0) || ((a & m) == 0 && (b & m) == inf);
}

/* Host result of arithmetic op (ADD..FNMADD) in format d, rounding rm 0..3. */
static res host_arith(int d, int op, uint64_t a, uint64_t b, uint64_t c, int rm)
{
	res o;
	if (op >= FMADD) fma_signs(d, op, &a, &c);
	if (!d) {
		float x = f32f(a), y = f32f(b), z = f32f(c);
		mx_begin(rm);
		switch (op) {
		case ADD: __asm__ volatile("addss %1, %0" : "+x"(x) : "x"(y)); break;
		case SUB: __asm__ volatile("subss %1, %0" : "+x"(x) : "x"(y)); break;
		case MUL: __asm__ volatile("mulss %1, %0" : "+x"(x) : "x"(y)); break;
		case DIV: __asm__ volatile("divss %1, %0" : "+x"(x) : "x"(y)); break;
		case SQRT: __asm__ volatile("sqrtss %0, %0" : "+x"(x)); break;
		default: __asm__ volatile("vfmadd231ss %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); x = z; break;
		}
		o.fl = mx_end();
		o.r = f32b(x);
		if (nan32(o.r)) o.r = SF32_CANON_NAN;
	} else {
		double x = f64f(a), y = f64f(b), z = f64f(c);
		mx_begin(rm);
		switch (op) {
		case ADD: __asm__ volatile("addsd %1, %0" : "+x"(x) : "x"(y)); break;
		case SUB: __asm__ volatile("subsd %1, %0" : "+x"(x) : "x"(y)); break;
		case MUL: __asm__ volatile("mulsd %1, %0" : "+x"(x) : "x"(y)); break;
		case DIV: __asm__ volatile("divsd %1, %0" : "+x"(x) : "x"(y)); break;
		case SQRT: __asm__ volatile("sqrtsd %0, %0" : "+x"(x)); break;
		default: __asm__ volatile("vfmadd231sd %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); x = z; break;
		}
		o.fl = mx_end();
		o.r = f64b(x);
		if (nan64(o.r)) o.r = SF64_CANON_NAN;
	}
	/* RISC-V: inf*0 + qNaN is invalid (x86 leaves it implementation-defined) */
	if (op >= FMADD && inf_times_zero(d, a, b))
		o.fl |= SF_NV;
	return o;
}

/* Exact a op b in double for binary32 operands; 0 if not exact. */
static int wide32(int op, uint64_t a, uint64_t b, uint64_t c, double *w)
{
	double x = f32f(a), y = f32f(b), z = f32f(c);
	uint32_t fl;
	if (op >= FMADD) {
		x = f32f(a ^ ((op - FMADD) >> 1 ? 0x80000000u : 0));
		z = f32f(c ^ ((op - FMADD) & 1 ? 0x80000000u : 0));
	}
	mx_begin(SF_RNE);
	switch (op) {
	case ADD: __asm__ volatile("addsd %1, %0" : "+x"(x) : "x"(y)); break;
	case SUB: __asm__ volatile("subsd %1, %0" : "+x"(x) : "x"(y)); break;
	case MUL: __asm__ volatile("mulsd %1, %0" : "+x"(x) : "x"(y)); break;
	case DIV: __asm__ volatile("divsd %1, %0" : "+x"(x) : "x"(y)); break;
	case SQRT: __asm__ volatile("sqrtsd %0, %0" : "+x"(x)); break;
	default: /* the product of two binary32 is exact in double */
		__asm__ volatile("mulsd %1, %0" : "+x"(x) : "x"(y));
		__asm__ volatile("addsd %1, %0" : "+x"(x) : "x"(z));
		break;
	}
	fl = mx_end();
	*w = x;
	return !(fl & SF_NX);
}

/* Exact a op b in binary128 for binary64 operands; 0 if not exact.
 * (A binary64 square root is never a tie, so sqrt just says "not exact".) */
__attribute__((noinline)) static int wide64(int op, uint64_t a, uint64_t b, uint64_t c, f128 *w)
{
	volatile f128 x, y = f64f(b), z, r = 0;
	uint32_t fl;
	if (op == SQRT) return 0;
	if (op >= FMADD) fma_signs(1, op, &a, &c);
	x = f64f(a);
	z = f64f(c);
	mx_begin(SF_RNE);
	switch (op) {
	case ADD: r = x + y; break;
	case SUB: r = x - y; break;
	case MUL: r = x * y; break;
	case DIV: r = x / y; break;
	default: r = x * y + z; break; /* 106-bit product is exact in binary128 */
	}
	fl = mx_end();
	*w = r;
	return !(fl & SF_NX);
}

/* RMM from the RNE/RDN/RUP host results and the exact value w (if known):
 * on a tie take the result away from zero, otherwise RMM equals RNE. */
static res rmm_pick32(res ne, res dn, res up, double w, int exact)
{
	double lo = f32f(dn.r), hi = f32f(up.r), mid;
	if (!exact || !(ne.fl & SF_NX) || nan32(ne.r)) return ne;
	if (isinf(hi) && !isinf(lo)) mid = (double)FLT_MAX + 0x1p103;
	else if (isinf(lo) && !isinf(hi)) mid = -(double)FLT_MAX - 0x1p103;
	else mid = (lo + hi) / 2; /* exact: adjacent binary32 values */
	if (w != mid) return ne;
	return w < 0 ? dn : up;
}

static res rmm_pick64(res ne, res dn, res up, f128 w, int exact)
{
	double lo = f64f(dn.r), hi = f64f(up.r);
	f128 mid;
	if (!exact || !(ne.fl & SF_NX) || nan64(ne.r)) return ne;
	if (isinf(hi) && !isinf(lo)) mid = (f128)DBL_MAX + (f128)0x1p970;
	else if (isinf(lo) && !isinf(hi)) mid = -(f128)DBL_MAX - (f128)0x1p970;
	else mid = ((f128)lo + (f128)hi) / 2;
	if (w != mid) return ne;
	return w < 0 ? dn : up;
}

static uint64_t int_max(int op)
{
	switch (op) {
	case TO_W: return 0x7fffffff;
	case TO_WU: return 0xffffffff;
	case TO_L: return 0x7fffffffffffffffull;
	default: return ~0ull;
	}
}

/* Host float -> integer with the RISC-V saturation rules applied by hand. */
static res host_toint(int d, int op, uint64_t a, int rm)
{
	double x = d ? f64f(a) : (double)f32f(a); /* binary32 -> double is exact */
	res o = { 0, 0 };
	uint32_t fl;
	int64_t r;
	if (isnanx(d, a)) {
		o.r = int_max(op);
		o.fl = SF_NV;
		return o;
	}
	if (op == TO_W) {
		int32_t r32;
		mx_begin(rm);
		__asm__ volatile("cvtsd2si %1, %0" : "=r"(r32) : "x"(x));
		fl = mx_end();
		if (fl & SF_NV) o.r = x < 0 ? 0x80000000u : 0x7fffffffu;
		else o.r = (uint32_t)r32;
		o.fl = fl & SF_NV ? SF_NV : fl;
		return o;
	}
	if (op == TO_LU && x >= 0x1p63) {
		/* beyond the host's signed range; such values are integers */
		if (x >= 0x1p64) {
			o.r = ~0ull;
			o.fl = SF_NV;
		} else {
			o.r = (uint64_t)(x - 0x1p63) + (1ull << 63);
		}
		return o;
	}
	mx_begin(rm);
	__asm__ volatile("cvtsd2si %1, %0" : "=r"(r) : "x"(x));
	fl = mx_end();
	o.fl = fl;
	if (op == TO_L) {
		if (fl & SF_NV) {
			o.r = x < 0 ? 1ull << 63 : int_max(op);
			o.fl = SF_NV;
		} else {
			o.r = (uint64_t)r;
		}
	} else { /* TO_WU, TO_LU */
		if ((fl & SF_NV) || r < 0 || (op == TO_WU && r > 0xffffffffll)) {
			o.r = x < 0 ? 0 : int_max(op);
			o.fl = SF_NV;
		} else {
			o.r = (uint64_t)r;
		}
	}
	return o;
}

/* Host integer -> float; v holds the integer (sign-extended for FROM_W). */
static res host_fromint(int d, int op, uint64_t v, int rm)
{
	res o;
	int64_t s64 = (int64_t)v;
	int32_t s32 = (int32_t)v;
	int dbl = 0;
	if (op == FROM_WU) s64 = (uint32_t)v;
	if (op == FROM_LU && (v >> 63)) {
		s64 = (int64_t)((v >> 1) | (v & 1)); /* jammed half, then doubled: exact */
		dbl = 1;
	}
	if (!d) {
		float f;
		mx_begin(rm);
		if (op == FROM_W) __asm__ volatile("cvtsi2ssl %1, %0" : "=x"(f) : "r"(s32));
		else __asm__ volatile("cvtsi2ssq %1, %0" : "=x"(f) : "r"(s64));
		if (dbl) __asm__ volatile("addss %0, %0" : "+x"(f));
		o.fl = mx_end();
		o.r = f32b(f);
	} else {
		double f;
		mx_begin(rm);
		if (op == FROM_W) __asm__ volatile("cvtsi2sdl %1, %0" : "=x"(f) : "r"(s32));
		else __asm__ volatile("cvtsi2sdq %1, %0" : "=x"(f) : "r"(s64));
		if (dbl) __asm__ volatile("addsd %0, %0" : "+x"(f));
		o.fl = mx_end();
		o.r = f64b(f);
	}
	return o;
}

/* Host format conversion into format d (from the other one). */
static res host_cvt(int d, uint64_t a, int rm)
{
	res o;
	if (!d) {
		double x = f64f(a);
		float f;
		mx_begin(rm);
		__asm__ volatile("cvtsd2ss %1, %0" : "=x"(f) : "x"(x));
		o.fl = mx_end();
		o.r = nan32(f32b(f)) ? SF32_CANON_NAN : f32b(f);
	} else {
		float x = f32f(a);
		double f;
		mx_begin(rm);
		__asm__ volatile("cvtss2sd %1, %0" : "=x"(f) : "x"(x));
		o.fl = mx_end();
		o.r = nan64(f64b(f)) ? SF64_CANON_NAN : f64b(f);
	}
	return o;
}

/* Host compare: EQ quiet, LT/LE signaling (cmpss predicates 0, 1, 2). */
static res host_cmp(int d, int op, uint64_t a, uint64_t b)
{
	res o;
	if (!d) {
		float x = f32f(a), y = f32f(b);
		mx_begin(0);
		if (op == EQ) __asm__ volatile("cmpeqss %1, %0" : "+x"(x) : "x"(y));
		else if (op == LT) __asm__ volatile("cmpltss %1, %0" : "+x"(x) : "x"(y));
		else __asm__ volatile("cmpless %1, %0" : "+x"(x) : "x"(y));
		o.fl = mx_end();
		o.r = f32b(x) != 0;
	} else {
		double x = f64f(a), y = f64f(b);
		mx_begin(0);
		if (op == EQ) __asm__ volatile("cmpeqsd %1, %0" : "+x"(x) : "x"(y));
		else if (op == LT) __asm__ volatile("cmpltsd %1, %0" : "+x"(x) : "x"(y));
		else __asm__ volatile("cmplesd %1, %0" : "+x"(x) : "x"(y));
		o.fl = mx_end();
		o.r = f64b(x) != 0;
	}
	return o;
}

/* RISC-V fmin/fmax written from the spec, using host comparisons. */
static res spec_minmax(int d, int op, uint64_t a, uint64_t b)
{
	res o = { 0, 0 };
	int an = isnanx(d, a), bn = isnanx(d, b);
	double x = d ? f64f(a) : f32f(a), y = d ? f64f(b) : f32f(b);
	if (issnan(d, a) || issnan(d, b)) o.fl = SF_NV;
	if (an && bn) o.r = d ? SF64_CANON_NAN : SF32_CANON_NAN;
	else if (an) o.r = b;
	else if (bn) o.r = a;
	else if (x < y) o.r = op == MIN ? a : b;
	else if (y < x) o.r = op == MIN ? b : a;
	else if (signbit(x) != signbit(y)) o.r = (op == MIN) == !!signbit(x) ? a : b;
	else o.r = a;
	return o;
}

/* RISC-V fclass written from the spec, using the host's classification. */
static res spec_class(int d, uint64_t a)
{
	res o = { 0, 0 };
	double x = d ? f64f(a) : f32f(a);
	int neg = d ? (int)(a >> 63) : (int)(a >> 31) & 1;
	if (isnanx(d, a)) o.r = issnan(d, a) ? 1u << 8 : 1u << 9;
	else switch (d ? fpclassify(x) : fpclassify((float)x)) {
	case FP_INFINITE: o.r = neg ? 1u << 0 : 1u << 7; break;
	case FP_NORMAL: o.r = neg ? 1u << 1 : 1u << 6; break;
	case FP_SUBNORMAL: o.r = neg ? 1u << 2 : 1u << 5; break;
	default: o.r = neg ? 1u << 3 : 1u << 4; break;
	}
	return o;
}

/* Is the float value a of format d exactly k + 1/2 for an integer k? */
static int half_integer(int d, uint64_t a)
{
	double x = d ? f64f(a) : f32f(a), t;
	if (isnanx(d, a) || !(fabs(x) < 0x1p52)) return 0;
	t = 2 * x;
	return t == (double)(int64_t)t && ((int64_t)t & 1);
}

/* The expected result of op on format d for rm 0..4. */
static res expect(int d, int op, uint64_t a, uint64_t b, uint64_t c, int rm)
{
	res ne, dn, up;
	if (op <= FNMADD) {
		if (rm != SF_RMM) return host_arith(d, op, a, b, c, rm);
		ne = host_arith(d, op, a, b, c, SF_RNE);
		if (!(ne.fl & SF_NX)) return ne;
		dn = host_arith(d, op, a, b, c, SF_RDN);
		up = host_arith(d, op, a, b, c, SF_RUP);
		if (!d) {
			double w;
			int ex = wide32(op, a, b, c, &w);
			return rmm_pick32(ne, dn, up, w, ex);
		} else {
			f128 w;
			int ex = wide64(op, a, b, c, &w);
			return rmm_pick64(ne, dn, up, w, ex);
		}
	}
	if (op <= TO_LU) {
		if (rm != SF_RMM) return host_toint(d, op, a, rm);
		if (!half_integer(d, a)) return host_toint(d, op, a, SF_RNE);
		return host_toint(d, op, a, (d ? f64f(a) : f32f(a)) < 0 ? SF_RDN : SF_RUP);
	}
	if (op <= FROM_LU) {
		f128 w, lo, hi;
		if (rm != SF_RMM) return host_fromint(d, op, a, rm);
		ne = host_fromint(d, op, a, SF_RNE);
		dn = host_fromint(d, op, a, SF_RDN);
		up = host_fromint(d, op, a, SF_RUP);
		switch (op) {
		case FROM_W: w = (int32_t)a; break;
		case FROM_WU: w = (uint32_t)a; break;
		case FROM_L: w = (int64_t)a; break;
		default: w = a; break;
		}
		lo = d ? f64f(dn.r) : f32f(dn.r);
		hi = d ? f64f(up.r) : f32f(up.r);
		if ((ne.fl & SF_NX) && lo + hi == 2 * w) return w < 0 ? dn : up;
		return ne;
	}
	if (op == CVT) {
		if (d) return host_cvt(d, a, SF_RNE); /* exact: rm is not an operand */
		if (rm != SF_RMM) return host_cvt(d, a, rm);
		ne = host_cvt(0, a, SF_RNE);
		dn = host_cvt(0, a, SF_RDN);
		up = host_cvt(0, a, SF_RUP);
		return rmm_pick32(ne, dn, up, f64f(a), 1);
	}
	if (op == MIN || op == MAX) return spec_minmax(d, op, a, b);
	if (op == CLASS) return spec_class(d, a);
	return host_cmp(d, op, a, b);
}

/* What softfp says. */
static res ours(int d, int op, uint64_t a, uint64_t b, uint64_t c, int rm)
{
	res o = { 0, 0 };
	uint32_t *fl = &o.fl;
	int k = op - FMADD;
	if (!d) switch (op) {
	case ADD: o.r = sf32_add(a, b, rm, fl); break;
	case SUB: o.r = sf32_sub(a, b, rm, fl); break;
	case MUL: o.r = sf32_mul(a, b, rm, fl); break;
	case DIV: o.r = sf32_div(a, b, rm, fl); break;
	case SQRT: o.r = sf32_sqrt(a, rm, fl); break;
	case FMADD: case FMSUB: case FNMSUB: case FNMADD:
		o.r = sf32_fma(a, b, c, k >> 1, k & 1, rm, fl); break;
	case TO_W: o.r = (uint32_t)sf32_to_i32(a, rm, fl); break;
	case TO_WU: o.r = sf32_to_u32(a, rm, fl); break;
	case TO_L: o.r = (uint64_t)sf32_to_i64(a, rm, fl); break;
	case TO_LU: o.r = sf32_to_u64(a, rm, fl); break;
	case FROM_W: o.r = sf32_from_i32((int32_t)a, rm, fl); break;
	case FROM_WU: o.r = sf32_from_u32((uint32_t)a, rm, fl); break;
	case FROM_L: o.r = sf32_from_i64((int64_t)a, rm, fl); break;
	case FROM_LU: o.r = sf32_from_u64(a, rm, fl); break;
	case CVT: o.r = sf32_from_f64(a, rm, fl); break;
	case MIN: o.r = sf32_min(a, b, fl); break;
	case MAX: o.r = sf32_max(a, b, fl); break;
	case EQ: o.r = sf32_eq(a, b, fl); break;
	case LT: o.r = sf32_lt(a, b, fl); break;
	case LE: o.r = sf32_le(a, b, fl); break;
	case CLASS: o.r = sf32_classify(a); break;
	} else switch (op) {
	case ADD: o.r = sf64_add(a, b, rm, fl); break;
	case SUB: o.r = sf64_sub(a, b, rm, fl); break;
	case MUL: o.r = sf64_mul(a, b, rm, fl); break;
	case DIV: o.r = sf64_div(a, b, rm, fl); break;
	case SQRT: o.r = sf64_sqrt(a, rm, fl); break;
	case FMADD: case FMSUB: case FNMSUB: case FNMADD:
		o.r = sf64_fma(a, b, c, k >> 1, k & 1, rm, fl); break;
	case TO_W: o.r = (uint32_t)sf64_to_i32(a, rm, fl); break;
	case TO_WU: o.r = sf64_to_u32(a, rm, fl); break;
	case TO_L: o.r = (uint64_t)sf64_to_i64(a, rm, fl); break;
	case TO_LU: o.r = sf64_to_u64(a, rm, fl); break;
	case FROM_W: o.r = sf64_from_i32((int32_t)a, rm, fl); break;
	case FROM_WU: o.r = sf64_from_u32((uint32_t)a, rm, fl); break;
	case FROM_L: o.r = sf64_from_i64((int64_t)a, rm, fl); break;
	case FROM_LU: o.r = sf64_from_u64(a, rm, fl); break;
	case CVT: o.r = sf64_from_f32((uint32_t)a, fl); break;
	case MIN: o.r = sf64_min(a, b, fl); break;
	case MAX: o.r = sf64_max(a, b, fl); break;
	case EQ: o.r = sf64_eq(a, b, fl); break;
	case LT: o.r = sf64_lt(a, b, fl); break;
	case LE: o.r = sf64_le(a, b, fl); break;
	case CLASS: o.r = sf64_classify(a); break;
	}
	return o;
}

static long nvec, nfail;

/* Compare softfp with the oracle on one vector; report the first few misses. */
static void vec(int d, int op, uint64_t a, uint64_t b, uint64_t c, int rm)
{
	res g, w;
	if (op >= FMADD && op <= FNMADD && !have_fma) return;
	g = ours(d, op, a, b, c, rm);
	w = expect(d, op, a, b, c, rm);
	nvec++;
	if (g.r == w.r && g.fl == w.fl) return;
	if (nfail++ < 12)
		fprintf(stderr, "f%d %s rm=%d a=%#llx b=%#llx c=%#llx: got %#llx fl=%#x, want %#llx fl=%#x\n",
		        d ? 64 : 32, opname[op], rm, (unsigned long long)a, (unsigned long long)b,
		        (unsigned long long)c, (unsigned long long)g.r, g.fl,
		        (unsigned long long)w.r, w.fl);
}

/* ---- vector generators ---- */

/* A float of format d biased towards edges: zero/subnormal/huge exponents,
 * infinities and NaNs, and significands with long runs of zeros or ones. */
static uint64_t gen(int d)
{
	uint64_t r = rnd(), r2 = rnd(), m;
	int mb = d ? 52 : 23, emax = d ? 2047 : 255, bias = d ? 1023 : 127, e, k;
	switch (r & 15) {
	case 0: e = 0; break;
	case 1: e = emax; break;
	case 2: case 3: e = 1 + (int)((r >> 8) % 40); break;
	case 4: case 5: e = emax - 1 - (int)((r >> 8) % 40); break;
	case 6: case 7: e = (int)((r >> 8) % (uint64_t)(emax + 1)); break;
	default: e = bias - 40 + (int)((r >> 8) % 100); break;
	}
	k = (int)((r2 >> 56) % (unsigned)mb);
	switch (r2 & 7) {
	case 0: m = 0; break;
	case 1: m = ~0ull; break;
	case 2: m = 1ull << k; break;
	case 3: m = ~(1ull << k); break;
	case 4: m = (r2 >> 3) & ~((1ull << k) - 1); break;  /* low zeros */
	case 5: m = (r2 >> 3) | ((1ull << k) - 1); break;   /* low ones */
	case 6: m = (r2 >> 3) >> k; break;                   /* high zeros */
	default: m = rnd(); break;
	}
	m &= (1ull << mb) - 1;
	return ((r >> 7) & 1) << (d ? 63 : 31) | (uint64_t)e << mb | m;
}

/* A second operand related to a: near it (cancellation), same binade, or free. */
static uint64_t gen_near(int d, uint64_t a)
{
	uint64_t r = rnd();
	int mb = d ? 52 : 23;
	uint64_t mask = d ? ~0ull : 0xffffffffu;
	switch (r & 7) {
	case 0: return ((a ^ ((r >> 3 & 1) ? signbit_of(d) : 0)) + ((r >> 8) % 9) - 4) & mask;
	case 1: case 2: {
		int64_t e = (int64_t)((a >> mb) & (d ? 2047 : 255)) + (int64_t)((r >> 8) % 70) - 35;
		if (e < 0) e = 0;
		if (e > (d ? 2046 : 254)) e = d ? 2046 : 254;
		return (gen(d) & ~(((uint64_t)(d ? 2047 : 255)) << mb)) | (uint64_t)e << mb;
	}
	default: return gen(d);
	}
}

/* An integer for FROM_*: small, near powers of two, or random with random width. */
static uint64_t gen_int(void)
{
	uint64_t r = rnd(), v = rnd();
	int k = (int)((r >> 8) % 65);
	switch (r & 3) {
	case 0: v = (r >> 16) % 2000; break;
	case 1: v = (k < 64 ? 1ull << k : 0) + ((r >> 20) % 16) - 8; break;
	default: v = k < 64 ? v >> k : v; break;
	}
	return (r >> 4 & 1) ? -v : v;
}

/* A float for TO_*: around integers, halves, and the 2^31/2^32/2^63/2^64 edges. */
static uint64_t gen_cvt(int d)
{
	uint64_t r = rnd(), i = gen_int();
	double x;
	switch (r & 3) {
	case 0: return gen(d);
	case 1: x = (double)(int64_t)(i >> ((r >> 4) % 64)) + ((r >> 12) % 4) * 0.25; break;
	default: {
		static const double edge[] = { 0x1p31, 0x1p32, 0x1p63, 0x1p64, 0.5, 1.5 };
		double p = edge[(r >> 4) % 6];
		x = p + ((double)(int)((r >> 8) % 9) - 4) * ((r >> 16) % 2 ? 0.5 : p * 0x1p-52);
		if (r >> 20 & 1) x = -x;
		break;
	}
	}
	return d ? f64b(x) : f32b((float)x);
}

/* An f64 for conversion to f32: in and around the f32 range, with f32 ties. */
static uint64_t gen_f64_for_f32(void)
{
	uint64_t r = rnd(), x = gen(1);
	uint64_t e = 1023 - 160 + (r >> 8) % 300;
	if (r & 1) return x;
	x = (x & ~(0x7ffull << 52)) | e << 52;
	if (r & 2) x = (x & ~0x1fffffffull) | ((r >> 4 & 1) ? 0x10000000ull : 0); /* tie or exact */
	return x;
}

/* ---- edge values ---- */

static const uint32_t edge32[] = {
	0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000,
	0x00800001, 0x00400000, 0x3f800000, 0xbf800000, 0x3f800001, 0x3fffffff, 0x3f000000,
	0xbf000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x7f7fffff, 0xff7fffff, 0x7f000000,
	0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fc12345,
	0x4b800000, 0x4b7fffff, 0x4f000000, 0xcf000000, 0x4effffff, 0x4f800000, 0x5f000000,
	0xdf000000, 0x5effffff, 0x5f800000, 0x33800000, 0x33000000, 0x34000000, 0x0c800000,
	0x72800000,
};
static const uint64_t edge64[] = {
	0, 1ull << 63, 1, 0x8000000000000001, 0x000fffffffffffff, 0x800fffffffffffff,
	0x0010000000000000, 0x8010000000000000, 0x0010000000000001, 0x0008000000000000,
	0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000001, 0x3fffffffffffffff,
	0x3fe0000000000000, 0xbfe0000000000000, 0x3ff8000000000000, 0x4004000000000000,
	0xc004000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x7fe0000000000000,
	0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
	0x7ff0000000000001, 0xfff0000000000001, 0x7ff8000000012345, 0x4340000000000000,
	0x433fffffffffffff, 0x41e0000000000000, 0xc1e0000000000000, 0x41dfffffffc00000,
	0x41dfffffffe00000, 0xc1e0000000100000, 0x41f0000000000000, 0x43e0000000000000,
	0xc3e0000000000000, 0x43dfffffffffffff, 0x43f0000000000000, 0x3ca0000000000000,
	0x3c90000000000000, 0x47efffffe0000000, 0x47effffff0000000, 0x36a0000000000000,
	0x3690000000000000, 0x3810000000000000, 0x380fffffffffffff, 0x0100000000000000,
	0x7e00000000000000,
};
#define NEDGE(d) ((d) ? sizeof edge64 / sizeof edge64[0] : sizeof edge32 / sizeof edge32[0])
static uint64_t edge(int d, size_t i) { return d ? edge64[i] : edge32[i]; }

static const uint64_t edge_int[] = {
	0, 1, (uint64_t)-1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
	(uint64_t)-0x80000000ll, (uint64_t)-0x7fffffffll, 0xffffff, 0x1000001, 0x1000003,
	0x20000000000001ull, 0x20000000000003ull, 0x7fffffffffffffffull, 1ull << 63,
	0x8000000000000001ull, ~0ull - 1, 0x7fffff8000000000ull, 0xffffff8000000000ull,
	0xfffffffffffffc00ull, 0xfffffffffffff800ull, 0x7ffffffffffffc00ull, (uint64_t)-0x1000001ll,
};

static void begin(void) { nvec = nfail = 0; }
static void finish(const char *what)
{
	fprintf(stderr, "%s: %ld vectors, %ld mismatches\n", what, nvec, nfail);
	ck_assert_msg(nfail == 0, "%s: %ld of %ld vectors differ", what, nfail, nvec);
	ck_assert_msg(nvec > 0, "%s: nothing tested", what);
}

#define NRAND 50000 /* random vectors per op and rounding mode */

/* ---- tests ---- */

static void edges_arith(int d)
{
	size_t n = NEDGE(d), i, j, k;
	int op, rm;
	begin();
	for (rm = 0; rm <= 4; rm++)
		for (i = 0; i < n; i++) {
			for (j = 0; j < n; j++)
				for (op = ADD; op <= DIV; op++)
					vec(d, op, edge(d, i), edge(d, j), 0, rm);
			vec(d, SQRT, edge(d, i), 0, 0, rm);
		}
	for (rm = 0; rm <= 4; rm++)
		for (i = 0; i < n; i += 1)
			for (j = 0; j < n; j++)
				for (k = 0; k < n; k += 2)
					for (op = FMADD; op <= FNMADD; op++)
						vec(d, op, edge(d, i), edge(d, j), edge(d, k), rm);
	finish(d ? "f64 edge arithmetic" : "f32 edge arithmetic");
}
START_TEST(test_edges32) { edges_arith(0); }
END_TEST
START_TEST(test_edges64) { edges_arith(1); }
END_TEST

static void random_arith(int d)
{
	int op, rm, i;
	begin();
	for (op = ADD; op <= FNMADD; op++)
		for (rm = 0; rm <= 4; rm++)
			for (i = 0; i < (rm == SF_RMM ? NRAND / 2 : NRAND); i++) {
				uint64_t a = gen(d), b = gen_near(d, a), c;
				if (op == SQRT && (rnd() & 1)) a &= ~signbit_of(d);
				if (op == SQRT && (i & 3) == 0) { /* exact squares, scaled */
					uint64_t k = rnd() % (d ? 1ull << 26 : 1ull << 12);
					int sc = (int)(rnd() % 200) - 100;
					a = d ? f64b(ldexp((double)(k * k), 2 * sc))
					      : f32b((float)ldexp((double)(k * k), sc & ~1));
				}
				if (op >= FMADD) {
					/* aim c near the product sometimes, for cancellation */
					uint64_t p = ours(d, MUL, a, b, 0, 0).r;
					c = (rnd() & 1) ? gen_near(d, p) : gen(d);
				} else {
					c = 0;
				}
				vec(d, op, a, b, c, rm);
			}
	if (!d) /* binary32 sqrt: a sweep over the whole positive range */
		for (i = 0; i < NRAND * 2; i++)
			vec(0, SQRT, (uint64_t)i * (0x7f800000 / (NRAND * 2)) + (rnd() & 0x3ff),
			    0, 0, i % 5);
	finish(d ? "f64 random arithmetic" : "f32 random arithmetic");
}
START_TEST(test_random32) { random_arith(0); }
END_TEST
START_TEST(test_random64) { random_arith(1); }
END_TEST

static void conversions(int d)
{
	int op, rm, i;
	size_t j;
	begin();
	for (rm = 0; rm <= 4; rm++) {
		for (op = TO_W; op <= TO_LU; op++) {
			for (j = 0; j < NEDGE(d); j++)
				vec(d, op, edge(d, j), 0, 0, rm);
			for (i = 0; i < NRAND / 2; i++)
				vec(d, op, gen_cvt(d), 0, 0, rm);
		}
		for (op = FROM_W; op <= FROM_LU; op++) {
			for (j = 0; j < sizeof edge_int / sizeof edge_int[0]; j++)
				vec(d, op, edge_int[j], 0, 0, rm);
			for (i = 0; i < NRAND / 2; i++)
				vec(d, op, gen_int(), 0, 0, rm);
		}
		for (j = 0; j < NEDGE(!d); j++)
			vec(d, CVT, edge(!d, j), 0, 0, rm);
		for (i = 0; i < NRAND; i++)
			vec(d, CVT, d ? gen(0) : gen_f64_for_f32(), 0, 0, rm);
	}
	finish(d ? "f64 conversions" : "f32 conversions");
}
START_TEST(test_cvt32) { conversions(0); }
END_TEST
START_TEST(test_cvt64) { conversions(1); }
END_TEST

static void compares(int d)
{
	int op, i;
	size_t j, k;
	begin();
	for (op = MIN; op <= CLASS; op++) {
		for (j = 0; j < NEDGE(d); j++)
			for (k = 0; k < NEDGE(d); k++)
				vec(d, op, edge(d, j), edge(d, k), 0, 0);
		for (i = 0; i < NRAND; i++) {
			uint64_t a = gen(d);
			vec(d, op, a, (i & 3) ? gen_near(d, a) : a ^ signbit_of(d), 0, 0);
		}
	}
	finish(d ? "f64 min/max/compare/class" : "f32 min/max/compare/class");
}
START_TEST(test_cmp32) { compares(0); }
END_TEST
START_TEST(test_cmp64) { compares(1); }
END_TEST

/* Hand-written vectors from the IEEE 754 and RISC-V specs. */
struct hv { int d, op, rm; uint64_t a, b, c, want; uint32_t fl; };
static const struct hv hand[] = {
	/* ties: RNE to even, RMM away */
	{ 0, ADD, SF_RNE, 0x3f800000, 0x33800000, 0, 0x3f800000, SF_NX },
	{ 0, ADD, SF_RMM, 0x3f800000, 0x33800000, 0, 0x3f800001, SF_NX },
	{ 0, ADD, SF_RMM, 0xbf800000, 0xb3800000, 0, 0xbf800001, SF_NX },
	{ 0, ADD, SF_RTZ, 0x3f800001, 0x33800000, 0, 0x3f800001, SF_NX },
	{ 0, ADD, SF_RNE, 0x3f800001, 0x33800000, 0, 0x3f800002, SF_NX },
	{ 0, ADD, SF_RMM, 0x3f800001, 0x33800000, 0, 0x3f800002, SF_NX },
	{ 1, ADD, SF_RNE, 0x3ff0000000000000, 0x3ca0000000000000, 0, 0x3ff0000000000000, SF_NX },
	{ 1, ADD, SF_RMM, 0x3ff0000000000000, 0x3ca0000000000000, 0, 0x3ff0000000000001, SF_NX },
	{ 1, ADD, SF_RUP, 0x3ff0000000000000, 0x0000000000000001, 0, 0x3ff0000000000001, SF_NX },
	{ 1, ADD, SF_RDN, 0x3ff0000000000000, 0x8000000000000001, 0, 0x3fefffffffffffff, SF_NX },
	/* half the smallest subnormal: RNE to 0, RMM away; both underflow */
	{ 1, MUL, SF_RNE, 1, 0x3fe0000000000000, 0, 0, SF_UF | SF_NX },
	{ 1, MUL, SF_RMM, 1, 0x3fe0000000000000, 0, 1, SF_UF | SF_NX },
	{ 1, DIV, SF_RMM, 0x8000000000000001, 0x4000000000000000, 0, 0x8000000000000001, SF_UF | SF_NX },
	{ 0, MUL, SF_RNE, 0x00000003, 0x3f000000, 0, 0x00000002, SF_UF | SF_NX },
	{ 0, MUL, SF_RMM, 0x00000003, 0x3f000000, 0, 0x00000002, SF_UF | SF_NX },
	{ 0, MUL, SF_RMM, 0x00000001, 0x3f000000, 0, 0x00000001, SF_UF | SF_NX },
	/* tininess after rounding: (1-2^-24)*2^-126 rounds up to the smallest
	 * normal but is tiny at unbounded exponent -> UF; slightly more is not */
	{ 0, MUL, SF_RNE, 0x3f7fffff, 0x00800000, 0, 0x00800000, SF_UF | SF_NX },
	{ 0, MUL, SF_RTZ, 0x3f7fffff, 0x00800000, 0, 0x007fffff, SF_UF | SF_NX },
	{ 1, MUL, SF_RUP, 0x3fefffffffffffff, 0x0010000000000001, 0, 0x0010000000000001, SF_NX },
	{ 1, MUL, SF_RNE, 0x3fefffffffffffff, 0x0010000000000001, 0, 0x0010000000000000, SF_NX },
	{ 1, MUL, SF_RNE, 0x3fefffffffffffff, 0x0010000000000000, 0, 0x0010000000000000, SF_UF | SF_NX },
	/* exact subnormal results do not underflow */
	{ 0, MUL, SF_RNE, 0x00000002, 0x3f000000, 0, 0x00000001, 0 },
	{ 0, SUB, SF_RNE, 0x00800001, 0x00800000, 0, 0x00000001, 0 },
	/* overflow: inf or max finite per mode and sign */
	{ 0, ADD, SF_RNE, 0x7f7fffff, 0x7f7fffff, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RMM, 0x7f7fffff, 0x7f7fffff, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RTZ, 0x7f7fffff, 0x7f7fffff, 0, 0x7f7fffff, SF_OF | SF_NX },
	{ 0, ADD, SF_RDN, 0x7f7fffff, 0x7f7fffff, 0, 0x7f7fffff, SF_OF | SF_NX },
	{ 0, ADD, SF_RUP, 0x7f7fffff, 0x7f7fffff, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RDN, 0xff7fffff, 0xff7fffff, 0, 0xff800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RUP, 0xff7fffff, 0xff7fffff, 0, 0xff7fffff, SF_OF | SF_NX },
	{ 1, MUL, SF_RTZ, 0xffefffffffffffff, 0x4000000000000000, 0, 0xffefffffffffffff, SF_OF | SF_NX },
	{ 1, MUL, SF_RMM, 0xffefffffffffffff, 0x4000000000000000, 0, 0xfff0000000000000, SF_OF | SF_NX },
	/* max + half an ulp: RNE/RMM overflow, RTZ not */
	{ 0, ADD, SF_RMM, 0x7f7fffff, 0x73000000, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RNE, 0x7f7fffff, 0x73000000, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, ADD, SF_RNE, 0x7f7fffff, 0x72800000, 0, 0x7f7fffff, SF_NX },
	/* exact cancellation: +0, but -0 in RDN; zeros */
	{ 0, SUB, SF_RNE, 0x3f800000, 0x3f800000, 0, 0x00000000, 0 },
	{ 0, SUB, SF_RDN, 0x3f800000, 0x3f800000, 0, 0x80000000, 0 },
	{ 0, ADD, SF_RNE, 0x80000000, 0x00000000, 0, 0x00000000, 0 },
	{ 0, ADD, SF_RDN, 0x80000000, 0x00000000, 0, 0x80000000, 0 },
	{ 0, ADD, SF_RUP, 0x80000000, 0x80000000, 0, 0x80000000, 0 },
	{ 1, FMADD, SF_RNE, 0x3ff0000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0, 0 },
	{ 1, FMADD, SF_RDN, 0x3ff0000000000000, 0x3ff0000000000000, 0xbff0000000000000, 1ull << 63, 0 },
	{ 1, FMSUB, SF_RMM, 0x4000000000000000, 0x3ff8000000000000, 0x4008000000000000, 0, 0 },
	{ 1, FNMADD, SF_RDN, 0x4000000000000000, 0x3ff8000000000000, 0xc008000000000000, 1ull << 63, 0 },
	{ 0, FMADD, SF_RDN, 0x80000000, 0x3f800000, 0x00000000, 0x80000000, 0 },
	{ 0, FMADD, SF_RNE, 0x80000000, 0x3f800000, 0x00000000, 0x00000000, 0 },
	{ 0, FNMSUB, SF_RNE, 0x80000000, 0x3f800000, 0x80000000, 0x00000000, 0 },
	{ 0, FNMADD, SF_RNE, 0x00000000, 0x3f800000, 0x00000000, 0x80000000, 0 },
	/* fused: one rounding. (1+2^-23)^2 - 1 = 2^-22 + 2^-46 exactly */
	{ 0, FMSUB, SF_RNE, 0x3f800001, 0x3f800001, 0x3f800000, 0x34800000, SF_NX },
	{ 0, FMSUB, SF_RMM, 0x3f800001, 0x3f800001, 0x3f800000, 0x34800001, SF_NX },
	{ 1, FMADD, SF_RNE, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000,
	  0x3cc0000000000000, SF_NX },
	{ 1, FMADD, SF_RMM, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000,
	  0x3cc0000000000001, SF_NX },
	{ 1, FMADD, SF_RNE, 0x3ff0000000000001, 0x3ff0000000000003, 0xbff0000000000000,
	  0x3cd0000000000001, SF_NX }, /* 2^-50 + 0.75 ulp */
	/* fma NaN rules: inf*0 invalid even with a quiet NaN addend */
	{ 0, FMADD, SF_RNE, 0x7f800000, 0x00000000, 0x7fc00000, SF32_CANON_NAN, SF_NV },
	{ 1, FNMADD, SF_RNE, 0, 0xfff0000000000000, 0x7ff8000000000000, SF64_CANON_NAN, SF_NV },
	{ 0, FMADD, SF_RNE, 0x3f800000, 0x3f800000, 0x7fc12345, SF32_CANON_NAN, 0 },
	{ 0, FMADD, SF_RNE, 0x3f800000, 0x3f800000, 0x7f800001, SF32_CANON_NAN, SF_NV },
	{ 0, FMADD, SF_RNE, 0x7f800000, 0x3f800000, 0xff800000, SF32_CANON_NAN, SF_NV },
	{ 0, FMSUB, SF_RNE, 0x7f800000, 0x3f800000, 0x7f800000, SF32_CANON_NAN, SF_NV },
	/* NaN results are canonical; sNaN raises NV */
	{ 0, ADD, SF_RNE, 0xffc12345, 0x3f800000, 0, SF32_CANON_NAN, 0 },
	{ 0, ADD, SF_RNE, 0x7f800001, 0x3f800000, 0, SF32_CANON_NAN, SF_NV },
	{ 0, ADD, SF_RNE, 0x7f800000, 0xff800000, 0, SF32_CANON_NAN, SF_NV },
	{ 0, MUL, SF_RNE, 0x7f800000, 0x80000000, 0, SF32_CANON_NAN, SF_NV },
	{ 0, DIV, SF_RNE, 0, 0x80000000, 0, SF32_CANON_NAN, SF_NV },
	{ 0, DIV, SF_RNE, 0xbf800000, 0x80000000, 0, 0x7f800000, SF_DZ },
	{ 0, DIV, SF_RNE, 0x7f800000, 0x7f800000, 0, SF32_CANON_NAN, SF_NV },
	{ 0, SQRT, SF_RNE, 0x80000000, 0, 0, 0x80000000, 0 },
	{ 0, SQRT, SF_RNE, 0x80000001, 0, 0, SF32_CANON_NAN, SF_NV },
	{ 0, SQRT, SF_RNE, 0xff800000, 0, 0, SF32_CANON_NAN, SF_NV },
	{ 1, SQRT, SF_RNE, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcd, SF_NX },
	{ 1, SQRT, SF_RUP, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcd, SF_NX },
	{ 1, SQRT, SF_RTZ, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcc, SF_NX },
	{ 1, SQRT, SF_RNE, 0x0000000000000001, 0, 0, 0x1e60000000000000, 0 },
	{ 1, SQRT, SF_RNE, 0x7ff0000000000000, 0, 0, 0x7ff0000000000000, 0 },
	/* float -> int: rounding, saturation, NaN */
	{ 0, TO_W, SF_RNE, 0x4f000000, 0, 0, 0x7fffffff, SF_NV },            /* 2^31 */
	{ 0, TO_W, SF_RNE, 0xcf000000, 0, 0, 0x80000000, 0 },                /* -2^31 */
	{ 0, TO_W, SF_RNE, 0x4effffff, 0, 0, 0x7fffff80, 0 },
	{ 0, TO_W, SF_RNE, 0x7fc00000, 0, 0, 0x7fffffff, SF_NV },
	{ 0, TO_W, SF_RNE, 0xffc00000, 0, 0, 0x7fffffff, SF_NV },
	{ 0, TO_W, SF_RNE, 0xff800000, 0, 0, 0x80000000, SF_NV },
	{ 0, TO_W, SF_RNE, 0xbf000000, 0, 0, 0, SF_NX },                     /* -0.5 */
	{ 0, TO_W, SF_RDN, 0xbf000000, 0, 0, 0xffffffff, SF_NX },
	{ 0, TO_W, SF_RMM, 0xbf000000, 0, 0, 0xffffffff, SF_NX },
	{ 0, TO_W, SF_RNE, 0x40200000, 0, 0, 2, SF_NX },                     /* 2.5 */
	{ 0, TO_W, SF_RMM, 0x40200000, 0, 0, 3, SF_NX },
	{ 0, TO_W, SF_RMM, 0xc0200000, 0, 0, 0xfffffffd, SF_NX },
	{ 0, TO_W, SF_RUP, 0x3f000001, 0, 0, 1, SF_NX },
	{ 0, TO_WU, SF_RNE, 0xbf000000, 0, 0, 0, SF_NX },                    /* -0.5 -> 0 */
	{ 0, TO_WU, SF_RDN, 0xbf000000, 0, 0, 0, SF_NV },                    /* -> -1: invalid */
	{ 0, TO_WU, SF_RNE, 0xbf800000, 0, 0, 0, SF_NV },
	{ 0, TO_WU, SF_RNE, 0x4f800000, 0, 0, 0xffffffff, SF_NV },           /* 2^32 */
	{ 0, TO_WU, SF_RNE, 0x4f7fffff, 0, 0, 0xffffff00, 0 },
	{ 0, TO_WU, SF_RNE, 0x7f800001, 0, 0, 0xffffffff, SF_NV },
	{ 0, TO_WU, SF_RNE, 0x80000000, 0, 0, 0, 0 },
	{ 0, TO_L, SF_RNE, 0x5f000000, 0, 0, 0x7fffffffffffffff, SF_NV },    /* 2^63 */
	{ 0, TO_L, SF_RNE, 0xdf000000, 0, 0, 0x8000000000000000, 0 },
	{ 0, TO_LU, SF_RNE, 0x5f000000, 0, 0, 0x8000000000000000, 0 },
	{ 0, TO_LU, SF_RNE, 0x5f800000, 0, 0, ~0ull, SF_NV },                /* 2^64 */
	{ 0, TO_LU, SF_RNE, 0xff800000, 0, 0, 0, SF_NV },
	{ 0, TO_LU, SF_RNE, 0x7fc00000, 0, 0, ~0ull, SF_NV },
	{ 1, TO_W, SF_RNE, 0x41dfffffffe00000, 0, 0, 0x7fffffff, SF_NV },   /* 2^31-0.5 -> 2^31 */
	{ 1, TO_W, SF_RTZ, 0x41dfffffffe00000, 0, 0, 0x7fffffff, SF_NX },
	{ 1, TO_W, SF_RNE, 0xc1e0000000100000, 0, 0, 0x80000000, SF_NX },   /* -2^31-0.5 */
	{ 1, TO_W, SF_RMM, 0xc1e0000000100000, 0, 0, 0x80000000, SF_NV },
	{ 1, TO_WU, SF_RNE, 0x41effffffff00000, 0, 0, 0xffffffff, SF_NV },  /* 2^32-0.5 -> 2^32 */
	{ 1, TO_WU, SF_RTZ, 0x41effffffff00000, 0, 0, 0xffffffff, SF_NX },
	{ 1, TO_L, SF_RNE, 0x43e0000000000000, 0, 0, 0x7fffffffffffffff, SF_NV },
	{ 1, TO_LU, SF_RNE, 0x43efffffffffffff, 0, 0, 0xfffffffffffff800, 0 },
	{ 1, TO_LU, SF_RNE, 0xbfe0000000000000, 0, 0, 0, SF_NX },
	{ 1, TO_LU, SF_RMM, 0xbfe0000000000000, 0, 0, 0, SF_NV },
	/* int -> float */
	{ 0, FROM_W, SF_RNE, 0x01000001, 0, 0, 0x4b800000, SF_NX },
	{ 0, FROM_W, SF_RMM, 0x01000001, 0, 0, 0x4b800001, SF_NX },
	{ 0, FROM_W, SF_RNE, 0xffffffff80000000, 0, 0, 0xcf000000, 0 },
	{ 0, FROM_W, SF_RNE, 0, 0, 0, 0, 0 },
	{ 0, FROM_WU, SF_RNE, 0xffffffff, 0, 0, 0x4f800000, SF_NX },
	{ 0, FROM_WU, SF_RTZ, 0xffffffff, 0, 0, 0x4f7fffff, SF_NX },
	{ 0, FROM_LU, SF_RNE, ~0ull, 0, 0, 0x5f800000, SF_NX },
	{ 1, FROM_LU, SF_RNE, ~0ull, 0, 0, 0x43f0000000000000, SF_NX },
	{ 1, FROM_LU, SF_RDN, ~0ull, 0, 0, 0x43efffffffffffff, SF_NX },
	{ 1, FROM_L, SF_RNE, 1ull << 63, 0, 0, 0xc3e0000000000000, 0 },
	{ 1, FROM_L, SF_RMM, 0x20000000000001ull, 0, 0, 0x4340000000000001, SF_NX },
	{ 1, FROM_L, SF_RNE, 0x20000000000001ull, 0, 0, 0x4340000000000000, SF_NX },
	{ 1, FROM_W, SF_RNE, 0x80000000, 0, 0, 0xc1e0000000000000, 0 },
	/* f64 <-> f32 */
	{ 1, CVT, SF_RNE, 0x7f800001, 0, 0, SF64_CANON_NAN, SF_NV },
	{ 1, CVT, SF_RNE, 0xffc12345, 0, 0, SF64_CANON_NAN, 0 },
	{ 1, CVT, SF_RNE, 0x00000001, 0, 0, 0x36a0000000000000, 0 },
	{ 1, CVT, SF_RNE, 0x80000000, 0, 0, 1ull << 63, 0 },
	{ 0, CVT, SF_RNE, 0x7ff0000000000001, 0, 0, SF32_CANON_NAN, SF_NV },
	{ 0, CVT, SF_RNE, 0x47effffff0000000, 0, 0, 0x7f800000, SF_OF | SF_NX },
	{ 0, CVT, SF_RTZ, 0x47effffff0000000, 0, 0, 0x7f7fffff, SF_NX },  /* no overflow */
	{ 0, CVT, SF_RNE, 0x3690000000000000, 0, 0, 0, SF_UF | SF_NX },
	{ 0, CVT, SF_RMM, 0x3690000000000000, 0, 0, 1, SF_UF | SF_NX },
	{ 0, CVT, SF_RNE, 0x3ff0000010000000, 0, 0, 0x3f800000, SF_NX },
	{ 0, CVT, SF_RMM, 0x3ff0000010000000, 0, 0, 0x3f800001, SF_NX },
	{ 0, CVT, SF_RNE, 1, 0, 0, 0, SF_UF | SF_NX },
	{ 0, CVT, SF_RUP, 1, 0, 0, 1, SF_UF | SF_NX },
	/* min/max: -0 < +0, one NaN -> the other, two -> canonical */
	{ 0, MIN, 0, 0x00000000, 0x80000000, 0, 0x80000000, 0 },
	{ 0, MAX, 0, 0x80000000, 0x00000000, 0, 0x00000000, 0 },
	{ 0, MIN, 0, 0x7fc00000, 0x3f800000, 0, 0x3f800000, 0 },
	{ 0, MAX, 0, 0x3f800000, 0x7f800001, 0, 0x3f800000, SF_NV },
	{ 0, MIN, 0, 0x7fc12345, 0xffc00000, 0, SF32_CANON_NAN, 0 },
	{ 1, MAX, 0, 0x7ff0000000000001, 0xfff8000000000000, 0, SF64_CANON_NAN, SF_NV },
	{ 1, MIN, 0, 0xfff0000000000000, 0x7ff8000000000000, 0, 0xfff0000000000000, 0 },
	/* compares */
	{ 0, EQ, 0, 0x00000000, 0x80000000, 0, 1, 0 },
	{ 0, EQ, 0, 0x7fc00000, 0x7fc00000, 0, 0, 0 },
	{ 0, EQ, 0, 0x7f800001, 0x3f800000, 0, 0, SF_NV },
	{ 0, LT, 0, 0x7fc00000, 0x3f800000, 0, 0, SF_NV },
	{ 0, LE, 0, 0x80000000, 0x00000000, 0, 1, 0 },
	{ 0, LT, 0, 0x80000000, 0x00000000, 0, 0, 0 },
	{ 1, LT, 0, 0xfff0000000000000, 0x8000000000000001, 0, 1, 0 },
	{ 1, LE, 0, 0x0000000000000001, 0x8000000000000001, 0, 0, 0 },
	/* classify */
	{ 0, CLASS, 0, 0xff800000, 0, 0, 1 << 0, 0 },
	{ 0, CLASS, 0, 0xbf800000, 0, 0, 1 << 1, 0 },
	{ 0, CLASS, 0, 0x807fffff, 0, 0, 1 << 2, 0 },
	{ 0, CLASS, 0, 0x80000000, 0, 0, 1 << 3, 0 },
	{ 0, CLASS, 0, 0x00000000, 0, 0, 1 << 4, 0 },
	{ 0, CLASS, 0, 0x00000001, 0, 0, 1 << 5, 0 },
	{ 0, CLASS, 0, 0x00800000, 0, 0, 1 << 6, 0 },
	{ 0, CLASS, 0, 0x7f800000, 0, 0, 1 << 7, 0 },
	{ 0, CLASS, 0, 0xff800001, 0, 0, 1 << 8, 0 },
	{ 0, CLASS, 0, 0x7fc00000, 0, 0, 1 << 9, 0 },
	{ 1, CLASS, 0, 0x000fffffffffffff, 0, 0, 1 << 5, 0 },
	{ 1, CLASS, 0, 0x7ff4000000000000, 0, 0, 1 << 8, 0 },
	{ 1, CLASS, 0, 0xfff8000000000000, 0, 0, 1 << 9, 0 },
};

START_TEST(test_hand)
{
	size_t i;
	long bad = 0;
	for (i = 0; i < sizeof hand / sizeof hand[0]; i++) {
		const struct hv *h = &hand[i];
		res g = ours(h->d, h->op, h->a, h->b, h->c, h->rm);
		if (g.r != h->want || g.fl != h->fl) {
			bad++;
			fprintf(stderr, "hand[%zu] f%d %s rm=%d a=%#llx b=%#llx c=%#llx: got %#llx fl=%#x, "
			        "want %#llx fl=%#x\n", i, h->d ? 64 : 32, opname[h->op], h->rm,
			        (unsigned long long)h->a, (unsigned long long)h->b, (unsigned long long)h->c,
			        (unsigned long long)g.r, g.fl, (unsigned long long)h->want, h->fl);
		}
	}
	ck_assert_msg(bad == 0, "%ld hand-written vectors wrong", bad);
}
END_TEST

/* The oracle itself must agree with the hand-written vectors (catches a
 * broken host harness that would make the random tests vacuous). */
START_TEST(test_oracle)
{
	size_t i;
	long bad = 0;
	for (i = 0; i < sizeof hand / sizeof hand[0]; i++) {
		const struct hv *h = &hand[i];
		res w;
		if (h->op >= FMADD && h->op <= FNMADD && !have_fma) continue;
		w = expect(h->d, h->op, h->a, h->b, h->c, h->rm);
		if (w.r != h->want || w.fl != h->fl) {
			bad++;
			fprintf(stderr, "oracle hand[%zu] f%d %s rm=%d: oracle %#llx fl=%#x, want %#llx fl=%#x\n",
			        i, h->d ? 64 : 32, opname[h->op], h->rm, (unsigned long long)w.r, w.fl,
			        (unsigned long long)h->want, h->fl);
		}
	}
	ck_assert_msg(bad == 0, "oracle disagrees with %ld hand-written vectors", bad);
}
END_TEST

/* Not a correctness test: report throughput so regressions are visible. */
START_TEST(test_speed)
{
	uint64_t x = 0x3ff0000000000001ull, acc = 0;
	uint32_t fl = 0;
	int i, n = 2000000;
	struct timespec t0, t1;
	double ns;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		acc += sf64_fma(x + i, 0x3fe0000000000003ull, acc & 0x3fffffffffffffull, 0, 0, 0, &fl);
		acc += sf64_add(x, acc & 0x3fffffffffffffffull, 0, &fl);
		acc += sf64_mul(x + i, 0x3ff0000000000003ull, 0, &fl);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	fprintf(stderr, "speed: %.1f ns per fma+add+mul (acc %llx)\n", ns / n, (unsigned long long)acc);
	ck_assert(acc != 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("softfp");
	TCase *tc = tcase_create("softfp");
	SRunner *sr;
	int nf;

	__builtin_cpu_init();
	have_fma = __builtin_cpu_supports("fma");
	if (!have_fma)
		fprintf(stderr, "host has no FMA: fused multiply-add only checked by hand vectors\n");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_hand);
	tcase_add_test(tc, test_oracle);
	tcase_add_test(tc, test_edges32);
	tcase_add_test(tc, test_edges64);
	tcase_add_test(tc, test_random32);
	tcase_add_test(tc, test_random64);
	tcase_add_test(tc, test_cvt32);
	tcase_add_test(tc, test_cvt64);
	tcase_add_test(tc, test_cmp32);
	tcase_add_test(tc, test_cmp64);
	tcase_add_test(tc, test_speed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
