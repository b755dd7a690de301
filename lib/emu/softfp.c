/*
 * softfp.c: software IEEE 754 binary32/binary64 for the RISC-V F and D
 * extensions.
 *
 * What this module guarantees:
 *   - Every result and every fflags bit is what the RISC-V ISA (F/D chapters,
 *     version 2.2 and later) prescribes, for all inputs and all five static
 *     rounding modes; it is therefore bit-identical with QEMU and hardware.
 *   - Results are correctly rounded (one rounding, even for fused multiply-add);
 *     tininess is detected after rounding; subnormals are never flushed.
 *   - Every NaN produced is the canonical NaN; payloads never propagate.
 *   - Pure functions of their arguments: no global state, no host floating
 *     point, so results never depend on the host FPU or its modes.
 *
 * How: operands are unpacked into sign, unbiased exponent and a 64-bit
 * significand normalized so its leading one is bit 62 (value = m * 2^(e-62)).
 * Operations compute the exact result, or a result whose discarded low bits
 * are ORed ("jammed") into bit 0 as a sticky bit, with at least 8 bits of
 * margin below the target precision; sfp_round_pack() then rounds once into
 * the target format.  Fused multiply-add keeps its 106-bit product in 128 bits.
 */
#include "emu/softfp.h"

typedef unsigned __int128 u128;

/* A format: total width, precision (with hidden bit), exponent bias. */
typedef struct { int w, p, bias; } sfp_fmt;
static const sfp_fmt F32 = { 32, 24, 127 };
static const sfp_fmt F64 = { 64, 53, 1023 };

enum { K_ZERO, K_NUM, K_INF, K_QNAN, K_SNAN };

/* An unpacked value; for K_NUM, value = (-1)^s * m * 2^(e-62), bit 62 of m set. */
typedef struct { int k, s, e; uint64_t m; } sfp_val;

#define SIGN(f) (1ull << ((f).w - 1))
#define FRACMASK(f) ((1ull << ((f).p - 1)) - 1)
#define EXPMAX(f) (2 * (f).bias + 1)

static inline int clz64(uint64_t x) { return __builtin_clzll(x); }

static inline int clz128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);
	return hi ? clz64(hi) : 64 + clz64((uint64_t)x);
}

/* x >> n with every shifted-out one bit ORed into bit 0; any n >= 0. */
static inline uint64_t shr_jam64(uint64_t x, int n)
{
	if (n <= 0) return x;
	if (n >= 64) return x != 0;
	return (x >> n) | ((x & ((1ull << n) - 1)) != 0);
}

static inline u128 shr_jam128(u128 x, int n)
{
	if (n <= 0) return x;
	if (n >= 128) return x != 0;
	return (x >> n) | ((x & (((u128)1 << n) - 1)) != 0);
}

/* Classify and unpack the raw value x of format f. */
static inline sfp_val sfp_unpack(sfp_fmt f, uint64_t x)
{
	sfp_val v;
	int ef = (int)((x >> (f.p - 1)) & EXPMAX(f));
	uint64_t frac = x & FRACMASK(f);
	v.s = (x & SIGN(f)) != 0;
	v.e = 0;
	v.m = 0;
	if (ef == EXPMAX(f)) {
		if (frac == 0) v.k = K_INF;
		else v.k = (frac >> (f.p - 2)) & 1 ? K_QNAN : K_SNAN;
	} else if (ef == 0) {
		if (frac == 0) {
			v.k = K_ZERO;
		} else {
			int sh = clz64(frac) - 1;
			v.k = K_NUM;
			v.m = frac << sh;
			/* frac << (63 - p) would have exponent 1 - bias */
			v.e = 1 - f.bias - (sh - (63 - f.p));
		}
	} else {
		v.k = K_NUM;
		v.e = ef - f.bias;
		v.m = (frac | (1ull << (f.p - 1))) << (63 - f.p);
	}
	return v;
}

/* Whether to add one unit to the kept part: lsb is its low bit, rb the
 * discarded bits, half the weight of half a unit in rb's scale. */
static inline int round_inc(int rm, int s, uint64_t lsb, uint64_t rb, uint64_t half)
{
	switch (rm) {
	case SF_RTZ: return 0;
	case SF_RDN: return s && rb;
	case SF_RUP: return !s && rb;
	case SF_RMM: return rb >= half;
	default:     return rb > half || (rb == half && lsb);
	}
}

static inline uint64_t sfp_zero(sfp_fmt f, int s) { return s ? SIGN(f) : 0; }
static inline uint64_t sfp_inf(sfp_fmt f, int s)
{
	return sfp_zero(f, s) | ((uint64_t)EXPMAX(f) << (f.p - 1));
}
static inline uint64_t sfp_nan(sfp_fmt f)
{
	return ((uint64_t)EXPMAX(f) << (f.p - 1)) | (1ull << (f.p - 2));
}

/* Round (-1)^s * m * 2^(e-62) (m != 0, any bit position, low bit sticky)
 * to format f with mode rm; raise NX/UF/OF into *fl; return the bits. */
static uint64_t sfp_round_pack(sfp_fmt f, int s, int e, uint64_t m, int rm, uint32_t *fl)
{
	const int X = 63 - f.p;              /* discarded bits below precision */
	const uint64_t half = 1ull << (X - 1), rmask = (1ull << X) - 1;
	const int emin = 1 - f.bias, emax = f.bias;
	int tiny = 0;
	uint64_t q, rb;

	if (m >> 63) {
		m = (m >> 1) | (m & 1);
		e++;
	} else {
		int sh = clz64(m) - 1;
		m <<= sh;
		e -= sh;
	}
	if (e < emin) {
		/* Tiny unless rounding at full precision, with an unbounded
		 * exponent, would carry up to 2^emin. */
		tiny = 1;
		if (e == emin - 1 && (m >> X) == (1ull << f.p) - 1 &&
		    round_inc(rm, s, 1, m & rmask, half))
			tiny = 0;
		m = shr_jam64(m, emin - e);
		e = emin;
	}
	rb = m & rmask;
	q = (m >> X) + round_inc(rm, s, (m >> X) & 1, rb, half);
	if (e > emax || (e == emax && (q >> f.p))) {
		*fl |= SF_OF | SF_NX;
		if (rm == SF_RTZ || (rm == SF_RDN && !s) || (rm == SF_RUP && s))
			return sfp_inf(f, s) - 1; /* largest finite */
		return sfp_inf(f, s);
	}
	if (rb) {
		*fl |= SF_NX;
		if (tiny) *fl |= SF_UF;
	}
	/* q carries the hidden bit (or a carry out of it) into the exponent */
	return sfp_zero(f, s) + ((uint64_t)(e + f.bias - 1) << (f.p - 1)) + q;
}

/* NaN result for any NaN operands: NV if one of them signals. */
static inline uint64_t sfp_nan_result(sfp_fmt f, const sfp_val *a, const sfp_val *b, uint32_t *fl)
{
	if (a->k == K_SNAN || (b && b->k == K_SNAN))
		*fl |= SF_NV;
	return sfp_nan(f);
}

static inline int is_nan(int k) { return k == K_QNAN || k == K_SNAN; }

/* ---- arithmetic ---- */

/* a + (negb ? -b : b) */
static uint64_t sfp_add(sfp_fmt f, uint64_t a, uint64_t b, int negb, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a), B = sfp_unpack(f, b), t;
	uint64_t bm, m;
	int d;

	B.s ^= negb;
	if (is_nan(A.k) || is_nan(B.k))
		return sfp_nan_result(f, &A, &B, fl);
	if (A.k == K_INF) {
		if (B.k == K_INF && A.s != B.s) {
			*fl |= SF_NV;
			return sfp_nan(f);
		}
		return sfp_inf(f, A.s);
	}
	if (B.k == K_INF)
		return sfp_inf(f, B.s);
	if (A.k == K_ZERO && B.k == K_ZERO)
		return sfp_zero(f, A.s == B.s ? A.s : rm == SF_RDN);
	if (A.k == K_ZERO)
		return negb ? b ^ SIGN(f) : b;
	if (B.k == K_ZERO)
		return a;
	if (A.e < B.e || (A.e == B.e && A.m < B.m)) {
		t = A; A = B; B = t;
	}
	d = A.e - B.e;
	bm = shr_jam64(B.m, d);
	if (A.s == B.s) {
		m = A.m + bm;
	} else {
		m = A.m - bm;
		if (m == 0)
			return sfp_zero(f, rm == SF_RDN);
	}
	return sfp_round_pack(f, A.s, A.e, m, rm, fl);
}

static uint64_t sfp_mul(sfp_fmt f, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a), B = sfp_unpack(f, b);
	int s = A.s ^ B.s;
	u128 p;

	if (is_nan(A.k) || is_nan(B.k))
		return sfp_nan_result(f, &A, &B, fl);
	if (A.k == K_INF || B.k == K_INF) {
		if (A.k == K_ZERO || B.k == K_ZERO) {
			*fl |= SF_NV;
			return sfp_nan(f);
		}
		return sfp_inf(f, s);
	}
	if (A.k == K_ZERO || B.k == K_ZERO)
		return sfp_zero(f, s);
	p = (u128)A.m * B.m; /* in [2^124, 2^126): value p * 2^(ea+eb-124) */
	return sfp_round_pack(f, s, A.e + B.e, (uint64_t)shr_jam128(p, 62), rm, fl);
}

static uint64_t sfp_div(sfp_fmt f, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a), B = sfp_unpack(f, b);
	int s = A.s ^ B.s;
	u128 n;
	uint64_t q;

	if (is_nan(A.k) || is_nan(B.k))
		return sfp_nan_result(f, &A, &B, fl);
	if (A.k == K_INF) {
		if (B.k == K_INF) {
			*fl |= SF_NV;
			return sfp_nan(f);
		}
		return sfp_inf(f, s);
	}
	if (B.k == K_INF)
		return sfp_zero(f, s);
	if (B.k == K_ZERO) {
		if (A.k == K_ZERO) {
			*fl |= SF_NV;
			return sfp_nan(f);
		}
		*fl |= SF_DZ;
		return sfp_inf(f, s);
	}
	if (A.k == K_ZERO)
		return sfp_zero(f, s);
	/* q = ma/mb * 2^62 in (2^61, 2^63); at least 61 bits, sticky from remainder */
	n = (u128)A.m << 62;
	q = (uint64_t)(n / B.m);
	q |= (n - (u128)q * B.m) != 0;
	return sfp_round_pack(f, s, A.e - B.e, q, rm, fl);
}

/* floor(sqrt(n)) for n in [2^124, 2^126), and whether it is inexact.
 * A digit-by-digit root of the high 64 bits gives 31 correct bits; one
 * Newton step from below lands at most 2 above the root; then step down. */
static uint64_t isqrt128(u128 n, int *inexact)
{
	uint64_t x = (uint64_t)(n >> 64), r = 0, bit = 1ull << 62, g;
	u128 g1;

	while (bit > x)
		bit >>= 2;
	while (bit) { /* branch-free: the test is a coin toss */
		uint64_t t = r + bit, take = -(uint64_t)(x >= t);
		x -= t & take;
		r = (r >> 1) + (bit & take);
		bit >>= 2;
	}
	g = r << 32;                             /* <= sqrt(n), within 2^32 */
	g1 = ((u128)g + (uint64_t)(n / g)) >> 1; /* n/g < 2^64 as g >= 2^62 */
	while (g1 * g1 > n)
		g1--;
	*inexact = g1 * g1 != n;
	return (uint64_t)g1;
}

static uint64_t sfp_sqrt(sfp_fmt f, uint64_t a, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a);
	uint64_t r;
	int odd, inexact;

	if (is_nan(A.k))
		return sfp_nan_result(f, &A, 0, fl);
	if (A.k == K_ZERO)
		return a;
	if (A.s) {
		*fl |= SF_NV;
		return sfp_nan(f);
	}
	if (A.k == K_INF)
		return a;
	/* even e: sqrt(m*2^62) * 2^(e/2-62); odd e: sqrt(m*2^63) * 2^((e-1)/2-62) */
	odd = A.e & 1;
	r = isqrt128((u128)A.m << (62 + odd), &inexact);
	return sfp_round_pack(f, 0, (A.e - odd) / 2, r | (uint64_t)inexact, rm, fl);
}

static uint64_t sfp_fma(sfp_fmt f, uint64_t a, uint64_t b, uint64_t c, int negp, int negc,
                        int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a), B = sfp_unpack(f, b), C = sfp_unpack(f, c);
	int ps = A.s ^ B.s ^ (negp != 0), xs, xe, ye, d, L;
	u128 xm, ym, r;

	C.s ^= negc != 0;
	if (is_nan(A.k) || is_nan(B.k) || is_nan(C.k)) {
		/* RISC-V: inf*0 is invalid even when c is a quiet NaN */
		if (A.k == K_SNAN || B.k == K_SNAN || C.k == K_SNAN ||
		    (A.k == K_INF && B.k == K_ZERO) || (A.k == K_ZERO && B.k == K_INF))
			*fl |= SF_NV;
		return sfp_nan(f);
	}
	if (A.k == K_INF || B.k == K_INF) {
		if (A.k == K_ZERO || B.k == K_ZERO || (C.k == K_INF && C.s != ps)) {
			*fl |= SF_NV;
			return sfp_nan(f);
		}
		return sfp_inf(f, ps);
	}
	if (C.k == K_INF)
		return sfp_inf(f, C.s);
	if (A.k == K_ZERO || B.k == K_ZERO) {
		if (C.k == K_ZERO)
			return sfp_zero(f, ps == C.s ? ps : rm == SF_RDN);
		return negc ? c ^ SIGN(f) : c;
	}
	xm = (u128)A.m * B.m;           /* [2^124, 2^126), value xm * 2^(ea+eb-124) */
	xe = A.e + B.e;
	if (C.k == K_ZERO)
		return sfp_round_pack(f, ps, xe, (uint64_t)shr_jam128(xm, 62), rm, fl);
	/* align both with the leading one at bit 125: value m * 2^(e-125) */
	if (xm >> 125) xe++;
	else xm <<= 1;
	xs = ps;
	ym = (u128)C.m << 63;
	ye = C.e;
	if (xe < ye || (xe == ye && xm < ym)) {
		u128 tm = xm; xm = ym; ym = tm;
		d = xe; xe = ye; ye = d;
		xs = C.s;
	}
	d = xe - ye;
	ym = shr_jam128(ym, d);
	if (ps == C.s) {
		r = xm + ym;
	} else {
		r = xm - ym;
		if (r == 0)
			return sfp_zero(f, rm == SF_RDN);
	}
	L = 127 - clz128(r);
	if (L > 62)
		return sfp_round_pack(f, xs, xe - 125 + L, (uint64_t)shr_jam128(r, L - 62), rm, fl);
	return sfp_round_pack(f, xs, xe - 125 + L, (uint64_t)r << (62 - L), rm, fl);
}

/* ---- comparisons, min/max, classify ---- */

static inline int raw_is_nan(sfp_fmt f, uint64_t x)
{
	return (x & ~SIGN(f)) > ((uint64_t)EXPMAX(f) << (f.p - 1));
}
static inline int raw_is_snan(sfp_fmt f, uint64_t x)
{
	return raw_is_nan(f, x) && !((x >> (f.p - 2)) & 1);
}
/* Map a non-NaN to an unsigned key ordered like its value, -0 below +0. */
static inline uint64_t ord_key(sfp_fmt f, uint64_t x)
{
	return (x & SIGN(f)) ? ~x & ((SIGN(f) << 1) - 1) : x | SIGN(f);
}
static inline int both_zero(sfp_fmt f, uint64_t a, uint64_t b)
{
	return ((a | b) & ~SIGN(f)) == 0;
}

static uint64_t sfp_minmax(sfp_fmt f, uint64_t a, uint64_t b, int max, uint32_t *fl)
{
	int an = raw_is_nan(f, a), bn = raw_is_nan(f, b);

	if (raw_is_snan(f, a) || raw_is_snan(f, b))
		*fl |= SF_NV;
	if (an && bn) return sfp_nan(f);
	if (an) return b;
	if (bn) return a;
	if ((ord_key(f, a) < ord_key(f, b)) != max)
		return a;
	return b;
}

/* kind: 0 eq (quiet), 1 lt, 2 le (signaling) */
static int sfp_cmp(sfp_fmt f, uint64_t a, uint64_t b, int kind, uint32_t *fl)
{
	if (raw_is_nan(f, a) || raw_is_nan(f, b)) {
		if (kind != 0 || raw_is_snan(f, a) || raw_is_snan(f, b))
			*fl |= SF_NV;
		return 0;
	}
	if (both_zero(f, a, b))
		return kind != 1;
	if (kind == 0) return a == b;
	if (kind == 1) return ord_key(f, a) < ord_key(f, b);
	return ord_key(f, a) <= ord_key(f, b);
}

static uint32_t sfp_classify(sfp_fmt f, uint64_t a)
{
	sfp_val A = sfp_unpack(f, a);
	int sub = A.k == K_NUM && !((a >> (f.p - 1)) & EXPMAX(f));

	switch (A.k) {
	case K_SNAN: return SF_CLASS_SNAN;
	case K_QNAN: return SF_CLASS_QNAN;
	case K_INF:  return A.s ? SF_CLASS_NINF : SF_CLASS_PINF;
	case K_ZERO: return A.s ? SF_CLASS_NZERO : SF_CLASS_PZERO;
	default:
		if (sub) return A.s ? SF_CLASS_NSUB : SF_CLASS_PSUB;
		return A.s ? SF_CLASS_NNORM : SF_CLASS_PNORM;
	}
}

/* ---- conversions ---- */

/* Float to a w-bit integer (w = 32 or 64), signed or not, RISC-V saturation.
 * Returns the two's complement result in the low w bits. */
static uint64_t sfp_to_int(sfp_fmt f, uint64_t a, int w, int sgn, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(f, a);
	uint64_t umax = w == 64 ? ~0ull : (1ull << w) - 1;
	uint64_t smax = umax >> 1, ip, frac, lim;

	switch (A.k) {
	case K_QNAN:
	case K_SNAN:
		*fl |= SF_NV;
		return sgn ? smax : umax;
	case K_ZERO:
		return 0;
	case K_INF:
		goto invalid;
	}
	if (A.e >= 64)
		goto invalid;
	if (A.e >= 62) {
		ip = A.m << (A.e - 62);
		frac = 0;
	} else if (A.e >= -1) {
		ip = A.m >> (62 - A.e);
		frac = A.m << (A.e + 2);
	} else {
		ip = 0;
		frac = 1;  /* below one half: only its nonzeroness matters */
	}
	ip += round_inc(rm, A.s, ip & 1, frac, 1ull << 63);
	lim = sgn ? smax + A.s : (A.s ? 0 : umax);
	if (ip > lim)  /* A.e <= 63 and frac == 0 for A.e >= 62: ip cannot wrap */
		goto invalid;
	if (frac)
		*fl |= SF_NX;
	return (A.s ? -ip : ip) & umax;
invalid:
	*fl |= SF_NV;
	if (A.s)
		return sgn ? (smax + 1) & umax : 0;
	return sgn ? smax : umax;
}

/* (-1)^s * v rounded to format f. */
static uint64_t sfp_from_int(sfp_fmt f, int s, uint64_t v, int rm, uint32_t *fl)
{
	if (v == 0)
		return 0;
	return sfp_round_pack(f, s, 62, v, rm, fl);
}

/* Convert between formats, rounding with rm. */
static uint64_t sfp_convert(sfp_fmt to, sfp_fmt from, uint64_t a, int rm, uint32_t *fl)
{
	sfp_val A = sfp_unpack(from, a);

	switch (A.k) {
	case K_QNAN:
	case K_SNAN: return sfp_nan_result(to, &A, 0, fl);
	case K_INF:  return sfp_inf(to, A.s);
	case K_ZERO: return sfp_zero(to, A.s);
	}
	return sfp_round_pack(to, A.s, A.e, A.m, rm, fl);
}

/* ---- public binary32 ---- */

uint32_t sf32_add(uint32_t a, uint32_t b, int rm, uint32_t *fl) { return (uint32_t)sfp_add(F32, a, b, 0, rm, fl); }
uint32_t sf32_sub(uint32_t a, uint32_t b, int rm, uint32_t *fl) { return (uint32_t)sfp_add(F32, a, b, 1, rm, fl); }
uint32_t sf32_mul(uint32_t a, uint32_t b, int rm, uint32_t *fl) { return (uint32_t)sfp_mul(F32, a, b, rm, fl); }
uint32_t sf32_div(uint32_t a, uint32_t b, int rm, uint32_t *fl) { return (uint32_t)sfp_div(F32, a, b, rm, fl); }
uint32_t sf32_sqrt(uint32_t a, int rm, uint32_t *fl) { return (uint32_t)sfp_sqrt(F32, a, rm, fl); }
uint32_t sf32_fma(uint32_t a, uint32_t b, uint32_t c, int neg_product, int neg_c, int rm, uint32_t *fl)
{
	return (uint32_t)sfp_fma(F32, a, b, c, neg_product, neg_c, rm, fl);
}
uint32_t sf32_min(uint32_t a, uint32_t b, uint32_t *fl) { return (uint32_t)sfp_minmax(F32, a, b, 0, fl); }
uint32_t sf32_max(uint32_t a, uint32_t b, uint32_t *fl) { return (uint32_t)sfp_minmax(F32, a, b, 1, fl); }
int sf32_eq(uint32_t a, uint32_t b, uint32_t *fl) { return sfp_cmp(F32, a, b, 0, fl); }
int sf32_lt(uint32_t a, uint32_t b, uint32_t *fl) { return sfp_cmp(F32, a, b, 1, fl); }
int sf32_le(uint32_t a, uint32_t b, uint32_t *fl) { return sfp_cmp(F32, a, b, 2, fl); }
uint32_t sf32_classify(uint32_t a) { return sfp_classify(F32, a); }

int32_t  sf32_to_i32(uint32_t a, int rm, uint32_t *fl) { return (int32_t)(uint32_t)sfp_to_int(F32, a, 32, 1, rm, fl); }
uint32_t sf32_to_u32(uint32_t a, int rm, uint32_t *fl) { return (uint32_t)sfp_to_int(F32, a, 32, 0, rm, fl); }
int64_t  sf32_to_i64(uint32_t a, int rm, uint32_t *fl) { return (int64_t)sfp_to_int(F32, a, 64, 1, rm, fl); }
uint64_t sf32_to_u64(uint32_t a, int rm, uint32_t *fl) { return sfp_to_int(F32, a, 64, 0, rm, fl); }

uint32_t sf32_from_i32(int32_t v, int rm, uint32_t *fl)
{
	return (uint32_t)sfp_from_int(F32, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, rm, fl);
}
uint32_t sf32_from_u32(uint32_t v, int rm, uint32_t *fl) { return (uint32_t)sfp_from_int(F32, 0, v, rm, fl); }
uint32_t sf32_from_i64(int64_t v, int rm, uint32_t *fl)
{
	return (uint32_t)sfp_from_int(F32, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, rm, fl);
}
uint32_t sf32_from_u64(uint64_t v, int rm, uint32_t *fl) { return (uint32_t)sfp_from_int(F32, 0, v, rm, fl); }
uint32_t sf32_from_f64(uint64_t a, int rm, uint32_t *fl) { return (uint32_t)sfp_convert(F32, F64, a, rm, fl); }

/* ---- public binary64 ---- */

uint64_t sf64_add(uint64_t a, uint64_t b, int rm, uint32_t *fl) { return sfp_add(F64, a, b, 0, rm, fl); }
uint64_t sf64_sub(uint64_t a, uint64_t b, int rm, uint32_t *fl) { return sfp_add(F64, a, b, 1, rm, fl); }
uint64_t sf64_mul(uint64_t a, uint64_t b, int rm, uint32_t *fl) { return sfp_mul(F64, a, b, rm, fl); }
uint64_t sf64_div(uint64_t a, uint64_t b, int rm, uint32_t *fl) { return sfp_div(F64, a, b, rm, fl); }
uint64_t sf64_sqrt(uint64_t a, int rm, uint32_t *fl) { return sfp_sqrt(F64, a, rm, fl); }
uint64_t sf64_fma(uint64_t a, uint64_t b, uint64_t c, int neg_product, int neg_c, int rm, uint32_t *fl)
{
	return sfp_fma(F64, a, b, c, neg_product, neg_c, rm, fl);
}
uint64_t sf64_min(uint64_t a, uint64_t b, uint32_t *fl) { return sfp_minmax(F64, a, b, 0, fl); }
uint64_t sf64_max(uint64_t a, uint64_t b, uint32_t *fl) { return sfp_minmax(F64, a, b, 1, fl); }
int sf64_eq(uint64_t a, uint64_t b, uint32_t *fl) { return sfp_cmp(F64, a, b, 0, fl); }
int sf64_lt(uint64_t a, uint64_t b, uint32_t *fl) { return sfp_cmp(F64, a, b, 1, fl); }
int sf64_le(uint64_t a, uint64_t b, uint32_t *fl) { return sfp_cmp(F64, a, b, 2, fl); }
uint32_t sf64_classify(uint64_t a) { return sfp_classify(F64, a); }

int32_t  sf64_to_i32(uint64_t a, int rm, uint32_t *fl) { return (int32_t)(uint32_t)sfp_to_int(F64, a, 32, 1, rm, fl); }
uint32_t sf64_to_u32(uint64_t a, int rm, uint32_t *fl) { return (uint32_t)sfp_to_int(F64, a, 32, 0, rm, fl); }
int64_t  sf64_to_i64(uint64_t a, int rm, uint32_t *fl) { return (int64_t)sfp_to_int(F64, a, 64, 1, rm, fl); }
uint64_t sf64_to_u64(uint64_t a, int rm, uint32_t *fl) { return sfp_to_int(F64, a, 64, 0, rm, fl); }

uint64_t sf64_from_i32(int32_t v, int rm, uint32_t *fl)
{
	return sfp_from_int(F64, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, rm, fl);
}
uint64_t sf64_from_u32(uint32_t v, int rm, uint32_t *fl) { return sfp_from_int(F64, 0, v, rm, fl); }
uint64_t sf64_from_i64(int64_t v, int rm, uint32_t *fl)
{
	return sfp_from_int(F64, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, rm, fl);
}
uint64_t sf64_from_u64(uint64_t v, int rm, uint32_t *fl) { return sfp_from_int(F64, 0, v, rm, fl); }
uint64_t sf64_from_f32(uint32_t a, uint32_t *fl) { return sfp_convert(F64, F32, a, SF_RNE, fl); }
