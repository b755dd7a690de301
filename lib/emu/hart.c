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
/* After an out-of-line call: the privilege (TLB sets) may have changed, and an MMIO
 * callback may have asked to stop (checked at the next instruction boundary). */
#define AFTER() do { \
	tlb_r = h->tlb_r; \
	tlb_w = h->tlb_w; \
	if (h->stop) \
		h->irq_check = 1; \
} while (0)
#define TLB_IDX(va) (((va) >> 12) & (HART_TLB_SIZE - 1))

/* Load a T from x[rs1] + imm into dst (converted through T, so signed types
 * sign-extend). */
#define LOAD(T, dst) do { \
	uint64_t va_ = x[d->rs1] + (int64_t)d->imm; \
	const struct hart_tlb_entry *e_ = &tlb_r[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & ~0xfffull) && (va_ & 0xfff) <= 0x1000 - sizeof(T))) { \
		T t_; \
		memcpy(&t_, (const void *)(uintptr_t)(e_->addend + va_), sizeof t_); \
		dst = (uint64_t)t_; \
	} else { \
		uint64_t v_; \
		SYNC(); \
		int r_ = hart_load_slow(h, va_, sizeof(T), &v_); \
		AFTER(); \
		if (r_) \
			goto exception; \
		dst = (uint64_t)(T)v_; \
	} \
} while (0)

#define STORE(T, val) do { \
	uint64_t va_ = x[d->rs1] + (int64_t)d->imm; \
	T v_ = (T)(val); \
	const struct hart_tlb_entry *e_ = &tlb_w[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & ~0xfffull) && (va_ & 0xfff) <= 0x1000 - sizeof(T))) { \
		memcpy((void *)(uintptr_t)(e_->addend + va_), &v_, sizeof v_); \
	} else { \
		SYNC(); \
		int r_ = hart_store_slow(h, va_, sizeof(T), (uint64_t)v_); \
		AFTER(); \
		if (r_) \
			goto exception; \
	} \
} while (0)

/* Dispatch: threaded code. Every handler ends with NEXT, its own copy of "retire,
 * check, fetch, decode, jump", so the host's branch predictor sees one indirect
 * jump per guest opcode instead of a single shared one. */
#define NEXT do { \
	x[0] = 0; \
	pc = npc; \
	instret++; \
	if (unlikely(instret == end || h->irq_check)) \
		goto boundary; \
	FETCH_DISPATCH(); \
} while (0)

/* Fetch the instruction at pc, find it in the decode cache and jump to its handler.
 * The cache entry is validated with the 32 bits at pc even for a 16-bit instruction
 * (a change in the following parcel merely decodes it again); hart_fetch_slow()
 * returns the same 32 bits whenever the fast path could have read them. */
#define FETCH_DISPATCH() do { \
	uint32_t raw; \
	uint64_t off_ = pc - fetch_va; \
	if (likely(off_ <= 0xffc)) { \
		memcpy(&raw, fetch_host + off_, 4); \
	} else if ((pc & 0xfff) <= 0xffc && \
		   h->tlb_x[TLB_IDX(pc)].tag == (pc & ~0xfffull)) { \
		/* another page, already in the fetch TLB: move the window */ \
		fetch_va = pc & ~0xfffull; \
		fetch_host = (uint8_t *)(h->tlb_x[TLB_IDX(pc)].addend + fetch_va); \
		memcpy(&raw, fetch_host + (pc & 0xfff), 4); \
	} else { \
		uint64_t fva_; \
		uint8_t *fhost_; \
		SYNC(); \
		if (hart_fetch_slow(h, pc, &raw, &fva_, &fhost_)) \
			goto exception; \
		fetch_va = fva_; \
		fetch_host = fhost_; \
	} \
	d = &dc[(pc >> 1) & (HART_DCACHE_SIZE - 1)]; \
	if (unlikely(d->raw != raw)) \
		hart_decode(d, raw); \
	npc = pc + d->len; \
	goto *labels[d->op]; \
} while (0)

#define OP(name) L_##name
#define FP_OPS(X) X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) X(FADD_S) X(FSUB_S) \
	X(FMUL_S) X(FDIV_S) X(FSQRT_S) X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FMIN_S) X(FMAX_S) \
	X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) X(FMV_X_W) X(FEQ_S) X(FLT_S) \
	X(FLE_S) X(FCLASS_S) X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU) X(FMV_W_X) \
	X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D) X(FADD_D) X(FSUB_D) X(FMUL_D) \
	X(FDIV_D) X(FSQRT_D) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D) X(FMIN_D) X(FMAX_D) \
	X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) X(FMV_X_D) X(FEQ_D) X(FLT_D) \
	X(FLE_D) X(FCLASS_D) X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU) X(FMV_D_X) \
	X(FCVT_S_D) X(FCVT_D_S)
#define FP_LABEL(n) [OP_##n] = &&L_FP,
#define AMO_LABEL(n) [OP_##n] = &&L_AMO,
#define L(n) [OP_##n] = &&L_##n,

/* GCC would otherwise merge the dispatch tails back into one jump (cross-jumping). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
int hart_run(struct hart *h, uint64_t budget)
{
	static const void *const labels[OP_NOPS] = {
		L(ILLEGAL) L(LUI) L(AUIPC) L(JAL) L(JALR) L(BEQ) L(BNE) L(BLT) L(BGE) L(BLTU)
		L(BGEU) L(LB) L(LH) L(LW) L(LD) L(LBU) L(LHU) L(LWU) L(SB) L(SH) L(SW) L(SD)
		L(ADDI) L(SLTI) L(SLTIU) L(XORI) L(ORI) L(ANDI) L(SLLI) L(SRLI) L(SRAI) L(ADD)
		L(SUB) L(SLL) L(SLT) L(SLTU) L(XOR) L(SRL) L(SRA) L(OR) L(AND) L(ADDIW) L(SLLIW)
		L(SRLIW) L(SRAIW) L(ADDW) L(SUBW) L(SLLW) L(SRLW) L(SRAW) L(MUL) L(MULH) L(MULHSU)
		L(MULHU) L(DIV) L(DIVU) L(REM) L(REMU) L(MULW) L(DIVW) L(DIVUW) L(REMW) L(REMUW)
		L(FENCE) L(FENCE_I) L(ECALL) L(EBREAK) L(MRET) L(SRET) L(WFI) L(SFENCE_VMA)
		[OP_CSRRW] = &&L_CSR, [OP_CSRRS] = &&L_CSR, [OP_CSRRC] = &&L_CSR,
		[OP_CSRRWI] = &&L_CSR, [OP_CSRRSI] = &&L_CSR, [OP_CSRRCI] = &&L_CSR,
		AMO_LABEL(LR) AMO_LABEL(SC) AMO_LABEL(AMOSWAP) AMO_LABEL(AMOADD) AMO_LABEL(AMOXOR)
		AMO_LABEL(AMOAND) AMO_LABEL(AMOOR) AMO_LABEL(AMOMIN) AMO_LABEL(AMOMAX)
		AMO_LABEL(AMOMINU) AMO_LABEL(AMOMAXU)
		L(FLW) L(FLD) L(FSW) L(FSD)
		FP_OPS(FP_LABEL)
	};
	struct hart_state *s = &h->s;
	uint64_t *x = s->x;
	hart_dinsn *dc = h->dcache, *d;
	int ret = HART_EXIT_BUDGET;
	const struct hart_tlb_entry *tlb_r = h->tlb_r, *tlb_w = h->tlb_w;

	if (s->wfi) {
		if (!hart_wakeup_pending(h))
			return HART_EXIT_WFI;
		s->wfi = 0;
	}
	if (budget == 0)
		return HART_EXIT_BUDGET;

	uint64_t pc = s->pc, npc, instret = s->instret;
	uint64_t end = budget > UINT64_MAX - instret ? UINT64_MAX : instret + budget;
	uint64_t fetch_va = 1;          /* virtual page of the fetch window, 1 = none */
	uint8_t *fetch_host = NULL;
	/* debugger resume: the first instruction ignores a breakpoint or an exiting ebreak */
	uint64_t skip_at = h->skip_break_once ? instret : UINT64_MAX;
	h->skip_break_once = 0;
	goto start;

boundary:
	/* between instructions: budget, stop request, interrupts, breakpoints */
	if (instret == end)
		goto out;
	if (h->stop) {
		ret = HART_EXIT_STOP;
		goto out;
	}
start:
	if (unlikely(h->irq_check)) {
		SYNC();
		if (hart_check_interrupts(h)) {
			pc = s->pc;
			fetch_va = 1;
			AFTER();
		}
	}
	if (unlikely(h->nbreak)) {
		if (instret != skip_at && at_breakpoint(h, pc)) {
			ret = HART_EXIT_BREAK;
			goto out;
		}
		/* keep coming back here while breakpoints exist */
		h->irq_check = 1;
	}
	if (unlikely(h->stop))
		h->irq_check = 1;       /* set before the run: stop after this instruction */
	FETCH_DISPATCH();

OP(LUI): x[d->rd] = (uint64_t)(int64_t)d->imm; NEXT;
OP(AUIPC): x[d->rd] = pc + (int64_t)d->imm; NEXT;
OP(JAL):
	x[d->rd] = npc;
	npc = pc + (int64_t)d->imm;
	NEXT;
OP(JALR): {
	uint64_t t = (x[d->rs1] + (int64_t)d->imm) & ~1ull;
	x[d->rd] = npc;
	npc = t;
	NEXT;
}
OP(BEQ): if (x[d->rs1] == x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;
OP(BNE): if (x[d->rs1] != x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;
OP(BLT): if ((int64_t)x[d->rs1] < (int64_t)x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;
OP(BGE): if ((int64_t)x[d->rs1] >= (int64_t)x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;
OP(BLTU): if (x[d->rs1] < x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;
OP(BGEU): if (x[d->rs1] >= x[d->rs2]) npc = pc + (int64_t)d->imm; NEXT;

OP(LB): LOAD(int8_t, x[d->rd]); NEXT;
OP(LH): LOAD(int16_t, x[d->rd]); NEXT;
OP(LW): LOAD(int32_t, x[d->rd]); NEXT;
OP(LD): LOAD(uint64_t, x[d->rd]); NEXT;
OP(LBU): LOAD(uint8_t, x[d->rd]); NEXT;
OP(LHU): LOAD(uint16_t, x[d->rd]); NEXT;
OP(LWU): LOAD(uint32_t, x[d->rd]); NEXT;
OP(SB): STORE(uint8_t, x[d->rs2]); NEXT;
OP(SH): STORE(uint16_t, x[d->rs2]); NEXT;
OP(SW): STORE(uint32_t, x[d->rs2]); NEXT;
OP(SD): STORE(uint64_t, x[d->rs2]); NEXT;

OP(ADDI): x[d->rd] = x[d->rs1] + (int64_t)d->imm; NEXT;
OP(SLTI): x[d->rd] = (int64_t)x[d->rs1] < (int64_t)d->imm; NEXT;
OP(SLTIU): x[d->rd] = x[d->rs1] < (uint64_t)(int64_t)d->imm; NEXT;
OP(XORI): x[d->rd] = x[d->rs1] ^ (int64_t)d->imm; NEXT;
OP(ORI): x[d->rd] = x[d->rs1] | (int64_t)d->imm; NEXT;
OP(ANDI): x[d->rd] = x[d->rs1] & (int64_t)d->imm; NEXT;
OP(SLLI): x[d->rd] = x[d->rs1] << d->imm; NEXT;
OP(SRLI): x[d->rd] = x[d->rs1] >> d->imm; NEXT;
OP(SRAI): x[d->rd] = (uint64_t)((int64_t)x[d->rs1] >> d->imm); NEXT;
OP(ADD): x[d->rd] = x[d->rs1] + x[d->rs2]; NEXT;
OP(SUB): x[d->rd] = x[d->rs1] - x[d->rs2]; NEXT;
OP(SLL): x[d->rd] = x[d->rs1] << (x[d->rs2] & 63); NEXT;
OP(SLT): x[d->rd] = (int64_t)x[d->rs1] < (int64_t)x[d->rs2]; NEXT;
OP(SLTU): x[d->rd] = x[d->rs1] < x[d->rs2]; NEXT;
OP(XOR): x[d->rd] = x[d->rs1] ^ x[d->rs2]; NEXT;
OP(SRL): x[d->rd] = x[d->rs1] >> (x[d->rs2] & 63); NEXT;
OP(SRA): x[d->rd] = (uint64_t)((int64_t)x[d->rs1] >> (x[d->rs2] & 63)); NEXT;
OP(OR): x[d->rd] = x[d->rs1] | x[d->rs2]; NEXT;
OP(AND): x[d->rd] = x[d->rs1] & x[d->rs2]; NEXT;
OP(ADDIW): x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] + (int64_t)d->imm); NEXT;
OP(SLLIW): x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] << d->imm); NEXT;
OP(SRLIW): x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] >> d->imm); NEXT;
OP(SRAIW): x[d->rd] = (uint64_t)(int64_t)((int32_t)x[d->rs1] >> d->imm); NEXT;
OP(ADDW): x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] + x[d->rs2]); NEXT;
OP(SUBW): x[d->rd] = (uint64_t)(int64_t)(int32_t)(x[d->rs1] - x[d->rs2]); NEXT;
OP(SLLW): x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] << (x[d->rs2] & 31)); NEXT;
OP(SRLW): x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] >> (x[d->rs2] & 31)); NEXT;
OP(SRAW): x[d->rd] = (uint64_t)(int64_t)((int32_t)x[d->rs1] >> (x[d->rs2] & 31)); NEXT;

OP(MUL): x[d->rd] = x[d->rs1] * x[d->rs2]; NEXT;
OP(MULH):
	x[d->rd] = (uint64_t)(((__int128)(int64_t)x[d->rs1] * (int64_t)x[d->rs2]) >> 64);
	NEXT;
OP(MULHSU):
	x[d->rd] = (uint64_t)(((__int128)(int64_t)x[d->rs1] * (__int128)x[d->rs2]) >> 64);
	NEXT;
OP(MULHU):
	x[d->rd] = (uint64_t)(((unsigned __int128)x[d->rs1] * x[d->rs2]) >> 64);
	NEXT;
OP(DIV): {
	int64_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = b == 0 ? ~0ull : (a == INT64_MIN && b == -1) ? (uint64_t)a : (uint64_t)(a / b);
	NEXT;
}
OP(DIVU): {
	uint64_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = b == 0 ? ~0ull : a / b;
	NEXT;
}
OP(REM): {
	int64_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? 0 : (uint64_t)(a % b);
	NEXT;
}
OP(REMU): {
	uint64_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = b == 0 ? a : a % b;
	NEXT;
}
OP(MULW):
	x[d->rd] = (uint64_t)(int64_t)(int32_t)((uint32_t)x[d->rs1] * (uint32_t)x[d->rs2]);
	NEXT;
OP(DIVW): {
	int32_t a = x[d->rs1], b = x[d->rs2];
	int32_t r = b == 0 ? -1 : (a == INT32_MIN && b == -1) ? a : a / b;
	x[d->rd] = (uint64_t)(int64_t)r;
	NEXT;
}
OP(DIVUW): {
	uint32_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = (uint64_t)(int64_t)(int32_t)(b == 0 ? ~0u : a / b);
	NEXT;
}
OP(REMW): {
	int32_t a = x[d->rs1], b = x[d->rs2];
	int32_t r = b == 0 ? a : (a == INT32_MIN && b == -1) ? 0 : a % b;
	x[d->rd] = (uint64_t)(int64_t)r;
	NEXT;
}
OP(REMUW): {
	uint32_t a = x[d->rs1], b = x[d->rs2];
	x[d->rd] = (uint64_t)(int64_t)(int32_t)(b == 0 ? a : a % b);
	NEXT;
}

OP(FENCE):
OP(FENCE_I):            /* the decode cache checks raw bits: nothing to flush */
	NEXT;
OP(ECALL):
	h->exc_cause = EXC_ECALL_U + s->priv;
	h->exc_tval = 0;
	goto exception;
OP(EBREAK):
	if (h->ebreak_exits && instret != skip_at) {
		ret = HART_EXIT_BREAK;
		goto out;
	}
	h->exc_cause = EXC_BREAKPOINT;
	h->exc_tval = 0;
	goto exception;
OP(MRET):
OP(SRET):
	SYNC();
	if (d->op == OP_MRET ? hart_mret(h) : hart_sret(h))
		goto illegal;
	AFTER();
	npc = s->pc;
	fetch_va = 1;
	NEXT;
OP(WFI):
	if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TW)))
		goto illegal;
	if (!hart_wakeup_pending(h)) {
		s->wfi = 1;
		pc = npc;
		instret++;
		ret = HART_EXIT_WFI;
		goto out;
	}
	NEXT;
OP(SFENCE_VMA):
	if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TVM)))
		goto illegal;
	hart_sfence_vma(h, d->rs1 != 0, x[d->rs1]);
	fetch_va = 1;
	NEXT;
L_CSR:
	SYNC();
	if (hart_csr_op(h, d))
		goto illegal;
	AFTER();
	fetch_va = 1;   /* satp, PMP or privilege-related state may have changed */
	NEXT;
L_AMO: {
	uint64_t r;
	SYNC();
	int fail = hart_amo(h, d, &r);
	AFTER();
	if (fail)
		goto exception;
	x[d->rd] = r;
	NEXT;
}

OP(FLW):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	LOAD(uint32_t, s->f[d->rd]);
	s->f[d->rd] |= 0xffffffff00000000ull;
	s->mstatus |= MSTATUS_FS;
	NEXT;
OP(FLD):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	LOAD(uint64_t, s->f[d->rd]);
	s->mstatus |= MSTATUS_FS;
	NEXT;
OP(FSW):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	STORE(uint32_t, s->f[d->rs2]);
	NEXT;
OP(FSD):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	STORE(uint64_t, s->f[d->rs2]);
	NEXT;
L_FP:
	if (!(s->mstatus & MSTATUS_FS) || hart_exec_fp(h, d))
		goto illegal;
	NEXT;

OP(ILLEGAL):
illegal:
	h->exc_cause = EXC_ILLEGAL;
	h->exc_tval = (d->raw & 3) == 3 ? d->raw : d->raw & 0xffff;
exception:
	x[0] = 0;
	SYNC();
	{
		int fatal = hart_exception(h, h->exc_cause, h->exc_tval);
		instret++;
		pc = s->pc;
		fetch_va = 1;
		AFTER();
		if (fatal) {
			ret = HART_EXIT_FATAL;
			goto out;
		}
	}
	goto boundary;
out:
	s->pc = pc;
	s->instret = instret;
	return ret;
}
