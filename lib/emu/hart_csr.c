/* hart_csr: control and status registers, traps, interrupts, xRET (PMP: hart_pmp.c).
 *
 * WARL masks follow QEMU 7.2's virt CPU without the H extension, except where the
 * spec leaves no choice (mepc[0] = 0, 32-bit counter-enable registers, 54-bit
 * pmpaddr, pmpcfg reserved bits zero) or the brief says otherwise (hpm counters
 * and events read as zero, no Sstc/Zicbom/Svpbmt bits in menvcfg). */
#include <inttypes.h>
#include <stdio.h>
#include "emu/hart_priv.h"

#define MSTATUS_WMASK (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | \
		       MSTATUS_SPP | MSTATUS_VS | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | \
		       MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define SSTATUS_RMASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS | \
		       MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)
#define SSTATUS_WMASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS | \
		       MSTATUS_SUM | MSTATUS_MXR)
#define MIE_MASK      0xaaaull          /* SSI, MSI, STI, MTI, SEI, MEI */
#define S_INTS        0x222ull          /* SSI, STI, SEI */
#define MIP_SW_MASK   0x222ull          /* software-writable mip bits */
#define MEDELEG_MASK  0xb3ffull         /* causes 0-9, 12, 13, 15 */

enum {
	CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
	CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02, CSR_HPM31 = 0xc1f,
	CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
	CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
	CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_SATP = 0x180,
	CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
	CSR_MCONFIGPTR = 0xf15,
	CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
	CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
	CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
	CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
	CSR_MIP = 0x344, CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0,
	CSR_PMPADDR63 = 0x3ef,
	CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02, CSR_MHPM3 = 0xb03, CSR_MHPM31 = 0xb1f,
	CSR_TSELECT = 0x7a0, CSR_TDATA3 = 0x7a3,
};

static uint64_t mstatus_read(const struct hart *h)
{
	uint64_t v = h->s.mstatus;
	if ((v & MSTATUS_FS) == MSTATUS_FS || (v & MSTATUS_VS) == MSTATUS_VS)
		v |= MSTATUS_SD;
	return v;
}

static void mstatus_write(struct hart *h, uint64_t val, uint64_t mask)
{
	uint64_t old = h->s.mstatus;
	uint64_t nv = (old & ~mask) | (val & mask);
	if (((nv & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2)  /* reserved: keep the old MPP */
		nv = (nv & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
	h->s.mstatus = nv;
	if ((old ^ nv) & MSTATUS_MXR)   /* SUM selects a TLB set instead */
		hart_tlb_flush(h);
	hart_update_mode(h);
	h->irq_check = 1;
}

void hart_update_mode(struct hart *h)
{
	int p = h->s.priv, dp = p;
	if (p == PRV_M && (h->s.mstatus & MSTATUS_MPRV))
		dp = (h->s.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
	struct hart_cache *c = hart_cache(h);
	c->tlb_x = hart_tlb_sel(c, hart_tlb_xset(p), ACC_X);
	c->tlb_r = hart_tlb_sel(c, hart_tlb_set(h, dp), ACC_R);
	c->tlb_w = hart_tlb_sel(c, hart_tlb_set(h, dp), ACC_W);
	c->cur = c->epoch | (uint64_t)c->space << 2 | (uint64_t)hart_tlb_xset(p);
}

/* ---- counters: mcycle and minstret both count executed instructions ---- */

/* which: 0 = cycle, 2 = instret (the mcountinhibit bit numbers) */
static uint64_t ctr_read(const struct hart *h, int which)
{
	uint64_t off = which ? h->s.minstret_off : h->s.mcycle_off;
	if (h->s.mcountinhibit & (1u << which))
		return which ? h->s.minstret_frozen : h->s.mcycle_frozen;
	return h->s.instret + off;
}

/* The write replaces this instruction's increment: the next one reads val. */
static void ctr_write(struct hart *h, int which, uint64_t val)
{
	uint64_t *off = which ? &h->s.minstret_off : &h->s.mcycle_off;
	uint64_t *frozen = which ? &h->s.minstret_frozen : &h->s.mcycle_frozen;
	if (h->s.mcountinhibit & (1u << which))
		*frozen = val;
	else
		*off = val - (h->s.instret + 1);
}

static void countinhibit_write(struct hart *h, uint32_t val)
{
	val &= 5;
	for (int which = 0; which <= 2; which += 2) {
		uint32_t bit = 1u << which;
		uint64_t *off = which ? &h->s.minstret_off : &h->s.mcycle_off;
		uint64_t *frozen = which ? &h->s.minstret_frozen : &h->s.mcycle_frozen;
		if ((val & bit) && !(h->s.mcountinhibit & bit))
			*frozen = h->s.instret + 1 + *off;
		else if (!(val & bit) && (h->s.mcountinhibit & bit))
			*off = *frozen - (h->s.instret + 1);
	}
	h->s.mcountinhibit = val;
}

/* ---- CSR access ---- */

/* Read CSR csr into *val. dbg: debugger access, skip the mode-dependent checks.
 * Returns 0, or -1 if the CSR does not exist or may not be accessed now. */
static int csr_read(struct hart *h, int csr, uint64_t *val, int dbg)
{
	int priv = dbg ? PRV_M : (int)h->s.priv;
	uint64_t v = 0;

	if (csr >= CSR_CYCLE && csr <= CSR_HPM31) {
		int n = csr - CSR_CYCLE;
		if (priv < PRV_M && !((h->s.mcounteren >> n) & 1))
			return -1;
		if (priv == PRV_U && !((h->s.scounteren >> n) & 1))
			return -1;
		if (csr == CSR_TIME) {
			if (!h->get_mtime)
				return -1;
			v = h->get_mtime(h->opaque);
		} else if (csr == CSR_CYCLE || csr == CSR_INSTRET) {
			v = ctr_read(h, n);
		}
		*val = v;
		return 0;
	}
	if (csr >= CSR_MHPM3 && csr <= CSR_MHPM31) {
		*val = 0;
		return 0;
	}
	if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) {
		*val = 0;
		return 0;
	}
	if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
		int reg = csr - CSR_PMPCFG0;
		if (reg & 1)
			return -1;
		for (int b = 0; b < 8; b++) {
			int i = reg * 4 + b;
			if (i < HART_NPMP)
				v |= (uint64_t)h->s.pmpcfg[i] << (8 * b);
		}
		*val = v;
		return 0;
	}
	if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
		int i = csr - CSR_PMPADDR0;
		*val = i < HART_NPMP ? h->s.pmpaddr[i] : 0;
		return 0;
	}
	if (csr >= CSR_TSELECT && csr <= CSR_TDATA3) {
		*val = 0;
		return 0;
	}
	switch (csr) {
	case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
		if (!dbg && !(h->s.mstatus & MSTATUS_FS))
			return -1;
		v = csr == CSR_FFLAGS ? (h->s.fcsr & 0x1f) : csr == CSR_FRM ? (h->s.fcsr >> 5) & 7
		    : h->s.fcsr & 0xff;
		break;
	case CSR_SSTATUS: v = mstatus_read(h) & SSTATUS_RMASK; break;
	case CSR_SIE: v = h->s.mie & h->s.mideleg; break;
	case CSR_STVEC: v = h->s.stvec; break;
	case CSR_SCOUNTEREN: v = h->s.scounteren; break;
	case CSR_SENVCFG: v = h->s.senvcfg; break;
	case CSR_SSCRATCH: v = h->s.sscratch; break;
	case CSR_SEPC: v = h->s.sepc; break;
	case CSR_SCAUSE: v = h->s.scause; break;
	case CSR_STVAL: v = h->s.stval; break;
	case CSR_SIP: v = h->s.mip & h->s.mideleg; break;
	case CSR_SATP:
		if (priv == PRV_S && (h->s.mstatus & MSTATUS_TVM))
			return -1;
		v = h->s.satp;
		break;
	case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR:
		v = 0;
		break;
	case CSR_MHARTID: v = (uint64_t)h->hartid; break;
	case CSR_MSTATUS: v = mstatus_read(h); break;
	case CSR_MISA: v = MISA_VALUE; break;
	case CSR_MEDELEG: v = h->s.medeleg; break;
	case CSR_MIDELEG: v = h->s.mideleg; break;
	case CSR_MIE: v = h->s.mie; break;
	case CSR_MTVEC: v = h->s.mtvec; break;
	case CSR_MCOUNTEREN: v = h->s.mcounteren; break;
	case CSR_MENVCFG: v = h->s.menvcfg; break;
	case CSR_MCOUNTINHIBIT: v = h->s.mcountinhibit; break;
	case CSR_MSCRATCH: v = h->s.mscratch; break;
	case CSR_MEPC: v = h->s.mepc; break;
	case CSR_MCAUSE: v = h->s.mcause; break;
	case CSR_MTVAL: v = h->s.mtval; break;
	case CSR_MIP: v = h->s.mip; break;
	case CSR_MCYCLE: v = ctr_read(h, 0); break;
	case CSR_MINSTRET: v = ctr_read(h, 2); break;
	default:
		return -1;
	}
	*val = v;
	return 0;
}

/* Write val to csr (existence and access were checked by csr_read). Returns 0 or -1. */
static int csr_write(struct hart *h, int csr, uint64_t val, int dbg)
{
	if (csr >= CSR_MHPM3 && csr <= CSR_MHPM31)
		return 0;
	if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)
		return 0;
	if (csr >= CSR_TSELECT && csr <= CSR_TDATA3)
		return 0;
	if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
		hart_pmpcfg_write(h, csr - CSR_PMPCFG0, val);
		return 0;
	}
	if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
		if (csr - CSR_PMPADDR0 < HART_NPMP)
			hart_pmpaddr_write(h, csr - CSR_PMPADDR0, val);
		return 0;
	}
	switch (csr) {
	case CSR_FFLAGS:
		h->s.fcsr = (h->s.fcsr & ~0x1fu) | (val & 0x1f);
		h->s.mstatus |= MSTATUS_FS;
		break;
	case CSR_FRM:
		h->s.fcsr = (h->s.fcsr & 0x1f) | ((val & 7) << 5);
		h->s.mstatus |= MSTATUS_FS;
		break;
	case CSR_FCSR:
		h->s.fcsr = val & 0xff;
		h->s.mstatus |= MSTATUS_FS;
		break;
	case CSR_SSTATUS: mstatus_write(h, val, SSTATUS_WMASK); break;
	case CSR_SIE: {
		uint64_t m = h->s.mideleg & S_INTS;
		h->s.mie = (h->s.mie & ~m) | (val & m);
		h->irq_check = 1;
		break;
	}
	case CSR_STVEC:
		if ((val & 3) < 2)
			h->s.stvec = val;
		break;
	case CSR_SCOUNTEREN: h->s.scounteren = (uint32_t)val; break;
	case CSR_SENVCFG: h->s.senvcfg = val & 1; break;
	case CSR_SSCRATCH: h->s.sscratch = val; break;
	case CSR_SEPC: h->s.sepc = val & ~1ull; break;
	case CSR_SCAUSE: h->s.scause = val; break;
	case CSR_STVAL: h->s.stval = val; break;
	case CSR_SIP: {
		uint64_t m = h->s.mideleg & MIP_SSIP;
		h->s.mip = (h->s.mip & ~m) | (val & m);
		h->irq_check = 1;
		break;
	}
	case CSR_SATP: {
		uint64_t mode = val >> 60;
		if (mode == 0 || mode == 8 || mode == 9) {
			uint64_t old = h->s.satp;
			h->s.satp = val;
			if (val != old)
				hart_tlb_switch(h);
		}
		break;
	}
	case CSR_MSTATUS: mstatus_write(h, val, MSTATUS_WMASK); break;
	case CSR_MISA: break;
	case CSR_MEDELEG: h->s.medeleg = val & MEDELEG_MASK; break;
	case CSR_MIDELEG:
		h->s.mideleg = val & S_INTS;
		h->irq_check = 1;
		break;
	case CSR_MIE:
		h->s.mie = val & MIE_MASK;
		h->irq_check = 1;
		break;
	case CSR_MTVEC:
		if ((val & 3) < 2)
			h->s.mtvec = val;
		break;
	case CSR_MCOUNTEREN: h->s.mcounteren = (uint32_t)val; break;
	case CSR_MENVCFG: h->s.menvcfg = val & 1; break;
	case CSR_MCOUNTINHIBIT: countinhibit_write(h, (uint32_t)val); break;
	case CSR_MSCRATCH: h->s.mscratch = val; break;
	case CSR_MEPC: h->s.mepc = val & ~1ull; break;
	case CSR_MCAUSE: h->s.mcause = val; break;
	case CSR_MTVAL: h->s.mtval = val; break;
	case CSR_MIP:
		h->s.seip_sw = (val & MIP_SEIP) != 0;
		h->s.mip = (h->s.mip & ~MIP_SW_MASK) | (val & (MIP_SSIP | MIP_STIP)) |
			   ((h->s.seip_sw | h->s.seip_ext) ? MIP_SEIP : 0);
		h->irq_check = 1;
		break;
	case CSR_MCYCLE: ctr_write(h, 0, val); break;
	case CSR_MINSTRET: ctr_write(h, 2, val); break;
	default:
		if (dbg && (csr >> 10) == 3)  /* read-only CSRs: the debugger's write is ignored */
			return 0;
		return -1;
	}
	return 0;
}

int hart_csr_op(struct hart *h, const hart_dinsn *d)
{
	int csr = d->imm & 0xfff, op = d->op;
	int imm_form = op >= OP_CSRRWI;
	uint64_t src = imm_form ? d->rs1 : h->s.x[d->rs1];
	int is_rw = op == OP_CSRRW || op == OP_CSRRWI;
	int writes = is_rw || d->rs1 != 0;
	uint64_t old;

	if (((csr >> 8) & 3) > (int)h->s.priv)
		return -1;
	if (writes && (csr >> 10) == 3)
		return -1;
	if (csr_read(h, csr, &old, 0))
		return -1;
	if (writes) {
		/* mip.SEIP reads as software bit | PLIC line, but a set/clear modifies
		 * only the software bit (privileged spec): never latch the line into it. */
		uint64_t base = old;
		if (csr == CSR_MIP)
			base = (old & ~(uint64_t)MIP_SEIP) | (h->s.seip_sw ? MIP_SEIP : 0);
		uint64_t nv = is_rw ? src : (op == OP_CSRRS || op == OP_CSRRSI) ? base | src
			      : base & ~src;
		if (csr_write(h, csr, nv, 0))
			return -1;
	}
	if (d->rd)
		h->s.x[d->rd] = old;
	return 0;
}

int hart_csr_read(struct hart *h, int csr, uint64_t *val)
{
	return csr_read(h, csr & 0xfff, val, 1);
}

int hart_csr_write(struct hart *h, int csr, uint64_t val)
{
	uint64_t old;
	csr &= 0xfff;
	if (csr_read(h, csr, &old, 1))
		return -1;
	return csr_write(h, csr, val, 1);
}

/* ---- traps ---- */

static const char *cause_name(int cause)
{
	static const char *n[16] = {
		"instruction address misaligned", "instruction access fault",
		"illegal instruction", "breakpoint", "load address misaligned",
		"load access fault", "store/AMO address misaligned", "store/AMO access fault",
		"ecall from U-mode", "ecall from S-mode", "reserved", "ecall from M-mode",
		"instruction page fault", "load page fault", "reserved", "store/AMO page fault",
	};
	return cause >= 0 && cause < 16 ? n[cause] : "unknown";
}

/* Enter the trap handler for cause (an interrupt if irq) from s.pc. */
static void do_trap(struct hart *h, uint64_t cause, uint64_t tval, int irq)
{
	struct hart_state *s = &h->s;
	uint64_t deleg = irq ? s->mideleg : s->medeleg;
	uint64_t ms = s->mstatus, vec;

	s->res_valid = 0;
	if (s->priv <= PRV_S && ((deleg >> cause) & 1)) {
		s->scause = cause | ((uint64_t)irq << 63);
		s->sepc = s->pc;
		s->stval = tval;
		ms = (ms & ~MSTATUS_SPIE) | ((ms & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
		ms = (ms & ~MSTATUS_SPP) | (s->priv == PRV_S ? MSTATUS_SPP : 0);
		ms &= ~MSTATUS_SIE;
		s->priv = PRV_S;
		vec = s->stvec;
	} else {
		s->mcause = cause | ((uint64_t)irq << 63);
		s->mepc = s->pc;
		s->mtval = tval;
		ms = (ms & ~MSTATUS_MPIE) | ((ms & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
		ms = (ms & ~MSTATUS_MPP) | ((uint64_t)s->priv << MSTATUS_MPP_SHIFT);
		ms &= ~MSTATUS_MIE;
		s->priv = PRV_M;
		vec = s->mtvec;
	}
	s->mstatus = ms;
	s->pc = (vec & ~3ull) + ((irq && (vec & 1)) ? 4 * cause : 0);
	h->irq_check = 1;
	hart_update_mode(h);
}

int hart_exception(struct hart *h, int cause, uint64_t tval)
{
	struct hart_state *s = &h->s;
	uint64_t epc = s->pc;
	uint32_t from = s->priv;

	if (s->exc_streak && s->instret == s->last_exc_instret + 1)
		s->exc_streak++;
	else
		s->exc_streak = 1;
	s->last_exc_instret = s->instret;
	do_trap(h, cause, tval, 0);
	/* An M-mode fetch access fault at M's own handler address repeats forever. */
	int again = cause == EXC_INSN_ACCESS && from == PRV_M && s->priv == PRV_M && s->pc == tval;
	if (again || s->exc_streak > 1000) {
		snprintf(h->fatal_msg, sizeof h->fatal_msg,
			 "trap loop in %s-mode: pc=0x%" PRIx64 " cause=%d (%s) tval=0x%" PRIx64,
			 s->priv == PRV_M ? "M" : "S", epc, cause, cause_name(cause), tval);
		return -1;
	}
	return 0;
}

int hart_check_interrupts(struct hart *h)
{
	static const int order[6] = { 11, 3, 7, 9, 1, 5 };
	struct hart_state *s = &h->s;
	uint64_t pend = s->mip & s->mie, take = 0;

	h->irq_check = 0;
	if (!pend)
		return 0;
	uint64_t m = pend & ~s->mideleg, sl = pend & s->mideleg;
	if (m && (s->priv < PRV_M || (s->mstatus & MSTATUS_MIE)))
		take = m;
	else if (sl && (s->priv < PRV_S || (s->priv == PRV_S && (s->mstatus & MSTATUS_SIE))))
		take = sl;
	if (!take)
		return 0;
	for (int i = 0; i < 6; i++) {
		if (take & (1ull << order[i])) {
			do_trap(h, order[i], 0, 1);
			return 1;
		}
	}
	return 0;
}

int hart_mret(struct hart *h)
{
	struct hart_state *s = &h->s;
	if (s->priv != PRV_M)
		return -1;
	uint64_t ms = s->mstatus;
	uint32_t np = (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
	ms = (ms & ~MSTATUS_MIE) | ((ms & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
	ms |= MSTATUS_MPIE;
	ms &= ~MSTATUS_MPP;
	if (np != PRV_M)
		ms &= ~MSTATUS_MPRV;
	s->mstatus = ms;
	s->priv = np;
	s->pc = s->mepc;
	s->res_valid = 0;
	h->irq_check = 1;
	hart_update_mode(h);
	return 0;
}

int hart_sret(struct hart *h)
{
	struct hart_state *s = &h->s;
	if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TSR)))
		return -1;
	uint64_t ms = s->mstatus;
	uint32_t np = (ms & MSTATUS_SPP) ? PRV_S : PRV_U;
	ms = (ms & ~MSTATUS_SIE) | ((ms & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
	ms |= MSTATUS_SPIE;
	ms &= ~(MSTATUS_SPP | MSTATUS_MPRV);
	s->mstatus = ms;
	s->priv = np;
	s->pc = s->sepc;
	s->res_valid = 0;
	h->irq_check = 1;
	hart_update_mode(h);
	return 0;
}
