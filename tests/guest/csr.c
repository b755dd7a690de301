/* csr: Zicsr semantics and the machine CSRs' WARL behaviour.
 * The six CSR instructions (old value, set/clear, the rs1=x0 / uimm=0 no-write
 * forms on read-only CSRs), read-only and unimplemented CSRs trapping, misa,
 * mstatus/sstatus views, mie/mip/sie/sip with delegation, medeleg/mideleg,
 * mtvec modes, satp modes, counters (only ordering facts are printed: counter
 * values depend on speed).
 * Values are printed masked to the fields a plain RV64GC M/S/U hart defines, so a
 * hart without the H, V or Sstc extensions gives the same lines as QEMU 7.2 (whose
 * default CPU has them and exposes some of their bits in these CSRs). */
#include "rt.h"

/* not VS, GVA, MPV; nor UXL, which QEMU 7.2 lets a write of ~0 change to 3
 * (UXL/SXL are checked on the reset value instead) */
#define MSTATUS_BASE_MASK (~((3ul << 9) | (1ul << 38) | (1ul << 39) | (3ul << 32)))
#define MIP_BASE_MASK 0xaaaul
#define MEDELEG_BASE_MASK 0xb1fful

static void csr_insns(void)
{
	uint64_t old;
	/* mscratch/sscratch hold the trap stacks (crt.S): restored below */
	csr_write(mscratch, 0xf0f0f0f0f0f0f0f0ul);
	__asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0x123ul));
	rt_check("csrrw old", old, 0xf0f0f0f0f0f0f0f0ul);
	rt_check("csrrw new", csr_read(mscratch), 0x123);
	__asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0xf00ul));
	rt_check("csrrs old", old, 0x123);
	rt_check("csrrs new", csr_read(mscratch), 0xf23);
	__asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0x103ul));
	rt_check("csrrc old", old, 0xf23);
	rt_check("csrrc new", csr_read(mscratch), 0xe20);
	__asm__ volatile("csrrwi %0, mscratch, 31" : "=r"(old));
	rt_check("csrrwi old", old, 0xe20);
	rt_check("csrrwi new", csr_read(mscratch), 31);
	__asm__ volatile("csrrsi %0, mscratch, 0" : "=r"(old));
	__asm__ volatile("csrrci %0, mscratch, 5" : "=r"(old));
	rt_check("csrrci old", old, 31);
	rt_check("csrrci new", csr_read(mscratch), 26);
	__asm__ volatile("csrrsi %0, mscratch, 16" : "=r"(old));
	rt_check("csrrsi new", csr_read(mscratch), 26);
	csr_write(mscratch, -1l);
	rt_check("mscratch is 64 bits", csr_read(mscratch), ~0ul);
	csr_write(sscratch, 0x8000000000000001ul);
	rt_check("sscratch is 64 bits", csr_read(sscratch), 0x8000000000000001ul);
	csr_write(mscratch, _mtrap_stack_top);
	csr_write(sscratch, _strap_stack_top);

	rt_catch = 1;
	rt_trap_reset();
	__asm__ volatile("csrrs %0, mhartid, x0" : "=r"(old));
	rt_check("csrrs mhartid,x0: no trap", rt_trap.count, 0);
	rt_check("mhartid", old, 0);
	__asm__ volatile("csrrsi %0, mvendorid, 0" : "=r"(old));
	__asm__ volatile("csrrci %0, marchid, 0" : "=r"(old));
	rt_check("csrrsi/csrrci uimm=0 on read-only: no trap", rt_trap.count, 0);
	__asm__ volatile("csrrw %0, mhartid, %1" : "=r"(old) : "r"(0ul));
	rt_check("csrrw to read-only: illegal", rt_trap.cause, 2);
	rt_trap_reset();
	__asm__ volatile("csrrs %0, mvendorid, %1" : "=r"(old) : "r"(1ul));
	rt_check("csrrs rs1!=0 to read-only: illegal", rt_trap.cause, 2);
	rt_trap_reset();
	__asm__ volatile("csrrci %0, mimpid, 1" : "=r"(old));
	rt_check("csrrci uimm!=0 to read-only: illegal", rt_trap.cause, 2);
	rt_trap_reset();
	old = 77;
	__asm__ volatile("csrr %0, 0x7c0" : "+r"(old));
	rt_check("unimplemented CSR 0x7c0: illegal", rt_trap.cause, 2);
	rt_check("  rd unchanged", old, 77);
	rt_note("  tval", rt_trap.tval);
	rt_trap_reset();
	__asm__ volatile("csrr %0, 0x5c0" : "=r"(old));
	rt_check("unimplemented CSR 0x5c0: illegal", rt_trap.cause, 2);
	rt_catch = 0;
}

static void misa_mstatus(void)
{
	uint64_t misa = csr_read(misa);
	rt_check("misa MXL", misa >> 62, 2);
	/* A C D F I M S U (bit 7, H, masked: QEMU 7.2 has it by default) */
	rt_check("misa extensions", misa & 0x3ffff7f, 0x14112d);
	csr_write(misa, misa & ~(1ul << 2));
	rt_check("misa.C stays set (misa writes ignored or C kept: code is 2-aligned)",
		 (csr_read(misa) >> 2) & 1, 1);
	csr_write(misa, misa);

	uint64_t s0 = csr_read(mstatus);
	rt_check("mstatus UXL/SXL = 64-bit", (s0 >> 32) & 0xf, 0xa);
	rt_check("mstatus MBE/SBE/UBE = 0 (little endian)", s0 & ((3ul << 36) | (1ul << 6)), 0);
	csr_write(mstatus, ~0ul);
	rt_check("mstatus after writing ~0", csr_read(mstatus) & MSTATUS_BASE_MASK, 0x80000008007e79aaul);
	csr_write(mstatus, 0);
	rt_check("mstatus after writing 0 (FS off)", csr_read(mstatus) & MSTATUS_BASE_MASK, 0x0000000800000000ul);
	csr_write(mstatus, s0);

	/* sstatus: a view of the S fields of mstatus */
	csr_write(mstatus, MSTATUS_MPIE | (3ul << 11) | (1ul << 13));
	csr_write(sstatus, ~0ul);
	rt_check("sstatus after writing ~0", csr_read(sstatus) & MSTATUS_BASE_MASK, 0x80000000000c6122ul);
	rt_check("  mstatus M fields untouched", csr_read(mstatus) & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR),
		 MSTATUS_MPIE | (3ul << 11));
	csr_write(sstatus, 0);
	rt_check("sstatus after writing 0", csr_read(sstatus) & MSTATUS_BASE_MASK, 0x0ul);
	rt_check("  mstatus MPP kept", (csr_read(mstatus) >> 11) & 3, 3);
	csr_write(mstatus, s0);
}

static void interrupts_regs(void)
{
	/* park the timer in the far future so MTIP is clear */
	*(volatile uint64_t *)CLINT_MTIMECMP = ~0ul;
	csr_write(medeleg, ~0ul);
	rt_check("medeleg after ~0 (base bits)", csr_read(medeleg) & MEDELEG_BASE_MASK, 0xb1ff);
	csr_write(medeleg, 0);
	rt_check("medeleg after 0", csr_read(medeleg), 0);
	csr_write(mideleg, ~0ul);
	rt_check("mideleg after ~0 (base bits)", csr_read(mideleg) & MIP_BASE_MASK, 0x222);
	csr_write(mideleg, 0);
	csr_write(mie, ~0ul);
	rt_check("mie after ~0", csr_read(mie) & MIP_BASE_MASK, 0xaaa);
	rt_check("sie with mideleg=0 reads 0", csr_read(sie) & MIP_BASE_MASK, 0);
	csr_write(mideleg, 0x222);
	rt_check("sie with mideleg=0x222", csr_read(sie) & MIP_BASE_MASK, 0x222);
	csr_write(sie, 0);
	rt_check("mie after sie=0", csr_read(mie) & MIP_BASE_MASK, 0x888);
	csr_write(mie, 0);
	csr_write(mip, ~0ul);
	rt_check("mip after ~0: SSIP STIP SEIP writable", csr_read(mip) & MIP_BASE_MASK, 0x222);
	rt_check("sip view", csr_read(sip) & MIP_BASE_MASK, 0x222);
	csr_write(sip, 0);
	rt_check("sip write clears only SSIP", csr_read(mip) & MIP_BASE_MASK, 0x220);
	csr_write(mip, 0);
	csr_write(mideleg, 0);
	csr_write(mip, 2);
	rt_check("sip with mideleg=0 reads 0", csr_read(sip) & MIP_BASE_MASK, 0);
	csr_write(mip, 0);
}

static void vectors_satp(void)
{
	uint64_t save = csr_read(mtvec);
	csr_write(mtvec, 0x80000101ul);
	rt_check("mtvec vectored", csr_read(mtvec), 0x80000101ul);
	csr_write(mtvec, 0x80000200ul);
	rt_check("mtvec direct", csr_read(mtvec), 0x80000200ul);
	csr_write(mtvec, save);
	save = csr_read(stvec);
	csr_write(stvec, 0x80000301ul);
	rt_check("stvec vectored", csr_read(stvec), 0x80000301ul);
	csr_write(stvec, save);
	csr_write(mepc, 0x80001234ul);
	rt_check("mepc", csr_read(mepc), 0x80001234ul);
	csr_write(mepc, ~0ul);
	rt_check("mepc bit 0 masked on read or on use", (csr_read(mepc) | 1) == ~0ul, 1);
	csr_write(mcause, 0x800000000000000bul);
	rt_check("mcause", csr_read(mcause), 0x800000000000000bul);
	csr_write(mtval, 0xdeadbeefcafeul);
	rt_check("mtval", csr_read(mtval), 0xdeadbeefcafeul);
	csr_write(stval, 0x1234);
	rt_check("stval", csr_read(stval), 0x1234);
	csr_write(scause, 0xd);
	rt_check("scause", csr_read(scause), 0xd);
	csr_write(sepc, 0x80004000ul);
	rt_check("sepc", csr_read(sepc), 0x80004000ul);

	csr_write(satp, (8ul << 60) | 0x12345ul);
	rt_check("satp Sv39", csr_read(satp), (8ul << 60) | 0x12345ul);
	csr_write(satp, (9ul << 60) | 0x54321ul);
	rt_check("satp Sv48", csr_read(satp), (9ul << 60) | 0x54321ul);
	csr_write(satp, (1ul << 60) | 0x1ul);
	rt_check("satp reserved mode 1: write ignored", csr_read(satp), (9ul << 60) | 0x54321ul);
	csr_write(satp, 0);
	rt_check("satp Bare", csr_read(satp), 0);
	csr_write(0x30a, 1);
	rt_check("menvcfg.FIOM", csr_read(0x30a) & 1, 1);
	csr_write(0x30a, 0);
	rt_check("menvcfg.FIOM cleared", csr_read(0x30a) & 1, 0);
}

static void counters(void)
{
	uint64_t a, b, c;
	a = csr_read(minstret);
	__asm__ volatile("nop\n\tnop\n\tnop\n\tnop");
	b = csr_read(minstret);
	rt_check("minstret advances over 4 nops", b - a >= 4, 1);
	rt_check("instret == minstret (monotonic pair)", csr_read(instret) >= b, 1);
	a = csr_read(mcycle);
	b = csr_read(cycle);
	rt_check("cycle after mcycle", b >= a, 1);
	/* written values take effect; QEMU without -icount counts host clock ticks, so
	 * the window is wide (2^36) yet far below the host tick counter itself */
	csr_write(minstret, 1ul << 40);
	a = csr_read(minstret);
	rt_check("minstret written", a >= (1ul << 40) && a < (1ul << 40) + (1ul << 36), 1);
	csr_write(mcycle, 3ul << 40);
	a = csr_read(mcycle);
	rt_check("mcycle written", a >= (3ul << 40) && a < (3ul << 40) + (1ul << 36), 1);
	a = *(volatile uint64_t *)CLINT_MTIME;
	b = csr_read(time);
	c = *(volatile uint64_t *)CLINT_MTIME;
	rt_check("mtime <= time <= mtime", a <= b && b <= c, 1);
	csr_write(mhpmevent3, 0);
	rt_check("mhpmcounter3 readable (0: no events)", csr_read(mhpmcounter3), 0);
}

int main(void)
{
	csr_insns();
	misa_mstatus();
	interrupts_regs();
	vectors_satp();
	counters();
	return rt_done("csr");
}
