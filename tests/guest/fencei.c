/* fencei: self-modifying code made visible by fence.i.
 * Code is written into a RAM buffer and run; it is then patched (store, AMO,
 * a compressed pair replacing a 32-bit instruction) and run again after fence.i,
 * many times in a loop so a decode cache must notice every change; and the next
 * instruction of the running code is patched in place, followed by fence.i. */
#include "rt.h"

static uint32_t buf[64] __attribute__((aligned(64)));

/* li a0, imm (addi a0, x0, imm), 12-bit signed */
static uint32_t li_a0(int imm)
{
	return ((uint32_t)(imm & 0xfff) << 20) | (10 << 7) | 0x13;
}
#define RET 0x00008067u        /* jalr x0, 0(ra) */
#define ADDI_A0_1 0x00150513u  /* addi a0, a0, 1 */

static uint64_t call(void)
{
	return ((uint64_t (*)(uint64_t))buf)(0);
}

static uint64_t call_arg(uint64_t a)
{
	return ((uint64_t (*)(uint64_t))buf)(a);
}

/* Runs the next instruction after patching it: the store, fence.i, then the
 * patched slot. Returns a0 (starts at 0; the slot holds addi a0, a0, 7 before). */
uint64_t patch_next(uint32_t insn);
__asm__(
"	.text\n"
"	.balign 4\n"
"	.globl patch_next\n"
"patch_next:\n"
"	.option push\n"
"	.option norvc\n"
"	la t0, 1f\n"
"	sw a0, 0(t0)\n"
"	li a0, 0\n"
"	fence.i\n"
"1:	addi a0, a0, 7\n"
"	ret\n"
"	.option pop\n"
);

int main(void)
{
	buf[0] = li_a0(11);
	buf[1] = RET;
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("first run", call(), 11);
	buf[0] = li_a0(-3);
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("after store + fence.i", call(), (uint64_t)-3);

	/* many patches of code that has just run */
	uint64_t sum = 0;
	for (int i = 0; i < 1000; i++) {
		buf[0] = li_a0(i);
		__asm__ volatile("fence.i" ::: "memory");
		sum += call();
	}
	rt_check("1000 patches, sum of results", sum, 499500);

	/* patch with an AMO */
	uint32_t old;
	__asm__ volatile("amoswap.w %0, %1, (%2)" : "=r"(old) : "r"(li_a0(100)), "r"(&buf[0]) : "memory");
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("after amoswap + fence.i", call(), 100);

	/* a 32-bit instruction replaced by two compressed ones: c.li a0, 9; c.addi a0, 1 */
	buf[0] = 0x0505 << 16 | 0x4525;
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("compressed pair", call(), 10);

	/* a chain of increments growing one instruction at a time */
	for (int n = 0; n < 16; n++) {
		for (int k = 0; k < n; k++)
			buf[k] = ADDI_A0_1;
		buf[n] = RET;
		__asm__ volatile("fence.i" ::: "memory");
		if (call_arg(100) != 100u + n) {
			rt_printf("chain of %d: FAIL\n", n);
			rt_failures++;
		}
	}
	rt_check("chains of 0..15 increments", call_arg(100), 115);

	/* the next instruction of running code */
	rt_check("patch_next: unpatched", patch_next(0x00750513), 7);            /* addi a0,a0,7 */
	rt_check("patch_next: patched to addi a0,a0,42", patch_next(0x02a50513), 42);
	rt_check("patch_next: again", patch_next(0x00750513), 7);
	return rt_done("fencei");
}
