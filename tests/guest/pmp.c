/* pmp: physical memory protection as OpenSBI uses it.
 * NAPOT and TOR entries, priority of the lowest-numbered match, R/W/X checks for
 * S and U (access faults with tval = the address), M-mode unaffected by unlocked
 * entries, MPRV loads checked with MPP's rights, locked entries binding M and
 * ignoring later writes. The last entry keeps the rest of memory open (RWX). */
#include "rt.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR 0x08
#define PMP_NAPOT 0x18
#define PMP_L 0x80

static uint8_t pages[6][4096] __attribute__((aligned(8192)));

static uint64_t napot(const void *base, uint64_t size)
{
	return ((uint64_t)base >> 2) | ((size >> 3) - 1);
}

static uint64_t s_load(uint64_t a)
{
	uint64_t v = 0xdead;
	__asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
	return v;
}

static uint64_t s_store(uint64_t a)
{
	__asm__ volatile("sd %0, 0(%1)" :: "r"(a), "r"(a) : "memory");
	return 0;
}

static uint64_t s_exec(uint64_t a)
{
	return ((uint64_t (*)(uint64_t))a)(1);
}

static void try(const char *what, int prv, uint64_t (*fn)(uint64_t), uint64_t a, uint64_t want_cause)
{
	rt_trap_reset();
	uint64_t r = rt_run_in_mode(prv, fn, a);
	rt_printf("%s: ", what);
	if (rt_trap.count)
		rt_printf("trap cause=%lu tval=%s\n", rt_trap.cause, rt_trap.tval == a ? "addr" : "other");
	else
		rt_printf("ok %lx\n", r);
	if (want_cause == ~0ul ? rt_trap.count != 0 : (rt_trap.count != 1 || rt_trap.cause != want_cause || rt_trap.tval != a)) {
		rt_printf("  FAIL (cause %ld tval %lx)\n", rt_trap.cause, rt_trap.tval);
		rt_failures++;
	}
}

int main(void)
{
	rt_catch = 1;
	for (int i = 0; i < 6; i++) {
		memset(pages[i], 0, 4096);
		/* addi a0, a0, 1; ret */
		*(uint32_t *)&pages[i][0x100] = 0x00150513;
		*(uint16_t *)&pages[i][0x104] = 0x8082;
	}
	__asm__ volatile("fence.i");
	uint64_t p0 = (uint64_t)pages[0], p1 = (uint64_t)pages[1], p2 = (uint64_t)pages[2];
	uint64_t p3 = (uint64_t)pages[3], p4 = (uint64_t)pages[4];
	/* 0: p0 no access; 1: p1 R; 2: p2 X; 3,4: TOR [p3, p4) RW; 7: everything RWX */
	csr_write(pmpaddr0, napot(pages[0], 4096));
	csr_write(pmpaddr1, napot(pages[1], 4096));
	csr_write(pmpaddr2, napot(pages[2], 4096));
	csr_write(pmpaddr3, p3 >> 2);
	csr_write(pmpaddr4, p4 >> 2);
	csr_write(pmpaddr7, ~0ul);
	csr_write(pmpcfg0, (uint64_t)PMP_NAPOT << 0 | (uint64_t)(PMP_NAPOT | PMP_R) << 8 |
		  (uint64_t)(PMP_NAPOT | PMP_X) << 16 | 0ul << 24 | (uint64_t)(PMP_TOR | PMP_R | PMP_W) << 32 |
		  (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56);
	rt_check("pmpcfg0 read back", csr_read(pmpcfg0), 0x1f00000b001c1918ul);
	rt_check("pmpaddr1 read back", csr_read(pmpaddr1), napot(pages[1], 4096));
	__asm__ volatile("sfence.vma");

	try("S load no-access page", RT_PRV_S, s_load, p0 + 8, 5);
	try("S store no-access page", RT_PRV_S, s_store, p0 + 16, 7);
	try("S fetch no-access page", RT_PRV_S, s_exec, p0 + 0x100, 1);
	try("U load no-access page", RT_PRV_U, s_load, p0 + 8, 5);
	try("S load R page", RT_PRV_S, s_load, p1 + 8, ~0ul);
	try("S store R page", RT_PRV_S, s_store, p1 + 8, 7);
	try("S fetch R page", RT_PRV_S, s_exec, p1 + 0x100, 1);
	try("S fetch X page", RT_PRV_S, s_exec, p2 + 0x100, ~0ul);
	try("S load X page", RT_PRV_S, s_load, p2 + 0x100, 5);
	try("U store TOR RW range (first byte)", RT_PRV_U, s_store, p3, ~0ul);
	try("U store TOR RW range (last word)", RT_PRV_U, s_store, p4 - 8, ~0ul);
	try("U fetch TOR RW range", RT_PRV_U, s_exec, p3 + 0x100, 1);
	try("U store above the TOR range (falls to entry 7)", RT_PRV_U, s_store, p4, ~0ul);
	try("U load of an 8-byte word straddling the R/X boundary", RT_PRV_U, s_load, p2 - 4, 5);

	/* M is not bound by unlocked entries */
	rt_trap_reset();
	*(volatile uint64_t *)(p0 + 8) = 42;
	rt_check("M store to no-access page (unlocked): no trap", rt_trap.count, 0);
	rt_check("M load back", *(volatile uint64_t *)(p0 + 8), 42);
	/* ... unless it uses MPRV with MPP = S */
	uint64_t st = csr_read(mstatus), v = 0xdead;
	uint64_t on = (st & ~MSTATUS_MPP) | (1ul << 11) | MSTATUS_MPRV;
	rt_trap_reset();
	__asm__ volatile("csrw mstatus, %2\n\tld %0, 0(%1)\n\tcsrw mstatus, %3"
			 : "+r"(v) : "r"(p0 + 8), "r"(on), "r"(st) : "memory");
	rt_check("M load with MPRV (MPP=S) of no-access page: cause", rt_trap.cause, 5);

	/* lock entry 0: now M is bound too, and entry 0 ignores writes */
	csr_set(pmpcfg0, PMP_L);
	rt_check("pmpcfg0 entry 0 locked", csr_read(pmpcfg0) & 0xff, PMP_L | PMP_NAPOT);
	rt_trap_reset();
	v = 0xdead;
	__asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(p0 + 8) : "memory");
	rt_check("M load from locked no-access page: cause", rt_trap.cause, 5);
	rt_check("  tval", rt_trap.tval, p0 + 8);
	csr_clear(pmpcfg0, 0xff);
	rt_check("write to locked pmpcfg entry ignored", csr_read(pmpcfg0) & 0xff, PMP_L | PMP_NAPOT);
	csr_write(pmpaddr0, 0);
	rt_check("write to locked pmpaddr ignored", csr_read(pmpaddr0), napot(pages[0], 4096));
	rt_catch = 0;
	return rt_done("pmp");
}
