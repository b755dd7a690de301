/* dump.c: the end of every difftest program. The generated sequence (gen.py) stores
 * x1..x31, f0..f31, fcsr and mscratch into difftest_regs, restores gp, sp and the
 * runtime's mscratch, and calls difftest_dump(), which prints them and an FNV-1a
 * checksum of the scratch buffer, one "name = hex" line each, and powers off
 * with code 0. */
#include "rt.h"

extern uint64_t difftest_regs[66];       /* x0..x31, f0..f31, fcsr, mscratch */
extern uint8_t difftest_scratch[];
extern const uint64_t difftest_scratch_size;

void difftest_dump(void) __attribute__((noreturn));
void difftest_dump(void)
{
	uint64_t h = 0xcbf29ce484222325ul;
	for (uint64_t i = 0; i < difftest_scratch_size; i++) {
		h ^= difftest_scratch[i];
		h *= 0x100000001b3ul;
	}
	for (int i = 1; i < 32; i++)
		rt_printf("x%d = %016lx\n", i, difftest_regs[i]);
	for (int i = 0; i < 32; i++)
		rt_printf("f%d = %016lx\n", i, difftest_regs[32 + i]);
	rt_printf("fcsr = %016lx\n", difftest_regs[64]);
	rt_printf("mscratch = %016lx\n", difftest_regs[65]);
	rt_printf("scratch = %016lx\n", h);
	rt_exit(0);
}
