/* hart: the RV64GC interpreter loop and the public entry points (see hart.h).
 *
 * Hot path: pc and instret live in locals; an instruction is fetched through a
 * one-page fetch window (a host pointer into RAM), looked up in a direct-mapped
 * decode cache indexed by pc and validated by its raw bits, and dispatched with a
 * switch. Loads and stores hit a per-privilege TLB that maps a virtual page to a
 * host pointer; anything else goes to the slow paths in hart_mmu.c. Every
 * out-of-line call first stores pc/instret back into h->s ("SYNC"), so MMIO
 * callbacks, CSR reads and traps see the architectural values. */
#include <string.h>
#include "emu/hart_priv.h"

_Static_assert(sizeof(struct hart_state) % 8 == 0, "hart_state must have no tail padding");
_Static_assert(OP_NOPS <= 256, "ops must fit the decode tables");

void hart_init(struct hart *h, int hartid, struct physmem *pm)
{
	memset(h, 0, sizeof *h);
	h->hartid = hartid;
	h->pm = pm;
	hart_reset(h, 0);
}

void hart_reset(struct hart *h, uint64_t reset_pc)
{
	memset(&h->s, 0, sizeof h->s);
	h->s.pc = reset_pc;
	h->s.priv = PRV_M;
	h->s.mstatus = MSTATUS_UXL & (2ull << 32);
	h->s.mstatus |= MSTATUS_SXL & (2ull << 34);
	hart_flush_caches(h);
}

void hart_flush_caches(struct hart *h)
{
	memset(h->dcache, 0, sizeof h->dcache); /* raw 0 decodes to OP_ILLEGAL: a valid entry */
	hart_pmp_update(h);                     /* also flushes the TLB */
	hart_update_mode(h);
	h->irq_check = 1;
}

void hart_set_mip(struct hart *h, uint64_t bits, int level)
{
	if (bits & MIP_SEIP) {
		h->s.seip_ext = level != 0;
		bits &= ~(uint64_t)MIP_SEIP;
		if (h->s.seip_ext || h->s.seip_sw)
			h->s.mip |= MIP_SEIP;
		else
			h->s.mip &= ~(uint64_t)MIP_SEIP;
	}
	if (level)
		h->s.mip |= bits;
	else
		h->s.mip &= ~bits;
	h->irq_check = 1;
}

int hart_wakeup_pending(const struct hart *h)
{
	return (h->s.mip & h->s.mie) != 0;
}

void hart_clear_reservation(struct hart *h)
{
	h->s.res_valid = 0;
}

int hart_add_breakpoint(struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++)
		if (h->breakpoints[i] == pc)
			return 0;
	if (h->nbreak >= HART_MAX_BREAKPOINTS)
		return -1;
	h->breakpoints[h->nbreak++] = pc;
	return 0;
}

int hart_del_breakpoint(struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++) {
		if (h->breakpoints[i] == pc) {
			h->breakpoints[i] = h->breakpoints[--h->nbreak];
			return 0;
		}
	}
	return -1;
}

static int at_breakpoint(const struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++)
		if (h->breakpoints[i] == pc)
			return 1;
	return 0;
}

#define SYNC() do { s->pc = pc; s->instret = instret; } while (0)
#define TLB_IDX(va) (((va) >> 12) & (HART_TLB_SIZE - 1))

/* Load a T from x[rs1] + imm into dst (converted through T, so signed types
 * sign-extend). */
#define LOAD(T, dst) do { \
	uint64_t va_ = x[d->rs1] + (int64_t)d->imm; \
	const struct hart_tlb_entry *e_ = &h->tlb_r[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & ~0xfffull) && (va_ & 0xfff) <= 0x1000 - sizeof(T))) { \
		T t_; \
		memcpy(&t_, (const void *)(uintptr_t)(e_->addend + va_), sizeof t_); \
		dst = (uint64_t)t_; \
	} else { \
		uint64_t v_; \
		SYNC(); \
		if (hart_load_slow(h, va_, sizeof(T), &v_)) \
			goto exception; \
		dst = (uint64_t)(T)v_; \
	} \
} while (0)

#define STORE(T, val) do { \
	uint64_t va_ = x[d->rs1] + (int64_t)d->imm; \
	T v_ = (T)(val); \
	const struct hart_tlb_entry *e_ = &h->tlb_w[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & ~0xfffull) && (va_ & 0xfff) <= 0x1000 - sizeof(T))) { \
		memcpy((void *)(uintptr_t)(e_->addend + va_), &v_, sizeof v_); \
	} else { \
		SYNC(); \
		if (hart_store_slow(h, va_, sizeof(T), (uint64_t)v_)) \
			goto exception; \
	} \
} while (0)

int hart_run(struct hart *h, uint64_t budget)
{
	struct hart_state *s = &h->s;
	uint64_t *x = s->x;
	hart_dinsn *dc = h->dcache;
	int ret = HART_EXIT_BUDGET;

	if (s->wfi) {
		if (!hart_wakeup_pending(h))
			return HART_EXIT_WFI;
		s->wfi = 0;
	}
	if (budget == 0)
		return HART_EXIT_BUDGET;

	uint64_t pc = s->pc, instret = s->instret;
	uint64_t end = budget > UINT64_MAX - instret ? UINT64_MAX : instret + budget;
	uint64_t fetch_va = 1;          /* virtual page of the fetch window, 1 = none */
	uint8_t *fetch_host = NULL;
	int skip = h->skip_break_once;  /* debugger resume: ignore a break at the first pc */
	h->skip_break_once = 0;

	while (instret != end) {
		if (unlikely(h->irq_check)) {
			SYNC();
			if (hart_check_interrupts(h)) {
				pc = s->pc;
				fetch_va = 1;
			}
		}
		if (unlikely(h->nbreak) && !skip && at_breakpoint(h, pc)) {
			ret = HART_EXIT_BREAK;
			break;
		}

		/* fetch and decode */
		uint32_t raw;
		uint64_t off = pc - fetch_va;
		if (likely(off <= 0xffc)) {
			memcpy(&raw, fetch_host + off, 4);
			if ((raw & 3) != 3)
				raw &= 0xffff;
		} else {
			SYNC();
			if (hart_fetch_slow(h, pc, &raw, &fetch_va, &fetch_host))
				goto exception;
		}
		hart_dinsn *d = &dc[(pc >> 1) & (HART_DCACHE_SIZE - 1)];
		if (unlikely(d->raw != raw))
			hart_decode(d, raw);
		uint64_t npc = pc + d->len;

		switch (d->op) {
		case OP_LUI: x[d->rd] = (uint64_t)(int64_t)d->imm; break;
		case OP_AUIPC: x[d->rd] = pc + (int64_t)d->imm; break;
		case OP_JAL:
			x[d->rd] = npc;
			npc = pc + (int64_t)d->imm;
			break;
		case OP_JALR: {
			uint64_t t = (x[d->rs1] + (int64_t)d->imm) & ~1ull;
			x[d->rd] = npc;
			npc = t;
			break;
		}
		case OP_BEQ: if (x[d->rs1] == x[d->rs2]) npc = pc + (int64_t)d->imm; break;
		case OP_BNE: if (x[d->rs1] != x[d->rs2]) npc = pc + (int64_t)d->imm; break;
		case OP_BLT: if ((int64_t)x[d->rs1] < (int64_t)x[d->rs2]) npc = pc + (int64_t)d->imm; break;
		case OP_BGE: if ((int64_t)x[d->rs1] >= (int64_t)x[d->rs2]) npc = pc + (int64_t)d->imm; break;
		case OP_BLTU: if (x[d->rs1] < x[d->rs2]) npc = pc + (int64_t)d->imm; break;
		case OP_BGEU: if (x[d->rs1] >= x[d->rs2]) npc = pc + (int64_t)d->imm; break;

		case OP_LB: LOAD(int8_t, x[d->rd]); break;
		case OP_LH: LOAD(int16_t, x[d->rd]); break;
		case OP_LW: LOAD(int32_t, x[d->rd]); break;
		case OP_LD: LOAD(uint64_t, x[d->rd]); break;
		case OP_LBU: LOAD(uint8_t, x[d->rd]); break;
		case OP_LHU: LOAD(uint16_t, x[d->rd]); break;
		case OP_LWU: LOAD(uint32_t, x[d->rd]); break;
		case OP_SB: STORE(uint8_t, x[d->rs2]); break;
		case OP_SH: STORE(uint16_t, x[d->rs2]); break;
		case OP_SW: STORE(uint32_t, x[d->rs2]); break;
		case OP_SD: STORE(uint64_t, x[d->rs2]); break;

		case OP_ADDI: x[d->rd] = x[d->rs1] + (int64_t)d->imm; break;
		case OP_SLTI: x[d->rd] = (int64_t)x[d->rs1] < (int64_t)d->imm; break;
		case OP_SLTIU: x[d->rd] = x[d->rs1] < (uint64_t)(int64_t)d->imm; break;
		case OP_XORI: x[d->rd] = x[d->rs1] ^ (int64_t)d->imm; break;
		case OP_ORI: x[d->rd] = x[d->rs1] | (int64_t)d->imm; break;
		case OP_ANDI: x[d->rd] = x[d->rs1] & (int64_t)d->imm; break;
		case OP_SLLI: x[d->rd] = x[d->rs1] << d->imm; break;
		case OP_SRLI: x[d->rd] = x[d->rs1] >> d->imm; break;
		case OP_SRAI: x[d->rd] = (uint64_t)((int64_t)x[d->rs1] >> d->imm); break;
		case OP_ADD: x[d->rd] = x[d->rs1] + x[d->rs2]; break;
		case OP_SUB: x[d->rd] = x[d->rs1] - x[d->rs2]; break;
		case OP_SLL: x[d->rd] = x[d->rs1] << (x[d->rs2] & 63); break;
		case OP_SLT: x[d->rd] = (int64_t)x[d->rs1] < (int64_t)x[d->rs2]; break;
		case OP_SLTU: x[d->rd] = x[d->rs1] < x[d->rs2]; break;
		case OP_XOR: x[d->rd] = x[d->rs1] ^ x[d->rs2]; break;
		case OP_SRL: x[d->rd] = x[d->rs1] >> (x[d->rs2] & 63); break;
		case OP_SRA: x[d->rd] = (uint64_t)((int64_t)x[d->rs1] >> (x[d->rs2] & 63)); break;
		case OP_OR: x[d->rd] = x[d->rs1] | x[d->rs2]; break;
		case OP_AND: x[d->rd] = x[d->rs1] & x[d->rs2]; break;
		case OP_ADDIW: x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] + (int64_t)d->imm); break;
		case OP_SLLIW: x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] << d->imm); break;
		case OP_SRLIW: x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] >> d->imm); break;
		case OP_SRAIW: x[d->rd] = (uint64_t)(int64_t)((int32_t)x[d->rs1] >> d->imm); break;
		case OP_ADDW: x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] + x[d->rs2]); break;
		case OP_SUBW: x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] - x[d->rs2]); break;
		case OP_SLLW: x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] << (x[d->rs2] & 31)); break;
		case OP_SRLW: x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] >> (x[d->rs2] & 31)); break;
		case OP_SRAW: x[d->rd] = (uint64_t)(int64_t)((int32_t)x[d->rs1] >> (x[d->rs2] & 31)); break;

		case OP_MUL: x[d->rd] = x[d->rs1] * x[d->rs2]; break;
		case OP_MULH:
			x[d->rd] = (uint64_t)(((__int128)(int64_t)x[d->rs1] * (int64_t)x[d->rs2]) >> 64);
			break;
		case OP_MULHSU:
			x[d->rd] = (uint64_t)(((__int128)(int64_t)x[d->rs1] * (__int128)x[d->rs2]) >> 64);
			break;
		case OP_MULHU:
			x[d->rd] = (uint64_t)(((unsigned __int128)x[d->rs1] * x[d->rs2]) >> 64);
			break;
		case OP_DIV: {
			int64_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = b == 0 ? ~0ull : (a == INT64_MIN && b == -1) ? (uint64_t)a : (uint64_t)(a / b);
			break;
		}
		case OP_DIVU: {
			uint64_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = b == 0 ? ~0ull : a / b;
			break;
		}
		case OP_REM: {
			int64_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? 0 : (uint64_t)(a % b);
			break;
		}
		case OP_REMU: {
			uint64_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = b == 0 ? a : a % b;
			break;
		}
		case OP_MULW:
			x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] * (uint32_t)x[d->rs2]);
			break;
		case OP_DIVW: {
			int32_t a = x[d->rs1], b = x[d->rs2];
			int32_t r = b == 0 ? -1 : (a == INT32_MIN && b == -1) ? a : a / b;
			x[d->rd] = (uint64_t)(int64_t)r;
			break;
		}
		case OP_DIVUW: {
			uint32_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = (uint64_t)(int64_t)(int32_t)(b == 0 ? ~0u : a / b);
			break;
		}
		case OP_REMW: {
			int32_t a = x[d->rs1], b = x[d->rs2];
			int32_t r = b == 0 ? a : (a == INT32_MIN && b == -1) ? 0 : a % b;
			x[d->rd] = (uint64_t)(int64_t)r;
			break;
		}
		case OP_REMUW: {
			uint32_t a = x[d->rs1], b = x[d->rs2];
			x[d->rd] = (uint64_t)(int64_t)(int32_t)(b == 0 ? a : a % b);
			break;
		}

		case OP_FENCE:
		case OP_FENCE_I:        /* the decode cache checks raw bits: nothing to flush */
			break;
		case OP_ECALL:
			h->exc_cause = EXC_ECALL_U + s->priv;
			h->exc_tval = 0;
			goto exception;
		case OP_EBREAK:
			if (h->ebreak_exits && !skip) {
				ret = HART_EXIT_BREAK;
				goto out;
			}
			h->exc_cause = EXC_BREAKPOINT;
			h->exc_tval = 0;
			goto exception;
		case OP_MRET:
		case OP_SRET:
			SYNC();
			if (d->op == OP_MRET ? hart_mret(h) : hart_sret(h))
				goto illegal;
			npc = s->pc;
			fetch_va = 1;
			break;
		case OP_WFI:
			if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TW)))
				goto illegal;
			if (!hart_wakeup_pending(h)) {
				s->wfi = 1;
				pc = npc;
				instret++;
				ret = HART_EXIT_WFI;
				goto out;
			}
			break;
		case OP_SFENCE_VMA:
			if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TVM)))
				goto illegal;
			hart_sfence_vma(h, d->rs1 != 0, x[d->rs1]);
			fetch_va = 1;
			break;
		case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
		case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI:
			SYNC();
			if (hart_csr_op(h, d))
				goto illegal;
			fetch_va = 1;   /* satp, PMP or privilege-related state may have changed */
			break;

		case OP_LR: case OP_SC: case OP_AMOSWAP: case OP_AMOADD: case OP_AMOXOR:
		case OP_AMOAND: case OP_AMOOR: case OP_AMOMIN: case OP_AMOMAX:
		case OP_AMOMINU: case OP_AMOMAXU: {
			uint64_t r;
			SYNC();
			if (hart_amo(h, d, &r))
				goto exception;
			x[d->rd] = r;
			break;
		}

		case OP_FLW:
			if (!(s->mstatus & MSTATUS_FS))
				goto illegal;
			LOAD(uint32_t, s->f[d->rd]);
			s->f[d->rd] |= 0xffffffff00000000ull;
			s->mstatus |= MSTATUS_FS;
			break;
		case OP_FLD:
			if (!(s->mstatus & MSTATUS_FS))
				goto illegal;
			LOAD(uint64_t, s->f[d->rd]);
			s->mstatus |= MSTATUS_FS;
			break;
		case OP_FSW:
			if (!(s->mstatus & MSTATUS_FS))
				goto illegal;
			STORE(uint32_t, s->f[d->rs2]);
			break;
		case OP_FSD:
			if (!(s->mstatus & MSTATUS_FS))
				goto illegal;
			STORE(uint64_t, s->f[d->rs2]);
			break;

		default:
			if (d->op >= OP_FP_FIRST && d->op < OP_NOPS) {
				if (!(s->mstatus & MSTATUS_FS) || hart_exec_fp(h, d))
					goto illegal;
				break;
			}
			goto illegal;
		}
		x[0] = 0;
		pc = npc;
		instret++;
		skip = 0;
		if (unlikely(h->stop)) {
			ret = HART_EXIT_STOP;
			break;
		}
		continue;

	illegal:
		h->exc_cause = EXC_ILLEGAL;
		h->exc_tval = raw;
	exception:
		x[0] = 0;
		SYNC();
		{
			int fatal = hart_exception(h, h->exc_cause, h->exc_tval);
			instret++;
			pc = s->pc;
			fetch_va = 1;
			skip = 0;
			if (fatal) {
				ret = HART_EXIT_FATAL;
				break;
			}
		}
		if (unlikely(h->stop)) {
			ret = HART_EXIT_STOP;
			break;
		}
	}
out:
	s->pc = pc;
	s->instret = instret;
	return ret;
}
