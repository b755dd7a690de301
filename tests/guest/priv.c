/* priv: privilege modes and transitions without paging.
 * M->S->U with mret (the mode is proven by what traps), ecall cause per mode,
 * mret/sret effects on MPP/MPIE/MIE and SPP/SPIE/SIE, xRET and CSR access from
 * modes that may not use them, TSR/TW/TVM, counter enables (mcounteren,
 * scounteren), and exception delegation to S through medeleg (the S handler sees
 * scause/sepc/stval and SPP). */
#include "rt.h"

static uint64_t probe_mscratch(uint64_t arg)
{
	(void)arg;
	rt_trap_reset();
	uint64_t v = 0;
	__asm__ volatile("csrr %0, mscratch" : "+r"(v));
	return rt_trap.count * 100 + (rt_trap.count ? rt_trap.cause : 0);
}

static uint64_t probe_sscratch(uint64_t arg)
{
	rt_trap_reset();
	uint64_t v = 0;
	__asm__ volatile("csrrw %0, sscratch, %0" : "+r"(v));
	__asm__ volatile("csrrw %0, sscratch, %0" : "+r"(v));
	return rt_trap.count * 100 + (rt_trap.count ? rt_trap.cause : 0);
}

static uint64_t identity(uint64_t arg)
{
	return arg;
}

static uint64_t do_ecall(uint64_t arg)
{
	rt_trap_reset();
	__asm__ volatile("li a7, 0\n\tecall" ::: "a7");
	return rt_trap.cause | ((uint64_t)rt_trap.mode << 8);
}

static uint64_t do_insn(uint64_t which)
{
	rt_trap_reset();
	switch (which) {
	case 0: __asm__ volatile("mret"); break;
	case 1: __asm__ volatile("sret"); break;
	case 2: __asm__ volatile("wfi"); break;
	case 3: __asm__ volatile("sfence.vma"); break;
	case 4: { uint64_t v; __asm__ volatile("csrr %0, satp" : "=r"(v)); break; }
	case 5: { uint64_t v; __asm__ volatile("csrr %0, cycle" : "=r"(v)); break; }
	case 6: { uint64_t v; __asm__ volatile("csrr %0, time" : "=r"(v)); break; }
	case 7: { uint64_t v; __asm__ volatile("csrr %0, instret" : "=r"(v)); break; }
	case 8: { uint64_t v; __asm__ volatile("csrr %0, sstatus" : "=r"(v)); break; }
	case 9: __asm__ volatile(".word 0xffffffff"); break;
	}
	return rt_trap.count ? rt_trap.cause | ((uint64_t)rt_trap.mode << 8) : 0xff;
}

static const char *const insn_names[] = {"mret", "sret", "wfi", "sfence.vma", "csrr satp",
	"rdcycle", "rdtime", "rdinstret", "csrr sstatus", "illegal"};

/* Print "<mode> <insn>: ok" or "<mode> <insn>: trap cause=N in M/S". */
static void try_insn(int prv, int which, const char *note)
{
	uint64_t r = rt_run_in_mode(prv, do_insn, which);
	rt_printf("%c-mode %s%s: ", prv == RT_PRV_S ? 'S' : 'U', insn_names[which], note);
	if (r == 0xff)
		rt_puts("ok\n");
	else
		rt_printf("trap cause=%lu in %c\n", r & 0xff, (char)(r >> 8));
}

static void modes(void)
{
	rt_check("S-mode csrr mscratch: illegal (1 trap, cause 2)", rt_run_in_mode(RT_PRV_S, probe_mscratch, 0), 102);
	rt_check("U-mode csrr mscratch: illegal", rt_run_in_mode(RT_PRV_U, probe_mscratch, 0), 102);
	rt_check("S-mode csrrw sscratch: allowed", rt_run_in_mode(RT_PRV_S, probe_sscratch, 0), 0);
	rt_check("U-mode csrrw sscratch: illegal", rt_run_in_mode(RT_PRV_U, probe_sscratch, 0), 202);
	rt_check("ecall from U: cause 8 in M", rt_run_in_mode(RT_PRV_U, do_ecall, 0), 8 | 'M' << 8);
	rt_check("ecall from S: cause 9 in M", rt_run_in_mode(RT_PRV_S, do_ecall, 0), 9 | 'M' << 8);
	rt_check("U-mode function result comes back", rt_run_in_mode(RT_PRV_U, identity, 0x1234567887654321ul), 0x1234567887654321ul);
}

static void xret_fields(void)
{
	uint64_t st;
	/* mret to M: MIE <- MPIE, MPIE <- 1, MPP <- U */
	csr_clear(mstatus, MSTATUS_MIE | MSTATUS_MPIE);
	csr_set(mstatus, MSTATUS_MPP);
	__asm__ volatile("la t0, 1f\n\tcsrw mepc, t0\n\tmret\n1:" ::: "t0");
	st = csr_read(mstatus);
	rt_check("after mret: MPP = U", (st >> 11) & 3, 0);
	rt_check("after mret: MPIE = 1", (st >> 7) & 1, 1);
	rt_check("after mret: MIE = old MPIE (0)", (st >> 3) & 1, 0);
}

static uint64_t sret_probe(uint64_t arg)
{
	/* in S: set SPP=S, SPIE=1, SIE=0; sret to the next label (stays in S) */
	uint64_t st;
	__asm__ volatile("csrs sstatus, %1\n\tcsrc sstatus, %2\n\tla t0, 1f\n\tcsrw sepc, t0\n\tsret\n1:\tcsrr %0, sstatus"
			 : "=r"(st) : "r"(MSTATUS_SPP | MSTATUS_SPIE), "r"(MSTATUS_SIE) : "t0");
	return st;
}

static void sret_fields(void)
{
	uint64_t st = rt_run_in_mode(RT_PRV_S, sret_probe, 0);
	rt_check("after sret: SPP = U", (st >> 8) & 1, 0);
	rt_check("after sret: SPIE = 1", (st >> 5) & 1, 1);
	rt_check("after sret: SIE = old SPIE (1)", (st >> 1) & 1, 1);
}

static void restrictions(void)
{
	try_insn(RT_PRV_S, 0, "");
	try_insn(RT_PRV_U, 0, "");
	try_insn(RT_PRV_U, 1, "");
	try_insn(RT_PRV_S, 3, "");
	try_insn(RT_PRV_S, 4, "");
	try_insn(RT_PRV_U, 3, "");
	try_insn(RT_PRV_U, 4, "");
	try_insn(RT_PRV_U, 8, "");
	try_insn(RT_PRV_U, 2, "");
	csr_set(mstatus, MSTATUS_TSR);
	try_insn(RT_PRV_S, 1, " with TSR=1");
	csr_clear(mstatus, MSTATUS_TSR);
	csr_set(mstatus, MSTATUS_TVM);
	try_insn(RT_PRV_S, 3, " with TVM=1");
	try_insn(RT_PRV_S, 4, " with TVM=1");
	csr_clear(mstatus, MSTATUS_TVM);
	csr_set(mstatus, MSTATUS_TW);
	try_insn(RT_PRV_S, 2, " with TW=1");
	csr_clear(mstatus, MSTATUS_TW);
	/* counters: mcounteren gates S and U, scounteren gates U */
	csr_write(mcounteren, 0);
	csr_write(scounteren, 0);
	for (int w = 5; w <= 7; w++) {
		try_insn(RT_PRV_S, w, " mcounteren=0");
		try_insn(RT_PRV_U, w, " mcounteren=0");
	}
	csr_write(mcounteren, 7);
	for (int w = 5; w <= 7; w++) {
		try_insn(RT_PRV_S, w, " mcounteren=7");
		try_insn(RT_PRV_U, w, " mcounteren=7 scounteren=0");
	}
	csr_write(scounteren, 5);
	for (int w = 5; w <= 7; w++)
		try_insn(RT_PRV_U, w, " mcounteren=7 scounteren=5");
	csr_write(mcounteren, 0);
	csr_write(scounteren, 0);
}

static uint64_t s_seen_status, s_seen_cause;
static int s_hook(struct rt_frame *f)
{
	s_seen_status = f->status;
	s_seen_cause = f->cause;
	return 0;   /* the default (catch) handling records and skips */
}

static void delegation(void)
{
	rt_strap_hook = s_hook;
	csr_write(medeleg, (1 << 8) | (1 << 2) | (1 << 3));
	rt_check("ecall from U delegated: cause 8 in S", rt_run_in_mode(RT_PRV_U, do_ecall, 0), 8 | 'S' << 8);
	rt_check("  sstatus.SPP = U", (s_seen_status >> 8) & 1, 0);
	rt_check("ecall from S not delegated: cause 9 in M", rt_run_in_mode(RT_PRV_S, do_ecall, 0), 9 | 'M' << 8);
	try_insn(RT_PRV_U, 9, " (medeleg has illegal)");
	try_insn(RT_PRV_S, 9, " (medeleg has illegal)");
	rt_check("  sstatus.SPP = S", (s_seen_status >> 8) & 1, 1);
	rt_check("  scause", s_seen_cause, 2);
	rt_check("  stval = the instruction or 0", rt_trap.tval == 0xffffffff || rt_trap.tval == 0, 1);
	/* exceptions in M are never delegated */
	rt_trap_reset();
	__asm__ volatile(".word 0xffffffff");
	rt_check("illegal in M stays in M", rt_trap.mode, 'M');
	csr_write(medeleg, 0);
	try_insn(RT_PRV_U, 9, " (medeleg 0)");
	rt_strap_hook = 0;
}

int main(void)
{
	rt_catch = 1;
	modes();
	xret_fields();
	sret_fields();
	restrictions();
	delegation();
	rt_catch = 0;
	return rt_done("priv");
}
