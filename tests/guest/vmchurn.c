/* vmchurn: churn's store loop run in S-mode under Sv39, through a 4 KiB-page alias
 * of its buffer whose PTEs start with A and D clear (the page walker sets them),
 * for 8 rounds without an sfence.vma, then prints a checksum and the A/D bits.
 * check_machine's test_ram_hash_incremental runs it in slices: the store path's
 * write mappings survive from one state hash to the next unless the machine drops
 * them, so a missed dirty page shows as a wrong RAM hash. */
#include "rt.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define VA 0x40000000ul           /* buf's alias: VA + i * 4096 -> l0[i] */
#define WORDS 32768               /* 256 KiB, 64 pages */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t buf[WORDS] __attribute__((aligned(4096)));

static uint64_t pte(const void *pa, uint64_t flags)
{
	return ((uint64_t)pa >> 12) << 10 | flags;
}

static uint64_t s_churn(uint64_t rounds)
{
	volatile uint64_t *v = (volatile uint64_t *)VA;
	uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;
	for (uint64_t r = 0; r < rounds; r++) {
		for (int i = 0; i < WORDS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[i] = x;
		}
		sum += v[r * 81 & (WORDS - 1)];
	}
	return sum;
}

int main(void)
{
	root[0] = pte((void *)0, PTE_R | PTE_W | PTE_A | PTE_D | PTE_V);
	root[2] = pte((void *)0x80000000ul, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V);
	root[1] = pte(l1, PTE_V);
	l1[0] = pte(l0, PTE_V);
	for (int i = 0; i < WORDS / 512; i++)
		l0[i] = pte(&buf[i * 512], PTE_R | PTE_W | PTE_V);
	__asm__ volatile("csrw satp, %0\n\tsfence.vma" ::"r"(8ul << 60 | (uint64_t)root >> 12) : "memory");
	uint64_t sum = rt_run_in_mode(RT_PRV_S, s_churn, 8);
	rt_printf("vmchurn checksum=%08x\n", (unsigned)(sum ^ sum >> 32));
	rt_note("buf[12345]", buf[12345]);
	rt_check("l0[0] A|D", l0[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
	rt_check("l0[63] A|D", l0[63] & (PTE_A | PTE_D), PTE_A | PTE_D);
	return rt_done("vmchurn");
}
