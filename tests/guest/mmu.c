/* mmu: Sv39 and Sv48 paging, built by the test itself.
 * Translation of 4 KiB pages, megapages and gigapages; page faults with the right
 * cause and tval (invalid PTE, permission, W without R, misaligned superpage,
 * non-canonical address, leaf missing at level 0, reserved PTE bits); U/S
 * separation with SUM, MXR, fetch from non-X pages; accessed/dirty bits set by the
 * hardware (QEMU 7.2 updates A/D itself, so must rr-run); sfence.vma after
 * remapping; M-mode loads through MPRV; an instruction straddling two pages (both
 * mapped, and the second unmapped); page faults delegated to S.
 * Identity gigapages map 0x0 (devices) and 0x80000000 (this program). */
#include "rt.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define RWX (PTE_R | PTE_W | PTE_X)
#define AD (PTE_A | PTE_D)

#define SATP_SV39 (8ul << 60)
#define SATP_SV48 (9ul << 60)

static uint64_t pool[24][512] __attribute__((aligned(4096)));
static int npool;
static uint8_t dpage[8][4096] __attribute__((aligned(4096)));

static uint64_t *newpt(void)
{
	uint64_t *p = pool[npool++];
	memset(p, 0, 4096);
	return p;
}

static uint64_t mkpte(const void *pa, uint64_t flags)
{
	return ((uint64_t)pa >> 12) << 10 | flags;
}

static uint64_t pte_flags(uint64_t pte)
{
	return pte & 0x3ff;
}

#define VA0 0x40000000ul          /* Sv39 test pages: VA0 + i * 4096 -> l0[i] */

static uint64_t *root39, *uroot39, *l1, *l0;

static void build_sv39(void)
{
	npool = 0;
	root39 = newpt();
	uroot39 = newpt();
	l1 = newpt();
	l0 = newpt();
	root39[0] = mkpte((void *)0, PTE_R | PTE_W | AD | PTE_V);
	root39[2] = mkpte((void *)0x80000000ul, RWX | AD | PTE_V);
	root39[1] = mkpte(l1, PTE_V);
	l1[0] = mkpte(l0, PTE_V);
	/* user view: the program's gigapage is a U page */
	uroot39[0] = root39[0];
	uroot39[2] = mkpte((void *)0x80000000ul, RWX | PTE_U | AD | PTE_V);
	uroot39[1] = root39[1];
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4096; j += 8)
			*(uint64_t *)&dpage[i][j] = 0x1111111111111111ul * (i + 1) + j;
}

static void flush(void)
{
	__asm__ volatile("sfence.vma\n\tfence.i" ::: "memory");
}

static uint64_t s_load(uint64_t va)
{
	uint64_t v = 0xdead;
	__asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
	return v;
}

static uint64_t s_store(uint64_t va)
{
	__asm__ volatile("sd %0, 0(%1)" :: "r"(0x5a5a5a5a5a5a5a5aul), "r"(va) : "memory");
	return 0;
}

static uint64_t s_amo(uint64_t va)
{
	uint64_t v = 0xdead;
	__asm__ volatile("amoadd.d %0, %1, (%2)" : "+r"(v) : "r"(1ul), "r"(va) : "memory");
	return v;
}

static uint64_t s_exec(uint64_t va)
{
	return ((uint64_t (*)(uint64_t))va)(5);
}

/* Run fn(va) in mode prv and print its result or the trap it took. */
static void try(const char *what, int prv, uint64_t (*fn)(uint64_t), uint64_t va)
{
	rt_trap_reset();
	uint64_t r = rt_run_in_mode(prv, fn, va);
	rt_printf("%s @%lx: ", what, va);
	if (rt_trap.count)
		rt_printf("trap cause=%lu tval=%lx in %c\n", rt_trap.cause, rt_trap.tval, rt_trap.mode);
	else
		rt_printf("ok %lx\n", r);
}

static void want_trap(uint64_t cause, uint64_t tval)
{
	if (rt_trap.count != 1 || rt_trap.cause != cause || rt_trap.tval != tval) {
		rt_printf("  FAIL (want one trap, cause %lu tval %lx)\n", cause, tval);
		rt_failures++;
	}
}

static void want_ok(void)
{
	if (rt_trap.count) {
		rt_puts("  FAIL (want no trap)\n");
		rt_failures++;
	}
}

static void sv39_basic(void)
{
	build_sv39();
	csr_write(satp, SATP_SV39 | ((uint64_t)root39 >> 12));
	l0[0] = mkpte(dpage[0], PTE_R | PTE_V);             /* A=0 D=0 */
	l0[1] = mkpte(dpage[1], PTE_R | PTE_W | PTE_V);     /* A=0 D=0 */
	l0[2] = mkpte(dpage[2], PTE_R | PTE_A | PTE_V);     /* read-only */
	l0[3] = 0;                                          /* invalid */
	l0[4] = mkpte(dpage[4], PTE_W | PTE_A | PTE_D | PTE_V); /* W without R: reserved */
	l0[5] = mkpte(dpage[5], PTE_R | PTE_U | AD | PTE_V);   /* user page */
	l0[6] = mkpte(dpage[6], PTE_X | PTE_A | PTE_V);        /* execute-only */
	l0[7] = mkpte(dpage[7], PTE_R | PTE_W | AD | PTE_V);   /* data, not executable */
	flush();

	try("S load R page (A=0)", RT_PRV_S, s_load, VA0 + 8);
	want_ok();
	rt_check("  value", s_load(0) * 0 + *(uint64_t *)&dpage[0][8], 0x1111111111111119ul);
	rt_check("  PTE A set, D clear", pte_flags(l0[0]) & AD, PTE_A);
	try("S store RW page (A=0 D=0)", RT_PRV_S, s_store, VA0 + 0x1010);
	want_ok();
	rt_check("  memory written", *(uint64_t *)&dpage[1][0x10], 0x5a5a5a5a5a5a5a5aul);
	rt_check("  PTE A and D set", pte_flags(l0[1]) & AD, AD);
	try("S store read-only page", RT_PRV_S, s_store, VA0 + 0x2008);
	want_trap(15, VA0 + 0x2008);
	rt_check("  PTE D still clear", pte_flags(l0[2]) & PTE_D, 0);
	try("S amoadd read-only page", RT_PRV_S, s_amo, VA0 + 0x2000);
	want_trap(15, VA0 + 0x2000);
	try("S load invalid page", RT_PRV_S, s_load, VA0 + 0x3ff8);
	want_trap(13, VA0 + 0x3ff8);
	try("S store invalid page", RT_PRV_S, s_store, VA0 + 0x3000);
	want_trap(15, VA0 + 0x3000);
	try("S load W-without-R page", RT_PRV_S, s_load, VA0 + 0x4000);
	want_trap(13, VA0 + 0x4000);
	try("S load U page, SUM=0", RT_PRV_S, s_load, VA0 + 0x5000);
	want_trap(13, VA0 + 0x5000);
	csr_set(mstatus, MSTATUS_SUM);
	try("S load U page, SUM=1", RT_PRV_S, s_load, VA0 + 0x5000);
	want_ok();
	csr_clear(mstatus, MSTATUS_SUM);
	try("S load X-only page, MXR=0", RT_PRV_S, s_load, VA0 + 0x6000);
	want_trap(13, VA0 + 0x6000);
	csr_set(mstatus, MSTATUS_MXR);
	try("S load X-only page, MXR=1", RT_PRV_S, s_load, VA0 + 0x6000);
	want_ok();
	csr_clear(mstatus, MSTATUS_MXR);
	/* code in the execute-only page: addi a0, a0, 1; ret */
	*(uint32_t *)&dpage[6][0x100] = 0x00150513;
	*(uint16_t *)&dpage[6][0x104] = 0x8082;
	*(uint32_t *)&dpage[7][0x100] = 0x00150513;
	*(uint16_t *)&dpage[7][0x104] = 0x8082;
	flush();
	try("S exec X-only page", RT_PRV_S, s_exec, VA0 + 0x6100);
	want_ok();
	rt_check("  returned a0 + 1", rt_run_in_mode(RT_PRV_S, s_exec, VA0 + 0x6100), 6);
	l0[8] = mkpte(dpage[6], PTE_X | PTE_V);          /* same code, A=0 */
	flush();
	try("S exec X page with A=0", RT_PRV_S, s_exec, VA0 + 0x8100);
	want_ok();
	rt_check("  PTE A set by the fetch, D clear", pte_flags(l0[8]) & AD, PTE_A);
	try("S exec non-X page", RT_PRV_S, s_exec, VA0 + 0x7100);
	want_trap(12, VA0 + 0x7100);
	l0[5] |= PTE_X;
	*(uint32_t *)&dpage[5][0x100] = 0x00150513;
	*(uint16_t *)&dpage[5][0x104] = 0x8082;
	flush();
	csr_set(mstatus, MSTATUS_SUM);
	try("S exec U page (even with SUM)", RT_PRV_S, s_exec, VA0 + 0x5100);
	want_trap(12, VA0 + 0x5100);
	csr_clear(mstatus, MSTATUS_SUM);

	/* non-canonical: bits 63..39 must copy bit 38 */
	try("S load non-canonical", RT_PRV_S, s_load, 0x0000008000000000ul);
	want_trap(13, 0x0000008000000000ul);
	try("S load sign-extended high half (unmapped)", RT_PRV_S, s_load, 0xffffffc000000000ul);
	want_trap(13, 0xffffffc000000000ul);
	csr_write(satp, 0);
}

static void sv39_levels(void)
{
	build_sv39();
	csr_write(satp, SATP_SV39 | ((uint64_t)root39 >> 12));
	/* 2 MiB megapage at VA0 + 4 MiB -> PA 0x80400000 */
	l1[2] = mkpte((void *)0x80400000ul, PTE_R | PTE_W | AD | PTE_V);
	/* misaligned megapage: PPN[0] != 0 */
	l1[3] = mkpte((void *)0x80401000ul, PTE_R | PTE_W | AD | PTE_V);
	/* misaligned gigapage at root[3] */
	root39[3] = mkpte((void *)0x80200000ul, PTE_R | AD | PTE_V);
	/* pointer at level 0 (no leaf): l0[9] points to a table */
	l0[9] = mkpte(l0, PTE_V);
	/* reserved high bits set (bits 60:54) */
	l0[10] = mkpte(dpage[0], PTE_R | AD | PTE_V) | (1ul << 54);
	flush();
	*(volatile uint64_t *)0x80400ff8ul = 0x4242424242424242ul;
	try("S load megapage", RT_PRV_S, s_load, VA0 + 0x400ff8);
	want_ok();
	rt_check("  value", rt_run_in_mode(RT_PRV_S, s_load, VA0 + 0x400ff8), 0x4242424242424242ul);
	try("S store megapage", RT_PRV_S, s_store, VA0 + 0x401000);
	want_ok();
	rt_check("  landed at PA 0x80401000", *(volatile uint64_t *)0x80401000ul, 0x5a5a5a5a5a5a5a5aul);
	/* A/D on a megapage leaf */
	l1[4] = mkpte((void *)0x80400000ul, PTE_R | PTE_W | PTE_V);
	flush();
	try("S load megapage with A=0", RT_PRV_S, s_load, VA0 + 0x800008);
	rt_check("  leaf A set, D clear", pte_flags(l1[4]) & AD, PTE_A);
	try("S store megapage with D=0", RT_PRV_S, s_store, VA0 + 0x800010);
	rt_check("  leaf A and D set", pte_flags(l1[4]) & AD, AD);
	rt_check("  non-leaf PTEs untouched", pte_flags(root39[1]), PTE_V);
	try("S load misaligned megapage", RT_PRV_S, s_load, VA0 + 0x600000);
	want_trap(13, VA0 + 0x600000);
	try("S load misaligned gigapage", RT_PRV_S, s_load, 0xc0000000ul);
	want_trap(13, 0xc0000000ul);
	try("S load pointer PTE at level 0", RT_PRV_S, s_load, VA0 + 0x9000);
	want_trap(13, VA0 + 0x9000);
	try("S load PTE with reserved bit 54", RT_PRV_S, s_load, VA0 + 0xa000);
	want_trap(13, VA0 + 0xa000);
	/* sfence.vma makes a remapping visible */
	l0[0] = mkpte(dpage[0], PTE_R | AD | PTE_V);
	flush();
	rt_check("before remap", rt_run_in_mode(RT_PRV_S, s_load, VA0), 0x1111111111111111ul);
	l0[0] = mkpte(dpage[1], PTE_R | AD | PTE_V);
	flush();
	rt_check("after remap + sfence.vma", rt_run_in_mode(RT_PRV_S, s_load, VA0 + 8), 0x2222222222222222ul + 8);
	l0[0] = 0;
	flush();
	rt_check("after unmap + sfence.vma: faults", rt_run_in_mode(RT_PRV_S, s_load, VA0 + 8) == 0xdead && rt_trap.cause == 13, 1);
	csr_write(satp, 0);
}

static void sv39_user_mprv(void)
{
	build_sv39();
	l0[0] = mkpte(dpage[0], PTE_R | PTE_U | AD | PTE_V);
	l0[1] = mkpte(dpage[1], PTE_R | PTE_W | AD | PTE_V);   /* supervisor page */
	l0[2] = mkpte(dpage[2], PTE_R | PTE_U | PTE_A | PTE_V); /* user read-only, D=0 */
	csr_write(satp, SATP_SV39 | ((uint64_t)uroot39 >> 12));
	flush();
	try("U load U page", RT_PRV_U, s_load, VA0 + 16);
	want_ok();
	try("U load S page", RT_PRV_U, s_load, VA0 + 0x1000);
	want_trap(13, VA0 + 0x1000);
	try("U store U read-only page", RT_PRV_U, s_store, VA0 + 0x2000);
	want_trap(15, VA0 + 0x2000);
	/* M-mode loads through MPRV with MPP=S: translated with S rights. MPRV is
	 * switched on and off around the one load: after the mret of a trap taken
	 * from M, MPP is U and MPRV still set. */
	csr_write(satp, SATP_SV39 | ((uint64_t)root39 >> 12));
	flush();
	uint64_t v = 0;
	uint64_t st = csr_read(mstatus);
	uint64_t on = (st & ~MSTATUS_MPP) | (1ul << 11) | MSTATUS_MPRV;
	__asm__ volatile("csrw mstatus, %2\n\tld %0, 0(%1)\n\tcsrw mstatus, %3"
			 : "+r"(v) : "r"(VA0 + 0x1008), "r"(on), "r"(st) : "memory");
	rt_check("M load via MPRV (MPP=S)", v, 0x2222222222222222ul + 8);
	rt_trap_reset();
	v = 0xdead;
	__asm__ volatile("csrw mstatus, %2\n\tld %0, 0(%1)\n\tcsrw mstatus, %3"
			 : "+r"(v) : "r"(VA0 + 0x3000), "r"(on), "r"(st) : "memory");
	rt_printf("M load via MPRV of an invalid page: cause=%ld tval=%lx\n", rt_trap.cause, rt_trap.tval);
	want_trap(13, VA0 + 0x3000);
	csr_write(satp, 0);
}

static void straddle(void)
{
	build_sv39();
	l0[0] = mkpte(dpage[0], PTE_X | PTE_R | AD | PTE_V);
	l0[1] = mkpte(dpage[1], PTE_X | PTE_R | AD | PTE_V);
	l0[2] = mkpte(dpage[2], PTE_X | PTE_R | AD | PTE_V);
	l0[3] = 0;
	/* addi a0, a0, 1 split over the page boundary 0->1, then ret */
	*(uint16_t *)&dpage[0][4094] = 0x0513;
	*(uint16_t *)&dpage[1][0] = 0x0015;
	*(uint16_t *)&dpage[1][2] = 0x8082;
	/* the same at the boundary 2->3, page 3 unmapped */
	*(uint16_t *)&dpage[2][4094] = 0x0513;
	csr_write(satp, SATP_SV39 | ((uint64_t)root39 >> 12));
	flush();
	try("S exec insn straddling two pages", RT_PRV_S, s_exec, VA0 + 4094);
	want_ok();
	rt_check("  result", rt_run_in_mode(RT_PRV_S, s_exec, VA0 + 4094), 6);
	try("S exec insn straddling into an unmapped page", RT_PRV_S, s_exec, VA0 + 0x2000 + 4094);
	rt_check("  cause", rt_trap.cause, 12);
	rt_check("  epc = the instruction", rt_trap.epc, VA0 + 0x2000 + 4094);
	rt_check("  tval = the instruction or the faulting page", rt_trap.tval == VA0 + 0x3000 || rt_trap.tval == VA0 + 0x2000 + 4094, 1);
	/* a misaligned load whose second half is on the unmapped page */
	try("S load straddling into an unmapped page", RT_PRV_S, s_load, VA0 + 0x2ffc);
	rt_check("  cause", rt_trap.cause, 13);
	rt_note("  tval - start of the access", rt_trap.tval - (VA0 + 0x2ffc));
	try("S store straddling into an unmapped page", RT_PRV_S, s_store, VA0 + 0x2ffa);
	rt_check("  cause", rt_trap.cause, 15);
	rt_note("  tval - start of the access", rt_trap.tval - (VA0 + 0x2ffa));
	csr_write(satp, 0);
}

static void delegated(void)
{
	build_sv39();
	l0[0] = mkpte(dpage[0], PTE_R | AD | PTE_V);
	csr_write(satp, SATP_SV39 | ((uint64_t)root39 >> 12));
	flush();
	csr_write(medeleg, (1 << 12) | (1 << 13) | (1 << 15));
	try("S load invalid page, delegated", RT_PRV_S, s_load, VA0 + 0x1234);
	want_trap(13, VA0 + 0x1234);
	rt_check("  handled in S", rt_trap.mode, 'S');
	try("S store R page, delegated", RT_PRV_S, s_store, VA0 + 8);
	want_trap(15, VA0 + 8);
	rt_check("  handled in S", rt_trap.mode, 'S');
	csr_write(medeleg, 0);
	csr_write(satp, 0);
}

#define VA48 0x0000008000000000ul   /* needs Sv48: beyond Sv39's reach */

static void sv48(void)
{
	npool = 0;
	uint64_t *r4 = newpt(), *l2a = newpt(), *l2b = newpt(), *l1b = newpt(), *l0b = newpt();
	r4[0] = mkpte(l2a, PTE_V);
	l2a[0] = mkpte((void *)0, PTE_R | PTE_W | AD | PTE_V);
	l2a[2] = mkpte((void *)0x80000000ul, RWX | AD | PTE_V);
	r4[1] = mkpte(l2b, PTE_V);                       /* VA48 */
	l2b[0] = mkpte(l1b, PTE_V);
	l1b[0] = mkpte(l0b, PTE_V);
	l0b[0] = mkpte(dpage[3], PTE_R | PTE_V);          /* A=0 */
	l0b[1] = mkpte(dpage[4], PTE_R | PTE_W | PTE_V);  /* A=0 D=0 */
	l2b[1] = mkpte((void *)0x80000000ul, PTE_R | AD | PTE_V);   /* gigapage, aligned */
	l2b[2] = mkpte((void *)0x80200000ul, PTE_R | AD | PTE_V);   /* gigapage, misaligned */
	r4[2] = mkpte((void *)0x80000000ul, PTE_R | AD | PTE_V);    /* terapage, misaligned */
	for (int j = 0; j < 4096; j += 8)
		*(uint64_t *)&dpage[3][j] = 0x3333333333333333ul + j;
	csr_write(satp, SATP_SV48 | ((uint64_t)r4 >> 12));
	rt_check("satp mode Sv48 accepted", csr_read(satp) >> 60, 9);
	flush();
	try("Sv48 S load 4K page (A=0)", RT_PRV_S, s_load, VA48 + 0x18);
	want_ok();
	rt_check("  value", rt_run_in_mode(RT_PRV_S, s_load, VA48 + 0x18), 0x333333333333334bul);
	rt_check("  PTE A set", pte_flags(l0b[0]) & AD, PTE_A);
	try("Sv48 S store (A=0 D=0)", RT_PRV_S, s_store, VA48 + 0x1000);
	want_ok();
	rt_check("  PTE A and D set", pte_flags(l0b[1]) & AD, AD);
	try("Sv48 S load gigapage", RT_PRV_S, s_load, VA48 + 0x40000000ul);
	want_ok();
	try("Sv48 S load misaligned gigapage", RT_PRV_S, s_load, VA48 + 0x80000000ul);
	want_trap(13, VA48 + 0x80000000ul);
	try("Sv48 S load misaligned terapage", RT_PRV_S, s_load, 2 * VA48);
	want_trap(13, 2 * VA48);
	try("Sv48 S load unmapped", RT_PRV_S, s_load, VA48 + 0x2000);
	want_trap(13, VA48 + 0x2000);
	try("Sv48 S load non-canonical", RT_PRV_S, s_load, 0x0000800000000000ul);
	want_trap(13, 0x0000800000000000ul);
	csr_write(satp, 0);
	flush();
}

int main(void)
{
	rt_catch = 1;
	sv39_basic();
	sv39_levels();
	sv39_user_mprv();
	straddle();
	delegated();
	sv48();
	rt_catch = 0;
	return rt_done("mmu");
}
