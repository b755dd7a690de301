/*
 * softfp.h: IEEE 754 binary32/binary64 arithmetic for the RISC-V F and D
 * extensions, in software, bit-exact with RISC-V hardware and QEMU.
 *
 * Values are raw bit patterns (uint32_t for binary32, uint64_t for binary64).
 * No global state: every function that can raise exceptions ORs RISC-V
 * fflags bits into *fl (never clears them).  rm is a static RISC-V rounding
 * mode 0..4; the caller resolves DYN (7) from frm and rejects 5, 6 and 7
 * itself (behaviour for other values is unspecified but memory-safe).
 *
 * Every NaN result is the canonical NaN; signaling NaN inputs raise NV.
 * Tininess is detected after rounding; subnormals are fully supported.
 * NaN-boxing of binary32 values in 64-bit registers is the caller's job.
 */
#ifndef EMU_SOFTFP_H
#define EMU_SOFTFP_H

#include <stdint.h>

/* fflags bits */
#define SF_NX 0x01u /* inexact */
#define SF_UF 0x02u /* underflow */
#define SF_OF 0x04u /* overflow */
#define SF_DZ 0x08u /* divide by zero */
#define SF_NV 0x10u /* invalid operation */

/* rounding modes (RISC-V rm encoding) */
enum { SF_RNE = 0, SF_RTZ = 1, SF_RDN = 2, SF_RUP = 3, SF_RMM = 4 };

#define SF32_CANON_NAN 0x7fc00000u
#define SF64_CANON_NAN 0x7ff8000000000000ull

/* fclass result bits */
#define SF_CLASS_NINF   (1u << 0)
#define SF_CLASS_NNORM  (1u << 1)
#define SF_CLASS_NSUB   (1u << 2)
#define SF_CLASS_NZERO  (1u << 3)
#define SF_CLASS_PZERO  (1u << 4)
#define SF_CLASS_PSUB   (1u << 5)
#define SF_CLASS_PNORM  (1u << 6)
#define SF_CLASS_PINF   (1u << 7)
#define SF_CLASS_SNAN   (1u << 8)
#define SF_CLASS_QNAN   (1u << 9)

/* ---- binary32 ---- */

/* Correctly rounded a+b, a-b, a*b, a/b, sqrt(a) (fadd/fsub/fmul/fdiv/fsqrt.s). */
uint32_t sf32_add(uint32_t a, uint32_t b, int rm, uint32_t *fl);
uint32_t sf32_sub(uint32_t a, uint32_t b, int rm, uint32_t *fl);
uint32_t sf32_mul(uint32_t a, uint32_t b, int rm, uint32_t *fl);
uint32_t sf32_div(uint32_t a, uint32_t b, int rm, uint32_t *fl);
uint32_t sf32_sqrt(uint32_t a, int rm, uint32_t *fl);

/* (neg_product ? -(a*b) : a*b) + (neg_c ? -c : c), rounded once.
 * fmadd: (0,0)  fmsub: (0,1)  fnmsub: (1,0)  fnmadd: (1,1).
 * inf*0 raises NV even when c is a quiet NaN. */
uint32_t sf32_fma(uint32_t a, uint32_t b, uint32_t c, int neg_product, int neg_c,
                  int rm, uint32_t *fl);

/* fmin/fmax.s: minimumNumber/maximumNumber with -0 < +0; one NaN input
 * returns the other operand, two NaNs return the canonical NaN; NV only
 * if an input is a signaling NaN. */
uint32_t sf32_min(uint32_t a, uint32_t b, uint32_t *fl);
uint32_t sf32_max(uint32_t a, uint32_t b, uint32_t *fl);

/* feq (quiet: NV only for sNaN), flt/fle (signaling: NV for any NaN).
 * Return 1 or 0; any NaN compares false. */
int sf32_eq(uint32_t a, uint32_t b, uint32_t *fl);
int sf32_lt(uint32_t a, uint32_t b, uint32_t *fl);
int sf32_le(uint32_t a, uint32_t b, uint32_t *fl);

/* fclass.s: exactly one SF_CLASS_* bit. */
uint32_t sf32_classify(uint32_t a);

/* fcvt.{w,wu,l,lu}.s: round with rm; NaN gives the largest positive value,
 * out-of-range values (after rounding) clamp to the type's min/max; both set
 * NV only.  In-range inexact results set NX. */
int32_t  sf32_to_i32(uint32_t a, int rm, uint32_t *fl);
uint32_t sf32_to_u32(uint32_t a, int rm, uint32_t *fl);
int64_t  sf32_to_i64(uint32_t a, int rm, uint32_t *fl);
uint64_t sf32_to_u64(uint32_t a, int rm, uint32_t *fl);

/* fcvt.s.{w,wu,l,lu}: integer to binary32, rounded with rm (NX if inexact). */
uint32_t sf32_from_i32(int32_t v, int rm, uint32_t *fl);
uint32_t sf32_from_u32(uint32_t v, int rm, uint32_t *fl);
uint32_t sf32_from_i64(int64_t v, int rm, uint32_t *fl);
uint32_t sf32_from_u64(uint64_t v, int rm, uint32_t *fl);

/* fcvt.s.d: binary64 to binary32, rounded with rm. */
uint32_t sf32_from_f64(uint64_t a, int rm, uint32_t *fl);

/* ---- binary64: same contracts as binary32 ---- */

uint64_t sf64_add(uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf64_sub(uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf64_mul(uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf64_div(uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf64_sqrt(uint64_t a, int rm, uint32_t *fl);
uint64_t sf64_fma(uint64_t a, uint64_t b, uint64_t c, int neg_product, int neg_c,
                  int rm, uint32_t *fl);
uint64_t sf64_min(uint64_t a, uint64_t b, uint32_t *fl);
uint64_t sf64_max(uint64_t a, uint64_t b, uint32_t *fl);
int sf64_eq(uint64_t a, uint64_t b, uint32_t *fl);
int sf64_lt(uint64_t a, uint64_t b, uint32_t *fl);
int sf64_le(uint64_t a, uint64_t b, uint32_t *fl);
uint32_t sf64_classify(uint64_t a);

int32_t  sf64_to_i32(uint64_t a, int rm, uint32_t *fl);
uint32_t sf64_to_u32(uint64_t a, int rm, uint32_t *fl);
int64_t  sf64_to_i64(uint64_t a, int rm, uint32_t *fl);
uint64_t sf64_to_u64(uint64_t a, int rm, uint32_t *fl);

uint64_t sf64_from_i32(int32_t v, int rm, uint32_t *fl);
uint64_t sf64_from_u32(uint32_t v, int rm, uint32_t *fl);
uint64_t sf64_from_i64(int64_t v, int rm, uint32_t *fl);
uint64_t sf64_from_u64(uint64_t v, int rm, uint32_t *fl);

/* fcvt.d.s: exact; a NaN becomes the canonical NaN (NV if signaling). */
uint64_t sf64_from_f32(uint32_t a, uint32_t *fl);

#endif /* EMU_SOFTFP_H */
