/* hart_fp: F and D arithmetic through softfp (bit-exact, no host FPU state).
 *
 * Single-precision operands must be NaN-boxed; an improperly boxed one reads as the
 * canonical NaN (fmv.x.w and fsw move the raw low bits, as the spec says). FS
 * becomes Dirty when an F register is written; compares, classification and
 * conversions to integers only accrue flags (QEMU 7.2 does not dirty FS for them). */
#include "emu/hart_priv.h"
#include "emu/softfp.h"

#define BOX32 0xffffffff00000000ull

static inline uint32_t unbox(uint64_t v)
{
	return (v >> 32) == 0xffffffffu ? (uint32_t)v : SF32_CANON_NAN;
}

static inline uint64_t sx32(uint32_t v)
{
	return (uint64_t)(int64_t)(int32_t)v;
}

int hart_exec_fp(struct hart *h, const hart_dinsn *d)
{
	struct hart_state *s = &h->s;
	uint64_t *f = s->f, *x = s->x;
	uint64_t a = f[d->rs1], b = f[d->rs2], c = f[d->raw >> 27];
	uint32_t fl = 0;
	int rm = (d->raw >> 12) & 7;
	int op = d->op;

	/* fcvt.d.s, fcvt.d.w and fcvt.d.wu are exact: QEMU ignores an invalid frm there. */
	if (rm == 7) {
		rm = (s->fcsr >> 5) & 7;
		if (rm > 4) {
			if (op != OP_FCVT_D_S && op != OP_FCVT_D_W && op != OP_FCVT_D_WU)
				return -1;
			rm = 0;
		}
	}

	uint64_t fr;       /* result for an F register */
	int to_x = 0;      /* result goes to x[rd] instead */
	uint64_t xr = 0;

	switch (op) {
	/* ---- single ---- */
	case OP_FMADD_S: case OP_FMSUB_S: case OP_FNMSUB_S: case OP_FNMADD_S: {
		int k = op - OP_FMADD_S;   /* neg_c for msub/nmadd, neg_product for nmsub/nmadd */
		fr = BOX32 | sf32_fma(unbox(a), unbox(b), unbox(c), k >= 2, k == 1 || k == 3, rm, &fl);
		break;
	}
	case OP_FADD_S: fr = BOX32 | sf32_add(unbox(a), unbox(b), rm, &fl); break;
	case OP_FSUB_S: fr = BOX32 | sf32_sub(unbox(a), unbox(b), rm, &fl); break;
	case OP_FMUL_S: fr = BOX32 | sf32_mul(unbox(a), unbox(b), rm, &fl); break;
	case OP_FDIV_S: fr = BOX32 | sf32_div(unbox(a), unbox(b), rm, &fl); break;
	case OP_FSQRT_S: fr = BOX32 | sf32_sqrt(unbox(a), rm, &fl); break;
	case OP_FSGNJ_S: fr = BOX32 | (unbox(a) & 0x7fffffffu) | (unbox(b) & 0x80000000u); break;
	case OP_FSGNJN_S: fr = BOX32 | (unbox(a) & 0x7fffffffu) | (~unbox(b) & 0x80000000u); break;
	case OP_FSGNJX_S: fr = BOX32 | (unbox(a) ^ (unbox(b) & 0x80000000u)); break;
	case OP_FMIN_S: fr = BOX32 | sf32_min(unbox(a), unbox(b), &fl); break;
	case OP_FMAX_S: fr = BOX32 | sf32_max(unbox(a), unbox(b), &fl); break;
	case OP_FCVT_W_S: to_x = 1; xr = sx32((uint32_t)sf32_to_i32(unbox(a), rm, &fl)); break;
	case OP_FCVT_WU_S: to_x = 1; xr = sx32(sf32_to_u32(unbox(a), rm, &fl)); break;
	case OP_FCVT_L_S: to_x = 1; xr = (uint64_t)sf32_to_i64(unbox(a), rm, &fl); break;
	case OP_FCVT_LU_S: to_x = 1; xr = sf32_to_u64(unbox(a), rm, &fl); break;
	case OP_FMV_X_W: to_x = 1; xr = sx32((uint32_t)a); break;
	case OP_FEQ_S: to_x = 1; xr = sf32_eq(unbox(a), unbox(b), &fl); break;
	case OP_FLT_S: to_x = 1; xr = sf32_lt(unbox(a), unbox(b), &fl); break;
	case OP_FLE_S: to_x = 1; xr = sf32_le(unbox(a), unbox(b), &fl); break;
	case OP_FCLASS_S: to_x = 1; xr = sf32_classify(unbox(a)); break;
	case OP_FCVT_S_W: fr = BOX32 | sf32_from_i32((int32_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_S_WU: fr = BOX32 | sf32_from_u32((uint32_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_S_L: fr = BOX32 | sf32_from_i64((int64_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_S_LU: fr = BOX32 | sf32_from_u64(x[d->rs1], rm, &fl); break;
	case OP_FMV_W_X: fr = BOX32 | (uint32_t)x[d->rs1]; break;
	/* ---- double ---- */
	case OP_FMADD_D: case OP_FMSUB_D: case OP_FNMSUB_D: case OP_FNMADD_D: {
		int k = op - OP_FMADD_D;
		fr = sf64_fma(a, b, c, k >= 2, k == 1 || k == 3, rm, &fl);
		break;
	}
	case OP_FADD_D: fr = sf64_add(a, b, rm, &fl); break;
	case OP_FSUB_D: fr = sf64_sub(a, b, rm, &fl); break;
	case OP_FMUL_D: fr = sf64_mul(a, b, rm, &fl); break;
	case OP_FDIV_D: fr = sf64_div(a, b, rm, &fl); break;
	case OP_FSQRT_D: fr = sf64_sqrt(a, rm, &fl); break;
	case OP_FSGNJ_D: fr = (a & ~(1ull << 63)) | (b & (1ull << 63)); break;
	case OP_FSGNJN_D: fr = (a & ~(1ull << 63)) | (~b & (1ull << 63)); break;
	case OP_FSGNJX_D: fr = a ^ (b & (1ull << 63)); break;
	case OP_FMIN_D: fr = sf64_min(a, b, &fl); break;
	case OP_FMAX_D: fr = sf64_max(a, b, &fl); break;
	case OP_FCVT_W_D: to_x = 1; xr = sx32((uint32_t)sf64_to_i32(a, rm, &fl)); break;
	case OP_FCVT_WU_D: to_x = 1; xr = sx32(sf64_to_u32(a, rm, &fl)); break;
	case OP_FCVT_L_D: to_x = 1; xr = (uint64_t)sf64_to_i64(a, rm, &fl); break;
	case OP_FCVT_LU_D: to_x = 1; xr = sf64_to_u64(a, rm, &fl); break;
	case OP_FMV_X_D: to_x = 1; xr = a; break;
	case OP_FEQ_D: to_x = 1; xr = sf64_eq(a, b, &fl); break;
	case OP_FLT_D: to_x = 1; xr = sf64_lt(a, b, &fl); break;
	case OP_FLE_D: to_x = 1; xr = sf64_le(a, b, &fl); break;
	case OP_FCLASS_D: to_x = 1; xr = sf64_classify(a); break;
	case OP_FCVT_D_W: fr = sf64_from_i32((int32_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_D_WU: fr = sf64_from_u32((uint32_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_D_L: fr = sf64_from_i64((int64_t)x[d->rs1], rm, &fl); break;
	case OP_FCVT_D_LU: fr = sf64_from_u64(x[d->rs1], rm, &fl); break;
	case OP_FMV_D_X: fr = x[d->rs1]; break;
	case OP_FCVT_S_D: fr = BOX32 | sf32_from_f64(a, rm, &fl); break;
	case OP_FCVT_D_S: fr = sf64_from_f32(unbox(a), &fl); break;
	default:
		return -1;
	}
	s->fcsr |= fl;
	if (to_x) {
		if (d->rd)
			x[d->rd] = xr;
	} else {
		f[d->rd] = fr;
		s->mstatus |= MSTATUS_FS;
	}
	return 0;
}
