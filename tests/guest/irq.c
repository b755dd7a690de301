/* irq: interrupts from the CLINT and from software-writable mip bits.
 * Machine timer (mtimecmp, with and without WFI), machine software interrupt
 * (msip), priority when several are pending (MSI before MTI), WFI with MIE=0
 * (wakes, no trap), M interrupts taken in U even with MIE=0, vectored mtvec and
 * stvec, delegation of SSI/STI to S (taken from U regardless of SIE, not taken in
 * M), and the S handler's view. Only causes, counts and order are printed: never
 * the epc of an interrupt or a time, which depend on speed. */
#include "rt.h"

#define MSIP     (*(volatile uint32_t *)CLINT_MSIP)
#define MTIMECMP (*(volatile uint64_t *)CLINT_MTIMECMP)
#define MTIME    (*(volatile uint64_t *)CLINT_MTIME)

static volatile int nirq;
static volatile uint64_t order[8];
static volatile uint64_t last_mpp, last_spp;

static void record(uint64_t cause)
{
	if (nirq < 8)
		order[nirq] = cause;
	nirq++;
}

/* M-level interrupt handler: record and silence the source. */
static int m_irq(struct rt_frame *f)
{
	if ((int64_t)f->cause >= 0)
		return 0;
	uint64_t c = f->cause & 0xff;
	record(f->cause);
	last_mpp = (f->status >> 11) & 3;
	if (c == 3)
		MSIP = 0;
	else if (c == 7)
		MTIMECMP = ~0ul;
	else if (c == 1 || c == 5)
		csr_clear(mip, 1ul << c);
	else {
		rt_printf("unexpected M interrupt %lu\n", c);
		rt_exit(98);
	}
	return 1;
}

/* S-level interrupt handler: record; SSIP is cleared through sip, STIP (read-only
 * in S) by disabling it in sie (M clears the pending bit afterwards). */
static int s_irq(struct rt_frame *f)
{
	if ((int64_t)f->cause >= 0)
		return 0;
	record(f->cause | 0x100);   /* tag: taken in S */
	last_spp = (f->status >> 8) & 1;
	if ((f->cause & 0xff) == 1)
		csr_clear(sip, 2);
	else
		csr_clear(sie, 1ul << 5);
	return 1;
}

static void reset_log(void)
{
	nirq = 0;
	for (int i = 0; i < 8; i++)
		order[i] = 0;
}

static void print_log(const char *what)
{
	rt_printf("%s: %d interrupt(s):", what, nirq);
	for (int i = 0; i < nirq && i < 8; i++)
		rt_printf(" %s%lu", (order[i] & 0x100) ? "S:" : "M:", order[i] & 0xff);
	rt_putc('\n');
}

/* Wait (bounded) until n interrupts were seen. */
static void spin_until(int n)
{
	for (long i = 0; i < 20000000 && nirq < n; i++)
		__asm__ volatile("nop");
}

static void timer(void)
{
	MTIMECMP = ~0ul;
	rt_check("MTIP clear with mtimecmp = ~0", (csr_read(mip) >> 7) & 1, 0);
	MTIMECMP = 0;
	rt_check("MTIP set with mtimecmp = 0 (in the past)", (csr_read(mip) >> 7) & 1, 1);
	MTIMECMP = ~0ul;

	/* WFI with MIE=0 (so the interrupt cannot slip in between the check and the
	 * WFI and leave it waiting forever), then open MIE to take it */
	reset_log();
	csr_write(mie, (1ul << 7));
	MTIMECMP = MTIME + 200;
	for (int i = 0; i < 1000 && nirq == 0; i++) {
		__asm__ volatile("wfi");
		csr_set(mstatus, MSTATUS_MIE);
		csr_clear(mstatus, MSTATUS_MIE);
	}
	print_log("timer with wfi");
	rt_check("  count", nirq, 1);
	rt_check("  cause", order[0], 0x8000000000000007ul);
	rt_check("  MPP at the interrupt = M", last_mpp, 3);

	reset_log();
	csr_set(mstatus, MSTATUS_MIE);
	MTIMECMP = MTIME + 500;
	spin_until(1);
	csr_clear(mstatus, MSTATUS_MIE);
	print_log("timer while spinning");
	rt_check("  count", nirq, 1);

	/* WFI with MIE=0 wakes up on a pending enabled interrupt but does not trap */
	reset_log();
	MTIMECMP = MTIME + 200;
	for (int i = 0; i < 1000 && !((csr_read(mip) >> 7) & 1); i++)
		__asm__ volatile("wfi");
	rt_check("wfi with MIE=0: woke with MTIP pending", (csr_read(mip) >> 7) & 1, 1);
	rt_check("  no trap taken", nirq, 0);
	MTIMECMP = ~0ul;
	csr_write(mie, 0);
}

static void software(void)
{
	reset_log();
	csr_write(mie, (1ul << 3));
	csr_set(mstatus, MSTATUS_MIE);
	MSIP = 1;
	spin_until(1);
	csr_clear(mstatus, MSTATUS_MIE);
	print_log("msip");
	rt_check("  cause", order[0], 0x8000000000000003ul);
	rt_check("  msip reads 0 after clearing", MSIP, 0);
	rt_check("  MSIP clear in mip", (csr_read(mip) >> 3) & 1, 0);

	/* priority: MSI (3) before MTI (7) when both are pending */
	reset_log();
	csr_write(mie, (1ul << 3) | (1ul << 7));
	MSIP = 1;
	MTIMECMP = 0;
	csr_set(mstatus, MSTATUS_MIE);
	spin_until(2);
	csr_clear(mstatus, MSTATUS_MIE);
	print_log("msi+mti pending together");
	rt_check("  count", nirq, 2);
	rt_check("  first MSI", order[0], 0x8000000000000003ul);
	rt_check("  then MTI", order[1], 0x8000000000000007ul);
	csr_write(mie, 0);
}

static uint64_t u_spin(uint64_t n)
{
	for (long i = 0; i < 20000000 && nirq < (int)n; i++)
		__asm__ volatile("nop");
	return nirq;
}

/* Spin a short while (an interrupt that must not be taken). */
static uint64_t u_spin_short(uint64_t n)
{
	for (long i = 0; i < 100000 && nirq < (int)n; i++)
		__asm__ volatile("nop");
	return nirq;
}

static void lower_modes(void)
{
	/* M interrupts are enabled in U even with mstatus.MIE = 0 */
	reset_log();
	csr_clear(mstatus, MSTATUS_MIE);
	csr_write(mie, (1ul << 3));
	MSIP = 1;
	rt_run_in_mode(RT_PRV_U, u_spin, 1);
	print_log("msip while in U with MIE=0");
	rt_check("  count", nirq, 1);
	rt_check("  MPP = U", last_mpp, 0);
	csr_write(mie, 0);

	/* delegated SSI from U goes to S even with SIE = 0 */
	reset_log();
	csr_write(mideleg, (1ul << 1) | (1ul << 5));
	csr_write(mie, (1ul << 1) | (1ul << 5));
	csr_clear(mstatus, MSTATUS_SIE);
	csr_set(mip, (1ul << 1));
	rt_check("delegated SSIP pending in M: not taken in M", nirq, 0);
	rt_run_in_mode(RT_PRV_U, u_spin, 1);
	print_log("delegated ssi while in U");
	rt_check("  count", nirq, 1);
	rt_check("  SPP = U", last_spp, 0);

	/* delegated STI: M sets STIP; S with SIE=0 does not take it, with SIE=1 does */
	reset_log();
	csr_set(mip, (1ul << 5));
	rt_run_in_mode(RT_PRV_S, u_spin_short, 1);
	rt_check("STIP pending in S with SIE=0: not taken", nirq, 0);
	csr_set(mstatus, MSTATUS_SIE);
	rt_run_in_mode(RT_PRV_S, u_spin, 1);
	csr_clear(mstatus, MSTATUS_SIE);
	print_log("delegated sti in S with SIE=1");
	rt_check("  count", nirq, 1);
	rt_check("  SPP = S", last_spp, 1);
	csr_clear(mip, (1ul << 5));

	/* not delegated: SSI goes to M, from S */
	reset_log();
	csr_write(mideleg, 0);
	csr_write(mie, (1ul << 1));
	csr_set(mip, (1ul << 1));
	rt_run_in_mode(RT_PRV_S, u_spin, 1);
	print_log("ssi not delegated, from S");
	rt_check("  count", nirq, 1);
	rt_check("  MPP = S", last_mpp, 1);
	csr_write(mie, 0);
	csr_write(mideleg, 0);
}

/* Vector tables: only the entry the interrupt must use leads to the handler. */
void vec_bad(void);
extern char mvec[], svec[];
__asm__(
"	.text\n"
"	.option push\n"
"	.option norvc\n"
"	.balign 256\n"
"mvec:\n"
"	j vec_bad\n	j vec_bad\n	j vec_bad\n	j rt_mtrap_entry\n"     /* 3: MSI */
"	j vec_bad\n	j vec_bad\n	j vec_bad\n	j rt_mtrap_entry\n"     /* 7: MTI */
"	j vec_bad\n	j vec_bad\n	j vec_bad\n	j vec_bad\n"
"	.balign 256\n"
"svec:\n"
"	j vec_bad\n	j rt_strap_entry\n	j vec_bad\n	j vec_bad\n"   /* 1: SSI */
"	j vec_bad\n	j rt_strap_entry\n	j vec_bad\n	j vec_bad\n"   /* 5: STI */
"	j vec_bad\n	j vec_bad\n	j vec_bad\n	j vec_bad\n"
"	.option pop\n"
"	.globl vec_bad\n"
"vec_bad:\n"
"	li t0, 0x100000\n"
"	li t1, 0x4d3333\n"   /* fail with code 77 */
"	sw t1, 0(t0)\n"
"1:	j 1b\n"
);

static void vectored(void)
{
	uint64_t save = csr_read(mtvec);
	csr_write(mtvec, (uint64_t)mvec | 1);
	reset_log();
	csr_write(mie, (1ul << 3) | (1ul << 7));
	MSIP = 1;
	MTIMECMP = 0;
	csr_set(mstatus, MSTATUS_MIE);
	spin_until(2);
	csr_clear(mstatus, MSTATUS_MIE);
	csr_write(mtvec, save);
	print_log("vectored mtvec (MSI, MTI)");
	rt_check("  count", nirq, 2);
	csr_write(mie, 0);

	save = csr_read(stvec);
	csr_write(stvec, (uint64_t)svec | 1);
	reset_log();
	csr_write(mideleg, (1ul << 1) | (1ul << 5));
	csr_write(mie, (1ul << 1) | (1ul << 5));
	csr_set(mip, (1ul << 1) | (1ul << 5));
	rt_run_in_mode(RT_PRV_U, u_spin, 2);
	csr_write(stvec, save);
	print_log("vectored stvec (SSI, STI)");
	rt_check("  count", nirq, 2);
	rt_check("  SSI first (priority over STI)", order[0], 0x8000000000000101ul);
	csr_clear(mip, (1ul << 5));
	csr_write(mie, 0);
	csr_write(mideleg, 0);
}

int main(void)
{
	rt_mtrap_hook = m_irq;
	rt_strap_hook = s_irq;
	timer();
	software();
	lower_modes();
	vectored();
	return rt_done("irq");
}
