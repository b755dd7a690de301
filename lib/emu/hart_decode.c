/* hart_decode: RV64GC instruction decoding into hart_dinsn.
 *
 * Decoding is a pure function of the instruction bits, so the decode cache in
 * hart.c can be indexed by pc and validated by comparing the raw bits: code that
 * changes under it (stores, DMA, a new mapping) is simply decoded again. */
#include <string.h>
#include "emu/hart_priv.h"

static inline uint32_t bits(uint32_t v, int hi, int lo)
{
	return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Sign-extend the low n bits of v. */
static inline int32_t sext(uint32_t v, int n)
{
	return (int32_t)(v << (32 - n)) >> (32 - n);
}

static void set(hart_dinsn *d, int op, int rd, int rs1, int rs2, int32_t imm)
{
	d->op = op;
	d->rd = rd;
	d->rs1 = rs1;
	d->rs2 = rs2;
	d->imm = imm;
}

/* Does an F/D rounding-mode field hold a reserved static value (5 or 6)? */
static int bad_rm(int rm)
{
	return rm == 5 || rm == 6;
}

static void decode_fp(hart_dinsn *d, uint32_t raw)
{
	int rd = bits(raw, 11, 7), rs1 = bits(raw, 19, 15), rs2 = bits(raw, 24, 20);
	int rm = bits(raw, 14, 12), f7 = raw >> 25;
	int op = OP_ILLEGAL, dbl = f7 & 1, rounds = 1;

	switch (f7 & ~1) {
	case 0x00: op = dbl ? OP_FADD_D : OP_FADD_S; break;
	case 0x04: op = dbl ? OP_FSUB_D : OP_FSUB_S; break;
	case 0x08: op = dbl ? OP_FMUL_D : OP_FMUL_S; break;
	case 0x0c: op = dbl ? OP_FDIV_D : OP_FDIV_S; break;
	case 0x2c:
		if (rs2 == 0)
			op = dbl ? OP_FSQRT_D : OP_FSQRT_S;
		break;
	case 0x10:
		rounds = 0;
		if (rm <= 2)
			op = (dbl ? OP_FSGNJ_D : OP_FSGNJ_S) + rm;
		break;
	case 0x14:
		rounds = 0;
		if (rm <= 1)
			op = (dbl ? OP_FMIN_D : OP_FMIN_S) + rm;
		break;
	case 0x20: /* fcvt.s.d (f7 0x20, rs2 1) / fcvt.d.s (f7 0x21, rs2 0) */
		if (!dbl && rs2 == 1)
			op = OP_FCVT_S_D;
		else if (dbl && rs2 == 0)
			op = OP_FCVT_D_S;
		break;
	case 0x50:
		rounds = 0;
		if (rm == 2)
			op = dbl ? OP_FEQ_D : OP_FEQ_S;
		else if (rm == 1)
			op = dbl ? OP_FLT_D : OP_FLT_S;
		else if (rm == 0)
			op = dbl ? OP_FLE_D : OP_FLE_S;
		break;
	case 0x60:
		if (rs2 <= 3)
			op = (dbl ? OP_FCVT_W_D : OP_FCVT_W_S) + rs2;
		break;
	case 0x68:
		if (rs2 <= 3)
			op = (dbl ? OP_FCVT_D_W : OP_FCVT_S_W) + rs2;
		break;
	case 0x70:
		rounds = 0;
		if (rs2 == 0 && rm == 0)
			op = dbl ? OP_FMV_X_D : OP_FMV_X_W;
		else if (rs2 == 0 && rm == 1)
			op = dbl ? OP_FCLASS_D : OP_FCLASS_S;
		break;
	case 0x78:
		rounds = 0;
		if (rs2 == 0 && rm == 0)
			op = dbl ? OP_FMV_D_X : OP_FMV_W_X;
		break;
	}
	if (rounds && bad_rm(rm))
		op = OP_ILLEGAL;
	set(d, op, rd, rs1, rs2, 0);
}

static void decode32(hart_dinsn *d, uint32_t raw)
{
	int rd = bits(raw, 11, 7), rs1 = bits(raw, 19, 15), rs2 = bits(raw, 24, 20);
	int f3 = bits(raw, 14, 12), f7 = raw >> 25;
	int32_t imm_i = (int32_t)raw >> 20;
	int32_t imm_s = sext((raw >> 25) << 5 | bits(raw, 11, 7), 12);
	int32_t imm_b = sext((bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) |
			     (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1), 13);
	int32_t imm_u = (int32_t)(raw & 0xfffff000u);
	int32_t imm_j = sext((bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) |
			     (bits(raw, 20, 20) << 11) | (bits(raw, 30, 21) << 1), 21);
	int op = OP_ILLEGAL;

	d->len = 4;
	switch (raw & 0x7f) {
	case 0x37: set(d, OP_LUI, rd, 0, 0, imm_u); return;
	case 0x17: set(d, OP_AUIPC, rd, 0, 0, imm_u); return;
	case 0x6f: set(d, OP_JAL, rd, 0, 0, imm_j); return;
	case 0x67:
		if (f3 == 0)
			op = OP_JALR;
		set(d, op, rd, rs1, 0, imm_i);
		return;
	case 0x63: {
		static const uint8_t br[8] = { OP_BEQ, OP_BNE, 0, 0, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU };
		set(d, br[f3], 0, rs1, rs2, imm_b);
		return;
	}
	case 0x03: {
		static const uint8_t ld[8] = { OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, 0 };
		set(d, ld[f3], rd, rs1, 0, imm_i);
		return;
	}
	case 0x23: {
		static const uint8_t st[8] = { OP_SB, OP_SH, OP_SW, OP_SD, 0, 0, 0, 0 };
		set(d, st[f3], 0, rs1, rs2, imm_s);
		return;
	}
	case 0x13:
		switch (f3) {
		case 0: op = OP_ADDI; break;
		case 2: op = OP_SLTI; break;
		case 3: op = OP_SLTIU; break;
		case 4: op = OP_XORI; break;
		case 6: op = OP_ORI; break;
		case 7: op = OP_ANDI; break;
		case 1:
			if ((raw >> 26) == 0)
				op = OP_SLLI;
			imm_i &= 63;
			break;
		case 5:
			if ((raw >> 26) == 0)
				op = OP_SRLI;
			else if ((raw >> 26) == 0x10)
				op = OP_SRAI;
			imm_i &= 63;
			break;
		}
		set(d, op, rd, rs1, 0, imm_i);
		return;
	case 0x1b:
		if (f3 == 0)
			op = OP_ADDIW;
		else if (f3 == 1 && f7 == 0)
			op = OP_SLLIW;
		else if (f3 == 5 && f7 == 0)
			op = OP_SRLIW;
		else if (f3 == 5 && f7 == 0x20)
			op = OP_SRAIW;
		if (f3 != 0)
			imm_i &= 31;
		set(d, op, rd, rs1, 0, imm_i);
		return;
	case 0x33:
		if (f7 == 0) {
			static const uint8_t o[8] = { OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND };
			op = o[f3];
		} else if (f7 == 0x20) {
			if (f3 == 0)
				op = OP_SUB;
			else if (f3 == 5)
				op = OP_SRA;
		} else if (f7 == 1) {
			op = OP_MUL + f3;
		}
		set(d, op, rd, rs1, rs2, 0);
		return;
	case 0x3b:
		if (f7 == 0) {
			if (f3 == 0)
				op = OP_ADDW;
			else if (f3 == 1)
				op = OP_SLLW;
			else if (f3 == 5)
				op = OP_SRLW;
		} else if (f7 == 0x20) {
			if (f3 == 0)
				op = OP_SUBW;
			else if (f3 == 5)
				op = OP_SRAW;
		} else if (f7 == 1) {
			static const uint8_t o[8] = { OP_MULW, 0, 0, 0, OP_DIVW, OP_DIVUW, OP_REMW, OP_REMUW };
			op = o[f3];
		}
		set(d, op, rd, rs1, rs2, 0);
		return;
	case 0x0f:
		if (f3 == 0)
			op = OP_FENCE;
		else if (f3 == 1)
			op = OP_FENCE_I;
		set(d, op, 0, 0, 0, 0);
		return;
	case 0x73:
		if (f3 == 0) {
			if (raw == 0x00000073)
				op = OP_ECALL;
			else if (raw == 0x00100073)
				op = OP_EBREAK;
			else if (raw == 0x30200073)
				op = OP_MRET;
			else if (raw == 0x10200073)
				op = OP_SRET;
			else if (raw == 0x10500073)
				op = OP_WFI;
			else if ((raw & 0xfe007fff) == 0x12000073)
				op = OP_SFENCE_VMA;
			set(d, op, 0, rs1, rs2, 0);
		} else if (f3 != 4) {
			static const uint8_t o[8] = { 0, OP_CSRRW, OP_CSRRS, OP_CSRRC, 0, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI };
			set(d, o[f3], rd, rs1, 0, raw >> 20);
		} else {
			set(d, OP_ILLEGAL, 0, 0, 0, 0);
		}
		return;
	case 0x2f: {
		static const uint8_t amo[32] = {
			[0x00] = OP_AMOADD, [0x01] = OP_AMOSWAP, [0x02] = OP_LR, [0x03] = OP_SC,
			[0x04] = OP_AMOXOR, [0x0c] = OP_AMOAND, [0x08] = OP_AMOOR,
			[0x10] = OP_AMOMIN, [0x14] = OP_AMOMAX, [0x18] = OP_AMOMINU, [0x1c] = OP_AMOMAXU,
		};
		int f5 = raw >> 27;
		if ((f3 == 2 || f3 == 3) && amo[f5] && !(amo[f5] == OP_LR && rs2 != 0))
			op = amo[f5];
		set(d, op, rd, rs1, rs2, f3 == 2 ? 4 : 8);
		return;
	}
	case 0x07:
		if (f3 == 2)
			op = OP_FLW;
		else if (f3 == 3)
			op = OP_FLD;
		set(d, op, rd, rs1, 0, imm_i);
		return;
	case 0x27:
		if (f3 == 2)
			op = OP_FSW;
		else if (f3 == 3)
			op = OP_FSD;
		set(d, op, 0, rs1, rs2, imm_s);
		return;
	case 0x43: case 0x47: case 0x4b: case 0x4f: {
		int fmt = bits(raw, 26, 25);
		int k = ((raw & 0x7f) - 0x43) >> 2;   /* fmadd, fmsub, fnmsub, fnmadd */
		if (fmt == 0)
			op = OP_FMADD_S + k;
		else if (fmt == 1)
			op = OP_FMADD_D + k;
		if (bad_rm(f3))
			op = OP_ILLEGAL;
		set(d, op, rd, rs1, rs2, 0);
		return;
	}
	case 0x53:
		decode_fp(d, raw);
		return;
	}
	set(d, OP_ILLEGAL, 0, 0, 0, 0);
}

static void decode16(hart_dinsn *d, uint32_t raw)
{
	int f3 = bits(raw, 15, 13);
	int rdp = 8 + bits(raw, 4, 2), rs1p = 8 + bits(raw, 9, 7);
	int rd = bits(raw, 11, 7), rs2 = bits(raw, 6, 2);
	int32_t imm6 = sext((bits(raw, 12, 12) << 5) | bits(raw, 6, 2), 6);
	uint32_t uimm6 = (bits(raw, 12, 12) << 5) | bits(raw, 6, 2);

	d->len = 2;
	set(d, OP_ILLEGAL, 0, 0, 0, 0);
	switch ((raw & 3) << 3 | f3) {
	/* quadrant 0 */
	case 000: { /* c.addi4spn */
		uint32_t nz = (bits(raw, 12, 11) << 4) | (bits(raw, 10, 7) << 6) |
			      (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 3);
		if (nz)
			set(d, OP_ADDI, rdp, 2, 0, nz);
		return;
	}
	case 001: /* c.fld */
		set(d, OP_FLD, rdp, rs1p, 0, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6));
		return;
	case 002: /* c.lw */
		set(d, OP_LW, rdp, rs1p, 0, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2) |
		    (bits(raw, 5, 5) << 6));
		return;
	case 003: /* c.ld */
		set(d, OP_LD, rdp, rs1p, 0, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6));
		return;
	case 005: /* c.fsd */
		set(d, OP_FSD, 0, rs1p, rdp, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6));
		return;
	case 006: /* c.sw */
		set(d, OP_SW, 0, rs1p, rdp, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2) |
		    (bits(raw, 5, 5) << 6));
		return;
	case 007: /* c.sd */
		set(d, OP_SD, 0, rs1p, rdp, (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6));
		return;
	/* quadrant 1 */
	case 010: /* c.addi, c.nop */
		set(d, OP_ADDI, rd, rd, 0, imm6);
		return;
	case 011: /* c.addiw */
		if (rd)
			set(d, OP_ADDIW, rd, rd, 0, imm6);
		return;
	case 012: /* c.li */
		set(d, OP_ADDI, rd, 0, 0, imm6);
		return;
	case 013:
		if (rd == 2) { /* c.addi16sp */
			int32_t nz = sext((bits(raw, 12, 12) << 9) | (bits(raw, 6, 6) << 4) |
					  (bits(raw, 5, 5) << 6) | (bits(raw, 4, 3) << 7) |
					  (bits(raw, 2, 2) << 5), 10);
			if (nz)
				set(d, OP_ADDI, 2, 2, 0, nz);
		} else if (imm6) { /* c.lui */
			set(d, OP_LUI, rd, 0, 0, (int32_t)((uint32_t)imm6 << 12));
		}
		return;
	case 014:
		switch (bits(raw, 11, 10)) {
		case 0: set(d, OP_SRLI, rs1p, rs1p, 0, uimm6); return;
		case 1: set(d, OP_SRAI, rs1p, rs1p, 0, uimm6); return;
		case 2: set(d, OP_ANDI, rs1p, rs1p, 0, imm6); return;
		case 3: {
			static const uint8_t o[8] = { OP_SUB, OP_XOR, OP_OR, OP_AND, OP_SUBW, OP_ADDW, 0, 0 };
			set(d, o[bits(raw, 12, 12) << 2 | bits(raw, 6, 5)], rs1p, rs1p, rdp, 0);
			return;
		}
		}
		return;
	case 015: { /* c.j */
		int32_t off = sext((bits(raw, 12, 12) << 11) | (bits(raw, 11, 11) << 4) |
				   (bits(raw, 10, 9) << 8) | (bits(raw, 8, 8) << 10) |
				   (bits(raw, 7, 7) << 6) | (bits(raw, 6, 6) << 7) |
				   (bits(raw, 5, 3) << 1) | (bits(raw, 2, 2) << 5), 12);
		set(d, OP_JAL, 0, 0, 0, off);
		return;
	}
	case 016: case 017: { /* c.beqz, c.bnez */
		int32_t off = sext((bits(raw, 12, 12) << 8) | (bits(raw, 11, 10) << 3) |
				   (bits(raw, 6, 5) << 6) | (bits(raw, 4, 3) << 1) |
				   (bits(raw, 2, 2) << 5), 9);
		set(d, f3 == 6 ? OP_BEQ : OP_BNE, 0, rs1p, 0, off);
		return;
	}
	/* quadrant 2 */
	case 020: /* c.slli */
		set(d, OP_SLLI, rd, rd, 0, uimm6);
		return;
	case 021: /* c.fldsp */
		set(d, OP_FLD, rd, 2, 0, (bits(raw, 12, 12) << 5) | (bits(raw, 6, 5) << 3) |
		    (bits(raw, 4, 2) << 6));
		return;
	case 022: /* c.lwsp */
		if (rd)
			set(d, OP_LW, rd, 2, 0, (bits(raw, 12, 12) << 5) | (bits(raw, 6, 4) << 2) |
			    (bits(raw, 3, 2) << 6));
		return;
	case 023: /* c.ldsp */
		if (rd)
			set(d, OP_LD, rd, 2, 0, (bits(raw, 12, 12) << 5) | (bits(raw, 6, 5) << 3) |
			    (bits(raw, 4, 2) << 6));
		return;
	case 024:
		if (!bits(raw, 12, 12)) {
			if (rs2 == 0) { /* c.jr */
				if (rd)
					set(d, OP_JALR, 0, rd, 0, 0);
			} else { /* c.mv */
				set(d, OP_ADD, rd, 0, rs2, 0);
			}
		} else {
			if (rs2 == 0 && rd == 0)
				set(d, OP_EBREAK, 0, 0, 0, 0);
			else if (rs2 == 0)
				set(d, OP_JALR, 1, rd, 0, 0); /* c.jalr */
			else
				set(d, OP_ADD, rd, rd, rs2, 0); /* c.add */
		}
		return;
	case 025: /* c.fsdsp */
		set(d, OP_FSD, 0, 2, rs2, (bits(raw, 12, 10) << 3) | (bits(raw, 9, 7) << 6));
		return;
	case 026: /* c.swsp */
		set(d, OP_SW, 0, 2, rs2, (bits(raw, 12, 9) << 2) | (bits(raw, 8, 7) << 6));
		return;
	case 027: /* c.sdsp */
		set(d, OP_SD, 0, 2, rs2, (bits(raw, 12, 10) << 3) | (bits(raw, 9, 7) << 6));
		return;
	}
}

void hart_decode(hart_dinsn *d, uint32_t raw)
{
	memset(d, 0, sizeof *d);
	d->raw = raw;
	if ((raw & 3) == 3)
		decode32(d, raw);
	else
		decode16(d, raw & 0xffff);
}
